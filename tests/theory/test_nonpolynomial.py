"""Ranks for non-polynomial activations (ntksym.theory.nonpolynomial, through predicted_rank):
exact rules against exact arguments, float64 SVDs and high-precision SVDs."""
import math
from fractions import Fraction as F

import mpmath
import numpy as np
import pytest

import ntksym as nk
from ntksym.theory.rank import generic_rank, predicted_rank
from rank_references import assert_float_rank, sphere_points, svd_rank

# ---- non-polynomial activations ---------------------------------------------------------------

PAIRS = [[1, 0], [-1, 0], [0, 1], [0, -1], [F(3, 5), F(4, 5)], [F(-3, 5), F(-4, 5)]]

NONPOLY = [
    # (activation, depth, b_std, points, expected rank, why)
    ("relu", 1, 0, PAIRS, 5, "3 antipodal pairs on the circle: 3 + 2"),
    ("relu", 1, 0, PAIRS + [[0, 0], [2, 0]], 5, "zero input and 2x add nothing"),
    ("relu", 2, 0, PAIRS, 6, "depth 2: only positive homogeneity"),
    ("relu", 1, F(1, 2), PAIRS + [[2, 0]], 7, "bias: distinct points"),
    ("relu", 1, F(1, 2), PAIRS + [[1, 0]], 6, "bias: repeated point"),
    ("leaky_relu", 1, 0, PAIRS + [[2, 0]], 5, "odd part linear"),
    ("abs", 1, 0, [[1, 0], [2, 0], [-1, 0], [0, 1], [1, 1]], 3, "even and homogeneous: lines"),
    ("erf", 1, 0, PAIRS + [[2, 0]], 4, "odd: +-x"),
    ("erf", 2, 0, PAIRS + [[2, 0]], 4, "odd: +-x"),
    ("tanh", 1, 0, PAIRS[:4] + [[0, 0]], 2, "odd, tanh(0) = 0"),
    ("cos", 1, 0, PAIRS + [[0, 0], [2, 0]], 5, "even, cos(0) != 0"),
    ("gelu", 1, 0, [[1, 1], [2, 2], [-1, -1], [-2, -2], [1, 0]], 4, "odd part x/2"),
    ("gelu", 2, 0, [[1, 1], [2, 2], [-1, -1], [-2, -2], [1, 0]], 5, "depth 2"),
    ("sigmoid", 1, 0, PAIRS + [[0, 0]], 4, "even part 1/2: m + 1"),
    ("softplus", 1, 0, PAIRS, 5, "odd part x/2"),
    ("elu", 1, 0, PAIRS, 6, "neither part a polynomial"),
]


@pytest.mark.parametrize("name, depth, b, X, expected, why", NONPOLY)
def test_non_polynomial_rank(name, depth, b, X, expected, why):
    net = nk.MLP(depth=depth, activation=name, W_std=F(13, 10), b_std=b)
    for kind in ("nngp", "ntk"):
        pred = predicted_rank(net, X, kind, explain=True)
        assert pred.rank == expected, (kind, why, pred.reason)
        assert assert_float_rank(svd_rank(net, X, kind), expected)


def test_rectified_monomial_even_part():
    net = nk.MLP(depth=1, activation=nk.activation("rectified_monomial", n=2), b_std=0)
    # even part x^2/2 is a polynomial: on 3 antipodal pairs on the circle, 3 + 3 = 6
    for kind in ("nngp", "ntk"):
        assert predicted_rank(net, PAIRS, kind) == 6
        assert predicted_rank(net, PAIRS + [[2, 0], [-3, 0]], kind) == 6


def test_relu_antipodal_pairs_on_sphere_d_plus_1():
    for d in (2, 3):
        X = sphere_points(d + 1, d, seed=3)
        X = X + [[-a for a in p] for p in X]
        net = nk.MLP(depth=1, activation="relu", b_std=0)
        pred = predicted_rank(net, X, "ntk", explain=True)
        assert pred.rank == 2 * d + 1 and "odd part" in pred.reason
        assert assert_float_rank(svd_rank(net, X, "ntk"), 2 * d + 1)


