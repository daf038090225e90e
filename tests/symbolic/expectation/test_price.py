"""Tests for `ntksym/symbolic/expectation/price.py`: Price's theorem and its integral in c, taken by
rules (no time limit, so it works in any thread)."""
import threading

import pytest
import sympy as sp

import ntksym as nk
from ntksym.symbolic.expectation.driver import derive_expectation
from ntksym.symbolic.expectation.price import derive_price, integrate_from_zero

Q1, Q2, C = nk.q1, nk.q2, nk.c
S = sp.Symbol("s", real=True)


def _is_antiderivative(F, integrand):
    """F(0) = 0 and dF/dc = integrand(c), decided exactly (rewritten to exponentials if needed)."""
    f = integrand.subs(S, C)
    for form in (sp.diff(F, C) - f, (sp.diff(F, C) - f).rewrite(sp.exp)):
        if sp.simplify(form) == 0:
            break
    else:
        return False
    return sp.simplify(F.subs(C, 0)) == 0


@pytest.mark.parametrize("integrand", [
    sp.Integer(3), S**3 - 2 * S, 4 / (sp.pi * sp.sqrt(-4 * S**2 + 4 * Q1 * Q2 + 2 * Q1 + 2 * Q2 + 1)),
    1 + 2 / sp.sqrt(1 + 2 * Q1),
    sp.exp(-2 * S**2 / (4 * Q2 + 2) + Q1) / sp.sqrt(2 * Q2 + 1),      # erf
    2 * sp.exp(2 * S**2 / (4 * Q1 + 2) - Q2),                          # erfi
    sp.exp(-S**2 + S / 3),                                              # erf, shifted
    sp.exp(S - Q1 / 2) * sp.exp(2 * S + Q2),                            # exponential
    sp.exp(-Q1 / 2 - Q2 / 2) * sp.cosh(S) + 4 * S,
    sp.sinh(2 * S), sp.sin(S / 2 + 1), 3 * sp.cos(2 * S - sp.pi / 3),
])
def test_integrate_from_zero_rules(integrand):
    F = integrate_from_zero(integrand, S, C)
    assert F is not None and not F.has(sp.Integral)
    assert _is_antiderivative(F, integrand), F


@pytest.mark.parametrize("integrand", [
    sp.exp(S**3), sp.exp(1 / (1 + S**2)), S * sp.cosh(S), sp.cosh(S) * sp.exp(S),
    sp.exp(sp.Symbol("y", real=True) * S**2),        # sign of beta undecided
    sp.tanh(S), sp.cosh(S**2),
])
def test_integrate_from_zero_declines(integrand):
    assert integrate_from_zero(integrand, S, C) is None


def test_price_applies_to_erf_and_declines_on_piecewise_polynomials():
    erf = nk.activation("erf")
    d = derive_price(erf, erf, 0, derive_expectation)
    assert d is not None and d.method == "price"
    assert sp.simplify(d.expr - 2 / sp.pi * sp.asin(2 * C / sp.sqrt((1 + 2 * Q1) * (1 + 2 * Q2)))) == 0
    relu = nk.activation("relu")
    assert derive_price(relu, relu, 0, derive_expectation) is None   # the orthant strategy's
    assert derive_price(erf, erf, 1, derive_expectation) is None     # one level of Price only


@pytest.mark.parametrize("spec", ["erf", "erf(x) + x", "sin(x) + x**2"])
def test_same_derivation_in_a_worker_thread(spec):
    """The old time limit (SIGALRM) worked in the main thread only; the rules work anywhere."""
    act = nk.activation(spec)
    here = derive_expectation(act, act)
    there = {}
    worker = threading.Thread(target=lambda: there.update(d=derive_expectation(act, act)))
    worker.start()
    worker.join()
    assert here is not None and there["d"] is not None
    assert (there["d"].method, there["d"].expr) == (here.method, here.expr)
