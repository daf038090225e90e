"""certify_positive_definite: rigorous lower bounds, and refusals with reasons.

The reference for every lower bound is lambda_min of the 50-digit Gram matrix ``net.gram(X,
dps=50)`` (mpmath point arithmetic on the closed form, or quadrature; an independent path from
the interval recursion and the certificates), except for the larger matrices, where float64
eigenvalues are used with a margin far above their error.
"""
from fractions import Fraction as F

import mpmath
import numpy as np
import pytest
import sympy as sp

import ntksym as nk
from ntksym.theory.certify import PositivityCertificate, certify_positive_definite

X4 = [[1, 0], [0, 1], [1, 1], [F(3, 10), F(-1, 5)]]


def lmin50(net, X, kind="ntk"):
    with mpmath.workdps(60):
        G = getattr(net.gram(X, dps=50), kind)
        return min(mpmath.eigsy(G, eigvals_only=True))


def _net(name, depth, par, b=F(1, 2), w=F(3, 2)):
    act = nk.activation("erf", b=2) if name == "erf2" else name
    return nk.MLP(depth=depth, activation=act, W_std=w if name != "exp" else 1, b_std=b,
                  parameterization=par, width=6 if par == "standard" else None)


GRID = [(name, par, depth) for name in ("relu", "erf2") for par in ("ntk", "standard")
        for depth in (1, 2, 3)] + \
       [("gelu", "ntk", 1), ("gelu", "standard", 2), ("sin", "ntk", 2), ("sin", "standard", 1),
        ("exp", "ntk", 1), ("exp", "standard", 2), ("gelu", "ntk", 3), ("sin", "ntk", 3)]


@pytest.mark.parametrize("name, par, depth", GRID)
def test_certified_bounds_are_below_lambda_min(name, par, depth):
    net = _net(name, depth, par)
    for kind in ("ntk", "nngp"):
        lam = lmin50(net, X4, kind)
        chol = certify_positive_definite(net, X4, kind=kind, method="cholesky")
        herm = certify_positive_definite(net, X4, kind=kind, method="hermite")
        assert chol.certified and chol.method == "interval Cholesky" and chol.rigorous
        assert herm.certified and herm.method == "Hermite-Gershgorin" and herm.rigorous
        assert 0 < chol.lower_bound <= lam, (kind, chol.lower_bound, lam)
        assert 0 < herm.lower_bound <= lam, (kind, herm.lower_bound, lam)
        # the Cholesky bound is tight; the Gershgorin bound is weaker but not absurdly so
        assert chol.lower_bound >= lam * (1 - 1e-10)
        assert herm.lower_bound >= lam * 1e-6
    # Theta >= Sigma^{L+1} in the ntk parameterization, so its NTK bound is at least the NNGP's
    if par == "ntk":
        assert certify_positive_definite(net, X4, method="hermite").lower_bound >= \
            certify_positive_definite(net, X4, kind="nngp", method="hermite").lower_bound


@pytest.mark.parametrize("name, depth", [("relu", 1), ("relu", 2), ("erf", 1), ("erf", 3),
                                         ("gelu", 2), ("sin", 1)])
def test_no_bias_on_non_proportional_points(name, depth):
    net = nk.MLP(depth=depth, activation=name, W_std=1, b_std=0)
    X = [[1, 0], [0, 1], [1, 1], [1, -1], [2, 1]]
    lam = lmin50(net, X)
    for method in ("auto", "hermite"):
        cert = certify_positive_definite(net, X, method=method)
        assert cert.certified and 0 < cert.lower_bound <= lam, (method, cert.reason)


def test_floats_and_strings_are_exact():
    net = nk.MLP(depth=2, activation="relu", W_std=1.5, b_std=0.1)
    X = [[0.1, 0.7], [0.3, -0.2], [1e-3, 2.5], ["0.1", "0.7000001"]]
    cert = certify_positive_definite(net, X)
    lam = lmin50(net, X)
    assert cert.certified and lam * (1 - 1e-10) <= cert.lower_bound <= lam


