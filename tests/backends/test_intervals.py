"""ntksym.backends.intervals: rigorous interval enclosures of duals and Taylor coefficients.

Every reference value is computed independently of the code under test: mpmath point
evaluations at 50 digits (``DualKernel.mp``, ``net.gram(X, dps=50)``, which use the closed form
by ordinary mpmath arithmetic, or quadrature at zero variance), or mpmath quadrature of the
Hermite coefficients of phi itself.
"""
from fractions import Fraction as F

import mpmath
import pytest
import sympy as sp
from hypothesis import example, given, settings, strategies as st

import ntksym as nk
from ntksym.backends.intervals import (SLACK, IntervalProgram, Unsupported, arb,
                                      exact_fraction, exact_points, interval, iv_atan2, iv_erf,
                                      lower, nonneg, slack_program, taylor_hermite, to_arb, upper,
                                      working_precision)


def ball(v):
    """An arb ball containing the decimal string v, or the hull of a pair [lo, hi] of them."""
    if isinstance(v, list):
        return interval(to_arb(v[0]), to_arb(v[1]))
    return to_arb(v)

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

# (q1, q2, c) as exact strings; the last ones are on the boundary c^2 = q1 q2 or near it
POINTS = [("1", "2", "0.3"), ("0.5", "0.7", "-0.2"), ("3", "0.25", "0"),
          ("2", "2", "2"), ("2", "2", "-2"), ("1", "4", "1.9999999"), ("1", "4", "-2"),
          ("0.01", "0.02", "0.014")]


def _enclose(prog, a, b, c, diag=False):
    A, B, C = (ball(v) for v in (a, b, c))
    if diag:
        S = arb(0)
    else:
        S = A * B - C * C
        S = interval(max(lower(S), 0), upper(S))
    return prog(A, B, C, S)


def _inside(v, ref, slack=0):
    with mpmath.workdps(100):
        return lower(v) - slack <= ref <= upper(v) + slack


@pytest.mark.parametrize("name", sorted(ACTS))
@pytest.mark.parametrize("which", ["nngp", "ntk"])
def test_dual_enclosure_contains_50_digit_value(name, which):
    k = nk.dual(ACTS[name])
    expr = k.expr if which == "nngp" else k.ntk_factor
    prog = slack_program(expr)
    for a, b, c in POINTS:
        exact_boundary = F(c) ** 2 == F(a) * F(b)
        with working_precision(30):
            v = _enclose(prog, a, b, c, diag=exact_boundary)
        with mpmath.workdps(60):
            ref = k.mp(a, b, c, dps=50, which=which)
            width = upper(v) - lower(v)
            assert _inside(v, ref), (name, which, (a, b, c), v, ref)
            # narrow: relative 1e-20 at 30 digits (absolute for values near 0)
            assert width <= 1e-20 * max(abs(ref), 1), (name, which, (a, b, c), width)


@pytest.mark.parametrize("name, q, expected", [
    ("relu", "2", 0),                     # phi(0) E[relu(v)] = 0
    ("erf3", "1.5", 0),
    ("gelu", "0.3", 0),
    ("gaussian", "0.5", "1/sqrt(3/2)"),   # E[exp(-v^2/2)], v ~ N(0, 0.5)
    ("cos", "0.8", "exp(-2/5)"),           # E[cos v]
    ("exp", "2", "exp(1/4)"),             # E[exp(v/2)]
])
def test_zero_variance_is_the_limit(name, q, expected):
    """At q1 = 0 the closed forms are 0/0-like (relu: atan2(0, 0)); the enclosure must still
    contain the true value phi(0) E[phi(v)] (computed here by hand)."""
    prog = slack_program(nk.dual(ACTS[name]).expr)
    with working_precision(30):
        v = prog(arb(0), ball(q), arb(0), arb(0))
    with mpmath.workdps(50):
        ref = mpmath.mpf(0) if expected == 0 else \
            mpmath.mpf(sp.N(sp.sympify(expected), 50))
        assert _inside(v, ref, slack=mpmath.mpf(10) ** -45)
        assert upper(v) - lower(v) < 1e-25


