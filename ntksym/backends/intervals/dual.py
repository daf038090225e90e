r"""Dual kernels in interval arithmetic: the slack rewrite and the Hermite coefficients.

Dual kernels (:func:`slack_program`). A dual k(q1, q2, c) is defined on q1, q2 >= 0,
c^2 <= q1 q2. Its closed form contains square roots of quantities such as q1 q2 - c^2 that are
nonnegative on that domain but whose interval enclosures can dip below zero when c is close to
+-sqrt(q1 q2). The compiler therefore introduces the slack S = q1 q2 - c^2 >= 0 as a variable:
in the base of every fractional power that is a polynomial in c, c^2 is replaced by q1 q2 - S
(e.g. sqrt(-c^2 + q1 q2) becomes sqrt(S), and sqrt(-c^2 + (q1+1)(q2+1)) becomes
sqrt(S + q1 + q2 + 1)). The caller supplies S as an enclosure intersected with [0, oo) (exactly 0
on the diagonal), which is justified because c^2 <= q1 q2 holds for every covariance.
asin(u) with u = num/den, den > 0, becomes atan2(num, sqrt(den^2 - num^2)), again with the
slack. A square root whose argument is still not provably nonnegative raises
:class:`Unsupported`.

Boundary points. At a zero variance the closed forms can be undefined (relu: atan2(0, 0)). There
:func:`iv_atan2` returns the hull of all its limit values ([0, pi] when y >= 0). Because every
other operation is continuous, the result contains every limit of the expression at that point;
for a continuous activation the dual is continuous on the closed domain, so the result encloses
the true value. (For discontinuous activations -- step, sign -- the caller declines at zero
variance.)

By Mehler's formula, the Taylor coefficients of k(q, q, q t) in t are the squared normalised
Hermite coefficients of phi(sqrt(q) z) (:func:`taylor_hermite`).
"""
from __future__ import annotations

import sympy as sp

from ntksym.backends.intervals.arithmetic import nonneg
from ntksym.backends.intervals.program import IntervalProgram
from ntksym.core.symbols import c as _c, q1 as _q1, q2 as _q2

__all__ = ["SLACK", "prepare_dual", "slack_program", "taylor_hermite"]

#: the slack variable S = q1*q2 - c**2 >= 0 of :func:`dual_program`
SLACK = sp.Symbol("S", nonnegative=True)


def _with_slack(base):
    """The base of a fractional power with c**2 replaced by q1*q2 - S (if polynomial in c)."""
    if not base.has(_c) or not base.is_polynomial(_c):
        return base
    poly = sp.Poly(sp.expand(base), _c)
    out = sp.Integer(0)
    for (k,), coeff in poly.terms():
        out += coeff * _c**(k % 2) * (_q1 * _q2 - SLACK)**(k // 2)
    return sp.expand(out)


def _rewrite_asin(u, acos=False):
    num, den = sp.fraction(sp.together(u))
    if den.is_negative:
        num, den = -num, -den
    if not den.is_positive:
        inner = sp.sqrt(1 - u**2)
        return sp.atan2(inner, u) if acos else sp.atan2(u, inner)
    inner = sp.sqrt(_with_slack(sp.expand(den**2 - num**2)))
    return sp.atan2(inner, num) if acos else sp.atan2(num, inner)


def prepare_dual(expr):
    """The dual's expression rewritten for interval evaluation (slack S, asin via atan2)."""
    e = sp.sympify(expr)
    e = e.replace(sp.asin, lambda u: _rewrite_asin(u))
    e = e.replace(sp.acos, lambda u: _rewrite_asin(u, acos=True))
    e = e.replace(lambda t: t.is_Pow and not t.exp.is_Integer and t.base.has(_c),
                  lambda t: sp.Pow(_with_slack(t.base), t.exp))
    return e


def slack_program(expr):
    """An :class:`IntervalProgram` for a closed-form dual (or NTK factor) in q1, q2, c, S.

    S must be given as an enclosure of q1*q2 - c**2 within [0, oo) (0 on the diagonal).

    Example:
        >>> import mpmath
        >>> import sympy as sp
        >>> from flint import arb
        >>> from ntksym.core.symbols import c, q1, q2
        >>> from ntksym.backends.intervals import working_precision, lower, upper
        >>> r = sp.sqrt(q1*q2 - c**2)
        >>> relu = r / (2*sp.pi) + c / 2 - c * sp.atan2(r, c) / (2*sp.pi)    # ReLU's dual
        >>> prog = slack_program(relu)
        >>> prog.expr                               # the slack S = q1*q2 - c**2 replaces it
        sqrt(S)/(2*pi) - c*atan2(sqrt(S), c)/(2*pi) + c/2
        >>> with working_precision(30):             # k(1, 1, 0) = 1/(2 pi) for ReLU
        ...     v = prog(arb(1), arb(1), arb(0), arb(1))
        >>> with mpmath.workdps(50):
        ...     print(lower(v) <= 1 / (2 * mpmath.pi) <= upper(v), upper(v) - lower(v) < 1e-29)
        True True
    """
    return IntervalProgram(prepare_dual(expr), (_q1, _q2, _c, SLACK))


def taylor_hermite(prog, q, order):
    """Enclosures of alpha_k(q)^2, k = 0..order: the coefficients of k(q, q, q t) in t.

    By Mehler's formula k(q, q, q t) = sum_k alpha_k(q)^2 t^k (the squared normalised Hermite
    coefficients of phi(sqrt(q) z)), so each coefficient is intersected with [0, oo).
    """
    n = order + 1
    cser = [0, q] + [0] * (n - 2)
    qq = q * q
    sser = [qq, 0, -qq] + [0] * (n - 3) if n >= 3 else [qq] + [0] * (n - 1)
    coeffs = prog.taylor([q, q, cser, sser], order)
    out = []
    for t in coeffs:
        if t < 0:
            raise ArithmeticError(f"a squared Hermite coefficient is enclosed in {t} < 0")
        out.append(nonneg(t))
    return out
