r"""The closed-form float64 paths of the Gram engine: ``abrelu``, ``erf`` and ``generic``.

Chosen from the *structure* of the activation, never from its name (:func:`recognise`):

``abrelu``
    phi piecewise linear with phi(0) = 0, i.e. a*min(x, 0) + b*max(x, 0) (ReLU, leaky ReLU,
    |x|, identity). Written as phi = ao*x + ae*|x| with ao = (a + b)/2, ae = (b - a)/2, the dual is
    r*F(t) with r = sqrt(q1 q2), t the angle of the pair and
    F(t) = ao^2 cos t + ae^2 (2/pi)(sin t + (pi/2 - t) cos t). The recursion propagates the
    angle t itself, never c/sqrt(q1 q2): the next angle is atan2(sqrt(D'), c') with
    D' = q1' q2' - c'^2 = w^4 r^2 (m - F)(m + F) + w^2 b^2 (m (sqrt q1 - sqrt q2)^2 + 2 r (m - F)),
    m = ao^2 + ae^2, and m - F, m + F are evaluated with cancellation-free formulas (series of
    sin t - t cos t for small t). Identical inputs keep t = 0 exactly, at any depth.
``erf``
    phi = S erf(B x) (recognised from the SymPy expression). The kernel is smooth in c, so the
    covariance is propagated, with E = 1 + 2B^2(q1 + q2) + 4B^4 (q1 q2 - c^2) formed as a sum of
    nonnegative terms; k = S^2 (2/pi) atan2(2 B^2 c, sqrt E), E[phi' phi'] = S^2 4B^2/(pi sqrt E).
``generic``
    any other activation with a closed-form dual: the dual's own float64 functions ``net.dual``
    and ``net.dual.ntk``, tile by tile (``backend="generic"`` forces this path for every
    activation, with batched 2-D quadrature where there is no closed form).

The ``abrelu`` and ``erf`` recursions run fused over all layers per entry in the compiled kernels
of :mod:`ntksym.gram.compiled.closed_form` when numba is there, else in numpy tiles with the same
formulas (``np.arctan2`` instead of the compiled select-only arctangent); the tests check that
both agree.
"""
from __future__ import annotations

import math

import numpy as np

from ntksym.core.recursion import affine, ntk_step
from ntksym.gram.common import FLAG, HAVE_NUMBA, TILE, first_layer, root_prod
from ntksym.symbolic.activations import abrelu_form, erf_scale

if HAVE_NUMBA:
    from ntksym.gram.compiled import closed_form as compiled
else:  # pragma: no cover - numba missing
    compiled = None

__all__ = ["recognise", "chain", "roots", "run"]


def recognise(act):
    """``("abrelu", (ao2, ae2))``, ``("erf", (S2, B2))`` or ``("generic", None)``.

    Decided from the activation's structure (:func:`~ntksym.symbolic.activations.abrelu_form`
    and :func:`~ntksym.symbolic.activations.erf_scale`), never from its name.
    """
    form = abrelu_form(act)
    if form is not None and form.offset == 0:
        # products, not ** 2: a square beyond float64 becomes inf (caught by the range
        # check of the diagonal chains) instead of raising a bare OverflowError here
        a, b = float(form.a), float(form.b)
        ao, ae = (a + b) / 2, (b - a) / 2
        return "abrelu", (ao * ao, ae * ae)
    erf = erf_scale(act)
    if erf is not None:
        sc, eb = float(erf.scale), float(erf.b)
        return "erf", (sc * sc, eb * eb)
    return "generic", None


# --------------------------------------------------------------------------------------------
# shared math (numpy versions; the compiled kernels mirror them)
# --------------------------------------------------------------------------------------------

_H = np.array([(-1.0) ** (k + 1) * 2 * k / math.factorial(2 * k + 1) for k in range(1, 12)])


def _h(t, s, co):
    """sin t - t cos t, cancellation-free (series below t = 1)."""
    t2 = t * t
    p = np.full_like(t, _H[10])
    for k in range(9, -1, -1):
        p = p * t2 + _H[k]
    return np.where(t < 1.0, t * t2 * p, s - t * co)


def _one_minus_cos(s, co):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(co >= 0.0, s * s / (1.0 + co), 1.0 - co)


def _one_plus_cos(s, co):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(co <= 0.0, s * s / (1.0 - co), 1.0 + co)


