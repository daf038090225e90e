r"""Rigorous interval enclosures (``mpmath.iv``) of closed-form dual kernels and Gram matrices.

An :class:`IntervalProgram` compiles a SymPy expression into a list of interval operations. It
evaluates the expression on intervals, returning an interval that contains every value the
expression takes on the box (and, where an operation is undefined at a boundary point, every
limit of its values there; see below). It also evaluates truncated Taylor series with
interval coefficients (automatic differentiation), used for the Hermite coefficients of a dual.

Supported: numbers (Integer, Rational, Float -- a Float is the exact binary number it stores --,
pi, E), Add, Mul, Pow (integer, half-integer and other rational exponents, the latter on
positive bases), exp, log, sin, cos, erf, atan2, Abs, Max, Min, and by rewriting sinh, cosh,
tanh, atan, asin and acos. Anything else -- Piecewise, Heaviside, sign, DiracDelta, unevaluated
integrals, quadrature-only kernels -- raises :class:`Unsupported`: the evaluator declines rather
than guess.

Rigour. ``mpmath.iv`` rounds outward in +, -, *, /, sqrt, exp, log, sin, cos and atan2, so each
result contains the exact value. Two of its functions are not used as they are: ``iv.atan2``
returns wrong enclosures on boxes that touch the negative real axis (e.g.
``atan2(0, [-1, 1e-20])`` gives ``[pi, pi]``), and ``iv.erf`` fails on intervals. atan2 is
handled case by case here (:func:`iv_atan2`) and erf is enclosed by its alternating Taylor
series with the remainder bound, or by the bound 0 < erfc(x) < exp(-x^2)/(x sqrt(pi)) for large
x (:func:`iv_erf`). ``expm1`` is not used (mpmath truncates its Taylor series without a
remainder term for tiny arguments).

Dual kernels (:func:`dual_program`). A dual k(q1, q2, c) is defined on q1, q2 >= 0,
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

Examples
========

>>> import mpmath
>>> import ntksym as nk
>>> from ntksym.intervals import dual_program, working_precision, lower, upper
>>> prog = dual_program(nk.dual("relu").expr)
>>> prog.expr                                  # the slack S = q1*q2 - c**2 replaces -c**2 + q1*q2
sqrt(S)/(2*pi) - c*atan2(sqrt(S), c)/(2*pi) + c/2
>>> iv = mpmath.iv
>>> with working_precision(30):                # k(1, 1, 0) = 1/(2 pi) for ReLU
...     v = prog(iv.mpf(1), iv.mpf(1), iv.mpf(0), iv.mpf(1))
>>> with mpmath.workdps(50):
...     print(lower(v) <= 1 / (2 * mpmath.pi) <= upper(v), upper(v) - lower(v) < 1e-29)
True True
"""
from __future__ import annotations

import math
import numbers
from contextlib import contextmanager
from fractions import Fraction

import mpmath
import sympy as sp

from ntksym.core.symbols import c as _c, q1 as _q1, q2 as _q2

__all__ = ["lower", "upper", "Unsupported", "IntervalProgram", "dual_program", "SLACK", "iv_atan2", "iv_erf",
           "exact_fraction", "iv_from_fraction", "iv_number", "working_precision",
           "IntervalGram", "interval_gram", "taylor_hermite"]

iv = mpmath.iv

#: the slack variable S = q1*q2 - c**2 >= 0 of :func:`dual_program`
SLACK = sp.Symbol("S", nonnegative=True)


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


# --------------------------------------------------------------------------------------------
# Exact numbers
# --------------------------------------------------------------------------------------------

def exact_fraction(v):
    """The exact value of a real number as a Fraction, or None for an irrational SymPy number.

    Floats are exact binary rationals and are converted exactly (0.1 is
    3602879701896397/36028797018963968); strings are read as exact decimals or fractions.
    """
    if isinstance(v, bool):
        raise TypeError("inputs must be real numbers, got bool")
    if isinstance(v, Fraction):
        return v
    if isinstance(v, numbers.Integral):
        return Fraction(int(v))
    if isinstance(v, sp.Basic):
        if not (v.is_number and v.is_real):
            raise TypeError(f"inputs must be real numbers, got {v!r}")
        if v.is_Rational:
            return Fraction(int(v.p), int(v.q))
        if v.is_Float:
            r = sp.Rational(v)                      # exact: a Float is a binary number
            return Fraction(int(r.p), int(r.q))
        if not v.is_finite:
            raise ValueError(f"inputs must be finite, got {v}")
        return None
    if isinstance(v, str):
        try:
            return Fraction(v.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"cannot read {v!r} as a number") from None
    if isinstance(v, numbers.Real):
        f = float(v)
        if not math.isfinite(f):
            raise ValueError("inputs contain NaN or infinity")
        return Fraction(f)
    raise TypeError(f"inputs must be real numbers, got {type(v).__name__}")


