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
of |x| -- comes out of the ranks exactly.

The count is certified by two bounds that meet, each cheap: rank_p(M^l) computed modulo the prime
2^31 - 1 on dense numpy arrays (a lower bound: a minor nonzero mod p is nonzero over Q), and the
size of the *support* of the feature space -- the powers xx^p that may multiply H_l, tracked
through the recursion (products of features, H_a H_b in the sum of xx^i H_(a+b-2i), times the
exact univariate polynomials g_k(Sigma^l(x, x))) -- an upper bound. When they differ for some l
(exact cancellations, an unlucky prime, irrational parameters) the kernel is built exactly over
the parameters' field instead, which takes minutes at degree 4^3 where the bounds take 0.5 s.

On special point sets (a sphere, a line, repeated points) the rank is computed exactly: the Gram
matrix of a polynomial network with exact parameters at exact points (ints, Fractions, SymPy
Rationals; floats are taken at their exact binary value) is a matrix of rationals, and its rank
and null vectors are computed over Q (after a rank modulo p that often settles it at once).

Non-polynomial activations
==========================

With b_std != 0 and phi continuous the NTK (and NNGP) Gram matrix is positive definite on
distinct points (Carvalho, Costa, Mourão, Oliveira, arXiv:2404.12928): the rank is the number of
distinct points. Otherwise the rank lost to structure is predicted exactly.

*Depth 1* (symbolic phi). The Gram matrix is a sum over parameter groups, so v is in its null
space iff sum_i v_i F(x_i) = 0 for each group's features: phi(w.x) (read-out weights),
c_x phi'(w.x) with c_x = x, or (x, 1) when the first layer has a bias gradient (NTK only), and
the constant of a read-out bias. Each condition "sum_i v_i c_i q(w.a_i) = 0 for almost every w"
is turned into exact linear equations: q splits into its even and odd parts (independent under
w -> -w); a part that is a finite sum of powers a t^alpha on t > 0 splits by alpha (independent
under w -> s w); a polynomial piece t^alpha gives the moment equations
sum_i v_i c_i a_i^beta = 0 (|beta| = alpha); a non-polynomial piece |t|^alpha or
sign(t)|t|^alpha gives one equation per line through 0 with factors |lambda|^alpha (times
sign(lambda)), because functions of w on different lines are independent (the characterisation
of polynomials in the paper); any other part gives one equation per pair {a, -a}. The rank is
the rank of these equations over Q. For ReLU (odd part x/2) on d + 1 antipodal pairs on the
sphere this gives 2d + 1 < 2d + 2; for max(0, x) + max(0, x)^2 (not homogeneous, but a sum of
two homogeneous pieces) 5 points on a ray have rank 2.

*Depth >= 2, NNGP and NTK parameterization.* Positive homogeneity of degree k (the features of
lambda x are lambda^(k^L) times those of x, lambda > 0; k = 0 for step and sign) and parity (the
features of -x are minus, or equal to, those of x) identify points into classes with independent
features. The input 0 is a class of its own when phi(0) != 0 and has zero features otherwise.

