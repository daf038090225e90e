r"""Mehler (Hermite) series for the Gram recursion of activations without a closed-form dual.

For an activation phi with no closed-form dual (tanh, sigmoid, softplus, SiLU, ELU, ...;
``net.dual.method == "numeric"``) every entry of every layer would need a 2-D quadrature of
E[phi(u) phi(v)] and E[phi'(u) phi'(v)]. This module replaces almost all of them by Mehler's
formula. With the normalised Hermite polynomials h_k = He_k / sqrt(k!) and z ~ N(0, 1),

    alpha_k(q) = E[phi(sqrt(q) z) h_k(z)],        beta_k(q) = E[phi'(sqrt(q) z) h_k(z)],
    E[phi(u) phi(v)]   = sum_k alpha_k(q1) alpha_k(q2) rho^k,
    E[phi'(u) phi'(v)] = sum_k beta_k(q1)  beta_k(q2)  rho^k,        rho = c / sqrt(q1 q2).

(Gaussian integration by parts gives beta_k(q) = alpha_{k+1}(q) sqrt(k+1) / sqrt(q); beta is
nevertheless computed directly from phi', which stays accurate as q -> 0.)

**Coefficients.** Per layer, for the distinct diagonal variances q_i (the chains Sigma^l(x_i, x_i)
that :mod:`ntksym.gram` computes once), alpha_k(q_i) and beta_k(q_i), k <= K, come from one 1-D
Gauss-Legendre rule on z in [0, 13] (the integrand is folded, h_k(-z) = (-1)^k h_k(z), so even k
see phi(sz) + phi(-sz) and odd k see phi(sz) - phi(-sz)): panels of at most
min(2, n/sqrt(K + 1/2), 12/s * n/24) standard units with n = 32 Gauss-Legendre nodes (24 when
K <= 128): sqrt(K + 1/2) is the largest wavenumber of h_k(z) e^{-z^2/4} (panels 2.5 times
wider lose digits, 1e-13 to 1e-11, at K = 1024 and 2048: measured), and 12 x-units per 24
nodes resolve phi as in
:mod:`ntksym.quadrature`. The panels are split at the activation's
breakpoints |b|/s and graded geometrically towards them from an x-width of 2. h_k at the nodes
comes from the stable three-term recurrence sqrt(k+1) h_{k+1} = z h_k - sqrt(k) h_{k-1}, so the
whole table is one BLAS product (values of phi at the nodes times Hermite values). Variances are
grouped by octave of s = sqrt(q), each group sharing one node set. The same nodes give
E[phi^2] and E[phi'^2], hence the diagonal chain Sigma^{l+1} = w^2 E[phi^2] + b^2 (phi is
evaluated once per layer). E[phi^2] is checked at the smallest, median and largest variance of
each layer against :func:`ntksym.quadrature.expect1` (its own panels and convergence test); a
layer that disagrees by more than 1e-12 relative (a feature of phi the nodes do not resolve) is
evaluated entirely by direct quadrature. Values of phi that are not finite in float64 although
phi is (an expression that overflows in an intermediate step) are recomputed with mpmath.

**Tail bound.** By Cauchy-Schwarz, the truncation error after the term k = K is at most

    |rho|^(K+1) sqrt(T(q1) T(q2)),    T(q) = E[phi(sqrt(q) z)^2] - sum_{k<=K} alpha_k(q)^2,

(likewise with beta and E[phi'^2]). T is formed as the sum of the computed squares above K plus
the remainder R = E[phi^2] - sum_{k<=Kmax} alpha_k^2, and R is raised to a floor of
1e-15 E[phi^2], because the computed remainder is rounding noise of that size once the series
has converged. The bound is *a posteriori*: it is exactly as good as the 1-D quadrature behind
alpha_k and E[phi^2] (measured: about 5e-16 relative for k <= 2048; tests compare alpha_k with
mpmath). Each entry is truncated where its bound falls below ``TOL`` (1e-14) times the
Cauchy-Schwarz scale sqrt(E[phi(u)^2] E[phi(v)^2]); entries whose bound does not fall below it at
the layer's largest K (|rho| close to 1 for activations with slowly decaying coefficients, such
as ELU, whose phi'' jumps) are evaluated by the direct quadrature of ``net.dual`` and
``net.dual.ntk``. K is chosen per layer: it starts at 64 (or half the previous layer's) and is
doubled, up to ``KCAP`` (1024), while the entries that would fall back (estimated on a sample of
entries) cost more in direct quadrature than the larger table does.

**Degenerate entries** follow :mod:`ntksym.gram`: the first layer (covariance, Kahan's angle for
nearly parallel pairs, and the flag of identical inputs) is ``gram._first_angle``; identical
inputs keep the diagonal chain, c = Sigma^{l+1}(x_i, x_i) and E[phi'^2] on the diagonal; a zero
variance gives rho = 0 with alpha_k(0) = phi(0) delta_k0 and beta_k(0) = phi'(0) delta_k0, i.e.
E[phi(0) phi(v)] = phi(0) E[phi(v)].

The per-entry work (Horner in rho for both series, per 64-column chunk) runs in numba
(:mod:`ntksym.gram.compiled.mehler`, parallel over rows) when it is installed and in numpy tiles
otherwise; the two agree to the truncation tolerance (they may truncate at different K).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ntksym.core.recursion import affine, ntk_step
from ntksym.gram.common import HAVE_NUMBA, TILE, first_layer
from ntksym.gram.mehler_tables import (STEP, CHECK_RTOL, HermiteTables, activation_functions,
                                       breakpoints, dual_series, hermite_coefficients,
                                       spot_check, split, table_layout)

if HAVE_NUMBA:
    from ntksym.gram.compiled import mehler as compiled
else:  # pragma: no cover - numba missing
    compiled = None

__all__ = ["applies", "chain", "hermite_coefficients", "dual_series", "run", "LAST_RUN"]

TOL = 1e-14          # truncation bound, relative to the Cauchy-Schwarz scale
K0 = 64              # first K tried in a layer
KCAP = 1024          # largest K
CHUNK = 64           # columns per chunk in the numba kernel (one K per chunk)
RBLOCK = 8           # rows sharing a column chunk in the numba kernel (cache reuse)
MASK_BYTES = 2 ** 25  # rows per kernel call: a flag mask of at most this size (32 MB)
SERIAL = 2 ** 16     # blocks with fewer entries run the single-threaded kernel
BULK_FRAC = 1e-3     # K is doubled while more than this fraction of sampled entries needs more
FALLBACK_COST = 3.5e-3  # seconds per entry of direct quadrature (both factors), measured
FLOPS = 2.0e10       # BLAS rate used to price a larger table

LAST_RUN: dict = {}  # statistics of the last run: K and fallback counts per layer


def applies(net):
    """True when the Gram recursion of ``net`` should use the Mehler path: no closed-form dual
    (``net.dual.method == "numeric"``) and an NTK factor that exists."""
    k = net.dual
    return k.method == "numeric" and k.ntk_factor is not None


def chain(net, q):
    """The diagonal chains' first row, Sigma^1 = q; :func:`run` fills the rest layer by layer,
    Sigma^{l+1} = w^2 E[phi(sqrt(q) z)^2] + b^2, with E[phi^2] from the same 1-D rule as the
    layer's Hermite coefficients (checked per layer against
    :func:`ntksym.backends.quadrature.expect1`), so that phi is evaluated once per layer."""
    Q = np.full((net.depth + 1, q.size), np.nan)
    Q[0] = q
    return Q


# --------------------------------------------------------------------------------------------
# choice of K per layer
# --------------------------------------------------------------------------------------------

def _sample(n1, n2, sym, size=4096, seed=0):
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n1, size)
    j = rng.integers(0, n2, size)
    if sym:
        keep = i != j
        i, j = np.minimum(i, j)[keep], np.maximum(i, j)[keep]
    return i, j


def _fails(tab1, tab2, rho, i, j, K, logtol):
    """Which sampled entries would fall back at truncation K (tables reaching >= K)."""
    lr = np.log(np.maximum(np.abs(rho), 1e-300))
    g = K // tab1.step
    fa = (K + 1) * lr + 0.5 * (tab1.La[i, g] + tab2.La[j, g]) > logtol
    fb = (K + 1) * lr + 0.5 * (tab1.Lb[i, g] + tab2.Lb[j, g]) > logtol
    return fa | fb


def _frac(t1, t2, rho, i, j, K, logtol):
    return np.count_nonzero(_fails(t1, t2, rho, i, j, K, logtol)) / max(i.size, 1)


def _table_cost(n, K):
    z = table_layout(K, 1.0, ())[0]
    return 4.0 * n * z.size * (K + 1) / FLOPS


# --------------------------------------------------------------------------------------------
# the recursion
# --------------------------------------------------------------------------------------------

def _first_layer(G, T, Q1, Q2, inp):
    """Layer 1 into G (covariance) and T (NTK start); the identical-input pairs as (ptr, col)."""
    n1, n2 = G.shape
    di, dj = [], []
    for a in range(0, n1, TILE):
        i = np.arange(a, min(a + TILE, n1))
        for b in range(a if inp.sym else 0, n2, TILE):
            j = np.arange(b, min(b + TILE, n2))
            g = G[a:a + len(i), b:b + len(j)]
            c, _, _, _, th, dup = first_layer(g, i[:, None], j[None, :], Q1, Q2, inp)
            G[a:a + len(i), b:b + len(j)] = c
            T[a:a + len(i), b:b + len(j)] = th
            ii, jj = np.nonzero(dup)
            di.append(ii + a)
            dj.append(jj + b)
    di, dj = np.concatenate(di), np.concatenate(dj)
    if inp.sym:
        keep = dj >= di
        di, dj = di[keep], dj[keep]
    order = np.lexsort((dj, di))
    di, dj = di[order], dj[order]
    ptr = np.searchsorted(di, np.arange(n1 + 1)).astype(np.int64)
    return ptr, dj.astype(np.int64)


def _layer_numpy(G, T, r0, r1, sym, s1, s2, p1, doclip, sp1, sp2, t1, t2, dptr, dcol, w2, b2,
                 std, width, logtol, Kmax, mask):
    """One layer for rows r0..r1 in numpy tiles: the rules of the numba kernel, with one K per
    tile instead of per 64-column chunk."""
    n2 = G.shape[1]
    tile = TILE
    rows = np.arange(r0, r1)
    drow = np.repeat(rows, np.diff(dptr[r0:r1 + 1]))
    dcl = dcol[dptr[r0]:dptr[r1]]
    for b in range(r0 if sym else 0, n2, tile):
        cols = np.arange(b, min(b + tile, n2))
        sl = slice(b, b + cols.size)
        c = G[r0:r1, sl]
        r = s1[r0:r1, None] * s2[None, sl]
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = np.where(r > 0, np.clip(c / r, -1.0, 1.0), 0.0)
        live = (cols[None, :] >= rows[:, None]) if sym else np.ones(c.shape, dtype=bool)
        diag = np.zeros(c.shape, dtype=bool)
        inb = (dcl >= b) & (dcl < b + cols.size)
        diag[drow[inb] - r0, dcl[inb] - b] = True
        reg = live & ~diag
        rho = np.where(reg, rho, 0.0)
        lr = np.log(np.maximum(np.abs(rho), 1e-300))

        step = t1.step
        gmax = Kmax // step

        def f(L1, L2, g):                 # log of the tail bound at K = step * g
            v = (step * g + 1) * lr + 0.5 * (L1[r0:r1, g][:, None] + L2[sl, g][None, :])
            return np.where(rho != 0, v, -np.inf)

        if Kmax < 0:
            fb = reg.copy()
        else:
            fb = reg & ((f(t1.La, t2.La, gmax) > logtol) | (f(t1.Lb, t2.Lb, gmax) > logtol))
        rho[fb] = 0.0
        ok = reg & ~fb
        Ks = []
        for L1, L2 in ((t1.La, t2.La), (t1.Lb, t2.Lb)):
            lo, hi = 0, max(gmax, 0)
            while lo < hi:
                mid = (lo + hi) // 2
                if np.all(f(L1, L2, mid)[ok] <= logtol):
                    hi = mid
                else:
                    lo = mid + 1
            Ks.append(step * lo)
        sa = np.zeros(c.shape)
        sb = np.zeros(c.shape)
        if Kmax >= 0:
            for k in range(Ks[0], -1, -1):
                sa *= rho
                sa += t1.A[k, r0:r1][:, None] * t2.A[k, sl][None, :]
            for k in range(Ks[1], -1, -1):
                sb *= rho
                sb += t1.B[k, r0:r1][:, None] * t2.B[k, sl][None, :]
        ka = np.where(diag, t1.E[r0:r1, None], sa)
        kd = np.where(diag, t1.Ed[r0:r1, None], sb)
        cn = affine(ka, w2, b2)
        if doclip:
            bound = sp1[r0:r1, None] * sp2[None, sl]
            cn = np.clip(cn, -bound, bound)
        cn = np.where(diag, p1[r0:r1, None], cn)
        th = T[r0:r1, sl]
        tn = ntk_step(th, ka, cn, w2 * kd, std, width)
        upd = live & ~fb
        G[r0:r1, sl] = np.where(upd, cn, c)
        T[r0:r1, sl] = np.where(upd, tn, th)
        mask[:, sl] = fb


def _update(G, T, fi, fj, ka, kd, w2, b2, std, width, bound):
    """c' = w^2 k + b^2 (clipped to the next layer's Cauchy-Schwarz bound) and the NTK step, at
    the entries (fi, fj)."""
    cn = affine(ka, w2, b2)
    if bound is not None:
        cn = np.clip(cn, -bound, bound)
    th = T[fi, fj]
    T[fi, fj] = ntk_step(th, ka, cn, w2 * kd, std, width)
    G[fi, fj] = cn


def _series_list(tab, ii, jj, s1, s2, c, logtol):
    """Both series at a list of entries (rows ii, columns jj of ``tab``) truncated at the table's
    K, and whether each entry's tail bound is below the tolerance."""
    K = tab.K
    r = s1 * s2
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(r > 0, np.clip(c / r, -1.0, 1.0), 0.0)
    lr = np.log(np.maximum(np.abs(rho), 1e-300))
    with np.errstate(invalid="ignore"):
        fa = (K + 1) * lr + 0.5 * (tab.La[ii, -1] + tab.La[jj, -1])
        fb = (K + 1) * lr + 0.5 * (tab.Lb[ii, -1] + tab.Lb[jj, -1])
    ok = (rho == 0) | ((fa <= logtol) & (fb <= logtol))
    ka = np.zeros(rho.shape)
    kd = np.zeros(rho.shape)
    for k in range(K, -1, -1):
        ka = ka * rho + tab.A[k, ii] * tab.A[k, jj]
        kd = kd * rho + tab.B[k, ii] * tab.B[k, jj]
    return ka, kd, ok


