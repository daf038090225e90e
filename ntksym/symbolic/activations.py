r"""Activations: one definition each, as a SymPy expression in one real variable.

An :class:`Activation` wraps a SymPy expression in the canonical variable :data:`ntksym.x`.
Everything else -- its derivative, parity, positive homogeneity, kinks, Hermite coefficients,
dual kernel, numeric code and LaTeX -- is derived from that expression by other modules.

The registry (:func:`activation`) maps names to parametric families. Each family is written once
as a function returning its expression; special cases are parameter choices of a family where
that is natural (``relu`` is ``leaky_relu`` with ``alpha = 0``, ``identity`` is ``monomial(1)``).

Examples
========

>>> import ntksym as nk
>>> nk.activation("relu").expr
Max(0, x)
>>> nk.activation("leaky_relu", alpha=0.1).derivative().expr
Piecewise((1/10, x < 0), (1, True))
>>> nk.activation("erf").parity
'odd'
>>> nk.activation("rectified_monomial", n=2).homogeneity
2
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable

import mpmath
import sympy as sp

from ntksym.core.errors import DivergentMomentsError
from ntksym.core.symbols import x

__all__ = ["Activation", "activation", "ACTIVATIONS", "PiecewisePolynomial"]

_t = sp.Symbol("t", positive=True)


# --------------------------------------------------------------------------------------------
# Parameter validation
# --------------------------------------------------------------------------------------------

def _exact(value, name):
    """An exact SymPy number for a user parameter (floats become exact decimals)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, sp.Basic)):
        raise TypeError(f"parameter {name!r} must be a real number, got {type(value).__name__}")
    if isinstance(value, sp.Basic):
        if not (value.is_number and value.is_real):
            raise TypeError(f"parameter {name!r} must be a real number, got {value!r}")
        if not value.is_finite:
            raise ValueError(f"parameter {name!r} must be finite, got {value}")
        return value
    if isinstance(value, numbers.Integral):
        return sp.Integer(int(value))
    if not math.isfinite(float(value)):
        raise ValueError(f"parameter {name!r} must be finite, got {value}")
    return sp.Rational(repr(float(value)))


def _order(value, name, lo=0, hi=32):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise TypeError(f"parameter {name!r} must be an integer, got {value!r}")
    if not lo <= int(value) <= hi:
        raise ValueError(f"parameter {name!r} must be an integer in [{lo}, {hi}], got {value}")
    return int(value)


# --------------------------------------------------------------------------------------------
# Structure detected from the expression
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PiecewisePolynomial:
    """phi(x) = minus(x) for x < 0 and plus(x) for x > 0, both polynomials.

    ``minus`` and ``plus`` are tuples of exact coefficients in increasing degree. ``at_zero`` is
    phi(0). Polynomials are the case ``minus == plus``.
    """

    minus: tuple
    plus: tuple
    at_zero: sp.Expr

    @property
    def is_polynomial(self):
        return self.minus == self.plus

    @property
    def degree(self):
        return max(len(self.minus), len(self.plus)) - 1


def _coeffs(expr):
    """Coefficients of a polynomial in x (increasing degree), or None if expr is not one."""
    expr = sp.expand(expr)
    if not expr.is_polynomial(x):
        return None
    poly = sp.Poly(expr, x)
    if not all(co.is_number for co in poly.all_coeffs()):
        return None
    coeffs = tuple(reversed(poly.all_coeffs()))
    while len(coeffs) > 1 and coeffs[-1] == 0:
        coeffs = coeffs[:-1]
    return coeffs


def _side(expr, sign):
    """The expression on x > 0 (sign=+1) or x < 0 (sign=-1), written again in x."""
    on_side = expr.subs(x, sign * _t)
    on_side = sp.piecewise_fold(on_side)
    if isinstance(on_side, sp.Piecewise):
        on_side = on_side.simplify()
    return on_side.subs(_t, sign * x)


