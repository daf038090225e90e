"""nk.predict(..., chunks=N): the t = infinity mean from dask Gram matrices, solved blockwise, equals
the in-memory eigendecomposition path (an independent solver) and neural-tangents' formula."""
import numpy as np
import pytest

import ntksym as nk

pytest.importorskip("dask")

RNG = np.random.default_rng(5)
X = RNG.standard_normal((37, 4))
XT = RNG.standard_normal((11, 4))
Y = RNG.standard_normal((37, 2))


@pytest.mark.parametrize("kind", ["ntk", "nngp"])
@pytest.mark.parametrize("diag_reg", [0.0, 1e-3])
def test_blockwise_mean_equals_in_memory(kind, diag_reg):
    net = nk.MLP(depth=3, activation="erf", W_std=1.5, b_std=0.3)
    ref = nk.predict(net, X, Y, XT, diag_reg=diag_reg, kind=kind)
    got = nk.predict(net, X, Y, XT, diag_reg=diag_reg, kind=kind, chunks=10)
    assert got.cov is None and got.rank == X.shape[0]
    scale = np.abs(ref.mean).max()
    assert np.abs(got.mean - ref.mean).max() <= 1e-9 * scale
    # and neural-tangents' formula, solved directly
    g_dd, g_td = net.gram(X), net.gram(XT, X)
    K = getattr(g_dd, kind)
    reg = K + diag_reg * np.trace(K) / len(K) * np.eye(len(K))
    direct = getattr(g_td, kind) @ np.linalg.solve(reg, Y)
    assert np.abs(got.mean - direct).max() <= 1e-9 * scale


def test_blockwise_refuses_what_it_cannot_do():
    net = nk.MLP(depth=2, activation="relu", W_std=1.5, b_std=0.3)
    with pytest.raises(ValueError, match="t = infinity"):
        nk.predict(net, X, Y, t=1.0, chunks=10)
    with pytest.raises(ValueError, match="t = infinity"):
        nk.predict(net, X, Y, cov=True, chunks=10)
    square = nk.MLP(depth=1, activation="x**2", W_std=1.0, b_std=0.0)   # rank 10 < 37 in R^4
    with pytest.raises(ValueError, match="singular"):
        nk.predict(square, X, Y, chunks=10)
