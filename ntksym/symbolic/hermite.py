r"""Exact Hermite coefficients of polynomial activations and the Mehler form of their dual.

With the normalised probabilists' Hermite polynomials h_k = He_k / sqrt(k!), which are
orthonormal under N(0, 1),

.. math::

    \phi(\sqrt{q}\, z) = \sum_k \alpha_k(q)\, h_k(z), \qquad
    \mathbb{E}[\phi(u)\phi(v)] = \sum_k \alpha_k(q_1)\, \alpha_k(q_2)\, \rho^k,
    \quad \rho = c / \sqrt{q_1 q_2}

(Mehler's formula). For a polynomial the coefficients are exact: using
z^n = sum_{m} n! / (k! m! 2^m) He_k(z) with k = n - 2m,

    alpha_k(q) = sum_n a_n q^(n/2) n! / (sqrt(k!) m! 2^m),  m = (n - k)/2 a nonnegative integer.

Coefficients stay as SymPy ``Rational``/``sqrt`` so that "alpha_k = 0" is an exact statement
(the rank predictor relies on it).
"""
from __future__ import annotations

import sympy as sp

from ntksym.core.symbols import c, q1, q2

__all__ = ["polynomial_hermite_coefficients", "mehler_dual"]


def polynomial_hermite_coefficients(coeffs, q=None):
    """Exact alpha_k(q), k = 0..deg, of the polynomial sum_n coeffs[n] x^n at variance q.

    Args:
        coeffs: polynomial coefficients in increasing degree (numbers or SymPy numbers).
        q: the variance (a SymPy symbol or number); defaults to :data:`ntksym.q1`.

    Returns:
        A list ``[alpha_0(q), ..., alpha_deg(q)]`` of SymPy expressions.

    Examples
    ========

    >>> from ntksym.symbolic.hermite import polynomial_hermite_coefficients
    >>> polynomial_hermite_coefficients([0, 0, 0, 1], q=1)   # x^3 = He_3 + 3 He_1
    [0, 3, 0, sqrt(6)]
    """
    q = q1 if q is None else sp.sympify(q)
    coeffs = [sp.sympify(a) for a in coeffs]
    deg = len(coeffs) - 1
    alphas = []
    for k in range(deg + 1):
        total = sp.Integer(0)
        for n in range(k, deg + 1, 2):
            m = (n - k) // 2
            if coeffs[n] == 0:
                continue
            total += (coeffs[n] * sp.sqrt(q) ** n * sp.factorial(n)
                      / (sp.sqrt(sp.factorial(k)) * sp.factorial(m) * 2**m))
        alphas.append(sp.expand(total))
    return alphas


def mehler_dual(coeffs_f, coeffs_g=None):
    """E[f(u) g(v)] for polynomials f, g as sum_k alpha_k^f(q1) alpha_k^g(q2) rho^k.

    The result is returned in q1, q2, c (rho = c / sqrt(q1 q2) is substituted and expanded).
    """
    coeffs_g = coeffs_f if coeffs_g is None else coeffs_g
    af = polynomial_hermite_coefficients(coeffs_f, q1)
    ag = polynomial_hermite_coefficients(coeffs_g, q2)
    rho = c / (sp.sqrt(q1) * sp.sqrt(q2))
    return sp.expand(sum((a * b * rho**k for k, (a, b) in enumerate(zip(af, ag))),
                         sp.Integer(0)))