def iv_from_fraction(fr):
    """The narrowest-ish interval (outward rounded) containing the rational ``fr``."""
    if fr.denominator == 1:
        return iv.mpf(fr.numerator)
    return iv.mpf(fr.numerator) / fr.denominator


def iv_number(v):
    """An interval containing the real number v (a number, string or SymPy constant)."""
    fr = exact_fraction(v)
    if fr is not None:
        return iv_from_fraction(fr)
    return IntervalProgram(v, ())()


# --------------------------------------------------------------------------------------------
# Elementary functions that mpmath.iv gets wrong or lacks
# --------------------------------------------------------------------------------------------

def _lo(x):
    """The exact lower endpoint as an mpf (``mpmath.mpf(x.a)`` would round to mp.prec)."""
    return mpmath.mp.make_mpf(x._mpi_[0])


def _hi(x):
    """The exact upper endpoint as an mpf."""
    return mpmath.mp.make_mpf(x._mpi_[1])


lower, upper = _lo, _hi


def _neg(x):
    """-x for an mpf, exactly (mpf arithmetic would round to mp.prec)."""
    return mpmath.mp.make_mpf(mpmath.libmp.mpf_neg(x._mpf_))


def _interval(lo, hi):
    return iv.mpf([lo, hi])


def iv_atan2(y, x):
    """atan2(y, x) on intervals, with the branch cut and the origin handled.

    Boxes away from the cut {y = 0, x <= 0} use ``iv.atan2``. A box in y >= 0 left of the origin
    uses atan2(y, x) = pi - atan2(y, -x). A box in y >= 0 that contains the origin gives [0, pi]
    (every limit value); any other box touching the cut gives [-pi, pi].
    """
    ya, yb, xa, xb = _lo(y), _hi(y), _lo(x), _hi(x)
    if xa > 0 or ya > 0 or yb < 0:
        return iv.atan2(y, x)
    pi = iv.pi
    if ya >= 0:
        if xb < 0:
            return pi - iv.atan2(y, -x)
        return _interval(0, _hi(pi))
    return _interval(_neg(_hi(pi)), _hi(pi))


def _erf_point(x):
    """An interval containing erf(x) for an mpf x (rigorous: series with remainder bound)."""
    if x == 0:
        return iv.mpf(0)
    if x < 0:
        return -_erf_point(_neg(x))
    prec = iv.prec
    x2 = x * x
    if x2 > (prec + 10) * 0.7 and x > 1:
        # 0 < erfc(x) < exp(-x^2) / (x sqrt(pi)) for x > 0
        X = iv.mpf(x)
        tail = iv.exp(-X * X) / (X * iv.sqrt(iv.pi))
        return _interval(_lo(1 - tail), 1)
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
            if n >= float(x2) and _hi(b) < eps:
                # alternating series, terms decreasing from here on: |remainder| <= b_n
                s = s + _interval(_neg(_hi(b)), _hi(b))
                break
            s = s - b if n % 2 else s + b
        out = 2 * s / iv.sqrt(iv.pi)
    finally:
        iv.prec = old
    return +out


def iv_erf(x):
    """erf on an interval (erf is increasing: the hull of the endpoint enclosures)."""
    lo, hi = _lo(x), _hi(x)
    if lo == hi:
        return _erf_point(lo)
    return _interval(_lo(_erf_point(lo)), _hi(_erf_point(hi)))


def _sqrt(x):
    if _lo(x) < 0:
        raise Unsupported(f"the argument of a square root, {x}, is not provably nonnegative")
    return iv.sqrt(x)


def _log(x):
    if not _lo(x) > 0:
        raise Unsupported(f"the argument of a logarithm, {x}, is not provably positive")
    return iv.log(x)


def _inv(x):
    if _lo(x) <= 0 <= _hi(x):
        raise Unsupported(f"division by an interval containing 0 ({x})")
    return 1 / x


