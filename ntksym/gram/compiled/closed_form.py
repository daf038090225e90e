"""Optional numba kernels for :mod:`ntksym.gram` (fused over layers, one pass per matrix entry).

Imported only when numba is installed; :mod:`ntksym.gram` has a pure-numpy fallback with the same
formulas (and ``np.arctan2`` instead of the polynomial :func:`atan2_pos` below), and the test-suite
checks that both agree.

Each entry (i, j) runs its own recursion through all layers; the diagonals Sigma^l(x_i, x_i) are
precomputed chains ``Q1[l, i]`` (with their square roots and reciprocals). A row is processed in
chunks of ``CH`` entries that advance through the layers together, and the per-layer loop over a
chunk is branch-free (every case is a select), so that LLVM vectorises it (AVX2: four entries
per instruction). That needs ``error_model="numpy"`` (no ZeroDivisionError branch on each
division; a division by zero only happens in a lane whose value is discarded by a select) and
loads kept outside the selects. FMA contraction is allowed; reassociation is not, so the
cancellation-free formulas keep their meaning. Only the upper triangle is computed when the
matrix is symmetric, and then mirrored exactly.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from ntksym.gram.compiled.common import PI, abrelu_terms, atan2_sel, kahan_angle, root_prod
from ntksym.gram.compiled.recursion import affine, input_layer, ntk_step

CH = 64   # entries advanced together through each layer (a vectorised, branch-free loop)


@numba.njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def _first_layer(i, jb, nb, G, Q1, Q2, U1, U2, N1, N2, w2, b2, d, flag, std, cv, tt, ss, cc,
                 th, dup):
    """Layer-1 covariance, angle, sin, cos, NTK seed and duplicate flag of a chunk of a row."""
    q1 = Q1[0, i]
    for k in range(nb):                       # vectorised
        j = jb + k
        g = G[i, j]
        c, th0 = input_layer(g, w2, b2, d, std)
        q2 = Q2[0, j]
        p = q1 * q2
        r = root_prod(q1, q2)
        D = p - c * c
        sD = math.sqrt(max(D, 0.0))
        pos = r > 0.0
        t = atan2_sel(sD, c)
        tt[k] = t if pos else 0.0
        ss[k] = sD / r if pos else 0.0
        cc[k] = c / r if pos else 1.0
        cv[k] = c
        th[k] = th0
        dup[k] = 0.0
    for k in range(nb):                       # rare: nearly (anti)parallel pairs
        j = jb + k
        q2 = Q2[0, j]
        c = cv[k]
        if c * c > flag * q1 * q2:
            r = root_prod(q1, q2)
            if r > 0.0:
                t = kahan_angle(U1, U2, i, j, N1[i], N2[j])
                co = math.cos(t)
                cv[k] = r * co
                tt[k] = t
                ss[k] = math.sin(t)
                cc[k] = co
                if not std:
                    th[k] = r * co
        dup[k] = 1.0 if (tt[k] == 0.0 and q1 == q2) else 0.0


@numba.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _abrelu_row(i, G, T, Q1, Q2, S1, S2, I1, I2, U1, U2, N1, N2, w2, b2, d, ao2, ae2, kz1,
                kz2, std, width, j0, flag):
    n2 = G.shape[1]
    L = Q1.shape[0] - 1
    beta = 2.0 * ae2 / PI
    m = ao2 + ae2
    w4 = w2 * w2
    wb = w2 * b2
    tt = np.empty(CH)
    ss = np.empty(CH)
    cc = np.empty(CH)
    cv = np.empty(CH)
    th = np.empty(CH)
    dup = np.empty(CH)
    for jb in range(j0, n2, CH):
        nb = min(CH, n2 - jb)
        _first_layer(i, jb, nb, G, Q1, Q2, U1, U2, N1, N2, w2, b2, d, flag, std, cv, tt, ss,
                     cc, th, dup)
        for l in range(L):
            q1 = Q1[l, i]
            sq1 = S1[l, i]
            p1 = Q1[l + 1, i]
            sp1 = S1[l + 1, i]
            ip1 = I1[l + 1, i]
            for k in range(nb):               # vectorised: selects only
                j = jb + k
                q2 = Q2[l, j]
                sq2 = S2[l, j]
                t = tt[k]
                s = ss[k]
                co = cc[k]
                r = sq1 * sq2
                F, mmF, mpF = abrelu_terms(t, s, co, ao2, ae2)
                k12 = r * F
                kd = m - beta * t
                kd = kd if (q1 != 0.0 and q2 != 0.0) else (kz2 if q1 == q2 else kz1)
                c = p1 if dup[k] != 0.0 else affine(k12, w2, b2)
                thk = th[k]
                th[k] = ntk_step(thk, k12, c, w2 * kd, std, width)
                cv[k] = c
                # next angle (also after the last layer: harmless, keeps the loop branch-free);
                # sqrt(q1) - sqrt(q2) = (q1 - q2) / (sqrt(q1) + sqrt(q2))
                dq = sq1 - sq2
                D = w4 * r * r * mmF * mpF + wb * (m * dq * dq + 2.0 * r * mmF)
                rn = sp1 * S2[l + 1, j]
                irn = ip1 * I2[l + 1, j]
                sD = math.sqrt(max(D, 0.0))
                pos = rn > 0.0
                tt[k] = atan2_sel(sD, c) if pos else 0.0
                ss[k] = sD * irn if pos else 0.0
                cc[k] = c * irn if pos else 1.0
        for k in range(nb):
            G[i, jb + k] = cv[k]
            T[i, jb + k] = th[k]


@numba.njit(cache=True, error_model="numpy", fastmath={"contract"}, parallel=True)
def abrelu_kernel(G, T, Q1, Q2, S1, S2, I1, I2, U1, U2, N1, N2, w2, b2, d, ao2, ae2, kz1, kz2,
                  std, width, sym, flag):
    """In place: G (raw <x, x'>) becomes the NNGP, T receives the NTK.

    S = sqrt(Q) and I = 1/S (0 where Q = 0) are the chains' square roots and reciprocals.
    """
    n1 = G.shape[0]
    half = (n1 + 1) // 2 if sym else n1
    for ii in numba.prange(half):
        j0 = ii if sym else 0
        _abrelu_row(ii, G, T, Q1, Q2, S1, S2, I1, I2, U1, U2, N1, N2, w2, b2, d, ao2, ae2,
                    kz1, kz2, std, width, j0, flag)
        k = n1 - 1 - ii
        if sym and k != ii:
            _abrelu_row(k, G, T, Q1, Q2, S1, S2, I1, I2, U1, U2, N1, N2, w2, b2, d, ao2, ae2,
                        kz1, kz2, std, width, k, flag)


@numba.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _erf_row(i, G, T, Q1, Q2, U1, U2, N1, N2, w2, b2, d, S2, B2, std, width, j0, flag):
    n2 = G.shape[1]
    L = Q1.shape[0] - 1
    a0 = S2 * 2.0 / PI
    a1 = S2 * 4.0 * B2 / PI
    B22 = 2.0 * B2
    B44 = 4.0 * B2 * B2
    tt = np.empty(CH)
    ss = np.empty(CH)
    cc = np.empty(CH)
    cv = np.empty(CH)
    DD = np.empty(CH)
    th = np.empty(CH)
    dup = np.empty(CH)
    for jb in range(j0, n2, CH):
        nb = min(CH, n2 - jb)
        _first_layer(i, jb, nb, G, Q1, Q2, U1, U2, N1, N2, w2, b2, d, flag, std, cv, tt, ss,
                     cc, th, dup)
        q10 = Q1[0, i]
        for k in range(nb):
            q20 = Q2[0, jb + k]
            rr = root_prod(q10, q20)
            DD[k] = (rr * ss[k]) * (rr * ss[k])
        for l in range(L):
            q1 = Q1[l, i]
            p1 = Q1[l + 1, i]
            for k in range(nb):               # vectorised: selects only
                j = jb + k
                q2 = Q2[l, j]
                E = 1.0 + B22 * (q1 + q2) + B44 * max(DD[k], 0.0)
                sE = math.sqrt(E)
                y = B22 * cv[k]
                a = atan2_sel(abs(y), sE)
                k12 = a0 * (a if y >= 0.0 else -a)
                kd = a1 / sE
                c = p1 if dup[k] != 0.0 else affine(k12, w2, b2)
                thk = th[k]
                th[k] = ntk_step(thk, k12, c, w2 * kd, std, width)
                cv[k] = c
                Dn = p1 * Q2[l + 1, j] - c * c      # loads outside the select: vectorises
                DD[k] = 0.0 if dup[k] != 0.0 else Dn
        for k in range(nb):
            G[i, jb + k] = cv[k]
            T[i, jb + k] = th[k]


@numba.njit(cache=True, error_model="numpy", fastmath={"contract"}, parallel=True)
def erf_kernel(G, T, Q1, Q2, U1, U2, N1, N2, w2, b2, d, S2, B2, std, width, sym, flag):
    """phi = S erf(B x): in place, G becomes the NNGP and T the NTK."""
    n1 = G.shape[0]
    half = (n1 + 1) // 2 if sym else n1
    for ii in numba.prange(half):
        j0 = ii if sym else 0
        _erf_row(ii, G, T, Q1, Q2, U1, U2, N1, N2, w2, b2, d, S2, B2, std, width, j0, flag)
        k = n1 - 1 - ii
        if sym and k != ii:
            _erf_row(k, G, T, Q1, Q2, U1, U2, N1, N2, w2, b2, d, S2, B2, std, width, k, flag)
