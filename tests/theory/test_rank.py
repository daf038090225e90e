"""Rank predictions against measured ranks: ntksym.theory.rank (predicted_rank, generic_rank).

The references (independent of ntksym's rank modules) are in rank_references.py. The slow part
(``-m slow``) runs the issue's full grid.
"""
import itertools
import math
from fractions import Fraction as F

import numpy as np
import pytest
import sympy as sp

import ntksym as nk
from ntksym.empirical import empirical_network
from ntksym.theory.rank import RankPrediction, generic_rank, predicted_rank
from rank_references import (SETS, assert_float_rank, exact_rank, generic_points, rank_mod,
                             ref_gram, ref_gram_layers, ref_generic, svd_rank)

# (d, activation, depth, b_std): a subsample of d in {1, 2, 3, 5}, degrees 1-4, depth 1-3
GRID = [
    (1, "x", 1, 0), (1, "x**2 - x", 2, 1), (1, "x**3", 3, 0), (1, "x**4 - x", 1, 1),
    (2, "x", 2, 1), (2, "x**2", 1, 0), (2, "x**2 - x", 2, 0), (2, "x**3 - 2*x", 1, 1),
    (2, "x**3", 2, 0), (2, "x**4 + x", 1, 0), (2, "x**2", 3, 0),
    (3, "x", 3, 0), (3, "x**2 + 1", 1, 0), (3, "x**2 - x", 1, 1), (3, "x**3", 1, 0),
    (3, "x**4", 1, 0), (3, "x**2", 2, 1),
    (5, "x", 1, 1), (5, "x**2", 1, 0), (5, "x**3 + x", 1, 0), (5, "x**2 - x", 1, 1),
    (2, "x**5 - x**2", 1, 1), (3, "x**6 + x", 1, 0),          # beyond the issue's degrees
]


@pytest.mark.parametrize("d, spec, depth, b", GRID)
def test_generic_rank_equals_monomial_count(d, spec, depth, b):
    net = nk.MLP(depth=depth, activation=spec, W_std=sp.Rational(6, 5), b_std=b)
    for kind in ("nngp", "ntk"):
        if d ** 2 * (len(spec) + depth) > 200 and kind == "ntk" and depth > 1:
            continue
        assert generic_rank(net, d, kind) == ref_generic(net, d, kind), kind


@pytest.mark.parametrize("d, spec, depth, b", GRID)
@pytest.mark.parametrize("where", list(SETS))
def test_predicted_rank_exact_and_float(d, spec, depth, b, where):
    net = nk.MLP(depth=depth, activation=spec, W_std=sp.Rational(6, 5), b_std=b)
    kind = "ntk" if (d + depth + len(where)) % 2 else "nngp"
    dim = generic_rank(net, d, kind)
    n = min(dim + 2, 9)
    X = SETS[where](n, d, seed=d + 7 * depth)
    pred = predicted_rank(net, X, kind, explain=True)
    assert isinstance(pred, RankPrediction) and pred.reason
    assert pred.rank == ref_gram(net, X, kind).rank()
    assert predicted_rank(net, X, kind) == pred.rank
    assert pred.rank <= min(n, dim)
    if where == "generic":
        assert pred.rank == min(n, dim)
    if where == "repeated":
        assert pred.rank <= len({tuple(p) for p in X})
    assert_float_rank(svd_rank(net, X, kind), pred.rank)
    if pred.rank < n and pred.null_vector is not None:
        G = ref_gram(net, X, kind)
        v = sp.Matrix(pred.null_vector)
        assert any(c != 0 for c in v) and G * v == sp.zeros(n, 1)


# ---- the issue's grid: d in {1, 2, 3, 5}, degrees 1-4, depth 1-3, with and without bias --------
# Each network is checked on the four point sets; the kind and the parameterization alternate
# over the grid. The reference is the exact Gram matrix from the layer recursion.

DEGREE_ACTS = {1: ("x", "2*x + 1"), 2: ("x**2", "x**2 - x"), 3: ("x**3", "x**3 - 2*x"),
               4: ("x**4", "x**4 - x**2 + x")}
