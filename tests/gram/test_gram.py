"""float64 Gram matrices (ntksym.gram): fixtures, 30-digit references, degenerate inputs, depth.

References are independent of the code under test: neural-tangents' float64 values
(shared/reference) and the mpmath path ``net.gram(..., dps=30)`` (ntksym.gram_mp), which runs each
entry's recursion on the SymPy closed forms or on mpmath quadrature.
"""
import json
import pathlib

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings, strategies as st

import ntksym as nk
from ntksym.gram import float64 as gram

REF = pathlib.Path(__file__).resolve().parents[1] / "data" / "neural_tangents_0.6.5.json"

BACKENDS = ["numpy"] + (["numba"] if gram.HAVE_NUMBA else [])


def _mp(net, X1, X2=None):
    A, B = net.gram(X1, X2, dps=30)
    return (np.array(A.tolist(), dtype=float), np.array(B.tolist(), dtype=float))


def _rel(a, ref):
    """Largest error relative to the largest reference entry (entries may vanish)."""
    return float(np.max(np.abs(np.asarray(a) - ref)) / np.max(np.abs(ref)))


def _points(n=4, d=5, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d))


# --------------------------------------------------------------------------------------------
# neural-tangents fixtures
# --------------------------------------------------------------------------------------------

def _cases():
    data = json.loads(REF.read_text())
    return [(data, i) for i in range(len(data["cases"]))]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: "{activation}-{depth}-{parameterization}-"
                         "{W_std}-{b_std}".format(**c[0]["cases"][c[1]]))
def test_neural_tangents_fixtures(case):
    data, i = case
    cs = data["cases"][i]
    kw = dict(depth=cs["depth"], activation=nk.activation(cs["activation"],
                                                          **(cs["params"] or {})),
              W_std=cs["W_std"], b_std=cs["b_std"], parameterization=cs["parameterization"])
    if cs["parameterization"] == "standard":
        kw["width"] = cs["width"]
    net = nk.MLP(**kw)
    X1, X2 = np.array(data["X1"]), np.array(data["X2"])
    kind, _ = gram.recognise(net.activation)
    for backend in (BACKENDS if kind != "generic" else [None]) + ["generic"]:
        a, b = gram.gram_float64(net, X1, backend=backend)
        a2, b2 = gram.gram_float64(net, X1, X2, backend=backend)
        for got, key in ((a, "nngp"), (b, "ntk"), (a2, "nngp_12"), (b2, "ntk_12")):
            assert _rel(got, np.array(cs[key])) < 1e-12, (backend, key)


# --------------------------------------------------------------------------------------------
# 30-digit references
# --------------------------------------------------------------------------------------------

CLOSED = [("relu", 1.5, 0.3), ("erf", 1.5, 0.3), ("gelu", 1.5, 0.3), ("sin", 1.5, 0.3),
          ("abs", 1.2, 0.3), ("leaky_relu", 1.5, 0.0), ("relu", 2 ** 0.5, 0.0)]


@pytest.mark.parametrize("act,w,b", CLOSED)
@pytest.mark.parametrize("depth", [1, 4, 10])
def test_closed_forms_vs_mp(act, w, b, depth):
    net = nk.MLP(depth=depth, activation=act, W_std=w, b_std=b)
    X1, X2 = _points(3, 4, 1), _points(2, 4, 2)
    A, B = _mp(net, X1, X2)
    a, bb = net.gram(X1, X2)
    assert _rel(a, A) < 1e-12 and _rel(bb, B) < 1e-12


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_cubic_polynomial_vs_mp(depth):
    net = nk.MLP(depth=depth, activation="x**3 - 2*x + 1/2", W_std=0.6, b_std=0.2)
    X = _points(3, 4, 3)
    A, B = _mp(net, X)
    a, b = net.gram(X)
    assert _rel(a, A) < 1e-12 and _rel(b, B) < 1e-12


@pytest.mark.slow
def test_quadrature_activation_vs_mp():
    net = nk.MLP(depth=1, activation="tanh", W_std=1.5, b_std=0.3)
    assert net.dual.method == "numeric"
    X = _points(2, 3, 4)
    A, B = _mp(net, X)
    a, b = net.gram(X)
    assert _rel(a, A) < 1e-10 and _rel(b, B) < 1e-10


