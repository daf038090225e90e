"""The dual of erf(b x) is Williams' kernel (2/pi) asin(2 b^2 c / sqrt((1 + 2 b^2 q1)(1 + 2 b^2
q2))), and its NTK factor is the c-derivative 4 b^2 / (pi sqrt((1 + 2 b^2 q1)(1 + 2 b^2 q2) - 4
b^4 c^2)), for b = 1, 1/2, 3, 7/5 and symbolic b > 0.

Source: Williams, "Computing with infinite networks", NIPS 1997.

Method: exact, with SymPy. For numeric b the dual comes from ntksym's derivation engine (Price's
theorem with a one-dimensional integral); for a symbolic b > 0 from the same engine on erf(x)
with the variances rescaled (erf(b u) with u ~ N(0, q) is erf(u') with u' ~ N(0, b^2 q)). Each
difference with Williams' formula simplifies to 0.
"""
import sympy as sp

import ntksym as nk
from ntksym.core.symbols import c, q1, q2
from ntksym.proving import conclude, require
from ntksym.proving.tools import is_exactly_zero


def williams(b):
    return 2 / sp.pi * sp.asin(2 * b**2 * c / sp.sqrt((1 + 2 * b**2 * q1) * (1 + 2 * b**2 * q2)))


def prove():
    checked = []
    for b in (1, sp.Rational(1, 2), 3, sp.Rational(7, 5)):
        k = nk.dual("erf", b=b)
        require(is_exactly_zero(k.expr - williams(b)), f"b = {b}: dual != Williams' kernel")
        require(is_exactly_zero(k.ntk_factor - sp.diff(williams(b), c)),
                f"b = {b}: NTK factor != d/dc of Williams' kernel")
        checked.append(str(b))
    b = sp.Symbol("b", positive=True)
    k1 = nk.dual("erf")
    scaled = k1.expr.subs({q1: b**2 * q1, q2: b**2 * q2, c: b**2 * c}, simultaneous=True)
    require(is_exactly_zero(scaled - williams(b)), "symbolic b: dual != Williams' kernel")
    checked.append("b > 0 symbolic")
    return conclude(method=f"exact (SymPy), dual by {k1.method}", error=0, tolerance=None,
                    details="dual and NTK factor equal Williams' formula for b = "
                            + ", ".join(checked),
                    formula=sp.Eq(sp.Symbol("k_erf"), williams(b)))