FULL_GRID = list(itertools.product((1, 2, 3, 5), (1, 2, 3, 4), (1, 2, 3), (0, 1)))


def _grid_net(d, r, depth, b):
    spec = DEGREE_ACTS[r][(d + depth) % 2]
    par = "standard" if (d + r + depth) % 3 == 0 else "ntk"
    return nk.MLP(depth=depth, activation=spec, W_std=sp.Rational(6, 5), b_std=b,
                  parameterization=par, width=3 if par == "standard" else None)


@pytest.mark.slow
@pytest.mark.parametrize("d, r, depth, b", FULL_GRID)
def test_issue_grid(d, r, depth, b):
    net = _grid_net(d, r, depth, b)
    for k, where in enumerate(SETS):
        kind = ("ntk", "nngp")[(d + depth + k) % 2]
        dim = generic_rank(net, d, kind)
        n = min(dim + 2, 10)
        X = SETS[where](n, d, seed=d + 7 * depth + r)
        pred = predicted_rank(net, X, kind, explain=True)
        G = ref_gram_layers(net, X, kind)
        ref = exact_rank(G)
        what = (net, where, kind, n, dim)
        assert pred.rank == ref, (what, pred.reason)
        if where == "generic":
            assert ref == min(n, dim), what          # checks the generic count when n > dim
        if where == "repeated":
            assert ref <= len({tuple(p) for p in X})
        if pred.null_vector is not None:
            v = sp.Matrix(pred.null_vector)
            assert any(c != 0 for c in v) and G * v == sp.zeros(n, 1)
        Gf = np.asarray(getattr(net.gram(np.asarray(X, dtype=float)), kind), dtype=float)
        if np.all(np.isfinite(Gf)) and np.abs(Gf).max() < 1e300:
            sv = np.linalg.svd(Gf, compute_uv=False)
            assert_float_rank(sv / sv[0], ref)


# ---- generic counts on more points than the count ------------------------------------------
# n = count + 3 generic points: their exact Gram rank must be the count itself (a smaller rank
# would mean the count is too large, a rank above it is impossible if the count is right).

COUNTS = [
    # (d, activation, depth, b_std, parameterization, slow)
    (1, "x**3 - 2*x", 2, 1, "ntk", False),
    (1, "x**4 - x**2 + x", 2, 0, "ntk", False),
    (2, "x**2 - x", 2, 0, "ntk", False),
    (3, "x**4", 1, 0, "ntk", False),
    (2, "x**3", 2, 0, "standard", False),
    (3, "x**2 + 1", 2, 0, "ntk", True),
    (3, "x**2", 2, 0, "standard", True),
    (5, "x**2 - x", 1, 1, "ntk", True),
    (5, "x**3", 1, 0, "standard", True),
    (1, "x**3 - 2*x", 3, 1, "ntk", True),
    (1, "x**4 + x", 2, 0, "standard", True),
    (2, "x**2 - x", 3, 1, "ntk", True),
]


@pytest.mark.parametrize("d, spec, depth, b, par", [
    pytest.param(*c[:5], marks=[pytest.mark.slow] if c[5] else []) for c in COUNTS])
def test_generic_rank_on_more_points(d, spec, depth, b, par):
    net = nk.MLP(depth=depth, activation=spec, W_std=sp.Rational(6, 5), b_std=b,
                 parameterization=par, width=3 if par == "standard" else None)
    for kind in ("ntk", "nngp"):
        dim = generic_rank(net, d, kind)
        X = generic_points(dim + 3, d, seed=dim)
        assert exact_rank(ref_gram_layers(net, X, kind)) == dim, (kind, dim)


@pytest.mark.slow
def test_generic_rank_degree_64_on_the_line():
    # d = 1, degree 4^3 = 64 with bias: the kernel is a polynomial of degree 64 in x and in x',
    # so its rank is at most 65; on 66 distinct points the Gram rank modulo a prime (a lower
    # bound for the rank over Q) reaches 65.
    net = nk.MLP(depth=3, activation="x**4 - x**2 + x", W_std=sp.Rational(6, 5), b_std=1)
    assert generic_rank(net, 1, "ntk") == 65
    X = [[F(k - 33, 4)] for k in range(66)]
    assert rank_mod(ref_gram_layers(net, X, "ntk", modulus=2**61 - 1), 2**61 - 1) == 65




