"""Optional numba kernel for :mod:`ntksym.mehler`: one layer of the Mehler-series recursion.

Imported only when numba is installed; :mod:`ntksym.mehler` has a numpy fallback with the same
rules (it truncates per tile instead of per 64-column chunk, so the two agree to the truncation
tolerance, not bit for bit).

Per row i (parallel over rows) and per chunk of 64 columns: the correlations rho of the chunk,
one truncation K for each series (the smallest K whose Cauchy-Schwarz tail bound, taken with the
chunk's largest |rho| and largest tails, is below the tolerance; per entry when that fails, and
entries that fail at the table's largest K are flagged for direct quadrature), then Horner in rho
over the chunk, vectorised across its columns. The rare special entries (identical inputs,
flagged entries, the part of the first chunk below the diagonal) are fixed after the vectorised
loops.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from ntksym.gram.compiled.recursion import affine, ntk_step

_OPTS = dict(cache=True, error_model="numpy", fastmath={"contract"})


@numba.njit(inline="always", **_OPTS)
def _f(lr, Lr, Lc, g, step):
    return (step * g + 1) * lr + 0.5 * (Lr[g] + Lc[g])


@numba.njit(**_OPTS)
def _search(lr, Lr, Lc, gmax, step, logtol):
    """Smallest g <= gmax with (step g + 1) lr + (Lr[g] + Lc[g])/2 <= logtol (the log of the
    tail bound after K = step g terms), else gmax + 1."""
    if _f(lr, Lr, Lc, gmax, step) > logtol:
        return gmax + 1
    lo = 0
    hi = gmax
    while lo < hi:
        mid = (lo + hi) // 2
        if _f(lr, Lr, Lc, mid, step) <= logtol:
            hi = mid
        else:
            lo = mid + 1
    return lo


@numba.njit(**_OPTS)
def _horner(S, rho, Ar, i, Ac, j0, w, K):
    for e in range(w):
        S[e] = 0.0
    for k in range(K, -1, -1):
        a = Ar[k, i]
        row = Ac[k, j0:j0 + w]        # a slice: indices from range(w) need no wraparound
        for e in range(w):
            S[e] = S[e] * rho[e] + a * row[e]


def _layer(G, T, r0, r1, sym, s1, s2, p1, doclip, sp1, sp2, A1, A2, B1, B2, La1, La2, Lb1,
          Lb2, ca2, cb2, E1, Ed1, dptr, dcol, w2, b2, std, width, logtol, gmax, step, CH, RB,
          mask, count):
    """One layer for rows r0..r1 (see the module docstring).

    s1, s2: square roots of the layer's variances (rows, columns); p1: next-layer variances of
    the rows; sp1, sp2: square roots of the next-layer variances (the clip bound). Entries
    flagged for direct quadrature keep their G and T, get mask[i - r0, j] = 1, and are counted
    in count[i - r0]. Rows are processed in groups of RB per column chunk, so that the chunk's
    coefficient tables are reused from cache.
    """
    n2 = G.shape[1]
    ngroups = (r1 - r0 + RB - 1) // RB
    for gi in numba.prange(ngroups):          # range in layer_serial
        ia = r0 + gi * RB
        ib = min(ia + RB, r1)
        work = np.empty((6, CH))
        st = np.zeros(CH, dtype=np.int8)
        for j0 in range((ia // CH) * CH if sym else 0, n2, CH):
            w = min(CH, n2 - j0)
            for i in range(ia, ib):
                if sym and j0 + w <= i:
                    continue
                count[i - r0] += _entry_chunk(G, T, i, j0, w, r0, sym, s1, s2, p1, doclip, sp1,
                                              sp2, A1, A2, B1, B2, La1, La2, Lb1, Lb2, ca2,
                                              cb2, E1, Ed1, dptr, dcol, w2, b2, std, width,
                                              logtol, gmax, step, CH, mask, work, st)


@numba.njit(**_OPTS)
def _entry_chunk(G, T, i, j0, w, r0, sym, s1, s2, p1, doclip, sp1, sp2, A1, A2, B1, B2, La1,
                 La2, Lb1, Lb2, ca2, cb2, E1, Ed1, dptr, dcol, w2, b2, std, width, logtol,
                 gmax, step, CH, mask, work, st):
    """Row i, columns j0..j0+w: returns the number of entries flagged for direct quadrature."""
    rho, cold, told, sa, sb = work[0], work[1], work[2], work[3], work[4]
    ch = j0 // CH
    si = s1[i]
    spi = sp1[i]
    nflag = 0
    e0 = i - j0 if (sym and i > j0) else 0
    Gr = G[i, j0:j0 + w]
    Tr = T[i, j0:j0 + w]
    s2r = s2[j0:j0 + w]
    for e in range(w):                    # vectorised
        r = si * s2r[e]
        c = Gr[e]
        cold[e] = c
        told[e] = Tr[e]
        x = c / r if r > 0.0 else 0.0
        rho[e] = min(max(x, -1.0), 1.0)
        st[e] = 0
    nspec = e0
    for e in range(e0):
        st[e] = 1
        rho[e] = 0.0
    for p in range(dptr[i], dptr[i + 1]):
        jd = dcol[p]
        if jd >= j0 and jd < j0 + w:
            st[jd - j0] = 2
            rho[jd - j0] = 0.0
            nspec += 1
    Ka = 0
    Kb = 0
    if gmax < 0:
        for e in range(w):
            if st[e] == 0:
                st[e] = 3
                rho[e] = 0.0
                nspec += 1
    else:
        rmax = 0.0
        for e in range(w):
            rmax = max(rmax, abs(rho[e]))
        lr = math.log(rmax) if rmax > 0.0 else -np.inf
        Ka = _search(lr, La1[i], ca2[ch], gmax, step, logtol)
        Kb = _search(lr, Lb1[i], cb2[ch], gmax, step, logtol)
        if Ka > gmax or Kb > gmax:
            Ka = 0
            Kb = 0
            for e in range(w):
                if st[e] != 0 or rho[e] == 0.0:
                    continue
                le = math.log(abs(rho[e]))
                j = j0 + e
                ka = _search(le, La1[i], La2[j], gmax, step, logtol)
                kb = _search(le, Lb1[i], Lb2[j], gmax, step, logtol)
                if ka > gmax or kb > gmax:
                    st[e] = 3
                    rho[e] = 0.0
                    nspec += 1
                else:
                    Ka = max(Ka, ka)
                    Kb = max(Kb, kb)
        _horner(sa, rho, A1, i, A2, j0, w, step * Ka)
        _horner(sb, rho, B1, i, B2, j0, w, step * Kb)
    sp2r = sp2[j0:j0 + w]
    for e in range(e0, w):                # vectorised
        ka = sa[e]
        kd = sb[e]
        cn = affine(ka, w2, b2)
        if doclip:
            bound = spi * sp2r[e]
            cn = min(max(cn, -bound), bound)
        th = told[e]
        Tr[e] = ntk_step(th, ka, cn, w2 * kd, std, width)
        Gr[e] = cn
    if nspec > e0:                        # rare: identical inputs, fallbacks
        for e in range(e0, w):
            s = st[e]
            j = j0 + e
            if s == 3:
                G[i, j] = cold[e]
                T[i, j] = told[e]
                mask[i - r0, j] = 1
                nflag += 1
            elif s == 2:
                ka = E1[i]
                kd = Ed1[i]
                cn = p1[i]
                th = told[e]
                T[i, j] = ntk_step(th, ka, cn, w2 * kd, std, width)
                G[i, j] = cn
    return nflag


layer = numba.njit(parallel=True, **_OPTS)(_layer)
layer_serial = numba.njit(**_OPTS)(_layer)     # small blocks: no thread start-up


@numba.njit(**_OPTS)
def matmul(F, H):
    """F @ H for the small coefficient tables, single-threaded (a multithreaded BLAS call of
    this size can wait milliseconds for its threads on a busy machine)."""
    n, m = F.shape
    k = H.shape[1]
    C = np.zeros((n, k))
    part = np.empty(k)
    for i in range(n):
        c = C[i]
        for j0 in range(0, m, 16):            # sums of 16 terms, then their sum: rounding
            for t in range(k):                # grows like 16 + m/16, not like m
                part[t] = 0.0
            for j in range(j0, min(j0 + 16, m)):
                f = F[i, j]
                h = H[j]
                for t in range(k):
                    part[t] += f * h[t]
            for t in range(k):
                c[t] += part[t]
    return C
