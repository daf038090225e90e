r"""Activations: one definition each, as a SymPy expression in one real variable.

An :class:`Activation` wraps a SymPy expression in the canonical variable :data:`ntksym.x`.
Everything else -- its derivative, parity, positive homogeneity, kinks, Hermite coefficients,
dual kernel, numeric code and LaTeX -- is derived from that expression by other modules. This
module also holds what is read off the expression's structure (:class:`PiecewisePolynomial`,
:func:`abrelu_form`, :func:`erf_scale`) and the check that an expression is a valid activation
(real and finite on R, with finite Gaussian moments). The named families and
:func:`~ntksym.activation` are in :mod:`ntksym.symbolic.registry`.

Examples
========

>>> import ntksym as nk
>>> nk.activation("leaky_relu", alpha=0.1).derivative().expr
Piecewise((1/10, x < 0), (1, True))
>>> nk.activation("erf").parity
'odd'
>>> nk.activation("rectified_monomial", n=2).homogeneity
2
>>> abrelu_form(nk.activation("leaky_relu", alpha=0.1))
ABReLUForm(a=1/10, b=1, offset=0)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import mpmath
import sympy as sp

from ntksym.core.errors import DivergentMomentsError
from ntksym.core.printing import ntk_printer, repr_latex
from ntksym.core.symbols import x

__all__ = ["Activation", "PiecewisePolynomial", "ABReLUForm", "abrelu_form", "ErfScale",
           "erf_scale", "LITERATURE_DUALS"]

_t = sp.Symbol("t", positive=True)

LITERATURE_DUALS: dict = {}
"""{expression: literature closed form of its dual}. :mod:`ntksym.symbolic.registry` fills it with
the forms of its parameterless families, so that ``Activation(expr)`` of the same expression gets
the form too."""


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


class ABReLUForm(NamedTuple):
    """phi(x) = offset + a min(x, 0) + b max(x, 0), with exact SymPy numbers a, b, offset."""

    a: sp.Expr
    b: sp.Expr
    offset: sp.Expr


def abrelu_form(act):
    """The :class:`ABReLUForm` of a continuous piecewise-linear activation, else None.

    Recognised from the structure of the expression (its :class:`PiecewisePolynomial`), never from
    the name: ReLU is ``(0, 1, 0)``, leaky ReLU ``(alpha, 1, 0)``, |x| ``(-1, 1, 0)``, x ``(1, 1,
    0)`` and a constant k ``(0, 0, k)``. None for a callable activation, a jump at 0 (step, sign),
    a piece of degree above 1 or a non-polynomial expression. The closed-form ABReLU kernel of
    neural-tangents applies when ``offset == 0``.

    >>> import ntksym as nk
    >>> abrelu_form(nk.activation("abs"))
    ABReLUForm(a=-1, b=1, offset=0)
    >>> abrelu_form(nk.activation("step")) is None
    True
    """
    pwp = act.piecewise_polynomial if act.is_symbolic else None
    if pwp is None or pwp.degree > 1:
        return None
    minus = tuple(pwp.minus) + (sp.Integer(0),) * (2 - len(pwp.minus))
    plus = tuple(pwp.plus) + (sp.Integer(0),) * (2 - len(pwp.plus))
    if not minus[0] == plus[0] == pwp.at_zero:
        return None
    return ABReLUForm(sp.sympify(minus[1]), sp.sympify(plus[1]), sp.sympify(plus[0]))


class ErfScale(NamedTuple):
    """phi(x) = scale erf(b x), with exact real SymPy numbers scale and b != 0."""

    scale: sp.Expr
    b: sp.Expr


def erf_scale(act):
    """The :class:`ErfScale` of an activation that is a constant times erf(b x), else None.

    Recognised from the expression, never from the name (``nk.activation("erf", b=2)`` and
    ``nk.activation("2*erf(3*x)")`` both qualify). None for a callable activation, or any other
    expression (``erf(x) + 1``, ``erf(x + 1)``).

    >>> import ntksym as nk
    >>> erf_scale(nk.activation("sqrt(2)*erf(x/3)"))
    ErfScale(scale=sqrt(2), b=1/3)
    """
    if not act.is_symbolic:
        return None
    scale, rest = act.expr.as_independent(x, as_Add=False)
    if not isinstance(rest, sp.erf) or not (scale.is_number and scale.is_real and scale != 0):
        return None
    b = sp.simplify(rest.args[0] / x)
    if not (b.is_number and b.is_real) or b == 0:
        return None
    return ErfScale(scale, b)


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
        if zeros is sp.S.EmptySet or not isinstance(zeros, sp.Set):
            continue
        if isinstance(zeros, sp.FiniteSet):
            points.extend(zeros)
        else:
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
        checked: True skips the check that ``expr`` is real, finite on R and has finite
            Gaussian moments; for expressions made from an activation that passed it (its
            derivative, its additive terms).

    Raises:
        TypeError: if ``expr`` is not a SymPy expression.
        ValueError: if it has more than one free symbol, or is not real and finite on R.
        DivergentMomentsError: if it grows like exp(a x^2) or faster.
    """

    def __init__(self, expr, name=None, params=None, *, dual_table=None, checked=False):
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
            dual_table = LITERATURE_DUALS.get(expr)
        self.dual_table = dual_table
        self.func = None
        self.dfunc = None
        if not checked:
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
        return Activation(d, name=f"{self.name}'", params=params, checked=True)

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

    def _latex(self, printer=None):
        """``\\phi(x) = ...`` (the SymPy printer hook; ntksym's notation whatever the printer)."""
        return r"\phi(x) = " + ntk_printer(printer).doprint(self.expr)

    _repr_latex_ = repr_latex


