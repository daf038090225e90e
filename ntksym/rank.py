r"""Exact ranks of infinite-width NNGP and NTK Gram matrices.

Polynomial activations
======================

If phi is a polynomial of degree r, every kernel of the network is a polynomial
P(xx, yy, xy) in xx = |x|^2/d, yy = |x'|^2/d and xy = <x, x'>/d (degree <= r^L in x). The
dual of a polynomial is exact (Price's theorem, E[phi(u) phi(v)] = sum_k c^k/k! E[phi^(k)(u)]
E[phi^(k)(v)]), so this module builds P layer by layer in the polynomial ring over the field of
the parameters (the rationals when W_std^2, b_std^2 and phi's coefficients are rational).

The rank of the kernel -- the dimension of its feature space, which is the rank of the Gram
matrix on n >= dim generic points, and min(n, dim) for n generic points -- is counted with the
harmonic decomposition of polynomials, P_m(R^d) = sum_i |x|^(2i) H_(m - 2i), where H_l is the
space of harmonic polynomials of degree l, of dimension
N(d, l) = C(l + d - 1, d - 1) - C(l + d - 3, d - 1). Writing

    xy^j = sum_{l = j, j-2, ...} c_{j,l} (xx yy)^((j-l)/2) Z_l(x, x'),
    c_{j,l} = j! / (2^j k! (lambda + l + 1)_k),  k = (j - l)/2,  lambda = (d - 2)/2,

(the Gegenbauer expansion of cos^j, up to factors that depend on l only), where Z_l is the
reproducing kernel of H_l, the kernel becomes sum_l sum_{p,q} M^l_{pq} xx^p yy^q Z_l(x, x') and

    dim = sum_l rank(M^l) * N(d, l).

The matrices M^l are small (at most r^L/2 + 1 square), so nothing of size C(d + r^L, d) is ever
built. Which degrees occur -- only odd ones for an odd polynomial without bias, only some powers
of |x| -- comes out of the ranks exactly, over the rationals.

On special point sets (a sphere, a line, repeated points) the rank is computed exactly: the Gram
matrix of a polynomial network with exact parameters at exact points (ints, Fractions, SymPy
Rationals; floats are taken at their exact binary value) is a matrix of rationals, and its rank
and null vectors are computed over Q.

Non-polynomial activations
==========================

With b_std != 0 the NTK (and NNGP) Gram matrix is positive definite on distinct points
(Carvalho, Costa, Mourão, Oliveira, arXiv:2404.12928): the rank is the number of distinct points.
Without bias the rank lost to structure is predicted exactly:

* positive homogeneity of degree k: the features of lambda x are lambda^(k^L) times those of x
  for lambda > 0 (relu, leaky_relu, abs, rectified monomials);
* parity: the features of -x are minus (odd phi) or equal to (even phi) those of x;
* at depth 1, phi = phi_even + phi_odd and the kernel splits into the kernels of the two parts
  (cross terms vanish). When one part is a polynomial p (ReLU: phi_odd = x/2), the other part
  identifies points into classes (pairs +-x, or whole lines if it is homogeneous) whose features
  are independent, and the rank is  m + rank(N^T G_p N),  where m is the number of classes, G_p
  the Gram matrix of the depth-1 network with activation p, and N a basis of the vectors that
  cancel within every class. For ReLU on d + 1 antipodal pairs +-x_i on the sphere this gives
  (d + 1) + d = 2d + 1 < 2d + 2.

The input 0 is a class of its own when phi(0) != 0 and has zero features when phi(0) = 0.

Examples
========

>>> import ntksym as nk
>>> from ntksym.rank import generic_rank, predicted_rank
>>> net = nk.MLP(depth=2, activation="x**3", W_std=1, b_std=0)
>>> generic_rank(net, d=3, kind="nngp")   # x^3 without bias: homogeneous of degree 9
55
>>> predicted_rank(nk.MLP(depth=1, activation="relu"), [[1, 0], [-1, 0], [0, 1], [0, -1],
...                                                     [3, 4], [-3, -4]])
5
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix
from sympy.polys.rings import ring

from .activations import Activation
from .polynomial import is_polynomial
from .symbols import x as _x, xx as _xx, xy as _xy, yy as _yy

__all__ = ["RankPrediction", "FeatureCount", "generic_rank", "feature_dimension",
           "predicted_rank", "exact_gram", "sphere_dimension", "line_dimension", "null_vector", "kernel_polynomial",
           "harmonic_dimension"]

_KINDS = ("ntk", "nngp")


@dataclass(frozen=True)
class RankPrediction:
    """A predicted rank and the reason behind it.

    Attributes:
        rank: the exact rank of the infinite-width Gram matrix on the points.
        reason: the argument, in words.
        n: the number of points.
        dimension: the feature-space dimension (polynomial phi), inf otherwise.
        method: ``"exact"`` (rank computed over Q from the exact Gram matrix),
            ``"count"`` (from the feature-space dimension and genericity), ``"theorem"``
            (the positivity theorem) or ``"structure"`` (homogeneity, parity, finite parts).
        null_vector: an exact rational null vector when the Gram matrix is singular and
            it was computed, else None.
    """

    rank: int | None
    reason: str
    n: int
    dimension: float | int | None = None
    method: str = ""
    null_vector: tuple | None = field(default=None, compare=False)

    def __int__(self):
        return int(self.rank)


@dataclass(frozen=True)
class FeatureCount:
    """dim = sum_l rank(M^l) * N(d, l): ``by_degree[l] = (rank(M^l), N(d, l))``."""

    dimension: int
    by_degree: dict
    degree: int


# --------------------------------------------------------------------------------------------
# Checks and helpers
# --------------------------------------------------------------------------------------------

def _check_kind(kind):
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'ntk' or 'nngp', got {kind!r}")


def _check_d(d):
    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1:
        raise ValueError(f"the input dimension d must be a positive integer, got {d!r}")
    return int(d)


def harmonic_dimension(d, l):
    """N(d, l): the dimension of the harmonic polynomials of degree l in d variables."""
    def comb(n, k):
        return math.comb(n, k) if n >= 0 and k >= 0 else 0
    return comb(l + d - 1, d - 1) - comb(l + d - 3, d - 1)


@lru_cache(maxsize=None)
def _gegenbauer_weight(j, l, d):
    """c_{j,l} (up to a factor depending on l only): the weight of Z_l in xy^j."""
    k = (j - l) // 2
    lam = sp.Rational(d - 2, 2)
    return sp.factorial(j) / (2**j * sp.factorial(k) * sp.rf(lam + l + 1, k))


def _poly_check(act):
    if not isinstance(act, Activation):
        raise TypeError("expected an Activation")
    if not hasattr(act, "_ntksym_polycheck"):
        act._ntksym_polycheck = is_polynomial(act)
    return act._ntksym_polycheck


def _to_gf(F, v):
    num, den = int(v.numerator), int(v.denominator)
    if den % F.mod == 0:
        raise ZeroDivisionError("denominator divisible by the prime")
    return F(num) / F(den)


class _PolyNet:
    """The exact polynomial kernels of a network with a polynomial activation."""

    def __init__(self, net, coeffs):
        self.net = net
        self.depth = net.depth
        self.standard = net.parameterization == "standard"
        self.width = net.width
        w2, b2 = sp.nsimplify(net.W_std**2), sp.nsimplify(net.b_std**2)
        a = [sp.nsimplify(co) for co in coeffs]
        r = len(a) - 1
        self.r = r
        # E[phi^(k)(u)] for u ~ N(0, q) is sum_m g[k][m] q^m with
        # g[k][m] = a_(k+2m) (k+2m)!/(2m)! (2m-1)!!
        g = [[a[k + 2 * m] * sp.factorial(k + 2 * m) / sp.factorial(2 * m) *
              sp.factorial2(2 * m - 1) for m in range((r - k) // 2 + 1)] for k in range(r + 1)]
        # the dual sum_k c^k/k! g_k(q1) g_k(q2) and the NTK factor (index shifted by one)
        dual = {}
        for k in range(r + 1):
            for m1, ga in enumerate(g[k]):
                for m2, gb in enumerate(g[k]):
                    v = sp.expand(ga * gb / sp.factorial(k))
                    if v != 0:
                        dual[(k, m1, m2)] = v
        dot = {}
        for k in range(r):
            for m1, ga in enumerate(g[k + 1]):
                for m2, gb in enumerate(g[k + 1]):
                    v = sp.expand(ga * gb / sp.factorial(k))
                    if v != 0:
                        dot[(k, m1, m2)] = v
        extra = [w2, b2] + list(dual.values()) + list(dot.values())
        if self.standard:
            extra.append(sp.Integer(self.width))
        dom, vals = sp.construct_domain(extra, extension=True)
        if not dom.is_Field:
            dom = dom.get_field()
            vals = [dom.convert(v) for v in vals]
        self.domain = dom
        self.w2, self.b2 = vals[0], vals[1]
        nd = len(dual)
        self.dual = {key: vals[2 + i] for i, key in enumerate(dual)}
        self.dot = {key: vals[2 + nd + i] for i, key in enumerate(dot)}
        self.width_el = vals[-1] if self.standard else None

    def modp(self, p):
        """A copy whose coefficients live in GF(p) (None if a denominator vanishes mod p)."""
        from copy import copy
        from sympy.polys.domains import GF
        F = GF(p)
        if self.domain != QQ:
            return None
        try:
            out = copy(self)
            out.domain = F
            conv = lambda v: _to_gf(F, v)  # noqa: E731
            out.w2, out.b2 = conv(self.w2), conv(self.b2)
            out.dual = {k: conv(v) for k, v in self.dual.items()}
            out.dot = {k: conv(v) for k, v in self.dot.items()}
            out.width_el = conv(self.width_el) if self.standard else None
        except Exception:
            return None
        return out

    # -- generic evaluation: works for ring elements and for domain elements -----------------
    @staticmethod
    def _apply(table, q1, q2, c, one):
        if not table:
            return one * 0
        kmax = max(k for k, _, _ in table)
        m1max = max(m for _, m, _ in table)
        m2max = max(m for _, _, m in table)

        def powers(v, n):
            out = [one]
            for _ in range(n):
                out.append(out[-1] * v)
            return out
        pc, p1, p2 = powers(c, kmax), powers(q1, m1max), powers(q2, m2max)
        total = one * 0
        for (k, m1, m2), co in table.items():
            total += co * pc[k] * p1[m1] * p2[m2]
        return total

    def run(self, s11, s22, s12, one, t_raw):
        """(nngp, ntk) from the first-layer inputs s11 = xx, s22 = yy, s12 = xy (any algebra)
        and t_raw = <x, x'> (only used by the standard parameterization)."""
        w2, b2 = self.w2, self.b2
        a11, a22, a12 = w2 * s11 + b2 * one, w2 * s22 + b2 * one, w2 * s12 + b2 * one
        theta = (t_raw + one) if self.standard else a12
        for _ in range(self.depth):
            k12 = self._apply(self.dual, a11, a22, a12, one)
            kdot = self._apply(self.dot, a11, a22, a12, one) * w2
            n11 = w2 * self._apply(self.dual, a11, a11, a11, one) + b2 * one
            n22 = w2 * self._apply(self.dual, a22, a22, a22, one) + b2 * one
            n12 = w2 * k12 + b2 * one
            if self.standard:
                theta = self.width_el * k12 + one + kdot * theta
            else:
                theta = theta * kdot + n12
            a11, a22, a12 = n11, n22, n12
        return a12, theta


