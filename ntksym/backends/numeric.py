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
* Closed forms in the angle theta = atan2(sqrt(q1 q2 - c^2), c) (the arc-cosine family: relu,
  leaky relu, abs, step, sign, rectified monomials) are evaluated to the last digits over all of
  rho = c / sqrt(q1 q2) in [-1, 1] (:func:`angular_function`): the slack q1 q2 - c^2 is computed
  with error-free products (Dekker), so sqrt(q1 q2 - c^2) keeps its relative accuracy as rho
  -> +-1; the form linear in theta, A + B theta, is evaluated around the nearest of the angles
  0, pi/2 and pi (with A + B pi/2 and A + B pi simplified symbolically, so that the terms that
  cancel there cancel exactly); and near theta = pi, where the kernels vanish to high order
  (relu like (pi - theta)^3), by the Taylor series in pi - theta of the kernel written in
  r = sqrt(q1 q2) and pi - theta.
"""
from __future__ import annotations

from functools import lru_cache

import mpmath
import numpy as np
import scipy.special
import sympy as sp

from ntksym.core.covariance import check_covariance
from ntksym.core.errors import FloatRangeError
from ntksym.core.symbols import c as _c, q1 as _q1, q2 as _q2, x as _x

__all__ = [
    "lambdify_numpy", "lambdify_mpmath", "activation_function", "activation_function_mp",
    "check_covariance", "evaluate_kernel", "verify_expectation", "stable_rewrite", "EXPIT",
    "angular_function", "slack",
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
    """A vectorised float64 function of ``args`` computing ``expr`` (cached per expression).

    A dual in (q1, q2, c) that contains sqrt(q1 q2 - c^2) is evaluated by
    :func:`angular_function` (accurate to the last digits as rho -> -1, 0, 1).
    """
    return _lambdify_numpy(sp.sympify(expr), tuple(args))


@lru_cache(maxsize=1024)
def _lambdify_numpy(expr, args):
    expr = stable_rewrite(expr)
    if args == (_q1, _q2, _c):
        fn = angular_function(expr)
        if fn is not None:
            return fn
    return _plain_numpy(expr, args)


def _plain_numpy(expr, args):
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


# --------------------------------------------------------------------------------------------
# Closed forms in the angle theta, accurate over all of rho in [-1, 1]
# --------------------------------------------------------------------------------------------

_SPLIT = 134217729.0            # 2^27 + 1, Veltkamp's splitting constant for float64


def _two_product(a, b):
    """(p, e) with p = fl(a b) and p + e = a b exactly (Dekker 1971), elementwise."""
    p = a * b

    def split(x):
        t = _SPLIT * x
        hi = t - (t - x)
        return hi, x - hi
    ah, al = split(a)
    bh, bl = split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, np.where(np.isfinite(e), e, 0.0)


def slack(q1, q2, c):
    """q1 q2 - c^2 >= 0 to full relative accuracy (error-free products; clamped at 0).

    Computed naively, q1 q2 - c^2 loses all its digits as c^2 -> q1 q2 (rho -> +-1), and with
    them sqrt(q1 q2 - c^2) and the angle theta.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        p, ep = _two_product(q1, q2)
        cc, ec = _two_product(c, c)
        return np.maximum((p - cc) + (ep - ec), 0.0)


_S = sp.Symbol("s_", nonnegative=True)          # sqrt(q1 q2 - c^2)
_T = sp.Symbol("t_", real=True)                 # an angle
_R = sp.Symbol("r_", positive=True)             # sqrt(q1 q2)
_SERIES_PSI = 0.5               # below this pi - theta, the Taylor series in pi - theta
_SERIES_TERMS = 26              # terms beyond the leading one (0.5^26 / 26! << 2^-53)


def _angular_parts(expr):
    """(A, B) with expr = A + B theta in q1, q2, c and s = sqrt(q1 q2 - c^2), or None."""
    root = sp.sqrt(-_c**2 + _q1 * _q2)
    theta = sp.atan2(root, _c)
    if not expr.has(root):
        return None
    e = expr.xreplace({theta: _T})
    e = e.xreplace({root: _S, 1 / root: 1 / _S})
    e = e.replace(lambda t: t.is_Pow and t.base == -_c**2 + _q1 * _q2,
                  lambda t: _S ** (2 * t.exp))
    if e.has(sp.atan2) and any(a.args[0].has(_S) for a in e.atoms(sp.atan2)):
        return None                             # another angle: not this family
    B = sp.expand(sp.diff(e, _T))
    if B.has(_T):
        return None
    A = sp.expand(e - B * _T)
    if A.has(_T):
        return None
    return A, B


