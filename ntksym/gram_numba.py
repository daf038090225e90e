"""Optional numba kernels for :mod:`ntksym.gram` (fused over layers, one pass per matrix entry).

Imported only when numba is installed; :mod:`ntksym.gram` has a pure-numpy fallback with the same
formulas (and ``np.arctan2`` instead of the polynomial :func:`atan2_pos` below), and the test-suite
checks that both agree.

Each entry (i, j) runs its own recursion through all layers with its state in registers; the
diagonals Sigma^l(x_i, x_i) are precomputed chains ``Q1[l, i]``. Only the upper triangle is
computed when the matrix is symmetric, and then mirrored exactly.
"""
from __future__ import annotations

import math

import numba
import numpy as np

PI = math.pi
HALF_PI = math.pi / 2
SQRT3 = 1.7320508075688772
TAN_PI_12 = 0.2679491924311227
PI_6 = math.pi / 6

# atan(u) = u * sum_k (-1)^k u^(2k) / (2k + 1); |u| <= tan(pi/12) -> 16 terms reach 1e-18
_ATAN = np.array([(-1.0) ** k / (2 * k + 1) for k in range(16)])
# h(t) = sin t - t cos t = t^3 * sum_{k>=1} (-1)^(k+1) 2k/(2k+1)! t^(2k-2), used for t < 1
_H = np.array([(-1.0) ** (k + 1) * 2 * k / math.factorial(2 * k + 1) for k in range(1, 12)])


@numba.njit(cache=True, inline="always")
def _atan01(t):
    """atan(t) for 0 <= t <= 1 (about 1 ulp)."""
    off = 0.0
    u = t
    if t > TAN_PI_12:
        u = (t * SQRT3 - 1.0) / (t + SQRT3)
        off = PI_6
    u2 = u * u
    p = _ATAN[15]
    for k in range(14, -1, -1):
        p = p * u2 + _ATAN[k]
    return off + u * p


@numba.njit(cache=True, inline="always")
def atan2_pos(y, x):
    """atan2(y, x) for y >= 0 (result in [0, pi]), accurate to a few ulp, no libm call."""
    if y == 0.0:
        return PI if x < 0.0 else 0.0
    ax = abs(x)
    if y <= ax:
        a = _atan01(y / ax)
    else:
        a = HALF_PI - _atan01(ax / y)
    if x < 0.0:
        a = PI - a
    return a


@numba.njit(cache=True, inline="always")
def atan2_any(y, x):
    if y < 0.0:
        return -atan2_pos(-y, x)
    return atan2_pos(y, x)


@numba.njit(cache=True, inline="always")
def _h(t, s, co):
    """sin t - t cos t without cancellation (series for t < 1)."""
    if t < 1.0:
        t2 = t * t
        p = _H[10]
        for k in range(9, -1, -1):
            p = p * t2 + _H[k]
        return t * t2 * p
    return s - t * co


@numba.njit(cache=True, inline="always")
def _one_minus_cos(s, co):
    return s * s / (1.0 + co) if co >= 0.0 else 1.0 - co


@numba.njit(cache=True, inline="always")
def _one_plus_cos(s, co):
    return s * s / (1.0 - co) if co <= 0.0 else 1.0 + co


@numba.njit(cache=True, inline="always")
def _abrelu_terms(t, s, co, ao2, ae2):
    """F = k/r, m - F and m + F for phi = ao*x + ae*|x| at angle t (sin s, cos co)."""
    g = (2.0 / PI) * (s + (HALF_PI - t) * co)          # E|u||v| / r
    if t <= HALF_PI:
        omg = _one_minus_cos(s, co) - (2.0 / PI) * _h(t, s, co)
    else:
        tp = PI - t
        omg = _one_minus_cos(s, -co) - (2.0 / PI) * _h(tp, s, -co)
    F = ao2 * co + ae2 * g
    mmF = ao2 * _one_minus_cos(s, co) + ae2 * omg
    mpF = ao2 * _one_plus_cos(s, co) + ae2 * (1.0 + g)
    return F, mmF, mpF