def _polynet(net):
    chk = _poly_check(net.activation)
    if not chk.is_polynomial or chk.coefficients is None:
        return None
    key = (net, net.depth, net.W_std, net.b_std, net.parameterization, net.width)
    if not hasattr(net, "_ntksym_polynet") or net._ntksym_polynet[0] != key[1:]:
        net._ntksym_polynet = (key[1:], _PolyNet(net, chk.coefficients))
    return net._ntksym_polynet[1]


def _kernel_ring(pn, d, kind):
    """The kernel as a polynomial in the ring K[xx, yy, xy] (standard: <x,x'> = d * xy)."""
    R, X, Y, T = ring("xx,yy,xy", pn.domain)
    one = R.one
    dd = pn.domain.convert(d)
    nngp, ntk = pn.run(X, Y, T, one, T * dd)
    return R, (ntk if kind == "ntk" else nngp)


def kernel_polynomial(net, kind="ntk", d=None):
    """The NNGP or NTK of a polynomial network as a SymPy polynomial in nk.xx, nk.yy, nk.xy.

    It equals ``net.kernel()`` expanded (for the standard parameterization the symbol ``d`` of
    ``net.kernel()`` is replaced by ``d``, which is then required).

    Raises:
        ValueError: if the activation is not a polynomial.
    """
    _check_kind(kind)
    pn = _polynet(net)
    if pn is None:
        raise ValueError(f"{net.activation.name} is not a polynomial: "
                         f"{_poly_check(net.activation).reason}")
    if pn.standard and kind == "ntk" and d is None:
        raise ValueError("the standard-parameterization NTK depends on d; pass d=")
    R, P = _kernel_ring(pn, 1 if d is None else _check_d(d), kind)
    expr = P.as_expr()
    syms = {sp.Symbol("xx"): _xx, sp.Symbol("yy"): _yy, sp.Symbol("xy"): _xy}
    return expr.xreplace({s: syms.get(sp.Symbol(s.name), s) for s in expr.free_symbols})


