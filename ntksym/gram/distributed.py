r"""Blockwise Gram matrices as lazy dask arrays, on any dask scheduler.

``net.gram(X1, X2=None, chunks=N)`` (:func:`gram_dask`) cuts the Gram matrices into blocks of
N x N entries (the last row and column of blocks ragged) and builds one dask graph:

* one task computes the diagonal chains Sigma^l(x, x) of every point (O(n L), shared by every
  block: :func:`ntksym.gram.float64.diagonal_chains`), and small tasks hand each block its
  slices of them;
* one task per block computes **both** outputs, NNGP and NTK, into one (2, bi, bj) array
  (:func:`ntksym.gram.float64.gram_block`, the very code of the in-memory Gram, so every entry
  is bit for bit the in-memory one); the NNGP and NTK dask arrays are two views of these tasks,
  so computing or storing them together runs each block once;
* for a symmetric Gram (X2 None) only the blocks on and above the diagonal are tasks: a diagonal
  block is computed as a symmetric Gram (exactly symmetric), and a block below the diagonal is
  the transpose of its mirror image.

The graph runs on whatever scheduler is active when it is computed: dask's local threads by
default, or the cluster of a ``distributed.Client``. :func:`write_gram` stores both outputs
block by block into a zarr group or two ``.npy`` files (memory-mapped), so that no machine ever
holds more than a few blocks: the peak memory of a worker is O(chunks^2) plus the chains
(O(n L)).

Mehler-path activations (no closed-form dual: tanh, SiLU, ...) are supported too, but there every
block builds its own Hermite tables and chains on its own points (the tables of the in-memory
path span all variances), so a block agrees with the in-memory Gram to the series' truncation
tolerance (1e-14 of the Cauchy-Schwarz scale), not bit for bit, and costs the table set-up.

dask is an optional dependency: ``pip install "ntksym[dask]"``.
"""
from __future__ import annotations

import numbers
import os

import numpy as np

from ntksym.core.inputs import float_point_pair
from ntksym.gram.float64 import diagonal_chains, gram_block

__all__ = ["gram_dask", "write_gram", "solve_blockwise", "predict_infinite", "check_chunks",
           "block_bounds", "require_dask", "NpyTarget"]


def require_dask():
    """Import dask.array, or raise an ImportError that says how to install it."""
    try:
        import dask
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - exercised only without dask
        raise ImportError('gram(..., chunks=N) needs dask: pip install "ntksym[dask]"') from exc
    return dask, da


def check_chunks(chunks):
    """``chunks`` as a positive int, or a TypeError/ValueError that names the problem."""
    if isinstance(chunks, bool) or not isinstance(chunks, numbers.Integral):
        raise TypeError(f"chunks must be a positive integer (block edge), got {chunks!r}")
    if int(chunks) < 1:
        raise ValueError(f"chunks must be a positive integer (block edge), got {chunks}")
    return int(chunks)


def block_bounds(n, chunks):
    """[(start, stop), ...] of the blocks of ``range(n)``, the last one ragged."""
    return [(a, min(a + chunks, n)) for a in range(0, n, chunks)]


# -- tasks (module-level functions: pickled by reference to the workers) -----------------------

def _concat(blocks):
    return np.concatenate(blocks, axis=0)


def _chains_task(net, X1, X2, backend):
    return diagonal_chains(net, X1, X2, backend)


def _chains_slice(chains, rows, cols):
    return chains.block(rows, cols)


def _block_task(net, X1, X2, chains, backend):
    """NNGP and NTK of one block, stacked: (2, bi, bj)."""
    n2 = X1.shape[0] if X2 is None else X2.shape[0]
    res = np.empty((2, X1.shape[0], n2))
    gram_block(net, X1, X2, chains, backend, out=(res[0], res[1]))
    return res


def _take(block, which, transpose):
    a = block[which]
    return np.ascontiguousarray(a.T) if transpose else a


