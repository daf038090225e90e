"""Tests of ntksym.backends.quadrature: float64 and mpmath Gaussian expectations.

Reference values never come from the float64 code: they are closed forms evaluated with mpmath
at 50 digits (from the exact binary values of the float inputs), or the independent mpmath path
(computed live for cheap cases, and stored below, at 25 digits, for the slow large-variance ones).
"""
import math
import time

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.special import erf, expit

from ntksym.backends import quadrature as Q
from ntksym.backends.quadrature.rule import row_sums

# ------------------------------------------------------------------------------------------
# test functions: numpy version, mpmath version
# ------------------------------------------------------------------------------------------
MPZ = mpmath.mpf(0)
FUN = {
    "relu": (lambda x: np.maximum(x, 0.0), lambda x: x if x > 0 else MPZ),
    "step": (lambda x: (x > 0).astype(float), lambda x: mpmath.mpf(1) if x > 0 else MPZ),
    "sign": (np.sign, lambda x: mpmath.mpf(mpmath.sign(x))),
    "abs": (np.abs, abs),
    "leaky": (lambda x: np.where(x > 0, x, 0.1 * x), lambda x: x if x > 0 else x / 10),
    "relu3": (lambda x: np.maximum(x, 0.0) ** 3, lambda x: x ** 3 if x > 0 else MPZ),
    "erf": (erf, mpmath.erf),
    "sin": (np.sin, mpmath.sin),
    "exp": (np.exp, mpmath.exp),
    "cube": (lambda x: x ** 3, lambda x: x ** 3),
    "tanh": (np.tanh, mpmath.tanh),
    "softplus": (lambda x: np.logaddexp(0.0, x),
                 lambda x: (mpmath.log1p(mpmath.exp(x)) if x < 0
                            else x + mpmath.log1p(mpmath.exp(-x)))),
    "silu": (lambda x: x * expit(x), lambda x: x / (1 + mpmath.exp(-x))),
    "elu": (lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
            lambda x: x if x > 0 else mpmath.expm1(x)),
}


def closed2(name, q1, q2, c):
    """E[f(u) f(v)] in closed form, at 50 digits, from the exact float inputs."""
    with mpmath.workdps(50):
        q1, q2, c = mpmath.mpf(q1), mpmath.mpf(q2), mpmath.mpf(c)
        d = q1 * q2 - c * c
        d = mpmath.sqrt(d) if d > 0 else MPZ
        th = mpmath.atan2(d, c)
        pi = mpmath.pi
        if name == "relu":
            return (d + c * (pi - th)) / (2 * pi)
        if name == "step":
            return (pi - th) / (2 * pi)
        if name == "sign":
            return 1 - 2 * th / pi
        if name == "abs":
            return 2 * (d + c * (pi / 2 - th)) / pi
        if name == "leaky":
            a = mpmath.mpf(1) / 10
            return a * c + (1 - a) ** 2 * (d + c * (pi - th)) / (2 * pi)
        if name == "relu3":       # arc-cosine kernel of order 3 (Cho & Saul), J_3
            s_, c_ = mpmath.sin(th), mpmath.cos(th)
            j3 = 4 * s_**3 + 15 * s_ * c_**2 + (pi - th) * (9 * s_**2 * c_ + 15 * c_**3)
            return (q1 * q2) ** mpmath.mpf(1.5) * j3 / (2 * pi)
        if name == "erf":
            return 2 / pi * mpmath.asin(2 * c / mpmath.sqrt((1 + 2 * q1) * (1 + 2 * q2)))
        if name == "sin":
            return (mpmath.exp(-(q1 + q2 - 2 * c) / 2) - mpmath.exp(-(q1 + q2 + 2 * c) / 2)) / 2
        if name == "exp":
            return mpmath.exp((q1 + q2 + 2 * c) / 2)
        if name == "cube":
            return 9 * q1 * q2 * c + 6 * c**3
    raise KeyError(name)


def scale2(name, q1, q2):
    """sqrt(E[f(u)^2] E[f(v)^2]), the natural size of E[f(u) f(v)]."""
    return float(mpmath.sqrt(abs(closed2(name, q1, q1, q1) * closed2(name, q2, q2, q2))))


def check(got, ref, scale, rtol=1e-13, atol=5e-15):
    """Relative error <= rtol where the value is not tiny, else absolute <= atol * scale."""
    ref = float(ref)
    err = abs(float(got) - ref)
    if abs(ref) > 1e-3 * scale:
        assert err <= rtol * abs(ref), (got, ref, err / abs(ref))
    else:
        assert err <= atol * scale, (got, ref, err / scale)


