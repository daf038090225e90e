"""Hostile inputs: each gives one clear exception of the right type, quickly -- never NaN, inf,
an all-zero matrix, a hang, or a message that names an internal variable.

Tests for the range checks of :mod:`ntksym.gram.float64` (:class:`ntksym.FloatRangeError`), the
limits of :mod:`ntksym.core.limits` (MLP, ``DualKernel.mp``, ``net.gram(..., dps=)``, the mpmath
quadrature) and input conversion. Each case of issue 11's probe is marked "issue".
"""
import math
import time

import numpy as np
import pytest

import ntksym as nk
from ntksym.core.limits import MAX_DEPTH, MAX_DPS, check_depth, check_dps

X = np.random.default_rng(0).normal(size=(4, 3))
RELU = nk.MLP(depth=3, activation="relu", W_std=1.5, b_std=0.3)


def _quick(f, exc, match=None, limit=10.0):
    t0 = time.perf_counter()
    with pytest.raises(exc, match=match) as info:
        f()
    assert time.perf_counter() - t0 < limit
    return info.value


# -- float64 range: one clear error naming the layer and pointing to dps= ----------------------

@pytest.mark.parametrize("act", ["relu", "erf", "tanh", "gelu", "x**2"])
def test_huge_inputs_raise_float_range_error(act):            # issue: 1e200 gave inf/NaN/ZDE
    err = _quick(lambda: nk.MLP(2, act, 1.5, 0.3).gram(X * 1e200), nk.FloatRangeError)
    assert "layer 1" in str(err) and "dps=" in str(err)
    assert isinstance(err, nk.NtksymError) and isinstance(err, ArithmeticError)


def test_tiny_inputs_without_bias_underflow():
    err = _quick(lambda: nk.MLP(2, "relu", 1.5, 0).gram(X * 1e-200), nk.FloatRangeError)
    assert "underflow" in str(err) and "layer 1" in str(err)
    # with bias the lost term is far below the last digit of b^2: a valid Gram
    g = nk.MLP(2, "relu", 1.5, 0.3).gram(X * 1e-200)
    assert np.all(np.isfinite(g.ntk)) and np.all(g.nngp > 0)
    # subnormal variances (gradual underflow) are computed, not refused
    assert np.all(np.isfinite(nk.MLP(2, "relu", 1.3, 0).gram([[0, 0, 7.7e-156], [1, 0, 0]]).nngp))


@pytest.mark.parametrize("W, b", [(1e-320, 0.3), (1e-320, 0), (1e-170, 0.3)])
def test_tiny_W_std_underflows(W, b):                           # issue: all-zero Grams
    err = _quick(lambda: nk.MLP(2, "relu", W, b).gram(X), nk.FloatRangeError, "W_std")
    assert "underflow" in str(err)


@pytest.mark.parametrize("W, b", [(1e200, 0.3), (1, 1e200), (1e155, 0)])
def test_huge_parameters_overflow(W, b):
    _quick(lambda: nk.MLP(2, "relu", W, b).gram(X), nk.FloatRangeError, "overflow")


def test_deep_network_overflow_names_the_layer():              # issue: depth 10000 gave NaN
    err = _quick(lambda: nk.MLP(10000, "relu", 1.5, 0.3).gram(X), nk.FloatRangeError)
    layer = int(str(err).split("at layer ")[1].split(":")[0])
    # Sigma^l ~ (w^2/2)^l = 1.125^l reaches 1.8e308 near l = 6020
    assert 5000 < layer < 7000 and "dps=" in str(err)


def test_deep_network_underflow_names_the_layer():
    err = _quick(lambda: nk.MLP(2000, "relu", 0.1, 0).gram(X), nk.FloatRangeError, "underflow")
    assert "at layer" in str(err)


def test_ntk_overflow_before_nngp_names_a_layer():
    # Theta^l ~ l 1.125^l overflows a few layers before Sigma^l
    net = nk.MLP(6015, "relu", 1.5, 0.3)
    _quick(lambda: net.gram(X[:2]), nk.FloatRangeError, "layer")


def test_huge_activation_parameters_in_the_gram():
    _quick(lambda: nk.MLP(2, nk.activation("leaky_relu", alpha=1e308)).gram(X),
           nk.FloatRangeError)
    _quick(lambda: nk.MLP(2, nk.activation("exp", b=1000)).gram(X), nk.FloatRangeError)


def test_dual_value_overflow_is_an_error_not_nan():
    k = nk.dual(nk.activation("exp", b=2))               # exp(b^2 (q1 + q2 + 2c) / 2)
    assert k.method != "numeric"
    _quick(lambda: k(400.0, 400.0, 300.0), nk.FloatRangeError, "dps=")
    # the mpmath path handles the magnitude: exp(2800)
    assert abs(k.mp(400, 400, 300, dps=20) / nk_exp(2800) - 1) < 1e-15


def nk_exp(t):
    import mpmath
    return mpmath.exp(t)


