r"""The NNGP/NTK layer recursion, written once for every number type.

With the conventions of neural-tangents (``stax.serial(Dense, phi, ..., Dense)``)::

    Sigma^1 = w^2 <x, x'>/d + b^2               Theta^1 = Sigma^1        ("ntk")
                                                Theta^1 = <x, x'> + 1    ("standard")
    Sigma^{l+1} = w^2 k + b^2                   k    = E[phi(u) phi(v)]
    dotSigma^{l+1} = w^2 kdot                   kdot = E[phi'(u) phi'(v)]
    Theta^{l+1} = Theta^l dotSigma^{l+1} + Sigma^{l+1}              ("ntk")
    Theta^{l+1} = width k + 1 + dotSigma^{l+1} Theta^l               ("standard")

The functions below are plain arithmetic, so the same source serves SymPy expressions, float64
scalars and arrays, mpmath numbers, arb balls and (compiled by numba, see
:mod:`ntksym.gram.compiled.recursion`) the fused float64 kernels. ``standard`` is a bool and
``width`` the hidden width of the standard parameterization (ignored otherwise).
"""
from __future__ import annotations

__all__ = ["input_layer", "affine", "ntk_step", "layer_update"]


def affine(k, w2, b2):
    """``w2 * k + b2`` (Sigma from a dual value), without a factor 1 or a term 0.

    Skipping the trivial operations changes no float (they are exact) and keeps SymPy's
    unevaluated expressions free of ``1*`` and ``+ 0``.
    """
    s = k if w2 == 1 else w2 * k
    return s if b2 == 0 else s + b2


def input_layer(dot, w2, b2, d, standard):
    """``(Sigma^1, Theta^1)`` of a pair of inputs from their dot product ``<x, x'>``."""
    s = dot / d if w2 == 1 else w2 * dot / d      # (w2 <x, x'>) / d, as every path rounds it
    sigma = s if b2 == 0 else s + b2
    theta = dot + 1 if standard else sigma
    return sigma, theta


def ntk_step(theta, k, sigma, sigma_dot, standard, width):
    """``Theta^{l+1}`` from ``Theta^l``, the dual value ``k``, ``Sigma^{l+1}`` and ``dotSigma^{l+1}``."""
    if standard:
        return width * k + 1 + sigma_dot * theta
    return theta * sigma_dot + sigma


def layer_update(theta, k, kdot, w2, b2, standard, width):
    """``(Sigma^{l+1}, Theta^{l+1})`` from ``Theta^l`` and the dual values ``k`` and ``kdot``."""
    sigma = affine(k, w2, b2)
    return sigma, ntk_step(theta, k, sigma, kdot if w2 == 1 else w2 * kdot, standard, width)
