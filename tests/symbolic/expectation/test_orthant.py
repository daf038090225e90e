"""Tests for `ntksym/symbolic/expectation/orthant.py`: orthant moments E[u_+^i v_+^j]."""
import functools

import pytest
import sympy as sp

from expectation_reference import C, POINTS, Q1, Q2, evaluate, moment_scale, polar_moment
from ntksym.symbolic.expectation.orthant import orthant_moment

_orthant_expr = functools.lru_cache(maxsize=None)(orthant_moment)


@pytest.mark.parametrize("point", POINTS)
def test_orthant_moment_vs_quadrature(point):
    for i in range(4):
        for j in range(4):
            got = evaluate(_orthant_expr(i, j), *point)
            ref = polar_moment(i, j, *point, orthant=True)
            scale = moment_scale(i, j, point[0], point[1])
            assert abs(got - ref) <= 1e-25 * scale, (i, j, point, got, ref)


def test_orthant_moment_is_symmetric():
    for i, j in ((0, 1), (1, 2), (0, 3), (2, 3)):
        swapped = orthant_moment(j, i).subs({Q1: Q2, Q2: Q1}, simultaneous=True)
        assert sp.simplify(orthant_moment(i, j) - swapped) == 0


def test_orthant_moment_price_theorem():
    """d/dc E[u_+^i v_+^j] = i j E[u_+^(i-1) v_+^(j-1)] (checked exactly)."""
    for i, j in ((1, 1), (2, 1), (2, 2), (3, 2)):
        lhs = sp.diff(orthant_moment(i, j), C)
        rhs = i * j * orthant_moment(i - 1, j - 1)
        assert sp.simplify(lhs - rhs) == 0, (i, j)


def test_orthant_moment_names_only_canonical_symbols():
    for i, j in ((0, 0), (1, 3), (3, 3)):
        assert orthant_moment(i, j).free_symbols <= {Q1, Q2, C}
