r"""Strategy 2, orthant moments (method ``"price"``): f and g polynomial on each side of 0.

This covers ReLU, leaky ReLU, |x|, step, sign and max(0, x)^n. The pair reduces to orthant moments
E[u_+^i v_+^j]. Price's theorem d/dc E[u_+^i v_+^j] = i j E[u_+^(i-1) v_+^(j-1)] lowers the degrees
until a Dirac delta remains: E[delta(u) v_+^j] and E[delta(u) delta(v)] = 1 / (2 pi sqrt(q1 q2 -
c^2)) are explicit. Integrating back in c from the independent case c = 0 gives the closed form.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from ntksym.core.printing import ntk_printer
from ntksym.core.symbols import c, q1, q2, rho, x
from ntksym.symbolic.expectation.base import Derivation, GaussianExpectation, Step, tidy

__all__ = ["half_moment", "orthant_unit", "rho_to_c", "orthant_moment", "derive_orthant"]

_s = sp.Dummy("s", real=True)


def half_moment(j):
    """E[z^j 1{z > 0}] for z ~ N(0, 1)."""
    return 2 ** sp.Rational(j, 2) * sp.gamma(sp.Rational(j + 1, 2)) / (2 * sp.sqrt(sp.pi))


@lru_cache(maxsize=None)
def orthant_unit(i, j):
    """m_ij(rho) = E[z1^i z2^j 1{z1 > 0, z2 > 0}] for unit variances and correlation rho.

    Derived by Price's theorem: dm_ij/drho = i j m_(i-1)(j-1); dm_0j/drho =
    j E[z2^(j-1) 1{z2>0} | z1 = 0] / sqrt(2 pi); m_00 = 1/4 + asin(rho)/(2 pi). Each is
    integrated back from rho = 0, where m_ij(0) = E[z^i 1{z>0}] E[z^j 1{z>0}].
    """
    if i > j:
        return orthant_unit(j, i)
    if i == 0 and j == 0:
        return sp.Rational(1, 4) + sp.asin(rho) / (2 * sp.pi)
    if i == 0:
        slope = j * (1 - _s**2) ** sp.Rational(j - 1, 2) * half_moment(j - 1) / sp.sqrt(2 * sp.pi)
    else:
        slope = i * j * orthant_unit(i - 1, j - 1).subs(rho, _s)
    start = half_moment(i) * half_moment(j)
    return sp.expand(start + sp.integrate(sp.expand(slope), (_s, 0, rho)))


def rho_to_c(expr):
    """Rewrite an expression in rho, sqrt(1 - rho^2), asin(rho) into q1, q2, c.

    With R = sqrt(q1 q2), S = sqrt(q1 q2 - c^2) and theta = atan2(S, c): rho = c/R,
    sqrt(1 - rho^2) = S/R and asin(rho) = pi/2 - theta. theta is an atan2 so that it is exact at
    c = +-sqrt(q1 q2) and never the arccos of a rounded ratio.
    """
    R = sp.sqrt(q1) * sp.sqrt(q2)
    S = sp.sqrt(q1 * q2 - c**2)
    theta = sp.atan2(S, c)
    expr = expr.replace(sp.asin, lambda a: sp.pi / 2 - theta if a == rho else
                        (-(sp.pi / 2 - theta) if a == -rho else sp.asin(a)))
    one_minus = 1 - rho**2
    expr = expr.replace(lambda e: e.is_Pow and sp.expand(e.base - one_minus) == 0,
                        lambda e: (S / R) ** (2 * e.exp))
    return expr.subs(rho, c / R)


def orthant_moment(i, j):
    """E[u^i v^j 1{u > 0} 1{v > 0}] at general variances, as an expression in q1, q2, c."""
    return tidy(rho_to_c(sp.sqrt(q1) ** i * sp.sqrt(q2) ** j * orthant_unit(i, j)))


def _positive_part(k):
    return sp.Max(0, x) ** k if k else sp.Heaviside(x, 0)


def derive_orthant(f, g, depth, derive):
    """E[f(u) g(v)] when f and g are polynomial on each side of 0, or None (declines)."""
    pf, pg = f.piecewise_polynomial, g.piecewise_polynomial
    if pf is None or pg is None:
        return None
    total = sp.Integer(0)
    used = set()
    for s, fs in ((1, pf.plus), (-1, pf.minus)):
        for t, gt in ((1, pg.plus), (-1, pg.minus)):
            for i, ai in enumerate(fs):
                for j, bj in enumerate(gt):
                    if ai == 0 or bj == 0:
                        continue
                    used.add((i, j))
                    total += (ai * s**i * bj * t**j * sp.sqrt(q1) ** i * sp.sqrt(q2) ** j
                              * orthant_unit(i, j).subs(rho, s * t * rho))
    expr = tidy(rho_to_c(sp.expand(total)))
    lhs = GaussianExpectation.of(f, g)
    steps = [Step("decompose",
                  "Split each activation into its polynomial pieces on x > 0 and x < 0; the pair "
                  "becomes a sum of orthant moments E[u_+^i v_+^j] (a piece on x < 0 is the "
                  "positive part of -u, which flips the sign of c).", lhs, None,
                  latex=r"Split each activation into its polynomial pieces on $x > 0$ and "
                        r"$x < 0$; the pair becomes a sum of orthant moments "
                        r"$\mathbb{E}[u_+^i v_+^j]$ (a piece on $x < 0$ is the positive part of "
                        r"$-u$, which flips the sign of $c$).")]
    pos = _positive_part
    for (i, j) in sorted(used):
        mom = GaussianExpectation.of(pos(i), pos(j))
        if i and j:
            steps.append(Step("price", f"Price's theorem lowers both degrees: "
                              f"d/dc E[u_+^{i} v_+^{j}] = {i * j} E[u_+^{i - 1} v_+^{j - 1}].",
                              sp.Derivative(mom, c, evaluate=False),
                              i * j * GaussianExpectation.of(pos(i - 1), pos(j - 1)),
                              latex=r"Price's theorem lowers both degrees: $\partial_c "
                                    r"\mathbb{E}[u_+^{%d} v_+^{%d}] = %d\,\mathbb{E}[u_+^{%d} "
                                    r"v_+^{%d}]$." % (i, j, i * j, i - 1, j - 1)))
        elif i or j:
            k = max(i, j)
            steps.append(Step("dirac", f"The derivative of a step is a Dirac delta: d/dc E[u_+^0 "
                              f"v_+^{k}] = {k} E[delta(u) v_+^{k - 1}], a Gaussian integral "
                              "on the line u = 0.", sp.Derivative(mom, c, evaluate=False),
                              sp.diff(orthant_moment(i, j), c),
                              latex=r"The derivative of a step is a Dirac delta: $\partial_c "
                                    r"\mathbb{E}[u_+^0 v_+^{%d}] = %d\,\mathbb{E}[\delta(u)\, "
                                    r"v_+^{%d}]$, a Gaussian integral on the line $u = 0$."
                                    % (k, k, k - 1)))
        else:
            steps.append(Step("dirac", "E[delta(u) delta(v)] is the density at the origin: "
                              "1 / (2 pi sqrt(q1 q2 - c^2)).",
                              sp.Derivative(mom, c, evaluate=False),
                              1 / (2 * sp.pi * sp.sqrt(q1 * q2 - c**2)),
                              latex=r"$\mathbb{E}[\delta(u)\,\delta(v)]$ is the density at "
                                    r"the origin: $1/\bigl(2\pi\sqrt{q_1 q_2 - c^2}\bigr)$."))
        steps.append(Step("integrate", f"Integrate back in c from c = 0, where the factors are "
                          f"independent: E[u_+^{i}] E[v_+^{j}] = "
                          f"{sp.sqrt(q1)**i * sp.sqrt(q2)**j * half_moment(i) * half_moment(j)}.",
                          mom, orthant_moment(i, j),
                          latex=r"Integrate back in $c$ from $c = 0$, where the factors are "
                                r"independent: $\mathbb{E}[u_+^{%d}]\,\mathbb{E}[v_+^{%d}] = %s$."
                                % (i, j, ntk_printer().doprint(sp.sqrt(q1)**i * sp.sqrt(q2)**j
                                                               * half_moment(i)
                                                               * half_moment(j)))))
    steps.append(Step("result", "Sum the orthant moments with the pieces' coefficients.",
                      lhs, expr))
    return Derivation(expr, "price", steps)