# ------------------------------------------------------------------------------------------
# the (q1, q2, c) grid: tiny to large variances, q1 != q2, c = 0, +-sqrt(q1 q2) exactly,
# |rho| = 1 - 1e-12, and a rounding overshoot c^2 = q1 q2 (1 + 1e-15)
# ------------------------------------------------------------------------------------------
def _grid(large):
    cases = []
    rhos = [0.5, -0.9, 1 - 1e-12, -(1 - 1e-12), 1.0, -1.0, 0.0, 1e-8, 0.999, -0.3]
    qs = [1e3] if large else [1e-6, 1e-3, 0.1, 1.0, 3.0, 10.0, 100.0]
    for q in qs:
        cases += [(q, q, r * q) for r in rhos]
    pairs = ([(1e-6, 1e3), (1e3, 0.1), (100.0, 1e3)] if large else
             [(1e-6, 1.0), (2.0, 0.5), (1e-3, 10.0), (0.3, 30.0), (100.0, 1e-2)])
    for a, b in pairs:
        cases += [(a, b, r * math.sqrt(a * b)) for r in [0.3, -0.7, 1 - 1e-12, 1.0, -1.0, 0.0]]
    if not large:
        cases += [(2.0, 3.0, math.sqrt(6.0)), (2.0, 3.0, -math.sqrt(6.0)),
                  (1.0, 1.0, 1 + 5e-16), (2.0, 8.0, -4.0 * (1 + 4e-16))]
    return cases


GRID = _grid(large=False)
GRID_LARGE = _grid(large=True)     # q = 1e3: many panels (oscillation must be resolved)
G1, G2, GC = (np.array(v) for v in zip(*GRID))


def _check_grid(name, grid):
    f = FUN[name][0]
    a, b, c = (np.array(v) for v in zip(*grid))
    got = Q.expect2(f, f, a, b, c)
    assert got.shape == a.shape and got.dtype == np.float64
    for i, (a, b, c) in enumerate(grid):
        c_ok = min(c, math.sqrt(a * b)) if c > 0 else max(c, -math.sqrt(a * b))
        check(got[i], closed2(name, a, b, c_ok), scale2(name, a, b))


@pytest.mark.parametrize("name", ["relu", "step", "sign", "abs", "leaky", "relu3", "erf", "sin",
                                  "cube"])
def test_expect2_closed_forms_on_grid(name):
    _check_grid(name, GRID)


@pytest.mark.parametrize("name", ["relu", "step", "erf", "sin"])
def test_expect2_closed_forms_large_variances(name):
    _check_grid(name, GRID_LARGE)


def test_expect2_exp_needs_a_wider_range():
    # the Gaussian mass of exp(u) exp(v) sits sqrt(q1 + q2 + 2c) standard units away
    cases = [(1.0, 1.0, 0.5), (4.0, 4.0, 3.9), (10.0, 10.0, 10.0), (10.0, 2.0, -4.0),
             (1e-6, 5.0, 1e-3), (16.0, 9.0, 11.0)]
    a, b, c = (np.array(v) for v in zip(*cases))
    got = Q.expect2(np.exp, np.exp, a, b, c)
    for i, case in enumerate(cases):
        check(got[i], closed2("exp", *case), 1.0)
    got1 = Q.expect1(np.exp, [0.5, 4.0, 25.0])
    for g, q in zip(got1, [0.5, 4.0, 25.0]):
        assert abs(g - math.exp(q / 2)) <= 1e-13 * math.exp(q / 2)


def test_expect2_mixed_kinks_closed_forms():
    # E[u relu(v)] = c / 2, E[step(u) v] = c / sqrt(2 pi q1), E[sign(u) |v|] = 0 by symmetry
    relu, step = FUN["relu"][0], FUN["step"][0]
    a, b, c = G1, G2, np.clip(GC, -np.sqrt(G1 * G2), np.sqrt(G1 * G2))
    got = Q.expect2(lambda x: x, relu, a, b, c)
    assert got.shape == a.shape
    assert np.all(np.abs(got - c / 2) <= 1e-13 * np.abs(c / 2) + 5e-15 * np.sqrt(a * b))
    got = Q.expect2(step, lambda x: x, a, b, c)
    ref = c / np.sqrt(2 * np.pi * a)
    assert np.all(np.abs(got - ref) <= 1e-13 * np.abs(ref) + 5e-15 * np.sqrt(b))
    got = Q.expect2(np.sign, np.abs, a, b, c)
    assert np.all(np.abs(got) <= 5e-15 * np.sqrt(b))


