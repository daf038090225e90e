"""Tests for `ntksym/symbolic/expectation/` (reached through `ntksym/symbolic/gaussian.py`): Wick
and orthant moments, means, derivation steps, and the verification that stands between every
strategy and its caller.

The 2-D references are Gaussian integrals in polar coordinates of the whitened plane: with
u = sqrt(q1) r cos(alpha) and v = sqrt(q2) r cos(alpha - beta), cos(beta) = rho, a monomial
u^i v^j (restricted or not to u, v > 0) separates into an angular and a radial integral, each
computed by ``mpmath.quad`` at 30 digits over the exact region (the orthant is the wedge of
angles where both cosines are positive).
"""
import functools
import logging
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

import ntksym as nk
from ntksym.symbolic.expectation import driver
from ntksym.symbolic.expectation.orthant import derive_orthant
from ntksym.symbolic.expectation.price import derive_price
from ntksym.symbolic.expectation.square import derive_square
from ntksym.symbolic.expectation.table import derive_table
from ntksym.symbolic.expectation.wick import derive_wick
from ntksym.symbolic.gaussian import (Derivation, GaussianExpectation, Step, derive_expectation,
                             derive_mean, orthant_moment, wick_moment)
from ntksym.backends.numeric import verify_expectation
from ntksym.testing import gauss_mean_mp, isserlis_moment, mp_function, polynomial_dual

Q1, Q2, C = nk.q1, nk.q2, nk.c
POINTS = [("0.7", "1.9", "-0.5"), ("2.25", "0.5625", "1.125"),
          ("0.5", "2", "-1")]          # the last two lie on the boundary c = +-sqrt(q1 q2)


def polar_moment(i, j, q1, q2, c, orthant):
    """E[u^i v^j (1{u > 0} 1{v > 0} if orthant)] by 2-D quadrature in polar coordinates."""
    with mpmath.workdps(30):
        q1, q2, c = mpmath.mpf(q1), mpmath.mpf(q2), mpmath.mpf(c)
        beta = mpmath.acos(max(-1, min(1, c / mpmath.sqrt(q1 * q2))))
        half = mpmath.pi / 2
        if orthant:
            lo, hi = max(-half, beta - half), min(half, beta + half)
            if hi <= lo:
                return mpmath.mpf(0)
            edges = [lo, hi]
        else:
            edges = [-mpmath.pi, -half, beta - half, 0, beta, beta + half, half, mpmath.pi]
            edges = sorted(set(e for e in edges if -mpmath.pi <= e <= mpmath.pi))
        ang = mpmath.quad(lambda a: mpmath.cos(a)**i * mpmath.cos(a - beta)**j, edges)
        return +(mpmath.sqrt(q1)**i * mpmath.sqrt(q2)**j * ang * _radial(i + j) / (2 * mpmath.pi))


@functools.lru_cache(maxsize=None)
def _radial(n):
    """int_0^oo r^(n+1) exp(-r^2/2) dr by quadrature (30 digits)."""
    with mpmath.workdps(30):
        return mpmath.quad(lambda r: r**(n + 1) * mpmath.exp(-r * r / 2), [0, mpmath.inf])


@functools.lru_cache(maxsize=None)
def _compiled(expr):
    return mp_function(expr, args=(Q1, Q2, C))


def evaluate(expr, q1, q2, c):
    with mpmath.workdps(30):
        return _compiled(expr)(mpmath.mpf(q1), mpmath.mpf(q2), mpmath.mpf(c))


_orthant_expr = functools.lru_cache(maxsize=None)(orthant_moment)
_wick_expr = functools.lru_cache(maxsize=None)(wick_moment)


def moment_scale(i, j, q1, q2):
    """sqrt(E[u^(2i)] E[v^(2j)]): the Cauchy-Schwarz bound of |E[u^i v^j ...]| (exact)."""
    return math.sqrt(float(isserlis_moment(2 * i, 0).subs(Q1, sp.Rational(q1)))
                     * float(isserlis_moment(0, 2 * j).subs(Q2, sp.Rational(q2))))