def _piecewise_polynomial(expr):
    if expr.has(sp.DiracDelta):
        return None
    minus, plus = _coeffs(_side(expr, -1)), _coeffs(_side(expr, +1))
    if minus is None or plus is None:
        return None
    at_zero = expr.subs(x, 0)
    if not (at_zero.is_number and at_zero.is_finite):
        return None
    return PiecewisePolynomial(minus, plus, sp.nsimplify(at_zero))


def _breakpoints(expr):
    """Real points where expr may fail to be smooth: zeros of the arguments of kinked functions."""
    points = set()
    args = []
    for f in expr.atoms(sp.Heaviside, sp.Abs, sp.sign, sp.DiracDelta):
        args.append(f.args[0])
    for f in expr.atoms(sp.Max, sp.Min):
        a = f.args
        args.extend(a[i] - a[j] for i in range(len(a)) for j in range(i + 1, len(a)))
    for pw in expr.atoms(sp.Piecewise):
        for _, cond in pw.args:
            for rel in cond.atoms(sp.core.relational.Relational):
                args.append(rel.lhs - rel.rhs)
    for arg in args:
        try:
            sols = sp.solve(sp.Eq(arg, 0), x)
        except Exception:
            sols = []
        for s in sols:
            if s.is_real:
                points.add(float(s))
    points.add(0.0)
    return tuple(sorted(points))


def _real_value(expr, point):
    val = expr.subs(x, point)
    if isinstance(val, sp.Piecewise):
        val = val.doit()
    val = sp.N(val, 30)
    return val


def _poles(expr):
    """Real points where expr is infinite: zeros of denominators, of log arguments, of cos in tan."""
    candidates = []
    for p in expr.atoms(sp.Pow):
        if p.exp.is_negative and p.base.has(x):
            candidates.append(p.base)
    for f in expr.atoms(sp.log):
        candidates.append(f.args[0])
    for f in expr.atoms(sp.tan):
        candidates.append(sp.cos(f.args[0]))
    for f in expr.atoms(sp.cot):
        candidates.append(sp.sin(f.args[0]))
    points = []
    for base in candidates:
        try:
            zeros = sp.solveset(base, x, sp.S.Reals)
        except Exception:  # SymPy cannot decide: leave it to the sampling checks
            continue
        if zeros is sp.S.EmptySet or not isinstance(zeros, (sp.FiniteSet, sp.Set)):
            continue
        if isinstance(zeros, sp.FiniteSet):
            points.extend(zeros)
        elif zeros != sp.S.EmptySet:
            points.append(zeros)
    return points


def _check_real_and_moments(expr):
    """Refuse expressions that are not real-valued or whose Gaussian moments diverge."""
    poles = _poles(expr)
    if poles:
        where = ", ".join(str(p) for p in poles[:3])
        raise ValueError(
            f"activation {expr} is not finite on the whole real line (it blows up at x = "
            f"{where}); an activation must be real-valued and finite on R")
    for p in (sp.Rational(-7, 3), sp.Rational(-1, 2), sp.Rational(3, 7), sp.Rational(5, 2)):
        v = _real_value(expr, p)
        if not v.is_number or v.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not v.is_real:
            raise ValueError(
                f"activation {expr} is not a finite real number at x = {p}; an activation must be "
                "real-valued and finite on the whole real line")
    # log|phi(x)| / x^2 must decay; if it stays bounded away from zero the integrand of
    # E[phi(u)^2] grows like exp(a x^2) and diverges for large variance.
    ratios = []
    for p in (2**10, 2**12):
        for s in (-1, 1):
            v = _real_value(expr, s * p)
            if not v.is_number or v.has(sp.zoo, sp.nan):
                raise DivergentMomentsError(
                    f"activation {expr} is not finite at x = {s * p}; its Gaussian moments diverge")
            av = abs(mpmath.mpf(sp.Float(v, 30)._mpf_)) if v != 0 else mpmath.mpf(0)
            ratios.append((p, s, float(mpmath.log(av)) / p**2 if av > 0 else -math.inf))
    for s in (-1, 1):
        r_small = next(r for p, sg, r in ratios if sg == s and p == 2**10)
        r_big = next(r for p, sg, r in ratios if sg == s and p == 2**12)
        if r_big > 1e-6 and r_big >= 0.5 * r_small:
            raise DivergentMomentsError(
                f"activation {expr} grows at least like exp(a*x**2) as x -> {'+' if s > 0 else '-'}"
                "oo, so E[phi(u)^2] diverges for large variance; use an activation with "
                "sub-Gaussian growth")


