"""Mehler-series Gram path (ntksym.mehler) for activations without a closed-form dual.

References are independent of the code under test:

* 30-digit values of the mpmath recursion (:func:`_mp_reference`, the loop of ntksym.gram_mp on
  ``net.dual.mp``, which does its own mpmath quadrature). One 30-digit entry costs 5-20 s per
  layer here, so the values up to depth 10 are stored below (``_MP``, generated once in about an
  hour); a slow test recomputes the first layer live with ``net.gram(X, dps=30)``, and
  ``NTKSYM_REGEN_MEHLER=1 python tests/test_mehler.py`` prints them again (as JSON);
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

import mpmath
import numpy as np
import pytest
import sympy as sp

import ntksym as nk
from ntksym.gram import float64 as gram
from ntksym.gram import mehler, mehler_tables
from ntksym.backends.numeric import activation_function_mp

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


def test_tail_grid_matches_full_tails():
    """The kernels search K on a grid of STEP; the log tails there are those of every K."""
    A, E = mehler.hermite_coefficients(nk.activation("elu"), [0.5, 3.0, 0.0], 64)
    full, _ = mehler_tables.log_tails(A, E, 1)
    grid, _ = mehler_tables.log_tails(A, E, mehler_tables.STEP)
    assert np.array_equal(grid, full[:, ::mehler_tables.STEP])
    assert np.all(np.diff(full[:2], axis=1) <= 0) and np.all(full[2] == -np.inf)


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

    The direct path's 2-D rule reaches x > 709 there, where softplus' = exp(x)/(exp(x) + 1)
    must not be evaluated as inf/inf (ntksym.numeric rewrites it with expit)."""
    X = np.stack([_x, 100.0 * _y / np.linalg.norm(_y), _z, -60.0 * _z / np.linalg.norm(_z)])
    for b in (0.0, 0.3):
        net = nk.MLP(depth=2, activation=act, W_std=1.3, b_std=b)
        ref = gram.gram_float64(net, X, backend="generic")
        got = net.gram(X)
        assert _cs_err(got.nngp, ref[0]) < 1e-12
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
    monkeypatch.setattr(mehler_tables, "CHECK_RTOL", -1.0)
    with pytest.warns(RuntimeWarning, match="not trusted"):
        got = net.gram(X)
    assert mehler.LAST_RUN["K"] == [-1, -1]
    assert sum(mehler.LAST_RUN["fallback"]) == 2 * 15
    for g, r in zip(got, ref):
        assert _cs_err(g, r) < 1e-14


# --------------------------------------------------------------------------------------------
# 30-digit references
# --------------------------------------------------------------------------------------------

_XA = [[0.8, -1.1, 0.5], [0.3, -0.9, 1.4]]     # <x1, x2> / (|x1| |x2|) = 0.79
_W, _WIDTH, _DEPTHS = 1.3, 64, (1, 3, 10)


def _mp_reference(act, X, W, b, depth, width, dps=30):
    """The recursion of ntksym.gram_mp (net.gram(X, dps=30)) written out, recording every
    layer and both parameterizations at once: per layer and pair (i <= j) the NNGP, the NTK
    ("ntk" parameterization) and the NTK ("standard", hidden width ``width``). W and b are
    taken as the binary floats that the float64 path uses (net.W_std = 1.3 is 13/10)."""
    k = nk.dual(act)
    out = {}
    with mpmath.workdps(dps + 10):
        A = [[mpmath.mpf(float(v)) for v in row] for row in X]
        d = len(A[0])
        w2 = mpmath.mpf(sp.Float(W, dps + 20)._mpf_) ** 2
        b2 = mpmath.mpf(sp.Float(b, dps + 20)._mpf_) ** 2
        dot = lambda u, v: mpmath.fsum(x * y for x, y in zip(u, v))
        pairs = [(i, j) for i in range(len(A)) for j in range(i, len(A))]
        st = {}
        for i, j in pairs:
            g = dot(A[i], A[j])
            st[i, j] = [w2 * g / d + b2, w2 * g / d + b2, g + 1]
        chain = {}
        for i in range(len(A)):
            s = w2 * dot(A[i], A[i]) / d + b2
            chain[i] = [s]
            for _ in range(depth):
                s = w2 * k.mp(s, s, s, dps=dps) + b2
                chain[i].append(s)
        for l in range(depth):
            for i, j in pairs:
                s, tn, ts = st[i, j]
                a, bb = chain[i][l], chain[j][l]
                kab = k.mp(a, bb, s, dps=dps)
                kd = k.mp(a, bb, s, dps=dps, which="ntk")
                s = w2 * kab + b2
                st[i, j] = [s, tn * w2 * kd + s, width * kab + 1 + w2 * kd * ts]
            out[l + 1] = [[mpmath.nstr(v, dps) for v in st[p]] for p in pairs]
    return out