# ---- polynomial networks at finite width --------------------------------------------------------
# The empirical NTK of a width-W network is J J^T, J the Jacobian of the output with respect to
# all parameters. Every gradient of a polynomial network is a polynomial in x in the span of the
# infinite-width features, so rank <= the prediction at every width. The rank is also bounded
# by the number of parameters and, layer by layer, by products of widths: at depth 1 the
# features are phi(h(x)) (W of them), x phi'(h(x)) (W d) and phi'(h(x)) (W, with bias); at depth
# 2 the hidden layer spans at most W functions, so the second layer's W^2 weight gradients
# a_i(x) phi'(h2_j(x)) are what reaches high degree. Widths 1, 2 and 4 are below what most
# networks of the grid need (there only "<=" is checked); width 64 gives 4000+ parameters, far
# above the largest count (220), and there the rank equals the prediction.
# Ranks come from the SVD of J (float64), whose singular values are the square roots of the
# NTK's: a clear gap where the NTK's own spectrum (down to 1e-15 of its norm at degree 9)
# would not show one.

def jacobian(net, X, width, seed):
    """Jacobian of the finite network's output (rows: inputs, columns: parameters), from its
    parameters and the documented forward pass of nk.empirical_network."""
    en = empirical_network(net, width=width, seed=seed, input_dim=X.shape[1])
    t = next(iter(net.activation.expr.free_symbols))
    phi = sp.lambdify(t, net.activation.expr, "numpy")
    dphi = sp.lambdify(t, sp.diff(net.activation.expr, t), "numpy")
    w, b = float(net.W_std), float(net.b_std)
    fans = [X.shape[1]] + [width] * net.depth
    if net.parameterization == "standard":
        sw, sb = [1.0] * len(fans), 1.0
    else:
        sw, sb = [w / np.sqrt(f) for f in fans], b
    A, H = [X], []
    for k in range(net.depth):
        W_k, b_k = en.params[k]
        H.append(sw[k] * A[-1] @ W_k + sb * b_k)
        A.append(phi(H[-1]) + 0 * H[-1])
    blocks, B = [], np.ones((X.shape[0], 1))
    for k in range(net.depth, -1, -1):
        blocks.append(sw[k] * (A[k][:, :, None] * B[:, None, :]).reshape(X.shape[0], -1))
        if sb:
            blocks.append(sb * B)
        if k:
            B = (B @ en.params[k][0].T) * sw[k] * (dphi(H[k - 1]) + 0 * H[k - 1])
    return np.hstack(blocks)


def jacobian_rank(net, X, width, seed=3):
    """(rank, last kept and first dropped singular value, message, all singular values) of
    the finite network's NTK, from the SVD of its Jacobian (relative to the largest), after
    checking J J^T against nk.empirical_ntk."""
    Xf = np.asarray(X, dtype=float)
    J = jacobian(net, Xf, width, seed)
    K = nk.empirical_ntk(net, Xf, width=width, seed=seed)
    assert np.abs(J @ J.T - K).max() <= 1e-12 * np.abs(K).max()
    sv = np.linalg.svd(J, compute_uv=False)
    sv = sv / sv[0]
    r = int(np.sum(sv > 1e-11))
    last, nxt = sv[r - 1], (sv[r] if r < len(sv) else 0.0)
    return (r, last, nxt, f"width {width}: rank {r}, singular values of J {last:.1e} | "
            f"{nxt:.1e}", sv)


EMPIRICAL = [(d, spec, depth, b) for d in (1, 2, 3)
             for spec in ("x", "x**2 - x", "x**3", "x**3 - x**2 + x")
             for depth in (1, 2) for b in (0, F(1, 2))]