def test_explain_reasons():
    net = nk.MLP(depth=1, activation="erf", b_std=0)
    pred = predicted_rank(net, PAIRS, explain=True)
    assert "odd" in pred.reason and pred.rank == 3
    pred = predicted_rank(nk.MLP(depth=1, activation="tanh", b_std=1), PAIRS, explain=True)
    assert "theorem" in pred.reason and pred.method == "theorem"
    step = nk.MLP(depth=1, activation="step", b_std=0)
    with pytest.raises(ValueError, match="Dirac"):
        predicted_rank(step, PAIRS, "ntk")


# ---- non-polynomial activations against high-precision singular values -----------------------

RAY5 = [[1, 0], [2, 0], [3, 0], [4, 0], [5, 0]]
LINE6 = [[1, 1], [2, 2], [3, 3], [-1, -1], [-2, -2], [-3, -3]]
TWO_LINES = [[1, 0], [2, 0], [-1, 0], [0, 1], [0, 2], [0, -3], [1, 1]]
PAIRS2 = PAIRS + [[2, 0]]
ZERO = [[0, 0], [1, 0], [2, 0], [-1, 0], [0, 1]]
POINT_SETS = {"ray5": RAY5, "line6": LINE6, "two_lines": TWO_LINES, "pairs": PAIRS2,
              "zero": ZERO}


def mp_rank(net, X, kind):
    """The rank of net.gram(X, dps) measured by mpmath's SVD with a gap of 8 orders.

    On exactly proportional inputs the high-precision Gram matrix keeps about dps / 2^depth
    digits (each layer takes a square root of q1 q2 - c^2, which cancels there), so dps grows
    with depth: 60 * 2^depth digits leave a rounding level near 1e-60. Singular values (relative
    to the largest) above 1e-20 count, and all others must lie below 1e-28.
    """
    dps = 60 * 2 ** net.depth
    G = getattr(net.gram(X, dps=dps), kind)
    with mpmath.workdps(dps):
        sv = sorted((abs(v) for v in mpmath.svd_r(G, compute_uv=False)), reverse=True)
        logs = [float(mpmath.log10(v / sv[0])) if v else -math.inf for v in sv]
    r = sum(1 for v in logs if v > -20)
    msg = f"log10 singular values {[round(v, 1) for v in logs]} (dps {dps})"
    assert all(v < -28 for v in logs[r:]), msg
    return r, msg


STANDARD = [
    # standard parameterization without bias: the biases start at 0 but are trained, so the
    # bias gradients (features that do not scale like the weights') lift the rank
    ("relu", 1, "pairs"), ("relu", 1, "ray5"), ("relu", 2, "line6"), ("relu", 3, "ray5"),
    ("abs", 1, "line6"), ("abs", 2, "line6"), ("abs", 2, "two_lines"),
    ("leaky_relu", 2, "ray5"),
    ("rm2", 1, "ray5"), ("rm2", 2, "ray5"), ("rm2", 2, "line6"),
    ("erf", 1, "line6"), ("cos", 2, "pairs"), ("gelu", 1, "ray5"),
    ("Max(0, x) + Max(0, x)**2", 1, "ray5"), ("Max(0, x) + Max(0, x)**2", 2, "ray5"),
]
STANDARD_SLOW = [
    ("relu", 1, "zero"), ("relu", 2, "two_lines"), ("relu", 3, "line6"), ("abs", 1, "zero"),
    ("leaky_relu", 1, "zero"),
    ("abs", 3, "ray5"), ("leaky_relu", 3, "line6"), ("rm2", 3, "ray5"), ("rm2", 1, "line6"),
    ("rm3", 2, "ray5"), ("rm3", 2, "two_lines"), ("erf", 2, "line6"), ("sin", 2, "ray5"),
    ("cos", 1, "zero"), ("gelu", 2, "pairs"),
]


def _act(name):
    if name in ("rm2", "rm3"):
        return nk.activation("rectified_monomial", n=int(name[-1]))
    return name


@pytest.mark.parametrize("name, depth, where", STANDARD + [
    pytest.param(*c, marks=pytest.mark.slow) for c in STANDARD_SLOW])