# --------------------------------------------------------------------------------------------
# Activation
# --------------------------------------------------------------------------------------------

class Activation:
    r"""An activation function phi: R -> R, defined by a SymPy expression in one variable.

    Args:
        expr: a SymPy expression with exactly one free symbol (any name; it is renamed to
            :data:`ntksym.x`). Constants are allowed.
        name: optional display name (the registry sets it).
        params: optional mapping of the family parameters (the registry sets it).
        dual_table: optional literature closed form of E[phi(u) phi(v)], a callable
            ``(q1, q2, c) -> Expr``. It is used only as the last symbolic strategy and is
            re-verified by quadrature each time it is used.

    Raises:
        TypeError: if ``expr`` is not a SymPy expression.
        ValueError: if it has more than one free symbol, or is not real and finite on R.
        DivergentMomentsError: if it grows like exp(a x^2) or faster.
    """

    def __init__(self, expr, name=None, params=None, *, dual_table=None, _checked=False):
        if isinstance(expr, (int, float)) and not isinstance(expr, bool):
            expr = sp.nsimplify(expr)
        if not isinstance(expr, sp.Expr):
            raise TypeError(
                "Activation(expr) needs a SymPy expression in one variable; for a string use "
                "nk.activation('...'), for a numpy function use Activation.from_callable(f)")
        free = expr.free_symbols
        if len(free) > 1:
            names = ", ".join(sorted(str(s) for s in free))
            raise ValueError(
                f"an activation has exactly one free symbol, found {len(free)} ({names}); "
                "substitute numbers for the parameters first")
        if free:
            (sym,) = free
            if sym != x:
                expr = expr.subs(sym, x)
        self.expr = expr
        self.name = name if name is not None else str(expr)
        self.params = dict(params or {})
        if dual_table is None:
            # the same expression as a registry entry with a literature form gets that form
            dual_table = _tables_by_expression().get(expr)
        self.dual_table = dual_table
        self.func = None
        self.dfunc = None
        if not _checked:
            _check_real_and_moments(expr)

    @classmethod
    def from_callable(cls, f, df=None, *, name=None, breakpoints=(0.0,)):
        """A black-box activation given as a vectorised numpy function (numeric paths only).

        Args:
            f: ``f(ndarray) -> ndarray``, vectorised, real, growing slower than exp(a x^2).
            df: optional derivative, same form; needed for the NTK factor.
            name: display name.
            breakpoints: points where f or df may have kinks or jumps; quadrature splits there.
        """
        if not callable(f):
            raise TypeError(f"from_callable needs a callable, got {type(f).__name__}")
        if df is not None and not callable(df):
            raise TypeError(f"df must be callable or None, got {type(df).__name__}")
        self = cls.__new__(cls)
        self.name = name or getattr(f, "__name__", "phi")
        self.expr = sp.Function(self.name.replace("<", "").replace(">", "") or "phi")(x)
        self.params = {}
        self.dual_table = None
        self.func = f
        self.dfunc = df
        self._breakpoints = tuple(float(b) for b in breakpoints)
        return self

    # -- structure -------------------------------------------------------------------------
    @property
    def is_symbolic(self):
        """True when the activation is a SymPy expression (not a black-box callable)."""
        return self.func is None

    @property
    def has_dirac(self):
        """True when the expression contains a Dirac delta (the derivative of a jump)."""
        return self.is_symbolic and self.expr.has(sp.DiracDelta)

    def derivative(self):
        """phi' as an :class:`Activation`.

        Kinks give Heaviside steps (with the convention H(0) = 0, as in JAX's gradient of ReLU at
        0); jumps give ``DiracDelta``, which makes the NTK factor degenerate (see
        :attr:`has_dirac`).
        """
        if not self.is_symbolic:
            if self.dfunc is None:
                raise ValueError(
                    f"activation {self.name!r} is a callable without a derivative; pass df= to "
                    "Activation.from_callable to get its NTK factor")
            return Activation.from_callable(self.dfunc, name=f"{self.name}'",
                                            breakpoints=self._breakpoints)
        d = sp.diff(self.expr, x)
        d = d.replace(lambda e: isinstance(e, sp.Heaviside) and len(e.args) == 1,
                      lambda e: sp.Heaviside(e.args[0], 0))
        d = d.replace(lambda e: isinstance(e, sp.Heaviside) and e.args[1] != 0,
                      lambda e: sp.Heaviside(e.args[0], 0))
        params = dict(self.params)
        return Activation(d, name=f"{self.name}'", params=params, _checked=True)

    @property
    def piecewise_polynomial(self):
        """The :class:`PiecewisePolynomial` form if phi is polynomial on each side of 0."""
        if not self.is_symbolic:
            return None
        if not hasattr(self, "_pwp"):
            self._pwp = _piecewise_polynomial(self.expr)
        return self._pwp

    @property
    def polynomial_coeffs(self):
        """Exact coefficients (increasing degree) if phi is a polynomial, else None."""
        pwp = self.piecewise_polynomial
        return pwp.plus if pwp is not None and pwp.is_polynomial else None

    @property
    def parity(self):
        """``'odd'``, ``'even'``, or None (neither, or unknown for a callable)."""
        if not self.is_symbolic:
            return None
        if not hasattr(self, "_parity"):
            self._parity = None
            plus, minus = self.expr.subs(x, _t), self.expr.subs(x, -_t)
            zero = self.expr.subs(x, 0)
            if sp.simplify(sp.piecewise_fold(minus - plus)) == 0:
                self._parity = "even"
            elif sp.simplify(sp.piecewise_fold(minus + plus)) == 0 and zero == 0:
                self._parity = "odd"
        return self._parity

    @property
    def homogeneity(self):
        """k if phi(lambda x) = lambda^k phi(x) for every lambda > 0, else None."""
        pwp = self.piecewise_polynomial
        if pwp is None:
            return None
        degrees = set()
        for side in (pwp.minus, pwp.plus):
            nz = [k for k, co in enumerate(side) if co != 0]
            if len(nz) > 1:
                return None
            degrees.update(nz)
        if len(degrees) > 1:
            return None
        if not degrees:
            return None  # phi == 0
        (k,) = degrees
        if k > 0 and pwp.at_zero != 0:
            return None
        return k

    @property
    def breakpoints(self):
        """Points where phi or phi' may be non-smooth (quadrature splits its panels there)."""
        if not self.is_symbolic:
            return self._breakpoints
        if not hasattr(self, "_bp"):
            self._bp = _breakpoints(self.expr)
        return self._bp

    # -- protocol ----------------------------------------------------------------------------
    def __eq__(self, other):
        if not isinstance(other, Activation):
            return NotImplemented
        if self.is_symbolic and other.is_symbolic:
            return self.expr == other.expr and self.dual_table is other.dual_table
        return self is other

    def __hash__(self):
        return hash((self.expr, self.dual_table)) if self.is_symbolic else id(self)

    def __repr__(self):
        if self.params:
            ps = ", ".join(f"{k}={v}" for k, v in self.params.items())
            return f"Activation({self.name}({ps}): {self.expr})"
        return f"Activation({self.name}: {self.expr})"

    def _latex(self, printer):
        from ntksym.io.latex import latex_activation
        return latex_activation(self, printer)

    def _repr_latex_(self):
        from ntksym.io.latex import latex
        return f"${latex(self)}$"


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Family:
    name: str
    build: Callable
    defaults: dict
    doc: str
    dual_table: Callable | None = None