@pytest.mark.slow
@pytest.mark.parametrize("act", ["tanh", "softplus", "silu", "elu"])
def test_quadrature_activations_vs_mp_slow(act):
    net = nk.MLP(depth=2, activation=act, W_std=1.5, b_std=0.3)
    assert net.dual.method == "numeric"
    X = _points(3, 3, 5)
    X[2] = X[0]
    A, B = _mp(net, X)
    a, b = net.gram(X)
    assert _rel(a, A) < 1e-10 and _rel(b, B) < 1e-10


# --------------------------------------------------------------------------------------------
# fast paths: structural recognition, agreement with the generic path and between backends
# --------------------------------------------------------------------------------------------

def test_recognition_is_structural():
    x = sp.Symbol("x", real=True)
    assert gram.recognise(nk.activation("relu"))[0] == "abrelu"
    assert gram.recognise(nk.activation("abs"))[0] == "abrelu"
    assert gram.recognise(nk.activation("identity"))[0] == "abrelu"
    assert gram.recognise(nk.activation("leaky_relu", alpha=0.1))[1] == \
        pytest.approx((0.55 ** 2, 0.45 ** 2))
    assert gram.recognise(nk.Activation(3 * sp.Max(0, x) - sp.Min(0, x) / 2))[0] == "abrelu"
    assert gram.recognise(nk.Activation(2 * sp.erf(3 * x))) == ("erf", (4.0, 9.0))
    assert gram.recognise(nk.activation("erf"))[0] == "erf"
    for other in ("step", "tanh", "gelu", "sin", "sign"):
        assert gram.recognise(nk.activation(other))[0] == "generic", other
    assert gram.recognise(nk.Activation(sp.Max(0, x) + 1))[0] == "generic"   # phi(0) != 0
    assert gram.recognise(nk.Activation(sp.erf(x) + x))[0] == "generic"


FAST = [nk.activation("relu"), nk.activation("abs"), nk.activation("leaky_relu", alpha=0.2),
        nk.activation("identity"), nk.activation("erf"),
        nk.Activation(3 * sp.Max(0, sp.Symbol("x", real=True)))]


def test_scaled_erf_fast_path():
    """phi = 2 erf(3x) has no engine closed form (its generic path is quadrature, ~1e-8 on the
    NTK at this steepness), so the reference is an independent loop over the erf dual with
    E[S erf(Bu) S erf(Bv)] = S^2 k_erf(B^2 q1, B^2 q2, B^2 c) and E[phi' phi'] likewise."""
    x = sp.Symbol("x", real=True)
    S, B = 2.0, 3.0
    k = nk.dual("erf")
    X = _points(5, 4, 14)
    X[4] = X[0]
    for b in (0.0, 0.3):
        net = nk.MLP(depth=4, activation=nk.Activation(2 * sp.erf(3 * x)), W_std=1.2, b_std=b)
        w2, b2 = 1.44, b * b
        G = w2 * (X @ X.T) / 4 + b2
        q = np.diag(G).copy()
        nngp, ntk = G.copy(), G.copy()
        for _ in range(4):
            Q1, Q2 = np.meshgrid(q, q, indexing="ij")
            kk = S * S * k(B * B * Q1, B * B * Q2, B * B * nngp)
            kd = S * S * B * B * k.ntk(B * B * Q1, B * B * Q2, B * B * nngp)
            nngp, ntk = w2 * kk + b2, ntk * w2 * kd + w2 * kk + b2
            q = np.diag(nngp).copy()
        for backend in BACKENDS:
            a, t = gram.gram_float64(net, X, backend=backend)
            assert _rel(a, nngp) < 1e-12 and _rel(t, ntk) < 1e-12


