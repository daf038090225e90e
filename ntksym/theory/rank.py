r"""Exact ranks of infinite-width NNGP and NTK Gram matrices: the public predictor.

:func:`predicted_rank` gives the exact rank of the Gram matrix of a network on given points, with
the argument in words (``explain=True``); :func:`generic_rank` the rank on generic points of R^d
as n -> infinity. The work is done by the modules below, which this one re-exports
(``ntksym.rank`` is this module).

Polynomial activations
======================

If phi is a polynomial of degree r, every kernel of the network is a polynomial
P(xx, yy, xy) in xx = |x|^2/d, yy = |x'|^2/d and xy = <x, x'>/d (degree <= r^L in x), built
exactly layer by layer (:mod:`ntksym.theory.polyring`). Its rank -- the dimension of its feature
space, which is the rank of the Gram matrix on n >= dim generic points, and min(n, dim) for n
generic points -- is counted with the harmonic decomposition of polynomials
(:mod:`ntksym.theory.harmonics`, :mod:`ntksym.theory.features`), certified by two cheap bounds
that meet: a rank modulo the prime 2^31 - 1 (:mod:`ntksym.theory.modp`) and the size of the
support of the feature space (:mod:`ntksym.theory.supports`). When they differ (exact
cancellations, an unlucky prime, irrational parameters) the kernel is built exactly over the
parameters' field instead, which takes minutes at degree 4^3 where the bounds take 0.5 s.

On special point sets (a sphere, a line, repeated points) the rank is computed exactly: the Gram
matrix of a polynomial network with exact parameters at exact points (ints, Fractions, SymPy
Rationals; floats are taken at their exact binary value) is a matrix of rationals
(:mod:`ntksym.theory.exact`), and its rank and null vectors are computed over Q (after a rank
modulo p that often settles it at once).

Non-polynomial activations
==========================

With b_std != 0 and phi continuous the NTK (and NNGP) Gram matrix is positive definite on
distinct points (Carvalho, Costa, Mourão, Oliveira, arXiv:2404.12928): the rank is the number of
distinct points. Otherwise the rank lost to structure -- homogeneity, parity, finite parts of phi
at depth 1, the bias gradients of the standard parameterization -- is predicted exactly
(:mod:`ntksym.theory.nonpolynomial`). For a jump (step, sign) the NTK does not exist and
predicted_rank raises ValueError. Where a rule cannot decide the rank is None and the reason says
why.

Examples
========

>>> import ntksym as nk
>>> from ntksym.rank import generic_rank, predicted_rank
>>> net = nk.MLP(depth=2, activation="x**3", W_std=1, b_std=0)
>>> generic_rank(net, d=3, kind="nngp")   # x^3 without bias: homogeneous of degree 9
55
>>> predicted_rank(nk.MLP(depth=1, activation="relu"), [[1, 0], [-1, 0], [0, 1], [0, -1],
...                                                     [3, 4], [-3, -4]])
5
"""
from __future__ import annotations

import math

from ntksym.theory.exact import (all_exact, exact_gram, exact_gram_matrix, exact_points,
                                 null_vector, rational_null_vector)
from ntksym.theory.features import (FeatureCount, feature_dimension, line_dimension,
                                    sphere_dimension)
from ntksym.theory.harmonics import harmonic_dimension
from ntksym.theory.modp import gram_rank_mod_p
from ntksym.theory.nonpolynomial import nonpolynomial_prediction, proportional
from ntksym.theory.polyring import (check_dimension, check_kind, kernel_polynomial,
                                    polynomial_check, polynomial_network)
from ntksym.theory.prediction import RankPrediction

__all__ = ["RankPrediction", "FeatureCount", "generic_rank", "feature_dimension",
           "predicted_rank", "exact_gram", "sphere_dimension", "line_dimension", "null_vector",
           "kernel_polynomial", "harmonic_dimension"]


def generic_rank(net, d, kind="ntk"):
    """The rank of the Gram matrix on generic points of R^d, as n -> infinity.

    For a polynomial activation this is the exact feature-space dimension (see
    :func:`feature_dimension`); n generic points give rank min(n, generic_rank). For a
    non-polynomial activation it is ``math.inf`` (with or without bias, generic points are
    pairwise distinct and non-proportional, so the Gram matrix is positive definite). The count
    is certified by a bound modulo a prime meeting a bound from supports (see the module
    docstring), so it costs well under a second even at degree 4^3.

    Raises:
        ValueError: for ``kind="ntk"`` when phi has a jump (the NTK does not exist), or when
            the activation cannot be decided to be a polynomial or not.
    """
    check_kind(kind)
    d = check_dimension(d)
    act = net.activation
    if kind == "ntk" and act.is_symbolic and act.derivative().has_dirac:
        raise ValueError(f"the NTK of {act.name} does not exist: phi' contains a Dirac delta, "
                         "infinite on the diagonal; use kind='nngp'")
    chk = polynomial_check(net.activation)
    if chk.is_polynomial:
        if chk.coefficients is None:
            raise ValueError("the activation is a polynomial only on evidence (a callable); its "
                             "exact coefficients are needed to count the feature space")
        return feature_dimension(net, d, kind).dimension
    if chk.is_polynomial is None:
        raise ValueError(f"cannot decide whether {net.activation.name} is a polynomial: "
                         f"{chk.reason}")
    return math.inf