def _abrelu_terms(t, s, co, ao2, ae2):
    g = (2.0 / math.pi) * (s + (math.pi / 2 - t) * co)
    low = t <= math.pi / 2
    tt = np.where(low, t, math.pi - t)
    cc = np.where(low, co, -co)
    omg = _one_minus_cos(s, cc) - (2.0 / math.pi) * _h(tt, s, cc)
    F = ao2 * co + ae2 * g
    mmF = ao2 * _one_minus_cos(s, co) + ae2 * omg
    mpF = ao2 * _one_plus_cos(s, co) + ae2 * (1.0 + g)
    return F, mmF, mpF


def chain(kind, params, net, q, w2, b2):
    """Sigma^l(x, x) for l = 1..L+1 (rows) from Sigma^1 = q."""
    L = net.depth
    Q = np.empty((L + 1, q.size))
    Q[0] = q
    for l in range(L):
        q = Q[l]
        if kind == "abrelu":
            ao2, ae2 = params
            z = np.zeros_like(q)
            F, _, _ = _abrelu_terms(z, z, np.ones_like(q), ao2, ae2)
            Q[l + 1] = affine(root_prod(q, q) * F, w2, b2)
        elif kind == "erf":
            S2, B2 = params
            sE = np.sqrt(1.0 + 2.0 * B2 * (q + q))
            Q[l + 1] = affine((S2 * 2.0 / math.pi) * np.arctan2(2.0 * B2 * q, sE), w2, b2)
        else:
            Q[l + 1] = affine(np.asarray(net.dual(q, q, q), dtype=float), w2, b2)
    return Q


def roots(Q):
    """sqrt(Q) and its reciprocal (0 where Q = 0), for the numba kernels."""
    S = np.sqrt(Q)
    with np.errstate(divide="ignore"):
        return S, np.where(S > 0, 1.0 / S, 0.0)


def _tile_numpy(kind, params, net, g, i, j, Q1, Q2, inp, kz):
    """NNGP and NTK of one tile (row indices i[:, None], column indices j[None, :])."""
    L = net.depth
    w2, b2, std, width = inp.w2, inp.b2, inp.standard, inp.width
    # identical inputs (dup) follow the diagonal's chain
    c, t, s, co, th, dup = first_layer(g, i, j, Q1, Q2, inp)
    if kind == "erf":
        S2, B2 = params
        rr = root_prod(Q1[0][i], Q2[0][j])
        D = (rr * s) ** 2
    par = _parallel_pairs(net, t, b2) if kind == "generic" else None
    for l in range(L):
        q1, q2 = Q1[l][i], Q2[l][j]
        if kind == "abrelu":
            ao2, ae2 = params
            r = root_prod(q1, q2)
            F, mmF, mpF = _abrelu_terms(t, s, co, ao2, ae2)
            k12 = r * F
            kd = (ao2 + ae2) - (2.0 * ae2 / math.pi) * t
            z1, z2 = q1 == 0.0, q2 == 0.0
            if np.any(z1) or np.any(z2):
                kd = np.where(z1 | z2, np.where(z1 & z2, kz[1], kz[0]), kd)
        elif kind == "erf":
            E = 1.0 + 2.0 * B2 * (q1 + q2) + 4.0 * B2 * B2 * np.maximum(D, 0.0)
            sE = np.sqrt(E)
            k12 = (S2 * 2.0 / math.pi) * np.arctan2(2.0 * B2 * c, sE)
            kd = (S2 * 4.0 * B2 / math.pi) / sE
        else:
            qa, qb = np.broadcast_arrays(q1, q2)
            k12 = np.asarray(net.dual(qa, qb, c), dtype=float)
            kd = np.asarray(net.dual.ntk(qa, qb, c), dtype=float)
            if par is not None:
                k12, kd, par = _parallel_step(par, qa, qb, k12, kd)
        c = np.where(dup, Q1[l + 1][i], affine(k12, w2, b2))
        th = ntk_step(th, k12, c, w2 * kd, std, width)
        if l + 1 < L:
            p1, p2 = Q1[l + 1][i], Q2[l + 1][j]
            if kind == "abrelu":
                m = ao2 + ae2
                sq = np.sqrt(q1) + np.sqrt(q2)
                with np.errstate(divide="ignore", invalid="ignore"):
                    dq = np.where(sq > 0, (q1 - q2) / sq, 0.0)
                D = (w2 * w2) * r * r * mmF * mpF + w2 * b2 * (m * dq * dq + 2.0 * r * mmF)
                rn = root_prod(p1, p2)
                sD = np.sqrt(np.maximum(D, 0.0))
                with np.errstate(divide="ignore", invalid="ignore"):
                    t = np.where(rn > 0, np.arctan2(sD, c), 0.0)
                    s = np.where(rn > 0, sD / rn, 0.0)
                    co = np.where(rn > 0, c / rn, 1.0)
            elif kind == "erf":
                D = np.where(dup, 0.0, p1 * p2 - c * c)
            else:
                # c must stay a covariance of the chain's variances (rounding only)
                bound = root_prod(p1, p2)
                c = np.clip(c, -bound, bound)
    return c, th


