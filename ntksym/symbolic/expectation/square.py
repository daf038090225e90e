r"""Strategy 3, completing the square (method ``"gaussian"``): exp / trig families.

f and g are sums of p(x) exp(beta x^2 + a x) with polynomial p, real beta <= 0 and complex a (exp,
sin, cos, gaussian, and their products with polynomials). Completing the square gives
E[exp(beta1 u^2 + beta2 v^2 + a1 u + a2 v)] = det(I - 2 B Sigma)^(-1/2)
exp(m^T Sigma (I - 2 B Sigma)^(-1) m / 2); polynomial factors are derivatives in a1, a2.
"""
from __future__ import annotations

import sympy as sp
from sympy.core.function import AppliedUndef

from ntksym.core.symbols import c, q1, q2, x
from ntksym.symbolic.expectation.base import Derivation, GaussianExpectation, Step, tidy

__all__ = ["exp_terms", "poly_derivative", "real_part", "derive_square"]

_a1, _a2 = sp.symbols("a1 a2")

_BAD_FOR_SQUARE = (sp.Heaviside, sp.Abs, sp.Max, sp.Min, sp.Piecewise, sp.sign, sp.erf,
                   sp.erfc, sp.log, sp.tanh, sp.DiracDelta, AppliedUndef)


def exp_terms(expr):
    """Write expr as sum_k p_k(x) exp(beta_k x^2 + a_k x); a dict {(beta, a): p} or None."""
    if expr.has(*_BAD_FOR_SQUARE) or not expr.is_Add and expr.is_Pow and expr.exp.is_negative:
        return None
    e = sp.expand(expr.rewrite(sp.exp), power_exp=False)
    terms = {}
    for term in sp.Add.make_args(e):
        coeff, rest = term.as_independent(x, as_Add=False)
        n, exponent = 0, sp.Integer(0)
        for fac in sp.Mul.make_args(rest):
            if fac == 1:
                continue
            base, ex = fac.as_base_exp()
            if base == x and ex.is_Integer and ex >= 0:
                n += int(ex)
            elif isinstance(fac, sp.exp):
                exponent += fac.args[0]
            elif base == sp.E:
                exponent += ex
            else:
                return None
        exponent = sp.expand(exponent)
        if not exponent.is_polynomial(x):
            return None
        poly = sp.Poly(exponent, x)
        if poly.degree() > 2:
            return None
        coeffs = dict(zip(poly.monoms(), poly.coeffs()))
        beta = coeffs.get((2,), sp.Integer(0))
        a = coeffs.get((1,), sp.Integer(0))
        gamma = coeffs.get((0,), sp.Integer(0))
        if not (beta.is_real and beta <= 0) or not a.is_number or not gamma.is_number:
            return None
        key = (beta, a)
        terms[key] = terms.get(key, sp.Integer(0)) + coeff * sp.exp(gamma) * x**n
    return terms


def _gaussian_mgf(b1, b2):
    """E[exp(b1 u^2 + b2 v^2 + a1 u + a2 v)] as an expression in a1, a2 (completing the square)."""
    sigma = sp.Matrix([[q1, c], [c, q2]])
    B = sp.diag(b1, b2)
    A = sp.eye(2) - 2 * B * sigma
    det = sp.expand(A.det())
    M = (sigma * A.adjugate()).applyfunc(sp.expand)
    m = sp.Matrix([_a1, _a2])
    quad = sp.expand((m.T * M * m)[0, 0])
    return sp.exp(quad / (2 * det)) / sp.sqrt(det)


def poly_derivative(p, var, F):
    """p(d/dvar) F for a polynomial p in x."""
    out = sp.Integer(0)
    for (n,), co in sp.Poly(p, x).terms():
        out += co * (sp.diff(F, var, n) if n else F)
    return out


def real_part(expr):
    """The real part of an expanded expression (itself when it has no imaginary unit)."""
    expr = sp.expand(expr)
    if not expr.has(sp.I):
        return expr
    re, _ = expr.as_real_imag()
    return sp.expand(re)