def _special_bound(net, P, kind):
    """(rank bound, description) when all points lie on one sphere or one line, else None."""
    norms = {sum(a * a for a in p) for p in P}
    nonzero = [p for p in P if any(a != 0 for a in p)]
    if nonzero and all(proportional(nonzero[0], p) is not None for p in nonzero):
        return line_dimension(net, nonzero[0], kind), f"on the line through {nonzero[0]}"
    if len(norms) == 1 and len(P[0]) > 1:
        (r2,) = norms
        return (sphere_dimension(net, len(P[0]), r2, kind),
                f"on the sphere |x|^2 = {r2} in R^{len(P[0])}")
    return None


def _poly_prediction(net, pn, P, kind, want_null):
    n, d = len(P), len(P[0])
    distinct = len({tuple(p) for p in P})
    rank_p = gram_rank_mod_p(pn, P, kind)
    G = None
    fc = None
    if rank_p is not None and rank_p == distinct:
        rank, dim = rank_p, None          # rank mod p <= rank over Q <= number of distinct points
    else:
        fc = feature_dimension(net, d, kind)
        dim = fc.dimension
        bound = min(distinct, dim)
        special = _special_bound(net, P, kind)
        if special is not None:
            bound = min(bound, special[0])
        if rank_p == bound:
            rank = bound
        else:
            G = exact_gram_matrix(pn, P, kind)
            rank = G.to_field().rank()
    if rank < n and want_null:
        G = G if G is not None else exact_gram_matrix(pn, P, kind)
        nv = rational_null_vector(G)
    else:
        nv = None
    r = pn.r
    why = (f"{net.activation.name} is a polynomial of degree {r}; at depth {net.depth} the "
           f"{kind.upper()} is a polynomial kernel of degree <= {r}^{net.depth} in x. ")
    if fc is None:
        why += (f"The exact Gram matrix has full rank {rank} on the {n} distinct points "
                "(certified by its rank modulo a prime, a lower bound for the rank over Q)")
        method = "exact"
    else:
        degrees = ", ".join(f"l={l}: {rk} x N({d},{l})={N}"
                            for l, (rk, N) in fc.by_degree.items())
        why += (f"Its feature space has dimension {dim} = sum over harmonic degrees l of "
                f"rank(M^l) x N(d, l) ({degrees or 'none'}); {n} points ({distinct} distinct) "
                f"give rank <= min({distinct}, {dim}) = {min(distinct, dim)}. The exact Gram "
                f"matrix over Q has rank {rank}"
                + (" (the generic value)" if rank == min(distinct, dim) else
                   " (below the generic value: the points are special)"))
        if special is not None:
            why += (f". The points lie {special[1]}, where the kernel has rank {special[0]}"
                    + (f", and they attain it" if rank == special[0] else ""))
        method = "count" if rank == bound else "exact"
    if nv is not None:
        why += "; an exact rational null vector is attached"
    return RankPrediction(rank, why, n, dim, method, nv)


def predicted_rank(net, X, kind="ntk", explain=False):
    """The exact rank of the infinite-width Gram matrix of ``net`` on the rows of X.

    Args:
        net: an :class:`~ntksym.MLP` with numeric W_std, b_std.
        X: points, shape (n, d): nested lists of int, Fraction, SymPy Rational (exact) or float
            (taken at its exact binary value), or a numpy array.
        kind: ``"ntk"`` or ``"nngp"``.
        explain: if True, return a :class:`RankPrediction` with the reason (and, for singular
            polynomial Gram matrices, an exact rational null vector).

    Returns:
        the rank (int), or a :class:`RankPrediction`; ``None`` as rank where no rule applies
        (the reason says why).

    Raises:
        ValueError: for ``kind="ntk"`` when phi has a jump (step, sign): phi' contains a Dirac
            delta, the NTK is infinite on the diagonal and its Gram matrix has no rank. Also for
            a bad ``kind``, symbolic parameters or a ragged X.
    """
    check_kind(kind)
    if net.is_symbolic:
        raise ValueError("predicted_rank needs numeric W_std and b_std")
    exact_inputs = all_exact(X)
    P = exact_points(X)
    chk = polynomial_check(net.activation)
    if chk.is_polynomial and chk.coefficients is not None:
        pred = _poly_prediction(net, polynomial_network(net), P, kind,
                                want_null=explain and (exact_inputs or len(P) <= 12))
    elif chk.is_polynomial is False:
        pred = nonpolynomial_prediction(net, P, kind)
    else:
        pred = RankPrediction(None, f"cannot decide whether {net.activation.name} is a "
                              f"polynomial: {chk.reason}", len(P), None, "none")
    return pred if explain else pred.rank
