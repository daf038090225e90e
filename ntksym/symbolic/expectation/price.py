r"""Strategy 4, Price's theorem with a one-dimensional integral (method ``"price"``).

E[f(u) g(v)] = E[f] E[g] + int_0^c E[f'(u) g'(v)] dc', when the means and E[f' g'] are derivable
(erf, sums with erf). The integral in c is taken only for integrands whose terms have a known
antiderivative, so the strategy answers at once in any thread (no time limit, no signal):

* terms algebraic in c (polynomials, powers of polynomials such as (a - b c^2)^(-1/2), which give
  arcsines) go to ``sympy.integrate``, which handles these quickly;
* terms K exp(alpha + gamma c + beta c^2), with the sign of beta decidable, give error functions
  (``erf`` for beta < 0, ``erfi`` for beta > 0) or, for beta = 0, an exponential; terms
  K f(gamma c + delta) with f one of sinh, cosh, sin, cos are integrated by their antiderivative.

Any other integrand, where SymPy's integrator can run for minutes, makes the strategy decline.
"""
from __future__ import annotations

import sympy as sp

from ntksym.core.symbols import c, q1, q2
from ntksym.symbolic.expectation.base import Derivation, GaussianExpectation, Step, tidy
from ntksym.symbolic.expectation.mean import derive_mean

__all__ = ["integrate_from_zero", "derive_price"]

_s = sp.Dummy("s", real=True)


def _is_algebraic(expr, s):
    """True when ``expr`` has no function of ``s`` (sums, products and powers only)."""
    return not any(f.has(s) for f in expr.atoms(sp.Function))


#: antiderivatives of the functions of a linear argument that :func:`_elementary_integral` takes
_ANTIDERIVATIVE = {sp.sinh: sp.cosh, sp.cosh: sp.sinh, sp.sin: lambda t: -sp.cos(t),
                   sp.cos: sp.sin}


def _elementary_integral(term, s, upper):
    """int_0^upper of K exp(alpha + gamma s + beta s^2) or K f(gamma s + delta), f one of sinh,
    cosh, sin, cos; None if ``term`` is not of these forms (or the sign of beta is undecided)."""
    term = sp.powsimp(term, combine="exp")
    K, rest = term.as_independent(s, as_Add=False)
    if rest.func in _ANTIDERIVATIVE:
        arg = sp.expand(rest.args[0])
        if not arg.is_polynomial(s) or sp.degree(arg, s) != 1:
            return None
        gamma, delta = arg.coeff(s, 1), arg.coeff(s, 0)
        F = _ANTIDERIVATIVE[rest.func]
        return K * (F(gamma * upper + delta) - F(delta)) / gamma
    if not isinstance(rest, sp.exp):
        return None
    exponent = sp.expand(rest.args[0])
    if not exponent.is_polynomial(s) or sp.degree(exponent, s) > 2:
        return None
    beta, gamma, alpha = (exponent.coeff(s, k) for k in (2, 1, 0))
    scale = K * sp.exp(alpha)
    if beta == 0:
        if gamma == 0:
            return scale * upper
        return scale * (sp.exp(gamma * upper) - 1) / gamma
    if beta.is_negative:
        a, err = sp.sqrt(-beta), sp.erf
    elif beta.is_positive:
        a, err = sp.sqrt(beta), sp.erfi
    else:
        return None
    # beta s^2 + gamma s = beta (s - s0)^2 - beta s0^2 with s0 = -gamma / (2 beta)
    s0 = -gamma / (2 * beta)
    return (scale * sp.exp(-beta * s0**2) * sp.sqrt(sp.pi) / (2 * a)
            * (err(a * (upper - s0)) + err(a * s0)))


def integrate_from_zero(integrand, s, upper):
    """int_0^upper integrand ds for the integrands described in the module docstring, else None."""
    if _is_algebraic(integrand, s):
        try:
            return sp.integrate(integrand, (s, 0, upper))
        except Exception:  # the assorted errors SymPy's integrator raises
            return None
    algebraic, total = sp.Integer(0), sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(integrand, power_exp=False)):
        if _is_algebraic(term, s):
            algebraic += term
            continue
        part = _elementary_integral(term, s, upper)
        if part is None:
            return None
        total += part
    if algebraic != 0:
        part = integrate_from_zero(algebraic, s, upper)
        if part is None:
            return None
        total += part
    return total


def derive_price(f, g, depth, derive):
    """E[f(u) g(v)] from E[f'(u) g'(v)] (derived by ``derive``) and the means, or None."""
    if depth >= 1 or not (f.is_symbolic and g.is_symbolic) or f.has_dirac or g.has_dirac:
        return None
    if f.piecewise_polynomial is not None and g.piecewise_polynomial is not None:
        return None
    fp, gp = f.derivative(), g.derivative()
    if fp.has_dirac or gp.has_dirac:
        return None
    mf, mg = derive_mean(f, q1), derive_mean(g, q2)
    if mf is None or mg is None:
        return None
    inner = derive(fp, gp, depth + 1)
    if inner is None:
        return None
    integral = integrate_from_zero(inner.expr.subs(c, _s), _s, c)
    if integral is None or integral.has(sp.Integral, sp.Piecewise, sp.nan, sp.zoo):
        return None
    expr = tidy(sp.simplify(mf * mg + integral))
    lhs = GaussianExpectation.of(f, g)
    steps = [
        Step("price", "Price's theorem: the c-derivative of E[f(u) g(v)] is E[f'(u) g'(v)].",
             sp.Derivative(lhs, c, evaluate=False), inner.expr,
             latex=r"Price's theorem: $\partial_c \mathbb{E}[f(u)\,g(v)] = "
                   r"\mathbb{E}[f'(u)\,g'(v)]$."),
        *inner.steps,
        Step("initial", "At c = 0, u and v are independent.", lhs.subs(c, 0), mf * mg,
             latex=r"At $c = 0$, $u$ and $v$ are independent."),
        Step("integrate", "Integrate in c from 0.", lhs, expr,
             latex=r"Integrate in $c$ from $0$."),
    ]
    return Derivation(expr, "price", steps)
