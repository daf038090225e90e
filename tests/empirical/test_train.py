"""Tests for `ntksym/empirical/train.py`."""
import numpy as np
import pytest
import scipy.linalg
import sympy

import ntksym as nk
from ntksym.empirical import empirical_network, empirical_ntk


def _data(n=5, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal(n)


def _loss(f, X, y):
    return 0.5 * np.mean((f.apply(X)[:, 0] - y) ** 2)


@pytest.mark.parametrize("act, param", [("erf", "ntk"), ("relu", "ntk"), ("tanh", "ntk"),
                                        ("erf", "standard")])
def test_one_step_is_minus_lr_times_finite_difference_gradient(act, param):
    X, y = _data()
    width = 7
    net = nk.MLP(depth=2, activation=act, W_std=1.4, b_std=0.3, parameterization=param,
                 width=width if param == "standard" else None)
    lr = 0.5
    r = nk.train(net, X, y, steps=1, learning_rate=lr, width=width, seed=3, kernel_change=False)
    f = empirical_network(net, width, seed=3, input_dim=3)
    worst = 0.0
    for k, (W, b) in enumerate(f.params):
        for arr, new in ((W, r.network.params[k][0]), (b, r.network.params[k][1])):
            for idx in list(np.ndindex(arr.shape))[:5]:
                old = arr[idx]
                arr[idx] = old + 1e-6
                up = _loss(f, X, y)
                arr[idx] = old - 1e-6
                down = _loss(f, X, y)
                arr[idx] = old
                fd = (up - down) / 2e-6
                worst = max(worst, abs((old - new[idx]) / lr - fd))
    assert worst < 1e-8


def test_first_step_follows_the_empirical_ntk():
    # f_1 - f_0 = -eta Theta_0 (f_0 - y) / N + O(eta^2)
    X, y = _data()
    net = nk.MLP(depth=2, activation="erf", W_std=1.5, b_std=0.2)
    theta = empirical_ntk(net, X, width=32, seed=1)
    errs = []
    for lr in (1e-2, 1e-3):
        r = nk.train(net, X, y, 1, lr, width=32, seed=1, kernel_change=False)
        pred = -lr * theta @ (r.outputs[0] - y) / y.size
        errs.append(np.linalg.norm(r.outputs[1] - r.outputs[0] - pred))
    assert errs[1] < errs[0] / 50          # second order: 100x smaller for 10x smaller step


def test_record_times_and_predicted_loss_against_expm():
    X, y = _data(6)
    net = nk.MLP(depth=1, activation="relu", W_std=1.2, b_std=0.1)
    r = nk.train(net, X, y, steps=25, learning_rate=0.4, width=64, seed=2, record_every=10)
    np.testing.assert_array_equal(r.steps, [0, 10, 20, 25])
    np.testing.assert_allclose(r.times, 0.4 * r.steps)
    K = net.gram(X).ntk
    for i, tau in enumerate(r.times):
        res = scipy.linalg.expm(-K * tau / y.size) @ (r.outputs[0] - y)
        assert r.predicted_loss[i] == pytest.approx(res @ res / 12, rel=1e-10)
        np.testing.assert_allclose(r.predicted_outputs[i], y + res, atol=1e-12)
    np.testing.assert_allclose(r.loss, np.sum((r.outputs - y) ** 2, axis=1) / 12, rtol=1e-14)
    f0 = empirical_network(net, 64, seed=2).apply(X)[:, 0]
    np.testing.assert_array_equal(r.outputs[0], f0)


def test_changes_and_apply():
    X, y = _data(6)
    net = nk.MLP(depth=2, activation="erf", W_std=1.2, b_std=0.1)
    r = nk.train(net, X, y, steps=30, learning_rate=1.0, width=16, seed=0)
    num = sum(np.sum((W - W0) ** 2) + np.sum((b - b0) ** 2)
              for (W, b), (W0, b0) in zip(r.network.params, r.initial_params))
    den = sum(np.sum(W0 ** 2) + np.sum(b0 ** 2) for W0, b0 in r.initial_params)
    assert r.weight_change == pytest.approx(np.sqrt(num / den), rel=1e-12)
    assert len(r.layer_weight_change) == 3
    theta0 = empirical_ntk(net, X, width=16, seed=0)
    thetaT = r.network.ntk(X)
    assert r.kernel_change == pytest.approx(np.linalg.norm(thetaT - theta0)
                                            / np.linalg.norm(theta0), rel=1e-12)
    np.testing.assert_allclose(r.apply(X), r.outputs[-1], rtol=1e-13)
    Xn = np.ones((2, 3))
    assert r.apply(Xn).shape == (2,)
    r2 = nk.train(net, X, y.reshape(-1, 1), steps=1, learning_rate=1.0, width=16)
    assert r2.apply(Xn).shape == (2, 1) and r2.outputs.shape == (2, 6, 1)
    assert "Gradient descent: width 16" in str(r)
    assert r"\mathcal{L}_0" in sympy.latex(r)


def test_wide_network_follows_prediction():
    X, y = _data(6)
    net = nk.MLP(depth=1, activation="erf", W_std=1.5, b_std=0.3)
    small = nk.train(net, X, y, 200, 1.0, width=32, kernel_change=False, record_every=20)
    wide = nk.train(net, X, y, 200, 1.0, width=4096, kernel_change=False, record_every=20)
    assert wide.deviation < small.deviation and wide.deviation < 0.1


def test_progress_and_divergence():
    X, y = _data(4)
    net = nk.MLP(depth=1, activation="relu", W_std=1.0, b_std=0.0)
    r = nk.train(net, X, y, 3, 0.1, width=8, progress=True, kernel_change=False)
    assert len(r.loss) == 4
    with pytest.raises(FloatingPointError, match="learning rate"):
        nk.train(net, X, y, 2000, 1e4, width=8, kernel_change=False)


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(steps=-1), ValueError, "steps"),
    (dict(steps=1.5), TypeError, "steps"),
    (dict(learning_rate=0), ValueError, "learning_rate"),
    (dict(width=0), ValueError, "width"),
    (dict(record_every=0), ValueError, "record_every"),
    (dict(seed=-1), ValueError, "seed"),
])
def test_bad_arguments(kwargs, exc, words):
    X, y = _data(4)
    args = dict(steps=2, learning_rate=0.1, width=8)
    args.update(kwargs)
    with pytest.raises(exc, match=words):
        nk.train(nk.MLP(depth=1, activation="relu"), X, y, **args)


def test_bad_targets_and_activation():
    X, y = _data(4)
    net = nk.MLP(depth=1, activation="relu")
    with pytest.raises(ValueError, match="one target per row"):
        nk.train(net, X, y[:3], 1, 0.1, width=4)
    with pytest.raises(ValueError, match="one output"):
        nk.train(net, X, np.ones((4, 2)), 1, 0.1, width=4)
    with pytest.raises(ValueError, match="Dirac"):
        nk.train(nk.MLP(depth=1, activation="step"), X, y, 1, 0.1, width=4)