def test_in_range_grams_are_unchanged():
    g = RELU.gram(X)
    assert np.all(np.isfinite(g.ntk)) and g.nngp[0, 0] > 0
    # a large but representable scale passes
    assert np.all(np.isfinite(nk.MLP(2, "relu", 1.5, 0.3).gram(X * 1e50).nngp))
    # variances above sqrt(1.8e308) = 1.3e154: products of two overflow, a clear error
    err = _quick(lambda: nk.MLP(2, "relu", 1.5, 0.3).gram(X * 1e80), nk.FloatRangeError)
    assert "at layer 1" in str(err) and "dps=" in str(err)


# -- limits on dps and depth (the same in the API and the CLI) --------------------------------

def test_limits_values():
    assert MAX_DPS == 1000 and MAX_DEPTH == 100_000
    assert check_dps(30) == 30 and check_depth(np.int64(3)) == 3


@pytest.mark.parametrize("depth, exc", [(10**9, ValueError), (MAX_DEPTH + 1, ValueError),
                                        (0, ValueError), (-1, ValueError), (True, TypeError),
                                        (2.0, TypeError), ("3", TypeError), (None, TypeError)])
def test_depth_limits(depth, exc):                              # issue: depth 1e9 hung
    _quick(lambda: nk.MLP(depth, "relu"), exc, "depth", limit=2)


@pytest.mark.parametrize("dps, exc", [(10**6, ValueError), (MAX_DPS + 1, ValueError),
                                      (0, ValueError), (-3, ValueError), (True, TypeError),
                                      (20.0, TypeError), ("20", TypeError), (None, TypeError)])
def test_dps_limits_in_mp(dps, exc):                            # issue: dps=10**6 hung, <= 0
    _quick(lambda: nk.dual("relu").mp(1, 1, 0.5, dps=dps), exc, "dps", limit=2)
    _quick(lambda: nk.dual("tanh").mp(1, 1, 0.5, dps=dps), exc, "dps", limit=2)


@pytest.mark.parametrize("dps, exc", [(10**6, ValueError), (0, ValueError), (-1, ValueError),
                                      (True, TypeError), (10.5, TypeError), ("30", TypeError)])
def test_dps_limits_in_gram(dps, exc):
    _quick(lambda: RELU.gram(X, dps=dps), exc, "dps", limit=2)


def test_dps_limits_in_quadrature():
    from ntksym.backends.quadrature import expect1_mp
    _quick(lambda: expect1_mp(lambda t: t * t, 1, dps=10**6), ValueError, "dps", limit=2)
    _quick(lambda: expect1_mp(lambda t: t * t, 1, dps="30"), TypeError, "dps", limit=2)


# -- parameters and inputs ---------------------------------------------------------------------

@pytest.mark.parametrize("W, exc", [(float("nan"), ValueError), (float("inf"), ValueError),
                                    (-1, ValueError), (True, TypeError), ("1", TypeError),
                                    (1j, TypeError)])
def test_bad_scales(W, exc):
    _quick(lambda: nk.MLP(2, "relu", W_std=W), exc, "W_std", limit=2)
    _quick(lambda: nk.MLP(2, "relu", b_std=W), exc, "b_std", limit=2)


@pytest.mark.parametrize("X1, exc", [
    (None, TypeError), ([], ValueError), (np.zeros((0, 3)), ValueError),
    (np.zeros((3, 0)), ValueError), ([1.0, 2.0], ValueError), ("abc", TypeError),
    (np.array([[1, "a"]], dtype=object), TypeError), ([[np.nan, 1.0]], ValueError),
    ([[np.inf, 1.0]], ValueError), ([[1.0, 2.0], [3.0]], ValueError), ([[1 + 2j]], TypeError),
])
def test_bad_points(X1, exc):                                   # issue: gram(None) raised
    err = _quick(lambda: RELU.gram(X1), exc, "X1", limit=2)      # AttributeError
    assert "q1" not in str(err)


def test_bool_points_are_numbers():
    g = RELU.gram(np.array([[True, False], [False, True]]))
    assert np.allclose(g.nngp, RELU.gram([[1.0, 0.0], [0.0, 1.0]]).nngp)


def test_dual_messages_name_no_internal_variable():            # issue: "q1 contains NaN"
    k = nk.dual("relu")
    for args in [(float("nan"), 1, 0.5), (1, float("inf"), 0.5), (-1.0, 1, 0.5)]:
        with pytest.raises(ValueError) as info:
            k(*args)
        assert "q1" not in str(info.value) and "q2" not in str(info.value)


def test_degenerate_ntk_is_not_a_range_error():
    """step's NTK is infinite on the diagonal by definition (a Dirac delta squared): that is
    the documented value, not an overflow; its NNGP is checked as usual."""
    g = nk.MLP(2, "step", 1.5, 0.3).gram(X)
    assert np.all(np.isfinite(g.nngp)) and np.all(np.isinf(np.diagonal(g.ntk)))


def test_range_check_sees_the_mirrored_block_only():
    """A symmetric block computes its upper triangle and mirrors it; the output check runs on
    the finished block, so a caller's NaN-filled buffer is no false alarm."""
    from ntksym.gram.float64 import diagonal_chains, gram_block
    ch = diagonal_chains(RELU, X)
    res = np.full((2, 4, 4), np.nan)
    gram_block(RELU, X, None, ch, out=(res[0], res[1]))
    assert np.all(np.isfinite(res)) and np.array_equal(res[1], RELU.gram(X).ntk)