@numba.njit(cache=True, inline="always")
def _root_prod(a, b):
    p = a * b
    if p <= 1e300:
        return math.sqrt(p)
    return math.sqrt(a) * math.sqrt(b)


@numba.njit(cache=True, inline="always")
def _kahan_angle(U1, U2, i, j, nu1, nu2):
    """Angle between rows U1[i] and U2[j] by Kahan's formula 2 atan2(|a|, |b|)."""
    dm = 0.0
    dp = 0.0
    for k in range(U1.shape[1]):
        x = nu2 * U1[i, k]
        y = nu1 * U2[j, k]
        dm += (x - y) * (x - y)
        dp += (x + y) * (x + y)
    return 2.0 * atan2_pos(math.sqrt(dm), math.sqrt(dp))


@numba.njit(cache=True, inline="always")
def _first_angle(g, i, j, Q1, Q2, U1, U2, N1, N2, w2, b2, d, flag):
    """Layer-1 covariance c and angle t (with sin, cos) of the pair (i, j)."""
    c = w2 * g / d + b2
    q1 = Q1[0, i]
    q2 = Q2[0, j]
    r = _root_prod(q1, q2)
    if r == 0.0:
        return c, 0.0, 0.0, 1.0
    D = q1 * q2 - c * c
    if c * c > flag * q1 * q2:   # nearly parallel or antiparallel: cancellation-free angle
        t = _kahan_angle(U1, U2, i, j, N1[i], N2[j])
        co = math.cos(t)
        return r * co, t, math.sin(t), co
    sD = math.sqrt(D if D > 0.0 else 0.0)
    return c, atan2_pos(sD, c), sD / r, c / r


CH = 32   # entries advanced together through each layer (independent chains: ILP)


@numba.njit(cache=True)
def _abrelu_row(i, G, T, Q1, Q2, U1, U2, N1, N2, w2, b2, d, ao2, ae2, kz1, kz2, std, width,
                j0, flag):
    n2 = G.shape[1]
    L = Q1.shape[0] - 1
    beta = 2.0 * ae2 / PI
    m = ao2 + ae2
    w4 = w2 * w2
    tt = np.empty(CH)
    ss = np.empty(CH)
    cc = np.empty(CH)
    cv = np.empty(CH)
    th = np.empty(CH)
    dup = np.empty(CH, dtype=np.bool_)
    for jb in range(j0, n2, CH):
        nb = min(CH, n2 - jb)
        for k in range(nb):
            j = jb + k
            g = G[i, j]
            c, t, s, co = _first_angle(g, i, j, Q1, Q2, U1, U2, N1, N2, w2, b2, d, flag)
            dup[k] = t == 0.0 and Q1[0, i] == Q2[0, j]
            th[k] = g + 1.0 if std else c
            tt[k] = t
            ss[k] = s
            cc[k] = co
            cv[k] = c
        for l in range(L):
            q1 = Q1[l, i]
            sq1 = math.sqrt(q1)
            last = l + 1 == L
            p1 = Q1[l + 1, i]
            for k in range(nb):
                j = jb + k
                q2 = Q2[l, j]
                t = tt[k]
                s = ss[k]
                co = cc[k]
                r = _root_prod(q1, q2)
                F, mmF, mpF = _abrelu_terms(t, s, co, ao2, ae2)
                k12 = r * F
                if q1 == 0.0 or q2 == 0.0:
                    kd = kz2 if (q1 == 0.0 and q2 == 0.0) else kz1
                else:
                    kd = m - beta * t
                c = p1 if dup[k] else w2 * k12 + b2
                if std:
                    th[k] = width * k12 + 1.0 + w2 * kd * th[k]
                else:
                    th[k] = th[k] * (w2 * kd) + c
                cv[k] = c
                if not last:
                    p2 = Q2[l + 1, j]
                    sq = sq1 + math.sqrt(q2)
                    dq = (q1 - q2) / sq if sq > 0.0 else 0.0
                    D = w4 * r * r * mmF * mpF + w2 * b2 * (m * dq * dq + 2.0 * r * mmF)
                    rn = _root_prod(p1, p2)
                    if rn == 0.0:
                        tt[k] = 0.0
                        ss[k] = 0.0
                        cc[k] = 1.0
                    else:
                        sD = math.sqrt(D if D > 0.0 else 0.0)
                        tt[k] = atan2_pos(sD, c)
                        ss[k] = sD / rn
                        cc[k] = c / rn
        for k in range(nb):
            G[i, jb + k] = cv[k]
            T[i, jb + k] = th[k]


