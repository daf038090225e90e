r"""Interval arithmetic on ``mpmath.iv``: endpoints, and the functions it gets wrong or lacks.

Rigour. ``mpmath.iv`` rounds outward in +, -, *, /, sqrt, exp, log, sin, cos and atan2, so each
result contains the exact value. Two of its functions are not used as they are: ``iv.atan2``
returns wrong enclosures on boxes that touch the negative real axis (e.g.
``atan2(0, [-1, 1e-20])`` gives ``[pi, pi]``), and ``iv.erf`` fails on intervals. atan2 is
handled case by case here (:func:`iv_atan2`) and erf is enclosed by its alternating Taylor
series with the remainder bound, or by the bound 0 < erfc(x) < exp(-x^2)/(x sqrt(pi)) for large
x (:func:`iv_erf`). ``expm1`` is not used (mpmath truncates its Taylor series without a
remainder term for tiny arguments).

Square roots, logarithms, reciprocals and rational powers here check their domain and raise
:class:`Unsupported` where the argument is not provably inside it: the evaluator declines rather
than guess.
"""
from __future__ import annotations

from contextlib import contextmanager
from fractions import Fraction

import mpmath

__all__ = ["iv", "Unsupported", "working_precision", "lower", "upper", "neg", "interval",
           "iv_from_fraction", "iv_atan2", "iv_erf", "iv_sqrt", "iv_log", "iv_inv", "iv_powr",
           "iv_max", "iv_min", "nonneg"]

iv = mpmath.iv


class Unsupported(ValueError):
    """The interval evaluator cannot enclose this expression rigorously (it declines)."""


@contextmanager
def working_precision(dps):
    """Set ``mpmath.iv`` to ``dps`` decimal digits inside the block (restored afterwards)."""
    old = iv.prec
    iv.dps = dps
    try:
        yield
    finally:
        iv.prec = old


def iv_from_fraction(fr):
    """The narrowest-ish interval (outward rounded) containing the rational ``fr``."""
    if fr.denominator == 1:
        return iv.mpf(fr.numerator)
    return iv.mpf(fr.numerator) / fr.denominator


def lower(x):
    """The exact lower endpoint as an mpf (``mpmath.mpf(x.a)`` would round to mp.prec)."""
    return mpmath.mp.make_mpf(x._mpi_[0])


def upper(x):
    """The exact upper endpoint as an mpf."""
    return mpmath.mp.make_mpf(x._mpi_[1])


def neg(x):
    """-x for an mpf, exactly (mpf arithmetic would round to mp.prec)."""
    return mpmath.mp.make_mpf(mpmath.libmp.mpf_neg(x._mpf_))


def interval(lo, hi):
    return iv.mpf([lo, hi])


def iv_atan2(y, x):
    """atan2(y, x) on intervals, with the branch cut and the origin handled.

    Boxes away from the cut {y = 0, x <= 0} use ``iv.atan2``. A box in y >= 0 left of the origin
    uses atan2(y, x) = pi - atan2(y, -x). A box in y >= 0 that contains the origin gives [0, pi]
    (every limit value); any other box touching the cut gives [-pi, pi].
    """
    ya, yb, xa, xb = lower(y), upper(y), lower(x), upper(x)
    if xa > 0 or ya > 0 or yb < 0:
        return iv.atan2(y, x)
    pi = iv.pi
    if ya >= 0:
        if xb < 0:
            return pi - iv.atan2(y, -x)
        return interval(0, upper(pi))
    return interval(neg(upper(pi)), upper(pi))


def _erf_point(x):
    """An interval containing erf(x) for an mpf x (rigorous: series with remainder bound)."""
    if x == 0:
        return iv.mpf(0)
    if x < 0:
        return -_erf_point(neg(x))
    prec = iv.prec
    x2 = x * x
    if x2 > (prec + 10) * 0.7 and x > 1:
        # 0 < erfc(x) < exp(-x^2) / (x sqrt(pi)) for x > 0
        X = iv.mpf(x)
        tail = iv.exp(-X * X) / (X * iv.sqrt(iv.pi))
        return interval(lower(1 - tail), 1)
    extra = int(float(x2) * 1.4427) + 20            # the terms grow to ~exp(x^2)
    old = iv.prec
    iv.prec = prec + extra
    try:
        X = iv.mpf(x)
        X2 = X * X
        term = X                                     # x^(2n+1) / n!
        s = X
        n = 0
        eps = mpmath.mpf(2) ** (-(prec + 10))
        while True:
            n += 1
            term = term * X2 / n
            b = term / (2 * n + 1)
            if n >= float(x2) and upper(b) < eps:
                # alternating series, terms decreasing from here on: |remainder| <= b_n
                s = s + interval(neg(upper(b)), upper(b))
                break
            s = s - b if n % 2 else s + b
        out = 2 * s / iv.sqrt(iv.pi)
    finally:
        iv.prec = old
    return +out


def iv_erf(x):
    """erf on an interval (erf is increasing: the hull of the endpoint enclosures)."""
    lo, hi = lower(x), upper(x)
    if lo == hi:
        return _erf_point(lo)
    return interval(lower(_erf_point(lo)), upper(_erf_point(hi)))


def iv_sqrt(x):
    if lower(x) < 0:
        raise Unsupported(f"the argument of a square root, {x}, is not provably nonnegative")
    return iv.sqrt(x)


def iv_log(x):
    if not lower(x) > 0:
        raise Unsupported(f"the argument of a logarithm, {x}, is not provably positive")
    return iv.log(x)


def iv_inv(x):
    if lower(x) <= 0 <= upper(x):
        raise Unsupported(f"division by an interval containing 0 ({x})")
    return 1 / x


def iv_powr(x, p):
    """x**p for a rational p (not an integer nor a half-integer), x >= 0."""
    p = Fraction(p)
    lo = lower(x)
    if lo > 0:
        return iv.exp(iv_from_fraction(p) * iv.log(x))
    if lo == 0 and p > 0:
        hi = upper(x)
        up = upper(iv.exp(iv_from_fraction(p) * iv.log(iv.mpf(hi)))) if hi > 0 else 0
        return interval(0, up)
    raise Unsupported(f"a power {p} of {x}, whose base is not provably positive")


def iv_max(xs):
    return interval(max(lower(x) for x in xs), max(upper(x) for x in xs))


def iv_min(xs):
    return interval(min(lower(x) for x in xs), min(upper(x) for x in xs))


def nonneg(t):
    """``t`` intersected with [0, oo), for a quantity known to be >= 0.

    Raises:
        ArithmeticError: the enclosure lies entirely below 0 (a bug upstream, not rounding).
    """
    hi = upper(t)
    if hi < 0:
        raise ArithmeticError(f"a quantity that is >= 0 was enclosed in {t}")
    return interval(max(lower(t), 0), hi)
