r"""Means E[phi(u)], u ~ N(0, q): needed at c = 0 by Price's theorem and for degenerate variances.

Term by term: odd terms vanish, piecewise polynomials use half-line moments, ``x h(x)`` goes by
Stein's lemma E[u h(u)] = q E[h'(u)], and p(x) exp(beta x^2 + a x) by completing the square.
"""
from __future__ import annotations

import sympy as sp

from ntksym.core.symbols import q1, x
from ntksym.symbolic.activations import Activation
from ntksym.symbolic.expectation.orthant import half_moment
from ntksym.symbolic.expectation.square import exp_terms, poly_derivative, real_part

__all__ = ["derive_mean"]

_a = sp.Symbol("a1")


def _mean_term(expr, q):
    if not expr.has(x):
        return expr
    act = Activation(expr, checked=True)
    if act.parity == "odd":
        return sp.Integer(0)
    pw = act.piecewise_polynomial
    if pw is not None:
        out = sp.Integer(0)
        for sgn, side in ((1, pw.plus), (-1, pw.minus)):
            for i, a in enumerate(side):
                out += a * sgn**i * sp.sqrt(q) ** i * half_moment(i)
        return sp.expand(out)
    factor, rest = expr.as_independent(x, as_Add=False)
    if rest.is_Mul and x in rest.args:
        # Stein's lemma: E[u h(u)] = q E[h'(u)]
        h = rest / x
        inner = derive_mean(Activation(sp.diff(h, x), checked=True), q)
        return None if inner is None else factor * q * inner
    terms = exp_terms(expr)
    if terms is not None:
        out = sp.Integer(0)
        for (beta, a), p in terms.items():
            F = sp.exp(_a**2 * q / (2 * (1 - 2 * beta * q))) / sp.sqrt(1 - 2 * beta * q)
            out += poly_derivative(p, _a, F).subs(_a, a)
        return sp.simplify(real_part(out))
    return None


def derive_mean(act, q=q1):
    """E[phi(u)] for u ~ N(0, q) as a SymPy expression, or None if no rule applies."""
    if not act.is_symbolic or act.has_dirac:
        return None
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(act.expr, mul=True, power_exp=False, multinomial=False)
                                 if act.expr.is_Add else act.expr):
        m = _mean_term(term, q)
        if m is None:
            return None
        total += m
    return sp.simplify(total)
