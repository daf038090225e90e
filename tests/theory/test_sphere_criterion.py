"""Tests for `ntksym/theory/sphere_criterion.py`: the parity support of kappa's coefficients,
checked against the coefficients themselves where they are exact."""
import pytest
import sympy as sp

import ntksym as nk
from ntksym.theory.sphere_criterion import INF, parity_support
from ntksym.theory.sphere_series import kernel_series


@pytest.mark.parametrize("act, even, odd", [
    ("relu", INF, 1), ("abs", INF, -1), ("leaky_relu", INF, 1), ("x**3 + x", -1, 3)])
def test_depth_one_support_matches_exact_coefficients(act, even, odd):
    net = nk.MLP(depth=1, activation=act)
    ser = kernel_series(net, 3, "ntk", 30)
    sup = parity_support(net, 3, "ntk", ser.coefficients if ser.method == "polynomial" else None)
    assert (sup.even_last, sup.odd_last) == (even, odd)
    assert ser.exact
    for k, b in enumerate(ser.coefficients):
        last = even if k % 2 == 0 else odd
        assert (b != 0) == (k <= last), (k, b)
    assert sup.strictly_pd is False


def test_bias_and_depth_give_full_support():
    for net in (nk.MLP(depth=1, activation="relu", b_std=0.1),
                nk.MLP(depth=3, activation="relu"), nk.MLP(depth=2, activation="softplus")):
        sup = parity_support(net, 3)
        assert ("quadrature" in sup.reason) == (net.activation.name == "softplus")
        assert sup.even_last == INF and sup.odd_last == INF and sup.strictly_pd is True
        coeffs = kernel_series(net, 3, "ntk", 20).coefficients
        assert coeffs is None or all(float(b) > 0 for b in coeffs)


def test_parity_of_odd_and_even_activations():
    sup = parity_support(nk.MLP(depth=3, activation="erf"), 3)
    assert sup.even_last == -1 and sup.strictly_pd is False
    coeffs = kernel_series(nk.MLP(depth=3, activation="erf"), 3, "ntk", 20).coefficients
    assert all(b == 0.0 for b in coeffs[0::2]) and all(b > 0 for b in coeffs[1::2])
    sup = parity_support(nk.MLP(depth=2, activation="abs"), 3, "nngp")
    assert sup.odd_last == -1 and sup.strictly_pd is False


def test_circle_and_undecided_cases():
    sup = parity_support(nk.MLP(depth=1, activation="relu"), 2)
    assert sup.strictly_pd is None and "circle" in sup.reason
    assert parity_support(nk.MLP(depth=1, activation="relu", W_std=0, b_std=1), 3).strictly_pd \
        is False
    import numpy as np
    cb = nk.Activation.from_callable(np.tanh, df=lambda x: 1 - np.tanh(x) ** 2)
    assert parity_support(nk.MLP(depth=1, activation=cb), 3).strictly_pd is None
