"""is_polynomial: symbolic decisions, evidence for callables, and the characterisation."""
import numpy as np
import pytest
import sympy as sp

import ntksym as nk
from ntksym.theory.polynomial import (PolynomialCheck, collocation_test, is_polynomial,
                                      polynomial_certificate)
from ntksym.core.symbols import x

NOT_POLY = ["relu", "leaky_relu", "abs", "step", "sign", "rectified_monomial", "erf", "tanh",
            "sigmoid", "softplus", "gelu", "silu", "elu", "sin", "cos", "exp", "gaussian"]


@pytest.mark.parametrize("name", NOT_POLY)
def test_registry_non_polynomials(name):
    chk = is_polynomial(nk.activation(name))
    assert isinstance(chk, PolynomialCheck)
    assert chk.is_polynomial is False and chk.degree is None
    assert chk.reason


@pytest.mark.parametrize("spec, degree", [
    ("x", 1), ("x**3 - 2*x + 1/2", 3), ("7", 0), ("Abs(x)**2", 2), ("sin(x)**2 + cos(x)**2", 0),
    ("exp(log(1 + x**2))", 2), ("x + Heaviside(x) - Heaviside(x)", 1), ("Abs(x)**4 - x", 4),
    ("Max(x, x)", 1)])
def test_polynomials(spec, degree):
    chk = is_polynomial(nk.activation(spec))
    assert chk.is_polynomial is True and chk.degree == degree
    ok, deg, reason = chk          # unpacks like a namedtuple
    assert ok and deg == degree and reason


def test_registry_polynomial_families():
    assert is_polynomial(nk.activation("monomial", n=5)).degree == 5
    assert is_polynomial(nk.activation("hermite", n=4)).degree == 4
    assert is_polynomial(nk.activation("polynomial", coeffs=(1, 0, 3, 0))).degree == 2


def test_piecewise_reasons():
    chk = is_polynomial(nk.activation("relu"))
    assert "piecewise" in chk.reason
    # a piecewise function is a polynomial only if every piece is the same polynomial
    same = nk.Activation(sp.Piecewise((x**2, x < 1), (x**2, True)))
    assert is_polynomial(same).degree == 2
    differ = nk.Activation(sp.Piecewise((x**2, x < 1), (x**2 + 1, True)))
    assert is_polynomial(differ).is_polynomial is False
    assert is_polynomial(nk.activation("Max(0, x - 1)")).is_polynomial is False
    assert is_polynomial(nk.activation("Max(x, x**2)")).is_polynomial is False
    # a polynomial except at one point is not a polynomial
    point = nk.Activation(sp.Piecewise((x, x < 0), (x, x > 0), (1, True)))
    chk = is_polynomial(point)
    assert chk.is_polynomial is False and "x = 0" in chk.reason


def test_transcendental_reasons():
    assert "finite limit" in is_polynomial(nk.activation("tanh")).reason
    assert "oscillates" in is_polynomial(nk.activation("sin")).reason
    assert "faster than every power" in is_polynomial(nk.activation("exp")).reason
    assert is_polynomial(nk.activation("1/(1 + x**2)")).is_polynomial is False


def test_undecided_returns_none():
    # sqrt(1 + x^2) on a bounded interval: no growth argument applies there
    bump = nk.Activation(sp.Piecewise((x, x < 0), (sp.sqrt(1 + x**2) - 1 + x, x < 1), (x, True)))
    chk = is_polynomial(bump)
    assert chk.is_polynomial is None and chk.reason
    # on the whole line its growth decides it
    assert is_polynomial(nk.activation("sqrt(x**2 + 1)")).is_polynomial is False


@pytest.mark.parametrize("f, degree", [(lambda z: z**3 - z, 3), (lambda z: z**7 + 0.5, 7),
                                       (lambda z: 0 * z + 2.0, 0)])
def test_callable_polynomial_evidence(f, degree):
    chk = is_polynomial(nk.Activation.from_callable(f))
    assert chk.is_polynomial is True and chk.degree == degree
    assert "tolerance" in chk.reason or "below" in chk.reason


@pytest.mark.parametrize("f", [np.tanh, lambda z: np.maximum(z, 0.0), np.sin,
                               lambda z: np.abs(z) ** 3])
def test_callable_non_polynomial_evidence(f):
    chk = is_polynomial(nk.Activation.from_callable(f))
    assert chk.is_polynomial is False
    assert "not a polynomial of degree <=" in chk.reason and "tolerance" in chk.reason


@pytest.mark.parametrize("spec", ["x", "x**2", "x**3 - 2*x + 1/2", "hermite4", "7"])
def test_certificate_is_exact(spec):
    act = nk.activation("hermite", n=4) if spec == "hermite4" else nk.activation(spec)
    cert = polynomial_certificate(act)
    assert cert.verified and cert.identity == 0
    # independent check: substitute the pairs into phi and expand
    s, t = sp.symbols("s t")
    total = sum(co * act.expr.subs(x, a * s + b * t)
                for co, (a, b) in zip(cert.coefficients, cert.pairs))
    assert sp.expand(total) == 0
    assert any(co != 0 for co in cert.coefficients)
    for i, (a1, b1) in enumerate(cert.pairs):       # pairwise non-proportional
        for a2, b2 in cert.pairs[i + 1:]:
            assert a1 * b2 - a2 * b1 != 0


def test_certificate_refuses_non_polynomials():
    with pytest.raises(ValueError, match="not known to be a polynomial"):
        polynomial_certificate(nk.activation("relu"))


def test_collocation_independence_for_non_polynomials():
    pairs = [(1, 0), (0, 1), (1, 1), (1, -1), (1, 2)]
    res = collocation_test(nk.activation("tanh"), pairs)
    assert res.independent and res.rank == 5 and np.isfinite(res.condition)
    assert "condition number" in res.reason
    # a polynomial of degree 2 has only 3 independent functions phi(a s + b t)
    res = collocation_test(nk.activation("x**2"), pairs)
    assert not res.independent and res.rank == 3
    with pytest.raises(ValueError, match="proportional"):
        collocation_test(nk.activation("tanh"), [(1, 1), (2, 2)])
