"""CUDA kernel of the closed-form Gram recursion (``abrelu`` and ``erf``), float64, numba.cuda.

The same algorithm as the CPU kernels of :mod:`ntksym.gram.compiled.closed_form`, entry by entry:
one thread per entry (i, j), all layers fused in registers, the diagonal chains Sigma^l(x, x)
(with their square roots and reciprocals) precomputed on the host and read from global memory.
The layer update is :mod:`ntksym.core.recursion` itself, and the select-only arctangent,
sqrt(a b), Kahan's angle and the ABReLU terms are the very Python functions behind the CPU kernels (``.py_func`` of
:mod:`ntksym.gram.compiled.common`), compiled here with ``numba.cuda.jit(device=True)``: no libm
atan2, only multiplies, adds, a few divisions and square roots per layer.

Launch: a 2-D grid of TILE x TILE thread blocks; block (by, bx) computes rows by*TILE.. against
columns bx*TILE... The inner products <x_i, x_j> are a tiled product through shared memory.
For a symmetric Gram only the tiles on and above the diagonal run (the others exit at once), and
each tile also writes its transpose (staged in shared memory, so that the stores coalesce):
the result is exactly symmetric. Under ``NUMBA_ENABLE_CUDASIM=1`` numba's CUDA simulator runs
this same kernel on the CPU (slowly: tests use a few dozen points).
"""
from __future__ import annotations

import math
import types

import numpy as np
from numba import cuda, float64

from ntksym.core import recursion
from ntksym.gram.compiled import common as _common

__all__ = ["TILE", "gram_kernel", "ABRELU", "ERF"]

TILE = 16          # tile edge: TILE x TILE threads per block, also the k-step of the dot product
TILE1 = TILE + 1   # padded row of the shared tiles (no bank conflicts on the transpose)
ABRELU, ERF = 0, 1
PI = math.pi
HALF_PI = math.pi / 2

def _dev(fn, **calls):
    """``fn`` (the Python source of a CPU helper) compiled as a CUDA device function, with the
    helpers it calls rebound to their device versions (``calls``: name -> device function)."""
    namespace = dict(fn.__globals__, **calls)
    copy = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__,
                              fn.__closure__)
    return cuda.jit(device=True)(copy)


affine = _dev(recursion.affine)
ntk_step = _dev(recursion.ntk_step)
input_layer = _dev(recursion.input_layer)
atan2_sel = _dev(_common.atan2_sel.py_func)
root_prod = _dev(_common.root_prod.py_func)
h_series = _dev(_common.h_series.py_func)
# Kahan's angle with the select-only arctangent (the CPU kernel's atan2_pos branches)
_kahan_angle = _dev(_common.kahan_angle.py_func, atan2_pos=atan2_sel)
abrelu_terms = _dev(_common.abrelu_terms.py_func, h_series=h_series)

@cuda.jit(device=True)
def first_layer(g, i, j, Q1, Q2, U1, U2, N1, N2, w2, b2, d, flag, std):
    """Layer 1 of entry (i, j): covariance, angle, sin, cos, NTK seed, duplicate flag."""
    c, th = input_layer(g, w2, b2, d, std)
    q1 = Q1[0, i]
    q2 = Q2[0, j]
    p = q1 * q2
    r = root_prod(q1, q2)
    D = p - c * c
    sD = math.sqrt(max(D, 0.0))
    pos = r > 0.0
    t = atan2_sel(sD, c) if pos else 0.0
    s = sD / r if pos else 0.0
    co = c / r if pos else 1.0
    if c * c > flag * q1 * q2 and pos:     # nearly (anti)parallel: Kahan's angle
        t = _kahan_angle(U1, U2, i, j, N1[i], N2[j])
        co = math.cos(t)
        c = r * co
        s = math.sin(t)
        if not std:
            th = r * co
    dup = t == 0.0 and q1 == q2
    return c, t, s, co, th, dup


@cuda.jit(device=True)
def abrelu_entry(g, i, j, Q1, Q2, S1, S2, I1, I2, U1, U2, N1, N2, w2, b2, d, ao2, ae2, kz1,
                 kz2, std, width, flag):
    """(NNGP, NTK) of entry (i, j) for phi = a min(x, 0) + b max(x, 0)."""
    L = Q1.shape[0] - 1
    beta = 2.0 * ae2 / PI
    m = ao2 + ae2
    w4 = w2 * w2
    wb = w2 * b2
    c, t, s, co, th, dup = first_layer(g, i, j, Q1, Q2, U1, U2, N1, N2, w2, b2, d, flag, std)
    for l in range(L):
        q1 = Q1[l, i]
        q2 = Q2[l, j]
        sq1 = S1[l, i]
        sq2 = S2[l, j]
        r = sq1 * sq2
        F, mmF, mpF = abrelu_terms(t, s, co, ao2, ae2)
        k12 = r * F
        kd = m - beta * t
        kd = kd if (q1 != 0.0 and q2 != 0.0) else (kz2 if q1 == q2 else kz1)
        c = Q1[l + 1, i] if dup else affine(k12, w2, b2)
        th = ntk_step(th, k12, c, w2 * kd, std, width)
        if l + 1 < L:
            dq = sq1 - sq2
            D = w4 * r * r * mmF * mpF + wb * (m * dq * dq + 2.0 * r * mmF)
            rn = S1[l + 1, i] * S2[l + 1, j]
            irn = I1[l + 1, i] * I2[l + 1, j]
            sD = math.sqrt(max(D, 0.0))
            pos = rn > 0.0
            t = atan2_sel(sD, c) if pos else 0.0
            s = sD * irn if pos else 0.0
            co = c * irn if pos else 1.0
    return c, th


