r"""The registry of named activation families and :func:`activation`, the lookup by name or string.

:data:`ACTIVATIONS` maps each name to a parametric :class:`Family`. Each family is written once as a
function returning its expression (special cases are parameter choices of a family, e.g.
``rectified_monomial`` of order 0 is the step), with an optional literature closed form of its
dual such as :func:`gelu_dual`. :func:`activation` builds an :class:`~ntksym.Activation` from a
registry name and parameters (validated here), from an expression string (parsed safely by
:mod:`ntksym.symbolic.parsing`), or from a SymPy expression.

Examples
========

>>> import ntksym as nk
>>> nk.activation("relu").expr
Max(0, x)
>>> nk.activation("leaky_relu", alpha=0.1).params
{'alpha': 1/10}
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable

import sympy as sp

from ntksym.core.symbols import x
from ntksym.symbolic.activations import LITERATURE_DUALS, Activation
from ntksym.symbolic.parsing import parse_activation

__all__ = ["activation", "ACTIVATIONS", "Family", "gelu_dual"]


# --------------------------------------------------------------------------------------------
# Parameter validation
# --------------------------------------------------------------------------------------------

def _exact(value, name):
    """An exact SymPy number for a user parameter (floats become exact decimals)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, sp.Basic)):
        raise TypeError(f"parameter {name!r} must be a real number, got {type(value).__name__}")
    if isinstance(value, sp.Basic):
        if not (value.is_number and value.is_real):
            raise TypeError(f"parameter {name!r} must be a real number, got {value!r}")
        if not value.is_finite:
            raise ValueError(f"parameter {name!r} must be finite, got {value}")
        return value
    if isinstance(value, numbers.Integral):
        return sp.Integer(int(value))
    if not math.isfinite(float(value)):
        raise ValueError(f"parameter {name!r} must be finite, got {value}")
    return sp.Rational(repr(float(value)))


def _order(value, name, lo=0, hi=32):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise TypeError(f"parameter {name!r} must be an integer, got {value!r}")
    if not lo <= int(value) <= hi:
        raise ValueError(f"parameter {name!r} must be an integer in [{lo}, {hi}], got {value}")
    return int(value)


# --------------------------------------------------------------------------------------------
# Families
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Family:
    """A named parametric family: ``build(**params)`` returns its expression in x."""

    name: str
    build: Callable
    defaults: dict
    doc: str
    dual_table: Callable | None = None


ACTIVATIONS: dict[str, Family] = {}


def _register(name, doc, dual_table=None, **defaults):
    def deco(build):
        ACTIVATIONS[name] = Family(name, build, defaults, doc, dual_table)
        return build
    return deco


def gelu_dual(q1, q2, c):
    """E[GELU(u) GELU(v)] for GELU(x) = x Phi(x), at general variances.

    Tsuchida, Pearce, van der Heide, Roosta, Gallagher, "Avoiding kernel fixed points: computing
    with ELU and GELU infinite networks" (https://arxiv.org/abs/2002.08517); the same form is in
    neural-tangents' ``Gelu``. With D = sqrt((1 + q1)(1 + q2) - c^2):
    c/4 + [c atan2(c, D) + (c^2 + q1 q2 D^2) / ((1 + q1)(1 + q2) D)] / (2 pi).
    """
    a = (1 + q1) * (1 + q2)
    d = sp.sqrt(a - c**2)
    return c / 4 + (c * sp.atan2(c, d) + (c**2 + q1 * q2 * d**2) / (a * d)) / (2 * sp.pi)


@_register("identity", "phi(x) = x")
def _identity():
    return x


@_register("relu", "phi(x) = max(0, x)")
def _relu():
    return sp.Max(0, x)


@_register("leaky_relu", "phi(x) = x for x >= 0 and alpha*x for x < 0", alpha=sp.Rational(1, 100))
def _leaky_relu(alpha):
    return sp.Piecewise((alpha * x, x < 0), (x, True))


@_register("abs", "phi(x) = |x|")
def _abs():
    return sp.Abs(x)


@_register("step", "phi(x) = 1 for x > 0, else 0 (Heaviside with H(0) = 0)")
def _step():
    return sp.Heaviside(x, 0)


@_register("sign", "phi(x) = sign(x), with sign(0) = 0")
def _sign():
    return sp.sign(x)


@_register("rectified_monomial", "phi(x) = max(0, x)**n (arc-cosine kernel of order n)", n=1)
def _rectified_monomial(n):
    # order 0 is the step 1[x > 0] (Cho & Saul), not max(0, x)**0 == 1
    return sp.Max(0, x) ** n if n else sp.Heaviside(x, 0)


@_register("erf", "phi(x) = erf(b*x)", b=1)
def _erf(b):
    return sp.erf(b * x)


@_register("tanh", "phi(x) = tanh(x)")
def _tanh():
    return sp.tanh(x)


@_register("sigmoid", "phi(x) = 1 / (1 + exp(-x))")
def _sigmoid():
    return 1 / (1 + sp.exp(-x))


@_register("softplus", "phi(x) = log(1 + exp(x))")
def _softplus():
    return sp.log(1 + sp.exp(x))


