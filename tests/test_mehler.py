"""Mehler-series Gram path (ntksym.mehler) for activations without a closed-form dual.

References are independent of the code under test:

* 30-digit values of the mpmath recursion (:func:`_mp_reference`, the loop of ntksym.gram_mp on
  ``net.dual.mp``, which does its own mpmath quadrature). One 30-digit entry costs 5-20 s per
  layer here, so the values for depth 10 are stored below (``_MP``); ``test_stored_references_
  are_the_mp_path`` recomputes the first layer live against ``net.gram(X, dps=30)`` and
  ``NTKSYM_REGEN_MEHLER=1 python tests/test_mehler.py`` regenerates them;
* mpmath quadrature (tanh-sinh) of the Hermite coefficients, and closed forms of the Hermite
  coefficients of sin and ReLU (entire and kinked, up to k = 700);
* the direct 2-D float64 quadrature (``backend="generic"``, ntksym.quadrature.expect2).

Accuracy is measured per entry relative to the Cauchy-Schwarz scale sqrt(K_ii K_jj) of the
reference (entries may be small compared with it); the stored cases are also checked relative to
the entry itself.
"""
import json
import math
import os
import pathlib
import sys
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp

import ntksym as nk
from ntksym import gram, mehler
from ntksym.numeric import activation_function_mp

ACTS = ["tanh", "softplus", "silu", "elu", "sigmoid"]
BACKENDS = ["numpy"] + (["numba"] if mehler.HAVE_NUMBA else [])


def _cs_err(got, ref):
    """Largest |got - ref| / sqrt(ref_ii ref_jj) over the entries (zero scale: absolute)."""
    got, ref = np.asarray(got, dtype=float), np.asarray(ref, dtype=float)
    if ref.shape[0] == ref.shape[1]:
        d = np.abs(np.diag(ref))
        scale = np.sqrt(np.outer(d, d))
    else:
        raise ValueError("square matrices only")
    return float(np.max(np.abs(got - ref) / np.where(scale > 0, scale, 1.0)))


# --------------------------------------------------------------------------------------------
# dispatch
# --------------------------------------------------------------------------------------------

def test_dispatch_by_dual_method(monkeypatch):
    calls = []
    real = mehler.run
    monkeypatch.setattr(mehler, "run", lambda *a, **k: calls.append(1) or real(*a, **k))
    X = np.random.default_rng(0).normal(size=(5, 3))
    for act, used in [("tanh", True), ("elu", True), ("x/(1 + exp(-x))", True),
                      ("relu", False), ("gelu", False), ("erf", False), ("sin", False)]:
        net = nk.MLP(depth=2, activation=act, W_std=1.2, b_std=0.1)
        assert (net.dual.method == "numeric") == used
        calls.clear()
        net.gram(X)
        assert bool(calls) == used, act
        calls.clear()
        gram.gram_float64(net, X, backend="generic")      # the old direct path on request
        assert not calls


def test_black_box_activation_takes_the_path():
    act = nk.Activation.from_callable(np.tanh, df=lambda t: 1.0 / np.cosh(t) ** 2, name="tanh_bb")
    X = np.random.default_rng(1).normal(size=(6, 3))
    a = nk.MLP(depth=3, activation=act, W_std=1.4, b_std=0.2).gram(X)
    assert mehler.LAST_RUN["entries"] == 21
    b = nk.MLP(depth=3, activation="tanh", W_std=1.4, b_std=0.2).gram(X)
    for u, v in zip(a, b):
        assert _cs_err(u, v) < 1e-14


# --------------------------------------------------------------------------------------------
# Hermite coefficients
# --------------------------------------------------------------------------------------------

def _alpha_mpmath(act, k, q, dps=20):
    """E[phi(sqrt(q) z) h_k(z)] by mpmath's tanh-sinh quadrature (He_k from mpmath.hermite)."""
    f = activation_function_mp(act)
    with mpmath.workdps(dps):
        s = mpmath.sqrt(mpmath.mpf(q))
        norm = 1 / mpmath.sqrt(2 * mpmath.pi * mpmath.factorial(k) * mpmath.mpf(2) ** k)
        g = lambda z: f(s * z) * mpmath.hermite(k, z / mpmath.sqrt(2)) * mpmath.exp(-z * z / 2)
        return float(norm * mpmath.quad(g, mpmath.linspace(-12, 12, 13)))