def _ref_matrices(rows):
    """NNGP, NTK (ntk), NTK (standard) as 2 x 2 float arrays from the stored pair values."""
    v = np.array([[float(x) for x in r] for r in rows])
    return [np.array([[v[0, m], v[1, m]], [v[1, m], v[2, m]]]) for m in range(3)]


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("b", ["0.0", "0.3"])
def test_against_30_digit_references(act, b):
    """Depth 1, 3 and 10, both parameterizations, both backends: every entry within 1e-10 of
    the 30-digit value, relative to the entry and to the Cauchy-Schwarz scale."""
    X = np.array(_XA)
    for depth in _DEPTHS:
        nngp, ntk, ntk_std = _ref_matrices(_MP[act][b][str(depth)])
        for param, theta in (("ntk", ntk), ("standard", ntk_std)):
            net = nk.MLP(depth=depth, activation=act, W_std=_W, b_std=float(b),
                         parameterization=param, width=_WIDTH if param == "standard" else None)
            for backend in BACKENDS:
                for got, ref in zip(gram.gram_float64(net, X, backend=backend), (nngp, theta)):
                    assert _cs_err(got, ref) < 1e-10, (depth, param, backend)
                    assert np.max(np.abs(got - ref) / np.abs(ref)) < 1e-10, (depth, param)


@pytest.mark.slow
def test_stored_references_are_the_mp_path():
    """The stored values are those of net.gram(X, dps=30) (checked live at depth 1, with W_std
    and b_std the exact binary values of the floats 1.3 and 0.3)."""
    X = np.array(_XA)
    for param in ("ntk", "standard"):
        net = nk.MLP(depth=1, activation="tanh", W_std=sp.Rational(_W), b_std=sp.Rational(0.3),
                     parameterization=param, width=_WIDTH if param == "standard" else None)
        A, B = net.gram(X, dps=30)
        rows = _MP["tanh"]["0.3"]["1"]
        m = 1 if param == "ntk" else 2
        with mpmath.workdps(30):
            for (i, j), r in zip([(0, 0), (0, 1), (1, 1)], rows):
                assert abs(A[i, j] - mpmath.mpf(r[0])) < mpmath.mpf(10) ** -25 * abs(A[i, j])
                assert abs(B[i, j] - mpmath.mpf(r[m])) < mpmath.mpf(10) ** -25 * abs(B[i, j])