@pytest.mark.parametrize("act", FAST, ids=str)
@pytest.mark.parametrize("param", ["ntk", "standard"])
def test_fast_paths_match_generic(act, param):
    rng = np.random.default_rng(7)
    X1 = rng.normal(size=(40, 6))
    X1[5] = X1[3]
    X1[6] = -X1[2]
    X1[7] = 0.0
    X1[8] = X1[1] * 3.0
    X2 = rng.normal(size=(9, 6))
    for b in (0.0, 0.4):
        net = nk.MLP(depth=5, activation=act, W_std=1.3, b_std=b, parameterization=param,
                     width=64 if param == "standard" else None)
        ref = gram.gram_float64(net, X1, backend="generic")
        ref12 = gram.gram_float64(net, X1, X2, backend="generic")
        for backend in BACKENDS:
            got = gram.gram_float64(net, X1, backend=backend)
            got12 = gram.gram_float64(net, X1, X2, backend=backend)
            for g, r in zip(got + got12, ref + ref12):
                assert _rel(g, r) < 1e-12, (backend, b)


@pytest.mark.skipif(not gram.HAVE_NUMBA, reason="numba not installed")
def test_numba_and_numpy_agree():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(300, 8))
    X[10] = X[20]
    for act in ("relu", "erf", "abs"):
        net = nk.MLP(depth=10, activation=act, W_std=1.4, b_std=0.2)
        a = gram.gram_float64(net, X, backend="numba")
        b = gram.gram_float64(net, X, backend="numpy")
        for u, v in zip(a, b):
            assert _rel(u, v) < 1e-13
            assert np.array_equal(u, u.T)
    from ntksym.gram.compiled.common import atan2_pos
    y, x = np.abs(rng.normal(size=2000)) * 10.0 ** rng.integers(-12, 3, 2000), \
        rng.normal(size=2000) * 10.0 ** rng.integers(-12, 3, 2000)
    got = np.array([atan2_pos(a, b) for a, b in zip(y, x)])
    assert np.max(np.abs(got - np.arctan2(y, x)) / np.arctan2(y, x)) < 1e-15


def test_numpy_tiles_cover_rectangles(monkeypatch):
    from ntksym.gram import closed_form
    monkeypatch.setattr(closed_form, "TILE", 7)
    rng = np.random.default_rng(9)
    X1, X2 = rng.normal(size=(23, 4)), rng.normal(size=(17, 4))
    net = nk.MLP(depth=3, activation="relu", W_std=1.5, b_std=0.3)
    for a, b in zip(gram.gram_float64(net, X1, X2, backend="numpy"),
                    gram.gram_float64(net, X1, X2, backend="generic")):
        assert _rel(a, b) < 1e-13
    g = gram.gram_float64(net, X1, backend="numpy")
    assert np.array_equal(g[0], g[0].T) and np.array_equal(g[1], g[1].T)


# --------------------------------------------------------------------------------------------
# symmetry, degenerate inputs, depth
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("act", ["relu", "erf", "gelu", "abs"])
def test_exactly_symmetric(act):
    X = np.random.default_rng(10).normal(size=(70, 5)) * 3.0
    g = nk.MLP(depth=4, activation=act, W_std=1.5, b_std=0.1).gram(X)
    assert np.array_equal(g.nngp, g.nngp.T) and np.array_equal(g.ntk, g.ntk.T)


@pytest.mark.parametrize("act", ["relu", "erf", "abs", "leaky_relu", "gelu"])
@pytest.mark.parametrize("b", [0.0, 0.5])
def test_degenerate_inputs_vs_mp(act, b):
    x = np.array([0.3, -1.2, 2.0, 0.7])
    big = 1e3 if act == "gelu" else 1e6   # gelu's generic closed form loses digits at q ~ 1e12
    X = np.stack([x, x, -x, big * x, x + 1e-9])   # zero rows: see the next test
    net = nk.MLP(depth=6, activation=act, W_std=1.4, b_std=b)
    A, B = _mp(net, X)
    a, bb = net.gram(X)
    assert _rel(a, A) < 1e-12 and _rel(bb, B) < 1e-12
    # duplicates are exactly the diagonal's values
    assert a[0, 1] == a[0, 0] or abs(a[0, 1] - a[0, 0]) <= 4e-16 * abs(a[0, 0])


@pytest.mark.parametrize("act", ["relu", "erf"])
def test_zero_inputs_follow_the_dual_convention(act):
    X = np.array([[0.0, 0.0], [1.0, 2.0], [0.0, 0.0]])
    for b in (0.0, 0.3):
        net = nk.MLP(depth=3, activation=act, W_std=1.2, b_std=b)
        for backend in BACKENDS:
            for u, v in zip(gram.gram_float64(net, X, backend=backend),
                            gram.gram_float64(net, X, backend="generic")):
                assert np.all(np.isfinite(u)) and _rel(u, v) < 1e-13


