"""Tests of `ntksym/symbolic/parsing.py`: safe parsing of activation strings into SymPy expressions
(the resource limits are tested in test_parse_limits.py)."""
from __future__ import annotations

import ast
import builtins
import contextlib
import inspect

import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sympy.parsing import sympy_parser

from ntksym.symbolic import parse_limits, parsing
from ntksym.core.errors import ActivationParseError
from ntksym.symbolic.parsing import ALLOWED_FUNCTIONS, parse_activation
from ntksym.core.symbols import x

R = sp.Rational


# --------------------------------------------------------------------------------------------
# accepted strings give exactly the expected expressions (built independently with SymPy)
# --------------------------------------------------------------------------------------------

EXPECTED = [
    ("x**3 - 2*x + 1/2", x**3 - 2 * x + R(1, 2)),
    ("tanh(2*x) + 0.1*x", sp.tanh(2 * x) + R(1, 10) * x),
    ("max(0, x)**2", sp.Max(0, x) ** 2),
    ("exp(-x**2/2)", sp.exp(-(x**2) / 2)),
    ("erf(x/sqrt(2))", sp.erf(x / sp.sqrt(2))),
    ("x", x),
    ("-x", -x),
    ("+x", x),
    ("(x + 1)*(x - 1)", (x + 1) * (x - 1)),
    ("x - -x", 2 * x),
    ("2*x/3", R(2, 3) * x),
    ("x**-2", x ** (-2)),
    ("x**0.5", sp.sqrt(x)),
    ("x**(1/3)", x ** R(1, 3)),
    ("x**64", x**64),
    ("x**-64", x ** (-64)),
    ("log(1 + x**2)", sp.log(1 + x**2)),
    ("sqrt(1 + x**2)", sp.sqrt(1 + x**2)),
    ("sin(x) + cos(x) + tan(x)", sp.sin(x) + sp.cos(x) + sp.tan(x)),
    ("sinh(x) + cosh(x)", sp.sinh(x) + sp.cosh(x)),
    ("asinh(x) + atan(x)", sp.asinh(x) + sp.atan(x)),
    ("erfc(x)", sp.erfc(x)),
    ("abs(x)", sp.Abs(x)),
    ("Abs(x)", sp.Abs(x)),
    ("sign(x)", sp.sign(x)),
    ("Heaviside(x)", sp.Heaviside(x, 0)),
    ("x*Heaviside(x)", x * sp.Heaviside(x, 0)),
    ("Max(0, x)", sp.Max(0, x)),
    ("min(max(x, -1), 1)", sp.Min(sp.Max(x, -1), 1)),
    ("Min(x, 0)", sp.Min(x, 0)),
    ("max(x, 0.01*x)", sp.Max(x, R(1, 100) * x)),
    ("sigmoid(x)", 1 / (1 + sp.exp(-x))),
    ("x*sigmoid(1.702*x)", x / (1 + sp.exp(-R(1702, 1000) * x))),
    ("softplus(x)", sp.log(1 + sp.exp(x))),
    ("x/2*(1 + erf(x/sqrt(2)))", x / 2 * (1 + sp.erf(x / sp.sqrt(2)))),
    ("e**x", sp.exp(x)),
    ("E*x + pi", sp.E * x + sp.pi),
    ("exp(x)**2", sp.exp(2 * x)),
    ("exp(64*log(x))", x**64),
    ("(x\n + 1)", x + 1),
    ("  tanh(x)  ", sp.tanh(x)),
]


@pytest.mark.parametrize("text, expected", EXPECTED)
def test_examples_give_expected_expressions(text, expected):
    got = parse_activation(text)
    assert isinstance(got, sp.Expr)
    assert got == expected
    assert sp.simplify(got - expected) == 0


