r"""Resource limits of the activation parser, and the checks of numbers that enforce them.

:class:`ParseLimits` is the part of a parse (:mod:`ntksym.symbolic.parsing` holds the grammar and
the tree walk) that bounds what a string may cost: the nesting of its syntax tree, the size of
exact numbers and exponents, and the float value of every constant subexpression. Every violation
is reported as an :class:`~ntksym.errors.ActivationParseError` that quotes the user's string.

So that a hostile string can neither hang the process nor make SymPy build huge objects:

* the text has at most :data:`MAX_LENGTH` (2000) characters;
* the expression nesting depth is at most :data:`MAX_DEPTH` (50), where a flat chain such as
  ``a + b - c + d`` or ``a * b / c`` counts as one level however many terms it has, and at most
  :data:`MAX_CALL_DEPTH` (10) function calls may be nested inside each other, and at most
  :data:`MAX_CONSTANT_NESTING` (4) calls or powers inside a constant (variable-free)
  subexpression (SymPy's automatic evaluation of nested constants, which it evaluates
  numerically to decide their signs, takes time exponential in their depth);
* integer literals satisfy ``|n| <= 10**12`` (:data:`MAX_INT_LITERAL`), and so do float literals,
  which may have at most 1000 decimal places;
* every rational exponent satisfies ``|n| <= 64`` (:data:`MAX_EXPONENT`), whether written
  (``x**100000``), computed (``2**2**2**2**2`` has the exponent ``2**16``) or produced by SymPy
  merging powers (``(x**8)**9``, ``exp(100*log(x))``); it is checked before the power is built;
* exact numbers have at most :data:`MAX_NUMBER_BITS` (4096) bits, numeric powers are size-checked
  before SymPy evaluates them, and roots are only taken of numbers below 512 bits;
* every constant subexpression (one without the variable) is also evaluated in floating point as
  it is built, and must be real, finite and at most ``1e300`` in magnitude
  (:data:`MAX_CONSTANT`): this rejects ``sqrt(1 - e)``, ``log(-2)``, ``1/0``, ``exp(exp(10))``
  and exponential towers before SymPy tries to evaluate them.

"""
from __future__ import annotations

import ast
import math
from decimal import Decimal, InvalidOperation
from typing import Callable

import sympy as sp

from ntksym.core.errors import ActivationParseError

__all__ = [
    "ParseLimits", "quoted", "ADDITIVE", "MULTIPLICATIVE", "MINMAX_FUNCTIONS",
    "MAX_LENGTH", "MAX_DEPTH", "MAX_CALL_DEPTH", "MAX_CONSTANT_NESTING", "MAX_INT_LITERAL",
    "MAX_EXPONENT", "MAX_NUMBER_BITS", "MAX_CONSTANT", "MAX_MINMAX_ARGS", "MAX_MINMAX_BUDGET",
]

MAX_LENGTH = 2000
MAX_DEPTH = 50
MAX_CALL_DEPTH = 10
MAX_CONSTANT_NESTING = 4
MAX_INT_LITERAL = 10**12
MAX_EXPONENT = 64
MAX_NUMBER_BITS = 4096
MAX_CONSTANT = 1e300
MAX_MINMAX_ARGS = 8
MAX_MINMAX_BUDGET = 32
_MAX_DECIMAL_PLACES = 1000
_MAX_ROOT_BASE_BITS = 512
_IMAG_TOLERANCE = 1e-6

#: Operator families whose flat chains (``a + b - c``, ``a * b / c``) count as one nesting level.
ADDITIVE = (ast.Add, ast.Sub)
MULTIPLICATIVE = (ast.Mult, ast.Div)
#: The functions whose argument counts share :data:`MAX_MINMAX_BUDGET`.
MINMAX_FUNCTIONS = ("max", "Max", "min", "Min")


