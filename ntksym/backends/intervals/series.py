"""Truncated Taylor series with interval (arb ball) coefficients (automatic differentiation).

A series is a list of ``n`` coefficients; exact zeros are the int 0 (they cost nothing).
:func:`series_op` applies one operation of an :class:`~.program.IntervalProgram` to series.
"""
from __future__ import annotations

from fractions import Fraction

from flint import arb

from ntksym.backends.intervals.arithmetic import (Unsupported, iv_atan2, iv_erf,
                                                  iv_from_fraction, iv_inv, iv_log, iv_powr,
                                                  lower, upper)

__all__ = ["series_op"]


def _as_series(x, n):
    """x as a list of n coefficients whose constant term is an interval (not the int 0)."""
    x = list(x) if isinstance(x, list) else [x] + [0] * (n - 1)
    if isinstance(x[0], int):
        x[0] = arb(x[0])
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
    y0 = iv_inv(x[0])
    y = [y0] + [0] * (n - 1)
    for k in range(1, n):
        s = 0
        for j in range(1, k + 1):
            if not (isinstance(x[j], int) and x[j] == 0):
                s = s + x[j] * y[k - j]
        y[k] = -s * y0 if not isinstance(s, int) else 0
    return y


def _ssqrt(x, n):
    if not x[0] > 0:
        raise Unsupported("Taylor expansion of a square root at a point where its argument "
                          "may vanish")
    y0 = x[0].sqrt()
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
    if not x[0] > 0:
        raise Unsupported("Taylor expansion of a power at a point where its base may vanish")
    P = iv_from_fraction(Fraction(p))
    y = [iv_powr(x[0], p)] + [0] * (n - 1)
    for k in range(1, n):
        s = 0
        for j in range(k):
            if not (isinstance(x[k - j], int) or isinstance(y[j], int)):
                s = s + (P * (k - j) - j) * x[k - j] * y[j]
        y[k] = s / (k * x[0]) if not isinstance(s, int) else 0
    return y


def _sexp(x, n):
    y = [x[0].exp()] + [0] * (n - 1)
    for k in range(1, n):
        s = 0
        for j in range(1, k + 1):
            if not isinstance(x[j], int):
                s = s + j * x[j] * y[k - j]
        y[k] = s / k if not isinstance(s, int) else 0
    return y


def _slog(x, n):
    y = [iv_log(x[0])] + [0] * (n - 1)
    for k in range(1, n):
        s = x[k]
        for j in range(1, k):
            if not (isinstance(y[j], int) or isinstance(x[k - j], int)):
                s = s - (j * y[j] * x[k - j]) / k
        y[k] = s / x[0] if not isinstance(s, int) else 0
    return y


def _ssincos(x, n):
    s0, c0 = x[0].sin_cos()
    s = [s0] + [0] * (n - 1)
    c = [c0] + [0] * (n - 1)
    for k in range(1, n):
        a, b = 0, 0
        for j in range(1, k + 1):
            if not isinstance(x[j], int):
                a = a + j * x[j] * c[k - j]
                b = b + j * x[j] * s[k - j]
        s[k] = a / k if not isinstance(a, int) else 0
        c[k] = -b / k if not isinstance(b, int) else 0
    return s, c


def series_op(kind, a, data, order):
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
            return arb(1)
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
        k = 2 / arb.pi().sqrt()
        return _integ([t * k if not isinstance(t, int) else 0 for t in d], iv_erf(x[0]), n)
    if kind == "atan2":
        y, xx = _as_series(a[0], n), _as_series(a[1], n)
        h = _sadd([_smul(xx, xx, n), _smul(y, y, n)], n)
        g = _sadd([_smul(xx, _deriv(y, n), n), _sneg(_smul(y, _deriv(xx, n), n))], n)
        return _integ(_smul(g, _sinv(h, n), n), iv_atan2(y[0], xx[0]), n)
    if kind == "abs":
        if x[0] > 0:
            return x
        if x[0] < 0:
            return _sneg(x)
        raise Unsupported("Taylor expansion of Abs at a point where its argument may vanish")
    if kind in ("max", "min"):
        xs = [_as_series(t, n) for t in a]
        lows = [lower(t[0]) for t in xs]
        highs = [upper(t[0]) for t in xs]
        i = (max if kind == "max" else min)(range(len(xs)),
                                             key=(lows if kind == "max" else highs).__getitem__)
        others = [j for j in range(len(xs)) if j != i]
        if kind == "max" and all(lows[i] > highs[j] for j in others):
            return xs[i]
        if kind == "min" and all(highs[i] < lows[j] for j in others):
            return xs[i]
        raise Unsupported(f"Taylor expansion of {kind.capitalize()} at a tie")
    raise AssertionError(kind)
