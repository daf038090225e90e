"""Tests for `ntksym/gram/distributed.py`: the blockwise Gram as lazy dask arrays.

The reference is the in-memory CPU Gram (``net.gram(X1, X2)``), an independent call of the
whole-matrix engine. The dask Gram runs on a ``distributed.LocalCluster`` with two worker
processes (so that the network, the chains and the blocks really travel between processes).
"""
import numpy as np
import pytest

import ntksym as nk

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from ntksym.gram.distributed import (block_bounds, gram_dask, predict_infinite,  # noqa: E402
                                     solve_blockwise, write_gram)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None, memory_limit="1GiB") as cluster:
        with distributed.Client(cluster) as c:
            yield c


def _rel(a, ref):
    return float(np.max(np.abs(a - ref)) / np.max(np.abs(ref)))


def _points(n, d=5, seed=0):
    X = np.random.default_rng(seed).normal(size=(n, d))
    X[3] = X[1]            # a duplicate, a multiple, an antipode: the degenerate entries
    X[4] = 2.5 * X[1]
    X[5] = -X[1]
    return X


NETS = [
    ("relu", "ntk", 1.4, 0.3),
    ("relu", "standard", 1.4, 0.0),
    ("erf", "ntk", 1.2, 0.2),
    ("erf", "standard", 1.2, 0.0),
    ("x**3 - 2*x", "ntk", 0.8, 0.4),      # a generic closed form (Wick moments)
]


def _net(act, par, w, b, depth=4):
    return nk.MLP(depth=depth, activation=act, W_std=w, b_std=b, parameterization=par,
                  width=64 if par == "standard" else None)


@pytest.mark.parametrize("act,par,w,b", NETS, ids=lambda v: str(v))
def test_equals_in_memory_gram(client, act, par, w, b):
    net = _net(act, par, w, b)
    X, Y = _points(53), _points(29, seed=1)
    for X2, chunks in ((None, 16), (Y, 12), (None, 53), (Y, 7)):   # ragged and single blocks
        ref = net.gram(X, X2)
        g = net.gram(X, X2, chunks=chunks)
        assert isinstance(g.nngp, da.Array) and isinstance(g.ntk, da.Array)
        assert g.nngp.chunks[0][0] == chunks
        nngp, ntk = dask.compute(g.nngp, g.ntk)
        # the same code on the same points and chains: bit-identical except where BLAS forms a
        # block's inner products in another order (a one-column block: gemv, not gemm)
        assert _rel(nngp, ref.nngp) <= 1e-14 and _rel(ntk, ref.ntk) <= 1e-14
        if X2 is None:
            assert np.array_equal(nngp, nngp.T) and np.array_equal(ntk, ntk.T)


def test_mehler_activation_blockwise(client):
    """No closed form (tanh): every block builds its own Hermite tables, so the agreement is
    the series' truncation tolerance (1e-14 of the Cauchy-Schwarz scale per layer), not bits."""
    net = nk.MLP(depth=3, activation="tanh", W_std=1.3, b_std=0.2)
    X = _points(40)
    ref = net.gram(X)
    nngp, ntk = dask.compute(*net.gram(X, chunks=16))
    assert _rel(nngp, ref.nngp) <= 1e-13 and _rel(ntk, ref.ntk) <= 1e-13
    assert np.array_equal(nngp, nngp.T)


def test_one_task_per_block_upper_triangle_only():
    net = _net("relu", "ntk", 1.4, 0.3)
    nngp, ntk = gram_dask(net, _points(50), chunks=16)          # 4 x 4 blocks
    graph = {**nngp.__dask_graph__(), **ntk.__dask_graph__()}
    blocks = [k for k in graph if isinstance(k, tuple) and "gramblock" in k[0]]
    chains = [k for k in graph if isinstance(k, str) and k.startswith("ntksym-chains-")]
    assert len(blocks) == 4 * 5 // 2 and len(chains) == 1
    nngp2, ntk2 = gram_dask(net, _points(50), _points(20, seed=2), chunks=16)
    graph = {**nngp2.__dask_graph__(), **ntk2.__dask_graph__()}
    assert len([k for k in graph if isinstance(k, tuple) and "gramblock" in k[0]]) == 4 * 2


def test_write_zarr_and_memmap(client, tmp_path):
    zarr = pytest.importorskip("zarr")
    net = _net("erf", "ntk", 1.2, 0.2)
    X = _points(45)
    ref = net.gram(X)
    g = net.gram(X, chunks=16)
    write_gram(g, tmp_path / "gram.zarr")
    z = zarr.open_group(str(tmp_path / "gram.zarr"), mode="r")
    assert np.array_equal(z["nngp"][:], ref.nngp) and np.array_equal(z["ntk"][:], ref.ntk)
    paths = (tmp_path / "nngp.npy", tmp_path / "ntk.npy")
    write_gram(g, paths)
    assert np.array_equal(np.load(paths[0], mmap_mode="r"), ref.nngp)
    assert np.array_equal(np.load(paths[1], mmap_mode="r"), ref.ntk)


def test_kernel_regression_blockwise(client):
    net = _net("relu", "ntk", 1.4, 0.3)
    rng = np.random.default_rng(3)
    X, Xt = rng.normal(size=(40, 5)), rng.normal(size=(13, 5))
    y = np.random.default_rng(5).normal(size=(40, 2))
    K, Kt = net.gram(X).ntk, net.gram(Xt, X).ntk
    for reg in (1e-2, 0.0):
        A = K + reg * np.trace(K) / K.shape[0] * np.eye(K.shape[0])
        ref = Kt @ np.linalg.solve(A, y)
        mean = predict_infinite(net.gram(Xt, X, chunks=16).ntk, net.gram(X, chunks=16).ntk, y,
                                reg).compute()
        cond = np.linalg.cond(A)
        assert _rel(mean, ref) <= 1e-15 * cond * 10
        alpha = solve_blockwise(net.gram(X, chunks=16).ntk, y[:, 0], reg).compute()
        assert alpha.shape == (40,)
        assert _rel(A @ alpha, y[:, 0]) <= 1e-15 * cond * 10


def test_bad_arguments():
    net = _net("relu", "ntk", 1.4, 0.3)
    X = _points(10)
    for bad in (0, -3):
        with pytest.raises(ValueError, match="chunks"):
            net.gram(X, chunks=bad)
    for bad in (2.5, "8", True):
        with pytest.raises(TypeError, match="chunks"):
            net.gram(X, chunks=bad)
    with pytest.raises(ValueError, match="alternatives"):
        net.gram(X, chunks=4, dps=20)
    with pytest.raises(ValueError, match="needs a pair of paths"):
        write_gram(net.gram(X, chunks=4), "out.npy")
    with pytest.raises(ValueError, match="square"):
        solve_blockwise(np.ones((3, 4)), np.ones(3))
    assert block_bounds(10, 4) == [(0, 4), (4, 8), (8, 10)]