def _hyperbolic(expr):
    """Pair exp(E0 + b c) with exp(E0 - b c) into exp(E0) (A cosh(b c) + B sinh(b c)).

    The paired form has no cancellation when c is small (a difference of two nearly equal
    exponentials loses digits in float64, e.g. the sin kernel at tiny variance).
    """
    groups, rest = {}, sp.Integer(0)
    expr = sp.powsimp(sp.expand(expr, power_exp=False), combine="exp")
    for term in sp.Add.make_args(expr):
        term = sp.powsimp(term, combine="exp")
        exps = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.exp)]
        if len(exps) != 1:
            rest += term
            continue
        E = sp.expand(exps[0].args[0])
        if not E.is_polynomial(c) or sp.degree(E, c) > 1:
            rest += term
            continue
        b = E.coeff(c, 1)
        E0 = sp.expand(E - b * c, power_exp=False)
        sign = -1 if (b.is_number and b < 0) else 1
        key = (E0, sign * b)
        P, Q = groups.get(key, (sp.Integer(0), sp.Integer(0)))
        coeff = term / exps[0]
        groups[key] = (P + coeff, Q) if sign > 0 else (P, Q + coeff)
    for (E0, b), (P, Q) in groups.items():
        if b == 0 or P == 0 or Q == 0:  # nothing to pair (b == 0 puts every term in P)
            rest += P * sp.exp(E0 + b * c) + Q * sp.exp(E0 - b * c)
        else:
            rest += sp.exp(E0) * (sp.factor(P + Q) * sp.cosh(b * c)
                                  + sp.factor(P - Q) * sp.sinh(b * c))
    return rest


def derive_square(f, g, depth, derive):
    """E[f(u) g(v)] when f and g are sums of p(x) exp(beta x^2 + a x), or None (declines)."""
    if not (f.is_symbolic and g.is_symbolic):
        return None
    tf, tg = exp_terms(f.expr), exp_terms(g.expr)
    if tf is None or tg is None:
        return None
    if all(k == (0, 0) for k in tf) and all(k == (0, 0) for k in tg):
        return None  # plain polynomials belong to Wick
    total = sp.Integer(0)
    for (b1, a1), p in tf.items():
        for (b2, a2), r in tg.items():
            F = _gaussian_mgf(b1, b2)
            G = poly_derivative(r, _a2, poly_derivative(p, _a1, F))
            total += G.subs({_a1: a1, _a2: a2})
    expr = _hyperbolic(tidy(real_part(total)))
    lhs = GaussianExpectation.of(f, g)
    steps = [
        Step("square", "Write each activation as a sum of p(x) exp(beta x^2 + a x) "
             "(sin and cos through complex exponentials).", None, None,
             latex=r"Write each activation as a sum of $p(x)\,e^{\beta x^2 + a x}$ "
                   r"($\sin$ and $\cos$ through complex exponentials)."),
        Step("square", "Complete the square: E[exp(b1 u^2 + b2 v^2 + a1 u + a2 v)] = "
             "det(I - 2 B Sigma)^(-1/2) exp(m^T Sigma (I - 2 B Sigma)^(-1) m / 2); polynomial "
             "factors are derivatives in a1 and a2; take the real part.",
             sp.Function("M")(_a1, _a2), _gaussian_mgf(*next(iter(tf))[:1], next(iter(tg))[0]),
             latex=r"Complete the square: $\mathbb{E}\bigl[e^{b_1 u^2 + b_2 v^2 + a_1 u + "
                   r"a_2 v}\bigr] = \det(I - 2B\Sigma)^{-1/2} \exp\bigl(\tfrac12 m^\top "
                   r"\Sigma (I - 2B\Sigma)^{-1} m\bigr)$; polynomial factors are derivatives "
                   r"in $a_1$ and $a_2$; take the real part."),
        Step("result", "Closed form.", lhs, expr),
    ]
    return Derivation(expr, "gaussian", steps)
