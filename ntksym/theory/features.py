r"""Feature-space dimensions of polynomial networks: generically, on a sphere, on a line.

The rank of a polynomial kernel -- the dimension of its feature space, which is the rank of the
Gram matrix on n >= dim generic points, and min(n, dim) for n generic points -- is counted with
the harmonic decomposition of :mod:`ntksym.theory.harmonics`:

    dim = sum_l rank(M^l) * N(d, l).

The matrices M^l are small (at most r^L/2 + 1 square), so nothing of size C(d + r^L, d) is ever
built. Which degrees occur -- only odd ones for an odd polynomial without bias, only some powers
of |x| -- comes out of the ranks exactly.

Building the kernel exactly in Q[xx, yy, xy] costs minutes at degree 4^3 = 64 (its rational
coefficients grow to hundreds of digits). The counts are instead certified by two cheap bounds
that meet (0.5 s at degree 4^3):

* lower: the blocks M^l computed modulo the prime 2^31 - 1 with numpy (dense arrays, int64;
  :mod:`ntksym.theory.modp`). A minor that is nonzero mod p is nonzero over Q, so
  rank_p(M^l) <= rank_Q(M^l).
* upper: the size of the *support* of the feature space -- the powers xx^p that may multiply
  H_l, tracked through the recursion (:mod:`ntksym.theory.supports`): rank_Q(M^l) <= |support_l|.

When the two agree for every l the count is exact; otherwise (parameters with exact
cancellations, p unlucky, irrational parameters) the kernel is built exactly over the
parameters' field instead (:func:`exact_feature_count`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp
from flint import fmpq, fmpq_mat
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix
from sympy.polys.rings import ring

from ntksym.theory.exact import exact_number
from ntksym.theory.harmonics import gegenbauer_weight, harmonic_blocks, harmonic_dimension
from ntksym.theory.modp import PRIME, dense_kernel, harmonic_blocks_mod_p, rank_mod_p, residue
from ntksym.theory.polyring import check_dimension, check_kind, kernel_ring, polynomial_network
from ntksym.theory.supports import Supports, kernel_support

__all__ = ["FeatureCount", "feature_dimension", "fast_feature_count", "exact_feature_count",
           "sphere_dimension", "line_dimension"]


@dataclass(frozen=True)
class FeatureCount:
    """dim = sum_l rank(M^l) * N(d, l): ``by_degree[l] = (rank(M^l), N(d, l))``."""

    dimension: int
    by_degree: dict
    degree: int


def _rank_dm(rows, domain):
    """The exact rank of a matrix over ``domain`` (FLINT's ``fmpq_mat`` over the rationals)."""
    if not rows or not rows[0]:
        return 0
    if domain == QQ:
        return fmpq_mat([[fmpq(int(v.numerator), int(v.denominator)) for v in r]
                         for r in rows]).rank()
    M = DomainMatrix(rows, (len(rows), len(rows[0])), domain)
    return M.rank()


def fast_feature_count(pn, d, kind):
    """The FeatureCount of the PolynomialNetwork ``pn`` on R^d certified by bounds that meet
    (rank modulo a prime = size of the support for every harmonic degree), or None (then count
    exactly with :func:`exact_feature_count`)."""
    if pn.domain != QQ:
        return None
    try:
        q = np.array([residue(pn.b2), residue(pn.w2)], np.int64)
        c = np.zeros((1, 1, 2), np.int64)
        c[0, 0, 0], c[0, 0, 1] = q[0], q[1]
        if pn.standard:
            theta = np.zeros((1, 1, 2), np.int64)
            theta[0, 0, 0], theta[0, 0, 1] = 1, d % PRIME
        else:
            theta = c.copy()
        C = dense_kernel(pn, kind, q, c, theta)
    except ZeroDivisionError:
        return None
    if C.ndim != 3:
        C = C.reshape(C.shape + (1,) * (3 - C.ndim))
    blocks = harmonic_blocks_mod_p(C, d)
    support = kernel_support(pn, kind, Supports(d))
    by_degree, total = {}, 0
    for l in sorted(set(blocks) | set(support)):
        upper = bin(support.get(l, 0)).count("1")
        lower = rank_mod_p(blocks[l]) if l in blocks else 0
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
    if pn.domain != QQ:
        return None
    try:
        gm = residue(g)
        w2, b2 = residue(pn.w2), residue(pn.b2)
        q = np.array([b2, 0, w2 * gm % PRIME], np.int64)
        c = np.zeros((2, 2), np.int64)
        c[0, 0], c[1, 1] = b2, w2 * gm % PRIME
        if pn.standard:
            theta = np.zeros((2, 2), np.int64)
            theta[0, 0], theta[1, 1] = 1, d * gm % PRIME
        else:
            theta = c.copy()
        C = dense_kernel(pn, kind, q, c, theta)
    except ZeroDivisionError:
        return None
    lower = rank_mod_p(C.reshape(C.shape[0], -1))
    upper = bin(kernel_support(pn, kind, Supports(None))).count("1")
    return lower if lower == upper else None


def feature_dimension(net, d, kind="ntk"):
    """The feature-space dimension of a polynomial network's kernel on R^d.

    Returns:
        :class:`FeatureCount` (dimension, by_degree = {l: (rank M^l, N(d, l))}, degree), or
        None if the activation is not a polynomial.
    """
    check_kind(kind)
    d = check_dimension(d)
    pn = polynomial_network(net)
    if pn is None:
        return None
    fast = fast_feature_count(pn, d, kind)
    if fast is not None:
        return fast
    return exact_feature_count(pn, d, kind)


def exact_feature_count(pn, d, kind):
    """The count from the kernel built exactly over the parameters' field (slow at high
    degree; used when the fast bounds do not meet)."""
    R, P = kernel_ring(pn, d, kind)
    dom = pn.domain
    if P == 0:
        return FeatureCount(0, {}, 0)
    blocks, degree = harmonic_blocks(P, dom, d)
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
    check_kind(kind)
    d = check_dimension(d)
    pn = polynomial_network(net)
    if pn is None:
        return None
    dom = pn.domain
    rho = dom.convert(sp.nsimplify(radius2)) / dom.convert(d)
    if rho == dom.zero:
        return 1 if _kernel_at_zero(pn, kind) != dom.zero else 0
    R, T = ring("xy", dom)
    dd = dom.convert(d)
    nngp, ntk = pn.run(rho, rho, T * dd, dd, R.one)
    P = ntk if kind == "ntk" else nngp
    m = {}
    for (j,), co in P.terms():
        for l in range(j % 2, j + 1, 2):
            if harmonic_dimension(d, l):
                wt = dom.convert(gegenbauer_weight(j, l, d))
                m[l] = m.get(l, dom.zero) + co * wt * rho ** (j - l)
    return sum(harmonic_dimension(d, l) for l, v in m.items() if v != dom.zero)


def _kernel_at_zero(pn, kind):
    """The kernel at x = x' = 0 (an element of the parameters' field)."""
    dom = pn.domain
    nngp, ntk = pn.run(dom.zero, dom.zero, dom.zero, dom.one, dom.one)
    return ntk if kind == "ntk" else nngp


def line_dimension(net, v, kind="ntk"):
    """The rank of the kernel restricted to the line {t v : t real} (v exact, nonzero).

    On the line the kernel is the polynomial sum C[a,b,j] g^(a+b+j) t^(2a+j) t'^(2b+j) in the
    scalars t, t' (g = |v|^2/d); its rank is that of its coefficient matrix. It is certified by
    the rank of that matrix modulo a prime (a lower bound) meeting the number of powers of t the
    features can hold (an upper bound); otherwise it is computed exactly.
    """
    check_kind(kind)
    pn = polynomial_network(net)
    if pn is None:
        return None
    v = [exact_number(a) for a in v]
    d = len(v)
    dom = pn.domain
    g = dom.convert(sum(a * a for a in v)) / dom.convert(d)
    if g == dom.zero:
        return 1 if _kernel_at_zero(pn, kind) != dom.zero else 0
    fast = _fast_line_rank(pn, g, d, kind)
    if fast is not None:
        return fast
    R, P = kernel_ring(pn, d, kind)
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


