r"""Rigorous interval enclosures of a network's Gram matrices, layer by layer.

:func:`interval_gram` runs the NNGP/NTK recursion (:mod:`ntksym.core.recursion`) in
interval arithmetic (python-flint arb balls) on a closed-form dual compiled by :func:`dual_program`. The first layer
is computed exactly in rationals when the points and the parameters are rational (floats are
exact binary rationals); the slack S = q1 q2 - c^2 >= 0 of every pair is carried along, so that
square roots of it never see an enclosure that dips below zero (see
:mod:`ntksym.backends.intervals.dual`).

Boundary points. At a zero variance the closed forms can be undefined (relu: atan2(0, 0)). There
:func:`~ntksym.backends.intervals.iv_atan2` returns the hull of all its limit values ([0, pi] when
y >= 0). Because every other operation is continuous, the result contains every limit of the
expression at that point; for a continuous activation the dual is continuous on the closed
domain, so the result encloses the true value. For discontinuous activations (step, sign)
:func:`interval_gram` declines at zero variance.

Examples
========

>>> import mpmath
>>> import ntksym as nk
>>> from ntksym.backends.intervals import arb, working_precision, lower, upper
>>> prog = dual_program(nk.dual("relu").expr)
>>> prog.expr                                  # the slack S = q1*q2 - c**2 replaces -c**2 + q1*q2
sqrt(S)/(2*pi) - c*atan2(sqrt(S), c)/(2*pi) + c/2
>>> with working_precision(30):                # k(1, 1, 0) = 1/(2 pi) for ReLU
...     v = prog(arb(1), arb(1), arb(0), arb(1))
>>> with mpmath.workdps(50):
...     print(lower(v) <= 1 / (2 * mpmath.pi) <= upper(v), upper(v) - lower(v) < 1e-29)
True True
"""
from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp

from ntksym.backends.intervals import (IntervalProgram, Unsupported, arb, exact_points,
                                       iv_from_fraction, iv_number, nonneg, slack_program,
                                       working_precision)
from ntksym.core.recursion import affine, input_layer, layer_update
from ntksym.symbolic.gaussian import GaussianExpectation

__all__ = ["dual_program", "IntervalGram", "distinct_points", "interval_gram"]


def dual_program(expr):
    """An :class:`~ntksym.backends.intervals.IntervalProgram` for a dual (or NTK factor) in
    the variables q1, q2, c, S.

    S must be given as an enclosure of q1*q2 - c**2 within [0, oo) (0 on the diagonal).

    Raises:
        Unsupported: the kernel has no closed form (a quadrature-only
            :class:`~ntksym.symbolic.gaussian.GaussianExpectation`), or contains operations the
            evaluator cannot enclose.
    """
    e = sp.sympify(expr)
    if e.has(GaussianExpectation):
        raise Unsupported("the kernel has no closed form (quadrature only); no rigorous "
                          "enclosure is available")
    return slack_program(e)