def _powr(x, p):
    """x**p for a rational p (not an integer nor a half-integer), x >= 0."""
    p = Fraction(p)
    lo = _lo(x)
    if lo > 0:
        return iv.exp(iv_from_fraction(p) * iv.log(x))
    if lo == 0 and p > 0:
        hi = _hi(x)
        up = _hi(iv.exp(iv_from_fraction(p) * iv.log(iv.mpf(hi)))) if hi > 0 else 0
        return _interval(0, up)
    raise Unsupported(f"a power {p} of {x}, whose base is not provably positive")


def _abs(x):
    return abs(x)


def _max(xs):
    return _interval(max(_lo(x) for x in xs), max(_hi(x) for x in xs))


def _min(xs):
    return _interval(min(_lo(x) for x in xs), min(_hi(x) for x in xs))


# --------------------------------------------------------------------------------------------
# Compiling SymPy expressions
# --------------------------------------------------------------------------------------------

def _is_half(e):
    return e.is_Rational and e.q == 2


class IntervalProgram:
    """A SymPy expression compiled to interval operations on the given variables.

    Call it with one interval per variable. :meth:`taylor` evaluates truncated Taylor series.
    Raises :class:`Unsupported` at construction for expressions it cannot enclose.
    """

    def __init__(self, expr, variables):
        self.expr = sp.sympify(expr)
        self.variables = tuple(variables)
        self.ops = []               # (kind, args (node indices), data)
        self.const = []             # node depends on no variable
        self._memo = {}
        self._consts = {}
        self.out = self._build(self.expr)

    # -- building --------------------------------------------------------------------------
    def _node(self, kind, args=(), data=None):
        key = (kind, tuple(args), data if not isinstance(data, list) else tuple(data))
        if key in self._memo:
            return self._memo[key]
        self.ops.append((kind, tuple(args), data))
        self.const.append(kind not in ("var",) and all(self.const[a] for a in args))
        self._memo[key] = len(self.ops) - 1
        return self._memo[key]

    def _build(self, e):
        if e in self.variables:
            return self._node("var", (), self.variables.index(e))
        if e.is_Rational:
            return self._node("const", (), Fraction(int(e.p), int(e.q)))
        if e.is_Float:
            r = sp.Rational(e)
            return self._node("const", (), Fraction(int(r.p), int(r.q)))
        if e is sp.pi:
            return self._node("pi")
        if e is sp.E:
            return self._node("e")
        if e.is_Symbol:
            raise Unsupported(f"free symbol {e} (give numeric parameters)")
        b = self._build
        if e.is_Add:
            return self._node("add", [b(a) for a in e.args])
        if e.is_Mul:
            return self._node("mul", [b(a) for a in e.args])
        if e.is_Pow:
            base, ex = e.args
            if ex.is_Integer:
                n = int(ex)
                if n >= 0:
                    return self._node("powi", [b(base)], n)
                return self._node("inv", [self._node("powi", [b(base)], -n)])
            if _is_half(ex):
                n = int(ex.p)
                s = self._node("sqrt", [b(base)])
                if n > 0:
                    return s if n == 1 else self._node("powi", [s], n)
                return self._node("inv", [s if n == -1 else self._node("powi", [s], -n)])
            if ex.is_Rational:
                return self._node("powr", [b(base)], Fraction(int(ex.p), int(ex.q)))
            return b(sp.exp(ex * sp.log(base)))
        if isinstance(e, sp.exp):
            return self._node("exp", [b(e.args[0])])
        if isinstance(e, sp.log):
            if len(e.args) != 1:
                raise Unsupported("log with a base")
            return self._node("log", [b(e.args[0])])
        if isinstance(e, sp.sin):
            return self._node("sin", [b(e.args[0])])
        if isinstance(e, sp.cos):
            return self._node("cos", [b(e.args[0])])
        if isinstance(e, sp.erf):
            return self._node("erf", [b(e.args[0])])
        if isinstance(e, sp.atan2):
            return self._node("atan2", [b(e.args[0]), b(e.args[1])])
        if isinstance(e, sp.Abs):
            return self._node("abs", [b(e.args[0])])
        if isinstance(e, sp.Max):
            return self._node("max", [b(a) for a in e.args])
        if isinstance(e, sp.Min):
            return self._node("min", [b(a) for a in e.args])
        u = e.args[0] if e.args else None
        with sp.evaluate(False):
            if isinstance(e, sp.sinh):
                return b((sp.exp(u) - sp.exp(-u)) / 2)
            if isinstance(e, sp.cosh):
                return b((sp.exp(u) + sp.exp(-u)) / 2)
            if isinstance(e, sp.tanh):
                return b(1 - 2 / (sp.exp(2 * u) + 1))
            if isinstance(e, sp.atan):
                return b(sp.atan2(u, sp.Integer(1)))
            if isinstance(e, sp.asin):
                return b(sp.atan2(u, sp.sqrt(1 - u**2)))
            if isinstance(e, sp.acos):
                return b(sp.atan2(sp.sqrt(1 - u**2), u))
        raise Unsupported(f"{type(e).__name__} is not supported by the interval evaluator")

    # -- interval evaluation ---------------------------------------------------------------
    @staticmethod
    def _scalar(kind, a, data):
        if kind == "add":
            s = a[0]
            for t in a[1:]:
                s = s + t
            return s
        if kind == "mul":
            s = a[0]
            for t in a[1:]:
                s = s * t
            return s
        if kind == "powi":
            return a[0] ** data if data else iv.mpf(1)
        if kind == "inv":
            return _inv(a[0])
        if kind == "sqrt":
            return _sqrt(a[0])
        if kind == "powr":
            return _powr(a[0], data)
        if kind == "exp":
            return iv.exp(a[0])
        if kind == "log":
            return _log(a[0])
        if kind == "sin":
            return iv.sin(a[0])
        if kind == "cos":
            return iv.cos(a[0])
        if kind == "erf":
            return iv_erf(a[0])
        if kind == "atan2":
            return iv_atan2(a[0], a[1])
        if kind == "abs":
            return _abs(a[0])
        if kind == "max":
            return _max(a)
        if kind == "min":
            return _min(a)
        if kind == "const":
            return iv_from_fraction(data)
        if kind == "pi":
            return iv.pi
        if kind == "e":
            return iv.e
        raise AssertionError(kind)

    def _constants(self):
        prec = iv.prec
        if prec not in self._consts:
            vals = {}
            for i, (kind, args, data) in enumerate(self.ops):
                if self.const[i]:
                    vals[i] = self._scalar(kind, [vals[a] for a in args], data)
            self._consts[prec] = vals
        return self._consts[prec]

    def __call__(self, *values):
        """An interval containing the expression on the box ``values`` (one per variable)."""
        if len(values) != len(self.variables):
            raise TypeError(f"expected {len(self.variables)} values, got {len(values)}")
        consts = self._constants()
        v = [None] * len(self.ops)
        for i, (kind, args, data) in enumerate(self.ops):
            if self.const[i]:
                v[i] = consts[i]
            elif kind == "var":
                v[i] = values[data]
            else:
                v[i] = self._scalar(kind, [v[a] for a in args], data)
        return v[self.out]

    # -- Taylor series ---------------------------------------------------------------------
    def taylor(self, values, order):
        """Taylor coefficients 0..order of the expression, with interval coefficients.

        ``values``: per variable either an interval (a constant) or a list of order + 1
        coefficients (interval or the int 0). Returns a list of order + 1 intervals.
        """
        consts = self._constants()
        v = [None] * len(self.ops)
        for i, (kind, args, data) in enumerate(self.ops):
            if self.const[i]:
                v[i] = consts[i]
            elif kind == "var":
                v[i] = values[data]
            else:
                a = [v[j] for j in args]
                if not any(isinstance(t, list) for t in a):
                    v[i] = self._scalar(kind, a, data)
                else:
                    v[i] = _series_op(kind, a, data, order)
        out = v[self.out]
        if not isinstance(out, list):
            out = [out] + [0] * order
        return [t if not isinstance(t, int) else iv.mpf(t) for t in out]


