"""The exact polynomial kernels (ntksym.theory.polyring) against the network's closed form."""
import pytest
import sympy as sp

import ntksym as nk
from ntksym.theory.polyring import (PolynomialNetwork, check_dimension, check_kind,
                                    kernel_polynomial, polynomial_network)
from rank_references import ref_kernel


def test_kernel_polynomial_matches_network_closed_form():
    net = nk.MLP(depth=2, activation="x**3 - 2*x + 1/2", W_std=1.5, b_std=0.5)
    for kind in ("nngp", "ntk"):
        assert sp.expand(kernel_polynomial(net, kind) - ref_kernel(net, kind).as_expr()) == 0


def test_kernel_polynomial_standard_parameterization_needs_d():
    net = nk.MLP(depth=1, activation="x**2", parameterization="standard", width=3)
    with pytest.raises(ValueError, match="pass d="):
        kernel_polynomial(net, "ntk")
    k = kernel_polynomial(net, "ntk", d=2)
    # by hand (W_std = 1, b_std = 0, d = 2): k = xx yy + 2 xy^2, kdot = 4 xy,
    # Theta^1 = <x, x'> + 1 = 2 xy + 1, Theta = width k + 1 + kdot Theta^1
    xx, yy, xy = nk.xx, nk.yy, nk.xy
    assert sp.expand(k - (3 * (xx * yy + 2 * xy**2) + 1 + 4 * xy * (2 * xy + 1))) == 0
    with pytest.raises(ValueError, match="not a polynomial"):
        kernel_polynomial(nk.MLP(depth=1, activation="relu"))


def test_polynomial_network_is_cached_and_none_for_non_polynomials():
    net = nk.MLP(depth=2, activation="x**3 - x", W_std=1, b_std=1)
    pn = polynomial_network(net)
    assert isinstance(pn, PolynomialNetwork) and pn is polynomial_network(net)
    assert pn.r == 3 and pn.domain == sp.QQ
    assert polynomial_network(nk.MLP(depth=1, activation="relu")) is None


def test_checks():
    check_kind("ntk")
    with pytest.raises(ValueError, match="kind"):
        check_kind("cntk")
    assert check_dimension(3) == 3
    for bad in (0, True, 1.5):
        with pytest.raises(ValueError, match="dimension"):
            check_dimension(bad)
