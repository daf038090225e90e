"""float64 Gram matrices of a network's NNGP and NTK (numeric layer).

This is the plain reference implementation: one vectorised numpy pass per layer over the full
matrix, using the activation's dual kernel functions.
"""
from __future__ import annotations

import numpy as np

from .numeric import check_covariance  # noqa: F401  (re-exported for the engine)

__all__ = ["check_inputs", "gram_float64"]


def check_inputs(X1, X2=None):
    """Validate and convert network inputs to float64 arrays of shape (n, d).

    Raises:
        TypeError: non-numeric arrays.
        ValueError: wrong number of dimensions, empty arrays, NaN or infinity, mismatched d.
    """
    out = []
    for name, X in (("X1", X1), ("X2", X2)):
        if X is None:
            out.append(None)
            continue
        try:
            arr = np.asarray(X)
        except Exception as exc:  # ragged lists and the like
            raise ValueError(f"{name} is not a rectangular array: {exc}") from None
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                       or arr.dtype == bool):
            try:
                arr = arr.astype(float)
            except (TypeError, ValueError):
                raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}") from None
        if np.iscomplexobj(arr):
            raise TypeError(f"{name} must be real, got complex values")
        arr = arr.astype(float)
        if arr.ndim != 2:
            raise ValueError(f"{name} must be a 2-D array of shape (n, d), got shape "
                             f"{arr.shape}; use X.reshape(1, -1) for a single point")
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ValueError(f"{name} must have at least one row and one column, got shape "
                             f"{arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinity")
        out.append(arr)
    if out[1] is not None and out[0].shape[1] != out[1].shape[1]:
        raise ValueError(f"X1 and X2 must have the same number of columns (input dimension d), "
                         f"got {out[0].shape[1]} and {out[1].shape[1]}")
    return out[0], out[1]


def gram_float64(net, X1, X2=None):
    """(nngp, ntk) float64 Gram matrices of ``net`` on X1 x X2 (X2 None: X1 x X1, symmetric)."""
    X1, X2 = check_inputs(X1, X2)
    sym = X2 is None
    if sym:
        X2 = X1
    d = X1.shape[1]
    w2, b2 = float(net.W_std) ** 2, float(net.b_std) ** 2
    k = net.dual
    G = X1 @ X2.T
    n1 = np.einsum("ij,ij->i", X1, X1)
    n2 = n1 if sym else np.einsum("ij,ij->i", X2, X2)
    s12 = w2 * G / d + b2
    s11 = w2 * n1 / d + b2
    s22 = w2 * n2 / d + b2
    if sym:
        s12 = _symmetrize(s12)
        np.fill_diagonal(s12, s11)
    theta = s12.copy() if net.parameterization == "ntk" else G + 1.0
    for _ in range(net.depth):
        a, b = s11[:, None], s22[None, :]
        kab = k(a, b, s12)
        new12 = w2 * kab + b2
        dot = w2 * k.ntk(a, b, s12)
        if net.parameterization == "ntk":
            theta = theta * dot + new12
        else:
            theta = net.width * kab + 1.0 + dot * theta
        s11_new = w2 * k(s11, s11, s11) + b2
        s22 = s11_new if sym else w2 * k(s22, s22, s22) + b2
        s11 = s11_new
        s12 = new12
        if sym:
            s12 = _symmetrize(s12)
            theta = _symmetrize(theta)
            np.fill_diagonal(s12, s11)
    return s12, theta


def _symmetrize(A):
    """Copy the upper triangle onto the lower one so that A is exactly symmetric."""
    iu = np.triu_indices(A.shape[0], 1)
    A[(iu[1], iu[0])] = A[iu]
    return A
