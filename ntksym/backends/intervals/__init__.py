r"""Rigorous interval enclosures (python-flint arb balls) of closed-form expressions and duals.

An :class:`IntervalProgram` compiles a SymPy expression into a list of interval operations
(:mod:`.program`). It evaluates the expression on intervals, returning an interval that contains
every value the expression takes on the box (and, where an operation is undefined at a boundary
point, every limit of its values there). It also evaluates truncated Taylor series with interval
coefficients (:mod:`.series`), used for the Hermite coefficients of a dual (:mod:`.dual`).
:mod:`.arithmetic` holds the interval primitives (precision, exact endpoints, and atan2, erf,
max and min, kept tight where arb's own are wide) and :mod:`.exact` the exact rational values of
inputs. Every enclosure is an arb ball ([midpoint +/- radius], rounded outward); the precision is
flint's ``ctx.prec``, set by :func:`working_precision`.

The Gram matrices of a network in interval arithmetic are built on top of this, in
:mod:`ntksym.gram.interval` (:func:`~ntksym.gram.interval.interval_gram`).

Examples
========

>>> import mpmath
>>> from ntksym.backends.intervals import (IntervalProgram, interval, nonneg,
...                                        working_precision, lower, upper)
>>> import sympy as sp
>>> t = sp.Symbol("t")
>>> prog = IntervalProgram(sp.atan2(sp.sqrt(t), 1) + sp.erf(t), (t,))
>>> with working_precision(30):                # nonneg: a ball [0, 1] with no negative point
...     v = prog(nonneg(interval(0, 1)))       # atan2(sqrt(t), 1) + erf(t) on [0, 1]
>>> with mpmath.workdps(50):
...     print(lower(v) <= 0, upper(v) >= mpmath.pi / 4 + mpmath.erf(1))
True True
"""
from ntksym.backends.intervals.arithmetic import (BACKEND, Unsupported, arb, interval,
                                                  iv_atan2, iv_erf, iv_from_fraction, lower,
                                                  neg, nonneg, to_arb, upper, working_precision)
from ntksym.backends.intervals.dual import SLACK, prepare_dual, slack_program, taylor_hermite
from ntksym.backends.intervals.exact import exact_fraction, exact_points
from ntksym.backends.intervals.program import IntervalProgram, iv_number

__all__ = ["arb", "BACKEND", "to_arb", "lower", "upper", "Unsupported", "IntervalProgram", "SLACK", "iv_atan2", "iv_erf",
           "exact_fraction", "exact_points", "iv_from_fraction", "iv_number", "working_precision",
           "taylor_hermite", "prepare_dual", "slack_program", "interval", "neg", "nonneg"]
