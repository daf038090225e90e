"""Independent references for the rank tests (tests/theory/test_rank.py, test_features.py,
test_exact.py, test_polyring.py, test_nonpolynomial.py).

References are independent of ntksym.theory's rank modules:

* exact ranks: the Gram matrix at exact points, from the network module's closed form
  (``net.kernel()`` expanded by SymPy) or from its layer-by-layer recursion
  (``net.recursion()`` evaluated entry by entry in exact arithmetic), ranked over Q by SymPy;
* generic counts: the rank of the kernel's coefficient matrix in the monomial basis
  x^alpha x'^beta, or the exact rank on more generic points than the count;
* float64: the SVD of ``net.gram`` with a clear gap;
* high precision: the SVD of ``net.gram(X, dps=...)`` (mpmath), with a gap of many orders;
* finite width: the SVD of the Jacobian of ``nk.empirical_network``'s parameters (checked to
  give ``nk.empirical_ntk`` as J J^T).
"""
from fractions import Fraction as F

import numpy as np
import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix

import ntksym as nk

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

