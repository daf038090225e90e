"""Argument validation shared by the float64 and mpmath quadrature paths."""
import numpy as np

from ntksym.backends.quadrature.rule import N_DEFAULT

__all__ = ["check_callable", "as_array", "as_breaks", "check_n"]


def check_callable(f, name):
    if not callable(f):
        raise TypeError(f"{name} must be callable, got {type(f).__name__}")


def as_array(value, name):
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a real number or an array of them, got {value!r}") from exc
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf), got {value!r}")
    return arr


def as_breaks(breaks, name):
    try:
        arr = np.asarray(tuple(breaks) if not np.isscalar(breaks) else (breaks,),
                         dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a sequence of real numbers, got {breaks!r}") from exc
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {breaks!r}")
    arr = np.unique(arr)
    return arr[arr != 0.0]          # 0 is always a special point, handled separately


def check_n(n):
    if n is None:
        return N_DEFAULT
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n (Gauss-Legendre nodes per panel) must be an integer >= 2, got {n!r}")
    return int(n)