def gram_dask(net, X1, X2=None, chunks=4096, backend=None):
    """(nngp, ntk): lazy dask arrays of the float64 Gram matrices of ``net`` on X1 x X2.

    Args:
        net: an :class:`~ntksym.MLP` with numeric W_std and b_std.
        X1, X2: array_like of shape (n1, d) and (n2, d); X2 None for X1 against itself (then
            only blocks on and above the diagonal are computed, and the result is exactly
            symmetric).
        chunks: block edge (a positive int): blocks are chunks x chunks, the last ragged.
        backend: as :func:`ntksym.gram.float64.gram_float64`.

    Returns:
        Two dask arrays of shape (n1, n2), dtype float64, chunked (chunks, chunks), that share
        their block tasks: compute or store them together (``dask.compute(nngp, ntk)``,
        :func:`write_gram`) so that each block runs once.
    """
    dask, da = require_dask()
    from dask.highlevelgraph import HighLevelGraph

    chunks = check_chunks(chunks)
    X1, X2 = float_point_pair(X1, X2)
    sym = X2 is None
    rows = block_bounds(X1.shape[0], chunks)
    cols = rows if sym else block_bounds(X2.shape[0], chunks)
    tok = dask.base.tokenize(X1, X2, chunks, backend, repr(net))
    x1, x2 = "ntksym-x1-" + tok, "ntksym-x2-" + tok
    net_key, ch = "ntksym-net-" + tok, "ntksym-chains-" + tok
    qs, blk = "ntksym-chainblock-" + tok, "ntksym-gramblock-" + tok

    base = {net_key: net}
    for i, (a, b) in enumerate(rows):
        base[(x1, i)] = np.ascontiguousarray(X1[a:b])
    if not sym:
        for j, (a, b) in enumerate(cols):
            base[(x2, j)] = np.ascontiguousarray(X2[a:b])
    base[ch] = (_chains_task, net_key, (_concat, [(x1, i) for i in range(len(rows))]),
                None if sym else (_concat, [(x2, j) for j in range(len(cols))]), backend)
    for i, (a, b) in enumerate(rows):
        for j, (c, d) in enumerate(cols):
            if sym and j < i:
                continue
            diag = sym and i == j
            base[(qs, i, j)] = (_chains_slice, ch, slice(a, b), None if diag else slice(c, d))
            base[(blk, i, j)] = (_block_task, net_key, (x1, i), None if diag else
                                 ((x1, j) if sym else (x2, j)), (qs, i, j), backend)

    shape = (X1.shape[0], X1.shape[0] if sym else X2.shape[0])
    bchunks = (tuple(b - a for a, b in rows), tuple(b - a for a, b in cols))
    out = []
    for which, label in ((0, "nngp"), (1, "ntk")):
        name = f"ntksym-{label}-{tok}"
        dsk = dict(base)
        for i in range(len(rows)):
            for j in range(len(cols)):
                low = sym and j < i
                dsk[(name, i, j)] = (_take, (blk, j, i) if low else (blk, i, j), which, low)
        graph = HighLevelGraph.from_collections(name, dsk, dependencies=())
        out.append(da.Array(graph, name, chunks=bchunks, dtype=np.float64, shape=shape))
    return tuple(out)


# -- writing --------------------------------------------------------------------------------

class NpyTarget:
    """A ``.npy`` file as a dask store target: each block opens the file memory-mapped
    (``mmap_mode="r+"``) where it runs, writes its region and flushes, so that it works from
    worker processes (a numpy memmap itself would be pickled as a copy)."""

    def __init__(self, path, shape):
        self.path, self.shape, self.dtype, self.ndim = os.fspath(path), shape, np.float64, 2

    def __setitem__(self, region, value):
        mm = np.load(self.path, mmap_mode="r+")
        mm[region] = value
        mm.flush()
        del mm


def write_gram(gram, path, compute=True):
    """Store both outputs of a dask Gram block by block (each block task runs once).

    Args:
        gram: ``Gram(nngp, ntk)`` (or a pair) of dask arrays from ``net.gram(..., chunks=N)``.
        path: a zarr store path (a str or path-like not ending in ``.npy``): a group with arrays
            ``"nngp"`` and ``"ntk"`` (chunked like the dask arrays) is written there; or a pair
            of ``.npy`` paths, created with ``numpy.lib.format.open_memmap`` and filled block by
            block (open them with ``numpy.load(p, mmap_mode="r")``). The paths must be reachable
            from every worker (a shared file system on a cluster).
        compute: False to return the stores instead of running them.

    Returns:
        The zarr group, or the pair of paths; with ``compute=False`` the stores, a pair of dask
        objects to compute together (``dask.compute(*stores)``).
    """
    dask, da = require_dask()
    nngp, ntk = gram
    if isinstance(path, (tuple, list)):
        if len(path) != 2 or not all(os.fspath(p).endswith(".npy") for p in path):
            raise ValueError("write_gram: give one zarr path or a pair of '.npy' paths")
        targets = []
        for p, arr in zip(path, (nngp, ntk)):
            np.lib.format.open_memmap(os.fspath(p), mode="w+", dtype=np.float64,
                                      shape=arr.shape).flush()
            targets.append(NpyTarget(p, arr.shape))
        res = da.store([nngp, ntk], targets, lock=False, compute=compute)
        return tuple(path) if compute else res
    if os.fspath(path).endswith(".npy"):
        raise ValueError("write_gram: '.npy' output needs a pair of paths (nngp, ntk)")
    import zarr

    group = zarr.open_group(os.fspath(path), mode="w")
    targets = []
    for name, arr in (("nngp", nngp), ("ntk", ntk)):
        ch = (arr.chunks[0][0], arr.chunks[1][0])
        targets.append(group.create_array(name, shape=arr.shape, chunks=ch, dtype="f8")
                       if hasattr(group, "create_array") else
                       group.create_dataset(name, shape=arr.shape, chunks=ch, dtype="f8"))
    res = da.store([nngp, ntk], targets, lock=False, compute=compute)
    return group if compute else res


