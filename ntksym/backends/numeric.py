"""The bridge from symbolic to numeric: SymPy expressions to float64 (numpy) and mpmath code.

Together with :mod:`ntksym.backends.quadrature` it is the derivation engine's only contact with numpy:
both are leaf utilities that know nothing of the engine, which calls them to verify each derived
formula against quadrature. (The numeric layers downstream -- Gram matrices, empirical
networks, ranks -- use numpy directly.)

Numerical conventions:

* ``sqrt`` is evaluated as ``sqrt(max(t, 0))``. Every square root in a dual kernel has a
  mathematically nonnegative argument (a variance, or q1*q2 - c^2); clamping removes only the
  rounding that would otherwise turn c = sqrt(q1*q2) into NaN.
* ``log(1 + exp(t))`` is evaluated as ``logaddexp(0, t)`` so softplus does not overflow.
* ``atan2`` is used for angles, never ``acos`` of a rounded ratio.
"""
from __future__ import annotations

from functools import lru_cache

import mpmath
import numpy as np
import scipy.special
import sympy as sp

from ntksym.core.covariance import check_covariance
from ntksym.core.symbols import c as _c, q1 as _q1, q2 as _q2, x as _x

__all__ = [
    "lambdify_numpy", "lambdify_mpmath", "activation_function", "activation_function_mp",
    "check_covariance", "evaluate_kernel", "verify_expectation", "stable_rewrite", "EXPIT",
]


def _safe_sqrt(t):
    return np.sqrt(np.maximum(t, 0.0))


def _mp_safe_sqrt(t):
    return mpmath.sqrt(t) if t > 0 else mpmath.mpf(0)


def _mp_heaviside(t, h0=0):
    return mpmath.mpf(1) if t > 0 else (mpmath.mpf(h0) if t == 0 else mpmath.mpf(0))


_NUMPY_MODULES = [{"sqrt": _safe_sqrt, "erf": scipy.special.erf, "erfc": scipy.special.erfc},
                  "scipy", "numpy"]
_MPMATH_MODULES = [{"sqrt": _mp_safe_sqrt, "Heaviside": _mp_heaviside}, "mpmath"]


EXPIT = sp.Function("expit")


def _logistic_base(f):
    """(b, k) when ``f`` is (1 + exp(b))**(-k) with k a positive integer, else None."""
    if not (f.is_Pow and f.exp.is_Integer and f.exp < 0 and f.base.is_Add):
        return None
    rest = f.base - 1
    if isinstance(rest, sp.exp):
        return rest.args[0], int(-f.exp)
    return None


def _logistic(e):
    """exp(b)**j (1 + exp(b))**(-k) -> expit(b)**j expit(-b)**(k - j) in one product."""
    factors = list(e.args) if e.is_Mul else [e]
    pows = [(f, _logistic_base(f)) for f in factors]
    if all(bk is None for _, bk in pows):
        return e
    exps = [f for f in factors if isinstance(f, sp.exp)]
    out = [f for f, bk in pows if bk is None and not isinstance(f, sp.exp)]
    for f, bk in pows:
        if bk is None:
            continue
        b, k = bk
        mine = [g for g in exps if g.args[0] == b][:k]
        for g in mine:
            exps.remove(g)
        out.append(EXPIT(b) ** len(mine) * EXPIT(-b) ** (k - len(mine)))
    return sp.Mul(*(out + exps))


def stable_rewrite(expr):
    """Rewrite sub-expressions that overflow in float64 into stable equivalents.

    log(1 + exp(a)) becomes logaddexp(0, a) (softplus), and the logistic quotients that
    derivatives of softplus, sigmoid and SiLU produce, exp(b)^j / (1 + exp(b))^k, become
    expit(b)^j expit(-b)^(k-j): no inf / inf = NaN for |b| > 709.
    """
    softplus = sp.Function("logaddexp0")
    a = sp.Wild("a")
    if expr.has(sp.log):
        expr = expr.replace(sp.log(1 + sp.exp(a)), softplus(a))
    if expr.has(sp.exp):
        expr = expr.replace(lambda e: e.is_Mul, _logistic)            # products first
        expr = expr.replace(lambda e: _logistic_base(e) is not None, _logistic)
    return expr


def lambdify_numpy(expr, args=(_q1, _q2, _c)):
    """A vectorised float64 function of ``args`` computing ``expr`` (cached per expression)."""
    return _lambdify_numpy(sp.sympify(expr), tuple(args))


@lru_cache(maxsize=1024)
def _lambdify_numpy(expr, args):
    expr = stable_rewrite(expr)
    modules = [{"logaddexp0": lambda t: np.logaddexp(0.0, t), "expit": scipy.special.expit}] \
        + _NUMPY_MODULES
    return sp.lambdify(args, expr, modules=modules)


def lambdify_mpmath(expr, args=(_q1, _q2, _c)):
    """A scalar mpmath function of ``args`` computing ``expr`` at the current precision."""
    expr = sp.sympify(expr)
    softplus = sp.Function("logaddexp0")
    a = sp.Wild("a")
    if expr.has(sp.log):
        expr = expr.replace(sp.log(1 + sp.exp(a)), softplus(a))
    modules = [{"logaddexp0": lambda t: mpmath.log1p(mpmath.exp(t)) if t < 0
                else t + mpmath.log1p(mpmath.exp(-t))}] + _MPMATH_MODULES
    return sp.lambdify(args, expr, modules=modules)