ACTIVATIONS: dict[str, _Family] = {}


def _register(name, doc, dual_table=None, **defaults):
    def deco(build):
        ACTIVATIONS[name] = _Family(name, build, defaults, doc, dual_table)
        return build
    return deco


def _gelu_dual(q1, q2, c):
    """E[GELU(u) GELU(v)] for GELU(x) = x Phi(x), at general variances.

    Tsuchida, Pearce, van der Heide, Roosta, Gallagher, "Avoiding kernel fixed points: computing
    with ELU and GELU infinite networks" (https://arxiv.org/abs/2002.08517); the same form is in
    neural-tangents' ``Gelu``. With D = sqrt((1 + q1)(1 + q2) - c^2):
    c/4 + [c atan2(c, D) + (c^2 + q1 q2 D^2) / ((1 + q1)(1 + q2) D)] / (2 pi).
    """
    a = (1 + q1) * (1 + q2)
    d = sp.sqrt(a - c**2)
    return c / 4 + (c * sp.atan2(c, d) + (c**2 + q1 * q2 * d**2) / (a * d)) / (2 * sp.pi)


@_register("identity", "phi(x) = x")
def _identity():
    return x


@_register("relu", "phi(x) = max(0, x)")
def _relu():
    return sp.Max(0, x)


@_register("leaky_relu", "phi(x) = x for x >= 0 and alpha*x for x < 0", alpha=sp.Rational(1, 100))
def _leaky_relu(alpha):
    return sp.Piecewise((alpha * x, x < 0), (x, True))