# ------------------------------------------------------------------------------------------
# smooth activations without closed forms: the mpmath path is the reference
# ------------------------------------------------------------------------------------------
# E[f(u) g(v)] from expect2_mp(..., dps=20) (about 15 minutes in all, so stored; the live tests
# below recompute cheap ones). Keys: (f, g, q1, q2, c).
MP_REFERENCE = {
    ('tanh', 'tanh', 1.0, 1.0, 0.5): "0.18632441320344808611",
    ('tanh', 'tanh', 0.3, 2.5, -0.6): "-0.21726000033417658494",
    ('tanh', 'tanh', 1.0, 1.0, 0.999999999999): "0.39429449039737678179",
    ('tanh', 'tanh', 3.0, 0.5, -1.224744871391589): "-0.39240236117512437895",
    ('tanh', 'tanh', 1e-06, 1e-06, -5e-07): "-4.9999900000258330237e-7",
    ('tanh', 'tanh', 1e-06, 1.0, 0.0005): "0.00030285246709867992275",
    ('tanh', 'tanh', 10.0, 10.0, 7.0): "0.44886445480862846082",
    ('softplus', 'softplus', 1.0, 1.0, 0.5): "0.78007816520694351557",
    ('softplus', 'softplus', 0.3, 2.5, -0.6): "0.54786620951975042688",
    ('softplus', 'softplus', 1.0, 1.0, 0.999999999999): "0.92124590885900690613",
    ('softplus', 'softplus', 3.0, 0.5, -1.224744871391589): "0.46566148656395310524",
    ('softplus', 'softplus', 1e-06, 1e-06, -5e-07): "0.4804530622049983413",
    ('softplus', 'softplus', 1e-06, 1.0, 0.0005): "0.55884275751601876498",
    ('softplus', 'softplus', 10.0, 10.0, 7.0): "4.1596049548411664779",
    ('silu', 'silu', 1.0, 1.0, 0.5): "0.18316966308815954082",
    ('silu', 'silu', 0.3, 2.5, -0.6): "-0.099233358532494356821",
    ('silu', 'silu', 1.0, 1.0, 0.999999999999): "0.35577551981697268227",
    ('silu', 'silu', 3.0, 0.5, -1.224744871391589): "-0.17545327349841372603",
    ('silu', 'silu', 1e-06, 1e-06, -5e-07): "-1.2499990625006249429e-7",
    ('silu', 'silu', 1e-06, 1.0, 0.0005): "0.00012507358305766920157",
    ('silu', 'silu', 10.0, 10.0, 7.0): "3.4368325862996656375",
    ('elu', 'elu', 1.0, 1.0, 0.5): "0.32478364895676243629",
    ('elu', 'elu', 0.3, 2.5, -0.6): "-0.32136094430434372648",
    ('elu', 'elu', 1.0, 1.0, 0.999999999999): "0.64494541749225577584",
    ('elu', 'elu', 3.0, 0.5, -1.224744871391589): "-0.60554816858349590064",
    ('elu', 'elu', 1e-06, 1e-06, -5e-07): "-4.9960129678207106394e-7",
    ('elu', 'elu', 1e-06, 1.0, 0.0005): "0.00038069494208636529314",
    ('elu', 'elu', 10.0, 10.0, 7.0): "3.7769498087106225211",
    ('tanh', 'relu', 1.0, 1.0, 0.5): "0.1514263774005397064",
    ('tanh', 'relu', 0.3, 2.5, -0.6): "-0.2408209837493345173",
    ('tanh', 'relu', 1.0, 1.0, 0.999999999999): "0.30285275480077656674",
    ('tanh', 'relu', 3.0, 0.5, -1.224744871391589): "-0.25141618783962268819",
    ('tanh', 'relu', 1e-06, 1e-06, -5e-07): "-2.4999975000049998727e-7",
    ('tanh', 'relu', 1e-06, 1.0, 0.0005): "0.00024999975000050000379",
    ('tanh', 'relu', 10.0, 10.0, 7.0): "0.84956803077538571108",
    ('elu', 'step', 1.0, 1.0, 0.5): "0.23340639349119148763",
    ('elu', 'step', 0.3, 2.5, -0.6): "-0.099808422890166821713",
    ('elu', 'step', 1.0, 1.0, 0.999999999999): "0.39894228040103374463",
    ('elu', 'step', 3.0, 0.5, -1.224744871391589): "-0.3134171628609921851",
    ('elu', 'step', 1e-06, 1e-06, -5e-07): "-0.00019927012762603756456",
    ('elu', 'step', 1e-06, 1.0, 0.0005): "0.00019951999470775085366",
    ('elu', 'step', 10.0, 10.0, 7.0): "0.99211479020540994832",
    ('softplus', 'sign', 1.0, 1.0, 0.5): "0.19947114020071633897",
    ('softplus', 'sign', 0.3, 2.5, -0.6): "-0.15138795132120959729",
    ('softplus', 'sign', 1.0, 1.0, 0.999999999999): "0.39894228040103374448",
    ('softplus', 'sign', 3.0, 0.5, -1.224744871391589): "-0.69098829894267089735",
    ('softplus', 'sign', 1e-06, 1e-06, -5e-07): "-0.00019947114020071633446",
    ('softplus', 'sign', 1e-06, 1.0, 0.0005): "0.00019947114020071634312",
    ('softplus', 'sign', 10.0, 10.0, 7.0): "0.88309638270705601689",
    ('silu', 'abs', 1.0, 1.0, 0.5): "0.2002507499029166624",
    ('silu', 'abs', 0.3, 2.5, -0.6): "0.12860029908369383991",
    ('silu', 'abs', 1.0, 1.0, 0.999999999999): "0.31211983163231610832",
    ('silu', 'abs', 3.0, 0.5, -1.224744871391589): "0.50086948304225268855",
    ('silu', 'abs', 1e-06, 1e-06, -5e-07): "2.4933885148817217389e-10",
    ('silu', 'abs', 1e-06, 1.0, 0.0005): "2.4933885148817218387e-7",
    ('silu', 'abs', 10.0, 10.0, 7.0): "3.6599429152183368134",
    ('tanh', 'tanh', 100.0, 100.0, -60.0): "-0.40579047484645101845",
    ('tanh', 'tanh', 1000.0, 1000.0, 500.0): "0.33303140577466576153",
    ('tanh', 'tanh', 1000.0, 1000.0, 999.999999999): "0.97477904178063274169",
    ('tanh', 'tanh', 1000.0, 0.001, 0.5): "0.012598939911985573702",
    ('tanh', 'tanh', 1000.0, 2.0, -30.0): "-0.38715464845413026739",
    ('tanh', 'relu', 100.0, 100.0, -60.0): "-2.3838940970844998636",
    ('tanh', 'relu', 1000.0, 1000.0, 500.0): "6.3052395506373159998",
    ('tanh', 'relu', 1000.0, 1000.0, 999.999999999): "12.610479101262021654",
    ('tanh', 'relu', 1000.0, 0.001, 0.5): "0.0063052395506373159998",
    ('tanh', 'relu', 1000.0, 2.0, -30.0): "-0.37831437303823895999",
    ('elu', 'step', 100.0, 100.0, -60.0): "0.46637503800879840245",
    ('elu', 'step', 1000.0, 1000.0, 500.0): "9.3012902496549814822",
    ('elu', 'step', 1000.0, 1000.0, 999.999999999): "12.615662610088184862",
    ('elu', 'step', 1000.0, 0.001, 0.5): "9.3012902496549814484",
    ('elu', 'step', 1000.0, 2.0, -30.0): "1.7158254558380622908",
    ('softplus', 'sign', 100.0, 100.0, -60.0): "-2.3936536824085960676",
    ('softplus', 'sign', 1000.0, 1000.0, 500.0): "6.3078313050504001206",
    ('softplus', 'sign', 1000.0, 1000.0, 999.999999999): "12.615662610088184712",
    ('softplus', 'sign', 1000.0, 0.001, 0.5): "6.307831305050400055",
    ('softplus', 'sign', 1000.0, 2.0, -30.0): "-8.4628437532163443042",
}