@pytest.mark.parametrize("act", ACTS)
def test_coefficients_vs_mpmath(act):
    a = nk.activation(act)
    cases = [(0, 1.0), (3, 0.3), (17, 2.5)] + ([(41, 1.7)] if act in ("tanh", "elu") else [])
    for k, q in cases:
        A, E = mehler.hermite_coefficients(a, [q], k)
        assert abs(A[0, k] - _alpha_mpmath(a, k, q)) <= 4e-16 * math.sqrt(E[0]), (k, q)
    d = a.derivative()
    for k, q in [(0, 0.7), (4, 3.0)]:
        B, Ed = mehler.hermite_coefficients(a, [q], k, derivative=True)
        assert abs(B[0, k] - _alpha_mpmath(d, k, q)) <= 4e-16 * math.sqrt(Ed[0]), (k, q)


def test_coefficients_high_degree_closed_forms():
    """sin (entire, oscillating) and ReLU (kink: slow k^(-5/4) decay) have exact coefficients:
    E[sin(t z) h_k(z)] = e^(-t^2/2) t^k sin(k pi/2) / sqrt(k!), E[relu(z) h_k(z)] =
    He_{k-2}(0) / sqrt(2 pi k!) for k >= 2, E[step(z) h_k(z)] = He_{k-1}(0) / sqrt(2 pi k!)."""
    K = 700
    with mpmath.workdps(30):
        rf = [mpmath.sqrt(mpmath.factorial(k)) for k in range(K + 1)]
        for q in (4.0, 60.0):
            t = mpmath.sqrt(q)
            ref = np.array([float(mpmath.exp(-t * t / 2) * t ** k / rf[k]) * [0, 1, 0, -1][k % 4]
                            for k in range(K + 1)])
            A, E = mehler.hermite_coefficients(nk.activation("sin"), [q], K)
            assert abs(E[0] - (1 - math.exp(-2 * q)) / 2) < 1e-15
            assert np.max(np.abs(A[0] - ref)) < 1e-15
        # He_m(0) = (-1)^(m/2) (m - 1)!! for even m, 0 for odd m
        he0 = [(-1) ** (m // 2) * mpmath.fac2(m - 1) if m % 2 == 0 else 0 for m in range(K + 1)]
        s2p = mpmath.sqrt(2 * mpmath.pi)
        relu = np.array([float(1 / s2p), 0.5] + [float(he0[k - 2] / (s2p * rf[k]))
                                                 for k in range(2, K + 1)])
        step = np.array([0.5] + [float(he0[k - 1] / (s2p * rf[k])) for k in range(1, K + 1)])
    for q in (0.5, 9.0):
        A, E = mehler.hermite_coefficients(nk.activation("relu"), [q], K)
        assert np.max(np.abs(A[0] - math.sqrt(q) * relu)) < 1e-15 * math.sqrt(q)
        assert abs(E[0] - q / 2) < 1e-15 * q
        B, Ed = mehler.hermite_coefficients(nk.activation("relu"), [q], K, derivative=True)
        assert np.max(np.abs(B[0] - step)) < 1e-15 and abs(Ed[0] - 0.5) < 1e-15


@pytest.mark.parametrize("act", ACTS)
def test_derivative_coefficients_by_parts(act):
    """beta_k(q) = alpha_{k+1}(q) sqrt(k + 1) / sqrt(q) (Gaussian integration by parts), here
    between two separately computed tables (phi' and phi at the nodes)."""
    a = nk.activation(act)
    K = 300
    for q in (0.5, 2.0, 9.0):
        A, E = mehler.hermite_coefficients(a, [q], K + 1)
        B, Ed = mehler.hermite_coefficients(a, [q], K, derivative=True)
        by_parts = A[0, 1:] * np.sqrt(np.arange(1, K + 2)) / math.sqrt(q)
        assert np.max(np.abs(B[0] - by_parts)) < 2e-13 * math.sqrt(Ed[0]), q


@pytest.mark.parametrize("act,phi0,dphi0", [("tanh", 0.0, 1.0), ("softplus", math.log(2), 0.5),
                                            ("silu", 0.0, 0.5), ("elu", 0.0, 1.0),
                                            ("sigmoid", 0.5, 0.25)])
def test_zero_variance_coefficients(act, phi0, dphi0):
    A, E = mehler.hermite_coefficients(nk.activation(act), [0.0, 1.0], 5)
    B, Ed = mehler.hermite_coefficients(nk.activation(act), [0.0], 5, derivative=True)
    assert A[0].tolist() == [phi0] + [0.0] * 5 and E[0] == phi0 ** 2
    assert B[0, 0] == pytest.approx(dphi0, abs=1e-16) and not B[0, 1:].any()


# --------------------------------------------------------------------------------------------
# the tail bound
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("act", ACTS)
def test_tail_bound_bounds_the_truncation_error(act):
    """|series truncated at K - direct 2-D quadrature| <= |rho|^(K+1) sqrt(T(q1) T(q2)), up to
    the rounding of the two computations (4e-15 of the Cauchy-Schwarz scale)."""
    k = nk.dual(act)
    a = nk.activation(act)
    q1 = np.array([1.0, 2.5, 0.4, 6.0, 1.3, 3.0])
    q2 = np.array([1.0, 0.8, 0.4, 5.0, 1.3, 3.0])
    rho = np.array([0.3, 0.9, -0.95, 0.99, 1.0, -1.0])
    c = rho * np.sqrt(q1 * q2)
    direct = {"nngp": k(q1, q2, c), "ntk": k.ntk(q1, q2, c)}
    E = {w: mehler.hermite_coefficients(a, np.concatenate([q1, q2]), 0, w == "ntk")[1]
         for w in direct}
    informative = 0
    for which in ("nngp", "ntk"):
        scale = np.sqrt(E[which][:6] * E[which][6:])
        for K in (2, 5, 10, 20, 40, 80, 160):
            val, bound = mehler.dual_series(a, q1, q2, c, K, which)
            err = np.abs(val - direct[which])
            assert np.all(err <= bound + 4e-15 * scale), (which, K, err, bound)
            informative += np.count_nonzero(err > 1e-12 * scale)
        # at the table's full length the bound is small where the series converges
        val, bound = mehler.dual_series(a, q1[:2], q2[:2], c[:2], 400, which)
        assert np.all(bound <= 1e-14 * scale[:2])
    assert informative > 10      # the comparison was made where truncation errors are large


# --------------------------------------------------------------------------------------------
# the Gram matrices against the direct path
# --------------------------------------------------------------------------------------------

_x = np.array([0.3, -1.2, 2.0, 0.7])
_v = np.array([0.5, 0.1, -0.4, 0.9])
_y = np.array([1.1, 0.4, -0.6, -0.2])
_z = np.array([-0.7, 0.9, 0.3, 1.5])


@pytest.mark.parametrize("act", ACTS)
def test_edge_cases_match_direct_quadrature(act):
    """Identical, near-duplicate (1e-9), antipodal, proportional and zero inputs, with and
    without bias, both parameterizations, against the direct 2-D quadrature."""
    X = np.stack([_x, _x, _x + 1e-9 * _v, -_x, 2.5 * _x, np.zeros(4), _z])
    for b, param in (("0.0", "ntk"), ("0.3", "ntk"), ("0.3", "standard")):
        net = nk.MLP(depth=3, activation=act, W_std=1.3, b_std=float(b), parameterization=param,
                     width=64 if param == "standard" else None)
        ref = gram.gram_float64(net, X, backend="generic")
        got = net.gram(X)
        for K, R in zip(got, ref):
            assert _cs_err(K, R) < 1e-12, (b, param)
            assert np.all(np.isfinite(K)) and np.array_equal(K, K.T)
            # identical inputs follow the diagonal chain exactly
            assert K[0, 1] == K[0, 0] == K[1, 1]


@pytest.mark.slow
@pytest.mark.parametrize("act", ["tanh", "elu", "softplus"])
def test_large_norms_match_direct_quadrature(act):
    """|x|^2 = 1e4 (q ~ 4000: phi(sqrt(q) z) is nearly a kink at the scale of the Gaussian).

    For softplus the direct path's NTK is NaN there: phi' = exp(x)/(exp(x) + 1), as
    lambdified, overflows at x > 709, which its 2-D rule reaches; this module recomputes such
    values with mpmath, so only its NNGP is compared with the direct path."""
    X = np.stack([_x, 100.0 * _y / np.linalg.norm(_y), _z, -60.0 * _z / np.linalg.norm(_z)])
    for b in (0.0, 0.3):
        net = nk.MLP(depth=2, activation=act, W_std=1.3, b_std=b)
        ref = gram.gram_float64(net, X, backend="generic")
        got = net.gram(X)
        assert _cs_err(got.nngp, ref[0]) < 1e-12
        if act == "softplus":
            assert not np.all(np.isfinite(ref[1]))
        else:
            assert _cs_err(got.ntk, ref[1]) < 1e-12
        for K in got:
            assert np.all(np.isfinite(K)) and np.array_equal(K, K.T)


def test_zero_input_uses_the_dual_convention():
    """E[phi(0) phi(v)] = phi(0) E[phi(v)] at q = 0 (no bias; softplus(0) = log 2 != 0), with
    E[softplus(v)] from mpmath; with bias, the direct path."""
    X = np.array([[0.0, 0.0], [1.0, -2.0], [0.0, 0.0]])
    net = nk.MLP(depth=1, activation="softplus", W_std=1.1, b_std=0.0)
    got = net.gram(X)
    q = 1.21 * 5 / 2
    mean = float(mpmath.quad(lambda z: mpmath.log1p(mpmath.exp(mpmath.sqrt(q) * z))
                             * mpmath.npdf(z), [-mpmath.inf, 0, mpmath.inf]))
    assert got.nngp[0, 1] == pytest.approx(1.21 * math.log(2) * mean, rel=1e-14)
    assert got.nngp[0, 2] == got.nngp[0, 0] == pytest.approx(1.21 * math.log(2) ** 2, rel=1e-15)
    net = nk.MLP(depth=2, activation="softplus", W_std=1.1, b_std=0.5)
    for u, v in zip(net.gram(X), gram.gram_float64(net, X, backend="generic")):
        assert _cs_err(u, v) < 1e-14


@pytest.mark.parametrize("act", ["tanh", "elu", "sigmoid"])
def test_random_points_match_direct_and_backends_agree(act):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(22, 5))
    X[4] = X[9]
    X[20] = X[2]
    n1 = 18
    net = nk.MLP(depth=3, activation=act, W_std=1.4, b_std=0.2)
    ref = gram.gram_float64(net, X, backend="generic")
    out = {}
    for backend in BACKENDS:
        got = gram.gram_float64(net, X, backend=backend)
        for g, r in zip(got, ref):
            assert _cs_err(g, r) < 1e-13 and np.array_equal(g, g.T)
        # rectangular: the corresponding block (up to the two runs' truncations, each within
        # TOL = 1e-14 per layer)
        got12 = gram.gram_float64(net, X[:n1], X[n1:], backend=backend)
        for g, r in zip(got12, ref):
            d = np.diag(r)
            assert np.max(np.abs(g - r[:n1, n1:]) / np.sqrt(np.outer(d[:n1], d[n1:]))) < 1e-13
        out[backend] = got
    if len(out) == 2:       # each truncates within TOL per layer, at different K
        for u, v in zip(out["numpy"], out["numba"]):
            assert _cs_err(u, v) < 1e-13


def test_exactly_symmetric():
    X = np.random.default_rng(10).normal(size=(70, 5)) * 3.0
    for act in ("tanh",):
        g = nk.MLP(depth=3, activation=act, W_std=1.5, b_std=0.1).gram(X)
        assert np.array_equal(g.nngp, g.nngp.T) and np.array_equal(g.ntk, g.ntk.T)


def test_fallback_and_escalation(monkeypatch):
    """With a small table, entries with |rho| near 1 first get a larger table on their own
    variances and, where that does not converge either, the direct quadrature; both give the
    direct path's values."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(12, 3))
    X[1] = X[0] + 1e-3 * rng.normal(size=3)       # rho close to 1: ELU's series converges slowly
    X[2] = X[0] + 1e-9 * rng.normal(size=3)
    net = nk.MLP(depth=3, activation="elu", W_std=1.3, b_std=0.2)
    ref = gram.gram_float64(net, X, backend="generic")
    monkeypatch.setattr(mehler, "KCAP", 64)
    monkeypatch.setattr(mehler, "BULK_FRAC", 1.0)
    for backend in BACKENDS:
        got = gram.gram_float64(net, X, backend=backend)
        assert sum(mehler.LAST_RUN["fallback"]) > 0
        for g, r in zip(got, ref):
            assert _cs_err(g, r) < 1e-13
    monkeypatch.setattr(mehler, "KCAP", 1024)
    got = gram.gram_float64(net, X)
    assert any(k is not None for k in mehler.LAST_RUN["escalated"])
    for g, r in zip(got, ref):
        assert _cs_err(g, r) < 1e-13


def test_untrusted_table_falls_back_to_direct_quadrature(monkeypatch):
    X = np.random.default_rng(6).normal(size=(6, 3))
    net = nk.MLP(depth=2, activation="tanh", W_std=1.3, b_std=0.2)
    ref = gram.gram_float64(net, X, backend="generic")
    monkeypatch.setattr(mehler, "CHECK_RTOL", -1.0)
    with pytest.warns(RuntimeWarning, match="not trusted"):
        got = net.gram(X)
    assert mehler.LAST_RUN["K"] == [-1, -1]
    assert sum(mehler.LAST_RUN["fallback"]) == 2 * 15
    for g, r in zip(got, ref):
        assert _cs_err(g, r) < 1e-14