def run(net, G, T, Q1, Q2, inp, use_numba=True):
    """NNGP into G and NTK into T (in place) by the Mehler series; called by gram_float64.

    ``G`` holds the inner products <x_i, x'_j> (the diagonal |x_i|^2 when ``sym``), ``Q1``/``Q2``
    the diagonal chains (:func:`chain`), ``inp`` the prepared points
    (:class:`ntksym.gram.common.Inputs`). The upper triangle only when ``inp.sym`` (the caller
    mirrors it).
    Statistics (K and the number of entries evaluated by direct quadrature, per layer) are left
    in :data:`LAST_RUN`.
    """
    L = net.depth
    w2, b2, std, width, sym = inp.w2, inp.b2, inp.standard, inp.width, inp.sym
    n1, n2 = G.shape
    act = net.activation
    fns, breaks = activation_functions(act), breakpoints(act)
    logtol = math.log(TOL)
    nb = use_numba and HAVE_NUMBA
    dptr, dcol = _first_layer(G, T, Q1, Q2, inp)
    S1 = np.empty_like(Q1)
    S2 = S1 if sym else np.empty_like(Q2)
    S1[0] = np.sqrt(Q1[0])
    if not sym:
        S2[0] = np.sqrt(Q2[0])
    si, sj = _sample(n1, n2, sym)
    total = (n1 * (n1 + 1) // 2) if sym else n1 * n2
    stats = {"K": [], "escalated": [], "fallback": [], "entries": total, "numba": nb}
    K = K0
    for l in range(L):
        qall = Q1[l] if sym else np.concatenate([Q1[l], Q2[l]])
        rs = S1[l][si] * S2[l][sj]
        with np.errstate(divide="ignore", invalid="ignore"):
            rho_s = np.where(rs > 0, np.clip(G[si, sj] / rs, -1.0, 1.0), 0.0)
        while True:
            tab = HermiteTables(fns, breaks, qall, K)
            t1 = tab if sym else split(tab, 0, n1)
            t2 = tab if sym else split(tab, n1, n1 + n2)
            if K >= KCAP or _frac(t1, t2, rho_s, si, sj, K, logtol) <= BULK_FRAC:
                break
            K *= 2
        # the next layer starts at the smallest K that would have served this one
        Knext = K
        while Knext > K0 and _frac(t1, t2, rho_s, si, sj, Knext // 2, logtol) <= BULK_FRAC:
            Knext //= 2
        # the diagonal chains' next row, from the same rule, checked independently
        good = tab.ok and spot_check(fns[0], breaks, qall, tab.E)
        if good:
            Q1[l + 1] = affine(t1.E, w2, b2)
            if not sym:
                Q2[l + 1] = affine(t2.E, w2, b2)
        else:
            warnings.warn(f"Mehler tables not trusted at layer {l + 1} (unresolved activation "
                          "or overflow); using direct quadrature for that layer",
                          RuntimeWarning, stacklevel=3)
            for Q in ((Q1,) if sym else (Q1, Q2)):
                Q[l + 1] = affine(np.asarray(net.dual(Q[l], Q[l], Q[l]), dtype=float), w2, b2)
        S1[l + 1] = np.sqrt(Q1[l + 1])
        if not sym:
            S2[l + 1] = np.sqrt(Q2[l + 1])
        Kuse = K if good else -1
        doclip = l + 1 < L
        sp1, sp2 = S1[l + 1], S2[l + 1]
        fi, fj = [], []
        if nb:
            c1, c2 = t2.chunk_max(CHUNK)
        rows_per = max(RBLOCK, (MASK_BYTES // max(n2, 1)) // RBLOCK * RBLOCK) if nb \
            else TILE
        for r0 in range(0, n1, rows_per):
            r1 = min(r0 + rows_per, n1)
            if nb:
                mask = np.zeros((r1 - r0, n2), dtype=np.uint8)
                count = np.zeros(r1 - r0, dtype=np.int64)
                kern = compiled.layer if (r1 - r0) * n2 >= SERIAL else compiled.layer_serial
                kern(G, T, r0, r1, sym, S1[l], S2[l], Q1[l + 1], doclip, sp1, sp2, t1.A, t2.A,
                     t1.B, t2.B, t1.La, t2.La, t1.Lb, t2.Lb, c1, c2, t1.E, t1.Ed, dptr, dcol, w2,
                     b2, std, width, logtol, Kuse // t1.step if Kuse >= 0 else -1, t1.step,
                     CHUNK, RBLOCK, mask, count)
                rows = np.flatnonzero(count)
            else:
                mask = np.zeros((r1 - r0, n2), dtype=bool)
                _layer_numpy(G, T, r0, r1, sym, S1[l], S2[l], Q1[l + 1], doclip, sp1, sp2,
                             t1, t2, dptr, dcol, w2, b2, std, width, logtol, Kuse, mask)
                rows = np.flatnonzero(mask.any(axis=1))
            if rows.size:
                ii, jj = np.nonzero(mask[rows])
                fi.append(rows[ii] + r0)
                fj.append(jj)
        fi = np.concatenate(fi) if fi else np.zeros(0, dtype=np.int64)
        fj = np.concatenate(fj) if fj else np.zeros(0, dtype=np.int64)
        # the rare entries that need more terms: larger tables on their variances only
        Kx = Kuse
        while fi.size and 0 <= Kx < KCAP:
            Kx *= 2
            qi, qj = Q1[l][fi], Q2[l][fj]
            uq = np.unique(np.concatenate([qi, qj]))
            if fi.size * FALLBACK_COST <= _table_cost(uq.size, Kx) + fi.size * Kx * 1e-8:
                break
            tx = HermiteTables(fns, breaks, uq, Kx)
            ii, jj = np.searchsorted(uq, qi), np.searchsorted(uq, qj)
            pok = affine(tx.E, w2, b2)
            chk = np.concatenate([Q1[l + 1][fi], Q2[l + 1][fj]])
            if not (tx.ok and np.all(np.abs(np.concatenate([pok[ii], pok[jj]]) - chk)
                                     <= CHECK_RTOL * np.abs(chk))):
                break
            ka, kd, ok = _series_list(tx, ii, jj, S1[l][fi], S2[l][fj], G[fi, fj], logtol)
            _update(G, T, fi[ok], fj[ok], ka[ok], kd[ok], w2, b2, std, width,
                    (sp1[fi[ok]] * sp2[fj[ok]]) if doclip else None)
            fi, fj = fi[~ok], fj[~ok]
        stats["escalated"].append(Kx if Kx != Kuse else None)
        if fi.size:                               # direct quadrature
            a, bq, c = Q1[l][fi], Q2[l][fj], G[fi, fj]
            ka = np.asarray(net.dual(a, bq, c), dtype=float)
            kd = np.asarray(net.dual.ntk(a, bq, c), dtype=float)
            _update(G, T, fi, fj, ka, kd, w2, b2, std, width,
                    (sp1[fi] * sp2[fj]) if doclip else None)
        stats["K"].append(Kuse)
        stats["fallback"].append(int(fi.size))
        K = Knext
    LAST_RUN.clear()
    LAST_RUN.update(stats)