def test_result_uses_the_canonical_real_symbol():
    got = parse_activation("tanh(x)")
    assert got.free_symbols == {x}
    (sym,) = got.free_symbols
    assert sym is x and sym.is_real
    assert parse_activation("sqrt(x**2)") == sp.Abs(x)  # only true because x is real


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0.1", R(1, 10)),
        ("0.1 + 0.2", R(3, 10)),  # exact, not 0.30000000000000004
        ("1/2", R(1, 2)),
        ("1/3", R(1, 3)),
        ("2/4", R(1, 2)),
        ("1e-3", R(1, 1000)),
        ("2.5e2", sp.Integer(250)),
        ("1E3", sp.Integer(1000)),
        ("1_000.5", R(2001, 2)),
        (".5", R(1, 2)),
        ("3.", sp.Integer(3)),
        ("0.30000000000000004", R(30000000000000004, 10**17)),
        ("123456789.123456789", R(123456789123456789, 10**9)),
        ("10**12", sp.Integer(10**12)),
        ("-10**12", sp.Integer(-(10**12))),
        ("1000000000000", sp.Integer(10**12)),
        ("0x10", sp.Integer(16)),
        ("2**-3", R(1, 8)),
        ("(2/3)**2", R(4, 9)),
        ("0e-99999", sp.Integer(0)),
        ("0.1*x", R(1, 10) * x),
    ],
)
def test_numbers_are_exact(text, expected):
    got = parse_activation(text)
    assert got == expected
    assert not got.has(sp.Float)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("z**2", x**2),
        ("t*tanh(t)", x * sp.tanh(x)),
        ("alpha + 1", x + 1),
        ("relu_input + max(0, relu_input)", x + sp.Max(0, x)),
        ("X**2", x**2),
        ("α**2", x**2),
        ("pi*u + e", sp.pi * x + sp.E),
    ],
)
def test_any_single_variable_name_is_mapped_to_x(text, expected):
    assert parse_activation(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3", sp.Integer(3)),
        ("-2.5", R(-5, 2)),
        ("pi/2", sp.pi / 2),
        ("e", sp.E),
        ("E", sp.E),
        ("sqrt(2/pi)", sp.sqrt(2 / sp.pi)),
        ("exp(-1/2)", sp.exp(R(-1, 2))),
        ("Heaviside(0)", sp.Integer(0)),
        ("max(1, 2)", sp.Integer(2)),
    ],
)
def test_constant_activations_are_allowed(text, expected):
    got = parse_activation(text)
    assert got == expected
    assert got.free_symbols == set()


def test_allowed_functions_constant():
    assert isinstance(ALLOWED_FUNCTIONS, tuple)
    assert list(ALLOWED_FUNCTIONS) == sorted(ALLOWED_FUNCTIONS)
    required = {
        "exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "asinh", "atan",
        "erf", "erfc", "abs", "Abs", "sign", "Heaviside", "max", "Max", "min", "Min",
        "sigmoid", "softplus",
    }  # fmt: skip
    assert set(ALLOWED_FUNCTIONS) == required
    assert "Grammar" in parsing.__doc__


@pytest.mark.parametrize("name", ALLOWED_FUNCTIONS)
def test_every_allowed_function_can_be_called(name):
    text = f"{name}(x, 1)" if name.lower() in ("max", "min") else f"{name}(x/2 + 1)"
    got = parse_activation(text)
    assert got.free_symbols == {x}


# --------------------------------------------------------------------------------------------
# rejections: right exception type and an informative one-line message
# --------------------------------------------------------------------------------------------

