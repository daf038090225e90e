"""Independent 30-digit references for the tests of `ntksym/symbolic/expectation/`.

The 2-D references are Gaussian integrals in polar coordinates of the whitened plane: with
u = sqrt(q1) r cos(alpha) and v = sqrt(q2) r cos(alpha - beta), cos(beta) = rho, a monomial
u^i v^j (restricted or not to u, v > 0) separates into an angular and a radial integral, each
computed by ``mpmath.quad`` at 30 digits over the exact region (the orthant is the wedge of
angles where both cosines are positive).
"""
import functools
import math

import mpmath
import sympy as sp

import ntksym as nk
from ntksym.testing import isserlis_moment, mp_function

Q1, Q2, C = nk.q1, nk.q2, nk.c
POINTS = [("0.7", "1.9", "-0.5"), ("2.25", "0.5625", "1.125"),
          ("0.5", "2", "-1")]          # the last two lie on the boundary c = +-sqrt(q1 q2)


def polar_moment(i, j, q1, q2, c, orthant):
    """E[u^i v^j (1{u > 0} 1{v > 0} if orthant)] by 2-D quadrature in polar coordinates."""
    with mpmath.workdps(30):
        q1, q2, c = mpmath.mpf(q1), mpmath.mpf(q2), mpmath.mpf(c)
        beta = mpmath.acos(max(-1, min(1, c / mpmath.sqrt(q1 * q2))))
        half = mpmath.pi / 2
        if orthant:
            lo, hi = max(-half, beta - half), min(half, beta + half)
            if hi <= lo:
                return mpmath.mpf(0)
            edges = [lo, hi]
        else:
            edges = [-mpmath.pi, -half, beta - half, 0, beta, beta + half, half, mpmath.pi]
            edges = sorted(set(e for e in edges if -mpmath.pi <= e <= mpmath.pi))
        ang = mpmath.quad(lambda a: mpmath.cos(a)**i * mpmath.cos(a - beta)**j, edges)
        return +(mpmath.sqrt(q1)**i * mpmath.sqrt(q2)**j * ang * _radial(i + j) / (2 * mpmath.pi))


@functools.lru_cache(maxsize=None)
def _radial(n):
    """int_0^oo r^(n+1) exp(-r^2/2) dr by quadrature (30 digits)."""
    with mpmath.workdps(30):
        return mpmath.quad(lambda r: r**(n + 1) * mpmath.exp(-r * r / 2), [0, mpmath.inf])


@functools.lru_cache(maxsize=None)
def _compiled(expr):
    return mp_function(expr, args=(Q1, Q2, C))


def evaluate(expr, q1, q2, c):
    with mpmath.workdps(30):
        return _compiled(expr)(mpmath.mpf(q1), mpmath.mpf(q2), mpmath.mpf(c))


def moment_scale(i, j, q1, q2):
    """sqrt(E[u^(2i)] E[v^(2j)]): the Cauchy-Schwarz bound of |E[u^i v^j ...]| (exact)."""
    return math.sqrt(float(isserlis_moment(2 * i, 0).subs(Q1, sp.Rational(q1)))
                     * float(isserlis_moment(0, 2 * j).subs(Q2, sp.Rational(q2))))
