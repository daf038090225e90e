"""High-precision Gram matrices (mpmath), correct to a requested number of digits.

Inputs may be floats, ints, ``fractions.Fraction``, SymPy Rationals or decimal strings; they are
converted exactly to mpmath numbers. Closed-form kernels are evaluated from their SymPy
expressions at ``dps + 10`` digits; kernels without a closed form use the mpmath quadrature
path. Each entry runs its own recursion, so the cost is O(n1 n2 depth) kernel evaluations.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp

from ntksym.core.inputs import point_rows
from ntksym.core.limits import check_dps
from ntksym.core.recursion import affine, input_layer, layer_update

__all__ = ["gram_mp"]


def _to_mpf(v):
    if isinstance(v, bool):
        raise TypeError("inputs must be real numbers, got bool")
    if isinstance(v, Fraction):
        return mpmath.mpf(v.numerator) / v.denominator
    if isinstance(v, sp.Basic):
        if not (v.is_number and v.is_real):
            raise TypeError(f"inputs must be real numbers, got {v!r}")
        if v.is_Rational:
            return mpmath.mpf(int(v.p)) / int(v.q)
        return mpmath.mpf(sp.Float(v, mpmath.mp.dps)._mpf_)
    if isinstance(v, str):
        try:
            return mpmath.mpf(v)
        except (ValueError, TypeError):
            raise ValueError(f"cannot read {v!r} as a number") from None
    try:
        out = mpmath.mpf(v)
    except (TypeError, ValueError):
        raise TypeError(f"inputs must be real numbers, got {type(v).__name__}") from None
    return out


def _matrix(X, name):
    """The rows of X as mpf numbers (shape checked once, in :func:`ntksym.core.inputs.point_rows`)."""
    out = [[_to_mpf(v) for v in r] for r in point_rows(X, name)]
    if any(not mpmath.isfinite(v) for r in out for v in r):
        raise ValueError(f"{name} contains NaN or infinity")
    return out


def gram_mp(net, X1, X2=None, dps=30):
    """(nngp, ntk) as mpmath matrices correct to about ``dps`` digits."""
    dps = check_dps(dps)
    k = net.dual
    with mpmath.workdps(dps + 10):
        A = _matrix(X1, "X1")
        B = A if X2 is None else _matrix(X2, "X2")
        if len(A[0]) != len(B[0]):
            raise ValueError("X1 and X2 must have the same number of columns (input dimension d)")
        d = len(A[0])
        w2 = mpmath.mpf(sp.Float(net.W_std, dps + 20)._mpf_) ** 2
        b2 = mpmath.mpf(sp.Float(net.b_std, dps + 20)._mpf_) ** 2

        standard = net.parameterization == "standard"
        width = net.width if standard else 0

        def dot(u, v):
            return mpmath.fsum(a * b for a, b in zip(u, v))

        def diag_chain(x):
            s = input_layer(dot(x, x), w2, b2, d, False)[0]
            chain = [s]
            for _ in range(net.depth):
                s = affine(k.mp(s, s, s, dps=dps), w2, b2)
                chain.append(s)
            return chain

        chains1 = [diag_chain(x) for x in A]
        chains2 = chains1 if X2 is None else [diag_chain(x) for x in B]
        n1, n2 = len(A), len(B)
        nngp = mpmath.matrix(n1, n2)
        ntk = mpmath.matrix(n1, n2)
        for i in range(n1):
            for j in range(n2):
                if X2 is None and j < i:
                    nngp[i, j], ntk[i, j] = nngp[j, i], ntk[j, i]
                    continue
                s12, theta = input_layer(dot(A[i], B[j]), w2, b2, d, standard)
                for l in range(net.depth):
                    a, b = chains1[i][l], chains2[j][l]
                    kab = k.mp(a, b, s12, dps=dps)
                    kdot = k.mp(a, b, s12, dps=dps, which="ntk")
                    s12, theta = layer_update(theta, kab, kdot, w2, b2, standard, width)
                nngp[i, j], ntk[i, j] = s12, theta
        return +nngp, +ntk
