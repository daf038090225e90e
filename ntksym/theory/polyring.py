r"""The exact kernels of a network with a polynomial activation, as polynomials.

If phi is a polynomial of degree r, every kernel of the network is a polynomial
P(xx, yy, xy) in xx = |x|^2/d, yy = |x'|^2/d and xy = <x, x'>/d (degree <= r^L in x). The
dual of a polynomial is exact (Price's theorem, E[phi(u) phi(v)] = sum_k c^k/k! E[phi^(k)(u)]
E[phi^(k)(v)]), so :class:`PolynomialNetwork` runs the layer recursion
(:mod:`ntksym.core.recursion`) on the exact dual tables over the field of the parameters (the
rationals when W_std^2, b_std^2 and phi's coefficients are rational). The same recursion runs in
any algebra: the polynomial ring K[xx, yy, xy] (:func:`kernel_ring`, :func:`kernel_polynomial`),
the field K itself (exact Gram matrices) or residues modulo a prime (:mod:`ntksym.theory.modp`).
"""
from __future__ import annotations

import numbers

import sympy as sp
from sympy.polys.rings import ring

from ntksym.core.recursion import affine, input_layer, layer_update
from ntksym.core.symbols import xx as _xx, xy as _xy, yy as _yy
from ntksym.symbolic.activations import Activation
from ntksym.theory.polynomial import is_polynomial

__all__ = ["KINDS", "check_kind", "check_dimension", "polynomial_check", "PolynomialNetwork",
           "polynomial_network", "kernel_ring", "kernel_polynomial"]

KINDS = ("ntk", "nngp")


def check_kind(kind):
    """Raise ValueError unless ``kind`` is ``"ntk"`` or ``"nngp"``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be 'ntk' or 'nngp', got {kind!r}")


def check_dimension(d):
    """The input dimension ``d`` as an int (ValueError unless it is a positive integer)."""
    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1:
        raise ValueError(f"the input dimension d must be a positive integer, got {d!r}")
    return int(d)


def polynomial_check(act):
    """:func:`~ntksym.theory.polynomial.is_polynomial` of an Activation, cached on it."""
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


class PolynomialNetwork:
    """The exact polynomial kernels of a network with a polynomial activation.

    Attributes:
        depth, standard, width, r: the network's depth, whether it uses the standard
            parameterization, its width, and the degree of phi.
        domain: the field K of the parameters (a SymPy domain, QQ when they are rational).
        w2, b2, width_el: W_std^2, b_std^2 and the width as elements of K.
        dual, dot: the exact dual tables {(k, m1, m2): coefficient of c^k q1^m1 q2^m2} of
            E[phi(u) phi(v)] and E[phi'(u) phi'(v)].
        dual_factors, dot_factors: their rank-one forms {k: (u, delta)}, table[k] = u (x) u / delta.
    """

    def __init__(self, net, coeffs):
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

    def run(self, s11, s22, dot, d, one):
        """(nngp, ntk) in any algebra containing the domain (ring, field, residues).

        ``s11 = |x|^2/d``, ``s22 = |x'|^2/d``, ``dot = <x, x'>``; ``one`` is the algebra's unit.
        """
        w2, b2 = self.w2, self.b2
        a11, a22 = affine(s11, w2, b2), affine(s22, w2, b2)
        a12, theta = input_layer(dot, w2, b2, d, self.standard)
        for _ in range(self.depth):
            k12 = self._apply(self.dual, a11, a22, a12, one)
            kdot = self._apply(self.dot, a11, a22, a12, one)
            n11 = affine(self._apply(self.dual, a11, a11, a11, one), w2, b2)
            n22 = affine(self._apply(self.dual, a22, a22, a22, one), w2, b2)
            n12, theta = layer_update(theta, k12, kdot, w2, b2, self.standard, self.width_el)
            a11, a22, a12 = n11, n22, n12
        return a12, theta


def polynomial_network(net):
    """The :class:`PolynomialNetwork` of ``net`` (cached on it), or None if its activation is not
    a polynomial with known exact coefficients."""
    chk = polynomial_check(net.activation)
    if not chk.is_polynomial or chk.coefficients is None:
        return None
    key = (net.depth, net.W_std, net.b_std, net.parameterization, net.width)
    if not hasattr(net, "_ntksym_polynet") or net._ntksym_polynet[0] != key:
        net._ntksym_polynet = (key, PolynomialNetwork(net, chk.coefficients))
    return net._ntksym_polynet[1]


def kernel_ring(pn, d, kind):
    """(R, P): the kernel as a polynomial P in the ring R = K[xx, yy, xy] (standard
    parameterization: <x, x'> = d * xy)."""
    R, X, Y, T = ring("xx,yy,xy", pn.domain)
    dd = pn.domain.convert(d)
    nngp, ntk = pn.run(X, Y, T * dd, dd, R.one)
    return R, (ntk if kind == "ntk" else nngp)


def kernel_polynomial(net, kind="ntk", d=None):
    """The NNGP or NTK of a polynomial network as a SymPy polynomial in nk.xx, nk.yy, nk.xy.

    It equals ``net.kernel()`` expanded (for the standard parameterization the symbol ``d`` of
    ``net.kernel()`` is replaced by ``d``, which is then required).

    Raises:
        ValueError: if the activation is not a polynomial.
    """
    check_kind(kind)
    pn = polynomial_network(net)
    if pn is None:
        raise ValueError(f"{net.activation.name} is not a polynomial: "
                         f"{polynomial_check(net.activation).reason}")
    if pn.standard and kind == "ntk" and d is None:
        raise ValueError("the standard-parameterization NTK depends on d; pass d=")
    R, P = kernel_ring(pn, 1 if d is None else check_dimension(d), kind)
    expr = P.as_expr()
    syms = {sp.Symbol("xx"): _xx, sp.Symbol("yy"): _yy, sp.Symbol("xy"): _xy}
    return expr.xreplace({s: syms.get(sp.Symbol(s.name), s) for s in expr.free_symbols})
