"""Tests for `ntksym/symbolic/expectation/wick.py`: E[u^i v^j] by Isserlis' theorem (and the
polar-coordinate reference the moment tests use)."""
import functools

import mpmath
import pytest
import sympy as sp

from expectation_reference import C, POINTS, Q1, Q2, evaluate, moment_scale, polar_moment
from ntksym.symbolic.expectation.wick import wick_moment
from ntksym.testing import isserlis_moment

_wick_expr = functools.lru_cache(maxsize=None)(wick_moment)


def test_polar_reference_on_known_values():
    """The reference itself: E[u^2] = q1, E[uv] = c, P(u > 0, v > 0) = 1/4 + asin(rho)/(2 pi)."""
    with mpmath.workdps(30):
        assert abs(polar_moment(2, 0, "0.7", "1.9", "-0.5", False) - mpmath.mpf("0.7")) < 1e-28
        assert abs(polar_moment(1, 1, "0.7", "1.9", "-0.5", False) + mpmath.mpf("0.5")) < 1e-28
        rho = mpmath.mpf("-0.5") / mpmath.sqrt(mpmath.mpf("0.7") * mpmath.mpf("1.9"))
        ref = mpmath.mpf(1) / 4 + mpmath.asin(rho) / (2 * mpmath.pi)
    assert abs(polar_moment(0, 0, "0.7", "1.9", "-0.5", True) - ref) < 1e-28


@pytest.mark.parametrize("i", range(7))
def test_wick_moment_equals_isserlis_recursion(i):
    """Exact: the closed sum equals the pairing recursion (Stein's lemma), i, j <= 6."""
    for j in range(7):
        assert sp.expand(wick_moment(i, j) - isserlis_moment(i, j)) == 0, (i, j)


@pytest.mark.parametrize("point", POINTS)
def test_wick_moment_vs_quadrature(point):
    for i in range(5):
        for j in range(5):
            got = evaluate(_wick_expr(i, j), *point)
            ref = polar_moment(i, j, *point, orthant=False)
            scale = moment_scale(i, j, point[0], point[1])
            assert abs(got - ref) <= 1e-25 * scale, (i, j, point, got, ref)


def test_wick_moment_small_cases():
    assert wick_moment(0, 0) == 1
    assert wick_moment(1, 0) == 0 and wick_moment(2, 1) == 0
    assert sp.expand(wick_moment(1, 1) - C) == 0
    assert sp.expand(wick_moment(2, 2) - (Q1 * Q2 + 2 * C**2)) == 0
    assert sp.expand(wick_moment(3, 1) - 3 * Q1 * C) == 0
    assert sp.expand(wick_moment(4, 0) - 3 * Q1**2) == 0