# -- kernel regression at scale -------------------------------------------------------------

def _as_dask(da, A, chunks=None):
    if isinstance(A, da.Array):
        return A
    A = np.asarray(A, dtype=np.float64)
    return da.from_array(A, chunks=chunks or "auto")


def solve_blockwise(K_train, y, diag_reg=0.0, assume_a="pos"):
    """alpha with (K + diag_reg (trace K / n) I) alpha = y, blockwise (``dask.array.linalg``).

    The regularisation is neural-tangents' (``diag_reg_absolute_scale=False``). ``K_train`` is
    a square dask array (e.g. ``net.gram(X, chunks=N).ntk``) or a numpy array; it is padded with
    an identity block to a whole number of square blocks (dask's Cholesky and LU need square
    blocks), which leaves the solution unchanged. ``assume_a="pos"`` (default) factors by
    Cholesky (the regularised kernel is positive definite); ``"gen"`` by blocked LU. ``y`` has
    shape (n,) or (n, k). Returns a lazy dask array shaped like ``y``.
    """
    dask, da = require_dask()
    if assume_a not in ("pos", "gen"):
        raise ValueError(f"assume_a must be 'pos' or 'gen', got {assume_a!r}")
    K = _as_dask(da, K_train)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K_train must be a square matrix, got shape {K.shape}")
    n = K.shape[0]
    yv = _as_dask(da, y)
    if yv.ndim not in (1, 2) or yv.shape[0] != n:
        raise ValueError(f"y must have shape ({n},) or ({n}, k), got {yv.shape}")
    if not (isinstance(diag_reg, numbers.Real) and diag_reg >= 0):
        raise ValueError(f"diag_reg must be a real number >= 0, got {diag_reg!r}")
    y2 = yv[:, None] if yv.ndim == 1 else yv
    c = max(K.chunks[0])
    m = -(-n // c) * c
    if m > n:
        K = da.pad(K, ((0, m - n), (0, m - n)))
        y2 = da.pad(y2, ((0, m - n), (0, 0)))
    K = K.rechunk((c, c))
    y2 = y2.rechunk((c, -1))
    reg = diag_reg * da.trace(K) / n if diag_reg else 0.0
    diag = da.where(da.arange(m, chunks=c) < n, reg, 1.0)
    alpha = da.linalg.solve(K + da.diag(diag).rechunk((c, c)), y2, assume_a=assume_a)[:n]
    return alpha[:, 0] if yv.ndim == 1 else alpha


def predict_infinite(K_test_train, K_train, y, diag_reg=0.0, assume_a="pos"):
    """The t = infinity mean of the trained infinite-width ensemble, blockwise:
    K(X_test, X_train) (K_train + diag_reg (trace K_train / n) I)^{-1} y (neural-tangents'
    ``gradient_descent_mse_ensemble`` at t = None). Arguments as :func:`solve_blockwise`;
    ``K_test_train`` is (n_test, n_train). Returns a lazy dask array (n_test,) or (n_test, k).
    """
    dask, da = require_dask()
    alpha = solve_blockwise(K_train, y, diag_reg, assume_a)
    Kt = _as_dask(da, K_test_train)
    if Kt.ndim != 2 or Kt.shape[1] != alpha.shape[0]:
        raise ValueError(f"K_test_train must have shape (n_test, {alpha.shape[0]}), got "
                         f"{Kt.shape}")
    return Kt @ alpha