class IntervalGram:
    """Interval enclosures of a network's Gram matrices, layer by layer.

    Attributes:
        nngp, ntk: n x n lists of arb balls (``ntk`` is None unless requested).
        sigma: per layer l = 1..L, the m x m enclosures of Sigma^l on the distinct points.
        kdiag, kdot_diag: per layer l = 1..L, k(q_i, q_i, q_i) and E[phi'(u)^2] at the
            variances q_i of Sigma^l (distinct points; ``kdot_diag`` None unless requested).
        rep: rep[i] is the index of point i among the distinct points.
        exact_first_layer: True when Sigma^1 (and S) were computed exactly in rationals.
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)


def distinct_points(X):
    """(points as exact tuples, rep, unique) where rep[i] indexes the distinct points."""
    P = exact_points(X)
    seen, rep, unique = {}, [], []
    for p in P:
        key = tuple(v if isinstance(v, Fraction) else sp.nsimplify(v) for v in p)
        if key not in seen:
            seen[key] = len(unique)
            unique.append(p)
        rep.append(seen[key])
    return P, rep, unique


def _scale(v):
    """(Fraction or None, interval) for a network parameter (a SymPy number)."""
    v = sp.sympify(v)
    if v.is_Rational:
        fr = Fraction(int(v.p), int(v.q))
        return fr, iv_from_fraction(fr)
    return None, IntervalProgram(v, ())()


def interval_gram(net, X, dps=30, ntk=True, ntk_offdiag=True):
    """Enclose the NNGP (and NTK) Gram matrices of ``net`` on the points X rigorously.

    Args:
        net: an :class:`~ntksym.MLP` with numeric parameters and a closed-form dual.
        X: points, shape (n, d): ints, Fractions, SymPy numbers, decimal strings or floats
            (each float is converted exactly).
        dps: working precision (decimal digits) of the interval arithmetic.
        ntk: also enclose the NTK; ``ntk_offdiag=False`` keeps only what the Hermite bound needs
            (the NTK factor on the diagonal) and leaves ``ntk`` None.

    Raises:
        Unsupported: the dual has no closed form, or contains operations the evaluator cannot
            enclose, or the NTK factor is degenerate (step, sign), or a zero variance occurs
            with a discontinuous activation.
    """
    if net.is_symbolic:
        raise Unsupported("W_std and b_std must be numbers")
    k = net.dual
    kprog = dual_program(k.expr)
    kdprog = None
    if ntk:
        if k.ntk_factor is None:
            raise Unsupported("the NTK factor E[phi'(u) phi'(v)] is unknown")
        if k.ntk_degenerate:
            raise Unsupported(f"the NTK factor of {net.activation.name} contains a Dirac delta: "
                              "E[phi'(u)^2] is infinite on the diagonal, so the NTK is not "
                              "a finite matrix")
        kdprog = dual_program(k.ntk_factor)
    act = net.activation
    discontinuous = act.is_symbolic and act.derivative().has_dirac
    P, rep, U = distinct_points(X)
    n, m, d = len(P), len(U), len(P[0])
    standard = net.parameterization == "standard"
    with working_precision(dps):
        w2f, w2 = _scale(net.W_std**2)
        b2f, b2 = _scale(net.b_std**2)
        zero = arb(0)
        exact = w2f is not None and b2f is not None and \
            all(isinstance(v, Fraction) for p in U for v in p)
        sig = [[None] * m for _ in range(m)]
        slack = [[None] * m for _ in range(m)]
        th = [[None] * m for _ in range(m)] if ntk and ntk_offdiag else None
        if exact:
            # integers: Sigma^1_ij = A_ij / E exactly, slack = (A_ii A_jj - A_ij^2) / E^2
            D = math.lcm(*(v.denominator for p in U for v in p))
            N = [[v.numerator * (D // v.denominator) for v in p] for p in U]
            E = w2f.denominator * b2f.denominator * D * D * d
            wa = w2f.numerator * b2f.denominator
            ba = b2f.numerator * w2f.denominator * D * D * d
            A = [[0] * m for _ in range(m)]
            dots = [[0] * m for _ in range(m)]
            for i in range(m):
                for j in range(i, m):
                    g = sum(a * b for a, b in zip(N[i], N[j]))
                    dots[i][j] = dots[j][i] = g
                    A[i][j] = A[j][i] = wa * g + ba
            for i in range(m):
                for j in range(i, m):
                    sig[i][j] = sig[j][i] = iv_from_fraction(Fraction(A[i][j], E))
                    slack[i][j] = slack[j][i] = zero if i == j else \
                        iv_from_fraction(Fraction(A[i][i] * A[j][j] - A[i][j] ** 2, E * E))
                    if th is not None:
                        t = sig[i][j] if not standard else iv_from_fraction(Fraction(dots[i][j] + D * D, D * D))
                        th[i][j] = th[j][i] = t
        else:
            vals = [[iv_number(v) for v in p] for p in U]
            for i in range(m):
                for j in range(i, m):
                    g = zero
                    for a, b in zip(vals[i], vals[j]):
                        g = g + (a * a if i == j else a * b)
                    s12, t12 = input_layer(g, w2, b2, d, standard)
                    sig[i][j] = sig[j][i] = s12
                    if th is not None:
                        th[i][j] = th[j][i] = t12
            for i in range(m):
                for j in range(i, m):
                    slack[i][j] = slack[j][i] = zero if i == j else \
                        nonneg(sig[i][i] * sig[j][j] - sig[i][j] ** 2)
        sigmas, kdiags, kddiags = [], [], []
        for _layer in range(net.depth):
            q = [sig[i][i] for i in range(m)]
            if discontinuous and any(not t > 0 for t in q):
                raise Unsupported(f"a variance may vanish and {act.name} is discontinuous: "
                                  "its dual is not continuous there")
            sigmas.append(sig)
            K = [[None] * m for _ in range(m)]
            KD = [[None] * m for _ in range(m)] if th is not None else None
            kd_diag = [] if kdprog is not None else None
            for i in range(m):
                K[i][i] = kprog(q[i], q[i], q[i], zero)
                if kdprog is not None:
                    kd_diag.append(kdprog(q[i], q[i], q[i], zero))
                    if KD is not None:
                        KD[i][i] = kd_diag[i]
                for j in range(i + 1, m):
                    K[i][j] = K[j][i] = kprog(q[i], q[j], sig[i][j], slack[i][j])
                    if KD is not None:
                        KD[i][j] = KD[j][i] = kdprog(q[i], q[j], sig[i][j], slack[i][j])
            kdiags.append([K[i][i] for i in range(m)])
            kddiags.append(kd_diag)
            new = [[None] * m for _ in range(m)]
            nth = [[None] * m for _ in range(m)] if th is not None else None
            for i in range(m):
                for j in range(i, m):
                    if th is None:
                        new[i][j] = new[j][i] = affine(K[i][j], w2, b2)
                    else:
                        s, t = layer_update(th[i][j], K[i][j], KD[i][j], w2, b2, standard,
                                            net.width)
                        new[i][j] = new[j][i] = s
                        nth[i][j] = nth[j][i] = t
            th = nth
            nslack = [[None] * m for _ in range(m)]
            for i in range(m):
                new[i][i] = nonneg(new[i][i])
            for i in range(m):
                nslack[i][i] = zero
                for j in range(i + 1, m):
                    p = nonneg(new[i][i] * new[j][j])
                    cij = new[i][j]
                    # clip to |c| <= sqrt(q1 q2) (optional for rigour: both are enclosures)
                    c2 = cij * cij
                    if not c2 < p:
                        bound = p.sqrt().upper()
                        cij = cij.intersection((-bound).union(bound))
                        new[i][j] = new[j][i] = cij
                        c2 = cij * cij
                    nslack[i][j] = nslack[j][i] = nonneg(p - c2)
            sig, slack = new, nslack
        nngp = [[sig[rep[i]][rep[j]] for j in range(n)] for i in range(n)]
        ntkm = [[th[rep[i]][rep[j]] for j in range(n)] for i in range(n)] \
            if th is not None else None
    return IntervalGram(nngp=nngp, ntk=ntkm, sigma=sigmas, kdiag=kdiags, kdot_diag=kddiags,
                        rep=rep, points=P, distinct=U, exact_first_layer=exact, dps=dps,
                        kernel=kprog, w2=w2, b2=b2)
