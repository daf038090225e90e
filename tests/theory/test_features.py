"""Feature-space dimensions (ntksym.theory.features): the fast certified count against the exact
count, the fallback, and the ranks on spheres and lines."""
from fractions import Fraction as F

import ntksym as nk
from ntksym.theory.features import (exact_feature_count, fast_feature_count, line_dimension,
                                    sphere_dimension)
from ntksym.theory.polyring import polynomial_network
from ntksym.theory.rank import generic_rank, predicted_rank
from rank_references import ref_gram, ref_generic, sphere_points


def test_fast_count_agrees_with_exact_count():
    # two algorithms of ntksym.rank (bounds mod p / supports vs the kernel built over Q):
    # a consistency check on top of the independent references above
    cases = [("x**3 - 2*x + 1", 2, F(1, 2), 3, "ntk", "ntk"), ("x**3", 2, 0, 3, "ntk", "standard"),
             ("x**3 + x", 2, 0, 2, "nngp", "ntk"), ("x**2 - 1", 2, 1, 3, "ntk", "ntk"),
             ("x**4 + x", 2, 0, 2, "ntk", "standard"), ("x**2 - x", 3, 0, 1, "ntk", "ntk"),
             ("x**5 - x**2", 2, F(1, 2), 2, "ntk", "ntk"), ("x**7", 2, 0, 2, "ntk", "standard"),
             ("x**5 + x**4 - x", 2, 0, 3, "ntk", "ntk")]
    for spec, depth, b, d, kind, par in cases:
        net = nk.MLP(depth=depth, activation=spec, W_std=F(6, 5), b_std=b, parameterization=par,
                     width=5 if par == "standard" else None)
        fast = fast_feature_count(polynomial_network(net), d, kind)
        exact = exact_feature_count(polynomial_network(net), d, kind)
        assert fast is not None and fast == exact, (spec, depth, b, d, kind, par)


def test_count_falls_back_when_the_bounds_do_not_meet():
    # W_std = 0: the kernel is the constant b^2 (features: constants only), but the supports
    # allow every degree, so the fast bounds do not meet and the exact count runs
    for b, expected in ((1, 1), (0, 0)):
        net = nk.MLP(depth=2, activation="x**2 - x", W_std=0, b_std=b)
        assert fast_feature_count(polynomial_network(net), 2, "nngp") is None
        assert generic_rank(net, 2, "nngp") == expected == ref_generic(net, 2, "nngp")


def test_special_sets_structural_counts():
    net = nk.MLP(depth=2, activation="x**2 - x", W_std=1, b_std=1)
    # on the unit circle: harmonic degrees 0..4 each once: 1 + 2 * 4 = 9
    assert sphere_dimension(net, 2, 1, "ntk") == 9
    # on a line: a polynomial of degree 4 in t: 5
    assert line_dimension(net, [1, 2], "ntk") == 5
    X = sphere_points(14, 2, 0)
    assert predicted_rank(net, X, "ntk") == 9 == ref_gram(net, X, "ntk").rank()
