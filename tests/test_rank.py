"""Rank predictions against measured ranks.

References are independent of ntksym.rank: exact ranks come from ``net.kernel()`` (the network
module's closed form), expanded by SymPy and evaluated at exact points, with SymPy's
``Matrix.rank``; generic counts come from the rank of the coefficient matrix of the kernel in
the monomial basis x^alpha x'^beta; float64 ranks come from the SVD of ``net.gram`` with a clear
gap.
"""
import itertools
import math
import time
from fractions import Fraction as F

import numpy as np
import pytest
import sympy as sp

import ntksym as nk
from ntksym.rank import (RankPrediction, exact_gram, generic_rank, harmonic_dimension,
                         kernel_polynomial, line_dimension, null_vector, predicted_rank,
                         sphere_dimension)

_REF = {}


def ref_kernel(net, kind):
    key = (net.activation.expr, net.depth, net.W_std, net.b_std, kind)
    if key not in _REF:
        k = getattr(net.kernel(), kind)
        _REF[key] = sp.Poly(sp.expand(k.doit()), nk.xx, nk.yy, nk.xy)
    return _REF[key]


def ref_gram(net, X, kind):
    P = ref_kernel(net, kind)
    X = [[sp.Rational(v.numerator, v.denominator) if isinstance(v, F) else sp.Integer(v)
          for v in r] for r in X]
    d = len(X[0])
    n = len(X)

    def dot(u, v):
        return sum(a * b for a, b in zip(u, v))
    G = sp.zeros(n, n)
    for i in range(n):
        for j in range(i, n):
            G[i, j] = G[j, i] = P.eval((dot(X[i], X[i]) / d, dot(X[j], X[j]) / d,
                                        dot(X[i], X[j]) / d))
    return G


def ref_generic(net, d, kind):
    """Rank of the coefficient matrix of K(x, y) in the monomial basis."""
    P = ref_kernel(net, kind)
    xs = sp.symbols(f"a0:{d}")
    ys = sp.symbols(f"b0:{d}")
    sub = {nk.xx: sum(v * v for v in xs) / d, nk.yy: sum(v * v for v in ys) / d,
           nk.xy: sum(u * v for u, v in zip(xs, ys)) / d}
    K = sp.Poly(sp.expand(P.as_expr().xreplace(sub)), *xs, *ys)
    rows, cols, entries = {}, {}, {}
    for mon, co in K.terms():
        a, b = mon[:d], mon[d:]
        i = rows.setdefault(a, len(rows))
        j = cols.setdefault(b, len(cols))
        entries[(i, j)] = co
    M = sp.zeros(len(rows), len(cols))
    for (i, j), co in entries.items():
        M[i, j] = co
    return M.rank()


def svd_rank(net, X, kind):
    G = np.asarray(getattr(net.gram(np.asarray(X, dtype=float)), kind), dtype=float)
    sv = np.linalg.svd(G, compute_uv=False)
    sv = sv / sv[0]
    return sv


def assert_float_rank(sv, r):
    """Rank r with a clear gap, or the gap is unresolvable in float64 (returns False)."""
    n = len(sv)
    if r < n:
        assert sv[r] < 1e-11, f"expected rank {r}, singular values {sv}"
    if r > 0 and sv[r - 1] < 1e-9:
        return False           # the smallest true singular value is below float64 resolution
    if r < n:
        assert sv[r - 1] / max(sv[r], 1e-300) > 1e4
    return True


# ---- point sets (exact) -----------------------------------------------------------------------

def generic_points(n, d, seed):
    rng = np.random.default_rng(seed)
    return [[F(int(a), int(b)) for a, b in zip(rng.integers(-9, 10, d), rng.integers(1, 5, d))]
            for _ in range(n)]


def sphere_points(n, d, seed):
    """Rational points on the unit sphere: inverse stereographic projection."""
    if d == 1:                       # the 0-sphere {-1, 1}
        return [[F((-1) ** k)] for k in range(n)]
    rng = np.random.default_rng(seed)
    pts = []
    while len(pts) < n:
        u = [F(int(a), int(b)) for a, b in zip(rng.integers(-6, 7, d - 1),
                                               rng.integers(1, 4, d - 1))]
        s = sum(v * v for v in u)
        p = [2 * v / (s + 1) for v in u] + [(s - 1) / (s + 1)]
        if p not in pts:
            pts.append(p)
    return pts


