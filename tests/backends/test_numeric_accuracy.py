"""Closed-form duals in float64 are accurate to the last digits over all of rho in [-1, 1].

Tests for :func:`ntksym.backends.numeric.angular_function` (via ``DualKernel.__call__`` and
``DualKernel.ntk``) and the plain lambdified forms. The reference is the same closed form
evaluated by mpmath at 130 digits (``DualKernel.mp(..., dps=120)``), at exactly the float64
arguments given to the float64 code: near rho = -1 the arc-cosine kernels vanish like (pi -
theta)^(2n+1), so 130 digits keep every reference value exact to far more than 16 digits. The
tolerance is 1e-13 relative, plus 1e-60 of the Cauchy-Schwarz scale sqrt(k(q1,q1,q1) k(q2,q2,q2))
for the values that are exactly 0 (at rho = -1), where the 130-digit reference itself is
~1e-130 from 0.
"""
import mpmath
import numpy as np
import pytest

import ntksym as nk

SPECS = [("identity", {}), ("relu", {}), ("leaky_relu", {"alpha": 0.2}), ("abs", {}),
         ("step", {}), ("sign", {}), ("rectified_monomial", {"n": 0}),
         ("rectified_monomial", {"n": 2}), ("rectified_monomial", {"n": 3}),
         ("erf", {}), ("erf", {"b": 3}), ("gelu", {}),
         ("sin", {}), ("sin", {"a": 0.5, "b": 2}), ("cos", {}), ("exp", {"b": 0.5}),
         ("gaussian", {}), ("monomial", {"n": 3}), ("hermite", {"n": 4}),
         ("polynomial", {"coeffs": [1, -2, 0, 1]})]

RHO = [-1.0, -1 + 1e-14, -0.99999999, -0.9999, -0.995, -0.9, -0.5, -1e-9, 0.0, 1e-9, 0.3,
       0.9, 0.995, 0.9999, 0.99999999, 1 - 1e-14, 1.0]
# (q1, q2): c = +-sqrt(q1 q2) = +-1 is exact for the first pair (the endpoints themselves)
VARIANCES = [(2.0, 0.5), (1.3, 0.7), (0.01, 3.0)]
RTOL = 1e-13


def _cases(k):
    yield "nngp", k
    if k.ntk_factor is not None and not k.ntk_degenerate:
        yield "ntk", k.ntk


@pytest.mark.parametrize("name, params", SPECS, ids=[f"{n}{p}" for n, p in SPECS])
def test_closed_form_is_accurate_to_1e13_on_all_of_rho(name, params):
    k = nk.dual(nk.activation(name, **params))
    assert k.method != "numeric", name
    failures = []
    for which, f in _cases(k):
        for q1, q2 in VARIANCES:
            with mpmath.workdps(130):
                scale = mpmath.sqrt(abs(k.mp(q1, q1, q1, dps=120, which=which)) *
                                    abs(k.mp(q2, q2, q2, dps=120, which=which)))
            for r in RHO:
                c = r * np.sqrt(q1 * q2)
                with mpmath.workdps(130):
                    if mpmath.mpf(c) ** 2 > mpmath.mpf(q1) * mpmath.mpf(q2):
                        continue                    # rounded outside the domain: no reference
                    ref = k.mp(q1, q2, c, dps=120, which=which)
                    got = float(f(q1, q2, c))
                    err = abs(mpmath.mpf(got) - ref)
                    if not err <= RTOL * abs(ref) + mpmath.mpf(10) ** -60 * scale:
                        failures.append((which, q1, q2, r, got, float(ref),
                                         float(err / abs(ref)) if ref else float(err)))
    assert not failures, failures


@pytest.mark.parametrize("name, params, rho, before", [
    ("rectified_monomial", {"n": 2}, -0.995, 5e-11),   # the issue's two examples
    ("relu", {}, -0.995, 1e-12),
])
def test_issue_examples(name, params, rho, before):
    """rectified_monomial(2) at rho = -0.995 was 5e-11 relative from its 30-digit value, relu
    1e-12; both (NNGP and NTK) are now within 1e-13 (in fact within a few ulps)."""
    k = nk.dual(nk.activation(name, **params))
    for which, f in _cases(k):
        c = rho * np.sqrt(1.3 * 0.7)
        with mpmath.workdps(130):
            ref = k.mp(1.3, 0.7, c, dps=120, which=which)
            assert abs(mpmath.mpf(float(f(1.3, 0.7, c))) - ref) <= 4e-16 * abs(ref), which


def test_vectorised_and_endpoints_exact():
    """Arrays mixing every region evaluate like scalars; at rho = -1 the ReLU family is 0."""
    k = nk.dual("relu")
    rho = np.array(RHO)
    c = rho * np.sqrt(2.0 * 0.5)
    vec = k(2.0, 0.5, c)
    assert np.array_equal(vec, np.array([float(k(2.0, 0.5, t)) for t in c]))
    assert vec[0] == 0.0 and k.ntk(2.0, 0.5, -1.0) == 0.0
    assert nk.dual("step")(2.0, 0.5, -1.0) == 0.0 and nk.dual("step")(2.0, 0.5, 1.0) == 0.5


def test_slack_is_exact_near_the_boundary():
    from ntksym.backends.numeric import slack
    q1, q2 = 1.3, 0.7
    for r in (-0.99999999, 0.99999999, -1 + 1e-14):
        c = r * np.sqrt(q1 * q2)
        with mpmath.workdps(60):
            ref = mpmath.mpf(q1) * mpmath.mpf(q2) - mpmath.mpf(c) ** 2
            got = slack(np.float64(q1), np.float64(q2), np.float64(c))
            assert abs(got - ref) <= 2.0**-52 * ref        # one rounding of the result