REJECTED = [
    # unsafe or unsupported syntax
    ("__import__('os').system('ls')", "unsupported syntax 'Attribute'"),
    ("().__class__", "unsupported syntax 'Attribute'"),
    ("x.real", "unsupported syntax 'Attribute'"),
    ("math.exp(x)", "unsupported syntax 'Attribute'"),
    ("lambda: 1", "unsupported syntax 'Lambda'"),
    ("x if x else 1", "unsupported syntax 'IfExp'"),
    ("[x]", "unsupported syntax 'List'"),
    ("(x, 1)", "unsupported syntax 'Tuple'"),
    ("{x}", "unsupported syntax 'Set'"),
    ("{'a': x}", "unsupported syntax 'Dict'"),
    ("[c for c in x]", "unsupported syntax 'ListComp'"),
    ("(c for c in x)", "unsupported syntax 'GeneratorExp'"),
    ("x[0]", "unsupported syntax 'Subscript'"),
    ("f'{x}'", "unsupported syntax 'JoinedStr'"),
    ("(x := 1)", "unsupported syntax 'NamedExpr'"),
    ("await x", "unsupported syntax 'Await'"),
    ("(yield x)", "unsupported syntax 'Yield'"),
    ("(x)(1)", "unknown function 'x'"),
    ("exp(x)(1)", "unsupported syntax 'Call'"),
    ("x < 1", "unsupported syntax 'Compare'"),
    ("0 < x < 1", "unsupported syntax 'Compare'"),
    ("x == 1", "unsupported syntax 'Compare'"),
    ("x and 1", "unsupported syntax 'BoolOp'"),
    ("not x", "unsupported operator 'not'"),
    ("~x", "unsupported operator '~'"),
    ("x % 2", "unsupported operator '%'"),
    ("x // 2", "unsupported operator '//'"),
    ("x @ x", "unsupported operator '@'"),
    ("x << 1", "unsupported operator '<<'"),
    ("x | 1", "unsupported operator '|'"),
    ("x ^ 1", "unsupported operator '^'"),
    # literals
    ("'a'", "unsupported literal"),
    ("b'a'", "unsupported literal"),
    ("x + 'a'", "unsupported literal"),
    ("True", "unsupported literal True"),
    ("None", "unsupported literal None"),
    ("...", "unsupported literal Ellipsis"),
    ("1j*x", "complex literal '1j'"),
    ("x + 2.5J", "complex literal"),
    ("10000000000000", "integer literal is too large"),
    ("x*1000000000001", "integer literal is too large"),
    ("1e13", "float literal '1e13' is too large"),
    ("1e400", "too large"),
    ("1e-2000", "too many decimal places"),
    # functions
    ("f(x)", "unknown function 'f' in activation string 'f(x)'; allowed functions: Abs,"),
    ("eval('1')", "unknown function 'eval'"),
    ("open('x')", "unknown function 'open'"),
    ("exp(x, 2)", "function 'exp' takes 1 argument but 2 were given"),
    ("exp()", "function 'exp' takes 1 argument but 0 were given"),
    ("max(x)", "function 'max' takes 2 to 8 arguments but 1 was given"),
    ("max(0, x, key=abs)", "keyword arguments in call of 'max'"),
    ("exp(*x)", "unsupported syntax 'Starred'"),
    ("exp(**x)", "keyword arguments"),
    ("exp", "function 'exp' used without arguments"),
    ("x*tanh", "function 'tanh' used without arguments"),
    ("pi(x)", "'pi' is a constant, not a function"),
    # variables
    ("x*y", "activation strings may use one variable, found 'x' and 'y'"),
    ("a + b", "found 'a' and 'b'"),
    ("tanh(z) + w", "found 'z' and 'w'"),
    # exponents and sizes
    ("x**100000", "exponent 100000 is too large"),
    ("x**65", "exponent 65 is too large"),
    ("x**-65", "exponent -65 is too large"),
    ("x**(2**7)", "exponent 128 is too large"),
    ("2**2**2**2**2", "exponent 65536 is too large"),
    ("2**2**2**2**2**2", "constant subexpression '2**2**2**2**2**2' nests more than 4"),
    ("(x**8)**9", "exponent 72"),
    ("exp(100*log(x))", "exponent 100 is too large"),
    ("exp(10**12*log(3))", "too large"),
    ("((2**64)**64)**64", "more than 4096 bits"),
    ("(10**12)**64", "too large"),
    ("exp(exp(10))", "too large"),
    ("pi**(pi**(pi**pi))", "too large"),
    ("x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x"
     "*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x", "exponent 65"),
    # non-real or infinite values
    ("1/0", "division by zero"),
    ("x/(x - x)", "division by zero"),
    ("0**-1", "infinite"),
    ("log(0)", "infinite"),
    ("x + log(0)", "infinite"),
    ("sqrt(-1)", "non-real"),
    ("log(-2)*x", "non-real"),
    ("(-8)**(1/3)", "non-real"),
    ("sqrt(1 - e)", "non-real"),
    ("tan(pi/2)", "infinite"),
    # limits on nesting
    ("sin(" * 11 + "x" + ")" * 11, "function calls are nested too deeply"),
    ("sin(sin(sin(sin(sin(1)))))", "constant subexpression"),
    ("(pi - (pi - (pi - (pi - (pi - 3)**(1/3))**(1/3))**(1/3))**(1/3))**(1/3)",
     "constant subexpression"),
    ("max(x, x**2, x**3, x**4, x**5, x**6)", "too many max/min arguments"),
    ("max(" + ", ".join(f"x + {k}" for k in range(9)) + ")", "too many max/min arguments"),
    # syntax
    ("x**", "syntax error in activation string 'x**': "),
    ("(x", "syntax error"),
    ("x +* 2", "syntax error"),
    ("2e", "syntax error"),
    ("x\x00", "activation string"),
    ("x = 1", "syntax error"),
    ("import os", "syntax error"),
    ("x; 1", "syntax error"),
    ("", "activation string is empty"),
    ("   \n\t ", "activation string is empty"),
]


