r"""Hermite tables of an activation for the Gram recursion (:mod:`ntksym.gram.mehler`).

The coefficients of Mehler's series, the log tails that bound its truncation and the 1-D rule
behind them live one layer down, in :mod:`ntksym.backends.hermite_tables` (the dual kernel's
float64 evaluation uses them too). This module adds what the Gram recursion needs on top:
:class:`HermiteTables` (alpha, beta, E, E' and the log tails of one layer's variances, k-major),
:func:`split`, and the table products through the compiled single-threaded matmul.
"""
from __future__ import annotations

import numpy as np

from ntksym.backends import hermite_tables as _ht
from ntksym.backends.hermite_tables import (STEP, activation_functions, breakpoints, log_tails,
                                            table_layout)
from ntksym.gram.common import HAVE_NUMBA

if HAVE_NUMBA:
    from ntksym.gram.compiled import mehler as compiled
else:  # pragma: no cover - numba missing
    compiled = None

__all__ = ["HermiteTables", "hermite_coefficients", "dual_series", "activation_functions",
           "breakpoints", "log_tails", "table_layout", "spot_check"]

CHECK_RTOL = _ht.CHECK_RTOL   # agreement of E[phi^2] with quadrature.expect1 (and between tables)
SMALL_GEMM = 2 ** 24  # table products below this many multiply-adds avoid BLAS threads


def _matmul(F, H):
    """F @ H: BLAS for large products, a single-threaded loop for small ones (a multithreaded
    BLAS call of a few megaflops can wait milliseconds for its threads on a busy machine)."""
    if HAVE_NUMBA and F.shape[0] * F.shape[1] * H.shape[1] < SMALL_GEMM:
        return compiled.matmul(np.ascontiguousarray(F), np.ascontiguousarray(H))
    return F @ H


def _coefficients(fns, breaks, q, K):
    return _ht.coefficients(fns, breaks, q, K, _matmul)


def hermite_coefficients(act, q, K, derivative=False):
    """:func:`ntksym.backends.hermite_tables.hermite_coefficients` with the compiled matmul."""
    return _ht.hermite_coefficients(act, q, K, derivative, _matmul)


def dual_series(act, q1, q2, c, K, which="nngp"):
    """:func:`ntksym.backends.hermite_tables.dual_series` with the compiled matmul."""
    return _ht.dual_series(act, q1, q2, c, K, which, _matmul)


def spot_check(f, breaks, q, E):
    """:func:`ntksym.backends.hermite_tables.spot_check` at this module's ``CHECK_RTOL``."""
    return _ht.spot_check(f, breaks, q, E, CHECK_RTOL)


class HermiteTables:
    """alpha, beta (k-major, columns = points), E, E', log tails, for one set of variances."""

    def __init__(self, fns, breaks, q, K):
        uq, inv = np.unique(q, return_inverse=True)
        inv = inv.ravel()
        (A, E), (B, Ed) = _coefficients(fns, breaks, uq, K)
        self.step = STEP if K % STEP == 0 else 1      # log tails at K = 0, step, 2 step, ...
        La, Ra = log_tails(A, E, self.step)
        Lb, Rb = log_tails(B, Ed, self.step)
        self.K = K
        self.ok = bool(np.all(np.isfinite(A)) and np.all(np.isfinite(B))
                       and np.all(np.isfinite(E)) and np.all(np.isfinite(Ed))
                       and np.all(Ra >= -1e-13 * E) and np.all(Rb >= -1e-13 * Ed))
        self.E, self.Ed = E[inv], Ed[inv]
        self.A = np.ascontiguousarray(A.T[:, inv])
        self.B = np.ascontiguousarray(B.T[:, inv])
        self.La = np.ascontiguousarray(La[inv])
        self.Lb = np.ascontiguousarray(Lb[inv])

    def chunk_max(self, chunk):
        """Per chunk of ``chunk`` consecutive points, the largest log tail at every K of the
        grid."""
        n, k1 = self.La.shape
        nch = -(-n // chunk)
        pad = nch * chunk - n
        out = []
        for L in (self.La, self.Lb):
            P = np.concatenate([L, np.full((pad, k1), -np.inf)]) if pad else L
            out.append(np.ascontiguousarray(P.reshape(nch, chunk, k1).max(axis=1)))
        return out


class _View:
    def __init__(self, tab):
        self.__dict__.update(tab.__dict__)


def split(tab, a, b):
    """The rows a..b of a table built on concatenated variances."""
    v = _View(tab)
    v.E, v.Ed = tab.E[a:b], tab.Ed[a:b]
    v.A = np.ascontiguousarray(tab.A[:, a:b])
    v.B = np.ascontiguousarray(tab.B[:, a:b])
    v.La, v.Lb = tab.La[a:b], tab.Lb[a:b]
    v.chunk_max = lambda chunk: HermiteTables.chunk_max(v, chunk)
    return v
