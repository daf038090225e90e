r"""The harmonic decomposition of a polynomial kernel in xx, yy and xy.

Polynomials split as P_m(R^d) = sum_i |x|^(2i) H_(m - 2i), where H_l is the space of harmonic
polynomials of degree l, of dimension N(d, l) = C(l + d - 1, d - 1) - C(l + d - 3, d - 1)
(:func:`harmonic_dimension`). Writing

    xy^j = sum_{l = j, j-2, ...} c_{j,l} (xx yy)^((j-l)/2) Z_l(x, x'),
    c_{j,l} = j! / (2^j k! (lambda + l + 1)_k),  k = (j - l)/2,  lambda = (d - 2)/2,

(the Gegenbauer expansion of cos^j, up to factors that depend on l only; :func:`gegenbauer_weight`),
where Z_l is the reproducing kernel of H_l, a kernel sum C[a, b, j] xx^a yy^b xy^j becomes
sum_l sum_{p,q} M^l_{pq} xx^p yy^q Z_l(x, x') (:func:`harmonic_blocks`), and its feature space has
dimension sum_l rank(M^l) * N(d, l).
"""
from __future__ import annotations

import math
from functools import lru_cache

import sympy as sp

__all__ = ["harmonic_dimension", "gegenbauer_weight", "harmonic_blocks"]


def harmonic_dimension(d, l):
    """N(d, l): the dimension of the harmonic polynomials of degree l in d variables."""
    def comb(n, k):
        return math.comb(n, k) if n >= 0 and k >= 0 else 0
    return comb(l + d - 1, d - 1) - comb(l + d - 3, d - 1)


@lru_cache(maxsize=None)
def gegenbauer_weight(j, l, d):
    """c_{j,l} (up to a factor depending on l only): the weight of Z_l in xy^j (a SymPy
    Rational)."""
    k = (j - l) // 2
    lam = sp.Rational(d - 2, 2)
    return sp.factorial(j) / (2**j * sp.factorial(k) * sp.rf(lam + l + 1, k))


def harmonic_blocks(P, dom, d):
    """({l: {(p, q): M^l[p, q]}}, degree of the kernel in x) for a polynomial P in
    dom[xx, yy, xy] (a SymPy ring element)."""
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
                wt = weights[(j, l)] = dom.convert(gegenbauer_weight(j, l, d))
            blk = blocks.setdefault(l, {})
            key = (a + k, b + k)
            blk[key] = blk.get(key, dom.zero) + co * wt
    return blocks, degree
