r"""Interval arithmetic on python-flint's arb balls: precision, endpoints, and guarded functions.

An arb ball [m +/- r] is a midpoint and a radius; every arb operation returns a ball that contains
the exact result for every input in its argument balls (Arb, Johansson 2017,
https://arxiv.org/abs/1611.02831), so enclosures compose rigorously. The working precision is
flint's global ``ctx.prec``; :func:`working_precision` sets it for a block.

A few functions are wrapped rather than used as they are:

* ``arb.atan2`` is rigorous but returns [-pi, pi] on every box that touches the branch cut
  {y = 0, x <= 0}; :func:`iv_atan2` keeps the enclosures tight there (pi - atan2(y, -x) for a box
  in y >= 0 left of the origin, [0, pi] -- every limit value -- for a box in y >= 0 containing
  the origin).
* ``arb.erf`` on a wide ball uses a crude derivative bound; erf is increasing, so
  :func:`iv_erf` takes the hull of the enclosures at the two endpoints.
* the maximum and minimum are taken endpoint-wise (:func:`iv_max`, :func:`iv_min`).
* integer powers of a ball that contains 0 (arb's ``**`` returns NaN there) are taken from the
  endpoints: [0, max |x|^n] for even n, the hull of the endpoint powers for odd n
  (:func:`iv_powi`).

A wide ball [m +/- r] stores its radius with a 30-bit mantissa, so its endpoints are exact only
to about 2^-30 of its width; hulls of nonnegative quantities are therefore built with
``nonnegative_part`` (a ball that provably contains no negative point).

Square roots, logarithms, reciprocals and rational powers check their domain and raise
:class:`Unsupported` where the argument is not provably inside it (arb would return NaN): the
evaluator declines rather than guess. Endpoints are returned as exact mpmath numbers
(:func:`lower`, :func:`upper`) so that tests can compare them with independent mpmath values.
"""
from __future__ import annotations

from contextlib import contextmanager
from fractions import Fraction

import mpmath
from flint import arb, ctx, fmpq, fmpz

__all__ = ["arb", "Unsupported", "working_precision", "dps_to_prec", "lower", "upper", "neg",
           "interval", "to_arb", "iv_from_fraction", "iv_atan2", "iv_erf", "iv_sqrt", "iv_log",
           "iv_inv", "iv_powi", "iv_powr", "iv_max", "iv_min", "nonneg", "BACKEND"]

#: the interval type used by :mod:`ntksym.backends.intervals`
BACKEND = "arb"


class Unsupported(ValueError):
    """The interval evaluator cannot enclose this expression rigorously (it declines)."""


def dps_to_prec(dps):
    """Bits for ``dps`` decimal digits (mpmath's rule: round((dps + 1) log2 10))."""
    return max(1, int(round((int(dps) + 1) * 3.3219280948873626)))


@contextmanager
def working_precision(dps):
    """Set flint's arb precision to ``dps`` decimal digits inside the block (restored after)."""
    old = ctx.prec
    ctx.prec = dps_to_prec(dps)
    try:
        yield
    finally:
        ctx.prec = old


def _arb_to_mpf(x):
    """The exact value of an exact arb (an endpoint) as an mpf."""
    if x.is_finite():
        man, exp = x.man_exp()
        return mpmath.mp.make_mpf(mpmath.libmp.from_man_exp(int(man), int(exp)))
    if x.is_nan():
        return mpmath.mpf("nan")
    return mpmath.inf if x > 0 else -mpmath.inf


def _endpoint(x, up):
    x = to_arb(x)
    if not x.is_finite():
        return mpmath.mpf("nan") if x.is_nan() else (mpmath.inf if up else -mpmath.inf)
    old = ctx.prec
    ctx.prec = max(old, x.mid().bits()) + 64       # arb rounds an endpoint at ctx.prec
    try:
        return _arb_to_mpf(x.upper() if up else x.lower())
    finally:
        ctx.prec = old


def lower(x):
    """The lower endpoint of a ball as an mpf (exact, or rounded down far below the working
    precision; -inf for an unbounded ball)."""
    return _endpoint(x, False)


def upper(x):
    """The upper endpoint of a ball as an mpf (exact, or rounded up far below the working
    precision; +inf for an unbounded ball)."""
    return _endpoint(x, True)


def neg(x):
    """-x for an mpf, exactly (mpf arithmetic would round to mp.prec)."""
    return mpmath.mp.make_mpf(mpmath.libmp.mpf_neg(x._mpf_))


