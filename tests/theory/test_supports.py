"""Supports of feature spaces (ntksym.theory.supports): upper bounds on the feature counts."""
import sympy as sp

import ntksym as nk
from ntksym.theory.features import exact_feature_count
from ntksym.theory.polyring import polynomial_network
from ntksym.theory.supports import Supports, kernel_support


def test_products_of_harmonics():
    sup = Supports(3)
    # H_1 H_1 lies in H_2 + xx H_0
    assert sup.product(sup.xy(), sup.xy()) == {2: 1, 0: 2}
    # in d = 2 only i = 0 and i = min(a, b) occur: H_2 H_2 in H_4 + xx^2 H_0
    assert Supports(2).product({2: 1}, {2: 1}) == {4: 1, 0: 4}
    assert sup.times_radial({1: 1}, 0b101) == {1: 0b101}
    # on a line: powers of t
    line = Supports(None)
    assert line.product(line.xy(), line.xy()) == 0b100
    assert line.times_radial(1, 0b11) == 0b101


def test_supports_bound_the_exact_counts():
    for spec, b, par in (("x**3 - 2*x + 1", 1, "ntk"), ("x**2", 0, "standard"),
                         ("x**3", 0, "ntk")):
        net = nk.MLP(depth=2, activation=spec, W_std=sp.Rational(6, 5), b_std=b,
                     parameterization=par, width=3 if par == "standard" else None)
        pn = polynomial_network(net)
        for kind in ("nngp", "ntk"):
            support = kernel_support(pn, kind, Supports(3))
            exact = exact_feature_count(pn, 3, kind)
            for l, (rank, _) in exact.by_degree.items():
                assert rank <= bin(support.get(l, 0)).count("1"), (spec, kind, l)