def test_polar_reference_on_known_values():
    """The reference itself: E[u^2] = q1, E[uv] = c, P(u > 0, v > 0) = 1/4 + asin(rho)/(2 pi)."""
    with mpmath.workdps(30):
        assert abs(polar_moment(2, 0, "0.7", "1.9", "-0.5", False) - mpmath.mpf("0.7")) < 1e-28
        assert abs(polar_moment(1, 1, "0.7", "1.9", "-0.5", False) + mpmath.mpf("0.5")) < 1e-28
        rho = mpmath.mpf("-0.5") / mpmath.sqrt(mpmath.mpf("0.7") * mpmath.mpf("1.9"))
        ref = mpmath.mpf(1) / 4 + mpmath.asin(rho) / (2 * mpmath.pi)
    assert abs(polar_moment(0, 0, "0.7", "1.9", "-0.5", True) - ref) < 1e-28


# --------------------------------------------------------------------------------------------
# Wick moments
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("i", range(7))
def test_wick_moment_equals_isserlis_recursion(i):
    """Exact: the closed sum equals the pairing recursion (Stein's lemma), i, j <= 6."""
    for j in range(7):
        assert sp.expand(wick_moment(i, j) - isserlis_moment(i, j)) == 0, (i, j)


@pytest.mark.parametrize("point", POINTS)
def test_wick_moment_vs_quadrature(point):
    for i in range(5):
        for j in range(5):
            got = evaluate(_wick_expr(i, j), *point)
            ref = polar_moment(i, j, *point, orthant=False)
            scale = moment_scale(i, j, point[0], point[1])
            assert abs(got - ref) <= 1e-25 * scale, (i, j, point, got, ref)


def test_wick_moment_small_cases():
    assert wick_moment(0, 0) == 1
    assert wick_moment(1, 0) == 0 and wick_moment(2, 1) == 0
    assert sp.expand(wick_moment(1, 1) - C) == 0
    assert sp.expand(wick_moment(2, 2) - (Q1 * Q2 + 2 * C**2)) == 0
    assert sp.expand(wick_moment(3, 1) - 3 * Q1 * C) == 0
    assert sp.expand(wick_moment(4, 0) - 3 * Q1**2) == 0


# --------------------------------------------------------------------------------------------
# Orthant moments
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("point", POINTS)
def test_orthant_moment_vs_quadrature(point):
    for i in range(4):
        for j in range(4):
            got = evaluate(_orthant_expr(i, j), *point)
            ref = polar_moment(i, j, *point, orthant=True)
            scale = moment_scale(i, j, point[0], point[1])
            assert abs(got - ref) <= 1e-25 * scale, (i, j, point, got, ref)


def test_orthant_moment_is_symmetric():
    for i, j in ((0, 1), (1, 2), (0, 3), (2, 3)):
        swapped = orthant_moment(j, i).subs({Q1: Q2, Q2: Q1}, simultaneous=True)
        assert sp.simplify(orthant_moment(i, j) - swapped) == 0


def test_orthant_moment_price_theorem():
    """d/dc E[u_+^i v_+^j] = i j E[u_+^(i-1) v_+^(j-1)] (checked exactly)."""
    for i, j in ((1, 1), (2, 1), (2, 2), (3, 2)):
        lhs = sp.diff(orthant_moment(i, j), C)
        rhs = i * j * orthant_moment(i - 1, j - 1)
        assert sp.simplify(lhs - rhs) == 0, (i, j)


def test_orthant_moment_names_only_canonical_symbols():
    for i, j in ((0, 0), (1, 3), (3, 3)):
        assert orthant_moment(i, j).free_symbols <= {Q1, Q2, C}


# --------------------------------------------------------------------------------------------
# Means
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Derivations and their steps
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec, method, rules", [
    ("relu", "price", {"decompose", "price", "integrate", "result", "verify"}),
    ("step", "price", {"decompose", "dirac", "integrate", "result", "verify"}),
    ("x**3 - 2*x + 1/2", "hermite", {"wick", "mehler", "verify"}),
    ("sin", "gaussian", {"square", "result", "verify"}),
    ("erf", "price", {"price", "square", "initial", "integrate", "verify"}),
])
def test_derivation_steps(spec, method, rules):
    act = nk.activation(spec)
    d = derive_expectation(act, act)
    assert isinstance(d, Derivation)
    assert d.method == method
    assert rules <= {s.rule for s in d.steps}, [s.rule for s in d.steps]
    assert all(isinstance(s, Step) and s.text for s in d.steps)
    assert d.steps[-1].rule == "verify"
    lhs = [s.lhs for s in d.steps if isinstance(s.lhs, GaussianExpectation)]
    assert lhs, "no step names the expectation it derives"


