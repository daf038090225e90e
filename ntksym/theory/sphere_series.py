r"""The power series kappa(t) = sum_k b_k t^k of an MLP kernel on a sphere.

On the sphere of radius r in R^d every input has xx = |x|^2/d = r^2/d =: s, and a pair has
xy = <x, x'>/d = s t with t = <x, x'>/r^2 in [-1, 1]. The NNGP and NTK are then functions
kappa(t) of t alone, analytic in the open unit disc with b_k >= 0 (Schoenberg 1942): each layer
is Sigma^{l+1}(t) = w^2 k(q_l, q_l, Sigma^l(t)) + b^2 with the constant diagonal q_l, and by
Mehler's formula k(q, q, c) = sum_j alpha_j(q)^2 (c/q)^j with alpha_j the Hermite coefficients of
phi(sqrt(q) z) (see :mod:`ntksym.symbolic.hermite`), a series with nonnegative coefficients.
The NTK follows from the product rule Theta^{l+1} = Theta^l dotSigma^{l+1} + Sigma^{l+1}.

Three routes, in this order (:func:`kernel_series`):

* ``"polynomial"`` (exact): phi a polynomial; kappa is a polynomial in t, expanded exactly from
  :meth:`ntksym.MLP.kernel`.
* ``"hermite"`` (exact): depth 1, b_std = 0 and phi polynomial on each side of 0 (ReLU, leaky
  ReLU, |x|, max(0, x)^n, ...). Then Sigma^1 = w^2 s t, rho = t and
  b_k = w^2 alpha_k(q)^2 (NNGP), plus w^4 s beta_{k-1}(q)^2 for the NTK (beta: the coefficients
  of phi'), q = w^2 s. The alpha_k are exact from the half-line Gaussian moments
  int_0^oo z^m gamma(z) dz = 2^{m/2 - 1} Gamma((m+1)/2) / sqrt(pi) (:func:`hermite_coefficients_pwp`);
  for ReLU this is the series of the arc-cosine kernels of Cho & Saul 2009.
* ``"taylor"`` (float64 or mpmath): every other closed-form kernel. The recursion of
  :mod:`ntksym.core.recursion` is run on truncated Taylor series in t (:class:`Jet`), the dual's
  SymPy expression evaluated by Taylor-mode arithmetic (sums, products, quotients, powers, exp,
  log, sqrt, atan2, asin, acos, atan, erf, sin, cos). The constant term of c/q stays in (-1, 1)
  (|Sigma^l(0)| < q_l unless the kernel is constant), so every function is analytic there.
* ``"hermite-numeric"`` (float64): depth 1 without bias when the dual has no closed form (tanh,
  ...): the alpha_k from :func:`ntksym.gram.mehler_tables.hermite_coefficients`.

Otherwise the coefficients are not computed (None), and the spectrum still is, by quadrature.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from ntksym.core.recursion import input_layer, layer_update
from ntksym.core.symbols import c as _c, q1 as _q1, q2 as _q2, xx, xy, yy
from ntksym.symbolic.expectation import GaussianExpectation

__all__ = ["SeriesResult", "kernel_series", "hermite_coefficients_pwp", "Jet", "jet_eval",
           "sphere_scale", "exact_number"]

_t = sp.Symbol("t")


def exact_number(v):
    """A SymPy number for a float/int/SymPy scale (floats by their shortest repr)."""
    if isinstance(v, sp.Basic):
        return v
    if isinstance(v, int):
        return sp.Integer(v)
    return sp.Rational(repr(float(v)))


def sphere_scale(d, radius):
    """s = radius^2 / d (exact), the value of xx = |x|^2/d on the sphere; radius None: sqrt(d)."""
    if radius is None:
        return sp.Integer(1)
    r = exact_number(radius)
    return sp.nsimplify(r**2 / d) if r.is_Float else r**2 / d


@dataclass(frozen=True)
class SeriesResult:
    """b_0..b_kmax of kappa(t).

    Attributes:
        coefficients: a list of SymPy numbers (exact routes) or of floats, or None.
        exact: True when the coefficients are exact SymPy numbers.
        method: ``"polynomial"``, ``"hermite"``, ``"taylor"``, ``"hermite-numeric"`` or
            ``"none"``.
        note: how they were obtained, in words.
    """

    coefficients: list | None
    exact: bool
    method: str
    note: str


# --------------------------------------------------------------------------------------------
# exact Hermite coefficients of piecewise-polynomial activations
# --------------------------------------------------------------------------------------------

def _half_moment(m):
    """int_0^oo z^m gamma(z) dz = 2^{m/2 - 1} Gamma((m + 1)/2) / sqrt(pi), as (rational r,
    which): the moment is r for even m ((m - 1)!!/2) and r / sqrt(2 pi) for odd m (2^j j!,
    m = 2j + 1)."""
    if m % 2 == 0:
        r = Fraction(1, 2)
        for i in range(1, m, 2):
            r *= i
        return r, 0
    j = (m - 1) // 2
    return Fraction(2**j * math.factorial(j)), 1


def _hermite_integer_coefficients(kmax):
    """He_0..He_kmax as lists of integer coefficients in increasing degree."""
    out = [[1], [0, 1]]
    for k in range(1, kmax):
        a, b = out[k], out[k - 1]
        nxt = [0] + a                                   # x He_k
        for i, v in enumerate(b):
            nxt[i] -= k * v
        out.append(nxt)
    return out[:kmax + 1]


def hermite_coefficients_pwp(pwp, q, kmax):
    """Exact alpha_k(q) = E[phi(sqrt(q) z) He_k(z)/sqrt(k!)], k <= kmax, for phi = ``pwp``
    (a :class:`~ntksym.symbolic.activations.PiecewisePolynomial`: ``minus`` on x < 0, ``plus``
    on x > 0), from the half-line moments (rational arithmetic, then one SymPy number per k).

    >>> import ntksym as nk
    >>> a = hermite_coefficients_pwp(nk.activation("relu").piecewise_polynomial, 1, 4)
    >>> a[:3]
    [sqrt(2)/(2*sqrt(pi)), 1/2, 1/(2*sqrt(pi))]
    """
    q = sp.sympify(q)
    plus = [sp.Rational(v) for v in pwp.plus]
    minus = [sp.Rational(v) for v in pwp.minus]
    if not all(v.is_Rational for v in plus + minus):
        raise NotImplementedError("irrational coefficients in the activation's pieces")
    plus = [Fraction(int(v.p), int(v.q)) for v in plus]
    minus = [Fraction(int(v.p), int(v.q)) for v in minus]
    deg = max(len(plus), len(minus)) - 1
    he = _hermite_integer_coefficients(kmax)
    inv = 1 / sp.sqrt(2 * sp.pi)
    out = []
    for k in range(kmax + 1):
        total = sp.Integer(0)
        for n in range(deg + 1):
            ap = plus[n] if n < len(plus) else 0
            am = minus[n] if n < len(minus) else 0
            if ap == 0 and am == 0:
                continue
            acc = [Fraction(0), Fraction(0)]            # rational part, part / sqrt(2 pi)
            for i, h in enumerate(he[k]):
                if h:
                    m = n + i
                    r, which = _half_moment(m)
                    acc[which] += h * r * (ap + (-1)**m * am)
            term = sp.Rational(acc[0].numerator, acc[0].denominator) + \
                sp.Rational(acc[1].numerator, acc[1].denominator) * inv
            total += sp.sqrt(q)**n * term
        out.append(sp.expand(total / sp.sqrt(sp.factorial(k))))
    return out


# --------------------------------------------------------------------------------------------
# Taylor-mode arithmetic
# --------------------------------------------------------------------------------------------

class Jet:
    """A power series truncated after t^K: numpy float64 coefficients, or mpmath ones
    (``dtype=object``). Supports +, -, *, /, ** with numbers and other jets."""

    __slots__ = ("a",)

    def __init__(self, a):
        self.a = a

    @property
    def K(self):
        return len(self.a) - 1

    def _wrap(self, v):
        if isinstance(v, Jet):
            return v
        a = np.zeros_like(self.a)
        a[...] = 0 * self.a[0]
        a[0] = v
        return Jet(a)

    def __add__(self, o):
        if not isinstance(o, Jet):
            a = self.a.copy()
            a[0] = a[0] + o
            return Jet(a)
        return Jet(self.a + o.a)

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.a)

    def __sub__(self, o):
        return self + (-o)

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if not isinstance(o, Jet):
            return Jet(self.a * o)
        return Jet(np.convolve(self.a, o.a)[:len(self.a)])

    __rmul__ = __mul__

    def __truediv__(self, o):
        if not isinstance(o, Jet):
            return Jet(self.a / o)
        return self * o.reciprocal()

    def __rtruediv__(self, o):
        return self.reciprocal() * o

    def reciprocal(self):
        b = self.a
        out = np.zeros_like(b)
        out[0] = 1 / b[0]
        for n in range(1, len(b)):
            out[n] = -np.dot(b[1:n + 1], out[n - 1::-1][:n]) / b[0]
        return Jet(out)

    def __pow__(self, e):
        if isinstance(e, int) or (isinstance(e, sp.Integer)):
            e = int(e)
            if e < 0:
                return (self ** (-e)).reciprocal()
            result, base = self._wrap(1), self
            while e:
                if e & 1:
                    result = result * base
                e >>= 1
                if e:
                    base = base * base
            return result
        x = self.a
        if x[0] == 0:
            raise ValueError("non-integer power of a series with zero constant term")
        y = np.zeros_like(x)
        y[0] = x[0] ** e
        for n in range(1, len(x)):
            i = np.arange(1, n + 1)
            y[n] = np.dot((e * i - (n - i)) * x[1:n + 1], y[n - 1::-1][:n]) / (n * x[0])
        return Jet(y)

    def derivative(self):
        a = self.a
        return Jet(np.concatenate([a[1:] * np.arange(1, len(a)), a[:1] * 0]))

    def integral(self, c0):
        """The series with derivative self (dropping the last term) and constant term c0."""
        a = self.a
        out = np.zeros_like(a)
        out[0] = c0
        out[1:] = a[:-1] / np.arange(1, len(a))
        return Jet(out)

    def exp(self, ctx):
        x = self.a
        y = np.zeros_like(x)
        y[0] = ctx.exp(x[0])
        for n in range(1, len(x)):
            i = np.arange(1, n + 1)
            y[n] = np.dot(i * x[1:n + 1], y[n - 1::-1][:n]) / n
        return Jet(y)

    def sincos(self, ctx):
        x = self.a
        s, c = np.zeros_like(x), np.zeros_like(x)
        s[0], c[0] = ctx.sin(x[0]), ctx.cos(x[0])
        for n in range(1, len(x)):
            i = np.arange(1, n + 1)
            ix = i * x[1:n + 1]
            s[n] = np.dot(ix, c[n - 1::-1][:n]) / n
            c[n] = -np.dot(ix, s[n - 1::-1][:n]) / n
        return Jet(s), Jet(c)


class _Ctx:
    """Scalar functions for the constant terms: math (float64) or mpmath."""

    def __init__(self, mp):
        self.mp = mp
        lib = mpmath if mp else math
        for name in ("exp", "log", "sqrt", "sin", "cos", "atan2", "asin", "acos", "atan", "erf"):
            setattr(self, name, getattr(lib, name))
        self.pi = mpmath.pi if mp else math.pi

    def number(self, v):
        if self.mp:
            if isinstance(v, mpmath.mpf):
                return v
            return mpmath.mpf(str(sp.N(v, mpmath.mp.dps + 5)))
        return float(v)

    def zeros(self, K):
        if self.mp:
            return np.array([mpmath.mpf(0)] * (K + 1), dtype=object)
        return np.zeros(K + 1)


def _const_jet(ctx, K, v):
    a = ctx.zeros(K)
    a[0] = v
    return Jet(a)


def jet_eval(expr, env, K, ctx):
    """The Taylor series of the SymPy expression ``expr`` with its symbols replaced by the
    jets or numbers of ``env``; raises NotImplementedError for an unsupported function."""
    memo = {}

    def const_of(v):
        return v.a[0] if isinstance(v, Jet) else v

    def ev(e):
        if e in memo:
            return memo[e]
        if e in env:
            r = env[e]
        elif e.is_Number or e.is_NumberSymbol:
            r = ctx.number(e)
        elif e.is_Add:
            parts = [ev(a) for a in e.args]
            r = parts[0]
            for p in parts[1:]:
                r = r + p
        elif e.is_Mul:
            parts = [ev(a) for a in e.args]
            r = parts[0]
            for p in parts[1:]:
                r = r * p
        elif e.is_Pow:
            base, ex = ev(e.args[0]), e.args[1]
            if not ex.is_number:
                raise NotImplementedError(f"symbolic exponent in {e}")
            if isinstance(base, Jet):
                if ex.is_Integer:
                    r = base ** int(ex)
                else:
                    r = base ** ctx.number(ex)
            else:
                r = base ** (int(ex) if ex.is_Integer else ctx.number(ex))
        else:
            args = [ev(a) for a in e.args]
            if not any(isinstance(a, Jet) for a in args):
                fn = getattr(ctx, type(e).__name__, None)
                if fn is None:
                    raise NotImplementedError(f"no numeric rule for {type(e).__name__}")
                r = fn(*args)
            else:
                r = _jet_function(e, args, ctx)
        memo[e] = r
        return r

    return ev(expr)


def _jet_function(e, args, ctx):
    name = type(e).__name__
    if name == "exp":
        return args[0].exp(ctx)
    if name in ("sin", "cos"):
        s, c = args[0].sincos(ctx)
        return s if name == "sin" else c
    x = args[0]
    if not isinstance(x, Jet) and name != "atan2":
        raise NotImplementedError(name)
    if name == "log":
        return (x.derivative() / x).integral(ctx.log(x.a[0]))
    if name == "asin":
        return (x.derivative() * (1 - x * x) ** -0.5).integral(ctx.asin(x.a[0]))
    if name == "acos":
        return (-x.derivative() * (1 - x * x) ** -0.5).integral(ctx.acos(x.a[0]))
    if name == "atan":
        return (x.derivative() / (1 + x * x)).integral(ctx.atan(x.a[0]))
    if name == "erf":
        return (x.derivative() * (-(x * x)).exp(ctx) * (2 / ctx.sqrt(ctx.pi))).integral(
            ctx.erf(x.a[0]))
    if name == "atan2":
        y, xx_ = args
        K = (y if isinstance(y, Jet) else xx_).K
        y = y if isinstance(y, Jet) else _const_jet(ctx, K, y)
        xx_ = xx_ if isinstance(xx_, Jet) else _const_jet(ctx, K, xx_)
        deriv = (xx_ * y.derivative() - y * xx_.derivative()) / (xx_ * xx_ + y * y)
        return deriv.integral(ctx.atan2(y.a[0], xx_.a[0]))
    raise NotImplementedError(f"no Taylor rule for {name}")


# --------------------------------------------------------------------------------------------
# the routes
# --------------------------------------------------------------------------------------------

def _pad(coeffs, kmax, zero):
    coeffs = list(coeffs)[:kmax + 1]
    return coeffs + [zero] * (kmax + 1 - len(coeffs))


def _polynomial_route(net, kind, s, kmax):
    k = net.kernel()
    expr = k.ntk if kind == "ntk" else k.nngp
    expr = sp.expand(expr.xreplace({xx: s, yy: s, xy: s * _t}))
    poly = sp.Poly(expr, _t)
    return _pad(poly.all_coeffs()[::-1], kmax, sp.Integer(0))


def _hermite_route(net, kind, s, kmax):
    w2 = net.W_std**2
    q = w2 * s
    act = net.activation
    alpha = hermite_coefficients_pwp(act.piecewise_polynomial, q, kmax)
    b = [sp.expand(w2 * a**2) for a in alpha]
    if kind == "nngp":
        return b
    dpwp = act.derivative().piecewise_polynomial
    beta = hermite_coefficients_pwp(dpwp, q, kmax)
    out = [b[0]]
    for k in range(1, kmax + 1):
        out.append(sp.expand(b[k] + w2 * w2 * s * beta[k - 1]**2))
    return out


def _taylor_route(net, kind, s, kmax, mp=False):
    ctx = _Ctx(mp)
    w2, b2 = ctx.number(net.W_std**2), ctx.number(net.b_std**2)
    standard = net.parameterization == "standard"
    width = net.width if standard else 0
    t = ctx.zeros(kmax)
    if kmax >= 1:
        t[1] = ctx.number(s)
    dot = Jet(t)                                     # xy = s t
    if standard:
        raise NotImplementedError("the standard parameterization's NTK depends on d")
    sig, theta = input_layer(dot, w2, b2, 1, False)     # <x, x'>/d = s t: divide by 1
    q = ctx.number(s) * w2 + b2 if w2 != 0 else b2
    dual = net.dual
    k_expr, kdot_expr = dual.expr, dual.ntk_factor
    if kind == "ntk" and kdot_expr is None:
        raise NotImplementedError("the NTK factor is unknown")
    for _ in range(net.depth):
        env = {_q1: q, _q2: q, _c: sig}
        kab = jet_eval(k_expr, env, kmax, ctx)
        kdot = jet_eval(kdot_expr, env, kmax, ctx) if kind == "ntk" else 0 * kab
        sig, theta = layer_update(theta, kab, kdot, w2, b2, False, width)
        qk = jet_eval(k_expr, {_q1: q, _q2: q, _c: q}, 0, ctx)
        q = w2 * qk + b2
    out = theta if kind == "ntk" else sig
    return [float(v) for v in out.a] if not mp else list(out.a)


def _hermite_numeric_route(net, kind, s, kmax):
    from ntksym.gram.mehler_tables import hermite_coefficients
    w2 = float(net.W_std**2)
    q = w2 * float(s)
    A, _ = hermite_coefficients(net.activation, np.array([q]), kmax)
    b = w2 * A[0] ** 2
    if kind == "nngp":
        return [float(v) for v in b]
    B, _ = hermite_coefficients(net.activation, np.array([q]), kmax, derivative=True)
    out = b.copy()
    out[1:] += w2 * w2 * float(s) * B[0][:-1] ** 2
    return [float(v) for v in out]


def kernel_series(net, d, kind="ntk", kmax=50, radius=None, route=None):
    """b_0..b_kmax of the NNGP or NTK of ``net`` on the sphere of radius ``radius`` (default
    sqrt(d)) in R^d, as a power series in t = <x, x'>/radius^2 (see the module docstring).

    ``route="taylor"`` (float64) or ``"taylor-mp"`` (mpmath, at the current precision) forces
    Taylor-mode arithmetic, e.g. to compare it with an exact route."""
    s = sphere_scale(d, radius)
    if route in ("taylor", "taylor-mp"):
        mp = route == "taylor-mp"
        return SeriesResult(_taylor_route(net, kind, s, kmax, mp=mp), False, route,
                            "Taylor-mode arithmetic on the closed-form recursion")
    if route is not None:
        raise ValueError(f"route must be None, 'taylor' or 'taylor-mp', got {route!r}")
    act = net.activation
    poly = act.polynomial_coeffs if act.is_symbolic else None
    if poly is not None:
        return SeriesResult(_polynomial_route(net, kind, s, kmax), True, "polynomial",
                            "exact: phi is a polynomial, so kappa is a polynomial in t")
    pwp = act.piecewise_polynomial if act.is_symbolic else None
    if (net.depth == 1 and net.b_std == 0 and pwp is not None
            and (kind == "nngp" or act.derivative().piecewise_polynomial is not None)):
        return SeriesResult(_hermite_route(net, kind, s, kmax), True, "hermite",
                            "exact: depth 1 without bias, exact Hermite coefficients of the "
                            "piecewise-polynomial activation (half-line Gaussian moments)")
    closed = not net.dual.expr.has(GaussianExpectation) and (
        kind == "nngp" or (net.dual.ntk_factor is not None
                           and not net.dual.ntk_factor.has(GaussianExpectation)))
    if closed:
        try:
            return SeriesResult(_taylor_route(net, kind, s, kmax), False, "taylor",
                                "float64: Taylor-mode arithmetic on the closed-form recursion")
        except (NotImplementedError, ValueError, ZeroDivisionError) as exc:
            why = str(exc)
    else:
        why = "the dual has no closed form"
    if net.depth == 1 and net.b_std == 0 and act.is_symbolic:
        return SeriesResult(_hermite_numeric_route(net, kind, s, kmax), False,
                            "hermite-numeric", "float64: Hermite coefficients by quadrature "
                            "(depth 1 without bias)")
    return SeriesResult(None, False, "none", f"coefficients not computed: {why}")
