"""For every registered activation phi, the dual of phi' is the c-derivative of the dual of phi
(Price's theorem: d/dc E[phi(u) phi(v)] = E[phi'(u) phi'(v)]).

Source: Price, "A useful theorem for nonlinear devices having Gaussian inputs", IRE Trans.
Inform. Theory 1958; in NTK form, Jacot, Gabriel & Hongler 2018 (arXiv:1806.07572).

Method: E[phi' phi'] is always obtained independently of the NTK factor of phi.
Exact: where ntksym derives the dual of phi' (``nk.dual(phi.derivative())``) as a closed form,
d/dc k_phi - k_phi' simplifies to 0 (SymPy). Where phi' is a Dirac delta a*delta (step, sign),
E[a delta(u) a delta(v)] is a^2 times the Gaussian density at the origin,
1/(2 pi sqrt(q1 q2 - c^2)) (exact). Otherwise (no closed form of k_phi or of k_phi': tanh,
sigmoid, softplus, SiLU, ELU, GELU, whose phi' dual takes minutes to derive, and any activation
whose phi' dual cannot be derived) numerically: E[phi'(u) phi'(v)] by 2-D Gauss-Legendre
quadrature (float64) at 5 covariances against d/dc k_phi, differentiated symbolically when k_phi
is a closed form, else by a 4th-order central difference of k_phi's quadrature (h = 1e-3);
tolerance 1e-8 relative (the difference's truncation error is about h^4 |k^(5)| / 30).
"""
import numpy as np
import sympy as sp

import ntksym as nk
from ntksym.backends.numeric import activation_function
from ntksym.backends.quadrature import expect2
from ntksym.core.symbols import c, q1, q2, x
from ntksym.proving import conclude, require
from ntksym.proving.tools import is_exactly_zero

# The registry, with each parametrised family at a non-trivial parameter.
PARAMS = {"leaky_relu": dict(alpha=sp.Rational(1, 10)), "rectified_monomial": dict(n=2),
          "erf": dict(b=2), "sin": dict(b=2, a=sp.Rational(1, 3)),
          "cos": dict(b=sp.Rational(3, 2)), "exp": dict(b=sp.Rational(1, 2)),
          "monomial": dict(n=3), "hermite": dict(n=3),
          "polynomial": dict(coeffs=[sp.Rational(1, 2), -2, 0, 1]), "elu": dict(alpha=1)}
SLOW = {"gelu"}                     # the symbolic dual of phi' takes minutes: quadrature
POINTS = [(1.0, 1.0, 0.3), (0.5, 2.0, -0.6), (2.0, 1.5, 1.2), (1.0, 0.7, -0.05), (0.3, 0.4, 0.2)]
H = 1e-3
TOL = 1e-8


def dirac_weight(expr):
    """a if expr == a * DiracDelta(x) (a number), else None."""
    a = sp.simplify(expr / sp.DiracDelta(x))
    return a if a.is_number else None


def numeric_error(act, k):
    """max relative |d/dc k_phi - E[phi' phi']| over POINTS, E[phi' phi'] by 2-D quadrature."""
    d = act.derivative()
    f = activation_function(d)
    breaks = tuple(sorted(set(act.breakpoints) | set(d.breakpoints))) or (0.0,)
    a, b, cc = (np.array(v) for v in zip(*POINTS))
    ref = np.asarray(expect2(f, f, a, b, cc, breaks, breaks), dtype=float)
    if k.is_closed_form:
        dk = sp.lambdify((q1, q2, c), sp.diff(k.expr, c), "mpmath")
        deriv = np.array([float(dk(*p)) for p in POINTS])
    else:
        vals = [np.asarray(k(a, b, cc + s * H), dtype=float) for s in (-2, -1, 1, 2)]
        deriv = (vals[0] - 8 * vals[1] + 8 * vals[2] - vals[3]) / (12 * H)
    return float(np.max(np.abs(deriv - ref) / np.abs(ref)))


def prove():
    exact, dirac, numeric, declined = [], [], [], []
    worst = 0.0
    for name in sorted(nk.ACTIVATIONS):
        act = nk.activation(name, **PARAMS.get(name, {}))
        k = nk.dual(act)
        deriv = act.derivative()
        if deriv.has_dirac:
            a = dirac_weight(deriv.expr)
            require(a is not None, f"{name}: phi' = {deriv.expr} is not a multiple of delta(x)")
            density = 1 / (2 * sp.pi * sp.sqrt(q1 * q2 - c**2))
            require(is_exactly_zero(sp.diff(k.expr, c) - a**2 * density),
                    f"{name}: d/dc dual != {a**2} x the Gaussian density at 0")
            dirac.append(name)
            continue
        kd = None
        if name not in SLOW and k.is_closed_form:
            try:
                kd = nk.dual(deriv)
            except Exception as exc:         # the engine could not derive it: say so, go numeric
                declined.append(f"{name} ({type(exc).__name__})")
        if kd is not None and kd.is_closed_form:
            require(is_exactly_zero(sp.diff(k.expr, c) - kd.expr),
                    f"{name}: d/dc dual(phi) - dual(phi') != 0")
            exact.append(name)
            continue
        err = numeric_error(act, k)
        require(err <= TOL, f"{name}: |d/dc dual(phi) - E[phi' phi']| = {err:.2e} > {TOL:g}")
        worst = max(worst, err)
        numeric.append(name)
    require(len(exact) + len(dirac) + len(numeric) == len(nk.ACTIVATIONS),
            "an activation was skipped")
    note = f"; dual(phi') not derived: {', '.join(declined)}" if declined else ""
    return conclude(method="exact (SymPy) where both duals are closed forms; 2-D quadrature "
                    "otherwise", error=worst, tolerance=TOL,
                    details=f"exact: {', '.join(exact)}; Dirac delta: {', '.join(dirac)}; "
                            f"quadrature: {', '.join(numeric)}{note}")