def activation_function(act):
    """phi as a vectorised float64 numpy function (the callable itself for black boxes)."""
    if act.func is not None:
        return act.func
    if act.expr.has(sp.DiracDelta):
        raise ValueError(
            f"{act.name!r} contains a Dirac delta and has no pointwise values; its Gaussian "
            "expectations are computed from the Price's-theorem formula instead")
    fn = lambdify_numpy(act.expr, args=(_x,))
    const = act.expr.is_number

    def phi(t):
        t = np.asarray(t, dtype=float)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = fn(t)
        return np.broadcast_to(np.asarray(out, dtype=float), t.shape) if const else out

    return phi


def activation_function_mp(act):
    """phi as a scalar mpmath function (black boxes: the float64 callable, wrapped)."""
    if act.func is not None:
        f = act.func
        return lambda t: mpmath.mpf(float(np.asarray(f(np.asarray([float(t)])))[0]))
    return lambdify_mpmath(act.expr, args=(_x,))


def evaluate_kernel(fn, q1, q2, c, act=None, mean=None):
    """Evaluate a closed-form kernel ``fn(q1, q2, c)`` with the degenerate cases handled.

    Entries with q1 == 0 or q2 == 0, where closed forms are 0/0, are computed as
    E[phi(0) phi(v)] = phi(0) E[phi(v)] (phi(0)^2 when both vanish) for the activation ``act``,
    or are NaN when ``act`` is None (a Dirac delta has no value at 0). E[phi(v)] comes from
    ``mean``, a SymPy expression in q1, when given, else from quadrature. Elsewhere c is clipped
    to [-sqrt(q1 q2), sqrt(q1 q2)] to remove rounding.
    """
    from ntksym.backends.quadrature import expect1

    q1, q2, c = check_covariance(q1, q2, c)
    out = np.empty(q1.shape, dtype=float)
    zero = (q1 == 0) | (q2 == 0)
    ok = ~zero
    if np.any(ok):
        a, b, cc = q1[ok], q2[ok], c[ok]
        bound = np.sqrt(a * b)
        cc = np.clip(cc, -bound, bound)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            out[ok] = np.broadcast_to(fn(a, b, cc), a.shape)
    if np.any(zero):
        if act is None:
            out[zero] = np.nan
        else:
            phi = activation_function(act)
            at_zero = float(phi(np.zeros(1))[0])
            other = q1[zero] + q2[zero]
            if mean is not None:
                with np.errstate(all="ignore"):
                    m = np.broadcast_to(lambdify_numpy(mean, args=(_q1,))(other), other.shape)
                m = np.where(other == 0, at_zero, m)
            else:
                m = expect1(phi, other, breaks=act.breakpoints)
            out[zero] = at_zero * m
    return out[()] if out.ndim == 0 else out


# Verification points: equal and unequal variances, both signs of c, c = +-sqrt(q1 q2) exactly
# (dyadic values, so that q1*q2 - c^2 is exactly 0 in float64), c = 0, small and large variances.
_VERIFY_POINTS = np.array([
    (1.0, 1.0, 0.3), (0.75, 2.25, -0.9), (2.0, 0.5, 1.0), (1.25, 1.25, 1.25),
    (0.0625, 0.25, -0.125), (2.5, 1.125, 0.0), (0.375, 0.8125, 0.45), (1.0 / 1024, 2.0, 0.03125),
])


def verify_expectation(expr, f, g, rtol=1e-10):
    """Compare a closed form of E[f(u) g(v)] with 2-D quadrature at fixed, awkward points.

    The error at each point is measured against the Cauchy-Schwarz scale
    sqrt(E[f(u)^2] E[g(v)^2]), the natural size of the expectation, so that values that vanish
    (odd functions at c = 0, steps at c = -sqrt(q1 q2)) are judged fairly.

    Returns:
        ``(ok, err)``: whether the largest scaled error is below ``rtol``, and that error.
    """
    from ntksym.backends.quadrature import expect1, expect2

    a, b, cc = _VERIFY_POINTS.T
    try:
        fn = lambdify_numpy(expr)
        with np.errstate(all="ignore"):
            got = np.broadcast_to(np.asarray(fn(a, b, cc), dtype=float), a.shape)
        ff, gg = activation_function(f), activation_function(g)
        ref = expect2(ff, gg, a, b, cc, breaks_f=f.breakpoints, breaks_g=g.breakpoints)
        scale = np.sqrt(expect1(lambda t: ff(t) ** 2, a, breaks=f.breakpoints)
                        * expect1(lambda t: gg(t) ** 2, b, breaks=g.breakpoints))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return False, float("inf")
    if not np.all(np.isfinite(got)):
        return False, float("inf")
    err = float(np.max(np.abs(got - ref) / (scale + 1e-300)))
    return err <= rtol, err
