"""Tests for `ntksym/symbolic/registry.py`: the named families, :func:`activation` and the
validation of family parameters."""
import math

import pytest
import sympy as sp

import ntksym as nk
from ntksym.symbolic.activations import LITERATURE_DUALS
from ntksym.symbolic.registry import ACTIVATIONS, Family, gelu_dual

x = nk.x

REGISTRY = {"identity", "relu", "leaky_relu", "abs", "step", "sign", "rectified_monomial", "erf",
            "tanh", "sigmoid", "softplus", "gelu", "silu", "elu", "sin", "cos", "exp", "gaussian",
            "monomial", "hermite", "polynomial"}


def values(act, points):
    """phi at points, by SymPy substitution (exact where possible)."""
    return [sp.N(act.expr.subs(x, sp.nsimplify(p)), 30) for p in points]


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------

def test_registry_names():
    assert set(nk.ACTIVATIONS) == REGISTRY


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_family_builds_with_defaults(name):
    act = nk.activation(name)
    assert isinstance(act, nk.Activation)
    assert act.expr.free_symbols <= {x}
    assert act.name == name
    assert act.is_symbolic


@pytest.mark.parametrize("name, params, expected", [
    ("identity", {}, lambda t: t),
    ("relu", {}, lambda t: max(t, 0.0)),
    ("leaky_relu", {"alpha": 0.1}, lambda t: t if t >= 0 else 0.1 * t),
    ("leaky_relu", {}, lambda t: t if t >= 0 else 0.01 * t),
    ("abs", {}, abs),
    ("step", {}, lambda t: 1.0 if t > 0 else 0.0),
    ("sign", {}, lambda t: math.copysign(1.0, t) if t else 0.0),
    ("rectified_monomial", {"n": 3}, lambda t: max(t, 0.0)**3),
    ("erf", {"b": 2}, lambda t: math.erf(2 * t)),
    ("tanh", {}, math.tanh),
    ("sigmoid", {}, lambda t: 1 / (1 + math.exp(-t))),
    ("softplus", {}, lambda t: math.log1p(math.exp(t))),
    ("gelu", {}, lambda t: t * (1 + math.erf(t / math.sqrt(2))) / 2),
    ("silu", {}, lambda t: t / (1 + math.exp(-t))),
    ("elu", {}, lambda t: t if t >= 0 else math.expm1(t)),
    ("elu", {"alpha": 0.5}, lambda t: t if t >= 0 else 0.5 * math.expm1(t)),
    ("sin", {"b": 2, "a": 0.3}, lambda t: math.sin(2 * t + 0.3)),
    ("cos", {"b": 0.5, "a": 1}, lambda t: math.cos(0.5 * t + 1)),
    ("exp", {"b": -0.5}, lambda t: math.exp(-0.5 * t)),
    ("gaussian", {}, lambda t: math.exp(-t * t / 2)),
    ("monomial", {"n": 4}, lambda t: t**4),
    ("hermite", {"n": 3}, lambda t: (t**3 - 3 * t) / math.sqrt(6)),
    ("hermite", {"n": 4}, lambda t: (t**4 - 6 * t**2 + 3) / math.sqrt(24)),
    ("polynomial", {"coeffs": (1, -2, 0, 0.5)}, lambda t: 1 - 2 * t + 0.5 * t**3),
])
def test_family_values(name, params, expected):
    """Each family is the function its documentation names (reference: the math module)."""
    act = nk.activation(name, **params)
    pts = (-2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 2.2)
    for p, v in zip(pts, values(act, pts)):
        assert float(v) == pytest.approx(expected(p), rel=1e-14, abs=1e-300), (name, p)


def test_special_cases_are_family_members():
    assert nk.activation("rectified_monomial", n=1) == nk.activation("relu")
    assert nk.activation("monomial", n=1) == nk.activation("identity")
    assert nk.activation("leaky_relu", alpha=0) .expr.subs(x, -1) == 0
    assert nk.activation("cos", a=-sp.pi / 2).expr.equals(nk.activation("sin").expr)


def test_float_parameters_become_exact():
    act = nk.activation("leaky_relu", alpha=0.1)
    assert act.expr.subs(x, -1) == sp.Rational(-1, 10)
    assert nk.activation("polynomial", coeffs=(0.5, 0.25)).expr == x / 4 + sp.Rational(1, 2)