# --------------------------------------------------------------------------------------------
# Truncated Taylor series with interval coefficients (exact zeros are the int 0)
# --------------------------------------------------------------------------------------------

def _as_series(x, n):
    """x as a list of n coefficients whose constant term is an interval (not the int 0)."""
    x = list(x) if isinstance(x, list) else [x] + [0] * (n - 1)
    if isinstance(x[0], int):
        x[0] = iv.mpf(x[0])
    return x


def _smul(a, b, n):
    if not isinstance(a, list):
        return [0 if isinstance(t, int) and t == 0 else a * t for t in b]
    if not isinstance(b, list):
        return _smul(b, a, n)
    ia = [j for j in range(n) if not (isinstance(a[j], int) and a[j] == 0)]
    ib = [j for j in range(n) if not (isinstance(b[j], int) and b[j] == 0)]
    out = [0] * n
    for j in ia:
        aj = a[j]
        for k in ib:
            if j + k >= n:
                break
            out[j + k] = out[j + k] + aj * b[k]
    return out


def _sadd(xs, n):
    out = [0] * n
    for x in xs:
        if isinstance(x, list):
            for k in range(n):
                if not (isinstance(x[k], int) and x[k] == 0):
                    out[k] = out[k] + x[k]
        else:
            out[0] = out[0] + x
    return out