def test_slack_rewrites():
    relu = slack_program(nk.dual("relu").expr)
    assert not relu.expr.has(nk.c**2) and relu.expr.has(sp.sqrt(SLACK))
    erf = slack_program(nk.dual("erf").expr)              # asin(...) became atan(...)/atan2
    assert not erf.expr.has(sp.asin) and erf.expr.has(SLACK)
    gelu = slack_program(nk.dual("gelu").expr)
    assert gelu.expr.has(SLACK + nk.q1 + nk.q2 + 1)          # sqrt(-c**2 + (q1+1)(q2+1))


def test_declines_what_it_cannot_enclose():
    x = sp.Symbol("x")
    for e in (sp.Heaviside(x), sp.Piecewise((x, x > 0), (0, True)), sp.sign(x),
              sp.gamma(x), sp.Symbol("y") * x):
        with pytest.raises(Unsupported):
            IntervalProgram(e, (x,))
    # a square root whose argument may be negative
    with working_precision(20), pytest.raises(Unsupported, match="nonnegative"):
        IntervalProgram(sp.sqrt(x), (x,))(interval(-1, 1))
    with working_precision(20), pytest.raises(Unsupported, match="containing 0"):
        IntervalProgram(1 / x, (x,))(interval(-1, 1))


def test_rewritten_functions_contain_point_values():
    x = sp.Symbol("x")
    with working_precision(30):
        for e, f in [(sp.sinh(x), mpmath.sinh), (sp.cosh(x), mpmath.cosh),
                     (sp.tanh(x), mpmath.tanh), (sp.atan(x), mpmath.atan),
                     (sp.asin(x / 2), lambda t: mpmath.asin(t / 2)),
                     (sp.acos(x / 3), lambda t: mpmath.acos(t / 3)),
                     (sp.Abs(x) + sp.Max(x, 1) - sp.Min(x, -1), lambda t: abs(t) + max(t, 1)
                      - min(t, -1)),
                     (x**sp.Rational(2, 3) + x**sp.Rational(-3, 2),
                      lambda t: t**(mpmath.mpf(2) / 3) + t**(-mpmath.mpf(3) / 2)),
                     (sp.log(x) * sp.erf(x), lambda t: mpmath.log(t) * mpmath.erf(t))]:
            prog = IntervalProgram(e, (x,))
            for t in ("0.3", "1.7", "1e-5"):
                v = prog(ball(t))
                with mpmath.workdps(50):
                    ref = f(mpmath.mpf(t))
                    assert _inside(v, ref), (e, t)
                    assert upper(v) - lower(v) < 1e-25 * max(1, abs(ref))


@pytest.mark.parametrize("y, x", [
    (["0", "1e-20"], "-1"),                # touches the cut from above
    ("0", ["-1", "1e-20"]),                # mpmath.iv.atan2 gave [pi, pi] here (wrong)
    (["0", "1e-20"], ["-1e-20", "1e-20"]), # contains the origin
    (["-1e-20", "1e-20"], "-1"),           # straddles the cut
    (["0.5", "0.6"], ["-0.1", "0.1"]),
    (["-0.6", "-0.5"], ["-0.3", "-0.2"]),
])
def test_atan2_encloses_samples(y, x):
    with working_precision(30):
        Y, X = ball(y), ball(x)
        v = iv_atan2(Y, X)
    with mpmath.workdps(50):
        for s in (0, 0.25, 0.5, 0.75, 1):
            for t in (0, 0.3, 1):
                yy = lower(Y) + s * (upper(Y) - lower(Y))
                xx = lower(X) + t * (upper(X) - lower(X))
                if yy == 0 and xx == 0:
                    continue
                assert _inside(v, mpmath.atan2(yy, xx)), (y, x, yy, xx, v)