def _rank_dm(rows, domain):
    if not rows or not rows[0]:
        return 0
    M = DomainMatrix(rows, (len(rows), len(rows[0])), domain)
    return M.rank()


def _blocks(P, dom, d):
    """{l: {(p, q): M^l[p, q]}} and the degree of the kernel in x."""
    blocks, weights = {}, {}
    degree = 0
    for (a, b, j), co in P.terms():
        degree = max(degree, 2 * a + j, 2 * b + j)
        for l in range(j % 2, j + 1, 2):
            if harmonic_dimension(d, l) == 0:
                continue
            k = (j - l) // 2
            wt = weights.get((j, l))
            if wt is None:
                wt = weights[(j, l)] = dom.convert(_gegenbauer_weight(j, l, d))
            blk = blocks.setdefault(l, {})
            key = (a + k, b + k)
            blk[key] = blk.get(key, dom.zero) + co * wt
    return blocks, degree


def feature_dimension(net, d, kind="ntk"):
    """The feature-space dimension of a polynomial network's kernel on R^d.

    Returns:
        :class:`FeatureCount` (dimension, by_degree = {l: (rank M^l, N(d, l))}, degree), or
        None if the activation is not a polynomial.
    """
    _check_kind(kind)
    d = _check_d(d)
    pn = _polynet(net)
    if pn is None:
        return None
    R, P = _kernel_ring(pn, d, kind)
    dom = pn.domain
    if P == 0:
        return FeatureCount(0, {}, 0)
    blocks, degree = _blocks(P, dom, d)
    by_degree, total = {}, 0
    for l in sorted(blocks):
        blk = {key: v for key, v in blocks[l].items() if v != dom.zero}
        if not blk:
            continue
        ps = sorted({p for p, _ in blk} | {q for _, q in blk})
        idx = {p: i for i, p in enumerate(ps)}
        rows = [[dom.zero] * len(ps) for _ in ps]
        for (p, q), v in blk.items():
            rows[idx[p]][idx[q]] = v
        rk = _rank_dm(rows, dom)
        if rk:
            by_degree[l] = (rk, harmonic_dimension(d, l))
            total += rk * harmonic_dimension(d, l)
    return FeatureCount(total, by_degree, degree)