def _sneg(x):
    return [-t if not isinstance(t, int) else 0 for t in x]


def _deriv(x, n):
    return [(k + 1) * x[k + 1] for k in range(n - 1)] + [0]


def _integ(d, c0, n):
    return [c0] + [d[k - 1] / k if not isinstance(d[k - 1], int) else 0 for k in range(1, n)]


def _sinv(x, n):
    y0 = _inv(x[0])
    y = [y0] + [0] * (n - 1)
    for k in range(1, n):
        s = 0
        for j in range(1, k + 1):
            if not (isinstance(x[j], int) and x[j] == 0):
                s = s + x[j] * y[k - j]
        y[k] = -s * y0 if not isinstance(s, int) else 0
    return y


def _ssqrt(x, n):
    if not _lo(x[0]) > 0:
        raise Unsupported("Taylor expansion of a square root at a point where its argument "
                          "may vanish")
    y0 = iv.sqrt(x[0])
    y = [y0] + [0] * (n - 1)
    two_y0 = 2 * y0
    for k in range(1, n):
        s = x[k]
        for j in range(1, k):
            if not (isinstance(y[j], int) or isinstance(y[k - j], int)):
                s = s - y[j] * y[k - j]
        y[k] = s / two_y0 if not isinstance(s, int) else 0
    return y


def _spowr(x, p, n):
    if not _lo(x[0]) > 0:
        raise Unsupported("Taylor expansion of a power at a point where its base may vanish")
    P = iv_from_fraction(Fraction(p))
    y = [_powr(x[0], p)] + [0] * (n - 1)
    for k in range(1, n):
        s = 0
        for j in range(k):
            if not (isinstance(x[k - j], int) or isinstance(y[j], int)):
                s = s + (P * (k - j) - j) * x[k - j] * y[j]
        y[k] = s / (k * x[0]) if not isinstance(s, int) else 0
    return y


def _sexp(x, n):
    y = [iv.exp(x[0])] + [0] * (n - 1)
    for k in range(1, n):
        s = 0
        for j in range(1, k + 1):
            if not isinstance(x[j], int):
                s = s + j * x[j] * y[k - j]
        y[k] = s / k if not isinstance(s, int) else 0
    return y


def _slog(x, n):
    y = [_log(x[0])] + [0] * (n - 1)
    for k in range(1, n):
        s = x[k]
        for j in range(1, k):
            if not (isinstance(y[j], int) or isinstance(x[k - j], int)):
                s = s - (j * y[j] * x[k - j]) / k
        y[k] = s / x[0] if not isinstance(s, int) else 0
    return y


def _ssincos(x, n):
    s = [iv.sin(x[0])] + [0] * (n - 1)
    c = [iv.cos(x[0])] + [0] * (n - 1)
    for k in range(1, n):
        a, b = 0, 0
        for j in range(1, k + 1):
            if not isinstance(x[j], int):
                a = a + j * x[j] * c[k - j]
                b = b + j * x[j] * s[k - j]
        s[k] = a / k if not isinstance(a, int) else 0
        c[k] = -b / k if not isinstance(b, int) else 0
    return s, c