def quoted(text: str, limit: int = 80) -> str:
    """A one-line, length-limited repr of (part of) the user's string for error messages."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return repr(text)


def _bits(r: sp.Rational) -> int:
    return max(abs(int(r.p)).bit_length(), int(r.q).bit_length())


def _max_bits(expr: sp.Basic) -> int:
    return max((_bits(r) for r in expr.atoms(sp.Rational)), default=0)


class _LazySegment:
    """Formats as the source text of a node; computed only when an error message needs it."""

    def __init__(self, parse: "ParseLimits", node: ast.AST):
        self.parse, self.node = parse, node

    def __format__(self, spec: str) -> str:
        return format(self.parse.segment(self.node), spec)


def _same_chain(parent: ast.AST, child: ast.AST) -> bool:
    """Whether ``child`` continues the left-deep ``+ -`` or ``* /`` chain of ``parent``."""
    if not (isinstance(parent, ast.BinOp) and isinstance(child, ast.BinOp)):
        return False
    if child is not parent.left:
        return False
    return any(
        isinstance(parent.op, family) and isinstance(child.op, family)
        for family in (ADDITIVE, MULTIPLICATIVE)
    )


class ParseLimits:
    """The limits of one parse of ``text``: error reporting and every size check.

    A parser subclasses it and sets :attr:`reserved_names` (names that are not the variable).
    """

    #: Identifiers that are functions or constants, not the variable.
    reserved_names: frozenset = frozenset()

    def __init__(self, text: str):
        self.text = text
        self.source = text.strip()

    def error(self, problem: str, fix: str) -> ActivationParseError:
        message = f"{problem} in activation string {quoted(self.text)}; {fix}"
        return ActivationParseError(" ".join(message.split("\n")))

    def segment(self, node: ast.AST) -> str:
        """The source text of ``node`` (shortened, quoted) for error messages."""
        return quoted(ast.get_source_segment(self.source, node) or type(node).__name__, 40)

    def check_depth(self, root: ast.AST) -> None:
        """Bound the nesting depth (iteratively, before any recursive walk)."""
        stack = [(root, 1, 0)]
        minmax_cost = 0
        while stack:
            node, depth, calls = stack.pop()
            if isinstance(node, ast.Call):
                calls += 1
                if isinstance(node.func, ast.Name) and node.func.id in MINMAX_FUNCTIONS:
                    minmax_cost += len(node.args) ** 2
                    if minmax_cost > MAX_MINMAX_BUDGET:
                        raise self.error(
                            "too many max/min arguments (the squares of the argument counts of "
                            f"all max/min calls may add up to at most {MAX_MINMAX_BUDGET}, e.g. "
                            "one call with 5 arguments or 8 calls with 2)",
                            "use fewer or smaller max/min calls",
                        )
            if depth > MAX_DEPTH:
                raise self.error(
                    f"expression is nested too deeply (more than {MAX_DEPTH} levels)",
                    "write a flatter expression",
                )
            if calls > MAX_CALL_DEPTH:
                raise self.error(
                    f"function calls are nested too deeply (more than {MAX_CALL_DEPTH} calls "
                    "inside each other)",
                    "write an expression with fewer nested function calls",
                )
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    step = 0 if _same_chain(node, child) else 1
                    stack.append((child, depth + step, calls))

    def check_constant_nesting(self, root: ast.AST) -> None:
        """Bound how deeply calls and powers nest inside a constant (variable-free) subexpression.

        SymPy decides signs of constants by numerical evaluation, whose cost grows exponentially
        with the nesting of such constants (``(pi - (pi - (pi - 3)**(1/3))**(1/3))**(1/3)`` and
        deeper take seconds, then minutes). Iterative post-order walk; depth is already bounded.
        """
        order, stack = [], [root]
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr))
        info: dict[int, tuple[bool, int]] = {}  # id(node) -> (has variable, nesting level)
        for node in reversed(order):  # every child comes before its parent
            if isinstance(node, ast.Name):
                has_var = node.id not in self.reserved_names
                info[id(node)] = (has_var, 0)
                continue
            kids = node.args if isinstance(node, ast.Call) else [
                c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)
            ]
            kid_info = [info[id(k)] for k in kids if id(k) in info]
            has_var = any(h for h, _ in kid_info)
            level = max((lv for _, lv in kid_info), default=0)
            if isinstance(node, ast.Call) or (
                isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow)
            ):
                level += 1
            if not has_var and level > MAX_CONSTANT_NESTING:
                raise self.error(
                    f"the constant subexpression {self.segment(node)} nests more than "
                    f"{MAX_CONSTANT_NESTING} function calls or powers inside each other",
                    "simplify that constant or replace it by its numerical value",
                )
            info[id(node)] = (has_var, level)

    def check_numbers(self, expr: sp.Expr) -> None:
        """Bound the size of exact numbers and of rational exponents in a built expression."""
        if _max_bits(expr) > MAX_NUMBER_BITS:
            raise self.error(
                f"a number in the expression has more than {MAX_NUMBER_BITS} bits",
                "use smaller constants",
            )
        for power in expr.atoms(sp.Pow):
            e = power.exp
            if e.is_Rational and abs(e) > MAX_EXPONENT:
                raise self.error(
                    f"the power {quoted(str(power), 60)} has exponent {e} (after combining "
                    f"nested powers), above the limit |n| <= {MAX_EXPONENT}",
                    "use smaller exponents",
                )

    def check_result(self, expr: sp.Expr) -> None:
        """Check a built (sub)expression: finite, real, numbers and exponents not too large.

        Run after every power and function call (where SymPy evaluates) and on the result.
        """
        for bad in (sp.nan, sp.zoo, sp.oo, -sp.oo):
            if expr.has(bad):
                raise self.error(
                    f"the expression has an infinite or undefined value ({bad})",
                    "avoid divisions by zero and singular values such as log(0) or tan(pi/2)",
                )
        if expr.has(sp.I):
            raise self.error(
                "the expression has a non-real (complex) value",
                "activations must be real, e.g. avoid sqrt or log of negative constants",
            )
        self.check_numbers(expr)

    def check_power(self, base: sp.Expr, exponent: sp.Expr) -> None:
        """Reject ``base**exponent`` before SymPy evaluates it if it could be huge."""
        if not exponent.is_Rational:
            return
        if abs(exponent) > MAX_EXPONENT:
            raise self.error(
                f"exponent {exponent} is too large", f"use exponents with |n| <= {MAX_EXPONENT}"
            )
        base_bits = _max_bits(base)
        if base_bits * math.ceil(abs(exponent)) > MAX_NUMBER_BITS:
            raise self.error(
                f"a power with exponent {exponent} would produce a number with more than "
                f"{MAX_NUMBER_BITS} bits",
                "use smaller constants or exponents",
            )
        if not exponent.is_Integer and base_bits > _MAX_ROOT_BASE_BITS:
            raise self.error(
                f"a root (exponent {exponent}) of a number with more than "
                f"{_MAX_ROOT_BASE_BITS} bits",
                "use smaller constants",
            )

    def check_exp_argument(self, arg: sp.Expr) -> None:
        """SymPy rewrites ``exp(n*log(b))`` as ``b**n``: check that power before it is built."""
        if not arg.has(sp.log):
            return
        for term in sp.Add.make_args(arg):
            if term.has(sp.log):
                coeff, rest = term.as_coeff_Mul()
                if coeff.is_Rational:
                    self.check_power(rest, coeff)
    def number(self, node: ast.AST, fn: Callable, *args: float) -> float:
        """Evaluate the float shadow ``fn(*args)`` of the constant ``node``, checking it."""
        what = _LazySegment(self, node)
        try:
            v = fn(*args)
        except ZeroDivisionError:
            raise self.error(
                f"the constant {what} is infinite (division by zero)",
                "avoid divisions by zero and singular values such as 0**-1",
            ) from None
        except (OverflowError, ValueError):
            raise self.error(
                f"the constant {what} is too large or undefined (|value| must be <= "
                f"{MAX_CONSTANT:g})",
                "use smaller constants",
            ) from None
        if isinstance(v, complex):
            if abs(v.imag) > _IMAG_TOLERANCE * max(1.0, abs(v.real)):
                raise self.error(
                    f"the constant {what} has a non-real (complex) value",
                    "activations must be real, e.g. avoid sqrt or log of negative constants, "
                    "and fractional powers of negative constants",
                )
            v = v.real
        v = float(v)
        if math.isnan(v):
            raise self.error(f"the constant {what} is undefined (nan)", "check the expression")
        if math.isinf(v):
            raise self.error(
                f"the constant {what} is infinite or too large",
                "avoid singular values such as log(0) and use smaller constants",
            )
        if abs(v) > MAX_CONSTANT:
            raise self.error(
                f"the constant {what} is too large (|value| must be <= {MAX_CONSTANT:g})",
                "use smaller constants",
            )
        return v

    def build_float(self, node: ast.Constant) -> tuple[sp.Expr, float]:
        """A float literal as the exact decimal it is written as (``0.1`` is 1/10), and its value."""
        literal = ast.get_source_segment(self.source, node) or repr(node.value)
        try:
            dec = Decimal(literal)
        except (InvalidOperation, ValueError):
            dec = Decimal(repr(node.value))
        if not dec.is_finite() or abs(dec) > MAX_INT_LITERAL:
            raise self.error(
                f"float literal {quoted(literal, 40)} is too large (|value| must be <= 10**12)",
                "use a smaller constant",
            )
        if dec == 0:
            return sp.Integer(0), 0.0
        if -dec.as_tuple().exponent > _MAX_DECIMAL_PLACES:
            raise self.error(
                f"float literal {quoted(literal, 40)} has too many decimal places (at most "
                f"{_MAX_DECIMAL_PLACES})",
                "use a less precise constant",
            )
        num, den = dec.as_integer_ratio()
        result = sp.Rational(num, den)
        self.check_numbers(result)
        return result, float(dec)