@cuda.jit(device=True)
def erf_entry(g, i, j, Q1, Q2, U1, U2, N1, N2, w2, b2, d, S2c, B2, std, width, flag):
    """(NNGP, NTK) of entry (i, j) for phi = S erf(B x) (S2c = S^2, B2 = B^2)."""
    L = Q1.shape[0] - 1
    a0 = S2c * 2.0 / PI
    a1 = S2c * 4.0 * B2 / PI
    B22 = 2.0 * B2
    B44 = 4.0 * B2 * B2
    c, t, s, co, th, dup = first_layer(g, i, j, Q1, Q2, U1, U2, N1, N2, w2, b2, d, flag, std)
    rr = root_prod(Q1[0, i], Q2[0, j])
    DD = (rr * s) * (rr * s)
    for l in range(L):
        E = 1.0 + B22 * (Q1[l, i] + Q2[l, j]) + B44 * max(DD, 0.0)
        sE = math.sqrt(E)
        y = B22 * c
        a = atan2_sel(abs(y), sE)
        k12 = a0 * (a if y >= 0.0 else -a)
        kd = a1 / sE
        p1 = Q1[l + 1, i]
        c = p1 if dup else affine(k12, w2, b2)
        th = ntk_step(th, k12, c, w2 * kd, std, width)
        DD = 0.0 if dup else p1 * Q2[l + 1, j] - c * c
    return c, th


@cuda.jit
def gram_kernel(G, T, X1, X2, nsq, Q1, Q2, S1, S2, I1, I2, U1, U2, N1, N2, w2, b2, d, kind,
                p0, p1, kz1, kz2, std, width, sym, flag):
    """G = NNGP, T = NTK of X1 x X2; ``kind`` ABRELU (p0, p1 = ao2, ae2) or ERF (S^2, B^2).

    ``sym``: X2 is X1, only tiles on and above the diagonal compute, and each writes its
    transpose too; ``nsq`` holds |x_i|^2 for the diagonal (as the CPU path)."""
    by = cuda.blockIdx.y
    bx = cuda.blockIdx.x
    if sym and bx < by:
        return
    ty = cuda.threadIdx.y
    tx = cuda.threadIdx.x
    n1 = G.shape[0]
    n2 = G.shape[1]
    i = by * TILE + ty
    j = bx * TILE + tx
    # <x_i, x_j>: tiled product through shared memory
    sa = cuda.shared.array((TILE, TILE1), float64)
    sb = cuda.shared.array((TILE, TILE1), float64)
    ib = by * TILE + ty            # row of X1 that this thread loads
    jb = bx * TILE + ty            # row of X2 that this thread loads
    dim = X1.shape[1]
    g = 0.0
    for k0 in range(0, dim, TILE):
        k = k0 + tx
        sa[ty, tx] = X1[ib, k] if (ib < n1 and k < dim) else 0.0
        sb[ty, tx] = X2[jb, k] if (jb < n2 and k < dim) else 0.0
        cuda.syncthreads()
        for kk in range(TILE):
            g += sa[ty, kk] * sb[tx, kk]
        cuda.syncthreads()
    live = i < n1 and j < n2 and (not sym or j >= i)
    c = 0.0
    th = 0.0
    if live:
        if sym and i == j:
            g = nsq[i]
        if kind == ABRELU:
            c, th = abrelu_entry(g, i, j, Q1, Q2, S1, S2, I1, I2, U1, U2, N1, N2, w2, b2, d,
                                 p0, p1, kz1, kz2, std, width, flag)
        else:
            c, th = erf_entry(g, i, j, Q1, Q2, U1, U2, N1, N2, w2, b2, d, p0, p1, std, width,
                              flag)
        G[i, j] = c
        T[i, j] = th
    if sym:                        # the transpose of the tile, staged through shared memory
        sa[ty, tx] = c
        sb[ty, tx] = th
        cuda.syncthreads()
        if bx > by:
            r = bx * TILE + ty
            cl = by * TILE + tx
            if r < n1 and cl < n1:
                G[r, cl] = sa[tx, ty]
                T[r, cl] = sb[tx, ty]
        elif j < i and i < n1:
            G[i, j] = sa[tx, ty]
            T[i, j] = sb[tx, ty]
