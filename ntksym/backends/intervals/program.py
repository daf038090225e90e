"""Compile a SymPy expression into interval operations, and evaluate them on boxes (arb balls).

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

from flint import arb, ctx

from ntksym.backends.intervals.arithmetic import (Unsupported, iv_atan2, iv_erf,
                                                  iv_from_fraction, iv_inv, iv_log, iv_max,
                                                  iv_min, iv_powi, iv_powr, iv_sqrt, to_arb)
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
        return _SCALAR[kind](a, data)

    def _constants(self):
        prec = ctx.prec
        if prec not in self._consts:
            vals = {}
            for i, (kind, args, data) in enumerate(self.ops):
                if self.const[i]:
                    vals[i] = _SCALAR[kind]([vals[a] for a in args], data)
            self._consts[prec] = vals
        return self._consts[prec]

    def _compiled(self):
        """The program as one straight-line Python function of the variables (per precision).

        The source is generated from the operation list only -- node indices, integer
        exponents and the names of the functions below; constants are passed in a namespace,
        never as text -- so it runs no user-supplied code. It saves the interpreter overhead
        of dispatching every operation (the Gram recursion calls a dual program n^2 L times).
        """
        key = ("fn", ctx.prec)
        if key in self._consts:
            return self._consts[key]
        consts = self._constants()
        ns = {"TO_ARB": to_arb, "ARB": arb}
        ns.update({f"F_{k}": f for k, f in _SCALAR.items()})
        lines = []
        names = [f"v{i}" for i in range(len(self.variables))]
        for i, (kind, args, data) in enumerate(self.ops):
            t = f"t{i}"
            if self.const[i]:
                ns[f"C{i}"] = consts[i]
                lines.append(f"    {t} = C{i}")
            elif kind == "var":
                lines.append(f"    {t} = {names[data]} if type({names[data]}) is ARB else "
                             f"TO_ARB({names[data]})")
            elif kind == "add":
                lines.append(f"    {t} = " + " + ".join(f"t{a}" for a in args))
            elif kind == "mul":
                lines.append(f"    {t} = " + " * ".join(f"t{a}" for a in args))
            else:
                ns[f"D{i}"] = data
                lines.append(f"    {t} = F_{kind}([{', '.join(f't{a}' for a in args)}], D{i})")
        src = f"def program({', '.join(names)}):\n" + "\n".join(lines) + \
            f"\n    return t{self.out}\n"
        exec(compile(src, "<IntervalProgram>", "exec"), ns)   # noqa: S102 (generated above)
        self._consts[key] = ns["program"]
        return ns["program"]

    def __call__(self, *values):
        """A ball containing the expression on the box ``values`` (one arb per variable)."""
        if len(values) != len(self.variables):
            raise TypeError(f"expected {len(self.variables)} values, got {len(values)}")
        return self._compiled()(*values)

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
        return [t if not isinstance(t, int) else arb(t) for t in out]


def _fold_add(a, _data):
    s = a[0]
    for t in a[1:]:
        s = s + t
    return s


def _fold_mul(a, _data):
    s = a[0]
    for t in a[1:]:
        s = s * t
    return s


_SCALAR = {
    "add": _fold_add,
    "mul": _fold_mul,
    "powi": lambda a, n: iv_powi(a[0], n),
    "inv": lambda a, _d: iv_inv(a[0]),
    "sqrt": lambda a, _d: iv_sqrt(a[0]),
    "powr": lambda a, p: iv_powr(a[0], p),
    "exp": lambda a, _d: a[0].exp(),
    "log": lambda a, _d: iv_log(a[0]),
    "sin": lambda a, _d: a[0].sin(),
    "cos": lambda a, _d: a[0].cos(),
    "erf": lambda a, _d: iv_erf(a[0]),
    "atan2": lambda a, _d: iv_atan2(a[0], a[1]),
    "abs": lambda a, _d: abs(a[0]),
    "max": lambda a, _d: iv_max(a),
    "min": lambda a, _d: iv_min(a),
    "const": lambda _a, fr: iv_from_fraction(fr),
    "pi": lambda _a, _d: arb.pi(),
    "e": lambda _a, _d: arb(1).exp(),
}


def iv_number(v):
    """A ball containing the real number v (a number, string or SymPy constant)."""
    fr = exact_fraction(v)
    if fr is not None:
        return iv_from_fraction(fr)
    return IntervalProgram(v, ())()
