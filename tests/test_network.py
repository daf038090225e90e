"""Tests for `ntksym/network.py` (MLP: validation, recursion, closed forms, mpmath Gram)."""
import json
import pathlib
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

import ntksym as nk
from ntksym.network import dag_size

REF = pathlib.Path(__file__).resolve().parents[0] / "data" / "neural_tangents_0.6.5.json"


def _load_reference():
    return json.loads(REF.read_text())


def _net(case):
    act = nk.activation(case["activation"], **case["params"])
    return nk.MLP(case["depth"], act, case["W_std"], case["b_std"], case["parameterization"],
                  case.get("width"))


# -- validation ---------------------------------------------------------------------------

@pytest.mark.parametrize("depth, exc", [(0, ValueError), (-1, ValueError), (1.5, TypeError),
                                        (True, TypeError), ("3", TypeError), (None, TypeError)])
def test_bad_depth(depth, exc):
    with pytest.raises(exc, match="depth"):
        nk.MLP(depth, "relu")


@pytest.mark.parametrize("kw, exc, frag", [
    ({"W_std": -1.0}, ValueError, "W_std"), ({"W_std": float("nan")}, ValueError, "W_std"),
    ({"b_std": float("inf")}, ValueError, "b_std"), ({"b_std": "0.1"}, TypeError, "b_std"),
    ({"W_std": True}, TypeError, "W_std"), ({"parameterization": "mup"}, ValueError, "mup"),
    ({"parameterization": "standard"}, ValueError, "width"), ({"width": 0}, ValueError, "width"),
    ({"width": 2.5}, TypeError, "width"),
])
def test_bad_arguments(kw, exc, frag):
    with pytest.raises(exc, match=frag):
        nk.MLP(2, "relu", **kw)


def test_bad_activation():
    with pytest.raises(ValueError, match="unknown activation"):
        nk.MLP(2, "relux")
    with pytest.raises(ValueError):
        nk.MLP(2, "exp(x**3)")


def test_symbolic_gram_refused():
    w = sp.Symbol("w", positive=True)
    with pytest.raises(ValueError, match="numeric W_std"):
        nk.MLP(1, "relu", W_std=w).gram(np.ones((2, 2)))


# -- recursion -----------------------------------------------------------------------------

def test_recursion_relu_diagonal_is_half():
    layers = nk.MLP(2, "relu", W_std=1, b_std=0).recursion()
    assert len(layers) == 3
    assert layers[0].nngp == nk.xy and layers[0].nngp_xx == nk.xx and layers[0].ntk == nk.xy
    s11 = layers[1].prev[0]
    # E[relu(u)^2] = q/2 (half of a Gaussian's second moment)
    assert sp.simplify(layers[1].nngp_xx - s11 / 2) == 0
    # arc-cosine factor: E[step(u) step(v)] = (pi - theta) / (2 pi)
    s11, s22, s12, _ = layers[1].prev
    theta = sp.acos(s12 / sp.sqrt(s11 * s22))
    val = {s11: 2.0, s22: 3.0, s12: 0.7}
    assert float(layers[1].nngp_dot.subs(val)) == pytest.approx(
        float(((sp.pi - theta) / (2 * sp.pi)).subs(val)), rel=1e-14)


def test_recursion_symbolic_scales():
    w, b = sp.symbols("w b", positive=True)
    layers = nk.MLP(1, "erf", W_std=w, b_std=b).recursion()
    assert layers[0].nngp == w**2 * nk.xy + b**2
    s11, s22, s12, t1 = layers[1].prev
    assert sp.simplify(layers[1].ntk - (t1 * layers[1].nngp_dot + layers[1].nngp)) == 0
    assert layers[1].nngp_dot.has(w)


# -- closed forms vs numerics ----------------------------------------------------------------

@pytest.mark.parametrize("act", ["relu", "erf", "sin", "x**3 - 2*x + 1/2", "gelu"])
@pytest.mark.parametrize("param", ["ntk", "standard"])
def test_kernel_matches_gram(act, param):
    net = nk.MLP(2, act, W_std=1.5, b_std=0.3, parameterization=param,
                 width=512 if param == "standard" else None)
    X = np.array([[0.3, -1.2, 0.5], [1.1, 0.4, -0.2]])
    K = net.kernel()
    d = X.shape[1]
    vals = {nk.xx: X[0] @ X[0] / d, nk.yy: X[1] @ X[1] / d, nk.xy: X[0] @ X[1] / d,
            sp.Symbol("d", positive=True): d}
    g = net.gram(X)
    assert float(K.nngp.subs(vals).evalf(30)) == pytest.approx(g.nngp[0, 1], rel=1e-12)
    assert float(K.ntk.subs(vals).evalf(30)) == pytest.approx(g.ntk[0, 1], rel=1e-12)