@pytest.mark.parametrize("t", ["0", "1e-30", "0.001", "0.5", "-1.3", "3", "5.5", "9", "-30"])
def test_erf_encloses_50_digit_value(t):
    with working_precision(30):
        v = iv_erf(ball(t))
    with mpmath.workdps(60):
        ref = mpmath.erf(mpmath.mpf(t))
        assert _inside(v, ref)
        assert upper(v) - lower(v) <= 1e-28 * max(abs(ref), 1e-30)
    with working_precision(30):                 # monotone hull on a wide interval
        w = iv_erf(ball(["-0.5", "2"]))
    assert lower(w) <= mpmath.erf(-0.5) and mpmath.erf(2) <= upper(w)


def _hermite_sq(act, q, k):
    """alpha_k(q)^2 by mpmath quadrature of phi(sqrt(q) z) He_k(z) / sqrt(k!) (independent)."""
    f = sp.lambdify(nk.x, act.expr, modules="mpmath")
    with mpmath.workdps(30):
        sq = mpmath.sqrt(mpmath.mpf(q))
        def integrand(z):
            return f(sq * z) * mpmath.hermite(k, z / mpmath.sqrt(2)) * \
                2 ** (-mpmath.mpf(k) / 2) * mpmath.exp(-z * z / 2)
        val = mpmath.quad(integrand, [-mpmath.inf, 0, mpmath.inf]) / \
            mpmath.sqrt(2 * mpmath.pi) / mpmath.sqrt(mpmath.factorial(k))
        return val ** 2


@pytest.mark.parametrize("name", ["relu", "erf3", "gelu", "sin", "gaussian"])
def test_taylor_coefficients_are_squared_hermite_coefficients(name):
    act = ACTS[name]
    prog = slack_program(nk.dual(act).expr)
    q = "0.7"
    with working_precision(30):
        co = taylor_hermite(prog, ball(q), 5)
    for k in range(6):
        ref = _hermite_sq(act, q, k)
        assert _inside(co[k], ref, slack=mpmath.mpf(10) ** -20), (name, k, co[k], ref)
        assert upper(co[k]) - lower(co[k]) < 1e-24


def test_exact_fraction():
    assert exact_fraction(0.1) == F(3602879701896397, 36028797018963968)
    assert exact_fraction("0.1") == F(1, 10) and exact_fraction("1/3") == F(1, 3)
    assert exact_fraction(sp.Rational(2, 7)) == F(2, 7) and exact_fraction(3) == 3
    assert exact_fraction(sp.sqrt(2)) is None
    with pytest.raises(TypeError):
        exact_fraction(True)
    with pytest.raises(ValueError):
        exact_fraction(float("nan"))


def test_exact_points():
    P = exact_points([[0.1, "1/3"], [2, sp.sqrt(2)]])
    assert P == [(F(3602879701896397, 36028797018963968), F(1, 3)), (F(2), sp.sqrt(2))]
    assert isinstance(P[1][0], F)
    with pytest.raises(ValueError):
        exact_points([[1, 2], [3]])
    with pytest.raises(ValueError):
        exact_points([1, 2])
    with pytest.raises(TypeError):
        exact_points(None)


# --------------------------------------------------------------------------------------------
# The two mpmath.iv failures that arb replaced, and arb's own wide spots
# --------------------------------------------------------------------------------------------

def test_atan2_on_the_cut_is_tight_and_correct():
    """mpmath.iv.atan2(0, [-1, 1e-20]) returned [pi, pi], which misses atan2(0, 1e-20) = 0.
    The arb enclosure must contain both limits 0 and pi, and no more than [0, pi] up to the
    radius's 30-bit rounding (arb's own atan2 gives [-pi, pi] on the cut)."""
    with working_precision(30):
        v = iv_atan2(arb(0), interval(-1, to_arb("1e-20")))
        w = iv_atan2(nonneg(interval(0, to_arb("1e-20"))), arb(-1))   # above the cut, left
    with mpmath.workdps(50):
        assert lower(v) <= 0 and upper(v) >= mpmath.pi
        assert lower(v) >= 0 and upper(v) < mpmath.pi * (1 + 2**-28)
        assert lower(w) <= mpmath.pi - mpmath.mpf("1e-20") and upper(w) >= mpmath.pi
        assert upper(w) - lower(w) < 2e-20


