"""Tests for `ntksym/theory/spectrum_checks.py`: the three claims about spectra on the sphere
(Bietti & Mairal; Geifman et al. / Chen & Xu against the Laplace kernel; the sphere's criterion
against predicted_rank and the certificates on antipodal point sets)."""
from fractions import Fraction

import mpmath
import pytest

import ntksym as nk
from ntksym.theory.spectrum_checks import (antipodal_points, bietti_mairal_check,
                                           laplace_decay_comparison, laplace_kernel_theta,
                                           sphere_criterion_vs_rank)


def test_bietti_mairal():
    r = bietti_mairal_check(d=3, kmax=80)
    assert r.exact_odd_zeros
    assert r.odd_quadrature_max < 1e-30          # quadrature, zeros not assumed, 40 digits
    assert abs(r.even_exponent + 3) < 0.1
    assert r.passed


def test_laplace_same_decay_as_deep_relu_ntk():
    r = laplace_decay_comparison(d=3, depths=(2, 3), kmax=80)
    assert abs(r.laplace + 3) < 0.1
    assert all(abs(p + 3) < 0.1 for p in r.ntk.values())
    assert r.max_difference < 0.1 and r.passed


def test_laplace_kernel_reference_value():
    # mu_0 of exp(-|x - x'|) on the unit circle: (1/pi) int_0^pi exp(-2 sin(th/2)) dth, by mpmath
    from ntksym.theory.funk_hecke import funk_hecke
    res = funk_hecke(laplace_kernel_theta(), 2, 0)
    with mpmath.workdps(30):
        ref = mpmath.quad(lambda th: mpmath.exp(-2 * mpmath.sin(th / 2)), [0, mpmath.pi]) / mpmath.pi
    assert abs(res.values[0] - ref) < 1e-25


def test_antipodal_points_are_exact_and_on_the_sphere():
    X = antipodal_points(4, seed=3)
    assert len(X) == 10
    for x in X:
        assert all(isinstance(v, Fraction) for v in x)
        assert sum(v * v for v in x) == 1
    assert X[5] == [-v for v in X[0]]


@pytest.mark.slow
def test_criterion_agrees_with_rank_and_certificate():
    rows = sphere_criterion_vs_rank(d=3)
    assert all(r.agree for r in rows), [r for r in rows if not r.agree]
    assert {r.strictly_pd for r in rows} == {True, False}


def test_criterion_agrees_with_rank_small():
    nets = [nk.MLP(depth=1, activation="relu"), nk.MLP(depth=1, activation="relu", b_std=0.5),
            nk.MLP(depth=1, activation="erf"), nk.MLP(depth=1, activation="x**3 + x**2")]
    rows = sphere_criterion_vs_rank(nets, d=3, kinds=("ntk",), certify=False)
    assert [r.strictly_pd for r in rows] == [False, True, False, False]
    assert [r.rank < r.n_points for r in rows] == [True, False, True, True]
    assert all(r.agree for r in rows)
