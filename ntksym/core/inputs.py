"""Input conversion, written once: network inputs as float64 arrays or as rows of exact numbers.

Every entry point that takes points (``net.gram``, the mpmath and interval Grams, ranks,
certificates, empirical networks, verification) converts them here, so every one of them accepts
the same inputs and rejects bad ones with the same messages.
"""
from __future__ import annotations

import numpy as np

__all__ = ["point_rows", "float_points", "float_point_pair"]


def point_rows(X, name="X"):
    """The rows of a 2-D array-like (numpy array, nested lists) as Python lists, shape checked.

    The entries are left as given (floats, ints, Fractions, SymPy numbers, strings), for the exact
    and high-precision paths to convert as they need.

    Raises:
        TypeError: ``X`` is None or a scalar.
        ValueError: not 2-D, empty, or ragged.
    """
    if X is None:
        raise TypeError(f"{name} must be a 2-D array of shape (n, d), got None")
    if hasattr(X, "tolist"):
        X = X.tolist()
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be a 2-D array of shape (n, d), got a string")
    try:
        rows = [list(r) for r in X]
    except TypeError:
        raise ValueError(f"{name} must be a 2-D array of shape (n, d); use [[...]] for a single "
                         f"point") from None
    if not rows or not rows[0]:
        raise ValueError(f"{name} must have at least one row and one column")
    d = len(rows[0])
    if any(len(r) != d for r in rows):
        raise ValueError(f"{name} is not rectangular: its rows have different lengths")
    return rows


def float_points(X, name="X"):
    """``X`` as a C-contiguous float64 array of shape (n, d) with finite entries.

    Raises:
        TypeError: None, non-numeric or complex entries.
        ValueError: wrong number of dimensions, empty, ragged, NaN or infinity.
    """
    if X is None:
        raise TypeError(f"{name} must be a 2-D array of shape (n, d), got None")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} is not a rectangular array: {exc}") from None
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex values")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}") from None
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape (n, d), got shape {arr.shape}; "
                         f"use X.reshape(1, -1) for a single point")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must have at least one row and one column, got shape "
                         f"{arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity")
    return arr


def float_point_pair(X1, X2=None):
    """``(X1, X2)`` converted by :func:`float_points` (``X2`` may be None), with equal d."""
    A = float_points(X1, "X1")
    B = None if X2 is None else float_points(X2, "X2")
    if B is not None and A.shape[1] != B.shape[1]:
        raise ValueError(f"X1 and X2 must have the same number of columns (input dimension d), "
                         f"got {A.shape[1]} and {B.shape[1]}")
    return A, B
