"""Compile a SymPy expression into interval operations, and evaluate them on boxes.

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
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from ntksym.backends.intervals.arithmetic import (Unsupported, iv, iv_atan2, iv_erf,
                                                  iv_from_fraction, iv_inv, iv_log, iv_max,
                                                  iv_min, iv_powr, iv_sqrt)
from ntksym.backends.intervals.exact import exact_fraction
from ntksym.backends.intervals.series import series_op

__all__ = ["IntervalProgram", "iv_number"]


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
            return iv_inv(a[0])
        if kind == "sqrt":
            return iv_sqrt(a[0])
        if kind == "powr":
            return iv_powr(a[0], data)
        if kind == "exp":
            return iv.exp(a[0])
        if kind == "log":
            return iv_log(a[0])
        if kind == "sin":
            return iv.sin(a[0])
        if kind == "cos":
            return iv.cos(a[0])
        if kind == "erf":
            return iv_erf(a[0])
        if kind == "atan2":
            return iv_atan2(a[0], a[1])
        if kind == "abs":
            return abs(a[0])
        if kind == "max":
            return iv_max(a)
        if kind == "min":
            return iv_min(a)
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
                    v[i] = series_op(kind, a, data, order)
        out = v[self.out]
        if not isinstance(out, list):
            out = [out] + [0] * order
        return [t if not isinstance(t, int) else iv.mpf(t) for t in out]


def iv_number(v):
    """An interval containing the real number v (a number, string or SymPy constant)."""
    fr = exact_fraction(v)
    if fr is not None:
        return iv_from_fraction(fr)
    return IntervalProgram(v, ())()