def _series_op(kind, a, data, order):
    n = order + 1
    if kind == "add":
        return _sadd(a, n)
    if kind == "mul":
        out = a[0]
        for t in a[1:]:
            out = _smul(out, t, n) if isinstance(out, list) or isinstance(t, list) else out * t
        return out
    x = _as_series(a[0], n)
    if kind == "powi":
        if data == 0:
            return iv.mpf(1)
        out, base, m = None, x, data
        while m:
            if m & 1:
                out = base if out is None else _smul(out, base, n)
            m >>= 1
            if m:
                base = _smul(base, base, n)
        return out
    if kind == "inv":
        return _sinv(x, n)
    if kind == "sqrt":
        return _ssqrt(x, n)
    if kind == "powr":
        return _spowr(x, data, n)
    if kind == "exp":
        return _sexp(x, n)
    if kind == "log":
        return _slog(x, n)
    if kind in ("sin", "cos"):
        s, c = _ssincos(x, n)
        return s if kind == "sin" else c
    if kind == "erf":
        e = _sexp(_sneg(_smul(x, x, n)), n)                   # exp(-u^2)
        d = _smul(e, _deriv(x, n), n)
        k = 2 / iv.sqrt(iv.pi)
        return _integ([t * k if not isinstance(t, int) else 0 for t in d], iv_erf(x[0]), n)
    if kind == "atan2":
        y, xx = _as_series(a[0], n), _as_series(a[1], n)
        h = _sadd([_smul(xx, xx, n), _smul(y, y, n)], n)
        g = _sadd([_smul(xx, _deriv(y, n), n), _sneg(_smul(y, _deriv(xx, n), n))], n)
        return _integ(_smul(g, _sinv(h, n), n), iv_atan2(y[0], xx[0]), n)
    if kind == "abs":
        if _lo(x[0]) > 0:
            return x
        if _hi(x[0]) < 0:
            return _sneg(x)
        raise Unsupported("Taylor expansion of Abs at a point where its argument may vanish")
    if kind in ("max", "min"):
        xs = [_as_series(t, n) for t in a]
        lows = [_lo(t[0]) for t in xs]
        highs = [_hi(t[0]) for t in xs]
        i = (max if kind == "max" else min)(range(len(xs)),
                                             key=(lows if kind == "max" else highs).__getitem__)
        others = [j for j in range(len(xs)) if j != i]
        if kind == "max" and all(lows[i] > highs[j] for j in others):
            return xs[i]
        if kind == "min" and all(highs[i] < lows[j] for j in others):
            return xs[i]
        raise Unsupported(f"Taylor expansion of {kind.capitalize()} at a tie")
    raise AssertionError(kind)


# --------------------------------------------------------------------------------------------
# Dual kernels
# --------------------------------------------------------------------------------------------

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


def dual_program(expr):
    """An :class:`IntervalProgram` for a dual (or NTK factor) in the variables q1, q2, c, S.

    S must be given as an enclosure of q1*q2 - c**2 within [0, oo) (0 on the diagonal).
    """
    from ntksym.symbolic.gaussian import GaussianExpectation
    e = sp.sympify(expr)
    if e.has(GaussianExpectation):
        raise Unsupported("the kernel has no closed form (quadrature only); no rigorous "
                          "enclosure is available")
    return IntervalProgram(prepare_dual(e), (_q1, _q2, _c, SLACK))


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
        hi = _hi(t)
        if hi < 0:
            raise ArithmeticError(f"a squared Hermite coefficient is enclosed in {t} < 0")
        out.append(_interval(max(_lo(t), 0), hi))
    return out


# --------------------------------------------------------------------------------------------
# Gram matrices in interval arithmetic
# --------------------------------------------------------------------------------------------