def test_standard_parameterization_without_bias(name, depth, where):
    net = nk.MLP(depth=depth, activation=_act(name), W_std=F(13, 10), b_std=0,
                 parameterization="standard", width=3)
    X = POINT_SETS[where]
    pred = predicted_rank(net, X, "ntk", explain=True)
    measured, msg = mp_rank(net, X, "ntk")
    assert pred.rank == measured, (msg, pred.reason)


def test_standard_parameterization_hand_counts():
    # ReLU, depth 1: the first layer's features (x, 1) step(w.x) = (x, 1)(1 + sign(w.x))/2 and
    # the read-out bias give, on a line {lambda u}, the conditions sum v_i |lambda_i| = 0 and
    # sum v_i sign(lambda_i) = 0 (the sign part), sum v_i lambda_i = 0 and sum v_i = 0 (the
    # constant part): on three antipodal pairs each pair is independent (rank 6, where the
    # NTK parameterization has 5), and on a ray of 5 points the rank is 2.
    net = nk.MLP(depth=1, activation="relu", b_std=0, parameterization="standard", width=4)
    assert predicted_rank(net, PAIRS) == 6
    assert predicted_rank(nk.MLP(depth=1, activation="relu", b_std=0), PAIRS) == 5
    assert predicted_rank(net, RAY5) == 2
    # |x| at depth 2: weights (degree 1, even), first bias (degree 0, odd), second bias
    # (degree 0, even): three characters on one line
    net = nk.MLP(depth=2, activation="abs", b_std=0, parameterization="standard", width=4)
    assert predicted_rank(net, LINE6) == 3


JUMPS = [("step", 1, 0, "pairs"), ("step", 1, 0, "ray5"), ("step", 2, 0, "pairs"),
         ("step", 2, 0, "line6"), ("step", 1, F(1, 2), "ray5"), ("step", 2, F(1, 2), "line6"),
         ("sign", 1, 0, "two_lines"), ("sign", 2, 0, "pairs"), ("sign", 1, F(1, 2), "line6")]
JUMPS_SLOW = [("step", 1, 0, "zero"), ("sign", 1, 0, "zero"), ("step", 3, 0, "two_lines"),
              ("sign", 3, F(1, 2), "pairs")]


@pytest.mark.parametrize("name, depth, b, where", JUMPS + [
    pytest.param(*c, marks=pytest.mark.slow) for c in JUMPS_SLOW])
def test_activations_with_jumps(name, depth, b, where):
    net = nk.MLP(depth=depth, activation=name, W_std=F(13, 10), b_std=b)
    X = POINT_SETS[where]
    pred = predicted_rank(net, X, "nngp", explain=True)
    measured, msg = mp_rank(net, X, "nngp")
    assert pred.rank == measured, (msg, pred.reason)
    # the NTK does not exist: phi' is a Dirac delta, infinite on the diagonal
    with pytest.raises(ValueError, match="Dirac"):
        predicted_rank(net, X, "ntk")
    with pytest.raises(ValueError, match="Dirac"):
        generic_rank(net, 2, "ntk")
    assert np.all(np.isinf(np.diag(net.gram(np.asarray(PAIRS, dtype=float)).ntk)))


def test_step_is_homogeneous_of_degree_zero():
    # step(lambda t) = step(t) for lambda > 0: x and 2x have the same features (the old rule
    # ignored degree 0 and predicted 2)
    for depth in (1, 2):
        net = nk.MLP(depth=depth, activation="step", b_std=0)
        assert predicted_rank(net, [[1, 0], [2, 0]], "nngp") == 1
        assert mp_rank(net, [[1, 0], [2, 0]], "nngp")[0] == 1


def test_callable_depth_one_without_bias_is_undecided():
    act = nk.Activation.from_callable(lambda t: np.maximum(t, 0), df=lambda t: 1.0 * (t > 0))
    pred = predicted_rank(nk.MLP(depth=1, activation=act, b_std=0), PAIRS, "nngp",
                          explain=True)
    assert pred.rank is None and "callable" in pred.reason
    assert predicted_rank(nk.MLP(depth=1, activation=act, b_std=0), PAIRS, "nngp") is None