def test_activation_passthrough_and_sympy_input():
    act = nk.activation("relu")
    assert nk.activation(act) is act
    assert nk.activation(sp.Max(0, x)) == act
    with pytest.raises(TypeError):
        nk.activation(act, alpha=1)
    with pytest.raises(TypeError):
        nk.activation(sp.Max(0, x), alpha=1)


def test_string_expression_is_parsed():
    act = nk.activation("x**3 - 2*x + 1/2")
    assert sp.expand(act.expr - (x**3 - 2 * x + sp.Rational(1, 2))) == 0
    assert nk.activation("Relu".upper().lower()).expr == sp.Max(0, x)   # registry is case-blind


def test_other_symbol_is_renamed():
    t = sp.Symbol("t")
    act = nk.Activation(sp.sin(t) + t**2)
    assert act.expr.free_symbols == {x}
    assert sp.expand(act.expr - (sp.sin(x) + x**2)) == 0


def test_constant_activation():
    act = nk.Activation(3)
    assert act.expr == 3
    assert nk.Activation(sp.Integer(2)).parity == "even"


# --------------------------------------------------------------------------------------------
# Parameter validation
# --------------------------------------------------------------------------------------------

def test_unknown_name_lists_the_registry():
    with pytest.raises(ValueError, match="relu") as info:
        nk.activation("foo")
    assert "foo" in str(info.value)
    with pytest.raises(ValueError):
        nk.activation("softmax")


def test_unknown_parameter():
    with pytest.raises(TypeError, match="alpha") as info:
        nk.activation("relu", alpha=0.1)
    assert "relu" in str(info.value)
    with pytest.raises(TypeError, match="allowed: alpha"):
        nk.activation("leaky_relu", beta=0.1)
    with pytest.raises(TypeError, match="registry"):
        nk.activation("x**2", alpha=1)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_alpha(bad):
    with pytest.raises(ValueError, match="finite"):
        nk.activation("leaky_relu", alpha=bad)


@pytest.mark.parametrize("bad", ["0.1", None, [0.1], True, 1j])
def test_non_real_alpha(bad):
    with pytest.raises(TypeError, match="alpha"):
        nk.activation("leaky_relu", alpha=bad)


def test_sympy_infinity_parameter_is_refused():
    with pytest.raises((TypeError, ValueError)):
        nk.activation("leaky_relu", alpha=sp.oo)
    with pytest.raises((TypeError, ValueError)):
        nk.activation("exp", b=sp.nan)


@pytest.mark.parametrize("bad", [1.5, "2", None, True, 2 + 0j])
def test_wrong_type_order(bad):
    with pytest.raises(TypeError, match="'n'"):
        nk.activation("monomial", n=bad)


def test_integral_float_order_is_accepted():
    assert nk.activation("monomial", n=2.0).expr == x**2


@pytest.mark.parametrize("family", ["rectified_monomial", "monomial", "hermite"])
def test_negative_order(family):
    with pytest.raises(ValueError, match="'n'"):
        nk.activation(family, n=-1)


def test_order_too_large():
    with pytest.raises(ValueError, match="'n'"):
        nk.activation("monomial", n=1000)


def test_erf_zero_scale():
    with pytest.raises(ValueError, match="b"):
        nk.activation("erf", b=0)


@pytest.mark.parametrize("bad, exc", [((), ValueError), ("12", TypeError), (5, TypeError),
                                      ((1, float("nan")), ValueError), ((1, "a"), TypeError),
                                      (tuple(range(40)), ValueError)])
def test_polynomial_coefficients(bad, exc):
    with pytest.raises(exc):
        nk.activation("polynomial", coeffs=bad)


def test_spec_of_wrong_type():
    with pytest.raises(TypeError):
        nk.activation(3)
    with pytest.raises(TypeError):
        nk.activation(None)


def test_unsafe_string_is_refused():
    with pytest.raises(ValueError):
        nk.activation("__import__('os').system('true')")
    with pytest.raises(nk.ActivationParseError):
        nk.activation("x.__class__")


def test_families_are_public_records():
    assert all(isinstance(f, Family) and f.name == name for name, f in ACTIVATIONS.items())
    assert ACTIVATIONS["gelu"].dual_table is gelu_dual


def test_literature_form_follows_the_expression():
    """A user's Activation of the GELU expression gets the registry's literature dual too."""
    gelu = nk.activation("gelu")
    assert LITERATURE_DUALS[gelu.expr] is gelu_dual
    same = nk.Activation(x * (1 + sp.erf(x / sp.sqrt(2))) / 2)
    assert same.dual_table is gelu_dual and same == gelu
    assert nk.Activation(sp.tanh(x)).dual_table is None