@pytest.mark.parametrize("key", sorted(MP_REFERENCE))
def test_expect2_against_stored_mp_reference(key):
    fname, gname, a, b, c = key
    got = float(Q.expect2(FUN[fname][0], FUN[gname][0], a, b, c))
    ref = mpmath.mpf(MP_REFERENCE[key])
    sc = math.sqrt(float(Q.expect1(lambda t: FUN[fname][0](t) ** 2, a))
                   * float(Q.expect1(lambda t: FUN[gname][0](t) ** 2, b)))
    check(got, ref, sc)


@pytest.mark.parametrize("fname,gname,a,b,c", [
    ("tanh", "relu", 0.7, 1.9, 0.5),
    ("elu", "step", 2.0, 2.0, 2.0 * (1 - 1e-12)),
])
def test_expect2_against_live_mp(fname, gname, a, b, c):
    ref = Q.expect2_mp(FUN[fname][1], FUN[gname][1], a, b, c, dps=18)
    got = Q.expect2(FUN[fname][0], FUN[gname][0], a, b, c)
    assert abs(float(got) - float(ref)) <= 1e-14 * abs(float(ref))


@pytest.mark.parametrize("name", ["tanh", "softplus", "silu", "elu", "erf"])
def test_expect1_against_mp(name):
    f, fm = FUN[name]
    qs = [1e-6, 0.1, 1.0, 7.3, 150.0]
    got = Q.expect1(f, qs)
    for g, q in zip(got, qs):
        ref = Q.expect1_mp(fm, q, dps=20)
        sc = math.sqrt(float(Q.expect1(lambda t: f(t) ** 2, q)))
        check(g, ref, sc)