def _depth1000_errors(b):
    X = _points(4, 6, 11)
    X[3] = X[0]
    X[2] = X[1] + 1e-9 * _points(1, 6, 12)[0]
    net = nk.MLP(depth=1000, activation="relu", W_std=2 ** 0.5, b_std=b)
    A, B = _mp(net, X)
    a, bb = net.gram(X)
    return np.max(np.abs(a - A) / np.abs(A)), np.max(np.abs(bb - B) / np.abs(B))


@pytest.mark.slow
@pytest.mark.parametrize("b", [0.0, 0.3])
def test_depth_1000_relu_vs_mp(b):
    ea, eb = _depth1000_errors(b)
    assert ea < 1e-12 and eb < 1e-12


@pytest.mark.parametrize("act", ["relu", "erf", "abs"])
@pytest.mark.parametrize("b", [0.0, 0.3])
def test_depth_1000_finite_symmetric_psd(act, b):
    rng = np.random.default_rng(13)
    X = rng.normal(size=(30, 5))
    X[1] = X[0]
    X[2] = X[3] + 1e-10
    # W_std at the edge of stability (abs: w^2 E[phi^2]/q = 1); erf with w = 1.4 is chaotic
    net = nk.MLP(depth=1000, activation=act, W_std={"relu": 2 ** 0.5, "abs": 1.0}.get(act, 1.4),
                 b_std=b)
    for K in net.gram(X):
        assert np.all(np.isfinite(K)) and np.array_equal(K, K.T)
        assert np.linalg.eigvalsh(K).min() >= -1e-12 * np.abs(K).max()


# --------------------------------------------------------------------------------------------
# hypothesis
# --------------------------------------------------------------------------------------------

_coord = st.floats(-4, 4, allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_coord, min_size=3, max_size=3), min_size=2, max_size=8),
       st.sampled_from(["relu", "erf", "abs", "gelu"]), st.integers(1, 6),
       st.sampled_from([0.0, 0.2]))
def test_symmetric_and_psd(rows, act, depth, b):
    X = np.array(rows)
    try:
        grams = nk.MLP(depth=depth, activation=act, W_std=1.3, b_std=b).gram(X)
    except nk.FloatRangeError:
        # only where a variance underflows float64: a nonzero row of (subnormal-scale) norm^2
        sq = np.einsum("ij,ij->i", X, X)
        assert b == 0 and np.any((np.abs(X).max(axis=1) > 0) & (sq < 1e-290))
        return
    for K in grams:
        assert np.array_equal(K, K.T)
        assert np.linalg.eigvalsh(K).min() >= -1e-12 * max(np.abs(K).max(), 1e-300)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_coord, min_size=2, max_size=2), min_size=2, max_size=2),
       st.sampled_from(["relu", "erf", "leaky_relu"]), st.integers(1, 4),
       st.sampled_from([0.0, 0.3]))
def test_float64_matches_mp(rows, act, depth, b):
    X = np.array(rows)
    net = nk.MLP(depth=depth, activation=act, W_std=1.4, b_std=b)
    A, B = _mp(net, X)
    try:
        a, bb = net.gram(X)
    except nk.FloatRangeError:
        # only where the 30-digit kernel itself leaves float64's normal range (underflow)
        Amp, Bmp = net.gram(X, dps=30)
        tiny = [abs(v) for M in (Amp, Bmp) for row in M.tolist() for v in row]
        assert any(0 < v < 1e-290 for v in tiny)
        return
    scale_a, scale_b = max(np.abs(A).max(), 1e-300), max(np.abs(B).max(), 1e-300)
    assert np.max(np.abs(a - A)) <= 1e-12 * scale_a and np.max(np.abs(bb - B)) <= 1e-12 * scale_b


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("X1,X2,exc", [
    ([[np.nan, 1.0]], None, ValueError),
    ([[np.inf, 1.0]], None, ValueError),
    ([[1.0, 2.0]], [[1.0, -np.inf]], ValueError),
    ([1.0, 2.0], None, ValueError),
    ([[[1.0]]], None, ValueError),
    ([[1.0, 2.0]], [[1.0, 2.0, 3.0]], ValueError),
    ([["a", "b"]], None, TypeError),
    (np.zeros((0, 3)), None, ValueError),
    (np.zeros((2, 0)), None, ValueError),
    ([[1 + 2j, 0.0]], None, TypeError),
    ([[1.0, 2.0], [3.0]], None, ValueError),
])
def test_bad_input(X1, X2, exc):
    net = nk.MLP(depth=2, activation="relu")
    with pytest.raises(exc):
        net.gram(X1, X2)
    with pytest.raises(exc):
        gram.check_inputs(X1, X2)