def sphere_dimension(net, d, radius2=1, kind="ntk"):
    """The rank of the kernel restricted to the sphere |x|^2 = radius2 in R^d.

    There xx = yy = radius2/d, so the kernel is sum_l m_l Z_l with
    m_l = sum_{p,q} M^l[p, q] (radius2/d)^(p+q) (times a positive factor), and the rank on the
    sphere is the sum of N(d, l) over the harmonic degrees l with m_l != 0.
    """
    _check_kind(kind)
    d = _check_d(d)
    pn = _polynet(net)
    if pn is None:
        return None
    R, P = _kernel_ring(pn, d, kind)
    dom = pn.domain
    rho = dom.convert(sp.nsimplify(radius2)) / dom.convert(d)
    if rho == dom.zero:
        return 1 if P.coeff(1) != 0 else 0
    blocks, _ = _blocks(P, dom, d)
    total = 0
    for l, blk in blocks.items():
        m = dom.zero
        for (p, q), v in blk.items():
            m += v * rho ** (p + q)
        if m != dom.zero:
            total += harmonic_dimension(d, l)
    return total


def line_dimension(net, v, kind="ntk"):
    """The rank of the kernel restricted to the line {t v : t real} (v exact, nonzero).

    On the line the kernel is the polynomial sum C[a,b,j] g^(a+b+j) t^(2a+j) t'^(2b+j) in the
    scalars t, t' (g = |v|^2/d); its rank is that of its coefficient matrix.
    """
    _check_kind(kind)
    pn = _polynet(net)
    if pn is None:
        return None
    v = [_exact_number(a) for a in v]
    d = len(v)
    R, P = _kernel_ring(pn, d, kind)
    dom = pn.domain
    g = dom.convert(sum(a * a for a in v)) / dom.convert(d)
    if g == dom.zero:
        return 1 if P.coeff(1) != 0 else 0
    coef = {}
    for (a, b, j), co in P.terms():
        key = (2 * a + j, 2 * b + j)
        coef[key] = coef.get(key, dom.zero) + co * g ** (a + b + j)
    es = sorted({e for e, _ in coef} | {f for _, f in coef})
    idx = {e: i for i, e in enumerate(es)}
    rows = [[dom.zero] * len(es) for _ in es]
    for (e, f), val in coef.items():
        rows[idx[e]][idx[f]] = val
    return _rank_dm(rows, dom)


