"""ntksym.backends.numeric: the SymPy -> numpy bridge keeps float64 evaluation finite and accurate."""
import mpmath
import numpy as np
import pytest
import sympy as sp

import ntksym as nk
from ntksym.backends import numeric

X = nk.x
POINTS = [-800.0, -30.0, -1.5, 0.0, 0.7, 30.0, 800.0]


@pytest.mark.parametrize("name", ["softplus", "sigmoid", "silu"])
@pytest.mark.parametrize("derivative", [False, True])
def test_logistic_expressions_stay_finite(name, derivative):
    # SymPy writes softplus' as exp(x)/(exp(x) + 1): inf/inf = NaN for x > 709 unless rewritten
    act = nk.activation(name)
    expr = act.derivative().expr if derivative else act.expr
    f = numeric.lambdify_numpy(expr, args=(X,))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = np.asarray(f(np.array(POINTS)), dtype=float)
    fn = sp.lambdify(X, expr, modules="mpmath")
    with mpmath.workdps(40):
        ref = np.array([float(fn(mpmath.mpf(p))) for p in POINTS])
    assert np.all(np.isfinite(got))
    assert np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1e-300)) < 1e-14


@pytest.mark.parametrize("text", ["exp(x)/(1 + exp(x))**3", "x*exp(2*x)/(1 + exp(2*x))",
                                  "exp(x)/(1 + exp(-x))", "exp(-x)/(1 + exp(-x))**2",
                                  "exp(3*x)/(1 + exp(x))**2", "1/(1 + exp(x))"])
def test_logistic_rewrite_is_an_identity(text):
    expr = sp.sympify(text, locals={"x": X})
    new = numeric.stable_rewrite(expr)
    back = new.replace(numeric.EXPIT, sp.Lambda(X, 1 / (1 + sp.exp(-X))))
    assert sp.simplify((back - expr).rewrite(sp.exp)) == 0
    f = numeric.lambdify_numpy(expr, args=(X,))
    g = sp.lambdify(X, expr, modules="mpmath")
    for t in (-3.0, -0.25, 0.0, 1.5, 4.0):
        assert abs(float(f(np.array([t]))[0]) - float(g(mpmath.mpf(t)))) \
            <= 1e-14 * max(1.0, abs(float(g(mpmath.mpf(t)))))