@_register("abs", "phi(x) = |x|")
def _abs():
    return sp.Abs(x)


@_register("step", "phi(x) = 1 for x > 0, else 0 (Heaviside with H(0) = 0)")
def _step():
    return sp.Heaviside(x, 0)


@_register("sign", "phi(x) = sign(x), with sign(0) = 0")
def _sign():
    return sp.sign(x)


@_register("rectified_monomial", "phi(x) = max(0, x)**n (arc-cosine kernel of order n)", n=1)
def _rectified_monomial(n):
    # order 0 is the step 1[x > 0] (Cho & Saul), not max(0, x)**0 == 1
    return sp.Max(0, x) ** n if n else sp.Heaviside(x, 0)


@_register("erf", "phi(x) = erf(b*x)", b=1)
def _erf(b):
    return sp.erf(b * x)


@_register("tanh", "phi(x) = tanh(x)")
def _tanh():
    return sp.tanh(x)


@_register("sigmoid", "phi(x) = 1 / (1 + exp(-x))")
def _sigmoid():
    return 1 / (1 + sp.exp(-x))


@_register("softplus", "phi(x) = log(1 + exp(x))")
def _softplus():
    return sp.log(1 + sp.exp(x))


@_register("gelu", "phi(x) = x * Phi(x) = x * (1 + erf(x / sqrt(2))) / 2 (exact, not tanh form)",
           dual_table=_gelu_dual)
def _gelu():
    return x * (1 + sp.erf(x / sp.sqrt(2))) / 2


@_register("silu", "phi(x) = x / (1 + exp(-x)) (swish with beta = 1)")
def _silu():
    return x / (1 + sp.exp(-x))


@_register("elu", "phi(x) = x for x >= 0 and alpha*(exp(x) - 1) for x < 0", alpha=1)
def _elu(alpha):
    return sp.Piecewise((alpha * (sp.exp(x) - 1), x < 0), (x, True))


@_register("sin", "phi(x) = sin(b*x + a)", b=1, a=0)
def _sin(b, a):
    return sp.sin(b * x + a)


@_register("cos", "phi(x) = cos(b*x + a)", b=1, a=0)
def _cos(b, a):
    return sp.cos(b * x + a)


@_register("exp", "phi(x) = exp(b*x)", b=1)
def _exp(b):
    return sp.exp(b * x)


@_register("gaussian", "phi(x) = exp(-x**2 / 2)")
def _gaussian():
    return sp.exp(-x**2 / 2)


@_register("monomial", "phi(x) = x**n", n=1)
def _monomial(n):
    return x**n


