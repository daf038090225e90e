"""Interval linear algebra: a Cholesky factorisation that proves positive definiteness.

Used by the positivity certificates (:mod:`ntksym.theory.certify`) and by the rigorous collocation
test of :mod:`ntksym.theory.polynomial`.
"""
from __future__ import annotations

import mpmath

__all__ = ["interval_cholesky_min"]


def interval_cholesky_min(G):
    """Interval Cholesky of the symmetric interval matrix G (lists of iv.mpf).

    Returns the smallest lower end of the pivots (> 0) if every pivot interval is strictly
    positive (then every symmetric matrix in the enclosure is positive definite), else None.
    """
    from ntksym.backends.intervals import lower
    iv = mpmath.iv
    n = len(G)
    L = [[iv.mpf(0) for _ in range(n)] for _ in range(n)]
    smallest = None
    for j in range(n):
        s = G[j][j]
        for k in range(j):
            s = s - L[j][k] * L[j][k]
        lo = lower(s)
        if not lo > 0:
            return None
        smallest = lo if smallest is None else min(smallest, lo)
        ljj = iv.sqrt(s)
        L[j][j] = ljj
        for i in range(j + 1, n):
            t = G[i][j]
            for k in range(j):
                t = t - L[i][k] * L[j][k]
            L[i][j] = t / ljj
    return smallest
