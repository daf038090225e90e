"""Tests for `ntksym/theory/funk_hecke.py`: normalisation, exact monomial eigenvalues, and the
quadrature against kernels with closed-form eigenvalues (references from mpmath)."""
import mpmath
import pytest
import sympy as sp

from ntksym.theory.funk_hecke import (funk_hecke, legendre_d, monomial_eigenvalue,
                                      series_eigenvalues, sphere_ratio)
from ntksym.theory.harmonics import harmonic_dimension


@pytest.fixture(autouse=True)
def reset_mp():
    dps = mpmath.mp.dps
    yield
    mpmath.mp.dps = dps


def _area(m):
    """Area of the unit sphere S^m in R^(m+1)."""
    return 2 * mpmath.pi ** (mpmath.mpf(m + 1) / 2) / mpmath.gamma(mpmath.mpf(m + 1) / 2)


@pytest.mark.parametrize("d", [2, 3, 4, 7, 10])
def test_sphere_ratio_is_ratio_of_areas(d):
    with mpmath.workdps(40):
        assert mpmath.almosteq(mpmath.mpf(sp.N(sphere_ratio(d), 45)),
                               _area(d - 2) / _area(d - 1), 1e-35)


@pytest.mark.parametrize("d", [2, 3, 5, 8])
def test_legendre_d_is_normalised_gegenbauer(d):
    t = sp.Symbol("t")
    for k in range(0, 9):
        P = legendre_d(k, d).as_expr()
        if d == 2:
            ref = sp.chebyshevt(k, t)
        else:
            lam = sp.Rational(d - 2, 2)
            ref = sp.gegenbauer(k, lam, t) / sp.gegenbauer(k, lam, 1)
        assert sp.expand(P - ref) == 0
        assert P.subs(t, 1) == 1


@pytest.mark.parametrize("d", [2, 3, 4, 6])
def test_monomial_eigenvalue_against_mpmath_quadrature(d):
    # mu_k[t^j] = ratio * int t^j P_k(t) (1 - t^2)^((d-3)/2) dt, integrated by mpmath in theta
    t = sp.Symbol("t")
    with mpmath.workdps(30):
        ratio = _area(d - 2) / _area(d - 1)
        for j in range(0, 7):
            for k in range(0, 7):
                P = sp.lambdify(t, legendre_d(k, d).as_expr(), "mpmath")
                ref = ratio * mpmath.quad(
                    lambda th: mpmath.cos(th) ** j * P(mpmath.cos(th)) * mpmath.sin(th) ** (d - 2),
                    [0, mpmath.pi])
                got = monomial_eigenvalue(j, k, d)
                if (j - k) % 2 or j < k:
                    assert got == 0 and abs(ref) < 1e-25
                else:
                    assert mpmath.almosteq(mpmath.mpf(sp.N(got, 35)), ref, 1e-25)


@pytest.mark.parametrize("d", [2, 3, 5, 10])
def test_exp_kernel_bessel_closed_form(d):
    # e^t = Gamma(nu) 2^nu sum_k (k + nu) I_{k+nu}(1) C_k^nu(t), nu = (d-2)/2, gives
    # mu_k = Gamma(d/2) 2^((d-2)/2) I_{k+(d-2)/2}(1) (for d = 2: I_k(1)).
    kmax = 50
    res = funk_hecke(lambda ths: [mpmath.exp(mpmath.cos(th)) for th in ths], d, kmax)
    with mpmath.workdps(60):
        nu = mpmath.mpf(d - 2) / 2
        for k in range(kmax + 1):
            ref = mpmath.gamma(mpmath.mpf(d) / 2) * 2**nu * mpmath.besseli(k + nu, 1)
            assert abs(res.values[k] - ref) <= 1e-13 * ref, (k, res.values[k], ref)
            assert res.errors[k] <= 1e-13 * ref


def test_mercer_trace_of_exp_kernel():
    # kappa(1) = sum_k N(d, k) mu_k: e = sum over the computed degrees (the tail is ~1e-60)
    d, kmax = 4, 40
    res = funk_hecke(lambda ths: [mpmath.exp(mpmath.cos(th)) for th in ths], d, kmax)
    total = mpmath.fsum(harmonic_dimension(d, k) * v for k, v in enumerate(res.values))
    assert abs(total - mpmath.e) < 1e-30


def test_series_eigenvalues_polynomial_exact():
    # t^2 on S^2: mu_0 = 1/3, mu_2 = 2/15; 1 + t: mu_0 = 1, mu_1 = 1/3
    assert series_eigenvalues([0, 0, 1], 3, 3) == [sp.Rational(1, 3), 0, sp.Rational(2, 15), 0]
    assert series_eigenvalues([1, 1], 3, 2) == [1, sp.Rational(1, 3), 0]


def test_quadrature_raises_for_a_kink_in_the_angle():
    # |cos theta| has a kink at theta = pi/2: Gauss-Legendre in theta converges slowly there
    with pytest.raises(ArithmeticError, match="did not converge"):
        funk_hecke(lambda ths: [abs(mpmath.cos(th)) for th in ths], 3, 20)


@pytest.mark.parametrize("bad, exc", [(1, ValueError), (2.0, TypeError), (True, TypeError)])
def test_bad_dimension(bad, exc):
    with pytest.raises(exc, match="d must be"):
        sphere_ratio(bad)