def to_arb(v):
    """A ball containing ``v``: an arb, int, Fraction, mpf (exact), float (exact), decimal
    string, or an ``mpmath.iv`` interval (its endpoints, exactly)."""
    if isinstance(v, arb):
        return v
    if isinstance(v, bool):
        raise TypeError("a bool is not a number")
    if isinstance(v, int):
        return arb(fmpz(v))
    if isinstance(v, Fraction):
        return iv_from_fraction(v)
    if isinstance(v, mpmath.mpf):
        if mpmath.isfinite(v):
            sign, man, exp, _bc = v._mpf_               # exact: arb stores the full mantissa
            return arb((fmpz(-int(man) if sign else int(man)), fmpz(int(exp)))) if man else \
                arb(0)
        return arb("nan") if mpmath.isnan(v) else arb("inf") * (1 if v > 0 else -1)
    if isinstance(v, float):
        return arb(v)                               # exact: a float is a binary number
    if isinstance(v, str):
        return arb(v)                               # rounded outward
    if hasattr(v, "_mpi_"):                         # mpmath.iv.mpf
        a, b = v._mpi_
        return interval(mpmath.mp.make_mpf(a), mpmath.mp.make_mpf(b))
    raise TypeError(f"cannot make an interval from {type(v).__name__}")


def interval(lo, hi):
    """The ball containing [lo, hi] (numbers or balls; rounded outward)."""
    return to_arb(lo).union(to_arb(hi))


def iv_from_fraction(fr):
    """A ball containing the rational ``fr`` (exact when it is a short binary number)."""
    if fr.denominator == 1:
        return arb(fmpz(fr.numerator))
    return arb(fmpq(fr.numerator, fr.denominator))


def _pi():
    return arb.pi()


def iv_atan2(y, x):
    """atan2(y, x) on balls, with the branch cut and the origin handled.

    Boxes away from the cut {y = 0, x <= 0} use ``arb.atan2``. A box in y >= 0 left of the origin
    uses atan2(y, x) = pi - atan2(y, -x). A box in y >= 0 that contains the origin gives [0, pi]
    (every limit value); any other box touching the cut gives [-pi, pi].
    """
    if x > 0 or y > 0 or y < 0:
        return arb.atan2(y, x)
    pi = _pi()
    if y >= 0:
        if x < 0:
            return pi - arb.atan2(y, -x)
        return arb(0).union(pi).nonnegative_part()
    return (-pi).union(pi)


def iv_erf(x):
    """erf on a ball (erf is increasing: the hull of the endpoint enclosures of a wide ball)."""
    if x.is_exact() or x.rel_accuracy_bits() > ctx.prec // 2:
        return x.erf()
    return x.lower().erf().union(x.upper().erf())


def iv_powi(x, n):
    """x**n for an integer n >= 0 (also when the ball x contains 0)."""
    if n == 0:
        return arb(1)
    if n == 1:
        return x
    if x > 0 or x < 0:
        return x ** n
    if not x.is_finite():
        return arb("nan")
    if n % 2 == 0:
        return arb(0).union(abs(x).upper() ** n).nonnegative_part()
    return (x.lower() ** n).union(x.upper() ** n)


def iv_sqrt(x):
    if not x >= 0:
        raise Unsupported(f"the argument of a square root, {x}, is not provably nonnegative")
    return x.sqrt()


def iv_log(x):
    if not x > 0:
        raise Unsupported(f"the argument of a logarithm, {x}, is not provably positive")
    return x.log()


def iv_inv(x):
    if not (x > 0 or x < 0):
        raise Unsupported(f"division by an interval containing 0 ({x})")
    return 1 / x


def iv_powr(x, p):
    """x**p for a rational p (not an integer nor a half-integer), x >= 0."""
    p = Fraction(p)
    if x > 0:
        return (iv_from_fraction(p) * x.log()).exp()
    if x >= 0 and p > 0:
        hi = x.upper()
        if not hi > 0:
            return arb(0)
        up = (iv_from_fraction(p) * hi.log()).exp()
        return arb(0).union(up).nonnegative_part()
    raise Unsupported(f"a power {p} of {x}, whose base is not provably positive")


def iv_max(xs):
    lo = max((x.lower() for x in xs), key=_arb_to_mpf)
    hi = max((x.upper() for x in xs), key=_arb_to_mpf)
    return lo.union(hi)


def iv_min(xs):
    lo = min((x.lower() for x in xs), key=_arb_to_mpf)
    hi = min((x.upper() for x in xs), key=_arb_to_mpf)
    return lo.union(hi)


def nonneg(t):
    """``t`` intersected with [0, oo), for a quantity known to be >= 0.

    Raises:
        ArithmeticError: the enclosure lies entirely below 0 (a bug upstream, not rounding).
    """
    if t < 0:
        raise ArithmeticError(f"a quantity that is >= 0 was enclosed in {t}")
    return t if t >= 0 else t.nonnegative_part()