# ------------------------------------------------------------------------------------------
# expect1
# ------------------------------------------------------------------------------------------
def test_expect1_closed_forms():
    qs = np.array([1e-6, 1e-3, 0.1, 1.0, 7.3, 100.0, 1e3])
    s = np.sqrt(qs)
    hinge = np.array([float(mpmath.mpf(x) * mpmath.npdf(1 / mpmath.mpf(x))
                            - mpmath.ncdf(-1 / mpmath.mpf(x))) for x in s])
    cases = {      # name: (f, breaks, exact value, scale sqrt(E f^2))
        "relu": (FUN["relu"][0], (0.0,), s / np.sqrt(2 * np.pi), s / np.sqrt(2)),
        "abs": (np.abs, (0.0,), np.sqrt(2 * qs / np.pi), s),
        "step": (FUN["step"][0], (0.0,), 0.5 + 0 * qs, np.sqrt(0.5) + 0 * qs),
        "square": (np.square, (), qs, np.sqrt(3) * qs),
        "cos": (np.cos, (), np.exp(-qs / 2), 1 + 0 * qs),
        "relu^2": (lambda x: np.maximum(x, 0) ** 2, (0.0,), qs / 2, np.sqrt(1.5) * qs),
        # E[max(u - 1, 0)] = s phi(1/s) - Phi(-1/s), s = sqrt(q)
        "hinge": (lambda x: np.maximum(x - 1, 0), (1.0,), hinge, s),
    }
    for name, (f, breaks, ref, sc) in cases.items():
        got = Q.expect1(f, qs, breaks=breaks)
        for g, r, scl in zip(got, ref, sc):
            check(g, r, scl)
    odd = Q.expect1(np.tanh, qs)
    assert np.all(np.abs(odd) <= 5e-16)     # odd: 0 up to rounding


def test_expect1_zero_variance_and_shapes():
    f = lambda x: np.cos(x) + 2.0  # noqa: E731
    assert Q.expect1(f, 0.0) == 3.0
    out = Q.expect1(f, np.array([[0.0, 1.0], [2.0, 0.0]]))
    assert out.shape == (2, 2)
    assert out[0, 0] == 3.0 and out[1, 1] == 3.0
    np.testing.assert_allclose(out[0, 1], np.exp(-0.5) + 2, rtol=1e-14)
    assert Q.expect1(f, 1.0).shape == ()
    assert Q.expect1(f, []).shape == (0,)
    assert Q.expect1(f, [[0.5]]).shape == (1, 1)


# ------------------------------------------------------------------------------------------
# degenerate cases, masks and broadcasting
# ------------------------------------------------------------------------------------------
def test_expect2_degenerate_entries_in_one_batch():
    relu, step = FUN["relu"][0], FUN["step"][0]
    g = lambda x: x + 1.0  # noqa: E731   g(0) = 1, E[g(u) relu(v)] = c/2 + sqrt(q2/(2 pi))
    q1 = np.array([0.0, 0.0, 2.0, 2.0, 2.0, 2.0, 1.5, 0.0])
    q2 = np.array([0.0, 3.0, 0.0, 8.0, 8.0, 8.0, 0.5, 1.0])
    c = np.array([0.0, 0.0, 0.0, 4.0, -4.0, 0.0, 0.3, 0.0])
    got = Q.expect2(g, relu, q1, q2, c)
    r = math.sqrt(2 / (2 * math.pi))           # E relu(u), q1 = 2
    ref = [0.0,                                    # g(0) relu(0)
           math.sqrt(3 / (2 * math.pi)),           # g(0) E relu(v)
           0.0,                                    # relu(0) E g(u)
           2 * (1 + r),                            # v = 2u: 2 E[(u + 1) relu(u)]
           2 * (-1 + r),                           # v = -2u: 2 E[(u + 1) relu(-u)]
           math.sqrt(8 / (2 * math.pi)),           # independent
           0.15 + math.sqrt(0.5 / (2 * math.pi)),  # general
           1 / math.sqrt(2 * math.pi)]
    assert got[0] == 0.0 and got[2] == 0.0
    np.testing.assert_allclose(got, ref, rtol=1e-14, atol=0)
    # step with both variances 0: step(0) = 0; sign(0) = 0; cos(0) = 1
    assert Q.expect2(step, step, 0.0, 0.0, 0.0) == 0.0
    assert Q.expect2(np.cos, np.cos, 0.0, 0.0, 0.0) == 1.0


def test_rounding_overshoot_is_perfect_correlation():
    relu = FUN["relu"][0]
    exact = Q.expect2(relu, relu, 2.0, 2.0, 2.0)
    over = Q.expect2(relu, relu, 2.0, 2.0, 2.0 * (1 + 1e-15))
    assert exact == pytest.approx(1.0, rel=1e-14)
    assert over == pytest.approx(1.0, rel=1e-14)
    over_mp = Q.expect2_mp(FUN["relu"][1], FUN["relu"][1], 2.0, 2.0, 2.0 * (1 + 1e-15), dps=20)
    assert abs(over_mp - 1) < 1e-14


def test_broadcasting_shapes_and_values():
    relu = FUN["relu"][0]
    q1 = np.array([[0.5], [1.0], [2.0]])        # (3, 1)
    q2 = np.array([0.25, 1.0, 4.0, 9.0])        # (4,)
    out = Q.expect2(relu, relu, q1, q2, 0.1)
    assert out.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            ref = closed2("relu", q1[i, 0], q2[j], 0.1)
            check(out[i, j], ref, math.sqrt(q1[i, 0] * q2[j]) / 2)
    assert Q.expect2(relu, relu, 1.0, 1.0, 0.0).shape == ()
    assert Q.expect2(relu, relu, [], [], []).shape == (0,)
    assert Q.expect2(relu, relu, [[1.0]], 1.0, [0.2, 0.3]).shape == (1, 2)
    with pytest.raises(ValueError):
        Q.expect2(relu, relu, [1.0, 2.0], [1.0, 2.0, 3.0], 0.0)


