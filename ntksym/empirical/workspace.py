"""Memory of the empirical NTK: the kept work buffer, the budget, exactly symmetric Gram products."""
from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

__all__ = ["NTK_MEMORY_BUDGET", "WORKSPACE_CACHE", "take_workspace", "return_workspace",
           "product"]

NTK_MEMORY_BUDGET = 2 ** 30
"""Bytes that the forward/backward state of :meth:`EmpiricalNetwork.ntk` may take before the
automatic ``block_size`` splits the rows into blocks (the n1 x n2 result comes on top)."""


WORKSPACE_CACHE = 32 * 2 ** 20
"""Bytes of work buffer that :meth:`EmpiricalNetwork.ntk` keeps between calls (0: none)."""

_workspace = []
_workspace_lock = threading.Lock()


def take_workspace(size):
    """A float64 work buffer of at least ``size`` elements: the kept one if big enough."""
    with _workspace_lock:
        kept = _workspace.pop() if _workspace else None
    if kept is not None and kept.size >= size:
        return kept
    del kept  # free it before allocating the larger one
    return np.empty(size)


def return_workspace(work):
    """Keep ``work`` for the next call if it is within WORKSPACE_CACHE (and no other is kept)."""
    if work.nbytes <= WORKSPACE_CACHE:
        with _workspace_lock:
            if not _workspace:
                _workspace.append(work)


def product(A1, A2=None, out=None):
    """A1 A2^T into ``out``; A1 A1^T, exactly symmetric, when A2 is None.

    NumPy computes ``A @ A.T`` with BLAS syrk (half the flops of gemm) and mirrors the
    triangle. (SciPy's BLAS is not used: it may be a second OpenBLAS whose threads then contend
    with NumPy's.)
    """
    if A2 is not None:
        return np.matmul(A1, A2.T, out=out)
    out = np.matmul(A1, A1.T, out=out)
    if not matmul_is_symmetric():  # a BLAS without the syrk path
        mirror_upper(out)
    return out


@lru_cache(maxsize=None)
def matmul_is_symmetric():
    """Whether this NumPy computes A @ A.T exactly symmetric (its syrk path); checked once."""
    A = np.random.default_rng(0).standard_normal((67, 131))
    G = A @ A.T
    return bool(np.array_equal(G, G.T))


def mirror_upper(G):
    iu = np.triu_indices(len(G), 1)
    G[(iu[1], iu[0])] = G[iu]
