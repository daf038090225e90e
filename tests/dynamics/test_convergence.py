"""Tests for `ntksym/dynamics/convergence.py`."""
import numpy as np
import pytest
import scipy.linalg
import sympy

import ntksym as nk
from ntksym.dynamics.claims import sphere_data


def test_relu_certified_rate_guarantee_and_curve():
    net = nk.MLP(depth=1, activation="relu", W_std=1.5, b_std=0.3)
    X, y = sphere_data(6, 3)
    c = nk.convergence(net, X, y, learning_rate=0.5, t=[0.0, 5.0, 50.0])
    K, Kn = net.gram(X).ntk, net.gram(X).nngp
    ev = np.linalg.eigvalsh(K)
    assert c.certified and 0 < c.lambda_min_lower <= c.lambda_min
    assert c.lambda_min == pytest.approx(ev[0], rel=1e-10)
    assert c.lambda_max == pytest.approx(ev[-1], rel=1e-12)
    assert c.max_learning_rate == pytest.approx(2 * 6 / ev[-1]) and c.stable
    assert c.rate == pytest.approx(0.5 * ev[0] / 6)
    for i, t in enumerate([0.0, 5.0, 50.0]):
        E = scipy.linalg.expm(-K * 0.5 * t / 6)
        r = E @ y
        assert c.loss[i] == pytest.approx(r @ r / 12, rel=1e-10)
        assert c.expected_loss[i] == pytest.approx((r @ r + np.trace(E @ Kn @ E)) / 12, rel=1e-10)
        # the guarantee bounds the residual of the mean (f_0 = 0)
        assert np.sqrt(r @ r) <= c.guarantee[i] * np.linalg.norm(y) * (1 + 1e-12)
    assert c.floor < 1e-25 and c.rank == 6
    assert "guarantee" in str(c) and r"\lambda_{\min}" in sympy.latex(c)


def test_polynomial_floor_against_feature_projection():
    net = nk.MLP(depth=1, activation="x**2", W_std=1.0, b_std=0.5)
    rng = np.random.default_rng(5)
    X = rng.standard_normal((9, 2))
    y = rng.standard_normal(9)
    c = nk.convergence(net, X, y)
    F = np.column_stack([np.ones(9), X[:, 0], X[:, 1], X[:, 0] ** 2, X[:, 0] * X[:, 1],
                         X[:, 1] ** 2])
    Q, _ = np.linalg.qr(F)
    P0 = np.eye(9) - Q @ Q.T
    assert c.rank == 6 and not c.certified
    assert c.floor == pytest.approx(y @ P0 @ y / 18, rel=1e-8)
    Kn = net.gram(X).nngp
    assert c.expected_floor == pytest.approx((y @ P0 @ y + np.trace(P0 @ Kn @ P0)) / 18,
                                             rel=1e-6, abs=1e-12)
    assert c.loss[-1] == pytest.approx(c.floor, rel=1e-4)
    assert np.all(c.guarantee == 1.0)            # no guarantee for a singular kernel
    assert "singular kernel" in str(c)


def test_width_bound_and_measurement():
    net = nk.MLP(depth=1, activation="relu", W_std=1.0, b_std=0.0)
    X, y = sphere_data(5, 3)
    c = nk.convergence(net, X, y, certify=False, measure=True, widths=(8, 64), steps=60)
    assert c.width_bound.applies and c.width_bound.width > 1e10
    assert c.measured.widths == (8, 64) and len(c.measured.deviations) == 2
    assert "Du et al. 2019" in str(c) and "measured deviation" in str(c)


def test_unstable_learning_rate_is_flagged():
    net = nk.MLP(depth=1, activation="erf", W_std=1.5, b_std=0.3)
    X, y = sphere_data(4, 2)
    c = nk.convergence(net, X, y, learning_rate=100.0, certify=False)
    assert not c.stable and "VIOLATED" in str(c)


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(learning_rate=-1.0), ValueError, "learning_rate"),
    (dict(t=[-1.0]), ValueError, ">= 0"),
    (dict(delta=2.0), ValueError, "delta"),
])
def test_bad_arguments(kwargs, exc, words):
    X, y = sphere_data(4, 2)
    with pytest.raises(exc, match=words):
        nk.convergence(nk.MLP(depth=1, activation="relu"), X, y, certify=False, **kwargs)
