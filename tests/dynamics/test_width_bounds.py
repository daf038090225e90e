"""Tests for `ntksym/dynamics/width_bounds.py`."""
import numpy as np
import pytest
import sympy

import ntksym as nk
from ntksym.dynamics.width_bounds import du_2019_width, du_gram


def _sphere(n, d, seed=0):
    X = np.random.default_rng(seed).standard_normal((n, d))
    return X * np.sqrt(d) / np.linalg.norm(X, axis=1, keepdims=True)


def test_h_infinity_is_the_first_layer_part_of_the_ntk():
    # depth-1 ReLU, W_std = 1, no bias, |x|^2 = d: Theta = Sigma^1 Sigma-dot^2 + Sigma^2,
    # and the first-layer term Sigma^1 Sigma-dot^2 is Du et al.'s H^infinity
    X = _sphere(7, 4)
    g = nk.MLP(depth=1, activation="relu", W_std=1.0, b_std=0.0).gram(X)
    np.testing.assert_allclose(du_gram(X), g.ntk - g.nngp, atol=1e-14)


def test_width_formula_and_hypotheses():
    X = _sphere(5, 3)
    y = np.linspace(-1, 1, 5)
    net = nk.MLP(depth=1, activation="relu", W_std=1.0, b_std=0.0)
    b = du_2019_width(net, X, y, delta=0.05)
    lam0 = np.linalg.eigvalsh(du_gram(X))[0]
    main = 512 / np.pi * 5 ** 5 * (y @ y + 2.5) / (0.05 ** 3 * lam0 ** 4)
    hoeff = 32 * 25 * np.log(50 / 0.05) / lam0 ** 2
    assert b.applies and b.reasons == ()
    assert b.width == pytest.approx(max(main, hoeff), rel=1e-12)
    assert b.lambda_0 == pytest.approx(lam0)
    assert "arXiv:1810.02054" in b.citation and "Du et al." in str(b)
    assert "m_{" in sympy.latex(b)
    other = du_2019_width(nk.MLP(depth=2, activation="erf", b_std=0.1), 2 * X, y)
    assert not other.applies and len(other.reasons) == 4
    with pytest.raises(ValueError, match="delta"):
        du_2019_width(net, X, y, delta=1.5)
    with pytest.raises(ValueError, match="zero rows"):
        du_gram(np.zeros((2, 3)))
