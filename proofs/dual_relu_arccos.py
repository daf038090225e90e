"""The dual of max(0, x)^n derived by Price's theorem is Cho & Saul's arc-cosine kernel of order
n, for n = 0, 1, 2, 3 (n = 0: the step function), at general variances.

Source: Cho & Saul, "Kernel Methods for Deep Learning", NIPS 2009 (arc-cosine kernels,
k_n = (q1 q2)^{n/2} J_n(theta) / (2 pi)).

Method: exact, with SymPy. J_n(theta) = (-1)^n sin^{2n+1}(theta) ((1/sin theta) d/dtheta)^n
((pi - theta)/sin theta) is built symbolically; ntksym's dual (derived by Price's theorem and
orthant moments, never from this formula) is written in polar form, c = r cos(theta),
sqrt(q1 q2 - c^2) = r sin(theta), atan2(sqrt(q1 q2 - c^2), c) = theta (valid for theta in
[0, pi], r = sqrt(q1 q2) > 0), and the difference is simplified to 0.
"""
import sympy as sp

import ntksym as nk
from ntksym.core.symbols import c, q1, q2
from ntksym.proving import conclude, require
from ntksym.proving.tools import is_exactly_zero

THETA = sp.Symbol("theta", positive=True)
R = sp.Symbol("r", positive=True)


def cho_saul(n):
    """(q1 q2)^{n/2} J_n(theta) / (2 pi) with sqrt(q1 q2) = r."""
    f = (sp.pi - THETA) / sp.sin(THETA)
    for _ in range(n):
        f = sp.diff(f, THETA) / sp.sin(THETA)
    return R**n * (-1) ** n * sp.sin(THETA) ** (2 * n + 1) * f / (2 * sp.pi)


def polar(expr):
    """The dual in polar form: q2 = r^2/q1, c = r cos(theta), the angle atan2(.., c) = theta."""
    expr = expr.subs(q2, R**2 / q1)
    s = sp.sqrt(R**2 - c**2)

    def angle(a):
        require(a.args[1] == c and sp.simplify(a.args[0] - s) == 0,
                f"unexpected angle {a} in the dual")
        return THETA

    expr = expr.replace(lambda a: isinstance(a, sp.atan2), angle)
    return expr.subs(s, R * sp.sin(THETA)).subs(c, R * sp.cos(THETA))


def prove():
    methods = []
    for n in range(4):
        k = nk.dual("step") if n == 0 else nk.dual("rectified_monomial", n=n)
        methods.append(k.method)
        diff = polar(k.expr) - cho_saul(n)
        require(not diff.free_symbols - {THETA, R, q1}, f"order {n}: variables left over")
        require(is_exactly_zero(diff), f"order {n}: dual - arc-cosine kernel = {diff} != 0")
    return conclude(method=f"exact (SymPy), duals by {'/'.join(sorted(set(methods)))}",
                    error=0, tolerance=None,
                    details="dual - (q1 q2)^{n/2} J_n(theta)/(2 pi) simplifies to 0 for n = 0..3",
                    formula=sp.Eq(sp.Symbol("k_1"), sp.simplify(cho_saul(1))))
