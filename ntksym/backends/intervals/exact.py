"""Exact rational values of real inputs: floats are binary rationals, strings exact decimals."""
from __future__ import annotations

import math
import numbers
from fractions import Fraction

import sympy as sp

from ntksym.core.inputs import point_rows

__all__ = ["exact_fraction", "exact_points"]


def exact_fraction(v):
    """The exact value of a real number as a Fraction, or None for an irrational SymPy number.

    Floats are exact binary rationals and are converted exactly (0.1 is
    3602879701896397/36028797018963968); strings are read as exact decimals or fractions.
    """
    if isinstance(v, bool):
        raise TypeError("inputs must be real numbers, got bool")
    if isinstance(v, Fraction):
        return v
    if isinstance(v, numbers.Integral):
        return Fraction(int(v))
    if isinstance(v, sp.Basic):
        if not (v.is_number and v.is_real):
            raise TypeError(f"inputs must be real numbers, got {v!r}")
        if v.is_Rational:
            return Fraction(int(v.p), int(v.q))
        if v.is_Float:
            r = sp.Rational(v)                      # exact: a Float is a binary number
            return Fraction(int(r.p), int(r.q))
        if not v.is_finite:
            raise ValueError(f"inputs must be finite, got {v}")
        return None
    if isinstance(v, str):
        try:
            return Fraction(v.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"cannot read {v!r} as a number") from None
    if isinstance(v, numbers.Real):
        f = float(v)
        if not math.isfinite(f):
            raise ValueError("inputs contain NaN or infinity")
        return Fraction(f)
    raise TypeError(f"inputs must be real numbers, got {type(v).__name__}")


def exact_points(X):
    """The rows of ``X`` as tuples of exact numbers: Fractions, or SymPy numbers if irrational.

    ``X`` is a 2-D array-like (numpy array, nested lists) of ints, floats (converted exactly),
    Fractions, SymPy numbers or decimal strings.

    Raises:
        TypeError, ValueError: not a 2-D array of real numbers (see :func:`exact_fraction`).
    """
    out = []
    for r in point_rows(X):
        row = []
        for v in r:
            fr = exact_fraction(v)
            row.append(fr if fr is not None else sp.sympify(v))
        out.append(tuple(row))
    return out