def test_symbolic_scales_substitute_to_numeric():
    w, b = sp.symbols("w b", positive=True)
    K = nk.MLP(2, "relu", W_std=w, b_std=b).kernel()
    Kn = nk.MLP(2, "relu", W_std=1.5, b_std=0.3).kernel()
    vals = {nk.xx: 1.3, nk.yy: 0.8, nk.xy: -0.4}
    got = K.ntk.subs({w: sp.Rational(3, 2), b: sp.Rational(3, 10)}).subs(vals).evalf(30)
    assert float(got) == pytest.approx(float(Kn.ntk.subs(vals).evalf(30)), rel=1e-14)


def test_kernel_size_linear_in_depth():
    sizes = [dag_size(nk.MLP(L, "relu", 1.5, 0.3).kernel().ntk) for L in (10, 20, 40)]
    # linear growth size = a + b*L: 20 more layers add exactly twice what 10 more layers add
    # (an exponential blow-up would multiply, not add)
    assert abs((sizes[2] - sizes[1]) - 2 * (sizes[1] - sizes[0])) <= 4
    assert sizes[2] < 5 * sizes[0]


# -- the mpmath Gram against neural-tangents' float64 fixtures -------------------------------

def test_mp_gram_matches_neural_tangents_fixtures():
    ref = _load_reference()
    X1, X2 = ref["X1"], ref["X2"]
    checked = 0
    for case in ref["cases"]:
        if case["depth"] > 2:
            continue
        net = _net(case)
        g = net.gram(X1, X2, dps=20)
        for name, key in (("nngp", "nngp_12"), ("ntk", "ntk_12")):
            got = np.array(getattr(g, name).tolist(), dtype=float)
            want = np.array(case[key])
            assert np.max(np.abs(got - want)) <= 1e-12 * np.max(np.abs(want)), (case, name)
        checked += 1
    assert checked >= 20


def test_mp_gram_exact_inputs_and_precision():
    net = nk.MLP(2, "relu", W_std=1, b_std=0)
    X = [[Fraction(1, 3), 1], ["0.5", sp.Rational(-2, 7)]]
    g50 = net.gram(X, dps=50)
    g30 = net.gram(X, dps=30)
    # two precisions agree to the lower one; symmetric exactly
    assert abs(g50.ntk[0, 1] - g30.ntk[0, 1]) < mpmath.mpf(10) ** -28
    assert g50.ntk[0, 1] == g50.ntk[1, 0]
    # depth-2 ReLU without bias on one point: Sigma^3(x,x) = |x|^2/(4d) exactly
    with mpmath.workdps(60):
        xx = (mpmath.mpf(1) / 3) ** 2 + 1
        assert abs(g50.nngp[0, 0] - xx / 2 / 4) < mpmath.mpf(10) ** -48


@pytest.mark.parametrize("b_std", [0.0, 0.3])
def test_zero_input(b_std):
    net = nk.MLP(2, "erf", W_std=1.2, b_std=b_std)
    X = np.array([[0.0, 0.0], [0.6, -0.8]])
    g = net.gram(X)
    ref = net.gram(X, dps=30)
    for name in ("nngp", "ntk"):
        R = np.array(getattr(ref, name).tolist(), dtype=float)
        assert np.all(np.isfinite(getattr(g, name)))
        assert np.allclose(getattr(g, name), R, rtol=1e-12, atol=1e-15)
    if b_std == 0:
        # erf(0) = 0 and E[erf] = 0: a zero input is orthogonal to everything
        assert g.nngp[0, 1] == 0 and g.nngp[0, 0] == 0


def test_mp_bad_inputs():
    net = nk.MLP(1, "relu")
    with pytest.raises(ValueError, match="dps"):
        net.gram([[1.0]], dps=2)
    with pytest.raises(ValueError):
        net.gram([[1.0, 2.0], [1.0]], dps=20)
    with pytest.raises(ValueError, match="columns"):
        net.gram([[1.0, 2.0]], [[1.0]], dps=20)
    with pytest.raises(ValueError, match="NaN"):
        net.gram([[float("nan")]], dps=20)
    with pytest.raises(TypeError):
        net.gram([[object()]], dps=20)