@pytest.mark.parametrize("text, fragment", REJECTED)
def test_rejections(text, fragment):
    with pytest.raises(ActivationParseError) as info:
        parse_activation(text)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", [None, b"x", 3, 1.5, sp.Symbol("x"), ["x"]])
def test_non_str_raises_type_error(value):
    with pytest.raises(TypeError, match="str"):
        parse_activation(value)


# --------------------------------------------------------------------------------------------
# safety: no code is ever executed
# --------------------------------------------------------------------------------------------

FORBIDDEN_CALLS = {"eval", "exec", "compile", "sympify", "parse_expr", "__import__", "S",
                   "lambdify", "parse_latex"}  # fmt: skip


@pytest.mark.parametrize("module", [parsing, parse_limits])
def test_module_never_calls_eval_exec_or_sympify(module):
    tree = ast.parse(inspect.getsource(module))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            assert name not in FORBIDDEN_CALLS, f"{module.__name__} calls {name}"
            is_ast_parse = (
                isinstance(func, ast.Attribute)
                and func.attr == "parse"
                and isinstance(func.value, ast.Name)
                and func.value.id == "ast"
            )
            if is_ast_parse:  # ast.parse must be used in 'eval' mode
                modes = [kw.value.value for kw in node.keywords if kw.arg == "mode"]
                assert modes == ["eval"]


@contextlib.contextmanager
def recording_code_execution():
    """Record (and still perform) every eval/exec of a string, non-AST compile of a string, and
    every SymPy string parse that happens inside the block."""
    calls = []
    real_eval, real_exec, real_compile = builtins.eval, builtins.exec, builtins.compile
    real_parse_expr = sympy_parser.parse_expr

    def fake_eval(source, *args, **kwargs):
        if isinstance(source, str):
            calls.append(("eval", source))
        return real_eval(source, *args, **kwargs)

    def fake_exec(source, *args, **kwargs):
        if isinstance(source, str):
            calls.append(("exec", source))
        return real_exec(source, *args, **kwargs)

    def fake_compile(source, filename, mode, flags=0, *args, **kwargs):
        if isinstance(source, str) and not flags & ast.PyCF_ONLY_AST:
            calls.append(("compile", source))
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    def fake_parse_expr(source, *args, **kwargs):
        calls.append(("parse_expr", source))
        return real_parse_expr(source, *args, **kwargs)

    builtins.eval, builtins.exec, builtins.compile = fake_eval, fake_exec, fake_compile
    sympy_parser.parse_expr = fake_parse_expr
    try:
        yield calls
    finally:
        builtins.eval, builtins.exec, builtins.compile = real_eval, real_exec, real_compile
        sympy_parser.parse_expr = real_parse_expr


def test_recorder_detects_code_execution():
    with recording_code_execution() as calls:
        sp.sympify("x + 1")
    assert calls


