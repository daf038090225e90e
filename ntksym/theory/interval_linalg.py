"""Interval linear algebra: a Cholesky factorisation that proves positive definiteness.

Used by the positivity certificates (:mod:`ntksym.theory.certify`) and by the rigorous collocation
test of :mod:`ntksym.theory.polynomial`. The arithmetic is python-flint's arb balls (every
operation rounds outward), at flint's working precision ``ctx.prec``
(:func:`ntksym.backends.intervals.working_precision`).
"""
from __future__ import annotations

from flint import arb, arb_mat, ctx

from ntksym.backends.intervals import lower, to_arb

__all__ = ["interval_cholesky_min"]


def _as_rows(G):
    """G as a list of rows of arb balls (G: an arb_mat, or lists of arb / mpmath.iv / numbers)."""
    if isinstance(G, arb_mat):
        return [list(r) for r in G.tolist()]
    return [[to_arb(v) for v in r] for r in G]


def interval_cholesky_min(G):
    """Interval Cholesky of the symmetric interval matrix G.

    ``G`` is an ``arb_mat`` or a list of rows of arb balls (``mpmath.iv`` intervals are accepted
    too and converted exactly, at the larger of flint's and ``mpmath.iv``'s precision). Returns
    the smallest lower end of the pivots (an mpf > 0) if every pivot interval is strictly
    positive -- then every symmetric matrix in the enclosure is positive definite -- else None.

    Example:
        >>> from flint import arb
        >>> from ntksym.backends.intervals import working_precision
        >>> with working_precision(30):
        ...     print(interval_cholesky_min([[arb(2), arb(1)], [arb(1), arb(2)]]))
        1.5
        >>> with working_precision(30):
        ...     print(interval_cholesky_min([[arb(1), arb(1)], [arb(1), arb(1)]]))
        None
    """
    old = ctx.prec
    try:
        if not isinstance(G, arb_mat) and any(hasattr(v, "_mpi_") for r in G for v in r):
            import mpmath
            ctx.prec = max(ctx.prec, mpmath.iv.prec)
        A = _as_rows(G)
        n = len(A)
        L = [[None] * n for _ in range(n)]
        smallest = None
        for j in range(n):
            Lj = L[j]
            s = A[j][j]
            for k in range(j):
                s -= Lj[k] * Lj[k]
            if not s > 0:
                return None
            if smallest is None or s.lower() < smallest.lower():
                smallest = s
            ljj = s.sqrt()
            Lj[j] = ljj
            for i in range(j + 1, n):
                Li = L[i]
                t = A[i][j]
                for k in range(j):
                    t -= Li[k] * Lj[k]
                Li[j] = t / ljj
        return lower(smallest)
    finally:
        ctx.prec = old
