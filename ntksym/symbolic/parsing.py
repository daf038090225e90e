"""Safe parsing of activation strings into SymPy expressions.

:func:`parse_activation` turns a user string such as ``"x**3 - 2*x + 1/2"``, ``"tanh(2*x) + 0.1*x"``
or ``"max(0, x)**2"`` into a SymPy expression in the canonical variable :data:`ntksym.symbols.x`.

The string is never evaluated: it is parsed with ``ast.parse(text, mode="eval")`` and the syntax
tree is walked node by node, each node being turned into a SymPy object. Nothing in the string can
execute code, import modules or reach attributes: the text is never given to ``eval``, ``exec``,
``sympify`` or ``parse_expr``.

Grammar
-------
::

    expr     := number | constant | variable | call
              | expr ("+" | "-" | "*" | "/" | "**") expr
              | ("+" | "-") expr
              | "(" expr ")"
    number   := int literal | float literal (scientific notation and "_" separators allowed)
    constant := "pi" | "e" | "E"
    variable := any other identifier; at most ONE distinct name per string, mapped to x
    call     := function "(" expr ("," expr)* ")"     positional arguments only

Numbers are exact: ``0.1`` becomes ``Rational(1, 10)`` (read from the literal's source text, not
from the binary float) and ``1/2`` becomes ``Rational(1, 2)``. Complex literals, booleans,
strings, bytes and ``None`` are rejected. A string without a variable (``"3"``) gives a constant.

Functions (see :data:`ALLOWED_FUNCTIONS`), with their arity:

* one argument: ``exp log sqrt sin cos tan sinh cosh tanh asinh atan erf erfc abs/Abs sign``,
  ``Heaviside`` (built as ``Heaviside(arg, 0)``, so the step is 0 at 0),
  ``sigmoid`` (built as ``1/(1 + exp(-arg))``) and ``softplus`` (``log(1 + exp(arg))``);
* two to eight arguments (:data:`MAX_MINMAX_ARGS`): ``max/Max`` and ``min/Min``; SymPy compares
  their arguments pairwise, so the squares of the argument counts of all max/min calls in a
  string may add up to at most :data:`MAX_MINMAX_BUDGET` (32): one call with 5 arguments,
  or 8 calls with 2 (``min(max(x, -1), 1)`` costs 8).

Everything else is rejected with :class:`~ntksym.errors.ActivationParseError`: other operators
(``% // @ << >> & | ^ ~``), comparisons, boolean operators, conditional expressions, subscripts,
attributes, lambdas, comprehensions, containers, keyword or starred arguments, f-strings, calls of
anything but a whitelisted bare name, and function names used without a call.

The resource limits (length, nesting, sizes of numbers and exponents) and the checks of numbers
are in :mod:`ntksym.symbolic.parse_limits`; the constants are re-exported here.

The result must be real and finite: results containing ``zoo``, ``oo``, ``nan`` or the imaginary
unit are rejected too. Any unexpected failure inside SymPy is reported as an
:class:`~ntksym.errors.ActivationParseError`, so callers only ever see that error (or
:class:`TypeError` for a non-``str`` argument).
"""
from __future__ import annotations

import ast
import math
import warnings
from typing import Callable, Optional

import sympy as sp

from ntksym.core.errors import ActivationParseError
from ntksym.core.symbols import x as _X
from ntksym.symbolic.parse_limits import (
    ADDITIVE, MAX_CALL_DEPTH, MAX_CONSTANT, MAX_CONSTANT_NESTING, MAX_DEPTH, MAX_EXPONENT,
    MAX_INT_LITERAL, MAX_LENGTH, MAX_MINMAX_ARGS, MAX_MINMAX_BUDGET, MAX_NUMBER_BITS,
    MULTIPLICATIVE, ParseLimits, quoted,
)