def test_refuses_singular_with_reason():
    net = nk.MLP(depth=1, activation="relu", W_std=1, b_std=0)
    cert = certify_positive_definite(net, [[1, 0], [2, 0]])        # homogeneity: x and 2x
    assert not cert.certified and cert.lower_bound is None and "singular" in cert.reason
    net = nk.MLP(depth=1, activation="erf", W_std=1, b_std=0)
    assert not certify_positive_definite(net, [[1, 0], [-1, 0], [0, 1]])   # oddness


@pytest.mark.parametrize("name, depth, X", [
    ("relu", 1, [[1, 0], [2, 0], [0, 1]]),          # x and 2x: positive homogeneity
    ("relu", 3, [[1, 2], [3, 6], [0, 1]]),
    ("erf", 1, [[1, 0], [-1, 0], [0, 1]]),          # x and -x: oddness
    ("erf", 2, [[1, 1], [-1, -1], [1, 0]]),
])
@pytest.mark.parametrize("method", ["cholesky", "hermite", "auto"])
def test_declines_structurally_singular_sets(name, depth, X, method):
    net = nk.MLP(depth=depth, activation=name, W_std=1, b_std=0)
    assert abs(lmin50(net, X)) < 1e-40                   # singular indeed
    cert = certify_positive_definite(net, X, method=method)
    assert not cert.certified and cert.lower_bound is None
    if method == "hermite":
        assert "|rho| = 1" in cert.reason
    if method == "cholesky":
        assert "singular" in cert.reason


def test_relu_without_bias_on_antipodal_points_needs_two_layers_for_hermite():
    # x and -x are not singular for relu; the layer-1 correlation is -1, the layer-2 one is 0
    X = [[1, 0], [-1, 0], [0, 1]]
    one = nk.MLP(depth=1, activation="relu", b_std=0)
    two = nk.MLP(depth=2, activation="relu", b_std=0)
    assert certify_positive_definite(one, X, method="cholesky").certified
    assert not certify_positive_definite(one, X, method="hermite").certified
    cert = certify_positive_definite(two, X, method="hermite")
    assert cert.certified and cert.lower_bound <= lmin50(two, X)


def test_identical_points_are_reported_singular():
    net = nk.MLP(depth=2, activation="relu", W_std=1, b_std=1)
    X = [[1, 2], [3, 4], [1, 2]]
    for method in ("auto", "cholesky", "hermite"):
        cert = certify_positive_definite(net, X, method=method)
        assert not cert.certified and "identical" in cert.reason
        assert cert.null_vector == (1, 0, -1)
    with mpmath.workdps(60):
        G = net.gram(X, dps=50).ntk
        v = mpmath.matrix([1, 0, -1])
        assert mpmath.norm(G * v) < 1e-45


def test_polynomial_exact_certificate():
    net = nk.MLP(depth=2, activation="x**2", W_std=1, b_std=1)
    X = [[1, 0], [0, 1], [1, 1]]
    cert = certify_positive_definite(net, X)
    assert cert.certified and cert.method == "exact rational Cholesky"
    assert 0 < cert.lower_bound <= lmin50(net, X)
    net = nk.MLP(depth=1, activation="x**2", W_std=1, b_std=0)     # 5 points, dimension 3
    X = [[1, 0], [0, 1], [1, 1], [1, -1], [2, 3]]
    cert = certify_positive_definite(net, X)
    assert not cert.certified and "singular" in cert.reason
    v = cert.null_vector
    assert v is not None and any(t != 0 for t in v)
    assert sp.Matrix(nk.exact_gram(net, X)) * sp.Matrix(v) == sp.zeros(5, 1)
    with mpmath.workdps(60):                                        # independent check
        G = net.gram(X, dps=50).ntk
        assert mpmath.norm(G * mpmath.matrix([mpmath.mpf(int(t)) for t in v])) < 1e-40
    # the Hermite certificate of a polynomial network cannot see beyond the degree: declines
    assert not certify_positive_definite(net, X, method="hermite").certified


def test_zero_input():
    X = [[0, 0], [1, 0], [0, 1], [1, 1]]
    net = nk.MLP(depth=2, activation="relu", W_std=1, b_std=F(1, 2))
    lam = lmin50(net, X)
    for method in ("cholesky", "hermite"):
        cert = certify_positive_definite(net, X, method=method)
        assert cert.certified and 0 < cert.lower_bound <= lam
    net = nk.MLP(depth=2, activation="erf", W_std=1, b_std=0)       # a zero row: singular
    assert abs(lmin50(net, X)) < 1e-40
    for method in ("cholesky", "hermite"):
        cert = certify_positive_definite(net, X, method=method)
        assert not cert.certified
    assert "variance" in certify_positive_definite(net, X, method="hermite").reason