# generated by _regenerate() (NTKSYM_REGEN_MEHLER=1 python tests/test_mehler.py)
_MP = {
    'tanh': {
        '0.0': {
            '1': [
                ['0.718170117332202122994041381371', '1.58760690125817232138626632094',
                 '30.4752961002985293596908118085'],
                ['0.577356146383821758028834380686', '1.22350910368585515541542818482',
                 '24.6057012281983419044322141902'],
                ['0.813314708003674471455468027254', '1.8568734632441000491296829964',
                 '34.3002719697680085827513392622'],
            ],
            '3': [
                ['0.49715441819711250023549945269', '2.39600381112578374227102775637',
                 '67.4082607952408101059614678895'],
                ['0.364480050379188061517726937885', '1.60787788937835501641155317145',
                 '47.4746289895633669146625911277'],
                ['0.515307069980059137525881652692', '2.56647088015626041289412818368',
                 '70.3676855678111325928205766402'],
            ],
            '10': [
                ['0.411948994809220853436826102537', '6.73130145436984452920874406323',
                 '232.025819481847410025856191767'],
                ['0.261979254875871137313426732001', '3.40979685227619168043523217467',
                 '124.187696744654716291327468711'],
                ['0.412449148563830368695858849167', '6.87696102950449844941569562534',
                 '233.788341013754596020683564797'],
            ],
        },
        '0.3': {
            '1': [
                ['0.830825752527457228794578320355', '1.73933543197740895989442264871',
                 '31.267335660790700090288174758'],
                ['0.691594843676312771897809707819', '1.37166565650859580877505972368',
                 '25.4749089160925741452363645787'],
                ['0.919898948368002832103927114157', '1.99679623626924272781114008531',
                 '34.8716871270372286354314088926'],
            ],
            '3': [
                ['0.648498958072161135191805771883', '2.58465413398172985897822549575',
                 '67.2597557215330913201701704113'],
                ['0.531973911838143804886632154537', '1.86063286462874102250313112088',
                 '49.5475427513035750993924947394'],
                ['0.661325394083450945537976076181', '2.73127420774454243411300399743',
                 '69.8060490783958970555481955876'],
            ],
            '10': [
                ['0.607257356403431067319517984763', '5.16940187417479343905876339298',
                 '162.713251855346792371389129541'],
                ['0.543294003999071917437691692066', '3.60470555582138600044246638097',
                 '114.592431251420649905218976485'],
                ['0.607318465978804808144415194121', '5.24234920984465929321336718031',
                 '163.886530775445570669040946671'],
            ],
        },
    },
    'softplus': {
        '0.0': {
            '1': [
                ['1.69759451513107916216919480441', '2.29504336196014328732865808282',
                 '66.8531916340172779837992112637'],
                ['1.70558950386117920690953226481', '2.24244425676170578122505837857',
                 '67.0371489698404112750968943667'],
                ['2.03011556534958000014076593878', '2.87396710426891355700016651614',
                 '79.9018400923310671472476381842'],
            ],
            '3': [
                ['2.41263680851520665273315503223', '4.20343726803922056061816156633',
                 '154.99962038495566343641415923'],
                ['2.46969261565007464085715483619', '4.26325618115124955975761409037',
                 '157.928824163735740725924466776'],
                ['2.61976205669826000530459765476', '4.76838175203189947844746569005',
                 '173.552001649609606511408810896'],
            ],
            '10': [
                ['3.39716107013171040188421779069', '7.63902143549600500161856101426',
                 '291.504558053593448886193160618'],
                ['3.41822415190393974865952520193', '7.71316626124912169708008161487',
                 '294.327176329659422403840025672'],
                ['3.44122092192705003438468219696', '7.81646616521015393455427406434',
                 '298.174543676478560023909478586'],
            ],
        },
        '0.3': {
            '1': [
                ['1.85712694987924842685732811805', '2.50542878585468573863076578796',
                 '69.4995236427194923742850619297'],
                ['1.86439028391543022369860682716', '2.45066091318915589005914420529',
                 '69.6550060508580678530554702547'],
                ['2.1905324106344190550456673567', '3.08751260981321412540564811574',
                 '82.5821053254898450281354233526'],
            ],
            '3': [
                ['2.67303948743604979596095670455', '4.67351124976636218594689009814',
                 '165.837826250651368020837816431'],
                ['2.72978587602832446691987304646', '4.73024395032645526446937821897',
                 '168.702204935659623043317843186'],
                ['2.88222645701446384199883800242', '5.24926008288316522560715437038',
                 '184.645008741233915950364481417'],
            ],
            '10': [
                ['3.81367649563213228943233853772', '8.71798977698047689687677302802',
                 '324.295970812963027625442639058'],
                ['3.83548226273809611988450288048', '8.79577156714655333037733373654',
                 '327.248006279096572647158123267'],
                ['3.8594581776887076426401885881', '8.90713475795637243023958980674',
                 '331.36903040149432658307687069'],
            ],
        },
    },
    'silu': {
        '0.0': {
            '1': [
                ['0.732208152614649579799538053801', '1.51419571759160153756416765758',
                 '30.7777571331909127118381579075'],
                ['0.68644953438348297463758072464', '1.35825297900019085851630497613',
                 '28.806174315611084116518141808'],
                ['1.05069931571056331942485183787', '2.17376404376400032213020033677',
                 '43.4804676415194887045313179959'],
            ],
            '3': [
                ['0.217783810604032919270147546983', '0.949871948525520520518818274807',
                 '28.6933559559010478720047326403'],
                ['0.213870105680171227174073875315', '0.847620111154674355980848033081',
                 '26.6388847355057725261034835927'],
                ['0.35493198359518489218088175366', '1.56197703994616147937533325935',
                 '45.8990573740936139735830635057'],
            ],
            '10': [
                ['0.000678347186908170117499972626539', '0.00798844478599411156353141571528',
                 '2.01149179782602804843312130633'],
                ['0.000701077001469757381881829254813', '0.00772880435372559093313963728346',
                 '2.00809919441899800389453308638'],
                ['0.00127973485655002016945208145493', '0.0154091366917639085677954325977',
                 '2.26859396576142641942585748742'],
            ],
        },
        '0.3': {
            '1': [
                ['0.887884694807261981159930115911', '1.74033105038034565287608140753',
                 '33.2916226926026807028703705002'],
                ['0.841382522578323155107796819281', '1.57915277148213481699351497565',
                 '31.2909490666935447645011556144'],
                ['1.20934784541128945660201669941', '2.40572971710673856877999287449',
                 '46.1041850205050246782311031643'],
            ],
            '3': [
                ['0.429343460524987037944055403321', '1.42938790518555282483231642554',
                 '38.3064649835451099769446661698'],
                ['0.425594881627971384484781918932', '1.30507836538422171473248989534',
                 '35.8914293712196829961649693694'],
                ['0.581066284347967206768835476964', '2.09588056380099351875244894809',
                 '56.9097881613210641822809634843'],
            ],
            '10': [
                ['0.172653542621945545199884059125', '0.359254786920852369637711002267',
                 '8.79668243319331325362519525755'],
                ['0.173023825759589767552142630236', '0.359368168107868095649662486939',
                 '8.8221970740371522792862472327'],
                ['0.174903807207535161837791905141', '0.383714943988678783903372962216',
                 '9.60819233434749835113559960635'],
            ],
        },
    },
    'elu': {
        '0.0': {
            '1': [
                ['1.26619447092527147335875359373', '2.58116171018043779529992782489',
                 '52.3963742511776612709810698958'],
                ['1.13954353090830584980129183884', '2.27653003712388799572347691466',
                 '47.2183917366492611879749496928'],
                ['1.66949700357047822887773761634', '3.41098346797390212706168845769',
                 '68.395858979462068500935040155'],
            ],
            '3': [
                ['1.42050455477348684835981639627', '6.03064196155424245580972721026',
                 '175.445379364359018522885888958'],
                ['1.23283082843973349116605458166', '4.90100524452612085165945740108',
                 '145.812687243771889871806881467'],
                ['1.77396666792201101454984557705', '7.57534913352369248083344210272',
                 '218.583464816694881608589543778'],
            ],
            '10': [
                ['1.82667052387637644937747090105', '25.0106200936764850354902413303',
                 '864.541707583603033976580424203'],
                ['1.45400913059807472356950416357', '15.2024460971664425782589380217',
                 '539.210653260998955918440021527'],
                ['2.03077440585342271317922963933', '28.1486562912349586138998380216',
                 '967.823501115353875755429462372'],
            ],
        },
        '0.3': {
            '1': [
                ['1.44190725712844211751217024304', '2.84740641466218077476514159908',
                 '55.6191487931353906471710592391'],
                ['1.31572615344211174188547930171', '2.54067784348865260878897321339',
                 '50.46679741404632850891767223'],
                ['1.84305136725661568038471495318', '3.6730384472062735966099426394',
                 '71.5401229673436359096314299463'],
            ],
            '3': [
                ['1.75038763702637833491134546869', '6.84395193991732742587486515503',
                 '192.523978898579011568916731217'],
                ['1.56681950585063166877749109182', '5.71524987368204556731857742903',
                 '163.453400092088892025191424701'],
                ['2.09449146642004758334491996791', '8.35799639740487130401779241362',
                 '234.907168296012772156468265486'],
            ],
            '10': [
                ['2.50418521899193803638065134105', '27.9793094629158364409164437486',
                 '941.992285883556743178653017335'],
                ['2.17894985443741959713928449524', '19.1081119171232427362682861073',
                 '654.196339789521868156688767718'],
                ['2.6800116424355883747766752946', '30.8795037718943374509092443138',
                 '1038.59241008191522546296610738'],
            ],
        },
    },
    'sigmoid': {
        '0.0': {
            '1': [
                ['0.505028611013579043563000620223', '0.591045168492700328418974700249',
                 '20.3507464933166657309827854584'],
                ['0.493780623203108673138343066663', '0.567209123430144651425449226',
                 '19.8972680182247372035135063079'],
                ['0.523762696395498135529281895046', '0.631419801753619042432858298366',
                 '21.092728354425251834822245403'],
            ],
            '3': [
                ['0.462939734533684187406045044771', '0.508308587050247550930299148988',
                 '20.3218611018380411159528601755'],
                ['0.462831089646903301769907101918', '0.507885825919231728983706377713',
                 '20.3092954190352405621326785089'],
                ['0.463034346447847318886583416448', '0.508777731637484751589686614125',
                 '20.3337390703009500012244899436'],
            ],
            '10': [
                ['0.462721342409894840920432677854', '0.507284372305423056738896210508',
                 '20.3070755345331431534493165985'],
                ['0.462721342404092851572256064272', '0.507284372248035363017839837956',
                 '20.3070755324926855900918119957'],
                ['0.462721342410881135387160013992', '0.50728437233498030638651721037',
                 '20.3070755354090730193900686732'],
            ],
        },
        '0.3': {
            '1': [
                ['0.599270884505449480818455093868', '0.690085446777653367516862510603',
                 '20.507148930296533803435715049'],
                ['0.588007160240444211098024895304', '0.666061623416836458488928221423',
                 '20.0537114443413751853126685134'],
                ['0.617283888689184701459746163938', '0.729149692084146475775423742366',
                 '21.2219792197855710038878302161'],
            ],
            '3': [
                ['0.559687302849262048967626700964', '0.612502678780266327980530906408',
                 '20.5416846505815056753613738663'],
                ['0.55958286223007902807999069347', '0.612094929810246741442211375192',
                 '20.5297495689182346885848614843'],
                ['0.559767656105974623790453124991', '0.612917356602783385789001934179',
                 '20.5522390500718519728570911663'],
            ],
            '10': [
                ['0.559506425355243546554415800003', '0.611626990100961750877434844864',
                 '20.5295789231288317783078181036'],
                ['0.559506425350791987719303878339', '0.611626990056175965261243819924',
                 '20.5295789215581646956781831168'],
                ['0.559506425355778252308288353268', '0.61162699012076867661805180261',
                 '20.5295789237191229411966562331'],
            ],
        },
    },
}


def _regenerate():
    data = {}
    for act in ACTS:
        for b in ("0.0", "0.3"):
            ref = _mp_reference(act, _XA, _W, float(b), max(_DEPTHS), _WIDTH)
            data.setdefault(act, {})[b] = {str(d): ref[d] for d in _DEPTHS}
    return data


if __name__ == "__main__" and os.environ.get("NTKSYM_REGEN_MEHLER"):
    print(json.dumps(_regenerate(), indent=1))