def generic_rank(net, d, kind="ntk"):
    """The rank of the Gram matrix on generic points of R^d, as n -> infinity.

    For a polynomial activation this is the exact feature-space dimension (see
    :func:`feature_dimension`); n generic points give rank min(n, generic_rank). For a
    non-polynomial activation it is ``math.inf`` (with or without bias, generic points are
    pairwise distinct and non-proportional, so the Gram matrix is positive definite).
    """
    _check_kind(kind)
    d = _check_d(d)
    chk = _poly_check(net.activation)
    if chk.is_polynomial:
        if chk.coefficients is None:
            raise ValueError("the activation is a polynomial only on evidence (a callable); its "
                             "exact coefficients are needed to count the feature space")
        return feature_dimension(net, d, kind).dimension
    if chk.is_polynomial is None:
        raise ValueError(f"cannot decide whether {net.activation.name} is a polynomial: "
                         f"{chk.reason}")
    return math.inf


# --------------------------------------------------------------------------------------------
# Exact Gram matrices, ranks and null vectors
# --------------------------------------------------------------------------------------------

def _exact_number(v):
    if isinstance(v, bool):
        raise TypeError("inputs must be numbers, not bool")
    if isinstance(v, Fraction):
        return sp.Rational(v.numerator, v.denominator)
    if isinstance(v, numbers.Integral):
        return sp.Integer(int(v))
    if isinstance(v, sp.Basic):
        if not v.is_number or not v.is_real:
            raise TypeError(f"inputs must be real numbers, got {v!r}")
        return v if v.is_Rational else sp.nsimplify(v)
    if isinstance(v, numbers.Real):
        f = float(v)
        if not math.isfinite(f):
            raise ValueError("inputs contain NaN or infinity")
        fr = Fraction(f)   # the exact binary value
        return sp.Rational(fr.numerator, fr.denominator)
    raise TypeError(f"inputs must be real numbers, got {type(v).__name__}")


def _all_exact(X):
    if hasattr(X, "dtype"):
        return X.dtype.kind in "iu"
    try:
        return all(isinstance(v, (numbers.Integral, Fraction)) or
                   (isinstance(v, sp.Basic) and v.is_Rational) for r in X for v in r)
    except TypeError:
        return False


def _exact_points(X):
    if hasattr(X, "tolist"):
        X = X.tolist()
    try:
        rows = [list(r) for r in X]
    except TypeError:
        raise ValueError("X must be a 2-D array of shape (n, d)") from None
    if not rows or not rows[0]:
        raise ValueError("X must have at least one row and one column")
    d = len(rows[0])
    if any(len(r) != d for r in rows):
        raise ValueError("X is not rectangular")
    return [[_exact_number(v) for v in r] for r in rows]