class IntervalGram:
    """Interval enclosures of a network's Gram matrices, layer by layer.

    Attributes:
        nngp, ntk: n x n lists of intervals (``ntk`` is None unless requested).
        sigma: per layer l = 1..L, the m x m enclosures of Sigma^l on the distinct points.
        kdiag, kdot_diag: per layer l = 1..L, k(q_i, q_i, q_i) and E[phi'(u)^2] at the
            variances q_i of Sigma^l (distinct points; ``kdot_diag`` None unless requested).
        rep: rep[i] is the index of point i among the distinct points.
        exact_first_layer: True when Sigma^1 (and S) were computed exactly in rationals.
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)


def point_rows(X):
    """The rows of a 2-D array-like (numpy array, nested lists) as lists, shape checked.

    Raises:
        ValueError: not 2-D, empty, or ragged.
    """
    if hasattr(X, "tolist"):
        X = X.tolist()
    try:
        rows = [list(r) for r in X]
    except TypeError:
        raise ValueError("X must be a 2-D array of shape (n, d)") from None
    if not rows or not rows[0]:
        raise ValueError("X must have at least one row and one column")
    d = len(rows[0])
    if any(len(r) != d for r in rows):
        raise ValueError("X is not rectangular")
    return rows


def _points(X):
    out = []
    for r in point_rows(X):
        row = []
        for v in r:
            fr = exact_fraction(v)
            row.append(fr if fr is not None else sp.sympify(v))
        out.append(tuple(row))
    return out


def distinct_points(X):
    """(points as exact tuples, rep, unique) where rep[i] indexes the distinct points."""
    P = _points(X)
    seen, rep, unique = {}, [], []
    for p in P:
        key = tuple(v if isinstance(v, Fraction) else sp.nsimplify(v) for v in p)
        if key not in seen:
            seen[key] = len(unique)
            unique.append(p)
        rep.append(seen[key])
    return P, rep, unique


def _scale(v):
    """(Fraction or None, interval) for a network parameter (a SymPy number)."""
    v = sp.sympify(v)
    if v.is_Rational:
        fr = Fraction(int(v.p), int(v.q))
        return fr, iv_from_fraction(fr)
    return None, IntervalProgram(v, ())()


def _iv_ratio(num, den):
    """An interval containing the rational num/den (ints, den > 0)."""
    return iv.mpf(num) if den == 1 else iv.mpf(num) / den


def _nonneg(t):
    hi = _hi(t)
    if hi < 0:
        raise ArithmeticError(f"a quantity that is >= 0 was enclosed in {t}")
    return _interval(max(_lo(t), 0), hi)


def interval_gram(net, X, dps=30, ntk=True, ntk_offdiag=True):
    """Enclose the NNGP (and NTK) Gram matrices of ``net`` on the points X rigorously.

    Args:
        net: an :class:`~ntksym.MLP` with numeric parameters and a closed-form dual.
        X: points, shape (n, d): ints, Fractions, SymPy numbers, decimal strings or floats
            (each float is converted exactly).
        dps: working precision (decimal digits) of the interval arithmetic.
        ntk: also enclose the NTK; ``ntk_offdiag=False`` keeps only what the Hermite bound needs
            (the NTK factor on the diagonal) and leaves ``ntk`` None.

    Raises:
        Unsupported: the dual has no closed form, or contains operations the evaluator cannot
            enclose, or the NTK factor is degenerate (step, sign), or a zero variance occurs
            with a discontinuous activation.
    """
    if net.is_symbolic:
        raise Unsupported("W_std and b_std must be numbers")
    k = net.dual
    kprog = dual_program(k.expr)
    kdprog = None
    if ntk:
        if k.ntk_factor is None:
            raise Unsupported("the NTK factor E[phi'(u) phi'(v)] is unknown")
        if k.ntk_degenerate:
            raise Unsupported(f"the NTK factor of {net.activation.name} contains a Dirac delta: "
                              "E[phi'(u)^2] is infinite on the diagonal, so the NTK is not "
                              "a finite matrix")
        kdprog = dual_program(k.ntk_factor)
    act = net.activation
    discontinuous = act.is_symbolic and act.derivative().has_dirac
    P, rep, U = distinct_points(X)
    n, m, d = len(P), len(U), len(P[0])
    standard = net.parameterization == "standard"
    with working_precision(dps):
        w2f, w2 = _scale(net.W_std**2)
        b2f, b2 = _scale(net.b_std**2)
        zero = iv.mpf(0)
        exact = w2f is not None and b2f is not None and \
            all(isinstance(v, Fraction) for p in U for v in p)
        sig = [[None] * m for _ in range(m)]
        slack = [[None] * m for _ in range(m)]
        th = [[None] * m for _ in range(m)] if ntk and ntk_offdiag else None
        if exact:
            # integers: Sigma^1_ij = A_ij / E exactly, slack = (A_ii A_jj - A_ij^2) / E^2
            D = math.lcm(*(v.denominator for p in U for v in p))
            N = [[v.numerator * (D // v.denominator) for v in p] for p in U]
            E = w2f.denominator * b2f.denominator * D * D * d
            wa = w2f.numerator * b2f.denominator
            ba = b2f.numerator * w2f.denominator * D * D * d
            A = [[0] * m for _ in range(m)]
            dots = [[0] * m for _ in range(m)]
            for i in range(m):
                for j in range(i, m):
                    g = sum(a * b for a, b in zip(N[i], N[j]))
                    dots[i][j] = dots[j][i] = g
                    A[i][j] = A[j][i] = wa * g + ba
            for i in range(m):
                for j in range(i, m):
                    sig[i][j] = sig[j][i] = _iv_ratio(A[i][j], E)
                    slack[i][j] = slack[j][i] = zero if i == j else \
                        _iv_ratio(A[i][i] * A[j][j] - A[i][j] ** 2, E * E)
                    if th is not None:
                        t = sig[i][j] if not standard else _iv_ratio(dots[i][j] + D * D, D * D)
                        th[i][j] = th[j][i] = t
        else:
            vals = [[iv_from_fraction(v) if isinstance(v, Fraction) else
                     IntervalProgram(v, ())() for v in p] for p in U]
            for i in range(m):
                for j in range(i, m):
                    g = zero
                    for a, b in zip(vals[i], vals[j]):
                        g = g + (a * a if i == j else a * b)
                    s12 = w2 * g / d + b2
                    sig[i][j] = sig[j][i] = s12
                    if th is not None:
                        th[i][j] = th[j][i] = s12 if not standard else g + 1
            for i in range(m):
                for j in range(i, m):
                    slack[i][j] = slack[j][i] = zero if i == j else \
                        _nonneg(sig[i][i] * sig[j][j] - sig[i][j] ** 2)
        sigmas, kdiags, kddiags = [], [], []
        for _layer in range(net.depth):
            q = [sig[i][i] for i in range(m)]
            if discontinuous and any(_lo(t) <= 0 for t in q):
                raise Unsupported(f"a variance may vanish and {act.name} is discontinuous: "
                                  "its dual is not continuous there")
            sigmas.append(sig)
            K = [[None] * m for _ in range(m)]
            KD = [[None] * m for _ in range(m)] if th is not None else None
            kd_diag = [] if kdprog is not None else None
            for i in range(m):
                K[i][i] = kprog(q[i], q[i], q[i], zero)
                if kdprog is not None:
                    kd_diag.append(kdprog(q[i], q[i], q[i], zero))
                    if KD is not None:
                        KD[i][i] = kd_diag[i]
                for j in range(i + 1, m):
                    K[i][j] = K[j][i] = kprog(q[i], q[j], sig[i][j], slack[i][j])
                    if KD is not None:
                        KD[i][j] = KD[j][i] = kdprog(q[i], q[j], sig[i][j], slack[i][j])
            kdiags.append([K[i][i] for i in range(m)])
            kddiags.append(kd_diag)
            new = [[None] * m for _ in range(m)]
            for i in range(m):
                for j in range(i, m):
                    new[i][j] = new[j][i] = w2 * K[i][j] + b2
            if th is not None:
                nth = [[None] * m for _ in range(m)]
                for i in range(m):
                    for j in range(i, m):
                        if standard:
                            t = net.width * K[i][j] + 1 + w2 * KD[i][j] * th[i][j]
                        else:
                            t = w2 * KD[i][j] * th[i][j] + new[i][j]
                        nth[i][j] = nth[j][i] = t
                th = nth
            nslack = [[None] * m for _ in range(m)]
            for i in range(m):
                new[i][i] = _nonneg(new[i][i])
            for i in range(m):
                nslack[i][i] = zero
                for j in range(i + 1, m):
                    p = new[i][i] * new[j][j]
                    cij = new[i][j]
                    # clip to |c| <= sqrt(q1 q2) (optional for rigour; a float test first)
                    ca = max(abs(float(_lo(cij))), abs(float(_hi(cij))))
                    if ca * ca >= float(_lo(p)) * (1 - 1e-9):
                        bound = _hi(iv.sqrt(p))
                        if _lo(cij) < _neg(bound) or _hi(cij) > bound:
                            cij = _interval(max(_lo(cij), _neg(bound)), min(_hi(cij), bound))
                            new[i][j] = new[j][i] = cij
                    nslack[i][j] = nslack[j][i] = _nonneg(p - cij ** 2)
            sig, slack = new, nslack
        nngp = [[sig[rep[i]][rep[j]] for j in range(n)] for i in range(n)]
        ntkm = [[th[rep[i]][rep[j]] for j in range(n)] for i in range(n)] \
            if th is not None else None
    return IntervalGram(nngp=nngp, ntk=ntkm, sigma=sigmas, kdiag=kdiags, kdot_diag=kddiags,
                        rep=rep, points=P, distinct=U, exact_first_layer=exact, dps=dps,
                        kernel=kprog, w2=w2, b2=b2)
