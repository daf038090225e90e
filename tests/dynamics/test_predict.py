"""Tests for `ntksym/dynamics/predict.py` (and the flow of `ntksym/core/flow.py`)."""
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import sympy

import ntksym as nk
from ntksym.dynamics.predict import predict

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "neural_tangents_0.6.5_predict.json"
DATA = json.loads(FIXTURE.read_text())


@pytest.mark.parametrize("case", DATA["cases"], ids=lambda c: (
    f"{c['activation']}-L{c['depth']}-t{c['t']}-{c['get']}-reg{c['diag_reg']}"))
def test_matches_neural_tangents(case):
    # neural-tangents 0.6.5 gradient_descent_mse_ensemble, float64: agreement to 1e-12 absolute
    net = nk.MLP(depth=case["depth"], activation=case["activation"], W_std=case["W_std"],
                 b_std=case["b_std"])
    p = predict(net, DATA["X_train"], DATA["y_train"], DATA["X_test"], t=case["t"],
                learning_rate=case["learning_rate"], diag_reg=case["diag_reg"],
                kind=case["get"], cov=True)
    np.testing.assert_allclose(p.mean, np.array(case["mean"]), rtol=0, atol=1e-12)
    np.testing.assert_allclose(p.cov, np.array(case["cov"]), rtol=0, atol=1e-12)


def _setup(act="erf", n=6, m=3, d=3, seed=1):
    rng = np.random.default_rng(seed)
    net = nk.MLP(depth=2, activation=act, W_std=1.3, b_std=0.2)
    return net, rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal((m, d))


def test_closed_form_gradient_flow_with_expm():
    # independent reference: matrix exponential of the linearised model, no eigendecomposition
    net, X, y, Xt = _setup()
    g, gt = net.gram(X), net.gram(Xt, X)
    N, lr, t = y.size, 0.7, 3.0
    E = scipy.linalg.expm(-g.ntk * lr * t / N)
    A = np.linalg.solve(g.ntk, np.eye(N) - E)
    mean = gt.ntk @ A @ y
    T = A @ gt.ntk.T
    T2 = A @ gt.nngp.T
    cov = net.gram(Xt).nngp + T.T @ g.nngp @ T - gt.ntk @ T2 - (gt.ntk @ T2).T
    p = predict(net, X, y, Xt, t=t, learning_rate=lr, cov=True)
    np.testing.assert_allclose(p.mean, mean, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(p.cov, cov, rtol=1e-9, atol=1e-11)


def test_time_array_is_one_decomposition_of_every_time():
    net, X, y, Xt = _setup()
    ts = np.array([[0.0, 0.5], [4.0, np.inf]])
    p = predict(net, X, y, Xt, t=ts, cov=True)
    assert p.mean.shape == (2, 2, 3) and p.cov.shape == (2, 2, 3, 3)
    for idx in np.ndindex(2, 2):
        q = predict(net, X, y, Xt, t=float(ts[idx]), cov=True)
        np.testing.assert_allclose(p.mean[idx], q.mean, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(p.cov[idx], q.cov, rtol=1e-12, atol=1e-13)
    inf = predict(net, X, y, Xt, t=None, cov=True)
    np.testing.assert_allclose(p.mean[1, 1], inf.mean, rtol=1e-12)
    np.testing.assert_allclose(p.mean[0, 0], 0.0, atol=0)
    np.testing.assert_allclose(p.cov[0, 0], net.gram(Xt).nngp, atol=1e-13)


def test_training_set_and_targets_with_columns():
    net, X, y, _ = _setup()
    p = predict(net, X, y)
    np.testing.assert_allclose(p.mean, y, rtol=1e-10)
    Y = np.stack([y, -2 * y], axis=1)
    q = predict(net, X, Y, t=2.0)
    assert q.mean.shape == (6, 2)
    # N = y.size = 12 (neural-tangents' normalisation): time 2 with two columns is time 1 with one
    np.testing.assert_allclose(q.mean[:, 1], -2 * predict(net, X, y, t=1.0).mean, atol=1e-12)
    mean, cov = q
    assert cov is None and mean.shape == (6, 2)


def test_singular_kernel_reports_unfit_part_exactly():
    # x**2, depth 1, with bias: features 1, x1, x2, x1^2, x1 x2, x2^2 -- rank 6 on 10 points.
    net = nk.MLP(depth=1, activation="x**2", W_std=1.0, b_std=0.5)
    rng = np.random.default_rng(3)
    X = rng.standard_normal((10, 2))
    y = rng.standard_normal(10)
    p = predict(net, X, y, t=None, cov=True)
    F = np.column_stack([np.ones(10), X[:, 0], X[:, 1], X[:, 0] ** 2, X[:, 0] * X[:, 1],
                         X[:, 1] ** 2])
    Q, _ = np.linalg.qr(F)
    fit = Q @ (Q.T @ y)
    assert p.rank == 6
    np.testing.assert_allclose(p.mean, fit, atol=1e-9)               # least squares, not noise
    np.testing.assert_allclose(p.unfit, y - fit, atol=1e-9)
    assert p.unfit_norm == pytest.approx(np.linalg.norm(y - fit), rel=1e-8)
    assert p.loss_floor == pytest.approx(np.sum((y - fit) ** 2) / 20, rel=1e-8)
    assert np.all(np.isfinite(p.cov)) and np.max(np.abs(p.cov)) < 1e3
    assert "cannot fit" in str(p)


def test_nngp_kind_at_infinity_is_the_gp_posterior():
    net, X, y, Xt = _setup("relu")
    g, gt, gtt = net.gram(X), net.gram(Xt, X), net.gram(Xt)
    p = predict(net, X, y, Xt, kind="nngp", cov=True)
    np.testing.assert_allclose(p.mean, gt.nngp @ np.linalg.solve(g.nngp, y), rtol=1e-9)
    np.testing.assert_allclose(p.cov, gtt.nngp - gt.nngp @ np.linalg.solve(g.nngp, gt.nngp.T),
                               atol=1e-10)


def test_str_and_latex():
    net, X, y, Xt = _setup()
    p = predict(net, X, y, Xt, t=[1.0, 2.0])
    assert "Prediction (ntk" in str(p) and "rank 6 of 6" in str(p)
    assert r"\operatorname{rank}" in sympy.latex(p) and "ntk" in nk.latex(p)


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(kind="gp"), ValueError, "kind"),
    (dict(t=-1.0), ValueError, ">= 0"),
    (dict(t="soon"), TypeError, "t must be"),
    (dict(learning_rate=0.0), ValueError, "learning_rate"),
    (dict(diag_reg=-1.0), ValueError, "diag_reg"),
    (dict(cov="yes"), TypeError, "cov"),
    (dict(X_test=np.ones((2, 5))), ValueError, "columns"),
])
def test_bad_arguments(kwargs, exc, words):
    net, X, y, _ = _setup()
    with pytest.raises(exc, match=words):
        predict(net, X, y, **kwargs)


def test_bad_targets_and_net():
    net, X, y, _ = _setup()
    with pytest.raises(ValueError, match="one target per row"):
        predict(net, X, y[:-1])
    with pytest.raises(ValueError, match="NaN"):
        predict(net, X, np.full(6, np.nan))
    with pytest.raises(TypeError, match="MLP"):
        predict("relu", X, y)