__all__ = [
    "parse_activation",
    "ALLOWED_FUNCTIONS",
    "ALLOWED_CONSTANTS",
    "MAX_LENGTH",
    "MAX_DEPTH",
    "MAX_CALL_DEPTH",
    "MAX_CONSTANT_NESTING",
    "MAX_INT_LITERAL",
    "MAX_EXPONENT",
    "MAX_NUMBER_BITS",
    "MAX_CONSTANT",
    "MAX_MINMAX_ARGS",
    "MAX_MINMAX_BUDGET",
]

_Value = Optional[float]  # float shadow of a constant subexpression; None if it has the variable


def _sigmoid(a):
    return 1 / (1 + sp.exp(-a))


def _softplus(a):
    return sp.log(1 + sp.exp(a))


def _heaviside(a):
    return sp.Heaviside(a, 0)


def _f_log(v: float):
    if v > 0:
        return math.log(v)
    if v == 0:
        return -math.inf
    return complex(math.log(-v), math.pi)


def _f_sqrt(v: float):
    return math.sqrt(v) if v >= 0 else complex(0.0, math.sqrt(-v))


def _f_sign(v: float) -> float:
    return float((v > 0) - (v < 0))


# name -> (SymPy builder, float evaluator, minimum and maximum number of arguments)
_FUNCTIONS: dict[str, tuple[Callable, Callable, int, int]] = {
    "exp": (sp.exp, math.exp, 1, 1),
    "log": (sp.log, _f_log, 1, 1),
    "sqrt": (sp.sqrt, _f_sqrt, 1, 1),
    "sin": (sp.sin, math.sin, 1, 1),
    "cos": (sp.cos, math.cos, 1, 1),
    "tan": (sp.tan, math.tan, 1, 1),
    "sinh": (sp.sinh, math.sinh, 1, 1),
    "cosh": (sp.cosh, math.cosh, 1, 1),
    "tanh": (sp.tanh, math.tanh, 1, 1),
    "asinh": (sp.asinh, math.asinh, 1, 1),
    "atan": (sp.atan, math.atan, 1, 1),
    "erf": (sp.erf, math.erf, 1, 1),
    "erfc": (sp.erfc, math.erfc, 1, 1),
    "abs": (sp.Abs, abs, 1, 1),
    "Abs": (sp.Abs, abs, 1, 1),
    "sign": (sp.sign, _f_sign, 1, 1),
    "Heaviside": (_heaviside, lambda v: 1.0 if v > 0 else 0.0, 1, 1),
    "max": (sp.Max, max, 2, MAX_MINMAX_ARGS),
    "Max": (sp.Max, max, 2, MAX_MINMAX_ARGS),
    "min": (sp.Min, min, 2, MAX_MINMAX_ARGS),
    "Min": (sp.Min, min, 2, MAX_MINMAX_ARGS),
    "sigmoid": (_sigmoid, lambda v: 1.0 / (1.0 + math.exp(-v)), 1, 1),
    "softplus": (_softplus, lambda v: math.log1p(math.exp(v)), 1, 1),
}

_CONSTANTS = {"pi": (sp.pi, math.pi), "e": (sp.E, math.e), "E": (sp.E, math.e)}

#: Names of the functions an activation string may call (sorted).
ALLOWED_FUNCTIONS: tuple[str, ...] = tuple(sorted(_FUNCTIONS))
#: Names of the constants an activation string may use (sorted).
ALLOWED_CONSTANTS: tuple[str, ...] = tuple(sorted(_CONSTANTS))

_ALLOWED_LIST = ", ".join(ALLOWED_FUNCTIONS)
_OPERATORS_HINT = "allowed operators are + - * / ** and unary + -"
_SYNTAX_HINT = (
    "only numbers, one variable, the constants pi and e, the operators + - * / ** and calls "
    "of allowed functions may be used"
)

_OP_SYMBOLS = {
    "Mod": "%", "FloorDiv": "//", "MatMult": "@", "LShift": "<<", "RShift": ">>",
    "BitOr": "|", "BitXor": "^", "BitAnd": "&", "Invert": "~", "Not": "not",
    "And": "and", "Or": "or", "Eq": "==", "NotEq": "!=", "Lt": "<", "LtE": "<=",
    "Gt": ">", "GtE": ">=", "Is": "is", "IsNot": "is not", "In": "in", "NotIn": "not in",
}  # fmt: skip