def test_symmetries():
    rng = np.random.default_rng(1)
    a = rng.uniform(0.01, 20, 40)
    b = rng.uniform(0.01, 20, 40)
    c = rng.uniform(-1, 1, 40) * np.sqrt(a * b)
    f, g = FUN["elu"][0], np.tanh
    fg = Q.expect2(f, g, a, b, c)
    gf = Q.expect2(g, f, b, a, c)
    np.testing.assert_allclose(fg, gf, rtol=1e-13, atol=1e-16)
    # c -> -c is v -> -v, and tanh is odd: E[f(u) tanh(v)] changes sign
    e1 = Q.expect2(np.abs, np.tanh, a, b, c)
    e2 = Q.expect2(np.abs, np.tanh, a, b, -c)
    np.testing.assert_allclose(e1, -e2, rtol=1e-13, atol=1e-15)


HINGE_REFERENCE = {   # E[max(u - 1, 0) 1(v > -1/2)], expect2_mp(..., dps=20)
    (1.0, 1.0, 0.5): "0.078839148948508493907",
    (2.0, 0.7, -0.9): "0.037187870244299119635",
    (4.0, 4.0, 3.999999999996): "0.39559311480261205919",
    (3.0, 3.0, 3.0): "0.30305753634283687981",
    (0.25, 9.0, -1.4999999999985): "0.0",
    (50.0, 0.5, 3.0): "2.2486823773402255668",
}


def test_user_breakpoints_away_from_zero():
    hinge = lambda x: np.maximum(x - 1.0, 0.0)  # noqa: E731
    up = lambda x: (x > -0.5).astype(float)     # noqa: E731
    cases = sorted(HINGE_REFERENCE)
    a, b, c = (np.array(v) for v in zip(*cases))
    got = Q.expect2(hinge, up, a, b, c, breaks_f=(1.0,), breaks_g=(-0.5,))
    for i, case in enumerate(cases):
        check(got[i], mpmath.mpf(HINGE_REFERENCE[case]), math.sqrt(case[0]))
    # one live recomputation of the reference
    ref = Q.expect2_mp(lambda x: x - 1 if x > 1 else MPZ,
                       lambda x: mpmath.mpf(1) if x > -0.5 else MPZ, 2.0, 0.7, -0.9,
                       breaks_f=(1,), breaks_g=(-0.5,), dps=20)
    with mpmath.workdps(30):
        assert abs(ref - mpmath.mpf(HINGE_REFERENCE[(2.0, 0.7, -0.9)])) < 1e-20
    # without the breakpoints the kinks are not resolved: less accurate, and a warning
    with pytest.warns(RuntimeWarning, match="did not converge"):
        bad = Q.expect2(hinge, up, 2.0, 0.7, -0.9, breaks_f=(), breaks_g=())
    assert abs(bad - float(ref)) > 1e-13


def test_scalar_only_callable_is_accepted():
    got = Q.expect2(math.tanh, lambda x: max(x, 0.0), [1.0, 2.0], [1.0, 0.5], [0.5, -0.3])
    ref = Q.expect2(np.tanh, FUN["relu"][0], [1.0, 2.0], [1.0, 0.5], [0.5, -0.3])
    np.testing.assert_allclose(got, ref, rtol=1e-15)


@settings(max_examples=40, deadline=None)
@given(st.floats(-6, 3), st.floats(-6, 3), st.floats(-1, 1))
def test_hypothesis_relu_step(l1, l2, rho):
    a, b = 10.0 ** l1, 10.0 ** l2
    c = rho * math.sqrt(a * b)
    for name in ("relu", "step", "sign"):
        f = FUN[name][0]
        check(Q.expect2(f, f, a, b, c), closed2(name, a, b, c), scale2(name, a, b))


def test_sign_small_rho_regression():
    """Found by test_hypothesis_relu_step (l1 = l2 = 2, rho = 2**-8): the rotated plane carried
    rho with an absolute error ~1e-16, a relative 1.3e-13 of (2/pi) asin(rho)."""
    got = float(Q.expect2(np.sign, np.sign, 100.0, 100.0, 100.0 / 256))
    ref = closed2("sign", 100.0, 100.0, 100.0 / 256)
    assert abs(got - float(ref)) <= 4e-15 * abs(ref), (got, ref)


