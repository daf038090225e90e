"""Gauss--Legendre rules on [-1, 1]: correctly rounded float64, and mpmath at any precision.

The float64 nodes and weights are computed once per node count with mpmath and rounded
(numpy's and scipy's weights carry errors up to 1e-13 that bias sums by ~1e-15); the mpmath
ones are computed once per precision by Newton's method.
"""
import functools

import mpmath
import numpy as np

__all__ = ["gauss_legendre", "mp_legendre"]


@functools.lru_cache(maxsize=None)
def gauss_legendre(n):
    """Gauss-Legendre nodes and weights on [-1, 1], correctly rounded to float64.

    (numpy's and scipy's rules have relative errors up to ~1e-13 in some weights, which shows
    up as a bias of a few 1e-15 in sums of positive terms.)
    """
    xs, ws = mp_legendre(int(n), 90)
    order = np.argsort(np.array([float(x) for x in xs]))
    t = np.array([float(x) for x in xs])[order]
    w = np.array([float(x) for x in ws])[order]
    return t, w


@functools.lru_cache(maxsize=64)
def mp_legendre(n, prec):
    """Gauss-Legendre nodes/weights on [-1, 1] at binary precision ``prec`` (tuple of mpf)."""
    with mpmath.workprec(prec + 20):
        tol = mpmath.mpf(2) ** (-prec - 10)
        xs, ws = [], []
        for i in range(1, n // 2 + 1):
            x = mpmath.cos(mpmath.pi * (i - mpmath.mpf(1) / 4) / (n + mpmath.mpf(1) / 2))
            for _ in range(100):
                p0, p1 = mpmath.mpf(1), x
                for k in range(2, n + 1):
                    p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
                dp = n * (x * p1 - p0) / (x * x - 1)
                dx = p1 / dp
                x -= dx
                if abs(dx) < tol:
                    break
            p0, p1 = mpmath.mpf(1), x
            for k in range(2, n + 1):
                p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
            dp = n * (x * p1 - p0) / (x * x - 1)
            w = 2 / ((1 - x * x) * dp * dp)
            xs += [x, -x]
            ws += [w, w]
        if n % 2:
            p0, p1 = mpmath.mpf(1), mpmath.mpf(0)
            for k in range(2, n + 1):
                p0, p1 = p1, (-(k - 1) * p0) / k
            dp = n * (-p0)           # derivative of P_n at 0: n * (0 * P_n - P_{n-1}) / (-1)
            xs.append(mpmath.mpf(0))
            ws.append(2 / (dp * dp))
    return tuple(xs), tuple(ws)
