"""Exact Gram matrices and null vectors (ntksym.theory.exact)."""
from fractions import Fraction as F

import numpy as np
import pytest
import sympy as sp

import ntksym as nk
from ntksym.theory.exact import all_exact, exact_gram, exact_number, exact_points, null_vector
from rank_references import ref_gram


def test_null_vector_exact():
    net = nk.MLP(depth=1, activation="x**2", W_std=1, b_std=0)
    X = [[1, 0], [0, 1], [1, 1], [1, -1], [2, 3]]
    v = null_vector(net, X, "nngp")
    assert v is not None and all(sp.sympify(c).is_Rational for c in v)
    G = sp.Matrix(exact_gram(net, X, "nngp"))
    assert G * sp.Matrix(v) == sp.zeros(5, 1)
    assert null_vector(net, X[:3], "nngp") is None


def test_exact_gram_matches_the_closed_form():
    net = nk.MLP(depth=2, activation="x**2 - x", W_std=F(3, 2), b_std=1)
    X = [[1, 0], [F(1, 2), 2], [-1, 3]]
    for kind in ("nngp", "ntk"):
        assert sp.Matrix(exact_gram(net, X, kind)) == ref_gram(net, X, kind)
    with pytest.raises(ValueError, match="polynomial"):
        exact_gram(nk.MLP(depth=1, activation="relu"), X)


def test_exact_numbers_and_points():
    assert exact_number(0.1) == sp.Rational(3602879701896397, 36028797018963968)
    assert exact_number(F(1, 3)) == sp.Rational(1, 3) and exact_number(np.int64(2)) == 2
    for bad, err in ((True, TypeError), ("1", TypeError), (float("nan"), ValueError),
                     (sp.I, TypeError)):
        with pytest.raises(err):
            exact_number(bad)
    assert exact_points(np.array([[1, 2]])) == [[1, 2]]
    with pytest.raises(ValueError, match="2-D|rectangular"):
        exact_points([[1, 2], [3]])
    assert all_exact([[1, F(1, 2), sp.Rational(1, 3)]]) and not all_exact([[1.0]])
    assert all_exact(np.array([[1]])) and not all_exact(np.array([[1.0]]))
