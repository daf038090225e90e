"""Tests for `ntksym/symbolic/expectation/driver.py`: derivations and their steps, and the
verification that stands between every strategy and its caller."""
import logging

import numpy as np
import pytest
import sympy as sp

import ntksym as nk
from ntksym.backends.numeric import verify_expectation
from ntksym.symbolic.expectation import driver
from ntksym.symbolic.expectation.base import Derivation, GaussianExpectation, Step
from ntksym.symbolic.expectation.driver import derive_expectation
from ntksym.symbolic.expectation.orthant import derive_orthant
from ntksym.symbolic.expectation.price import derive_price
from ntksym.symbolic.expectation.square import derive_square
from ntksym.symbolic.expectation.table import derive_table
from ntksym.symbolic.expectation.wick import derive_wick
from ntksym.testing import polynomial_dual

C = nk.c


@pytest.mark.parametrize("spec, method, rules", [
    ("relu", "price", {"decompose", "price", "integrate", "result", "verify"}),
    ("step", "price", {"decompose", "dirac", "integrate", "result", "verify"}),
    ("x**3 - 2*x + 1/2", "hermite", {"wick", "mehler", "verify"}),
    ("sin", "gaussian", {"square", "result", "verify"}),
    ("erf", "price", {"price", "square", "initial", "integrate", "verify"}),
])
def test_derivation_steps(spec, method, rules):
    act = nk.activation(spec)
    d = derive_expectation(act, act)
    assert isinstance(d, Derivation)
    assert d.method == method
    assert rules <= {s.rule for s in d.steps}, [s.rule for s in d.steps]
    assert all(isinstance(s, Step) and s.text for s in d.steps)
    assert d.steps[-1].rule == "verify"
    lhs = [s.lhs for s in d.steps if isinstance(s.lhs, GaussianExpectation)]
    assert lhs, "no step names the expectation it derives"


def test_derive_expectation_of_a_pair():
    """E[relu(u) u] = c E[relu'(u)] ... by Stein: E[v relu(u)] = c P(u > 0) = c / 2."""
    relu, ident = nk.activation("relu"), nk.activation("identity")
    d = derive_expectation(relu, ident)
    assert d is not None
    assert sp.simplify(d.expr - C / 2) == 0


def test_derive_expectation_declines_without_rule():
    tanh = nk.activation("tanh")
    assert derive_expectation(tanh, tanh) is None
    f = nk.Activation.from_callable(np.tanh)
    assert derive_expectation(f, f) is None


# --------------------------------------------------------------------------------------------
# Verification rejects wrong formulas
# --------------------------------------------------------------------------------------------

def _perturbed(strategy, how):
    def wrong(f, g, depth, derive):
        result = strategy(f, g, depth, derive)
        if result is None:
            return None
        return Derivation(how(result.expr), result.method, list(result.steps))
    wrong.__name__ = f"wrong_{strategy.__name__}"
    return wrong


@pytest.mark.parametrize("how", [lambda e: e * (1 + sp.Rational(1, 10**8)),
                                 lambda e: e + sp.Rational(1, 10**9) * C,
                                 lambda e: e.subs(C, C * (1 - sp.Rational(1, 10**7)))])
def test_verification_rejects_wrong_orthant_formula(monkeypatch, caplog, how):
    relu = nk.activation("relu")
    wrong = _perturbed(derive_orthant, how)
    monkeypatch.setattr(driver, "STRATEGIES", (derive_wick, wrong, derive_square,
                                               derive_price, derive_table))
    with caplog.at_level(logging.INFO, logger=driver.__name__):
        assert derive_expectation(relu, relu) is None
    assert any(r.args[0] == "wrong_derive_orthant" for r in caplog.records)


def test_verification_accepts_the_unperturbed_formula(monkeypatch):
    """Control for the test above: the same wrapper with no perturbation is accepted."""
    relu = nk.activation("relu")
    same = _perturbed(derive_orthant, lambda e: e)
    monkeypatch.setattr(driver, "STRATEGIES", (derive_wick, same, derive_square,
                                               derive_price, derive_table))
    d = derive_expectation(relu, relu)
    assert d is not None and d.steps[-1].rule == "verify"


def test_verification_rejects_wrong_wick_and_square(monkeypatch):
    poly = nk.activation("x**3 - 2*x + 1/2")
    sin = nk.activation("sin")
    monkeypatch.setattr(driver, "STRATEGIES", (
        _perturbed(derive_wick, lambda e: e + sp.Rational(1, 10**9) * C**3),
        derive_orthant,
        _perturbed(derive_square, lambda e: e * (1 + sp.Rational(1, 10**9))),
        derive_price, derive_table))
    d = derive_expectation(poly, poly)   # the orthant strategy (a polynomial is piecewise
    assert d is None or (d.method != "hermite"             # polynomial) may take over,
                         and sp.expand(d.expr - polynomial_dual(poly.polynomial_coeffs)) == 0)
    d = derive_expectation(sin, sin)
    assert d is None or d.method != "gaussian"


def test_verify_expectation_measures_the_error():
    relu = nk.activation("relu")
    good = derive_expectation(relu, relu).expr
    ok, err = verify_expectation(good, relu, relu)
    assert ok and err < 1e-13
    ok, err = verify_expectation(good * (1 + sp.Rational(1, 10**6)), relu, relu)
    assert not ok and 1e-7 < err < 1e-5
    ok, err = verify_expectation(sp.nan * C, relu, relu)
    assert not ok