SMALL_RHO_CASES = [(q1, q2, r) for q1, q2 in [(1e-6, 1e-6), (1e-3, 1e-3), (1.0, 1.0),
                                              (3.0, 3.0), (100.0, 100.0), (1e3, 1e3),
                                              (1e-6, 1e3), (0.3, 30.0), (100.0, 1e-2)]
                   for r in [2.0 ** -8, -(2.0 ** -8), 0.003, -0.0017, 0.01, 0.05]]


@pytest.mark.parametrize("name", ["step", "sign"])
def test_step_sign_small_rho(name):
    """E ~ rho * scale for sign: the error must be relative to rho, not ~1e-16 absolute."""
    q1, q2, r = (np.array(v) for v in zip(*SMALL_RHO_CASES))
    c = r * np.sqrt(q1 * q2)
    f = FUN[name][0]
    got = Q.expect2(f, f, q1, q2, c)
    for i in range(len(SMALL_RHO_CASES)):
        ref = closed2(name, q1[i], q2[i], c[i])
        err = abs(float(got[i]) - float(ref))
        # measured: <= 2e-14 relative (3e-17 absolute) for sign at |rho| < 0.01, else 4e-15
        assert err <= 4e-15 * abs(ref) + 5e-17, (SMALL_RHO_CASES[i], got[i], float(ref))


def test_row_sums_are_accurate():
    rng = np.random.default_rng(1)
    for m in (1, 2, 3, 7, 24, 97, 1000):
        x = rng.standard_normal((5, m)) * np.exp(rng.uniform(-3, 3, (5, m)))
        x[:, -1] = -x[:, :-1].sum(axis=1) + rng.standard_normal(5) * 1e-3  # cancellation
        ref = np.array([math.fsum(row) for row in x])
        got = row_sums(x.copy())
        bound = 2.3e-16 * np.abs(ref) + 1e-30 * np.abs(x).sum(axis=1)
        assert np.all(np.abs(got - ref) <= bound), (m, got, ref)
    assert row_sums(np.zeros((3, 0))).tolist() == [0.0, 0.0, 0.0]
    assert np.isinf(row_sums(np.array([[np.inf, 1.0, 2.0]])))[0]


def test_batch_of_1000_is_fast():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 1.5, 1000)
    b = rng.uniform(0.5, 1.5, 1000)
    c = rng.uniform(-1, 1, 1000) * np.sqrt(a * b)
    relu = FUN["relu"][0]
    t = time.process_time()
    got = Q.expect2(relu, relu, a, b, c)
    elapsed = time.process_time() - t
    ref = np.array([float(closed2("relu", *x)) for x in zip(a[:50], b[:50], c[:50])])
    np.testing.assert_allclose(got[:50], ref, rtol=1e-13)
    assert elapsed < 5.0      # about 0.3 s of CPU; generous for loaded machines


# ------------------------------------------------------------------------------------------
# mpmath path
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,case,dps", [
    ("relu", (1.0, 2.0, 0.7), 30),
    ("relu", (3.0, 0.5, -1.2), 30),
    ("step", (1.0, 1.0, 1 - 1e-12), 30),
    ("step", (0.5, 2.0, -1.0), 30),        # c = -sqrt(q1 q2): 1-D path, value 0
    ("relu", (0.0, 2.0, 0.0), 30),         # q1 = 0
    ("exp", (1.0, 0.5, 0.2), 27),
    ("sin", (2.0, 3.0, math.sqrt(6.0)), 27),
])
def test_mp_closed_forms(name, case, dps):
    fm = FUN[name][1]
    got = Q.expect2_mp(fm, fm, *case, dps=dps)
    assert isinstance(got, mpmath.mpf)
    ref = closed2(name, *case)
    with mpmath.workdps(50):
        err = abs(got - ref)
        assert err <= mpmath.mpf(10) ** -25 * max(abs(ref), mpmath.mpf(1)), (got, ref)
        if ref != 0:
            assert err <= mpmath.mpf(10) ** -25 * abs(ref)


def test_expect1_mp_closed_forms():
    with mpmath.workdps(50):
        for q in ["1e-6", "0.37", "2", "40"]:
            qq = mpmath.mpf(q)
            got = Q.expect1_mp(FUN["relu"][1], q, dps=30)
            assert abs(got - mpmath.sqrt(qq / (2 * mpmath.pi))) < mpmath.mpf(10) ** -29 * got
            got = Q.expect1_mp(mpmath.cos, q, dps=30)      # |error| ~ 10^-30 * scale (1)
            assert abs(got - mpmath.exp(-qq / 2)) < mpmath.mpf(10) ** -29 * max(got, 1e-5)
            got = Q.expect1_mp(lambda x: (x - 1) if x > 1 else MPZ, q, breaks=(1,), dps=30)
            s = mpmath.sqrt(qq)
            ref = s * mpmath.npdf(1 / s) - mpmath.ncdf(-1 / s)
            assert abs(got - ref) < mpmath.mpf(10) ** -29 * abs(ref) + mpmath.mpf(10) ** -40
        assert Q.expect1_mp(lambda x: x + 3, 0) == 3


