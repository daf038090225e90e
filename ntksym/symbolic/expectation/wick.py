r"""Strategy 1, Wick / Isserlis (method ``"hermite"``): E[f(u) g(v)] for polynomials f and g.

Isserlis' theorem gives
E[u^i v^j] = sum_k k! C(i,k) C(j,k) c^k (i-k-1)!! q1^((i-k)/2) (j-k-1)!! q2^((j-k)/2), and the
result is confirmed exactly against the Mehler/Hermite series of :mod:`ntksym.symbolic.hermite`.
"""
from __future__ import annotations

import sympy as sp

from ntksym.core.symbols import c, q1, q2, x
from ntksym.symbolic.expectation.base import Derivation, GaussianExpectation, Step
from ntksym.symbolic.hermite import mehler_dual

__all__ = ["wick_moment", "derive_wick"]


def _double_factorial_moment(n, q):
    """E[u^n] for u ~ N(0, q)."""
    if n % 2:
        return sp.Integer(0)
    return sp.factorial2(n - 1) * q ** sp.Rational(n, 2) if n else sp.Integer(1)


def wick_moment(i, j):
    """E[u^i v^j] by Isserlis' theorem (sum over the number k of cross pairings)."""
    total = sp.Integer(0)
    for k in range(min(i, j) + 1):
        if (i - k) % 2 or (j - k) % 2:
            continue
        total += (sp.factorial(k) * sp.binomial(i, k) * sp.binomial(j, k) * c**k
                  * _double_factorial_moment(i - k, q1) * _double_factorial_moment(j - k, q2))
    return total


def derive_wick(f, g, depth, derive):
    """E[f(u) g(v)] when f and g are polynomials, or None (the strategy declines)."""
    a, b = f.polynomial_coeffs, g.polynomial_coeffs
    if a is None or b is None:
        return None
    expr = sp.expand(sum((ai * bj * wick_moment(i, j) for i, ai in enumerate(a)
                          for j, bj in enumerate(b) if ai != 0 and bj != 0), sp.Integer(0)))
    mehler = sp.expand(mehler_dual(a, b))
    if sp.expand(expr - mehler) != 0:  # two exact derivations must agree
        return None
    lhs = GaussianExpectation.of(f, g)
    steps = [
        Step("wick", "Expand both polynomials and apply Isserlis' theorem to each E[u^i v^j].",
             lhs, sp.Add(*[ai * bj * GaussianExpectation.of(x**i, x**j) for i, ai in enumerate(a)
                           for j, bj in enumerate(b) if ai != 0 and bj != 0]),
             latex=r"Expand both polynomials and apply Isserlis' theorem to each "
                   r"$\mathbb{E}[u^i v^j]$."),
        Step("mehler", "The Hermite (Mehler) expansion sum_k alpha_k(q1) alpha_k(q2) rho^k gives "
             "the same polynomial exactly.", lhs, mehler,
             latex=r"The Hermite (Mehler) expansion $\sum_k \alpha_k(q_1)\,\alpha_k(q_2)\,"
                   r"\rho^k$, $\rho = c/\sqrt{q_1 q_2}$, gives the same polynomial exactly."),
    ]
    return Derivation(expr, "hermite", steps)