def _series_near_pi(A, B):
    """The Taylor polynomial in v = pi - theta of A + B theta, written in r = sqrt(q1 q2)
    and v (c = -r cos v, s = r sin v), when it depends on q1, q2 only through q1 q2; else None."""
    v = _T
    e = sp.expand(A + B * sp.pi) - B * v
    e = e.subs(_q1, _R**2 / _q2)
    e = e.xreplace({_c: -_R * sp.cos(v), _S: _R * sp.sin(v)})
    e = sp.expand(e)
    if e.has(_q2) or e.has(_q1) or e.has(_c):
        return None
    try:
        ser = sp.series(e, v, 0, 60).removeO()
    except Exception:                           # pragma: no cover - SymPy limitations
        return None
    poly = sp.Poly(sp.expand(ser), v)
    terms = sorted(poly.terms(), key=lambda t: t[0][0])
    if not terms:
        return sp.Integer(0)
    lead = terms[0][0][0]
    keep = [(k, co) for (k,), co in terms if k <= lead + _SERIES_TERMS]
    if lead + _SERIES_TERMS >= 60:
        return None
    return sp.Add(*[co * v**k for k, co in keep])


def angular_function(expr):
    """A float64 function of (q1, q2, c) for a closed form in s = sqrt(q1 q2 - c^2) and
    theta = atan2(s, c), accurate over all of rho in [-1, 1]; None when ``expr`` is not of
    that kind (then the plain lambdified expression is used).

    The expression must be A + B theta with A and B free of theta. s comes from
    :func:`slack`. A + B theta is evaluated as A + B theta for theta < pi/4, as
    (A + B pi/2) - B asin(rho) (asin(rho) = atan2(c, s)) for theta in [pi/4, 3 pi/4], and as
    (A + B pi) - B (pi - theta) (pi - theta = atan2(s, -c)) above, the constant parts expanded
    symbolically so that what cancels at theta = pi/2 or pi cancels exactly. For pi - theta <
    0.5, a kernel that depends on q1, q2 only through q1 q2 is evaluated by its Taylor series in
    pi - theta (26 terms past the leading one), which removes the cancellation of its terms there
    (relu: sin v - v cos v = v^3/3 - ...).
    """
    parts = _angular_parts(expr)
    if parts is None:
        return None
    A, B = parts
    args = (_q1, _q2, _c, _S, _T)
    forms = [_plain_numpy(A + B * _T, args),
             _plain_numpy(sp.expand(A + B * sp.pi / 2) - B * _T, args),
             _plain_numpy(sp.expand(A + B * sp.pi) - B * _T, args)]
    series = _series_near_pi(A, B) if B != 0 or A.has(_S) else None
    ser_fn = _plain_numpy(series, (_R, _T)) if series is not None else None

    def fn(q1, q2, c):
        q1, q2, c = np.broadcast_arrays(*(np.asarray(t, dtype=float) for t in (q1, q2, c)))
        s = np.sqrt(slack(q1, q2, c))
        theta = np.arctan2(s, c)
        with np.errstate(all="ignore"):
            out = np.where(theta < np.pi / 4, forms[0](q1, q2, c, s, theta), np.nan)
            mid = (theta >= np.pi / 4) & (theta <= 3 * np.pi / 4)
            out = np.where(mid, forms[1](q1, q2, c, s, np.arctan2(c, s)), out)
            v = np.arctan2(s, -c)
            out = np.where(theta > 3 * np.pi / 4, forms[2](q1, q2, c, s, v), out)
            if ser_fn is not None:
                near = (v < _SERIES_PSI) & np.isfinite(q1 * q2)
                if np.any(near):
                    r = np.sqrt(q1) * np.sqrt(q2)
                    out = np.where(near, ser_fn(r, v), out)
        return out[()] if out.ndim == 0 else out

    fn.clamps_slack = True
    return fn


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
        if not getattr(fn, "clamps_slack", False):
            # an angular form clamps the exact slack at 0 itself (clipping c to the rounded
            # sqrt(q1 q2) could leave a spurious positive slack of ~1e-17 q1 q2)
            bound = np.sqrt(a * b)
            cc = np.clip(cc, -bound, bound)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            out[ok] = np.broadcast_to(fn(a, b, cc), a.shape)
        if act is not None and not np.all(np.isfinite(out[ok])):
            raise FloatRangeError(
                "the kernel's value overflows float64 (inf or NaN at finite q1, q2, c): float64 "
                "cannot represent it; use the mpmath path, .mp(q1, q2, c, dps=30), or "
                "net.gram(X, dps=30), which handle any magnitude")
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