*Standard parameterization without bias (NTK).* The biases start at 0 but are trained, so their
gradients add features: at depth 1 the groups above with c_x = (x, 1) and a read-out constant;
at depth L >= 2 the component of the bias of hidden layer l + 1 is homogeneous of degree
k^L - k^l (the weights': k^L), even for odd phi, odd for l = 0 and even phi, and the read-out
bias is a constant. The rank is that of one equation per class and component (with its
factor |lambda|^e, sign), one per component nonzero at x = 0, and the constant's. That each
bias component, like the weights', has independent features across classes is checked
numerically (high-precision SVD), not proved.

*Jumps* (step, sign). The NNGP follows the rules above (at depth 1 the exact rule; with bias at
depth >= 2, positive definite on distinct points). The NTK does not exist: phi' contains a
Dirac delta and E[delta(u) delta(v)] = 1/(2 pi sqrt(q1 q2 - c^2)) is infinite on the diagonal,
so predicted_rank raises ValueError.

Where a rule cannot decide (a black-box callable at depth 1 without bias, a part whose vanishing
SymPy cannot decide) the rank is None and the reason says why.

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

import copy
import math
import numbers
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix
from sympy.polys.rings import ring

from ntksym.symbolic.activations import Activation
from ntksym.core.inputs import point_rows
from ntksym.theory.polynomial import is_polynomial
from ntksym.core.symbols import x as _x, xx as _xx, xy as _xy, yy as _yy

__all__ = ["RankPrediction", "FeatureCount", "generic_rank", "feature_dimension",
           "predicted_rank", "exact_gram", "sphere_dimension", "line_dimension", "null_vector",
           "kernel_polynomial", "harmonic_dimension"]

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


def _rank_one_factors(table, dom):
    """{k: (u, delta)} with table[(k, m1, m2)] = u[m1] u[m2] / delta.

    The tables are sum_k c^k/k! g_k(q1) g_k(q2) with g_k(q) = sum_m g[k][m] q^m, so each
    table[k] is rank one; u_m = table[(k, m, m0)] stays in the table's field even when the
    g[k][m] themselves are irrational (normalised Hermite activations).
    """
    out = {}
    for k in sorted({key[0] for key in table}):
        diag = sorted(m for (kk, m, mm) in table if kk == k and m == mm)
        m0 = diag[0]
        mmax = max(m for (kk, m, _) in table if kk == k)
        u = [table.get((k, m, m0), dom.zero) for m in range(mmax + 1)]
        out[k] = (u, table[(k, m0, m0)])
    return out


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
        # rank-one forms of the tables, for the fast counts: table[k] = u_k (x) u_k / delta_k
        self.dual_factors = _rank_one_factors(self.dual, dom)
        self.dot_factors = _rank_one_factors(self.dot, dom)

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


# --------------------------------------------------------------------------------------------
# Fast counts: a lower bound modulo a prime, an upper bound from supports
# --------------------------------------------------------------------------------------------
#
# Building the kernel exactly in Q[xx, yy, xy] costs minutes at degree 4^3 = 64 (its rational
# coefficients grow to hundreds of digits). The counts are instead certified by two cheap bounds
# that meet:
#
# * lower: the blocks M^l computed modulo the prime 2^31 - 1 with numpy (dense arrays, int64).
#   A minor that is nonzero mod p is nonzero over Q, so rank_p(M^l) <= rank_Q(M^l).
# * upper: the feature space of every kernel of the recursion, tracked as a *support*: for each
#   harmonic degree l the set of powers p of xx such that xx^p H_l may occur. The feature space
#   of c^k is spanned by products of k features, H_a H_b lies in the sum of
#   xx^i H_(a+b-2i) (i = 0..min(a, b); only i = 0 and i = min(a, b) when d = 2), and
#   g_k(q(x)) is an exact univariate polynomial in xx whose support is read off. So
#   rank_Q(M^l) = dim W_l <= |support_l|.
#
# When the two agree for every l the count is exact; otherwise (parameters with exact
# cancellations, p unlucky, irrational parameters) the exact computation over the parameters'
# field runs instead.

_P31 = 2**31 - 1


def _modp(v, p=_P31):
    """A rational domain element modulo p (ZeroDivisionError if p divides its denominator)."""
    num, den = int(v.numerator), int(v.denominator)
    if den % p == 0:
        raise ZeroDivisionError("denominator divisible by the prime")
    return num % p * pow(den, -1, p) % p


def _trim(A):
    import numpy as np
    nz = np.nonzero(A)
    if len(nz[0]) == 0:
        return np.zeros((1,) * A.ndim, np.int64)
    return A[tuple(slice(0, int(ix.max()) + 1) for ix in nz)]


def _dense_add(A, B, p=_P31):
    import numpy as np
    shape = tuple(max(a, b) for a, b in zip(A.shape, B.shape))
    out = np.zeros(shape, np.int64)
    out[tuple(slice(0, n) for n in A.shape)] += A
    out[tuple(slice(0, n) for n in B.shape)] += B
    return out % p


def _dense_mul(A, B, p=_P31):
    """The product of two dense polynomials (int64 arrays of coefficients mod p)."""
    import numpy as np
    if np.count_nonzero(A) > np.count_nonzero(B):
        A, B = B, A
    out = np.zeros(tuple(a + b - 1 for a, b in zip(A.shape, B.shape)), np.int64)
    for idx in zip(*np.nonzero(A)):
        sl = tuple(slice(i, i + n) for i, n in zip(idx, B.shape))
        out[sl] = (out[sl] + int(A[idx]) * B) % p     # < 2^31 * 2^31 + 2^31 < 2^63
    return _trim(out)


def _dense_mul_axis(A, u, axis, p=_P31):
    """A times the univariate polynomial u (1-D array) in the variable of ``axis``."""
    import numpy as np
    shape = list(A.shape)
    shape[axis] += len(u) - 1
    out = np.zeros(shape, np.int64)
    for i, ui in enumerate(u):
        if ui:
            sl = [slice(None)] * A.ndim
            sl[axis] = slice(i, i + A.shape[axis])
            out[tuple(sl)] = (out[tuple(sl)] + int(ui) * A) % p
    return _trim(out)


def _dense_const(v, ndim):
    import numpy as np
    return np.full((1,) * ndim, v, np.int64)


def _dense_kernel(pn, kind, q, c, theta, p=_P31):
    """Run the recursion on dense polynomials mod p.

    ``q`` (1-D) is Sigma^1(x, x) in the variable of axis 0 (the same polynomial in axis 1's
    variable is Sigma^1(x', x')); ``c`` and ``theta`` (N-D) are Sigma^1(x, x') and
    Theta^1(x, x'). Returns the NNGP or the NTK as an N-D array.
    """
    import numpy as np
    w2, b2 = _modp(pn.w2, p), _modp(pn.b2, p)
    width = _modp(pn.width_el, p) if pn.standard else None

    def factors(fac):
        return {k: ([_modp(v, p) for v in u], pow(_modp(delta, p), -1, p))
                for k, (u, delta) in fac.items()}
    dual, dot = factors(pn.dual_factors), factors(pn.dot_factors)
    nd = c.ndim
    for _ in range(pn.depth):
        kmax = max(list(dual) + [k for k in dot] + [0])
        mmax = max([len(u) for u, _ in list(dual.values()) + list(dot.values())] + [1])
        qp = [np.ones(1, np.int64)]
        for _m in range(max(mmax, kmax)):
            qp.append(_dense_mul(qp[-1], q, p))
        cp = [_dense_const(1, nd), c]
        for k in range(2, kmax + 1):
            cp.append(_dense_mul(cp[k // 2], cp[k - k // 2], p))

        def U(u):
            out = np.zeros(1, np.int64)
            for m, um in enumerate(u):
                if um:
                    out = _dense_add(out, (um * qp[m]) % p, p)
            return _trim(out)

        def assemble(fac, diagonal):
            total = _dense_const(0, 1 if diagonal else nd)
            for k, (u, inv) in fac.items():
                uk = U(u)
                if diagonal:
                    term = _dense_mul(_dense_mul(uk, uk, p), qp[k], p)
                else:
                    term = _dense_mul_axis(_dense_mul_axis(cp[k], uk, 0, p), uk, 1, p)
                total = _dense_add(total, (inv * term) % p, p)
            return total
        k12 = assemble(dual, False)
        new_c = _dense_add((w2 * k12) % p, _dense_const(b2, nd), p)
        if kind == "ntk":
            kdot = (w2 * assemble(dot, False)) % p
            if pn.standard:
                theta = _dense_add(_dense_add((width * k12) % p, _dense_const(1, nd), p),
                                   _dense_mul(kdot, theta, p), p)
            else:
                theta = _dense_add(_dense_mul(theta, kdot, p), new_c, p)
        q = _dense_add((w2 * assemble(dual, True)) % p, _dense_const(b2, 1), p)
        c = new_c
    return _trim(theta if kind == "ntk" else c)


def _rank_mod(M, p=_P31):
    """The rank of an int64 matrix modulo p (numpy elimination)."""
    import numpy as np
    M = np.array(M, dtype=np.int64) % p
    rows, cols = M.shape
    r = 0
    for col in range(cols):
        if r == rows:
            break
        piv = np.nonzero(M[r:, col])[0]
        if len(piv) == 0:
            continue
        i = r + int(piv[0])
        if i != r:
            M[[r, i]] = M[[i, r]]
        M[r] = (M[r] * pow(int(M[r, col]), -1, p)) % p
        f = M[:, col].copy()
        f[r] = 0
        M = (M - (f[:, None] * M[r][None, :]) % p) % p
        r += 1
    return r


def _blocks_modp(C, d, p=_P31):
    """{l: M^l mod p} from the dense kernel C[a, b, j] (xx^a yy^b xy^j)."""
    import numpy as np
    A, B, J = C.shape
    size = max(A, B) + (J - 1) // 2
    blocks = {}
    for j in range(J):
        Cj = C[:, :, j]
        if not Cj.any():
            continue
        for l in range(j % 2, j + 1, 2):
            if harmonic_dimension(d, l) == 0:
                continue
            k = (j - l) // 2
            wt = _gegenbauer_weight(j, l, d)
            wt = int(wt.p) % p * pow(int(wt.q), -1, p) % p
            M = blocks.setdefault(l, np.zeros((size, size), np.int64))
            M[k:k + A, k:k + B] = (M[k:k + A, k:k + B] + (wt * Cj) % p) % p
    return blocks


# ---- supports -------------------------------------------------------------------------------

def _bitconv(P, Q):
    out, i = 0, 0
    while P:
        if P & 1:
            out |= Q << i
        P >>= 1
        i += 1
    return out


def _spread(P, factor):
    """Bit i of P moved to bit factor * i."""
    out, i = 0, 0
    while P:
        if P & 1:
            out |= 1 << (factor * i)
        P >>= 1
        i += 1
    return out


class _Supports:
    """Supports of feature spaces: {l: bitmask of the powers p of xx in xx^p H_l} (harmonic
    mode, ``d`` given) or one bitmask of the powers of t (on a line, ``d`` None)."""

    def __init__(self, d):
        self.d = d

    def const(self):
        return {0: 1} if self.d else 1

    def xy(self):
        return {1: 1} if self.d else 2

    def union(self, S, T):
        if not self.d:
            return S | T
        out = dict(S)
        for l, P in T.items():
            out[l] = out.get(l, 0) | P
        return out

    def product(self, S, T):
        if not self.d:
            return _bitconv(S, T)
        out = {}
        for a, Pa in S.items():
            for b, Pb in T.items():
                conv = _bitconv(Pa, Pb)
                m = min(a, b)
                shifts = range(m + 1) if self.d >= 3 else sorted({0, m})
                for i in shifts:
                    l = a + b - 2 * i
                    if harmonic_dimension(self.d, l):
                        out[l] = out.get(l, 0) | (conv << i)
        return out

    def times_radial(self, S, F):
        """S times a polynomial in xx with support F (a bitmask over powers of xx)."""
        if not self.d:
            return _bitconv(S, _spread(F, 2))
        return {l: _bitconv(P, F) for l, P in S.items()}


def _support(pn, kind, sup):
    """The support of the kernel's feature space (see :class:`_Supports`)."""
    dom = pn.domain
    R, s = ring("s", dom)
    w2, b2 = pn.w2, pn.b2

    def bits(poly):
        out = 0
        for (e,), co in poly.terms():
            if co != dom.zero:
                out |= 1 << e
        return out

    def U(u, q):
        total, qm = R.zero, R.one
        for um in u:
            total += qm * um
            qm = qm * q
        return total
    has_b = b2 != dom.zero
    sig = sup.union(sup.xy(), sup.const()) if has_b else sup.xy()
    if pn.standard:
        theta = sup.union(sup.xy(), sup.const())
    else:
        theta = sig
    q = s * w2 + b2
    for _ in range(pn.depth):
        kmax = max(list(pn.dual_factors) + list(pn.dot_factors) + [0])
        powers = [sup.const(), sig]
        for k in range(2, kmax + 1):
            powers.append(sup.product(powers[-1], sig))

        def assemble(fac):
            total = None
            for k, (u, _) in fac.items():
                F = bits(U(u, q))
                if F:
                    term = sup.times_radial(powers[k], F)
                    total = term if total is None else sup.union(total, term)
            return total
        k12 = assemble(pn.dual_factors)
        new_sig = k12
        if has_b:
            new_sig = sup.const() if new_sig is None else sup.union(new_sig, sup.const())
        if kind == "ntk":
            kdot = assemble(pn.dot_factors)
            prod = sup.product(theta, kdot) if kdot is not None else None
            parts = [prod]
            if pn.standard:
                parts += [k12, sup.const()]
            else:
                parts += [new_sig]
            theta = None
            for part in parts:
                if part is not None:
                    theta = part if theta is None else sup.union(theta, part)
        qn = R.zero
        for k, (u, delta) in pn.dual_factors.items():
            uq = U(u, q)
            qk = R.one
            for _ in range(k):
                qk = qk * q
            qn += qk * uq * uq * (dom.one / delta)
        q = qn * w2 + b2
        sig = new_sig if new_sig is not None else ({} if sup.d else 0)
    out = theta if kind == "ntk" else sig
    if out is None:
        out = {} if sup.d else 0
    return out


def _fast_feature_count(pn, d, kind):
    """FeatureCount certified by bounds that meet, or None (then count exactly)."""
    import numpy as np
    if pn.domain != QQ:
        return None
    try:
        q = np.array([_modp(pn.b2), _modp(pn.w2)], np.int64)
        c = np.zeros((1, 1, 2), np.int64)
        c[0, 0, 0], c[0, 0, 1] = q[0], q[1]
        if pn.standard:
            theta = np.zeros((1, 1, 2), np.int64)
            theta[0, 0, 0], theta[0, 0, 1] = 1, d % _P31
        else:
            theta = c.copy()
        C = _dense_kernel(pn, kind, q, c, theta)
    except ZeroDivisionError:
        return None
    if C.ndim != 3:
        C = C.reshape(C.shape + (1,) * (3 - C.ndim))
    blocks = _blocks_modp(C, d)
    support = _support(pn, kind, _Supports(d))
    by_degree, total = {}, 0
    for l in sorted(set(blocks) | set(support)):
        upper = bin(support.get(l, 0)).count("1")
        lower = _rank_mod(blocks[l]) if l in blocks else 0
        if lower != upper:
            return None
        if lower:
            by_degree[l] = (lower, harmonic_dimension(d, l))
            total += lower * harmonic_dimension(d, l)
    degree = 0
    for l, P in support.items():
        if P:
            degree = max(degree, l + 2 * (P.bit_length() - 1))
    return FeatureCount(total, by_degree, degree)


def _fast_line_rank(pn, g, d, kind):
    """The rank on the line {t v} (|v|^2/d = g) certified by bounds that meet, or None."""
    import numpy as np
    if pn.domain != QQ:
        return None
    try:
        gm = _modp(g)
        w2, b2 = _modp(pn.w2), _modp(pn.b2)
        q = np.array([b2, 0, w2 * gm % _P31], np.int64)
        c = np.zeros((2, 2), np.int64)
        c[0, 0], c[1, 1] = b2, w2 * gm % _P31
        if pn.standard:
            theta = np.zeros((2, 2), np.int64)
            theta[0, 0], theta[1, 1] = 1, d * gm % _P31
        else:
            theta = c.copy()
        C = _dense_kernel(pn, kind, q, c, theta)
    except ZeroDivisionError:
        return None
    lower = _rank_mod(C.reshape(C.shape[0], -1))
    upper = bin(_support(pn, kind, _Supports(None))).count("1")
    return lower if lower == upper else None


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
    fast = _fast_feature_count(pn, d, kind)
    if fast is not None:
        return fast
    return _feature_count_exact(pn, d, kind)


def _feature_count_exact(pn, d, kind):
    """The count from the kernel built exactly over the parameters' field (slow at high
    degree; used when the fast bounds do not meet)."""
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

    There xx = yy = rho = radius2/d, so the kernel is a polynomial P(xy) = sum_j P_j xy^j in
    one variable (built exactly, cheaply), equal to sum_l m_l Z_l with
    m_l = sum_j P_j c_{j,l} rho^(j-l); the rank on the sphere is the sum of N(d, l) over the
    harmonic degrees l with m_l != 0.
    """
    _check_kind(kind)
    d = _check_d(d)
    pn = _polynet(net)
    if pn is None:
        return None
    dom = pn.domain
    rho = dom.convert(sp.nsimplify(radius2)) / dom.convert(d)
    if rho == dom.zero:
        return 1 if _kernel_at_zero(pn, kind) != dom.zero else 0
    R, T = ring("xy", dom)
    nngp, ntk = pn.run(rho, rho, T, R.one, T * dom.convert(d))
    P = ntk if kind == "ntk" else nngp
    m = {}
    for (j,), co in P.terms():
        for l in range(j % 2, j + 1, 2):
            if harmonic_dimension(d, l):
                wt = dom.convert(_gegenbauer_weight(j, l, d))
                m[l] = m.get(l, dom.zero) + co * wt * rho ** (j - l)
    return sum(harmonic_dimension(d, l) for l, v in m.items() if v != dom.zero)


def _kernel_at_zero(pn, kind):
    dom = pn.domain
    nngp, ntk = pn.run(dom.zero, dom.zero, dom.zero, dom.one, dom.zero)
    return ntk if kind == "ntk" else nngp


def line_dimension(net, v, kind="ntk"):
    """The rank of the kernel restricted to the line {t v : t real} (v exact, nonzero).

    On the line the kernel is the polynomial sum C[a,b,j] g^(a+b+j) t^(2a+j) t'^(2b+j) in the
    scalars t, t' (g = |v|^2/d); its rank is that of its coefficient matrix. It is certified by
    the rank of that matrix modulo a prime (a lower bound) meeting the number of powers of t the
    features can hold (an upper bound); otherwise it is computed exactly.
    """
    _check_kind(kind)
    pn = _polynet(net)
    if pn is None:
        return None
    v = [_exact_number(a) for a in v]
    d = len(v)
    dom = pn.domain
    g = dom.convert(sum(a * a for a in v)) / dom.convert(d)
    if g == dom.zero:
        return 1 if _kernel_at_zero(pn, kind) != dom.zero else 0
    fast = _fast_line_rank(pn, g, d, kind)
    if fast is not None:
        return fast
    R, P = _kernel_ring(pn, d, kind)
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
    pairwise distinct and non-proportional, so the Gram matrix is positive definite). The count
    is certified by a bound modulo a prime meeting a bound from supports (see the module
    docstring), so it costs well under a second even at degree 4^3.

    Raises:
        ValueError: for ``kind="ntk"`` when phi has a jump (the NTK does not exist), or when
            the activation cannot be decided to be a polynomial or not.
    """
    _check_kind(kind)
    d = _check_d(d)
    act = net.activation
    if kind == "ntk" and act.is_symbolic and act.derivative().has_dirac:
        raise ValueError(f"the NTK of {act.name} does not exist: phi' contains a Dirac delta, "
                         "infinite on the diagonal; use kind='nngp'")
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
    return [[_exact_number(v) for v in r] for r in point_rows(X)]


def _exact_gram_dm(pn, P, kind):
    """The Gram matrix as a DomainMatrix over pn.domain at exact points P."""
    dom = pn.domain
    n, d = len(P), len(P[0])
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
    row = ns.to_Matrix()[0, :]        # exact domain elements as SymPy numbers (never
    vals = list(row)                   # nsimplify: it turns large rationals into radicals)
    den = sp.ilcm(*[sp.fraction(v)[1] for v in vals if v.is_Rational] or [1])
    vals = [sp.expand(v * den) for v in vals]
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


class _Undecided(Exception):
    """The structural rules cannot decide this case (the message says why)."""


_tpos = sp.Symbol("t", positive=True)


def _value_at_zero(expr):
    v = expr.subs(_x, 0)
    if not (v.is_number and v.is_finite):
        raise _Undecided(f"{expr} has no finite value at 0")
    return sp.nsimplify(v)


def _parity_part(expr, sign):
    """(phi(t) + sign * phi(-t)) / 2 for t > 0: the even (sign=1) or odd part on t > 0."""
    part = (expr.subs(_x, _tpos) + sign * expr.subs(_x, -_tpos)) / 2
    part = sp.piecewise_fold(part)
    if isinstance(part, sp.Piecewise):
        part = part.simplify()
    part = sp.expand(part)
    if part != 0 and not _power_terms(part):
        part = sp.simplify(part)
    return part


def _power_terms(e):
    """{alpha: coefficient} if e (in t > 0) is a finite sum of coefficient * t**alpha."""
    out = {}
    for term in sp.Add.make_args(sp.expand(e)):
        if term == 0:
            continue
        co, rest = term.as_independent(_tpos, as_Add=False)
        if not co.is_number:
            return None
        if rest == 1:
            alpha = sp.Integer(0)
        elif rest == _tpos:
            alpha = sp.Integer(1)
        elif rest.is_Pow and rest.base == _tpos and rest.exp.is_number:
            alpha = rest.exp
        else:
            return None
        out[alpha] = out.get(alpha, 0) + co
    return {a: co for a, co in out.items() if sp.nsimplify(co) != 0}


def _vanishes_numerically(e):
    f = sp.lambdify(_tpos, e, "mpmath")
    try:
        return all(abs(complex(f(t))) < 1e-25 for t in ("0.37", "1.3", "2.9", "7.1"))
    except Exception:
        return False


def _monomials(n, degree):
    """Exponent tuples of the monomials of the given degree in n variables."""
    if n == 0:
        return [()] if degree == 0 else []
    if n == 1:
        return [(degree,)]
    return [(k,) + rest for k in range(degree, -1, -1) for rest in _monomials(n - 1, degree - k)]


def _lines(args, idx):
    """Group the (nonzero) arguments idx by the line through 0 they lie on:
    [(representative, [(i, lambda_i)])] with args[i] = lambda_i * representative."""
    out = []
    for i in idx:
        for rep, members in out:
            lam = _proportional(rep, args[i])
            if lam is not None:
                members.append((i, lam))
                break
        else:
            out.append((args[i], [(i, sp.Integer(1))]))
    return out


def _family_rows(q, args, coeffs, n):
    """Linear forms in v whose common null space is {v : sum_i v_i c_i q(w . a_i) = 0 for
    almost every w}, with a_i = args[i] and c_i = coeffs[i] (vectors), and notes on how.

    q is split into its even and odd parts (independent under w -> -w). A part that is a
    finite sum of powers a t^alpha on t > 0 splits further by alpha (independent under
    w -> s w): a polynomial piece t^alpha gives the moment equations sum_i v_i c_i a_i^beta = 0
    (|beta| = alpha); a non-polynomial piece |t|^alpha or sign(t)|t|^alpha gives one vector
    equation per line through 0, with the factors |lambda|^alpha (times sign(lambda)), because
    the functions of w on different lines are linearly independent (the characterisation of
    polynomials, Carvalho et al. 2024). Any other part is independent across the pairs
    {a, -a}. Zero arguments give the constant q(0) c_i.
    """
    dim = len(coeffs[0]) if coeffs else 0
    zeros = [i for i in range(n) if all(a == 0 for a in args[i])]
    nonzero = [i for i in range(n) if i not in zeros]
    rows, notes = [], []
    const = [[sp.Integer(0)] * n for _ in range(dim)]
    if zeros:
        q0 = _value_at_zero(q)
        for i in zeros:
            for k in range(dim):
                const[k][i] += coeffs[i][k] * q0
    for sign, pname in ((1, "even"), (-1, "odd")):
        part = _parity_part(q, sign)
        if part == 0:
            continue
        terms = _power_terms(part)
        if terms is None:
            if _vanishes_numerically(part):
                raise _Undecided(f"cannot decide whether the {pname} part {part} of {q} "
                                 "vanishes")
            # pairs {a, -a}: the part's features agree up to its parity
            classes = []
            for i in nonzero:
                for rep, members in classes:
                    if args[i] == rep:
                        members.append((i, 1))
                        break
                    if all(a == -b for a, b in zip(args[i], rep)):
                        members.append((i, sign))
                        break
                else:
                    classes.append((args[i], [(i, 1)]))
            for _, members in classes:
                for k in range(dim):
                    row = [sp.Integer(0)] * n
                    for i, f in members:
                        row[i] = coeffs[i][k] * f
                    rows.append(row)
            notes.append(f"{pname} part {part} (not a polynomial): independent features on "
                         f"{len(classes)} classes {{x, -x}}")
            continue
        for alpha, co in sorted(terms.items()):
            if not (alpha.is_Integer and alpha >= 0):
                raise _Undecided(f"the {pname} part of {q} has the power t^{alpha}")
            alpha = int(alpha)
            if (alpha % 2 == 0) == (sign == 1):          # t^alpha: a polynomial piece
                if alpha == 0:
                    for i in nonzero:
                        for k in range(dim):
                            const[k][i] += coeffs[i][k] * co
                    notes.append(f"constant piece {co} of the even part: features that do "
                                 "not depend on w")
                    continue
                mons = _monomials(len(args[0]), alpha)
                for beta in mons:
                    for k in range(dim):
                        row = [sp.Integer(0)] * n
                        for i in nonzero:
                            mon = sp.Integer(1)
                            for a, e in zip(args[i], beta):
                                mon *= a**e
                            row[i] = coeffs[i][k] * mon
                        rows.append(row)
                notes.append(f"polynomial piece {co}*x^{alpha} of the {pname} part: moments "
                             f"of degree {alpha}")
            else:                                          # |t|^alpha or sign(t) |t|^alpha
                lines = _lines(args, nonzero)
                for _, members in lines:
                    for k in range(dim):
                        row = [sp.Integer(0)] * n
                        for i, lam in members:
                            f = abs(lam)**alpha * (sp.sign(lam) if sign == -1 else 1)
                            row[i] = coeffs[i][k] * f
                        rows.append(row)
                piece = {(1, 1): "|x|", (-1, 0): "sign(x)"}.get(
                    (sign, alpha), ("|x|^%d" if sign == 1 else "sign(x)|x|^%d") % alpha)
                notes.append(f"non-polynomial piece {co}*{piece} of the {pname} part: "
                             f"independent features on {len(lines)} lines through 0")
    for k in range(dim):
        if any(v != 0 for v in const[k]):
            rows.append(const[k])
    return rows, notes


def _rows_rank(rows, n):
    rows = [r for r in rows if any(v != 0 for v in r)]
    if not rows:
        return 0
    M = DomainMatrix.from_list_sympy(len(rows), n, rows)
    return M.to_field().rank()


def _depth_one_engine(net, P, kind):
    """Depth 1, symbolic activation: the exact rank from the features' linear relations."""
    act = net.activation
    n, d = len(P), len(P[0])
    b_zero = net.b_std == 0
    one = [sp.Integer(1)]
    args = [list(p) if b_zero else list(p) + one for p in P]
    groups = [("the read-out weights (features phi(w.x))", act.expr, [one] * n)]
    const_feature = (not b_zero) or (kind == "ntk" and net.parameterization == "standard")
    if kind == "ntk":
        if net.parameterization == "standard" or not b_zero:
            cvec = [list(p) + one for p in P]
            what = "the first layer's weights and bias (features (x, 1) phi'(w.x))"
        else:
            cvec = [list(p) for p in P]
            what = "the first layer's weights (features x phi'(w.x))"
        groups.append((what, act.derivative().expr, cvec))
    rows, why = [], []
    for what, q, cvec in groups:
        r, notes = _family_rows(q, args, cvec, n)
        rows += r
        why.append(f"{what[0].upper() + what[1:]}: " + ("; ".join(notes) if notes else
                                                         "no features"))
    if const_feature:
        rows.append([sp.Integer(1)] * n)
        why.append("The read-out bias: one constant feature")
    rank = _rows_rank(rows, n)
    reason = (f"depth 1, {net.parameterization} parameterization, b_std "
              + ("= 0" if b_zero else "!= 0 (arguments (x, 1))")
              + f": the {kind.upper()} Gram matrix is a sum of the Gram matrices of the "
              "parameter groups, so its null space is the set of v with sum_i v_i F(x_i) = 0 for "
              "every group's features F. " + ". ".join(why)
              + f". These {len(rows)} exact linear conditions on v have rank {rank}, so the "
              f"rank is {rank} (of {n} points)")
    return RankPrediction(rank, reason, n, math.inf, "structure")


def _standard_deep_components(act, depth):
    """Components of the standard-parameterization NTK without bias at depth >= 2.

    The NTK is a sum over parameter groups. Without bias the hidden biases start at 0 but are
    trained, so their gradients (the "+1" terms of the recursion) add features that scale
    differently from the weights' under x -> lambda x (homogeneous phi of degree k) and
    x -> -x (odd or even phi). Returns [(name, degree, parity sign, nonzero at x = 0)]; degree
    None without homogeneity, parity sign None without parity.
    """
    k, parity = act.homogeneity, act.parity
    phi0 = _value_at_zero(act.expr)
    dphi0 = _value_at_zero(act.derivative().expr)
    L = depth
    out = [("weights", k**L if k else None,
            {"odd": -1, "even": 1}.get(parity), phi0 != 0)]
    for l in range(L):
        if parity == "odd":
            sgn = 1
        elif parity == "even":
            sgn = -1 if l == 0 else 1
        else:
            sgn = None
        at0 = dphi0 != 0 if (l == 0 or phi0 == 0) else True
        out.append((f"bias of hidden layer {l + 1}", k**L - k**l if k else None, sgn, at0))
    return out


def _standard_deep(net, P):
    """Standard parameterization, b_std = 0, depth >= 2: rank from the components' characters.

    Assumption (verified numerically, not proved): at depth >= 2 each component's features
    are linearly independent across classes of non-proportional points, as the weights'
    features are (the positivity theorem).
    """
    act = net.activation
    n = len(P)
    k, parity = act.homogeneity, act.parity
    comps = _standard_deep_components(act, net.depth)
    zeros = [i for i in range(n) if all(a == 0 for a in P[i])]
    nonzero = [i for i in range(n) if i not in zeros]
    # classes: rays (homogeneous), with -x too (parity); else identical points (and -x)
    classes = []
    for i in nonzero:
        for rep, members in classes:
            lam = _proportional(P[rep], P[i])
            if lam is None:
                continue
            if lam == 1 or (k and lam > 0) or (parity and (lam == -1 or (k and lam < 0))):
                members.append((i, lam))
                break
        else:
            classes.append((i, [(i, sp.Integer(1))]))
    rows = []
    for _, members in classes:
        for name, e, sgn, _ in comps:
            row = [sp.Integer(0)] * n
            for i, lam in members:
                f = abs(lam)**e if e is not None else sp.Integer(1)
                if sgn == -1 and lam < 0:
                    f = -f
                row[i] = f
            rows.append(row)
    nz0 = [c[0] for c in comps if c[3]]
    if zeros and nz0:
        for _ in nz0:
            rows.append([sp.Integer(1) if i in zeros else sp.Integer(0) for i in range(n)])
    rows.append([sp.Integer(1)] * n)               # the read-out bias: a constant feature
    rank = _rows_rank(rows, n)
    chars = "; ".join(
        f"{name}: " + (f"homogeneous of degree {e}" if e is not None else "not homogeneous")
        + {1: ", even", -1: ", odd", None: ""}[sgn] for name, e, sgn, _ in comps)
    reason = (f"standard parameterization, b_std = 0, depth {net.depth}: the biases start at 0 "
              "but are trained, so the NTK is the weights' kernel (positive definite on "
              "non-proportional points, Carvalho et al. 2024) plus the biases' kernels and the "
              f"read-out bias's constant. Under x -> lambda x and x -> -x the components scale "
              f"differently ({chars}; the read-out bias is constant). The {n} points form "
              f"{len(classes)} classes" + (f" and {len(zeros)} zero input(s)" if zeros else "")
              + "; taking each component's features independent across classes (proved for the "
              "weights, checked numerically for the biases), the null space is cut out by "
              f"{len(rows)} exact conditions of rank {rank}, so the rank is {rank}")
    return RankPrediction(rank, reason, n, math.inf, "structure")


def _nonpoly_prediction(net, P, kind):
    act = net.activation
    n = len(P)
    b_zero = net.b_std == 0
    jump = act.is_symbolic and act.derivative().has_dirac
    if kind == "ntk" and jump:
        raise ValueError(
            f"the NTK of {act.name} does not exist: phi has a jump, so phi' contains a Dirac "
            "delta and E[phi'(u) phi'(v)] contains E[delta(u) delta(v)] = "
            "1/(2 pi sqrt(q1 q2 - c^2)), infinite on the diagonal (and on proportional inputs "
            "without bias); the Gram matrix has infinite entries and no rank. (A finite "
            "network's gradients see phi' = 0 almost everywhere, so its empirical NTK is the "
            "read-out layer's kernel alone.) Use kind='nngp'")
    if net.W_std == 0:
        return RankPrediction(None, "W_std = 0: every input gives the same pre-activations, so "
                              "the rules for non-polynomial activations do not apply", n, None,
                              "none")
    try:
        if act.is_symbolic and net.depth == 1 and (b_zero or jump):
            return _depth_one_engine(net, P, kind)
        if net.depth == 1 and b_zero:
            return RankPrediction(
                None, "depth 1 without bias: the rank depends on whether the even and odd parts "
                "of phi (and phi') are polynomials or finite sums of homogeneous pieces (ReLU's "
                "odd part x/2 makes d + 1 antipodal pairs singular); a black-box callable does "
                "not give them exactly, so no rule applies", n, None, "none")
        if not b_zero:
            distinct = len({tuple(p) for p in P})
            if jump:
                why = (f"{act.name} is not continuous, so the positivity theorem does not apply "
                       "as stated; but with b_std != 0 the depth-1 kernel is positive definite "
                       "on distinct points (the exact depth-1 analysis: the arguments (x, 1) "
                       "are pairwise non-proportional), and each further layer keeps a "
                       "positive definite correlation matrix positive definite (its dual has a "
                       "nonzero first Hermite coefficient, Schur product theorem); "
                       f"{distinct} of the {n} points are distinct")
            else:
                why = (f"{act.name} is not a polynomial and b_std != 0: by the positivity "
                       "theorem (Carvalho et al. 2024) the Gram matrix is positive definite on "
                       f"distinct points; {distinct} of the {n} points are distinct")
            return RankPrediction(distinct, why, n, math.inf, "theorem" if not jump else
                                  "structure")
        if kind == "ntk" and net.parameterization == "standard":
            if not act.is_symbolic:
                return RankPrediction(None, "standard parameterization without bias: the bias "
                                      "gradients' features need phi and phi' at 0 and their "
                                      "symmetries, which a black-box callable does not give", n,
                                      None, "none")
            return _standard_deep(net, P)
    except _Undecided as exc:
        return RankPrediction(None, f"undecided: {exc}", n, None, "none")
    hom, parity, zero_vanishes = _structure(act)
    classes, zeros = _classes(P, hom, parity, zero_class=not zero_vanishes)
    m = len(classes)
    notes = []
    if hom is not None:
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


# --------------------------------------------------------------------------------------------
# The public predictor
# --------------------------------------------------------------------------------------------



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


class _Residues:
    """Arrays of residues modulo _P31 with + and * (numpy int64: products stay below 2^62)."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    @staticmethod
    def _of(other):
        return other.v if isinstance(other, _Residues) else other

    def __add__(self, other):
        return _Residues((self.v + self._of(other)) % _P31)

    __radd__ = __add__

    def __mul__(self, other):
        return _Residues((self.v * self._of(other)) % _P31)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self * pow(int(other), -1, _P31)


def _rank_mod_p(pn, P, kind):
    """The rank of the Gram matrix modulo the prime 2^31 - 1: a lower bound for its rank over
    Q (a minor that is nonzero mod p is nonzero). All entries at once, in numpy residues; None
    when a denominator vanishes mod p or the parameters are not rational."""
    import numpy as np
    if pn.domain != QQ:
        return None
    try:
        conv = lambda v: _modp(v)  # noqa: E731
        pm = copy.copy(pn)
        pm.w2, pm.b2 = conv(pn.w2), conv(pn.b2)
        pm.dual = {k: conv(v) for k, v in pn.dual.items()}
        pm.dot = {k: conv(v) for k, v in pn.dot.items()}
        pm.width_el = conv(pn.width_el) if pn.standard else None
        n, d = len(P), len(P[0])
        X = np.array([[conv(QQ.from_sympy(v)) for v in r] for r in P], dtype=np.int64)
    except ZeroDivisionError:
        return None
    G = np.zeros((n, n), np.int64)
    for k in range(d):
        G = (G + np.outer(X[:, k], X[:, k]) % _P31) % _P31
    diag = np.diag(G).copy()
    inv_d = pow(d % _P31, -1, _P31)
    s11 = _Residues(np.broadcast_to(diag[:, None], (n, n)) * inv_d % _P31)
    s22 = _Residues(np.broadcast_to(diag[None, :], (n, n)) * inv_d % _P31)
    nngp, ntk = pm.run(s11, s22, _Residues(G * inv_d % _P31), _Residues(np.ones((n, n), np.int64)),
                       _Residues(G))
    return _rank_mod((ntk if kind == "ntk" else nngp).v)


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

    Raises:
        ValueError: for ``kind="ntk"`` when phi has a jump (step, sign): phi' contains a Dirac
            delta, the NTK is infinite on the diagonal and its Gram matrix has no rank. Also for
            a bad ``kind``, symbolic parameters or a ragged X.
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
