"""Tests for `ntksym/hermite.py`: exact Hermite coefficients and the Mehler form of the dual.

References: alpha_k(q) = E[phi(sqrt(q) z) He_k(z)] / sqrt(k!) by one-dimensional ``mpmath.quad``
at 30 digits (He_k from the three-term recurrence, written here), and E[u^i v^j] from the pairing
recursion of :func:`ntksym.testing.isserlis_moment`.
"""
import math

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

import ntksym as nk
from ntksym.symbolic.hermite import polynomial_hermite_coefficients, mehler_dual
from ntksym.testing import isserlis_moment, polynomial_dual

Q1, Q2, C = nk.q1, nk.q2, nk.c
q = sp.Symbol("q", positive=True)

POLYS = [
    (0, 0, 0, 1),                                   # x^3
    (sp.Rational(1, 2), -2, 0, 1),                  # x^3 - 2x + 1/2
    (1,),                                           # a constant
    (0, 1),                                         # the identity
    (3, 0, -6, 0, 1),                               # He_4
    (sp.Rational(-3, 7), sp.Rational(5, 2), 1, 0, sp.Rational(-1, 3), 2),   # degree 5
    (0, 0, 0, 0, 0, 0, 1),                          # x^6
]


def he(k, z):
    """Probabilists' Hermite polynomial He_k(z): He_(n+1) = z He_n - n He_(n-1)."""
    prev, cur = mpmath.mpf(1), z
    if k == 0:
        return prev
    for n in range(1, k):
        prev, cur = cur, z * cur - n * prev
    return cur


def quad_coefficient(coeffs, k, qv):
    """E[phi(sqrt(q) z) He_k(z)] / sqrt(k!) by mpmath.quad at 30 digits."""
    with mpmath.workdps(30):
        sq = mpmath.sqrt(mpmath.mpf(qv))
        cs = [mpmath.mpf(sp.Rational(a).p) / sp.Rational(a).q for a in coeffs]

        def integrand(z):
            t = sq * z
            return (sum(a * t**n for n, a in enumerate(cs)) * he(k, z)
                    * mpmath.exp(-z * z / 2))

        # the Gaussian weight times |z|^12 is below 1e-30 past |z| = 14
        val = mpmath.quad(integrand, [-14, 0, 14])
        return val / mpmath.sqrt(2 * mpmath.pi) / mpmath.sqrt(mpmath.factorial(k))


@pytest.mark.parametrize("coeffs, qv", [(f, "0.3") for f in POLYS]
                         + [(f, "2.5") for f in POLYS[1::2]])
def test_coefficients_vs_quadrature(coeffs, qv):
    alphas = polynomial_hermite_coefficients(coeffs, q=sp.Rational(qv))
    assert len(alphas) == len(coeffs)
    # scale: sqrt(E[phi^2]) (Parseval), computed from the pairing recursion
    phi2 = polynomial_dual(coeffs).subs({Q1: sp.Rational(qv), Q2: sp.Rational(qv),
                                         C: sp.Rational(qv)})
    scale = math.sqrt(float(phi2)) or 1.0
    with mpmath.workdps(30):
        for k, a in enumerate(alphas):
            assert a.is_number
            ref = quad_coefficient(coeffs, k, qv)
            got = mpmath.mpf(sp.N(a, 40))
            assert abs(got - ref) <= mpmath.mpf("1e-25") * scale, (coeffs, qv, k, got, ref)
        # beyond the degree, the coefficients vanish
        assert abs(quad_coefficient(coeffs, len(coeffs), qv)) <= mpmath.mpf("1e-25") * scale


def test_docstring_example_exact():
    assert polynomial_hermite_coefficients([0, 0, 0, 1], q=1) == [0, 3, 0, sp.sqrt(6)]


@pytest.mark.parametrize("n", range(7))
def test_normalised_hermite_is_a_unit_vector(n):
    """h_n = He_n / sqrt(n!) has alpha = e_n at unit variance (exactly)."""
    coeffs = [sp.Integer(0)] * (n + 1)
    poly = sp.Poly(sp.hermite_prob_poly(n, nk.x), nk.x)
    for (deg,), co in poly.terms():
        coeffs[deg] = co / sp.sqrt(sp.factorial(n))
    alphas = polynomial_hermite_coefficients(coeffs, q=1)
    assert [sp.simplify(a) for a in alphas] == [0] * n + [1]


def test_default_variance_is_q1():
    alphas = polynomial_hermite_coefficients((1, -2, 0, 1))
    assert set().union(*(a.free_symbols for a in alphas)) <= {Q1}
    for k, a in enumerate(alphas):
        assert sp.simplify(a.subs(Q1, sp.Rational(3, 4))
                           - polynomial_hermite_coefficients((1, -2, 0, 1), q=sp.Rational(3, 4))[k]) == 0


@pytest.mark.parametrize("coeffs", POLYS)
def test_parseval(coeffs):
    """sum_k alpha_k(q)^2 = E[phi(sqrt(q) z)^2] exactly (symbolic q)."""
    alphas = polynomial_hermite_coefficients(coeffs, q=q)
    lhs = sp.expand(sum(a**2 for a in alphas))
    rhs = sp.expand(sum(sp.sympify(a) * sp.sympify(b) * isserlis_moment(i + j, 0, q1=q)
                        for i, a in enumerate(coeffs) for j, b in enumerate(coeffs)))
    assert sp.expand(lhs - rhs) == 0


@pytest.mark.parametrize("f", POLYS)
def test_mehler_dual_equals_wick(f):
    """Mehler's sum_k alpha_k(q1) alpha_k(q2) rho^k equals E[f(u) f(v)] from Isserlis, exactly."""
    assert sp.expand(mehler_dual(f) - polynomial_dual(f)) == 0


@pytest.mark.parametrize("f, g", [((0, 1), (0, 0, 0, 1)), ((1, -2, 0, 1), (0, 0, 1)),
                                  ((2,), (0, 3, 1)), (POLYS[5], POLYS[4])])
def test_mehler_dual_of_a_pair(f, g):
    got = mehler_dual(f, g)
    assert sp.expand(got - polynomial_dual(f, g)) == 0
    swapped = mehler_dual(g, f).subs({Q1: Q2, Q2: Q1}, simultaneous=True)
    assert sp.expand(got - swapped) == 0


@given(st.lists(st.integers(-5, 5), min_size=1, max_size=6))
@settings(max_examples=25, deadline=None, derandomize=True)
def test_mehler_dual_equals_wick_property(coeffs):
    assert sp.expand(mehler_dual(coeffs) - polynomial_dual(coeffs)) == 0


def test_mehler_dual_is_a_polynomial_in_c():
    d = mehler_dual((1, -2, 0, 1))
    assert d.free_symbols <= {Q1, Q2, C}
    assert sp.Poly(d, C).degree() == 3
    assert not d.has(sp.sqrt(Q1))   # rho^k times alpha_k(q1) alpha_k(q2) leaves no odd roots
