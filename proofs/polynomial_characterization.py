"""The characterisation of polynomials: phi is a polynomial iff sum_i c_i phi(a_i s + b_i t) = 0
identically for some pairwise non-proportional (a_i, b_i) and c != 0. Polynomials get such a
certificate; non-polynomial activations get a witness that no short one exists.

Source: Carvalho, Costa, Mourao & Oliveira 2025 (arXiv:2404.12928), the key lemma
(characterisation of polynomials) behind Theorem 1.1.

Method: for 6 polynomials of degree r (including the registry's hermite and monomial),
``nk.polynomial_certificate`` gives the pairs (1, j), j = 0..r+1, and the (r+1)-th finite
difference coefficients; the identity sum_i c_i phi(s + j t) is expanded by SymPy and must be
exactly 0 (independently of the certificate's own check). For 8 non-polynomial activations
``nk.collocation_test`` on 8 pairwise non-proportional pairs at 40 points in [-3, 3]^2 must find
the functions phi(a_i s + b_i t) linearly independent (full column rank, and an interval
Cholesky of the Gram matrix at 30 digits), so no identity with these pairs exists; and for
each polynomial the same test on its certificate's pairs must not claim independence.
"""
import numpy as np
import sympy as sp

import ntksym as nk
from ntksym.proving import conclude, require

POLYNOMIALS = ("x**2", "x**3 - 2*x + 1/2", "x**4 - x", "(x - 1)**5 + 3*x", "hermite", "monomial")
NONPOLY = ("relu", "erf", "tanh", "sin", "gelu", "softplus", "abs", "elu")
PAIRS = [(1, 0), (0, 1), (1, 1), (1, -1), (1, 2), (2, 1), (1, -3), (3, 2)]


def prove():
    s, t = sp.symbols("s t")
    points = np.random.default_rng(1).uniform(-3.0, 3.0, (40, 2))
    for spec in POLYNOMIALS:
        act = nk.activation(spec, n=4) if spec in ("hermite", "monomial") else nk.activation(spec)
        cert = nk.polynomial_certificate(act)
        pairs = cert.pairs
        require(all(a * b2 - a2 * b != 0 for i, (a, b) in enumerate(pairs)
                    for a2, b2 in pairs[i + 1:]), f"{spec}: certificate pairs are proportional")
        require(any(ci != 0 for ci in cert.coefficients), f"{spec}: zero coefficients")
        identity = sum((ci * act.expr.subs(nk.x, a * s + b * t)
                        for ci, (a, b) in zip(cert.coefficients, pairs)), sp.Integer(0))
        require(sp.expand(identity) == 0, f"{spec}: sum c_i phi(a_i s + b_i t) != 0")
        dep = nk.collocation_test(act, pairs, points=points)
        require(not dep.independent, f"{spec}: the certificate's functions found independent")
    worst_cond = 0.0
    for name in NONPOLY:
        res = nk.collocation_test(nk.activation(name), PAIRS, points=points)
        require(res.independent and res.certified, f"{name}: {res.reason}")
        worst_cond = max(worst_cond, res.condition)
    return conclude(method="exact (SymPy) identities; collocation with interval Cholesky",
                    error=0, tolerance=None,
                    details=f"{len(POLYNOMIALS)} polynomial certificates expand to 0; "
                            f"{len(NONPOLY)} non-polynomials independent on {len(PAIRS)} pairs "
                            f"(largest condition number {worst_cond:.2e})")
