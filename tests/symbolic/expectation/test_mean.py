"""Tests for `ntksym/symbolic/expectation/mean.py`: E[phi(u)], u ~ N(0, q)."""
import numpy as np
import pytest

import ntksym as nk
from expectation_reference import Q1, evaluate
from ntksym.symbolic.expectation.mean import derive_mean
from ntksym.testing import gauss_mean_mp, mp_function


@pytest.mark.parametrize("spec", ["relu", "abs", "step", "erf", "exp", "gaussian", "cos", "gelu",
                                  "x**4 - x + 2", "x*exp(-x**2/2)", "rectified_monomial"])
def test_derive_mean_vs_quadrature(spec):
    act = nk.activation(spec, **({"n": 3} if spec == "rectified_monomial" else {}))
    mean = derive_mean(act, Q1)
    assert mean is not None, spec
    phi = mp_function(act.expr)
    for q in ("0.3", "2.5"):
        ref = gauss_mean_mp(phi, q, act.breakpoints, dps=30)
        got = evaluate(mean, q, 1, 0)
        assert abs(got - ref) <= 1e-25 * max(abs(ref), 1), (spec, q, got, ref)


def test_derive_mean_declines():
    assert derive_mean(nk.activation("tanh")) == 0          # odd: no integral needed
    assert derive_mean(nk.activation("softplus")) is None
    assert derive_mean(nk.Activation.from_callable(np.tanh)) is None
    assert derive_mean(nk.activation("step").derivative()) is None   # a Dirac delta
