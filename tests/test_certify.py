"""certify_positive_definite: rigorous lower bounds, and refusals with reasons."""
from fractions import Fraction as F

import mpmath
import numpy as np
import pytest

import ntksym as nk
from ntksym.certify import PositivityCertificate, _interval_cholesky_min, \
    certify_positive_definite
from ntksym.polynomial import collocation_test


def test_interval_cholesky_on_known_matrices():
    iv = mpmath.iv
    A = [[iv.mpf(2), iv.mpf(1)], [iv.mpf(1), iv.mpf(2)]]          # eigenvalues 1, 3
    assert _interval_cholesky_min(A) is not None
    B = [[iv.mpf(1), iv.mpf(1)], [iv.mpf(1), iv.mpf(1)]]          # singular
    assert _interval_cholesky_min(B) is None
    C = [[iv.mpf(1), iv.mpf(2)], [iv.mpf(2), iv.mpf(1)]]          # indefinite
    assert _interval_cholesky_min(C) is None


@pytest.mark.parametrize("name, depth, b, X", [
    ("relu", 1, 0, [[1, 0], [0, 1], [1, 1]]),
    ("erf", 2, F(1, 2), [[1, 0], [0, 1], [1, 1], [F(3, 10), F(1, 5)]]),
    ("relu", 2, 0, [[1, 0], [-1, 0], [0, 1], [0, -1]]),
])
def test_certifies_non_polynomial(name, depth, b, X):
    net = nk.MLP(depth=depth, activation=name, W_std=1, b_std=b)
    cert = certify_positive_definite(net, X)
    assert isinstance(cert, PositivityCertificate)
    assert cert.certified and cert.lower_bound > 0 and cert.method == "interval Cholesky"
    # the bound is below the true smallest eigenvalue (float64 check, independent path)
    G = np.asarray(net.gram(np.asarray(X, dtype=float)).ntk)
    assert float(cert.lower_bound) <= np.linalg.eigvalsh(G)[0] * (1 + 1e-12)


def test_refuses_singular_with_reason():
    net = nk.MLP(depth=1, activation="relu", W_std=1, b_std=0)
    cert = certify_positive_definite(net, [[1, 0], [2, 0]])        # homogeneity: x and 2x
    assert not cert.certified and cert.lower_bound is None and "singular" in cert.reason
    net = nk.MLP(depth=1, activation="erf", W_std=1, b_std=0)
    assert not certify_positive_definite(net, [[1, 0], [-1, 0], [0, 1]])   # oddness


def test_polynomial_exact_certificate():
    net = nk.MLP(depth=2, activation="x**2", W_std=1, b_std=1)
    cert = certify_positive_definite(net, [[1, 0], [0, 1], [1, 1]])
    assert cert.certified and cert.method == "exact rational Cholesky"
    G = np.asarray(net.gram(np.array([[1., 0], [0, 1], [1, 1]])).ntk)
    assert 0 < float(cert.lower_bound) <= np.linalg.eigvalsh(G)[0]
    net = nk.MLP(depth=1, activation="x**2", W_std=1, b_std=0)     # 5 points, dimension 3
    cert = certify_positive_definite(net, [[1, 0], [0, 1], [1, 1], [1, -1], [2, 3]])
    assert not cert.certified and "singular" in cert.reason


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
