"""Tests for `ntksym/theory/sphere_series.py`: Taylor-mode arithmetic against SymPy's series,
exact Hermite coefficients against SymPy's integrals, the routes."""
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

import ntksym as nk
from ntksym.theory.sphere_series import (Jet, _Ctx, hermite_coefficients_pwp, jet_eval,
                                         kernel_series)

t = sp.Symbol("t")


@pytest.mark.parametrize("expr", [
    sp.exp(t) / (2 - t), sp.sqrt(1 - t**2 / 2), sp.atan2(sp.sqrt(1 - t**2 / 4), t / 2),
    sp.asin(t / 3) * sp.cos(t), sp.erf(t + sp.Rational(1, 3)), sp.log(2 + t) ** 2,
    (1 + t) ** sp.Rational(3, 2) * sp.sin(2 * t)])
def test_jet_against_sympy_series(expr):
    K = 10
    a = np.zeros(K + 1)
    a[1] = 1.0
    jet = jet_eval(expr, {t: Jet(a)}, K, _Ctx(False))
    ref = sp.series(expr, t, 0, K + 1).removeO()
    for k in range(K + 1):
        r = float(ref.coeff(t, k))
        assert abs(jet.a[k] - r) <= 1e-14 * max(1.0, abs(r)), (k, jet.a[k], r)


def test_hermite_coefficients_against_sympy_integrals():
    # alpha_k(q) = E[phi(sqrt(q) z) He_k(z)] / sqrt(k!) for leaky ReLU and max(0, x)^2 at q = 2
    z = sp.Symbol("z", real=True)
    gauss = sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi)
    for name, pieces in (("leaky", (sp.Rational(1, 10) * z, z)), ("sq", (0 * z, z**2))):
        act = nk.Activation(sp.Piecewise((pieces[0].subs(z, nk.x), nk.x < 0),
                                         (pieces[1].subs(z, nk.x), True)))
        got = hermite_coefficients_pwp(act.piecewise_polynomial, 2, 5)
        for k in range(6):
            he = sp.hermite_prob(k, z)
            ref = (sp.integrate(pieces[0].subs(z, sp.sqrt(2) * z) * he * gauss, (z, -sp.oo, 0))
                   + sp.integrate(pieces[1].subs(z, sp.sqrt(2) * z) * he * gauss, (z, 0, sp.oo)))
            assert sp.simplify(got[k] - ref / sp.sqrt(sp.factorial(k))) == 0, (name, k)


def test_taylor_route_agrees_with_exact_hermite_route():
    net = nk.MLP(depth=1, activation="relu", W_std=sp.Rational(3, 2))
    exact = kernel_series(net, 3, "ntk", 40)
    approx = kernel_series(net, 3, "ntk", 40, route="taylor")
    assert exact.exact and exact.method == "hermite" and not approx.exact
    for a, b in zip(exact.coefficients, approx.coefficients):
        if a == 0:
            assert b == 0.0
        else:
            assert abs(float(a) - b) <= 2e-15 * float(a)


def test_taylor_float64_against_taylor_mpmath_deep():
    net = nk.MLP(depth=3, activation="erf", b_std=0.3)
    a = kernel_series(net, 5, "ntk", 40, route="taylor").coefficients
    with mpmath.workdps(40):
        b = kernel_series(net, 5, "ntk", 40, route="taylor-mp").coefficients
    for x, y in zip(a, b):
        assert abs(x - y) <= 1e-13 * abs(y) + 1e-300


def test_series_sums_to_the_kernel():
    # kappa(t) = sum b_k t^k at t = 0.3, against net.gram at two points at that angle
    net = nk.MLP(depth=2, activation="gelu", b_std=0.2)
    d, tt = 4, 0.3
    b = kernel_series(net, d, "ntk", 80).coefficients
    x = np.zeros((2, d))
    x[0, 0] = math.sqrt(d)
    x[1, 0], x[1, 1] = math.sqrt(d) * tt, math.sqrt(d) * math.sqrt(1 - tt**2)
    ref = net.gram(x).ntk[0, 1]
    assert abs(sum(v * tt**k for k, v in enumerate(b)) - ref) <= 1e-14 * ref


def test_polynomial_route_and_errors():
    r = kernel_series(nk.MLP(depth=2, activation="x**2", b_std=1), 3, "nngp", 6)
    assert r.exact and r.method == "polynomial" and len(r.coefficients) == 7
    with pytest.raises(ValueError, match="route"):
        kernel_series(nk.MLP(depth=1, activation="relu"), 3, route="fast")


def test_jet_reciprocal_and_power():
    a = Jet(np.array([2.0, 1.0, 0.0, 0.0]))
    assert np.allclose((a.reciprocal() * a).a, [1, 0, 0, 0], atol=1e-16)
    assert np.allclose((a ** 0.5 * a ** 0.5).a, a.a, atol=1e-15)
    assert np.allclose((a ** 3).a, [8, 12, 6, 1])
