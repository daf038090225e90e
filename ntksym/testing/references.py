r"""Independent references for tests: functions built here from SymPy expressions, comparisons
with a stated tolerance, and sample covariances.

Nothing here goes through ntksym's own numeric code (:mod:`ntksym.backends.numeric`): activations
are lambdified here, Gaussian means are one-dimensional ``mpmath.quad`` integrals, and the Wick
moments come from a recursion on pairings (:func:`isserlis_moment`), not from the closed sum of
:func:`ntksym.symbolic.expectation.wick.wick_moment`.

Relative errors are measured against ``|reference|``, except where the reference is near zero
(below ``NEAR_ZERO`` times the Cauchy--Schwarz scale ``sqrt(E[phi(u)^2] E[phi(v)^2])``): there
the scale is the denominator, since a value that vanishes by cancellation has no relative error.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

__all__ = [
    "NEAR_ZERO", "assert_close", "covariance_points", "mp_function", "np_function",
    "gauss_mean_mp", "mp_covariance", "isserlis_moment", "polynomial_dual", "symbolic_equal",
]

NEAR_ZERO = 1e-3
"""A reference is 'near zero' below this fraction of its Cauchy--Schwarz scale."""

_X = sp.Symbol("x", real=True)


# --------------------------------------------------------------------------------------------
# Reference functions, written here from the SymPy expression (not with ntksym's numeric code)
# --------------------------------------------------------------------------------------------

def _mp_heaviside(t, h0=0):
    t = mpmath.mpf(t)
    return mpmath.mpf(1) if t > 0 else (mpmath.mpf(h0) if t == 0 else mpmath.mpf(0))


def _mp_sqrt(t):
    """sqrt for references: a real argument that rounding pushed below 0 is 0."""
    if isinstance(t, mpmath.mpf) or isinstance(t, (int, float)):
        return mpmath.sqrt(t) if t > 0 else mpmath.mpf(0)
    return mpmath.sqrt(t)


def mp_function(expr, args=None):
    """A scalar mpmath function computing the SymPy expression ``expr``.

    With ``args=None`` the expression is an activation in its single free symbol (or constant).
    """
    expr = sp.sympify(expr)
    if args is None:
        free = sorted(expr.free_symbols, key=str)
        if len(free) > 1:
            raise ValueError(f"{expr} has more than one free symbol")
        args = free[0] if free else _X
    modules = [{"Heaviside": _mp_heaviside, "sign": mpmath.sign, "sqrt": _mp_sqrt,
                "Max": max, "Min": min}, "mpmath"]
    fn = sp.lambdify(args, expr, modules=modules)
    if isinstance(args, sp.Symbol):
        return lambda t: mpmath.mpf(fn(mpmath.mpf(t)))
    return fn


def np_function(expr):
    """A vectorised float64 function of the activation expression ``expr`` (scipy + numpy)."""
    expr = sp.sympify(expr)
    free = sorted(expr.free_symbols, key=str)
    if len(free) > 1:
        raise ValueError(f"{expr} has more than one free symbol")
    var = free[0] if free else _X
    fn = sp.lambdify(var, expr, modules=["scipy", "numpy"])

    def phi(t):
        t = np.asarray(t, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.broadcast_to(np.asarray(fn(t), dtype=float), t.shape)

    return phi


def gauss_mean_mp(f, q, breaks=(0.0,), dps=30):
    """E[f(sqrt(q) z)], z ~ N(0, 1), by one-dimensional ``mpmath.quad`` split at the kinks."""
    with mpmath.workdps(dps):
        q = mpmath.mpf(q)
        if q == 0:
            return f(mpmath.mpf(0))
        sq = mpmath.sqrt(q)
        pts = sorted({mpmath.mpf(0)} | {mpmath.mpf(b) / sq for b in breaks})
        pts = [p for p in pts if abs(p) < 40]
        dens = 1 / mpmath.sqrt(2 * mpmath.pi)
        val = mpmath.quad(lambda z: f(sq * z) * mpmath.exp(-z * z / 2) * dens,
                          [-mpmath.inf, *pts, mpmath.inf])
        return +val


def mp_covariance(q1, q2, c):
    """(q1, q2, c) as mpf, with c clipped to [-sqrt(q1 q2), sqrt(q1 q2)] (float rounding)."""
    a, b, cc = mpmath.mpf(q1), mpmath.mpf(q2), mpmath.mpf(c)
    bound = mpmath.sqrt(a * b)
    return a, b, max(-bound, min(bound, cc))


# --------------------------------------------------------------------------------------------
# Comparisons and sample points
# --------------------------------------------------------------------------------------------

def assert_close(got, ref, rtol, scale=None, what="value"):
    """Assert ``|got - ref| <= rtol * denom`` elementwise.

    ``denom`` is ``|ref|``, or ``scale`` where ``|ref| < NEAR_ZERO * scale`` (a value that is zero
    or nearly zero by cancellation is judged on the size of the quantities that cancel).
    """
    got = np.asarray(got, dtype=float)
    ref = np.asarray(ref, dtype=float)
    denom = np.abs(ref)
    if scale is not None:
        scale = np.broadcast_to(np.asarray(scale, dtype=float), denom.shape)
        denom = np.where(denom < NEAR_ZERO * scale, scale, denom)
    err = np.abs(got - ref) / np.maximum(denom, 1e-300)
    bad = ~(err <= rtol)
    if np.any(bad):
        i = np.flatnonzero(bad.ravel())[0]
        raise AssertionError(
            f"{what}: relative error {float(err.ravel()[i]):.3e} > {rtol:.1e} at entry {i}: "
            f"got {float(got.ravel()[i])!r}, reference {float(ref.ravel()[i])!r} "
            f"(max error {float(np.nanmax(err)):.3e}, {int(bad.sum())} of {bad.size} bad)")


def _dyadic(t, bits=6):
    """t rounded to ``bits`` significant bits."""
    m, e = math.frexp(t)
    return math.ldexp(round(m * 2**bits) / 2**bits, e)


def covariance_points(seed=0, n_random=8, q_range=(0.05, 4.0), tiny=1e-8):
    """Test points (q1, q2, c) as three float arrays.

    Fixed awkward points first: c = +sqrt(q1 q2) and c = -sqrt(q1 q2) with q1 != q2 (q = a^2,
    c = a b, exactly on the boundary), q1 == q2 == c, c = 0, and a tiny variance ``tiny`` (alone
    and for both); then
    ``n_random`` points with log-uniform variances in ``q_range`` and correlations uniform in
    (-1, 1).
    """
    rng = np.random.default_rng(seed)
    lo, hi = q_range
    # a and b have 6 significant bits, so q1 = a^2, q2 = b^2 and c = a b are exact in float64
    # and c^2 == q1 q2 exactly: the points lie on the boundary, not a rounding error inside it
    # (where kernels of jumps move by ~sqrt(1 - rho) ~ 1e-8).
    a, b = (_dyadic(math.sqrt(t)) for t in (0.7 * lo + 0.3 * hi, 0.2 * lo + 0.1 * hi))
    pts = [
        (a * a, b * b, a * b), (a * a, b * b, -(a * b)), (b * b, a * a, a * b),
        (a * a, a * a, a * a), (a * a, b * b, 0.0),
    ]
    if tiny:
        m = math.sqrt(lo * hi)
        pts += [(tiny, m, 0.6 * math.sqrt(tiny * m)), (m, tiny, -0.9 * math.sqrt(tiny * m)),
                (tiny, 2 * tiny, 0.5 * tiny)]
    q = np.exp(rng.uniform(math.log(lo), math.log(hi), size=(n_random, 2)))
    r = rng.uniform(-1, 1, size=n_random)
    pts += [(x1, x2, rr * math.sqrt(x1 * x2)) for (x1, x2), rr in zip(q, r)]
    arr = np.array(pts, dtype=float)
    return arr[:, 0], arr[:, 1], arr[:, 2]


def symbolic_equal(a, b):
    """True when SymPy proves ``a == b`` (``simplify(a - b) == 0``, after rewriting sinh and cosh
    as exponentials, or
    ``atan2(S, c)`` with S = sqrt(q1 q2 - c^2) as ``acos(c / sqrt(q1 q2))``, valid for q1, q2 > 0,
    and ``acos`` as ``pi/2 - asin`` if needed)."""
    import ntksym as nk
    diff = sp.simplify(sp.expand(a - b))
    if diff == 0:
        return True
    if diff.has(sp.sinh, sp.cosh) and sp.simplify(sp.expand(diff.rewrite(sp.exp))) == 0:
        return True
    S = sp.sqrt(nk.q1 * nk.q2 - nk.c**2)
    theta = sp.acos(nk.c / (sp.sqrt(nk.q1) * sp.sqrt(nk.q2)))
    diff = sp.simplify(sp.expand(diff.subs(sp.atan2(S, nk.c), theta).rewrite(sp.asin)))
    return diff == 0


def isserlis_moment(i, j, q1=None, q2=None, c=None):
    """E[u^i v^j] by recursion on pairings (Stein's lemma / Isserlis), independent of the closed
    sum that :func:`ntksym.gaussian.wick_moment` uses.

    Pair the first factor with each remaining one: a ``u`` pairs with the other ``i - 1`` copies of
    ``u`` (covariance q1) or with one of the ``j`` copies of ``v`` (covariance c).
    """
    import ntksym as nk
    q1 = nk.q1 if q1 is None else q1
    q2 = nk.q2 if q2 is None else q2
    c = nk.c if c is None else c
    memo = {}

    def m(a, b):
        if a < 0 or b < 0 or (a + b) % 2:
            return sp.Integer(0)
        if a == 0 and b == 0:
            return sp.Integer(1)
        if (a, b) not in memo:
            if a > 0:
                memo[a, b] = sp.expand((a - 1) * q1 * m(a - 2, b) + b * c * m(a - 1, b - 1))
            else:
                memo[a, b] = sp.expand((b - 1) * q2 * m(a, b - 2))
        return memo[a, b]

    return m(i, j)


def polynomial_dual(coeffs_f, coeffs_g=None):
    """E[f(u) g(v)] for polynomials (coefficients in increasing degree), from
    :func:`isserlis_moment`."""
    coeffs_g = coeffs_f if coeffs_g is None else coeffs_g
    return sp.expand(sum((sp.sympify(a) * sp.sympify(b) * isserlis_moment(i, j)
                          for i, a in enumerate(coeffs_f) for j, b in enumerate(coeffs_g)),
                         sp.Integer(0)))
