"""ntksym.gram.interval: rigorous interval enclosures of a network's Gram matrices.

Every reference value is computed independently of the code under test: mpmath point
evaluations at 50 digits (``net.gram(X, dps=50)``, which uses the closed form by ordinary
mpmath arithmetic, or quadrature at zero variance).
"""
from fractions import Fraction as F

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

import ntksym as nk
from ntksym.backends.intervals import Unsupported, lower, upper
from ntksym.gram.interval import distinct_points, dual_program, interval_gram


ACTS = {
    "relu": nk.activation("relu"),
    "leaky_relu": nk.activation("leaky_relu", alpha=F(1, 5)),
    "abs": nk.activation("abs"),
    "rect2": nk.activation("rectified_monomial", n=2),
    "erf3": nk.activation("erf", b=3),
    "gelu": nk.activation("gelu"),
    "sin": nk.activation("sin", a=F(1, 3), b=2),
    "cos": nk.activation("cos"),
    "exp": nk.activation("exp", b=F(1, 2)),
    "gaussian": nk.activation("gaussian"),
    "xexp": nk.activation("x*exp(-x**2)"),
}


def _inside(v, ref, slack=0):
    with mpmath.workdps(100):
        return lower(v) - slack <= ref <= upper(v) + slack


def test_dual_program_declines_kernels_without_closed_form():
    with pytest.raises(Unsupported, match="closed form"):
        dual_program(nk.dual("tanh").expr)


def test_distinct_points():
    P, rep, U = distinct_points([[1, 2], [0.5, "1/3"], ["1", "2"], [sp.sqrt(2), 0]])
    assert rep == [0, 1, 0, 2] and len(U) == 3 and P[2] == (F(1), F(2))


# --------------------------------------------------------------------------------------------
# Gram matrices
# --------------------------------------------------------------------------------------------

def _check_gram(net, X, kinds=("nngp", "ntk"), dps=30, rel=1e-20):
    G = interval_gram(net, X, dps=dps)
    with mpmath.workdps(60):
        R = net.gram(X, dps=50)
        for kind in kinds:
            M, ref = getattr(G, kind), getattr(R, kind)
            n = len(M)
            scale = max(abs(ref[i, j]) for i in range(n) for j in range(n))
            for i in range(n):
                for j in range(n):
                    assert _inside(M[i][j], ref[i, j]), (kind, i, j, M[i][j], ref[i, j])
                    assert upper(M[i][j]) - lower(M[i][j]) <= rel * scale, (kind, i, j)
    return G


X_MIXED = [[1, 0], [0, 1], [F(1, 3), F(-2, 7)], [0.1, 0.7], ["0.25", "-1.5"]]


@pytest.mark.parametrize("name", ["relu", "erf3", "gelu", "sin", "exp", "abs"])
@pytest.mark.parametrize("par", ["ntk", "standard"])
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_gram_enclosure(name, par, depth):
    net = nk.MLP(depth=depth, activation=ACTS[name], W_std=F(3, 2) if name != "exp" else 1,
                 b_std=F(1, 2), parameterization=par, width=7 if par == "standard" else None)
    G = _check_gram(net, X_MIXED)
    assert G.exact_first_layer


def test_gram_enclosure_edge_cases():
    # zero input with bias; no bias with proportional and antipodal points (boundary c^2 = q1 q2)
    _check_gram(nk.MLP(depth=2, activation="relu", b_std=F(1, 2)), [[0, 0], [1, 0], [0, 1]])
    _check_gram(nk.MLP(depth=2, activation="relu", b_std=0), [[1, 0], [2, 0], [-1, 0], [0, 3]])
    _check_gram(nk.MLP(depth=3, activation="erf", b_std=0), [[1, 1], [-1, -1], [2, 2], [1, 0]])
    _check_gram(nk.MLP(depth=2, activation="gelu", b_std=0), [[0, 0], [1, 0], [-3, 0]],
                kinds=("nngp",))
    # zero variance without bias: the row is 0 and must be enclosed as such
    G = _check_gram(nk.MLP(depth=2, activation="relu", b_std=0), [[0, 0], [1, 2]])
    assert upper(abs(G.ntk[0][0])) == 0 or upper(abs(G.ntk[0][0])) < 1e-40
    # duplicates share their enclosures exactly
    G = interval_gram(nk.MLP(depth=2, activation="erf", b_std=1), [[1, 2], [3, 4], [1, 2]])
    assert G.rep == [0, 1, 0] and G.ntk[0][2] is G.ntk[0][0]


def test_gram_irrational_parameters_and_points():
    net = nk.MLP(depth=2, activation="relu", W_std=sp.sqrt(3), b_std=sp.sqrt(2) / 3)
    X = [[sp.sqrt(2), 1], [sp.pi / 4, F(1, 2)], [0, sp.Rational(-1, 3)]]
    G = interval_gram(net, X)
    assert not G.exact_first_layer
    ref_net = nk.MLP(depth=2, activation="relu", W_std=sp.N(sp.sqrt(3), 80),
                     b_std=sp.N(sp.sqrt(2) / 3, 80))        # gram_mp needs Floats
    with mpmath.workdps(60):
        R = ref_net.gram([[sp.N(v, 80) for v in r] for r in X], dps=50).ntk
        for i in range(3):
            for j in range(3):
                assert _inside(G.ntk[i][j], R[i, j], slack=mpmath.mpf(10) ** -45)
                assert upper(G.ntk[i][j]) - lower(G.ntk[i][j]) < 1e-25


def test_gram_declines():
    with pytest.raises(Unsupported, match="closed form"):
        interval_gram(nk.MLP(depth=1, activation="tanh"), [[1, 0]])
    with pytest.raises(Unsupported, match="Dirac"):
        interval_gram(nk.MLP(depth=1, activation="step"), [[1, 0]])
    interval_gram(nk.MLP(depth=1, activation="step"), [[1, 0], [0, 1]], ntk=False)   # NNGP ok
    with pytest.raises(Unsupported, match="discontinuous"):
        interval_gram(nk.MLP(depth=1, activation="step"), [[0, 0], [0, 1]], ntk=False)
    a = sp.Symbol("a", positive=True)
    with pytest.raises(Unsupported, match="numbers"):
        interval_gram(nk.MLP(depth=1, activation="relu", W_std=a), [[1, 0]])


@settings(max_examples=8, deadline=None)
@given(name=st.sampled_from(["relu", "erf3", "sin", "gelu"]),
       depth=st.integers(1, 2),
       b=st.sampled_from([0, F(1, 2), F(3, 2)]),
       w=st.sampled_from([1, F(3, 2)]),
       par=st.sampled_from(["ntk", "standard"]),
       X=st.lists(st.lists(st.fractions(-3, 3, max_denominator=9), min_size=2, max_size=2),
                  min_size=2, max_size=3))
def test_gram_enclosure_property(name, depth, b, w, par, X):
    net = nk.MLP(depth=depth, activation=ACTS[name], W_std=w, b_std=b, parameterization=par,
                 width=5 if par == "standard" else None)
    G = interval_gram(net, X, dps=25)
    with mpmath.workdps(50):
        R = net.gram(X, dps=40)
        for kind in ("nngp", "ntk"):
            M, ref = getattr(G, kind), getattr(R, kind)
            for i in range(len(X)):
                for j in range(len(X)):
                    assert _inside(M[i][j], ref[i, j], slack=mpmath.mpf(10) ** -35)
