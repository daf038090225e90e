"""The dual of a min(x, 0) + b max(x, 0) is neural-tangents' ABRelu kernel ((a - b)^2 / 2 pi)
sqrt(q1 q2 - c^2) + ((a^2 + b^2)/2 - (a - b)^2 theta / 2 pi) c, theta = atan2(sqrt(q1 q2 - c^2),
c), for ReLU, |x| and leaky ReLU.

Source: Novak et al. 2020 (arXiv:1912.02803), ``neural_tangents.stax.ABRelu``; Cho & Saul 2009
for a = 0, b = 1.

Method: exact, with SymPy: the duals of the registry's relu, abs and leaky_relu (alpha = 1/10),
derived by ntksym's orthant-moment strategy, minus the formula simplify to 0; so do their NTK
factors minus the formula's c-derivative.
"""
import sympy as sp

import ntksym as nk
from ntksym.core.symbols import c, q1, q2, x
from ntksym.proving import conclude, require
from ntksym.proving.tools import is_exactly_zero


def abrelu(a, b):
    s = sp.sqrt(q1 * q2 - c**2)
    theta = sp.atan2(s, c)
    return ((a - b) ** 2 / (2 * sp.pi) * s
            + ((a**2 + b**2) / 2 - (a - b) ** 2 * theta / (2 * sp.pi)) * c)


def prove():
    cases = [("relu", nk.activation("relu"), 0, 1), ("abs", nk.activation("abs"), -1, 1),
             ("leaky_relu", nk.activation("leaky_relu", alpha=sp.Rational(1, 10)),
              sp.Rational(1, 10), 1)]
    for name, act, a, b in cases:
        k = nk.dual(act)
        require(is_exactly_zero(k.expr - abrelu(a, b)), f"{name}: dual != ABRelu({a}, {b})")
        require(is_exactly_zero(k.ntk_factor - sp.diff(abrelu(a, b), c)),
                f"{name}: NTK factor != d/dc ABRelu({a}, {b})")
    return conclude(method="exact (SymPy)", error=0, tolerance=None,
                    details="relu = ABRelu(0, 1), abs = ABRelu(-1, 1), leaky_relu(1/10) = "
                            "ABRelu(1/10, 1): dual and NTK factor",
                    formula=sp.Eq(sp.Symbol("k_{a,b}"), abrelu(*sp.symbols("a b"))))