@numba.njit(cache=True, parallel=True)
def abrelu_kernel(G, T, Q1, Q2, U1, U2, N1, N2, w2, b2, d, ao2, ae2, kz1, kz2, std, width,
                  sym, flag):
    """In place: G (raw <x, x'>) becomes the NNGP, T receives the NTK."""
    n1 = G.shape[0]
    half = (n1 + 1) // 2 if sym else n1
    for ii in numba.prange(half):
        j0 = ii if sym else 0
        _abrelu_row(ii, G, T, Q1, Q2, U1, U2, N1, N2, w2, b2, d, ao2, ae2, kz1, kz2, std,
                    width, j0, flag)
        k = n1 - 1 - ii
        if sym and k != ii:
            _abrelu_row(k, G, T, Q1, Q2, U1, U2, N1, N2, w2, b2, d, ao2, ae2, kz1, kz2, std,
                        width, k, flag)


@numba.njit(cache=True)
def _erf_row(i, G, T, Q1, Q2, U1, U2, N1, N2, w2, b2, d, S2, B2, std, width, j0, flag):
    n2 = G.shape[1]
    L = Q1.shape[0] - 1
    a0 = S2 * 2.0 / PI
    a1 = S2 * 4.0 * B2 / PI
    cv = np.empty(CH)
    DD = np.empty(CH)
    th = np.empty(CH)
    dup = np.empty(CH, dtype=np.bool_)
    for jb in range(j0, n2, CH):
        nb = min(CH, n2 - jb)
        for k in range(nb):
            j = jb + k
            g = G[i, j]
            c, t, s, co = _first_angle(g, i, j, Q1, Q2, U1, U2, N1, N2, w2, b2, d, flag)
            rr = _root_prod(Q1[0, i], Q2[0, j])
            DD[k] = (rr * s) * (rr * s)
            dup[k] = t == 0.0 and Q1[0, i] == Q2[0, j]   # identical inputs: the diagonal chain
            th[k] = g + 1.0 if std else c
            cv[k] = c
        for l in range(L):
            q1 = Q1[l, i]
            p1 = Q1[l + 1, i]
            last = l + 1 == L
            for k in range(nb):
                j = jb + k
                q2 = Q2[l, j]
                D = DD[k]
                E = 1.0 + 2.0 * B2 * (q1 + q2) + 4.0 * B2 * B2 * (D if D > 0.0 else 0.0)
                sE = math.sqrt(E)
                k12 = a0 * atan2_any(2.0 * B2 * cv[k], sE)
                kd = a1 / sE
                c = p1 if dup[k] else w2 * k12 + b2
                if std:
                    th[k] = width * k12 + 1.0 + w2 * kd * th[k]
                else:
                    th[k] = th[k] * (w2 * kd) + c
                cv[k] = c
                if not last:
                    DD[k] = 0.0 if dup[k] else p1 * Q2[l + 1, j] - c * c
        for k in range(nb):
            G[i, jb + k] = cv[k]
            T[i, jb + k] = th[k]


@numba.njit(cache=True, parallel=True)
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


@numba.njit(cache=True)
def mirror(A):
    """Copy the upper triangle onto the lower one (blocked, exact)."""
    n = A.shape[0]
    bs = 64
    for bi in range(0, n, bs):
        for bj in range(bi, n, bs):
            for i in range(bi, min(bi + bs, n)):
                for j in range(max(bj, i + 1), min(bj + bs, n)):
                    A[j, i] = A[i, j]
