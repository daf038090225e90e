"""What every float64 Gram path shares: the first layer, the mirror, the output buffers.

The first layer of a pair (x, x') is its covariance Sigma^1 = w^2 <x, x'>/d + b^2, its angle and
the NTK seed Theta^1. The angle of nearly parallel (or antiparallel) inputs is computed by
Kahan's formula 2 atan2(|b u - a v|, |b u + a v|) on the augmented inputs (w x / sqrt(d), b),
a = |u|, b = |v|, so duplicates are exactly degenerate and near-duplicates keep their small
angle. :class:`Inputs` holds what the paths need of the points, computed once.
"""
from __future__ import annotations

import math

import numpy as np

from ntksym.core.recursion import input_layer

try:  # compiled kernels
    from ntksym.gram.compiled import common as compiled_common
    HAVE_NUMBA = True
except Exception:  # pragma: no cover - numba missing or broken
    compiled_common = None
    HAVE_NUMBA = False

__all__ = ["HAVE_NUMBA", "TILE", "FLAG", "Inputs", "root_prod", "first_layer", "mirror",
           "output_buffers", "all_finite"]

TILE = 256          # numpy tile edge (entries per tile: TILE**2)
FLAG = 0.94         # c^2 > FLAG q1 q2 (|cos| > 0.97): first angle by Kahan's formula
ROWS = 1024         # rows of <x, x'> formed per matrix product (no n x n temporary)


def root_prod(a, b):
    """sqrt(a b) without overflow or underflow of the product."""
    with np.errstate(over="ignore", under="ignore"):
        p = a * b
        return np.where((p <= 1e300) & (p >= 1e-300), np.sqrt(p), np.sqrt(a) * np.sqrt(b))


def kahan_angle(U1, U2, nu1, nu2):
    """Angles between paired rows of U1 and U2 (norms nu1, nu2), Kahan's formula."""
    x = nu2[:, None] * U1
    y = nu1[:, None] * U2
    dm = np.sqrt(np.sum((x - y) ** 2, axis=1))
    dp = np.sqrt(np.sum((x + y) ** 2, axis=1))
    return 2.0 * np.arctan2(dm, dp)


class Inputs:
    """The points of one Gram computation, prepared once for every path.

    Attributes: ``sym`` (X2 is None), ``d``, ``w2``, ``b2``, ``standard``, ``width``, the squared
    norms ``n1sq``/``n2sq``, the augmented points ``U1``/``U2`` = (w x / sqrt(d), b) and their
    norms ``N1``/``N2`` (for Kahan's angle).
    """

    def __init__(self, net, X1, X2):
        self.sym = X2 is None
        Xb = X1 if self.sym else X2
        self.X1, self.X2 = X1, Xb
        self.d = X1.shape[1]
        self.w2, self.b2 = float(net.W_std) ** 2, float(net.b_std) ** 2
        self.standard = net.parameterization == "standard"
        self.width = float(net.width) if self.standard else 0.0
        self.n1sq = np.einsum("ij,ij->i", X1, X1)
        self.n2sq = self.n1sq if self.sym else np.einsum("ij,ij->i", Xb, Xb)
        sc, bb = math.sqrt(self.w2 / self.d), math.sqrt(self.b2)
        self.U1 = np.hstack([X1 * sc, np.full((X1.shape[0], 1), bb)])
        self.U2 = self.U1 if self.sym else np.hstack([Xb * sc, np.full((Xb.shape[0], 1), bb)])
        self.N1 = np.sqrt(np.einsum("ij,ij->i", self.U1, self.U1))
        self.N2 = self.N1 if self.sym else np.sqrt(np.einsum("ij,ij->i", self.U2, self.U2))

    def first_variances(self):
        """Sigma^1(x, x) of the rows of X1 and of X2."""
        q1 = input_layer(self.n1sq, self.w2, self.b2, self.d, False)[0]
        q2 = q1 if self.sym else input_layer(self.n2sq, self.w2, self.b2, self.d, False)[0]
        return q1, q2

    def inner_products(self, G):
        """<x, x'> into G in place, a block of rows at a time (no n x n temporary)."""
        for a in range(0, G.shape[0], ROWS):
            np.matmul(self.X1[a:a + ROWS], self.X2.T, out=G[a:a + ROWS])
        if self.sym:
            np.fill_diagonal(G, self.n1sq)