def _empirical_case(d, spec, depth, b, par):
    net = nk.MLP(depth=depth, activation=spec, W_std=F(6, 5), b_std=b, parameterization=par,
                 width=64 if par == "standard" else None)
    dim = generic_rank(net, d, "ntk")
    X = [[F(int(a), 16) for a in row]
         for row in np.random.default_rng(dim + d).integers(-16, 17, (dim + 4, d))]
    X = [list(p) for p in {tuple(p): None for p in X}]        # distinct
    pred = predicted_rank(net, X, "ntk")
    assert pred == min(len(X), dim)
    for width in (1, 2, 4):
        # small widths can leave nearly dependent features, so count generously: every
        # singular value above 1e-13 (100 times the rounding level) must fit under the bound
        sv = jacobian_rank(net, X, width)[-1]
        assert np.sum(sv > 1e-13) <= pred, (width, pred, sv[max(pred - 2, 0):pred + 2])
    r, last, nxt, msg = jacobian_rank(net, X, 64)[:4]
    assert r == pred, (pred, msg)
    assert last > 1e-9 and nxt < 1e-13, msg             # at least 4 orders of magnitude


@pytest.mark.parametrize("d, spec, depth, b", EMPIRICAL)
def test_empirical_ntk_rank(d, spec, depth, b):
    _empirical_case(d, spec, depth, b, "ntk")


@pytest.mark.parametrize("d, spec, depth, b", EMPIRICAL)
def test_empirical_ntk_rank_standard(d, spec, depth, b):
    _empirical_case(d, spec, depth, b, "standard")




def test_missing_degrees_without_bias():
    # odd activation, no bias: only odd harmonic degrees; x^3 without bias: homogeneous
    net = nk.MLP(depth=2, activation="x**3", W_std=1, b_std=0)
    assert generic_rank(net, 10, "nngp") == math.comb(18, 9)      # degree-9 monomials
    assert generic_rank(net, 3, "ntk") == math.comb(11, 2)
    # with bias every degree <= 9 occurs
    assert generic_rank(nk.MLP(depth=2, activation="x**3", b_std=1), 3, "ntk") == \
        math.comb(12, 3)
    # x^2 at depth 1 without bias: degree 0 (|x|^2 |x'|^2 ... ) and degree 2: all degree-2
    # monomials; NNGP = (q1 q2 + 2 c^2) w^4
    assert generic_rank(nk.MLP(depth=1, activation="x**2"), 4, "nngp") == math.comb(5, 2)


def test_inputs_fraction_sympy_int_float():
    net = nk.MLP(depth=1, activation="x**2", W_std=1, b_std=0)
    X1 = [[1, 0], [0, 1], [1, 1], [1, -1]]
    X2 = [[sp.Integer(1), F(0)], [sp.Rational(0), 1], [1.0, 1], [F(1), -1.0]]
    assert predicted_rank(net, X1, "nngp") == predicted_rank(net, X2, "nngp") == 3
    assert predicted_rank(net, np.array(X1), "nngp") == 3


def test_generic_rank_large_d():
    # the issue's speed case (timed in benchmarks/bench_rank.py, not here): every monomial of
    # degree <= 9 in 10 variables
    net = nk.MLP(depth=2, activation="x**3 - 2*x + 1", W_std=1.5, b_std=0.5)
    assert generic_rank(net, 10, "ntk") == math.comb(19, 10)
    # degree 4^3 = 64 with bias: every monomial of degree <= 64 in d = 3 and d = 5
    net = nk.MLP(depth=3, activation="x**4 - x", W_std=1.5, b_std=0.5)
    assert generic_rank(net, 3, "ntk") == math.comb(67, 3)
    assert generic_rank(net, 5, "nngp") == math.comb(69, 5)
    # x^4 without bias, NTK parameterization: homogeneous of degree 64, one degree
    assert generic_rank(nk.MLP(depth=3, activation="x**4", b_std=0), 5, "ntk") == \
        math.comb(68, 4)


def test_errors():
    net = nk.MLP(depth=1, activation="x**2")
    with pytest.raises(ValueError, match="kind"):
        predicted_rank(net, [[1, 2]], kind="cntk")
    with pytest.raises(ValueError, match="dimension"):
        generic_rank(net, 0)
    with pytest.raises(ValueError, match="2-D|rectangular"):
        predicted_rank(net, [[1, 2], [3]])
    assert generic_rank(nk.MLP(depth=1, activation="relu"), 3) == math.inf