def _exact_gram_dm(pn, P, kind):
    """The Gram matrix as a DomainMatrix over pn.domain at exact points P."""
    dom = pn.domain
    n, d = len(P), len(P[0])
    if dom.is_FiniteField:
        conv = [[_to_gf(dom, QQ.from_sympy(v)) for v in r] for r in P]
    else:
        conv = [[dom.convert(v) for v in r] for r in P]
    dd = dom.convert(d)

    def dot(u, v):
        total = dom.zero
        for a, b in zip(u, v):
            total += a * b
        return total
    rows = [[dom.zero] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            g = dot(conv[i], conv[j])
            nngp, ntk = pn.run(dot(conv[i], conv[i]) / dd, dot(conv[j], conv[j]) / dd, g / dd,
                               dom.one, g)
            rows[i][j] = rows[j][i] = ntk if kind == "ntk" else nngp
    return DomainMatrix(rows, (n, n), dom)


def exact_gram(net, X, kind="ntk"):
    """The exact Gram matrix (a SymPy Matrix) of a polynomial network at exact points X."""
    _check_kind(kind)
    pn = _polynet(net)
    if pn is None:
        raise ValueError(f"exact Gram matrices need a polynomial activation; "
                         f"{net.activation.name}: {_poly_check(net.activation).reason}")
    return _exact_gram_dm(pn, _exact_points(X), kind).to_Matrix()


def _null_vector(G):
    ns = G.to_field().nullspace()
    if ns.shape[0] == 0:
        return None
    row = ns.to_Matrix()[0, :]
    vals = [sp.nsimplify(v) for v in row]
    den = sp.ilcm(*[sp.fraction(v)[1] for v in vals if v.is_Rational] or [1])
    vals = [sp.simplify(v * den) for v in vals]
    if all(v.is_Integer for v in vals):
        g = math.gcd(*[int(v) for v in vals])
        vals = [v / g for v in vals]
    return tuple(vals)


def null_vector(net, X, kind="ntk"):
    """An exact null vector v (G v = 0, v != 0) of the Gram matrix, or None if G is
    nonsingular. Polynomial activations only."""
    G = sp.Matrix(exact_gram(net, X, kind))
    pn = _polynet(net)
    return _null_vector(DomainMatrix.from_Matrix(G).convert_to(pn.domain))


# --------------------------------------------------------------------------------------------
# Non-polynomial activations: classes of points and finite parity parts
# --------------------------------------------------------------------------------------------

def _proportional(u, v):
    """lambda with v = lambda * u (exact), or None; u must be nonzero."""
    k = next(i for i, a in enumerate(u) if a != 0)
    lam = v[k] / u[k]
    if all(b == lam * a for a, b in zip(u, v)):
        return lam
    return None


def _classes(P, hom, parity, zero_class):
    """Classes of points with proportional features: list of lists of (index, factor).

    ``hom``: the degree of positive homogeneity of the features' map or None; ``parity``:
    'odd', 'even' or None. Factors are exact; only their nonzero-ness and ratios matter.
    """
    classes = []     # each: (representative, [(i, factor)])
    zeros = []
    for i, p in enumerate(P):
        if all(a == 0 for a in p):
            zeros.append(i)
            continue
        for rep, members in classes:
            lam = _proportional(rep, p)
            if lam is None:
                continue
            if lam == 1:
                members.append((i, sp.Integer(1)))
                break
            if lam > 0 and hom is not None:
                members.append((i, lam ** hom))
                break
            if lam == -1 and parity is not None:
                members.append((i, sp.Integer(-1 if parity == "odd" else 1)))
                break
            if lam < 0 and hom is not None and parity is not None:
                sgn = -1 if parity == "odd" else 1
                members.append((i, sgn * (-lam) ** hom))
                break
        else:
            classes.append((p, [(i, sp.Integer(1))]))
    out = [members for _, members in classes]
    if zeros and zero_class:
        out.append([(i, sp.Integer(1)) for i in zeros])
    return out, zeros


def _parts(act):
    """(even part, odd part) of a symbolic activation as expressions."""
    e = act.expr
    minus = e.subs(_x, -_x)
    return (e + minus) / 2, (e - minus) / 2


def _phi_zero(act):
    try:
        v = act.expr.subs(_x, 0)
        v = sp.nsimplify(v) if v.is_number else None
    except Exception:
        v = None
    return v


def _structure(act):
    """(hom, parity, phi(0) == 0) for a symbolic activation; callables: numeric evidence."""
    if act.is_symbolic:
        z = _phi_zero(act)
        return act.homogeneity, act.parity, (z == 0) if z is not None else None
    import numpy as np
    f = act.func
    t = np.linspace(0.1, 3.0, 13)
    ft, fm = np.asarray(f(t), float), np.asarray(f(-t), float)
    scale = max(1e-300, float(np.max(np.abs(ft)) + np.max(np.abs(fm))))
    parity = None
    if np.max(np.abs(ft - fm)) <= 1e-12 * scale:
        parity = "even"
    elif np.max(np.abs(ft + fm)) <= 1e-12 * scale and abs(float(f(np.array([0.0]))[0])) == 0:
        parity = "odd"
    hom = None
    for k in range(0, 9):
        ok = True
        for lam in (0.5, 2.0, 3.0):
            for sgn in (1, -1):
                a = np.asarray(f(sgn * lam * t), float)
                b = lam ** k * np.asarray(f(sgn * t), float)
                if np.max(np.abs(a - b)) > 1e-12 * max(1e-300, float(np.max(np.abs(b)))):
                    ok = False
        if ok and np.max(np.abs(ft)) + np.max(np.abs(fm)) > 0:
            hom = k
            break
    z0 = float(np.asarray(f(np.array([0.0])), float)[0])
    return hom, parity, z0 == 0


def _nonpoly_prediction(net, P, kind):
    act = net.activation
    n = len(P)
    b_zero = net.b_std == 0
    if act.is_symbolic and kind == "ntk" and act.derivative().has_dirac:
        return RankPrediction(None, f"{act.name} has a jump: phi' contains a Dirac delta, so "
                              "the NTK is infinite on the diagonal and has no rank", n, None,
                              "none")
    if net.parameterization == "standard" and kind == "ntk" and b_zero:
        return RankPrediction(None, "standard parameterization without bias: the NTK has "
                              "bias-gradient terms that the structural rules do not cover", n,
                              None, "none")
    if not b_zero:
        distinct = len({tuple(p) for p in P})
        why = (f"{act.name} is not a polynomial and b_std != 0: by the positivity theorem "
               "(Carvalho et al. 2024) the Gram matrix is positive definite on distinct points; "
               f"{distinct} of the {n} points are distinct")
        return RankPrediction(distinct, why, n, math.inf, "theorem")
    hom, parity, zero_vanishes = _structure(act)
    if net.depth == 1 and act.is_symbolic:
        pred = _depth_one_split(net, P, kind, hom, parity)
        if pred is not None:
            return pred
    classes, zeros = _classes(P, hom if hom is not None and hom > 0 else None, parity,
                              zero_class=not zero_vanishes)
    m = len(classes)
    notes = []
    if hom:
        notes.append(f"positive homogeneity of degree {hom}: x and lambda x (lambda > 0) have "
                     f"proportional features (factor lambda^{hom ** net.depth})")
    if parity:
        notes.append(f"{parity} activation: x and -x have "
                     + ("negated" if parity == "odd" else "identical") + " features")
    if zeros:
        notes.append(f"{len(zeros)} zero input(s): " + (
            "phi(0) = 0, so their features vanish" if zero_vanishes else
            "phi(0) != 0, one class of their own"))
    why = (f"{act.name} is not a polynomial and b_std = 0: the Gram matrix is positive definite "
           "on pairwise non-proportional points (Carvalho et al. 2024); "
           + ("; ".join(notes) + "; " if notes else "")
           + f"{n} points fall into {m} classes of proportional features, so the rank is {m}")
    return RankPrediction(m, why, n, math.inf, "structure")


def _depth_one_split(net, P, kind, hom, parity):
    """Depth 1 without bias: the even/odd split when one part is a polynomial."""
    act = net.activation
    even, odd = _parts(act)
    checks = []
    for name, part in (("even", even), ("odd", odd)):
        part = sp.piecewise_fold(part)
        try:
            pa = Activation(part, name=f"{act.name}_{name}", _checked=True)
        except Exception:
            return None
        checks.append((name, part, pa, is_polynomial(pa)))
    polys = [c for c in checks if c[3].is_polynomial]
    nonpolys = [c for c in checks if c[3].is_polynomial is False]
    if len(polys) != 1 or len(nonpolys) != 1:
        return None
    pname, ppart, pact, pchk = polys[0]
    nname, npart, nact, _ = nonpolys[0]
    nhom = nact.homogeneity
    z = _phi_zero(nact)
    if z is None:
        return None
    classes, zeros = _classes(P, nhom if nhom else None, nname, zero_class=(z != 0))
    m, n = len(classes), len(P)
    # N: vectors that cancel within every class (kernel of C^T)
    C = sp.zeros(n, m)
    for col, members in enumerate(classes):
        for i, f in members:
            C[i, col] = f
    Nbasis = C.T.nullspace()
    extra, Gp_rank_note = 0, ""
    if Nbasis and any(co != 0 for co in pchk.coefficients):
        from .network import MLP
        pnet = MLP(1, pact, W_std=net.W_std, b_std=0, parameterization=net.parameterization,
                   width=net.width)
        G = sp.Matrix(exact_gram(pnet, P, kind))
        Nm = sp.Matrix.hstack(*Nbasis)
        extra = DomainMatrix.from_Matrix(Nm.T * G * Nm).to_field().rank()
    ppoly = sp.Poly(list(reversed(pchk.coefficients)), _x).as_expr()
    rank = m + extra
    why = (f"depth 1, b_std = 0: phi = even + odd part, and the kernel is the sum of the kernels "
           f"of the two parts (cross terms vanish by symmetry). The {pname} part {ppoly} is a "
           f"polynomial; the {nname} part {npart} is not, and identifies x with "
           + ("every lambda x, lambda != 0 (it is homogeneous of degree %d and %s)" % (nhom, nname)
              if nhom else "-x")
           + f": the {n} points form {m} classes with independent features. The polynomial "
           f"part adds rank(N^T G_p N) = {extra} on the {n - m} directions that cancel within "
           f"classes, so the rank is {m} + {extra} = {rank}")
    if zeros:
        why += f" ({len(zeros)} zero input(s){'' if z != 0 else ' with vanishing ' + nname + ' part'})"
    return RankPrediction(rank, why, n, math.inf, "structure")


# --------------------------------------------------------------------------------------------
# The public predictor
# --------------------------------------------------------------------------------------------

_GF_PRIME = 2**61 - 1


def _special_bound(net, P, kind):
    """(rank bound, description) when all points lie on one sphere or one line, else None."""
    norms = {sum(a * a for a in p) for p in P}
    nonzero = [p for p in P if any(a != 0 for a in p)]
    if nonzero and all(_proportional(nonzero[0], p) is not None for p in nonzero):
        return line_dimension(net, nonzero[0], kind), f"on the line through {nonzero[0]}"
    if len(norms) == 1 and len(P[0]) > 1:
        (r2,) = norms
        return (sphere_dimension(net, len(P[0]), r2, kind),
                f"on the sphere |x|^2 = {r2} in R^{len(P[0])}")
    return None


def _rank_mod_p(pn, P, kind):
    """rank of the Gram matrix modulo a large prime (a lower bound for its rank over Q: every
    minor that is nonzero mod p is nonzero), computed entirely in GF(p); None if a denominator
    vanishes mod p."""
    pm = pn.modp(_GF_PRIME)
    if pm is None:
        return None
    try:
        return _exact_gram_dm(pm, P, kind).rank()
    except (ZeroDivisionError, Exception):
        return None


def _poly_prediction(net, pn, P, kind, exact_inputs, want_null):
    n, d = len(P), len(P[0])
    distinct = len({tuple(p) for p in P})
    rank_p = _rank_mod_p(pn, P, kind)
    G = None
    fc = None
    if rank_p is not None and rank_p == distinct:
        rank, dim = rank_p, None          # rank mod p <= rank over Q <= number of distinct points
    else:
        fc = feature_dimension(net, d, kind)
        dim = fc.dimension
        bound = min(distinct, dim)
        special = _special_bound(net, P, kind)
        if special is not None:
            bound = min(bound, special[0])
        if rank_p == bound:
            rank = bound
        else:
            G = _exact_gram_dm(pn, P, kind)
            rank = G.to_field().rank()
    if rank < n and want_null:
        G = G if G is not None else _exact_gram_dm(pn, P, kind)
        nv = _null_vector(G)
    else:
        nv = None
    r = pn.r
    why = (f"{net.activation.name} is a polynomial of degree {r}; at depth {net.depth} the "
           f"{kind.upper()} is a polynomial kernel of degree <= {r}^{net.depth} in x. ")
    if fc is None:
        why += (f"The exact Gram matrix has full rank {rank} on the {n} distinct points "
                "(certified by its rank modulo a prime, a lower bound for the rank over Q)")
        method = "exact"
    else:
        degrees = ", ".join(f"l={l}: {rk} x N({d},{l})={N}"
                            for l, (rk, N) in fc.by_degree.items())
        why += (f"Its feature space has dimension {dim} = sum over harmonic degrees l of "
                f"rank(M^l) x N(d, l) ({degrees or 'none'}); {n} points ({distinct} distinct) "
                f"give rank <= min({distinct}, {dim}) = {min(distinct, dim)}. The exact Gram "
                f"matrix over Q has rank {rank}"
                + (" (the generic value)" if rank == min(distinct, dim) else
                   " (below the generic value: the points are special)"))
        if special is not None:
            why += (f". The points lie {special[1]}, where the kernel has rank {special[0]}"
                    + (f", and they attain it" if rank == special[0] else ""))
        method = "count" if rank == bound else "exact"
    if nv is not None:
        why += "; an exact rational null vector is attached"
    return RankPrediction(rank, why, n, dim, method, nv)


def predicted_rank(net, X, kind="ntk", explain=False):
    """The exact rank of the infinite-width Gram matrix of ``net`` on the rows of X.

    Args:
        net: an :class:`~ntksym.MLP` with numeric W_std, b_std.
        X: points, shape (n, d): nested lists of int, Fraction, SymPy Rational (exact) or float
            (taken at its exact binary value), or a numpy array.
        kind: ``"ntk"`` or ``"nngp"``.
        explain: if True, return a :class:`RankPrediction` with the reason (and, for singular
            polynomial Gram matrices, an exact rational null vector).

    Returns:
        the rank (int), or a :class:`RankPrediction`; ``None`` as rank where no rule applies
        (the reason says why).
    """
    _check_kind(kind)
    if net.is_symbolic:
        raise ValueError("predicted_rank needs numeric W_std and b_std")
    exact_inputs = _all_exact(X)
    P = _exact_points(X)
    chk = _poly_check(net.activation)
    if chk.is_polynomial and chk.coefficients is not None:
        pred = _poly_prediction(net, _polynet(net), P, kind, exact_inputs,
                                want_null=explain and (exact_inputs or len(P) <= 12))
    elif chk.is_polynomial is False:
        pred = _nonpoly_prediction(net, P, kind)
    else:
        pred = RankPrediction(None, f"cannot decide whether {net.activation.name} is a "
                              f"polynomial: {chk.reason}", len(P), None, "none")
    return pred if explain else pred.rank