def _op_symbol(op: ast.AST) -> str:
    return _OP_SYMBOLS.get(type(op).__name__, type(op).__name__)


def parse_activation(text: str) -> sp.Expr:
    """Parse an activation string into a SymPy expression in :data:`ntksym.symbols.x`.

    The string is parsed with :mod:`ast` and never evaluated; see the module docstring for the
    grammar and the limits. Any single variable name is accepted and mapped to ``x``; a string
    without a variable gives a constant expression.

    >>> parse_activation("x**3 - 2*x + 1/2")
    x**3 - 2*x + 1/2
    >>> parse_activation("max(0, z)**2")
    Max(0, x)**2
    >>> parse_activation("0.1*x")
    x/10

    Raises :class:`TypeError` if ``text`` is not a ``str`` and
    :class:`~ntksym.errors.ActivationParseError` (a ``ValueError``) if it is empty, malformed,
    unsafe, uses an unknown function, uses two variables, has a non-real or infinite value, or
    exceeds a resource limit.
    """
    if not isinstance(text, str):
        raise TypeError(f"activation must be given as a str, got {type(text).__name__}")
    return _Parser(text).parse()


class _Parser(ParseLimits):
    """One parse: the text, the variable name seen so far, and the tree walk."""

    reserved_names = frozenset(_FUNCTIONS) | frozenset(_CONSTANTS)

    def __init__(self, text: str):
        super().__init__(text)
        self.variable: Optional[str] = None

    # -- driver ---------------------------------------------------------------------------------
    def parse(self) -> sp.Expr:
        if len(self.text) > MAX_LENGTH:
            raise ActivationParseError(
                f"activation string is too long ({len(self.text)} characters, at most "
                f"{MAX_LENGTH} allowed); write a shorter expression"
            )
        if not self.source:
            raise ActivationParseError(
                "activation string is empty; write an expression in x, e.g. 'tanh(x)'"
            )
        try:
            with warnings.catch_warnings():  # e.g. "invalid decimal literal" for "1x"
                warnings.simplefilter("ignore", SyntaxWarning)
                warnings.simplefilter("ignore", DeprecationWarning)
                tree = ast.parse(self.source, mode="eval")
        except SyntaxError as exc:  # includes IndentationError and, on Python >= 3.12, NUL bytes
            where = f" at column {exc.offset}" if exc.offset else ""
            if exc.lineno and exc.lineno > 1:
                where += f" of line {exc.lineno}"
            raise ActivationParseError(
                f"syntax error in activation string {quoted(self.text)}: {exc.msg}{where}; "
                "write a Python-style arithmetic expression such as 'x**2 + tanh(x)'"
            ) from None
        except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
            raise ActivationParseError(
                f"activation string {quoted(self.text)} could not be parsed "
                f"({type(exc).__name__}: {exc}); write a plain arithmetic expression in x"
            ) from None
        self.check_depth(tree.body)
        self.check_constant_nesting(tree.body)
        try:
            expr, _ = self.build(tree.body)
            if not isinstance(expr, sp.Expr):
                raise self.error(
                    f"the result {type(expr).__name__} is not a scalar expression",
                    "write an arithmetic expression in x",
                )
            self.check_result(expr)
        except ActivationParseError:
            raise
        except Exception as exc:  # safety net: SymPy must never leak other exception types
            raise ActivationParseError(
                f"activation string {quoted(self.text)} could not be turned into a SymPy "
                f"expression ({type(exc).__name__}: {str(exc)[:200]}); simplify the expression"
            ) from exc
        return expr

    # -- tree walk: each method returns (SymPy expression, float shadow or None) ---------------
    def build(self, node: ast.AST) -> tuple[sp.Expr, _Value]:
        if isinstance(node, ast.Constant):
            return self.build_constant(node)
        if isinstance(node, ast.Name):
            return self.build_name(node)
        if isinstance(node, ast.UnaryOp):
            return self.build_unary(node)
        if isinstance(node, ast.BinOp):
            return self.build_binop(node)
        if isinstance(node, ast.Call):
            return self.build_call(node)
        raise self.unsupported(node)

    def unsupported(self, node: ast.AST) -> ActivationParseError:
        if isinstance(node, ast.Compare):
            ops = " ".join(_op_symbol(o) for o in node.ops)
            return self.error(
                f"unsupported syntax 'Compare' (comparison {ops!r})",
                "comparisons are not allowed; use Heaviside, sign, max or min for piecewise "
                "activations",
            )
        if isinstance(node, ast.BoolOp):
            return self.error(
                f"unsupported syntax 'BoolOp' (boolean operator {_op_symbol(node.op)!r})",
                "boolean operators are not allowed; " + _OPERATORS_HINT,
            )
        if isinstance(node, ast.IfExp):
            return self.error(
                "unsupported syntax 'IfExp' (conditional expression)",
                "use Heaviside, sign, max or min for piecewise activations",
            )
        if isinstance(node, ast.Attribute):
            return self.error(
                f"unsupported syntax 'Attribute' ('.{node.attr}')",
                "attribute access is not allowed; call allowed functions by bare name, e.g. "
                "exp(x) instead of math.exp(x)",
            )
        if isinstance(node, ast.Starred):
            return self.error(
                "unsupported syntax 'Starred' (starred argument)",
                "pass function arguments one by one",
            )
        return self.error(f"unsupported syntax {type(node).__name__!r}", _SYNTAX_HINT)

    def build_constant(self, node: ast.Constant) -> tuple[sp.Expr, _Value]:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.error(
                f"unsupported literal {value!r}", "only int and float numbers are allowed"
            )
        if isinstance(value, complex):
            raise self.error(
                f"complex literal {self.segment(node)}",
                "activations must be real; remove the 'j' suffix",
            )
        if isinstance(value, int):
            if abs(value) > MAX_INT_LITERAL:
                raise self.error(
                    f"integer literal is too large ({len(str(abs(value)))} digits, |n| must "
                    "be <= 10**12)",
                    "use a smaller constant",
                )
            return sp.Integer(value), float(value)
        if isinstance(value, float):
            return self.build_float(node)
        raise self.error(
            f"unsupported literal {self.segment(node)} ({type(value).__name__})",
            "only int and float numbers are allowed (no strings or bytes)",
        )

    def build_name(self, node: ast.Name) -> tuple[sp.Expr, _Value]:
        name = node.id
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        if name in _FUNCTIONS:
            raise self.error(
                f"function {name!r} used without arguments",
                f"call it with an argument, e.g. {name}(x)",
            )
        if self.variable is None:
            self.variable = name
        elif name != self.variable:
            raise ActivationParseError(
                f"activation strings may use one variable, found {self.variable!r} and "
                f"{name!r} in {quoted(self.text)}; write the activation in a single variable "
                "such as x"
            )
        return _X, None

    def build_unary(self, node: ast.UnaryOp) -> tuple[sp.Expr, _Value]:
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            expr, val = self.build(node.operand)
            if isinstance(node.op, ast.UAdd):
                return expr, val
            return -expr, (None if val is None else -val)
        raise self.error(
            f"unsupported operator {_op_symbol(node.op)!r} ({type(node.op).__name__})",
            _OPERATORS_HINT,
        )

    def build_binop(self, node: ast.BinOp) -> tuple[sp.Expr, _Value]:
        op = node.op
        if isinstance(op, ADDITIVE):
            return self.build_sum(node)
        if isinstance(op, MULTIPLICATIVE):
            return self.build_product(node)
        if isinstance(op, ast.Pow):
            base = self.build(node.left)
            exponent = self.build(node.right)
            return self.power(node, base, exponent)
        raise self.error(
            f"unsupported operator {_op_symbol(op)!r} ({type(op).__name__})", _OPERATORS_HINT
        )

    @staticmethod
    def chain(node: ast.BinOp, ops) -> tuple[ast.AST, list]:
        """Unroll a left-deep chain ``a op b op c ...`` into ``a`` and ``[(op, b), (op, c)]``."""
        rights = []
        while isinstance(node, ast.BinOp) and isinstance(node.op, ops):
            rights.append((node.op, node.right))
            node = node.left
        rights.reverse()
        return node, rights

    def build_sum(self, node: ast.BinOp) -> tuple[sp.Expr, _Value]:
        first, rights = self.chain(node, ADDITIVE)
        expr, val = self.build(first)
        terms, vals = [expr], [val]
        for op, right in rights:
            expr, val = self.build(right)
            if isinstance(op, ast.Sub):
                expr, val = -expr, (None if val is None else -val)
            terms.append(expr)
            vals.append(val)
        total = None
        if all(v is not None for v in vals):
            total = self.number(node, math.fsum, vals)
        return sp.Add(*terms), total

    def build_product(self, node: ast.BinOp) -> tuple[sp.Expr, _Value]:
        first, rights = self.chain(node, MULTIPLICATIVE)
        expr, val = self.build(first)
        factors, vals = [expr], [val]
        for op, right in rights:
            expr, val = self.build(right)
            if isinstance(op, ast.Div):
                if expr == 0 or val == 0.0:
                    raise self.error(
                        f"division by zero in {self.segment(right)}",
                        "remove the division by zero (or by a constant too close to zero)",
                    )
                expr = sp.Pow(expr, -1)
                val = None if val is None else 1.0 / val
            factors.append(expr)
            vals.append(val)
        product = None
        if all(v is not None for v in vals):
            product = self.number(node, math.prod, vals)
        return sp.Mul(*factors), product

    def power(self, node: ast.AST, base, exponent) -> tuple[sp.Expr, _Value]:
        """``base**exponent``, with the exponent and the size of the result checked first."""
        (b, bval), (e, evalue) = base, exponent
        self.check_power(b, e)
        val = None
        if bval is not None and evalue is not None:
            val = self.number(node, pow, bval, evalue)
        result = sp.Pow(b, e)
        self.check_result(result)
        return result, val

    def build_call(self, node: ast.Call) -> tuple[sp.Expr, _Value]:
        func = node.func
        if not isinstance(func, ast.Name):
            if isinstance(func, ast.Attribute):
                raise self.unsupported(func)
            raise self.error(
                f"unsupported syntax 'Call' of a {type(func).__name__} expression",
                "only allowed functions may be called, by bare name, e.g. exp(x)",
            )
        name = func.id
        if name not in _FUNCTIONS:
            if name in _CONSTANTS:
                raise self.error(
                    f"{name!r} is a constant, not a function", f"write {name}*(...) to multiply"
                )
            raise self.error(f"unknown function {name!r}", f"allowed functions: {_ALLOWED_LIST}")
        if node.keywords:
            raise self.error(
                f"keyword arguments in call of {name!r}",
                "pass the arguments by position, e.g. max(0, x)",
            )
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.unsupported(arg)
        builder, evaluator, lo, hi = _FUNCTIONS[name]
        n = len(node.args)
        if not lo <= n <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise self.error(
                f"function {name!r} takes {want} argument{'s' if hi > 1 else ''} but {n} "
                f"{'was' if n == 1 else 'were'} given",
                f"call it as {name}(x)" if hi == 1 else f"call it as {name}(a, b, ...)",
            )
        built = [self.build(arg) for arg in node.args]
        args = [expr for expr, _ in built]
        vals = [val for _, val in built]
        val = None
        if all(v is not None for v in vals):
            val = self.number(node, evaluator, *vals)
        if builder is sp.exp:
            self.check_exp_argument(args[0])
        elif builder is sp.sqrt:
            self.check_power(args[0], sp.Rational(1, 2))
        result = builder(*args)
        self.check_result(result)
        return result, val