@_register("gelu", "phi(x) = x * Phi(x) = x * (1 + erf(x / sqrt(2))) / 2 (exact, not tanh form)",
           dual_table=gelu_dual)
def _gelu():
    return x * (1 + sp.erf(x / sp.sqrt(2))) / 2


@_register("silu", "phi(x) = x / (1 + exp(-x)) (swish with beta = 1)")
def _silu():
    return x / (1 + sp.exp(-x))


@_register("elu", "phi(x) = x for x >= 0 and alpha*(exp(x) - 1) for x < 0", alpha=1)
def _elu(alpha):
    return sp.Piecewise((alpha * (sp.exp(x) - 1), x < 0), (x, True))


@_register("sin", "phi(x) = sin(b*x + a)", b=1, a=0)
def _sin(b, a):
    return sp.sin(b * x + a)


@_register("cos", "phi(x) = cos(b*x + a)", b=1, a=0)
def _cos(b, a):
    return sp.cos(b * x + a)


@_register("exp", "phi(x) = exp(b*x)", b=1)
def _exp(b):
    return sp.exp(b * x)


@_register("gaussian", "phi(x) = exp(-x**2 / 2)")
def _gaussian():
    return sp.exp(-x**2 / 2)


@_register("monomial", "phi(x) = x**n", n=1)
def _monomial(n):
    return x**n


@_register("hermite", "phi(x) = He_n(x) / sqrt(n!), the normalised probabilists' Hermite "
           "polynomial", n=1)
def _hermite(n):
    return sp.expand(sp.hermite_prob_poly(n, x) / sp.sqrt(sp.factorial(n)))


@_register("polynomial", "phi(x) = sum_k coeffs[k] * x**k (coefficients in increasing degree)",
           coeffs=(0, 1))
def _polynomial(coeffs):
    return sum((co * x**k for k, co in enumerate(coeffs)), sp.Integer(0))


_ORDERS = {"n"}


def _validate_params(family, params):
    unknown = set(params) - set(family.defaults)
    if unknown:
        allowed = ", ".join(family.defaults) or "none"
        raise TypeError(
            f"unknown parameter(s) {', '.join(sorted(unknown))} for activation "
            f"{family.name!r}; allowed: {allowed}")
    values = {**family.defaults, **params}
    out = {}
    for key, value in values.items():
        if key in _ORDERS:
            out[key] = _order(value, key)
        elif key == "coeffs":
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                raise TypeError("parameter 'coeffs' must be a sequence of real numbers")
            value = tuple(value)
            if not value or len(value) > 33:
                raise ValueError("parameter 'coeffs' must hold between 1 and 33 coefficients")
            out[key] = tuple(_exact(v, f"coeffs[{i}]") for i, v in enumerate(value))
        else:
            out[key] = _exact(value, key)
    if family.name == "erf" and out["b"] == 0:
        raise ValueError("parameter 'b' of erf must be nonzero (erf(0*x) is identically 0)")
    return out


def activation(spec, **params):
    """An :class:`Activation` from a registry name, an expression string, or an Activation.

    Args:
        spec: a registry name (see :data:`ACTIVATIONS`), a string such as ``"x**3 - 2*x"``
            (parsed safely by a whitelist, never evaluated), a SymPy expression, or an
            :class:`Activation` (returned unchanged).
        **params: parameters of a registry family, e.g. ``alpha=0.1`` for ``leaky_relu``.

    Raises:
        TypeError: unknown or ill-typed parameters, or a spec of the wrong type.
        ValueError: unknown names, unsafe or malformed strings, non-finite parameters,
            divergent Gaussian moments.
    """
    if isinstance(spec, Activation):
        if params:
            raise TypeError("parameters can only be given with a registry name")
        return spec
    if isinstance(spec, sp.Expr):
        if params:
            raise TypeError("parameters can only be given with a registry name")
        return Activation(spec)
    if not isinstance(spec, str):
        raise TypeError(
            f"activation must be a registry name, an expression string, a SymPy expression or "
            f"an Activation, got {type(spec).__name__}")
    key = spec.strip()
    if key.lower() in ACTIVATIONS:
        family = ACTIVATIONS[key.lower()]
        values = _validate_params(family, params)
        expr = family.build(**values)
        shown = {k: v for k, v in values.items() if family.defaults.get(k) != v or k == "n"}
        return Activation(expr, name=family.name, params=shown, dual_table=family.dual_table)
    if params:
        raise TypeError(
            f"parameters {', '.join(sorted(params))} given, but {spec!r} is not a registry name; "
            f"registry names: {', '.join(ACTIVATIONS)}")
    if key.isidentifier() and key.lower() not in ("x",):
        raise ValueError(
            f"unknown activation {spec!r}; use one of: {', '.join(ACTIVATIONS)}, or an "
            "expression string in x such as 'x**3 - 2*x'")
    return Activation(parse_activation(spec), name=key)


for _family in ACTIVATIONS.values():  # Activation(expr) of such an expression gets the form too
    if _family.dual_table is not None and not _family.defaults:
        LITERATURE_DUALS[_family.build()] = _family.dual_table