def test_derive_expectation_of_a_pair():
    """E[relu(u) u] = c E[relu'(u)] ... by Stein: E[v relu(u)] = c P(u > 0) = c / 2."""
    relu, ident = nk.activation("relu"), nk.activation("identity")
    d = derive_expectation(relu, ident)
    assert d is not None
    assert sp.simplify(d.expr - C / 2) == 0


def test_derive_expectation_declines_without_rule():
    tanh = nk.activation("tanh")
    assert derive_expectation(tanh, tanh) is None
    f = nk.Activation.from_callable(np.tanh)
    assert derive_expectation(f, f) is None


def test_gaussian_expectation_is_unevaluated():
    e = GaussianExpectation.of(nk.activation("tanh"), nk.activation("tanh"))
    assert isinstance(e, GaussianExpectation)
    assert e.free_symbols == {Q1, Q2, C}
    assert e.subs(C, 0).args[4] == 0


# --------------------------------------------------------------------------------------------
# Verification rejects wrong formulas
# --------------------------------------------------------------------------------------------

def _perturbed(strategy, how):
    def wrong(f, g, depth, derive):
        result = strategy(f, g, depth, derive)
        if result is None:
            return None
        return Derivation(how(result.expr), result.method, list(result.steps))
    wrong.__name__ = f"wrong_{strategy.__name__}"
    return wrong


@pytest.mark.parametrize("how", [lambda e: e * (1 + sp.Rational(1, 10**8)),
                                 lambda e: e + sp.Rational(1, 10**9) * C,
                                 lambda e: e.subs(C, C * (1 - sp.Rational(1, 10**7)))])
def test_verification_rejects_wrong_orthant_formula(monkeypatch, caplog, how):
    relu = nk.activation("relu")
    wrong = _perturbed(derive_orthant, how)
    monkeypatch.setattr(driver, "STRATEGIES", (derive_wick, wrong, derive_square,
                                               derive_price, derive_table))
    with caplog.at_level(logging.INFO, logger=driver.__name__):
        assert derive_expectation(relu, relu) is None
    assert any(r.args[0] == "wrong_derive_orthant" for r in caplog.records)


def test_verification_accepts_the_unperturbed_formula(monkeypatch):
    """Control for the test above: the same wrapper with no perturbation is accepted."""
    relu = nk.activation("relu")
    same = _perturbed(derive_orthant, lambda e: e)
    monkeypatch.setattr(driver, "STRATEGIES", (derive_wick, same, derive_square,
                                               derive_price, derive_table))
    d = derive_expectation(relu, relu)
    assert d is not None and d.steps[-1].rule == "verify"


def test_verification_rejects_wrong_wick_and_square(monkeypatch):
    poly = nk.activation("x**3 - 2*x + 1/2")
    sin = nk.activation("sin")
    monkeypatch.setattr(driver, "STRATEGIES", (
        _perturbed(derive_wick, lambda e: e + sp.Rational(1, 10**9) * C**3),
        derive_orthant,
        _perturbed(derive_square, lambda e: e * (1 + sp.Rational(1, 10**9))),
        derive_price, derive_table))
    d = derive_expectation(poly, poly)   # the orthant strategy (a polynomial is piecewise
    assert d is None or (d.method != "hermite"             # polynomial) may take over,
                         and sp.expand(d.expr - polynomial_dual(poly.polynomial_coeffs)) == 0)
    d = derive_expectation(sin, sin)
    assert d is None or d.method != "gaussian"


def test_verify_expectation_measures_the_error():
    relu = nk.activation("relu")
    good = derive_expectation(relu, relu).expr
    ok, err = verify_expectation(good, relu, relu)
    assert ok and err < 1e-13
    ok, err = verify_expectation(good * (1 + sp.Rational(1, 10**6)), relu, relu)
    assert not ok and 1e-7 < err < 1e-5
    ok, err = verify_expectation(sp.nan * C, relu, relu)
    assert not ok