_PAR_TOL = 2.0 ** -48   # first-layer angles this close to 0 or pi: proportional inputs


def _parallel_pairs(net, t, b2):
    """Signs of the pairs that stay exactly (anti)parallel through every layer, or None.

    Without bias and with phi positively homogeneous of degree n >= 1, inputs x and lambda x
    (lambda > 0) stay parallel at every layer: their correlation is exactly 1. An odd phi keeps
    antiparallel pairs antiparallel, an even one makes them parallel. The closed forms,
    evaluated at a rounded c = sqrt(q1 q2), would see a spurious angle of ~1e-8 there (a square
    root of the rounding); these pairs are instead evaluated from k(q1, q2, +-sqrt(q1 q2)) =
    (q1 q2)^(n/2) k(1, 1, +-1) and its NTK factor (degree n - 1).
    """
    act = net.activation
    n = act.homogeneity if b2 == 0 and getattr(act, "is_symbolic", False) else None
    if not n:   # None, or degree 0 (step, sign): their map amplifies an angle t to ~sqrt(t),
        return None  # so the rounding-level angle of float inputs x, 3x is real, not noise
    sign = np.where(t <= _PAR_TOL, 1.0, np.where(t >= math.pi - _PAR_TOL, -1.0, 0.0))
    if not np.any(sign):
        return None
    one = np.ones(1)
    ref = {s: (float(net.dual(one, one, s * one)[0]), float(net.dual.ntk(one, one, s * one)[0]))
           for s in (1.0, -1.0)}
    return sign, n, act.parity, ref


def _parallel_step(par, q1, q2, k12, kd):
    """k and its NTK factor of one layer with the (anti)parallel pairs exact; the next signs."""
    sign, n, parity, ref = par
    r = root_prod(q1, q2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for s in (1.0, -1.0):
            on = (sign == s) & (r > 0)
            if np.any(on):
                k12 = np.where(on, r ** n * ref[s][0], k12)
                kd = np.where(on, r ** (n - 1) * ref[s][1], kd)
    anti = sign < 0
    if np.any(anti):
        sign = np.where(anti, {"odd": -1.0, "even": 1.0}.get(parity, 0.0), sign)
    return k12, kd, (sign, n, parity, ref)


def _run_numpy(kind, params, net, G, T, Q1, Q2, inp, kz):
    n1, n2 = G.shape
    sym = inp.sym
    for a in range(0, n1, TILE):
        i = np.arange(a, min(a + TILE, n1))
        for b in range(a if sym else 0, n2, TILE):
            j = np.arange(b, min(b + TILE, n2))
            g = G[a:a + len(i), b:b + len(j)]
            c, th = _tile_numpy(kind, params, net, g, i[:, None], j[None, :], Q1, Q2, inp, kz)
            G[a:a + len(i), b:b + len(j)] = c
            T[a:a + len(i), b:b + len(j)] = th


def run(kind, params, net, G, T, Q1, Q2, inp, use_numba):
    """NNGP into G (which holds <x, x'>) and NTK into T, in place; the upper triangle only when
    ``inp.sym`` (the caller mirrors it)."""
    kz = (0.0, 0.0)
    if kind == "abrelu":
        kz = (float(net.dual.ntk(0.0, 1.0, 0.0)), float(net.dual.ntk(0.0, 0.0, 0.0)))
    if not (use_numba and HAVE_NUMBA and kind != "generic"):
        _run_numpy(kind, params, net, G, T, Q1, Q2, inp, kz)
        return
    args = (inp.U1, inp.U2, inp.N1, inp.N2, inp.w2, inp.b2, float(inp.d))
    if kind == "abrelu":
        S1, I1 = roots(Q1)
        S2, I2 = (S1, I1) if inp.sym else roots(Q2)
        compiled.abrelu_kernel(G, T, Q1, Q2, S1, S2, I1, I2, *args, params[0], params[1],
                               kz[0], kz[1], inp.standard, inp.width, inp.sym, FLAG)
    else:
        compiled.erf_kernel(G, T, Q1, Q2, *args, params[0], params[1], inp.standard, inp.width,
                            inp.sym, FLAG)
