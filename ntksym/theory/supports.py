r"""Supports of feature spaces: which powers of |x|^2 may multiply each harmonic degree.

An upper bound for the feature counts of :mod:`ntksym.theory.features`. The feature space of
every kernel of the recursion is tracked as a *support*: for each harmonic degree l the set of
powers p of xx such that xx^p H_l may occur (a bitmask). The feature space of c^k is spanned by
products of k features, H_a H_b lies in the sum of xx^i H_(a+b-2i) (i = 0..min(a, b); only
i = 0 and i = min(a, b) when d = 2), and g_k(q(x)) is an exact univariate polynomial in xx whose
support is read off. So rank_Q(M^l) = dim W_l <= |support_l|. On a line {t v} the support is
one bitmask of the powers of t.
"""
from __future__ import annotations

from sympy.polys.rings import ring

from ntksym.theory.harmonics import harmonic_dimension

__all__ = ["Supports", "kernel_support"]


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


class Supports:
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


def kernel_support(pn, kind, sup):
    """The support of the kernel's feature space (see :class:`Supports`)."""
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