@pytest.mark.parametrize("lo, hi", [("0.4", "0.6"), ("-3", "-2.5"), ("0", "10"),
                                    ("-1e-30", "1e-30")])
def test_erf_on_wide_intervals(lo, hi):
    """mpmath.iv.erf([0.4, 0.6]) raised NoConvergence; the arb hull must contain erf on the
    whole interval and be tight at its endpoints (erf is increasing) up to the 30-bit rounding
    of a ball's radius (2^-26 of the widths)."""
    with working_precision(30):
        v = iv_erf(ball([lo, hi]))
    with mpmath.workdps(50):
        a, b = mpmath.erf(mpmath.mpf(lo)), mpmath.erf(mpmath.mpf(hi))
        assert lower(v) <= a and b <= upper(v)
        slop = 1e-25 + (b - a + mpmath.mpf(hi) - mpmath.mpf(lo)) * 2**-26
        assert a - lower(v) < slop and upper(v) - b < slop


def test_working_precision_sets_and_restores_flint_precision():
    from flint import ctx
    old = ctx.prec
    with working_precision(50):
        assert ctx.prec >= 166
        third = arb(1) / 3
    assert ctx.prec == old
    with mpmath.workdps(80):
        assert upper(third) - lower(third) < mpmath.mpf(10) ** -49
        assert lower(third) <= mpmath.mpf(1) / 3 <= upper(third)


def test_endpoints_are_exact_numbers():
    """lower/upper return exact mpf endpoints, independent of flint's working precision."""
    with working_precision(60):
        x = arb(1) / 7
    lo, hi = lower(x), upper(x)                 # read at the default (53-bit) precision
    with mpmath.workdps(100):
        assert lo <= mpmath.mpf(1) / 7 <= hi and hi - lo < mpmath.mpf(10) ** -58
    assert lower(interval(-1, 2)) <= -1 and upper(interval(-1, 2)) >= 2
    assert to_arb(mpmath.mpf(-0.1)) < 0 and to_arb(mpmath.mpf(-0.1)).is_exact()


def test_domain_guards_decline_instead_of_nan():
    """arb returns NaN for sqrt or log of a ball that reaches below 0; the evaluator declines."""
    x = sp.Symbol("x")
    with working_precision(30):
        for e in (sp.log(x), x ** sp.Rational(1, 3), sp.sqrt(x)):
            with pytest.raises(Unsupported):
                IntervalProgram(e, (x,))(interval(-1, 1))
        # the boundary value 0 is fine for sqrt and a positive rational power
        assert upper(IntervalProgram(sp.sqrt(x), (x,))(arb(0))) == 0
        v = IntervalProgram(x ** sp.Rational(2, 3), (x,))(nonneg(interval(0, 8)))
    assert lower(v) <= 0 and upper(v) >= 4


@given(st.floats(-4, 4), st.floats(0, 2))
@example(1.0, 2.1602267738806025e-27)      # r below half an ulp of m: the box is [1, 1]
@settings(max_examples=40, deadline=None)
def test_program_encloses_random_boxes(m, r):
    """Every point value of exp(-x^2) sin(3x) + atan(x) on a box lies in its enclosure."""
    x = sp.Symbol("x")
    prog = IntervalProgram(sp.exp(-x**2) * sp.sin(3 * x) + sp.atan(x), (x,))
    with working_precision(30):
        v = prog(interval(m - r, m + r))
    with mpmath.workdps(50):
        for s in (0, 0.3, 0.5, 0.9, 1):
            # points of the box actually built: its endpoints are the rounded m - r, m + r
            lo, hi = mpmath.mpf(m - r), mpmath.mpf(m + r)
            t = lo + s * (hi - lo)
            ref = mpmath.exp(-t**2) * mpmath.sin(3 * t) + mpmath.atan(t)
            assert lower(v) <= ref <= upper(v)
