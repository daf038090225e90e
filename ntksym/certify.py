r"""Rigorous positivity certificates for Gram matrices: lambda_min > 0.

:func:`certify_positive_definite` proves that the infinite-width Gram matrix of a network on
given points is positive definite and returns a certified lower bound sigma <= lambda_min:

1. Enclose the Gram matrix entrywise. For a polynomial activation with exact parameters and
   exact points the Gram matrix is a matrix of rationals (:func:`ntksym.rank.exact_gram`) and the
   enclosure is exact. Otherwise it is computed with ``net.gram(X, dps=...)`` at two working
   precisions; each entry is enclosed by the higher-precision value plus a radius of ten times
   their difference plus 10^-(dps) relative (an *a posteriori* enclosure: it assumes the
   higher-precision value is accurate to the digits on which the two agree, which is what
   ``gram(dps=...)`` is built to deliver).
2. Choose sigma from a float64 estimate of lambda_min and run a Cholesky factorisation of
   G - sigma I in interval arithmetic (``mpmath.iv``). If every pivot interval is strictly
   positive, G - sigma I is positive definite for every matrix in the enclosure, so
   lambda_min(G) >= sigma. sigma is halved (then divided by 10) until this succeeds; with
   sigma = 0 it proves positive definiteness alone.

It declines (``certified=False``, with the reason) when the matrix is singular or too close to
singular for the precision used, or when the kernel cannot be evaluated.

Examples
========

>>> import ntksym as nk
>>> from ntksym.certify import certify_positive_definite
>>> net = nk.MLP(depth=1, activation="relu", W_std=1, b_std=0)
>>> cert = certify_positive_definite(net, [[1, 0], [0, 1], [1, 1]])
>>> cert.certified, cert.lower_bound > 0
(True, True)
>>> certify_positive_definite(net, [[1, 0], [2, 0]]).certified      # x and 2x: singular
False
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath

__all__ = ["PositivityCertificate", "certify_positive_definite"]


@dataclass(frozen=True)
class PositivityCertificate:
    """The outcome of :func:`certify_positive_definite`.

    Attributes:
        certified: True when lambda_min >= lower_bound > 0 (or lower_bound = 0 with
            positive definiteness) was proved.
        lower_bound: the certified lower bound on lambda_min (an mpmath mpf), or None.
        estimate: the float64 estimate of lambda_min that guided the choice.
        method: ``"exact rational Cholesky"`` or ``"interval Cholesky"``.
        reason: what was proved, or why it could not be.
    """

    certified: bool
    lower_bound: object
    estimate: float | None
    method: str
    reason: str

    def __bool__(self):
        return self.certified


def _interval_cholesky_min(G):
    """Interval Cholesky of the symmetric interval matrix G (lists of iv.mpf).

    Returns the smallest lower end of the pivots (> 0) if every pivot interval is strictly
    positive (then every symmetric matrix in the enclosure is positive definite), else None.
    """
    iv = mpmath.iv
    n = len(G)
    L = [[iv.mpf(0) for _ in range(n)] for _ in range(n)]
    smallest = None
    for j in range(n):
        s = G[j][j]
        for k in range(j):
            s = s - L[j][k] * L[j][k]
        lo = mpmath.mpf(s.a)
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


def _exact_ldl_positive(G, sigma):
    """Exact check that G - sigma I (rational SymPy matrix) is positive definite."""
    import sympy as sp
    n = G.shape[0]
    A = G - sp.Rational(sigma) * sp.eye(n)
    # Gaussian elimination without pivoting: all pivots > 0 <=> positive definite
    A = [[A[i, j] for j in range(n)] for i in range(n)]
    for k in range(n):
        piv = A[k][k]
        if not piv > 0:
            return False
        for i in range(k + 1, n):
            f = A[i][k] / piv
            if f != 0:
                for j in range(k, n):
                    A[i][j] -= f * A[k][j]
    return True


def _float_gram(net, X, kind):
    import numpy as np
    G = getattr(net.gram(np.asarray(X, dtype=float)), kind)
    return np.asarray(G, dtype=float)


def _estimate(Gf):
    import numpy as np
    ev = np.linalg.eigvalsh(Gf)
    return float(ev[0]), float(ev[-1])


def _sigmas(est):
    if est <= 0:
        return [0.0]
    return [est * f for f in (0.5, 0.1, 1e-3)] + [0.0]


def certify_positive_definite(net, X, kind="ntk", dps=30):
    """Prove lambda_min(Gram) > 0 rigorously, with a certified lower bound.

    Args:
        net: an :class:`~ntksym.MLP` with numeric parameters.
        X: the points, shape (n, d) (ints, Fractions, SymPy Rationals, floats or an array).
        kind: ``"ntk"`` or ``"nngp"``.
        dps: working precision (decimal digits) of the enclosure.

    Returns:
        :class:`PositivityCertificate`.
    """
    import sympy as sp

    if kind not in ("ntk", "nngp"):
        raise ValueError(f"kind must be 'ntk' or 'nngp', got {kind!r}")
    from .polynomial import is_polynomial
    from .rank import _polynet, exact_gram
    try:
        Gf = _float_gram(net, X, kind)
        est, top = _estimate(Gf)
    except Exception as exc:       # kernels without a float path, degenerate NTKs
        return PositivityCertificate(False, None, None, "none",
                                     f"the Gram matrix could not be evaluated: {exc}")
    chk = is_polynomial(net.activation) if net.activation.is_symbolic else None
    if chk is not None and chk.is_polynomial and _polynet(net) is not None \
            and _polynet(net).domain == sp.QQ:
        G = sp.Matrix(exact_gram(net, X, kind))
        for sigma in _sigmas(est):
            fr = Fraction(sigma).limit_denominator(10**6) if sigma else Fraction(0)
            sig = sp.Rational(fr.numerator, fr.denominator)
            if _exact_ldl_positive(G, sig):
                with mpmath.workdps(dps):
                    lb = mpmath.mpf(sig.p) / sig.q
                return PositivityCertificate(
                    True, lb, est, "exact rational Cholesky",
                    f"the Gram matrix is exact (rational); G - {sig} I has all pivots > 0 in "
                    f"exact arithmetic, so lambda_min >= {sp.N(sig, 6)} (float64 estimate "
                    f"{est:.3e})")
        return PositivityCertificate(
            False, None, est, "exact rational Cholesky",
            "the exact Gram matrix is not positive definite (a pivot of its exact LDL "
            "factorisation is <= 0): it is singular; see ntksym.rank.null_vector")
    try:
        with mpmath.workdps(dps + 10):
            G1 = getattr(net.gram(X, dps=dps), kind)
            G2 = getattr(net.gram(X, dps=dps + 15), kind)
    except Exception as exc:
        return PositivityCertificate(False, None, est, "none",
                                     f"the high-precision Gram matrix is unavailable: {exc}")
    n = G1.rows
    with mpmath.workdps(dps + 10):
        scale = max(abs(G2[i, j]) for i in range(n) for j in range(n))
        diff = max(abs(G1[i, j] - G2[i, j]) for i in range(n) for j in range(n))
        rad = 10 * diff + scale * mpmath.mpf(10) ** (-dps)
        iv = mpmath.iv
        iv.dps = dps + 10
        for sigma in _sigmas(est):
            sig = mpmath.mpf(sigma)
            M = [[iv.mpf([G2[i, j] - rad, G2[i, j] + rad]) - (sig if i == j else 0)
                  for j in range(n)] for i in range(n)]
            if _interval_cholesky_min(M) is not None:
                return PositivityCertificate(
                    True, +sig, est, "interval Cholesky",
                    f"every matrix within {mpmath.nstr(rad, 3)} of the {dps + 15}-digit Gram "
                    f"matrix (entrywise; the two precisions agree to {mpmath.nstr(diff, 3)}) "
                    f"minus {mpmath.nstr(sig, 6)} I has a Cholesky factorisation with "
                    f"positive pivots in interval arithmetic, so lambda_min >= "
                    f"{mpmath.nstr(sig, 6)} (float64 estimate {est:.3e})")
    why = ("the interval Cholesky factorisation failed even for sigma = 0: "
           + ("the float64 estimate of lambda_min is <= 0, the matrix looks singular"
              if est <= 1e-12 * max(top, 1e-300) else
              f"lambda_min ~ {est:.3e} is too small for the enclosure radius "
              f"{mpmath.nstr(rad, 3)}; increase dps"))
    return PositivityCertificate(False, None, est, "interval Cholesky", why)