@_register("hermite", "phi(x) = He_n(x) / sqrt(n!), the normalised probabilists' Hermite "
           "polynomial", n=1)
def _hermite(n):
    return sp.expand(sp.hermite_prob_poly(n, x) / sp.sqrt(sp.factorial(n)))


@_register("polynomial", "phi(x) = sum_k coeffs[k] * x**k (coefficients in increasing degree)",
           coeffs=(0, 1))
def _polynomial(coeffs):
    return sum((co * x**k for k, co in enumerate(coeffs)), sp.Integer(0))


_TABLES: dict = {}


def _tables_by_expression():
    """{expression: literature dual} for the parameterless registry entries that carry one."""
    if not _TABLES:
        for fam in ACTIVATIONS.values():
            if fam.dual_table is not None and not fam.defaults:
                _TABLES[fam.build()] = fam.dual_table
    return _TABLES


_ORDERS = {"n"}


def _validate_params(family, params):
    unknown = set(params) - set(family.defaults)
    if unknown:
        allowed = ", ".join(family.defaults) or "none"
        raise TypeError(
            f"unknown parameter(s) {', '.join(sorted(unknown))} for activation "
            f"{family.name!r}; allowed: {allowed}")
    values = {**family.defaults, **params}
    out = {}
    for key, value in values.items():
        if key in _ORDERS:
            out[key] = _order(value, key, lo=0 if family.name != "rectified_monomial" else 0)
        elif key == "coeffs":
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                raise TypeError("parameter 'coeffs' must be a sequence of real numbers")
            value = tuple(value)
            if not value or len(value) > 33:
                raise ValueError("parameter 'coeffs' must hold between 1 and 33 coefficients")
            out[key] = tuple(_exact(v, f"coeffs[{i}]") for i, v in enumerate(value))
        else:
            out[key] = _exact(value, key)
    if family.name == "erf" and out["b"] == 0:
        raise ValueError("parameter 'b' of erf must be nonzero (erf(0*x) is identically 0)")
    return out


def activation(spec, **params):
    """An :class:`Activation` from a registry name, an expression string, or an Activation.

    Args:
        spec: a registry name (see :data:`ACTIVATIONS`), a string such as ``"x**3 - 2*x"``
            (parsed safely by a whitelist, never evaluated), a SymPy expression, or an
            :class:`Activation` (returned unchanged).
        **params: parameters of a registry family, e.g. ``alpha=0.1`` for ``leaky_relu``.

    Raises:
        TypeError: unknown or ill-typed parameters, or a spec of the wrong type.
        ValueError: unknown names, unsafe or malformed strings, non-finite parameters,
            divergent Gaussian moments.
    """
    if isinstance(spec, Activation):
        if params:
            raise TypeError("parameters can only be given with a registry name")
        return spec
    if isinstance(spec, sp.Expr):
        if params:
            raise TypeError("parameters can only be given with a registry name")
        return Activation(spec)
    if not isinstance(spec, str):
        raise TypeError(
            f"activation must be a registry name, an expression string, a SymPy expression or "
            f"an Activation, got {type(spec).__name__}")
    key = spec.strip()
    if key.lower() in ACTIVATIONS:
        family = ACTIVATIONS[key.lower()]
        values = _validate_params(family, params)
        expr = family.build(**values)
        shown = {k: v for k, v in values.items() if family.defaults.get(k) != v or k == "n"}
        return Activation(expr, name=family.name, params=shown, dual_table=family.dual_table)
    if params:
        raise TypeError(
            f"parameters {', '.join(sorted(params))} given, but {spec!r} is not a registry name; "
            f"registry names: {', '.join(ACTIVATIONS)}")
    if key.isidentifier() and key.lower() not in ("x",):
        raise ValueError(
            f"unknown activation {spec!r}; use one of: {', '.join(ACTIVATIONS)}, or an "
            "expression string in x such as 'x**3 - 2*x'")
    from ntksym.symbolic.parsing import parse_activation
    return Activation(parse_activation(spec), name=key)
