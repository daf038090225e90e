r"""Exact Gram matrices of polynomial networks, and their null vectors.

The Gram matrix of a polynomial network with exact parameters at exact points (ints, Fractions,
SymPy Rationals; floats are taken at their exact binary value) is a matrix over the parameters'
field (the rationals when the parameters are rational): :class:`PolynomialNetwork` evaluates the
recursion there entry by entry. Its rank and null vectors are then computed exactly.
"""
from __future__ import annotations

import math
import numbers
from fractions import Fraction

import sympy as sp
from sympy.polys.matrices import DomainMatrix

from ntksym.core.inputs import point_rows
from ntksym.theory.polyring import check_kind, polynomial_check, polynomial_network

__all__ = ["exact_number", "all_exact", "exact_points", "exact_gram_matrix", "exact_gram",
           "rational_null_vector", "null_vector"]


def exact_number(v):
    """A real number as an exact SymPy number: Fractions and ints as Rationals, floats at their
    exact binary value, irrational SymPy numbers as they are (nsimplified)."""
    if isinstance(v, bool):
        raise TypeError("inputs must be numbers, not bool")
    if isinstance(v, Fraction):
        return sp.Rational(v.numerator, v.denominator)
    if isinstance(v, numbers.Integral):
        return sp.Integer(int(v))
    if isinstance(v, sp.Basic):
        if not v.is_number or not v.is_real:
            raise TypeError(f"inputs must be real numbers, got {v!r}")
        return v if v.is_Rational else sp.nsimplify(v)
    if isinstance(v, numbers.Real):
        f = float(v)
        if not math.isfinite(f):
            raise ValueError("inputs contain NaN or infinity")
        fr = Fraction(f)   # the exact binary value
        return sp.Rational(fr.numerator, fr.denominator)
    raise TypeError(f"inputs must be real numbers, got {type(v).__name__}")


def all_exact(X):
    """Whether the points X are given exactly (ints, Fractions, SymPy Rationals; no floats)."""
    if hasattr(X, "dtype"):
        return X.dtype.kind in "iu"
    try:
        return all(isinstance(v, (numbers.Integral, Fraction)) or
                   (isinstance(v, sp.Basic) and v.is_Rational) for r in X for v in r)
    except TypeError:
        return False


def exact_points(X):
    """The rows of X (shape checked) as lists of exact SymPy numbers (:func:`exact_number`)."""
    return [[exact_number(v) for v in r] for r in point_rows(X)]


def exact_gram_matrix(pn, P, kind):
    """The Gram matrix as a DomainMatrix over pn.domain at exact points P."""
    dom = pn.domain
    n, d = len(P), len(P[0])
    conv = [[dom.convert(v) for v in r] for r in P]
    dd = dom.convert(d)

    def dot(u, v):
        total = dom.zero
        for a, b in zip(u, v):
            total += a * b
        return total
    rows = [[dom.zero] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            g = dot(conv[i], conv[j])
            nngp, ntk = pn.run(dot(conv[i], conv[i]) / dd, dot(conv[j], conv[j]) / dd, g, dd,
                               dom.one)
            rows[i][j] = rows[j][i] = ntk if kind == "ntk" else nngp
    return DomainMatrix(rows, (n, n), dom)


def _exact_gram_dm(net, X, kind):
    check_kind(kind)
    pn = polynomial_network(net)
    if pn is None:
        raise ValueError(f"exact Gram matrices need a polynomial activation; "
                         f"{net.activation.name}: {polynomial_check(net.activation).reason}")
    return exact_gram_matrix(pn, exact_points(X), kind)


def exact_gram(net, X, kind="ntk"):
    """The exact Gram matrix (a SymPy Matrix) of a polynomial network at exact points X."""
    return _exact_gram_dm(net, X, kind).to_Matrix()


def rational_null_vector(G):
    """An exact null vector of the DomainMatrix G (integers without common factor when it is
    rational), or None if G is nonsingular."""
    ns = G.to_field().nullspace()
    if ns.shape[0] == 0:
        return None
    row = ns.to_Matrix()[0, :]        # exact domain elements as SymPy numbers (never
    vals = list(row)                   # nsimplify: it turns large rationals into radicals)
    den = sp.ilcm(*[sp.fraction(v)[1] for v in vals if v.is_Rational] or [1])
    vals = [sp.expand(v * den) for v in vals]
    if all(v.is_Integer for v in vals):
        g = math.gcd(*[int(v) for v in vals])
        vals = [v / g for v in vals]
    return tuple(vals)


def null_vector(net, X, kind="ntk"):
    """An exact null vector v (G v = 0, v != 0) of the Gram matrix, or None if G is
    nonsingular. Polynomial activations only."""
    return rational_null_vector(_exact_gram_dm(net, X, kind))

