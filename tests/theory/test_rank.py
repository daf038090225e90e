"""Rank predictions against measured ranks.

References are independent of ntksym.rank:

* exact ranks: the Gram matrix at exact points, from the network module's closed form
  (``net.kernel()`` expanded by SymPy) or from its layer-by-layer recursion
  (``net.recursion()`` evaluated entry by entry in exact arithmetic), ranked over Q by SymPy;
* generic counts: the rank of the kernel's coefficient matrix in the monomial basis
  x^alpha x'^beta, or the exact rank on more generic points than the count;
* float64: the SVD of ``net.gram`` with a clear gap;
* high precision: the SVD of ``net.gram(X, dps=...)`` (mpmath), with a gap of many orders;
* finite width: the SVD of the Jacobian of ``nk.empirical_network``'s parameters (checked to
  give ``nk.empirical_ntk`` as J J^T).

The slow part (``-m slow``) runs the issue's full grid.
"""
import itertools
import math
from fractions import Fraction as F

import mpmath
import numpy as np
import pytest
import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix

import ntksym as nk
from ntksym.empirical.network import empirical_network
from ntksym.theory.rank import (RankPrediction, exact_gram, generic_rank,
                         harmonic_dimension, kernel_polynomial, line_dimension, null_vector,
                         predicted_rank, sphere_dimension)

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


def _exact(v):
    if isinstance(v, F):
        return sp.Rational(v.numerator, v.denominator)
    return sp.Integer(v) if isinstance(v, int) else sp.nsimplify(v)


def ref_gram_layers(net, X, kind, modulus=None):
    """The Gram matrix from ``net.recursion()``: each entry runs the layers in exact arithmetic
    (no expanded polynomial, so it stays cheap at degree 4^3). With ``modulus`` the entries are
    returned reduced modulo that prime (numpy int64)."""
    layers = net.recursion()
    X = [[_exact(v) for v in r] for r in X]
    d, n = len(X[0]), len(X)
    dsym = sp.Symbol("d", positive=True)

    def dot(u, v):
        return sum(a * b for a, b in zip(u, v))
    G = [[None] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            first = layers[0]
            sub = {nk.xx: dot(X[i], X[i]) / d, nk.yy: dot(X[j], X[j]) / d,
                   nk.xy: dot(X[i], X[j]) / d, dsym: d}
            s11, s22, s12, th = (e.xreplace(sub) for e in
                                 (first.nngp_xx, first.nngp_yy, first.nngp, first.ntk))
            for layer in layers[1:]:
                a, b, c, t = layer.prev
                sub = {a: s11, b: s22, c: s12, t: th}
                s11, s22, s12, th = (e.xreplace(sub) for e in
                                     (layer.nngp_xx, layer.nngp_yy, layer.nngp, layer.ntk))
            G[i][j] = G[j][i] = th if kind == "ntk" else s12
    if modulus is None:
        return sp.Matrix(G)
    return np.array([[int(v.p) % modulus * pow(int(v.q), -1, modulus) % modulus for v in row]
                     for row in G], dtype=object)


def exact_rank(G):
    """The rank over Q of a SymPy matrix of rationals (SymPy's fraction-free elimination)."""
    return DomainMatrix.from_Matrix(G).convert_to(QQ).rank()


def rank_mod(G, p):
    """The rank modulo p of an integer matrix (a lower bound for the rank over Q)."""
    M = [[int(v) % p for v in row] for row in G]
    r, rows, cols = 0, len(M), len(M[0])
    for col in range(cols):
        piv = next((i for i in range(r, rows) if M[i][col]), None)
        if piv is None:
            continue
        M[r], M[piv] = M[piv], M[r]
        inv = pow(M[r][col], -1, p)
        M[r] = [v * inv % p for v in M[r]]
        for i in range(rows):
            if i != r and M[i][col]:
                f = M[i][col]
                M[i] = [(a - f * b) % p for a, b in zip(M[i], M[r])]
        r += 1
    return r


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
    """n distinct random rational points (small numerators and denominators)."""
    rng = np.random.default_rng(seed)
    pts = []
    while len(pts) < n:
        p = [F(int(a), int(b)) for a, b in zip(rng.integers(-9, 10, d), rng.integers(1, 5, d))]
        if p not in pts:
            pts.append(p)
    return pts


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


def test_fast_count_agrees_with_exact_count():
    # two algorithms of ntksym.rank (bounds mod p / supports vs the kernel built over Q):
    # a consistency check on top of the independent references above
    from ntksym.theory.rank import _feature_count_exact, _fast_feature_count, _polynet
    cases = [("x**3 - 2*x + 1", 2, F(1, 2), 3, "ntk", "ntk"), ("x**3", 2, 0, 3, "ntk", "standard"),
             ("x**3 + x", 2, 0, 2, "nngp", "ntk"), ("x**2 - 1", 2, 1, 3, "ntk", "ntk"),
             ("x**4 + x", 2, 0, 2, "ntk", "standard"), ("x**2 - x", 3, 0, 1, "ntk", "ntk"),
             ("x**5 - x**2", 2, F(1, 2), 2, "ntk", "ntk"), ("x**7", 2, 0, 2, "ntk", "standard"),
             ("x**5 + x**4 - x", 2, 0, 3, "ntk", "ntk")]
    for spec, depth, b, d, kind, par in cases:
        net = nk.MLP(depth=depth, activation=spec, W_std=F(6, 5), b_std=b, parameterization=par,
                     width=5 if par == "standard" else None)
        fast = _fast_feature_count(_polynet(net), d, kind)
        exact = _feature_count_exact(_polynet(net), d, kind)
        assert fast is not None and fast == exact, (spec, depth, b, d, kind, par)


def test_count_falls_back_when_the_bounds_do_not_meet():
    # W_std = 0: the kernel is the constant b^2 (features: constants only), but the supports
    # allow every degree, so the fast bounds do not meet and the exact count runs
    from ntksym.theory.rank import _fast_feature_count, _polynet
    for b, expected in ((1, 1), (0, 0)):
        net = nk.MLP(depth=2, activation="x**2 - x", W_std=0, b_std=b)
        assert _fast_feature_count(_polynet(net), 2, "nngp") is None
        assert generic_rank(net, 2, "nngp") == expected == ref_generic(net, 2, "nngp")


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
