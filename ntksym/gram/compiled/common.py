"""Compiled pieces that every fused Gram kernel shares: a branch-free atan2, Kahan's angle, the
exact mirror of a symmetric result.

``atan2_sel`` is a select-only arctangent (no libm call), so that loops calling it vectorise.
"""
from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["atan2_pos", "atan2_sel", "root_prod", "kahan_angle", "h_series", "abrelu_terms",
           "mirror"]

PI = math.pi
HALF_PI = math.pi / 2
SQRT3 = 1.7320508075688772
TAN_PI_12 = 0.2679491924311227
PI_6 = math.pi / 6

# atan(u) = u * sum_k (-1)^k u^(2k) / (2k + 1); |u| <= tan(pi/12) -> 16 terms reach 1e-18
# h(t) = sin t - t cos t = t^3 * sum_{k>=1} (-1)^(k+1) 2k/(2k+1)! t^(2k-2), used for t <= pi/2
_H = np.array([(-1.0) ** (k + 1) * 2 * k / math.factorial(2 * k + 1) for k in range(1, 12)])
_ATAN = np.array([(-1.0) ** k / (2 * k + 1) for k in range(16)])


@numba.njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
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


@numba.njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
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


@numba.njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def root_prod(a, b):
    """sqrt(a b) without overflow or underflow of the product (select only)."""
    p = a * b
    inside = (p <= 1e300) & (p >= 1e-300)   # & not and: a select, no branch (vectorises)
    return math.sqrt(p) if inside else math.sqrt(a) * math.sqrt(b)


@numba.njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def kahan_angle(U1, U2, i, j, nu1, nu2):
    """Angle between rows U1[i] and U2[j] by Kahan's formula 2 atan2(|a|, |b|)."""
    dm = 0.0
    dp = 0.0
    for k in range(U1.shape[1]):
        x = nu2 * U1[i, k]
        y = nu1 * U2[j, k]
        dm += (x - y) * (x - y)
        dp += (x + y) * (x + y)
    return 2.0 * atan2_pos(math.sqrt(dm), math.sqrt(dp))


@numba.njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def atan2_sel(y, x):
    """atan2(y, x) for y >= 0 without branches (selects only), a few ulp."""
    ax = abs(x)
    mx = max(y, ax)
    mn = min(y, ax)
    u = mn / mx if mx > 0.0 else 0.0
    big = u > TAN_PI_12
    v = (u * SQRT3 - 1.0) / (u + SQRT3) if big else u
    v2 = v * v
    p = _ATAN[15]
    for k in range(14, -1, -1):
        p = p * v2 + _ATAN[k]
    a = v * p + (PI_6 if big else 0.0)
    a = HALF_PI - a if y > ax else a
    return PI - a if x < 0.0 else a


@numba.njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def h_series(t):
    """sin t - t cos t for 0 <= t <= pi/2 by its Taylor series (no cancellation)."""
    t2 = t * t
    p = _H[10]
    for k in range(9, -1, -1):
        p = p * t2 + _H[k]
    return t * t2 * p


@numba.njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def abrelu_terms(t, s, co, ao2, ae2):
    """(F, m - F, m + F) of phi = ao x + ae |x| at angle t (sin s, cos co), m = ao2 + ae2.

    The dual is r F(t) with F = ao2 cos t + ae2 (2/pi)(sin t + (pi/2 - t) cos t); m - F and
    m + F are formed without cancellation (1 - |cos t| = sin^2 t / (1 + |cos t|), and the series
    of sin t - t cos t near 0 and pi). Selects only, so loops calling it vectorise.
    """
    aco = abs(co)
    small = s * s / (1.0 + aco)           # 1 - |cos t|
    large = 1.0 + aco                     # 1 + |cos t|
    g = (2.0 / PI) * (s + (HALF_PI - t) * co)
    omg = small - (2.0 / PI) * h_series(min(t, PI - t))
    F = ao2 * co + ae2 * g
    mmF = ao2 * (small if co >= 0.0 else large) + ae2 * omg
    mpF = ao2 * (small if co <= 0.0 else large) + ae2 * (1.0 + g)
    return F, mmF, mpF


@numba.njit(cache=True, error_model="numpy", fastmath={"contract"})
def mirror(A):
    """Copy the upper triangle onto the lower one (blocked, exact)."""
    n = A.shape[0]
    bs = 64
    for bi in range(0, n, bs):
        for bj in range(bi, n, bs):
            for i in range(bi, min(bi + bs, n)):
                for j in range(max(bj, i + 1), min(bj + bs, n)):
                    A[j, i] = A[i, j]