def line_points(n, d, seed):
    rng = np.random.default_rng(seed)
    v = [int(a) or 1 for a in rng.integers(-3, 4, d)]
    ts = [F(k, 2) for k in range(-n // 2, n - n // 2) if k] + [F(7)]
    return [[t * a for a in v] for t in ts[:n]]


def repeated_points(n, d, seed):
    base = generic_points((n + 1) // 2, d, seed)
    return (base + base)[:n]


SETS = {"generic": generic_points, "sphere": sphere_points, "line": line_points,
        "repeated": repeated_points}

# (d, activation, depth, b_std): a subsample of d in {1, 2, 3, 5}, degrees 1-4, depth 1-3
GRID = [
    (1, "x", 1, 0), (1, "x**2 - x", 2, 1), (1, "x**3", 3, 0), (1, "x**4 - x", 1, 1),
    (2, "x", 2, 1), (2, "x**2", 1, 0), (2, "x**2 - x", 2, 0), (2, "x**3 - 2*x", 1, 1),
    (2, "x**3", 2, 0), (2, "x**4 + x", 1, 0), (2, "x**2", 3, 0),
    (3, "x", 3, 0), (3, "x**2 + 1", 1, 0), (3, "x**2 - x", 1, 1), (3, "x**3", 1, 0),
    (3, "x**4", 1, 0), (3, "x**2", 2, 1),
    (5, "x", 1, 1), (5, "x**2", 1, 0), (5, "x**3 + x", 1, 0), (5, "x**2 - x", 1, 1),
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


def test_kernel_polynomial_matches_network_closed_form():
    net = nk.MLP(depth=2, activation="x**3 - 2*x + 1/2", W_std=1.5, b_std=0.5)
    for kind in ("nngp", "ntk"):
        assert sp.expand(kernel_polynomial(net, kind) - ref_kernel(net, kind).as_expr()) == 0


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


def test_harmonic_dimensions_sum_to_monomials():
    for d in (1, 2, 3, 5):
        for m in range(7):
            assert sum(harmonic_dimension(d, m - 2 * i) for i in range(m // 2 + 1)) == \
                math.comb(m + d - 1, d - 1)


def test_special_sets_structural_counts():
    net = nk.MLP(depth=2, activation="x**2 - x", W_std=1, b_std=1)
    # on the unit circle: harmonic degrees 0..4 each once: 1 + 2 * 4 = 9
    assert sphere_dimension(net, 2, 1, "ntk") == 9
    # on a line: a polynomial of degree 4 in t: 5
    assert line_dimension(net, [1, 2], "ntk") == 5
    X = sphere_points(14, 2, 0)
    assert predicted_rank(net, X, "ntk") == 9 == ref_gram(net, X, "ntk").rank()


def test_null_vector_exact():
    net = nk.MLP(depth=1, activation="x**2", W_std=1, b_std=0)
    X = [[1, 0], [0, 1], [1, 1], [1, -1], [2, 3]]
    v = null_vector(net, X, "nngp")
    assert v is not None and all(sp.sympify(c).is_Rational for c in v)
    G = sp.Matrix(exact_gram(net, X, "nngp"))
    assert G * sp.Matrix(v) == sp.zeros(5, 1)
    assert null_vector(net, X[:3], "nngp") is None


def test_inputs_fraction_sympy_int_float():
    net = nk.MLP(depth=1, activation="x**2", W_std=1, b_std=0)
    X1 = [[1, 0], [0, 1], [1, 1], [1, -1]]
    X2 = [[sp.Integer(1), F(0)], [sp.Rational(0), 1], [1.0, 1], [F(1), -1.0]]
    assert predicted_rank(net, X1, "nngp") == predicted_rank(net, X2, "nngp") == 3
    assert predicted_rank(net, np.array(X1), "nngp") == 3


def test_generic_rank_speed():
    net = nk.MLP(depth=2, activation="x**3 - 2*x + 1", W_std=1.5, b_std=0.5)
    t0 = time.perf_counter()
    r = generic_rank(net, 10, "ntk")
    assert time.perf_counter() - t0 < 1.0
    assert r == math.comb(19, 10)        # every monomial of degree <= 9 in 10 variables


def test_errors():
    net = nk.MLP(depth=1, activation="x**2")
    with pytest.raises(ValueError, match="kind"):
        predicted_rank(net, [[1, 2]], kind="cntk")
    with pytest.raises(ValueError, match="dimension"):
        generic_rank(net, 0)
    with pytest.raises(ValueError, match="2-D|rectangular"):
        predicted_rank(net, [[1, 2], [3]])
    assert generic_rank(nk.MLP(depth=1, activation="relu"), 3) == math.inf


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