def test_mp_precision_is_not_leaked():
    mpmath.mp.dps = 17
    relu = FUN["relu"][1]
    v = Q.expect1_mp(relu, 1, dps=40)
    assert mpmath.mp.dps == 17
    with mpmath.workdps(60):
        assert abs(v - 1 / mpmath.sqrt(2 * mpmath.pi)) < mpmath.mpf(10) ** -39
    Q.expect2_mp(relu, relu, 1, 1, 0.5, dps=15)
    assert mpmath.mp.dps == 17
    with pytest.raises(ValueError):
        Q.expect2_mp(relu, relu, -1, 1, 0.5)
    assert mpmath.mp.dps == 17


def test_mp_degenerate_and_string_inputs():
    relu, step = FUN["relu"][1], FUN["step"][1]
    assert Q.expect2_mp(relu, step, 0, 0, 0) == 0
    with mpmath.workdps(40):
        got = Q.expect2_mp(step, relu, "0", "2.5", "0", dps=30)
        assert abs(got - mpmath.sqrt(mpmath.mpf("2.5") / (2 * mpmath.pi)) * 0) < 1e-35
        got = Q.expect2_mp(relu, relu, "2", "8", "4", dps=30)       # v = 2u
        assert abs(got - 2) < mpmath.mpf(10) ** -29
        got = Q.expect2_mp(relu, relu, "2", "8", "-4", dps=30)      # v = -2u
        assert abs(got) < mpmath.mpf(10) ** -35
        got = Q.expect2_mp(relu, relu, "1.5", "0.5", "0", dps=30)   # independent
        assert abs(got - mpmath.sqrt(mpmath.mpf("0.75")) / (2 * mpmath.pi)) < mpmath.mpf(10) ** -29


# ------------------------------------------------------------------------------------------
# validation
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    (-1.0, 1.0, 0.0), (1.0, -1e-300, 0.0), (1.0, 1.0, 1.0 + 1e-9), (1.0, 4.0, -2.0001),
    (np.nan, 1.0, 0.0), (1.0, np.inf, 0.0), (1.0, 1.0, np.nan), ("a", 1.0, 0.0),
])
def test_invalid_covariances_raise(args):
    relu, relu_mp = FUN["relu"]
    with pytest.raises(ValueError):
        Q.expect2(relu, relu, *args)
    with pytest.raises(ValueError):
        Q.expect2_mp(relu_mp, relu_mp, *args)


def test_invalid_arguments_raise():
    relu, relu_mp = FUN["relu"]
    for bad in ([-1.0], np.nan, [1.0, np.inf], "x"):
        with pytest.raises(ValueError):
            Q.expect1(relu, bad)
    for bad in (-1, "nan", mpmath.inf):
        with pytest.raises(ValueError):
            Q.expect1_mp(relu_mp, bad)
    with pytest.raises(TypeError):
        Q.expect1(3.0, 1.0)
    with pytest.raises(TypeError):
        Q.expect2(relu, "relu", 1.0, 1.0, 0.0)
    with pytest.raises(TypeError):
        Q.expect1_mp(None, 1)
    with pytest.raises(TypeError):
        Q.expect2_mp(relu_mp, 1, 1, 1, 0)
    with pytest.raises(ValueError):
        Q.expect1(relu, 1.0, breaks=(np.nan,))
    with pytest.raises(ValueError):
        Q.expect1(relu, 1.0, n=0)
    with pytest.raises(ValueError):
        Q.expect1_mp(relu_mp, 1.0, dps=0)
    # a rounding overshoot of c^2 over q1 q2 is not an error
    Q.expect2(relu, relu, 3.0, 3.0, 3.0 * (1 + 1e-15))
    Q.expect2_mp(relu_mp, relu_mp, 3.0, 3.0, 3.0 * (1 + 1e-15), dps=15)


def test_gauss_legendre_is_correctly_rounded():
    """gauss_legendre(n) integrates polynomials of degree <= 2n - 1 on [-1, 1]; its weights are
    the mpmath ones rounded to float64."""
    for n in (1, 2, 7, 24):
        t, w = Q.gauss_legendre(n)
        assert t.shape == w.shape == (n,) and np.all(np.diff(t) > 0)
        for k in sorted({0, min(2, 2 * n - 2), 2 * n - 2}):
            assert abs(np.sum(w * t ** k) - 2.0 / (k + 1)) <= 4e-16 * n
        assert abs(np.sum(w * t ** (2 * n - 1))) <= 1e-15
    with mpmath.workprec(200):
        from ntksym.backends.quadrature.legendre import mp_legendre
        xs, ws = mp_legendre(24, 200)
        ref = sorted((float(x), float(v)) for x, v in zip(xs, ws))
    t, w = Q.gauss_legendre(24)
    assert [float(v) for v in t] == [r[0] for r in ref]
    assert [float(v) for v in w] == [r[1] for r in ref]
