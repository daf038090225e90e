"""phi and phi' of a finite network as float64 numpy functions, with fast paths for ReLU-like phi."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ntksym.backends.numeric import activation_function
from ntksym.symbolic.activations import abrelu_form

__all__ = ["activation_functions", "piecewise_linear_coefficients", "piecewise_linear",
           "relu_slope"]


def activation_functions(net, need_derivative):
    """(phi, phi') as float64 numpy functions (phi' None unless ``need_derivative``)."""
    return _functions_of(net.activation, need_derivative)


@lru_cache(maxsize=64)
def _functions_of(act, need_derivative):
    fast = piecewise_linear(act)
    phi = fast[0] if fast else activation_function(act)
    if not need_derivative:
        return phi, None
    if act.has_dirac or (act.is_symbolic and act.derivative().has_dirac):
        raise ValueError(
            f"the empirical NTK of {act.name!r} is undefined: its derivative contains a Dirac "
            "delta (a jump in phi), so the gradients are zero almost everywhere and infinite at "
            "the jump; use empirical_nngp for its NNGP, or a smooth activation")
    return phi, fast[1] if fast else activation_function(act.derivative())


def piecewise_linear_coefficients(act):
    """(c, a, b) as floats when phi = c + a min(x, 0) + b max(x, 0), else None.

    Recognised from the activation's structure (:func:`~ntksym.symbolic.activations.abrelu_form`),
    not its name.
    """
    form = abrelu_form(act)
    if form is None:
        return None
    return float(form.offset), float(form.a), float(form.b)


def piecewise_linear(act):
    """Fast (phi, phi') for continuous c + a min(x, 0) + b max(x, 0) (ReLU, leaky ReLU, |x|).

    phi'(0) is the left slope a, the convention H(0) = 0 of :meth:`~ntksym.Activation.derivative`.
    """
    coefficients = piecewise_linear_coefficients(act)
    if coefficients is None:
        return None
    c0, a, b = coefficients

    def phi(t):
        out = np.maximum(t, 0.0)
        if b != 1.0:
            out *= b
        if a != 0.0:
            out += a * np.minimum(t, 0.0)
        if c0 != 0.0:
            out += c0
        return out

    def dphi(t):
        if a == 0.0:
            out = np.greater(t, 0.0).astype(float)
            return out if b == 1.0 else out * b
        return np.where(t > 0.0, b, a)

    return phi, dphi


@lru_cache(maxsize=64)
def relu_slope(act):
    """b when phi(x) = b max(x, 0) with b > 0 (ReLU), else None.

    Then phi can be applied in place, phi(h) > 0 exactly when h > 0 (b h > 0 for every normal
    h > 0), so phi'(h) = b [phi(h) > 0] and the backward pass needs phi(h) only, not h.
    """
    coefficients = piecewise_linear_coefficients(act)
    if coefficients is None or coefficients[:2] != (0.0, 0.0) or not coefficients[2] > 0:
        return None
    return coefficients[2]
