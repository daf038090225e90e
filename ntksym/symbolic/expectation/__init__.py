r"""Gaussian expectations E[f(u) g(v)], derived by rules and verified by quadrature.

For (u, v) ~ N(0, [[q1, c], [c, q2]]) the engine computes E[f(u) g(v)] as a SymPy expression in
:data:`ntksym.q1`, :data:`ntksym.q2`, :data:`ntksym.c`. The strategies run in this order, one
module each; each one either returns a result that has been checked against 2-D quadrature, or
declines:

1. :mod:`~ntksym.symbolic.expectation.wick` (method ``"hermite"``): f and g polynomials,
   Isserlis' theorem, confirmed exactly against the Mehler/Hermite series.
2. :mod:`~ntksym.symbolic.expectation.orthant` (method ``"price"``): f and g polynomial on each
   side of 0 (ReLU, leaky ReLU, |x|, step, sign, max(0,x)^n), through orthant moments.
3. :mod:`~ntksym.symbolic.expectation.square` (method ``"gaussian"``): sums of
   p(x) exp(beta x^2 + a x) (exp, sin, cos, gaussian), by completing the square.
4. :mod:`~ntksym.symbolic.expectation.price` (method ``"price"``): Price's theorem plus a
   one-dimensional integral in c, when E[f' g'] is derivable (erf).
5. :mod:`~ntksym.symbolic.expectation.table` (method ``"table"``): a literature closed form
   attached to the activation, re-verified each time.

:mod:`~ntksym.symbolic.expectation.driver` runs them (and splits sums by linearity when no strategy
handles the whole pair); :mod:`~ntksym.symbolic.expectation.mean` derives the means E[phi(u)];
:mod:`~ntksym.symbolic.expectation.base` holds the objects of a derivation. If nothing applies
the result is None, and :func:`ntksym.dual` falls back to quadrature.
"""
from ntksym.symbolic.expectation.base import Derivation, GaussianExpectation, Step, tidy
from ntksym.symbolic.expectation.driver import METHODS, STRATEGIES, derive_expectation
from ntksym.symbolic.expectation.mean import derive_mean
from ntksym.symbolic.expectation.orthant import orthant_moment
from ntksym.symbolic.expectation.wick import wick_moment

__all__ = ["GaussianExpectation", "Step", "Derivation", "derive_expectation", "derive_mean",
           "orthant_moment", "wick_moment", "METHODS", "STRATEGIES", "tidy"]