def test_hostile_payloads_do_not_run(tmp_path):
    canary = tmp_path / "pwned"
    payloads = [
        f"__import__('os').system('touch {canary}')",
        f"x + __import__('os').system('touch {canary}')",
        f"open('{canary}', 'w')",
        f"exec(\"open('{canary}', 'w')\")",
        f"eval(\"open('{canary}', 'w')\")",
        f"sympify(\"open('{canary}', 'w')\")",
        f"().__class__.__base__.__subclasses__()[0]('{canary}')",
        f"[open('{canary}', 'w') for _ in [0]]",
        f"(lambda: open('{canary}', 'w'))()",
        f"exp(x) if open('{canary}', 'w') else x",
        f"x*(open('{canary}', 'w') and 1)",
        "breakpoint()",
    ]
    with recording_code_execution() as calls:
        for text in payloads:
            with pytest.raises(ActivationParseError):
                parse_activation(text)
    assert calls == []
    assert not canary.exists()


TOKENS = [
    "x", "y", "z", "e", "pi", "0", "1", "2", "0.5", "1e3", "10**12", "1j", "(", ")", "(", ")",
    ",", " ", "+", "-", "*", "/", "**", "%", "//", "@", "<", "==", ".", "[", "]", "{", "}", ":",
    "'", '"', "=", ":=", "\\", "\n", "#", "lambda", "if", "else", "not", "and", "for", "in",
    "exp", "log", "sqrt", "tanh", "max", "min", "sigmoid", "Heaviside", "abs", "__import__",
    "os", "system", "__class__", "open", "eval", "exec", "f'", "b'", "True", "None", "\x00",
]  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=60), st.lists(st.sampled_from(TOKENS), max_size=24).map("".join)))
def test_random_strings_only_raise_parse_errors_and_never_execute_code(text):
    with recording_code_execution() as calls:
        try:
            result = parse_activation(text)
        except ActivationParseError as exc:
            assert "\n" not in str(exc)
        else:
            assert isinstance(result, sp.Expr)
            assert result.free_symbols <= {x}
    assert calls == []


# Valid expressions paired with the SymPy expression they should parse to, built independently.
_UNARY = {
    "sin": sp.sin, "cos": sp.cos, "tanh": sp.tanh, "atan": sp.atan, "asinh": sp.asinh,
    "erf": sp.erf, "erfc": sp.erfc, "abs": sp.Abs, "sign": sp.sign,
    "Heaviside": lambda a: sp.Heaviside(a, 0),
    "sigmoid": lambda a: 1 / (1 + sp.exp(-a)),
    "softplus": lambda a: sp.log(1 + sp.exp(a)),
}  # fmt: skip

_leaves = st.one_of(
    st.just(("x", x)),
    st.integers(-20, 20).map(lambda n: (f"({n})", sp.Integer(n))),
    st.sampled_from([("0.25", R(1, 4)), ("1.5e-1", R(3, 20)), ("pi", sp.pi), ("e", sp.E)]),
)


def _extend(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(
            lambda t: (
                f"({t[0][0]} {t[1]} {t[2][0]})",
                {"+": sp.Add, "-": lambda a, b: a - b, "*": sp.Mul}[t[1]](t[0][1], t[2][1]),
            )
        ),
        st.tuples(children, st.integers(1, 9)).map(
            lambda t: (f"({t[0][0]} / {t[1]})", t[0][1] / t[1])
        ),
        st.tuples(children, st.integers(0, 3)).map(
            lambda t: (f"({t[0][0]})**{t[1]}", t[0][1] ** t[1])
        ),
        st.tuples(st.sampled_from(sorted(_UNARY)), children).map(
            lambda t: (f"{t[0]}({t[1][0]})", _UNARY[t[0]](t[1][1]))
        ),
        st.tuples(st.sampled_from(["max", "min"]), children, children).map(
            lambda t: (
                f"{t[0]}({t[1][0]}, {t[2][0]})",
                (sp.Max if t[0] == "max" else sp.Min)(t[1][1], t[2][1]),
            )
        ),
        children.map(lambda t: (f"-{t[0]}", -t[1])),
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(_leaves, _extend, max_leaves=8))
def test_generated_expressions_parse_to_the_same_sympy_expression(pair):
    text, expected = pair
    assume(not expected.has(sp.zoo, sp.oo, -sp.oo, sp.nan, sp.I))
    try:
        got = parse_activation(text)
    except ActivationParseError as exc:  # only a resource limit may stop a valid expression
        assert any(
            s in str(exc) for s in ("too large", "max/min", "constant subexpression", "exponent")
        ), str(exc)
        return
    assert got == expected