def first_layer(g, i, j, Q1, Q2, inp):
    """Layer 1 of a tile: (c, t, sin t, cos t, Theta^1, duplicate) for index arrays i, j.

    ``g`` holds the inner products of the tile; identical inputs (angle 0 and equal norms) are
    flagged, so that they can follow the diagonal's chain exactly.
    """
    c, th = input_layer(g, inp.w2, inp.b2, inp.d, inp.standard)
    c = np.array(c, dtype=float)
    q1, q2 = np.broadcast_arrays(Q1[0][i], Q2[0][j])
    r = root_prod(q1, q2)
    D = q1 * q2 - c * c
    sD = np.sqrt(np.maximum(D, 0.0))
    t = np.arctan2(sD, c)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(r > 0, sD / r, 0.0)
        co = np.where(r > 0, c / r, 1.0)
    t = np.where(r > 0, t, 0.0)
    flag = (c * c > FLAG * q1 * q2) & (r > 0)
    if np.any(flag):
        ii, jj = np.broadcast_to(i, c.shape)[flag], np.broadcast_to(j, c.shape)[flag]
        tk = kahan_angle(inp.U1[ii], inp.U2[jj], inp.N1[ii], inp.N2[jj])
        t[flag] = tk
        c[flag] = r[flag] * np.cos(tk)
        s[flag] = np.sin(tk)
        co[flag] = np.cos(tk)
    th = np.array(th, dtype=float) if inp.standard else c.copy()
    dup = (t == 0.0) & (q1 == q2)
    return c, t, s, co, th, dup


def mirror(A, use_numba=True):
    """Copy the upper triangle of a square array onto the lower one (exact)."""
    if use_numba and HAVE_NUMBA:
        compiled_common.mirror(A)
        return
    n = A.shape[0]
    for a in range(0, n, TILE):
        blk = A[a:a + TILE, a:a + TILE]
        iu = np.triu_indices(blk.shape[0], 1)
        blk[(iu[1], iu[0])] = blk[iu]
        for b in range(a + TILE, n, TILE):
            A[b:b + TILE, a:a + TILE] = A[a:a + TILE, b:b + TILE].T


def all_finite(A):
    """Whether every entry of A is finite, without an n x n temporary: the max and the min
    (SIMD reductions) propagate NaN and show +-inf."""
    if A.size == 0:
        return True
    return bool(np.isfinite(A.max()) and np.isfinite(A.min()))


def output_buffers(out, n1, n2):
    """The two output arrays: new ones, or the caller's ``out`` pair after checking it."""
    if out is None:
        return np.empty((n1, n2)), np.empty((n1, n2))
    try:
        G, T = out
    except (TypeError, ValueError):
        raise TypeError("out must be a pair (nngp, ntk) of float64 arrays") from None
    for name, A in (("out[0]", G), ("out[1]", T)):
        if not isinstance(A, np.ndarray):
            raise TypeError(f"{name} must be a numpy array, got {type(A).__name__}")
        if A.dtype != np.float64 or A.shape != (n1, n2):
            raise ValueError(f"{name} must be a float64 array of shape {(n1, n2)}, got "
                             f"{A.dtype} {A.shape}")
        if not (A.flags.c_contiguous and A.flags.writeable):
            raise ValueError(f"{name} must be C-contiguous and writeable")
    if np.shares_memory(G, T):
        raise ValueError("out[0] and out[1] must not overlap")
    return G, T