def test_quadrature_only_activations_get_no_proof():
    net = nk.MLP(depth=1, activation="tanh", W_std=1, b_std=1)
    cert = certify_positive_definite(net, [[1, 0], [0, 1], [1, 1]])
    assert not cert.certified and cert.lower_bound is None and cert.rigorous
    assert "quadrature" in cert.reason and "rigorous=False" in cert.reason


@pytest.mark.slow
def test_quadrature_only_a_posteriori_path_is_labelled():
    """rigorous=False runs the old two-precision check; it is evidence, not a proof."""
    net = nk.MLP(depth=1, activation="tanh", W_std=1, b_std=1)
    X = [[1, 0], [1, 1]]                   # small: 30-digit quadrature of tanh is slow
    loose = certify_positive_definite(net, X, rigorous=False, dps=10)
    assert not loose.certified and not loose.rigorous and not bool(loose)
    assert "not rigorous" in loose.method and loose.reason.startswith("NOT A PROOF")
    lam = np.linalg.eigvalsh(np.asarray(net.gram(np.array(X, dtype=float)).ntk))[0]
    assert 0 < float(loose.lower_bound) <= lam * (1 + 1e-9)


def test_step_nngp_only():
    net = nk.MLP(depth=2, activation="step", W_std=1, b_std=F(1, 3))
    X = [[1, 0], [0, 1], [1, 1], [-1, 2]]
    cert = certify_positive_definite(net, X)
    assert not cert.certified and "Dirac" in cert.reason
    lam = lmin50(net, X, "nngp")
    for method in ("cholesky", "hermite"):
        cert = certify_positive_definite(net, X, kind="nngp", method=method)
        assert cert.certified and 0 < cert.lower_bound <= lam


def test_standard_parameterization_uses_width_times_k():
    """In the standard parameterization Theta >= Sigma^{L+1} is false in general (here
    width < W_std^2); the certificate uses Theta^{l+1} >= width * k(Sigma^l) instead."""
    net = nk.MLP(depth=1, activation="relu", W_std=3, b_std=1, parameterization="standard",
                 width=2)
    X = [[1, 0], [0, 1], [1, 1]]
    with mpmath.workdps(60):
        g = net.gram(X, dps=50)
        assert min(mpmath.eigsy(g.ntk - g.nngp, eigvals_only=True)) < -1
    lam = lmin50(net, X)
    cert = certify_positive_definite(net, X, method="hermite")
    assert cert.certified and 0 < cert.lower_bound <= lam
    assert certify_positive_definite(net, X, kind="nngp", method="hermite").lower_bound > \
        cert.lower_bound


def test_auto_uses_hermite_for_large_n():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((70, 12))
    X /= np.linalg.norm(X, axis=1, keepdims=True)                  # floats, converted exactly
    net = nk.MLP(depth=1, activation="erf", W_std=1.5, b_std=0.5)
    cert = certify_positive_definite(net, X)
    assert cert.certified and cert.method == "Hermite-Gershgorin"
    lam = np.linalg.eigvalsh(np.asarray(net.gram(X).ntk))[0]       # error ~1e-14
    assert 0 < float(cert.lower_bound) <= lam - 1e-10


def test_bad_arguments():
    net = nk.MLP(depth=1, activation="relu")
    with pytest.raises(ValueError, match="method"):
        certify_positive_definite(net, [[1, 0]], method="qr")
    with pytest.raises(ValueError, match="kind"):
        certify_positive_definite(net, [[1, 0]], kind="nnpg")
    with pytest.raises(ValueError, match="dps"):
        certify_positive_definite(net, [[1, 0]], dps=3)
    a = sp.Symbol("a", positive=True)
    cert = certify_positive_definite(nk.MLP(depth=1, activation="relu", W_std=a), [[1, 0]])
    assert isinstance(cert, PositivityCertificate) and not cert.certified