def test_bad_backend():
    with pytest.raises(ValueError):
        gram.gram_float64(nk.MLP(depth=1, activation="relu"), [[1.0]], backend="cuda")


@pytest.mark.parametrize("act", ["relu", "abs", "x*Abs(x)", "Max(0, x)**3", "2*x - Abs(x)"])
def test_generic_path_keeps_proportional_pairs_exact(act):
    # without bias, x, 3x, -x and -2.5x stay exactly (anti)parallel through the layers of a
    # positively homogeneous activation; the generic closed forms, fed a rounded
    # c = sqrt(q1 q2), used to see a spurious angle ~1e-8 there and lost ~8 digits of the NTK
    rng = np.random.default_rng(21)
    X = rng.normal(size=(6, 4))
    X[1], X[2], X[3] = 3.0 * X[0], -X[0], -2.5 * X[0]
    net = nk.MLP(depth=4, activation=act, W_std=1.3, b_std=0.0)
    got = gram.gram_float64(net, X, backend="generic")
    ref = [np.array(m.tolist(), dtype=float) for m in net.gram(X, dps=30)]
    for g, r in zip(got, ref):
        s = np.sqrt(np.diag(r))
        assert np.max(np.abs(g - r) / np.outer(s, s)) < 1e-13


@pytest.mark.parametrize("act", ["relu", "erf", "gelu"])
def test_out_arrays_and_memmap(tmp_path, act):
    # results written into caller-provided arrays (here memory-mapped files) equal the
    # freshly allocated ones bit for bit, symmetric and cross
    rng = np.random.default_rng(31)
    X1, X2 = rng.normal(size=(37, 5)), rng.normal(size=(11, 5))
    net = nk.MLP(depth=3, activation=act, W_std=1.4, b_std=0.2)
    for Xb in (None, X2):
        n2 = 37 if Xb is None else 11
        ref = net.gram(X1, Xb)
        A = np.lib.format.open_memmap(tmp_path / "nngp.npy", mode="w+", shape=(37, n2))
        B = np.lib.format.open_memmap(tmp_path / "ntk.npy", mode="w+", shape=(37, n2))
        got = net.gram(X1, Xb, out=(A, B))
        assert got.nngp is A and got.ntk is B
        A.flush()
        assert np.array_equal(np.load(tmp_path / "nngp.npy"), ref.nngp)
        assert np.array_equal(got.ntk, ref.ntk)
        del A, B, got


def test_out_validation():
    net = nk.MLP(depth=2, activation="relu")
    X = np.ones((3, 2))
    good = np.empty((3, 3))
    with pytest.raises(TypeError, match="pair"):
        net.gram(X, out=good)
    with pytest.raises(ValueError, match="shape"):
        net.gram(X, out=(np.empty((3, 4)), np.empty((3, 3))))
    with pytest.raises(ValueError, match="float64"):
        net.gram(X, out=(np.empty((3, 3), dtype=np.float32), good))
    with pytest.raises(ValueError, match="contiguous"):
        net.gram(X, out=(np.empty((3, 6))[:, ::2], good))
    with pytest.raises(ValueError, match="overlap"):
        net.gram(X, out=(good, good))
    with pytest.raises(TypeError, match="numpy array"):
        net.gram(X, out=([[0.0] * 3] * 3, good))
    with pytest.raises(ValueError, match="dps"):
        net.gram(X, dps=20, out=(good, np.empty((3, 3))))
