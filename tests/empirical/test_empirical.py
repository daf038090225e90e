"""Tests for `ntksym/empirical/`: finite-width NTKs and Monte Carlo NNGPs.

References are independent of the code under test: a brute-force Jacobian (hand-written
per-example backpropagation, itself checked by central finite differences), the infinite-width
kernels of ``net.gram`` (closed forms / quadrature), and exact monomial counts for the rank.
Statistical tolerances follow the theory: the relative error of one network of width n is
c/sqrt(n) with c = O(1) (about 1 for these networks), and its log-log slope is -1/2.
"""
from math import comb

import numpy as np
import pytest

import ntksym as nk
from ntksym.empirical import (EmpiricalNetwork, Estimate, empirical_network, empirical_nngp,
                              empirical_ntk, workspace)

RNG = np.random.default_rng(20240611)
X5 = RNG.standard_normal((5, 3))
X3 = RNG.standard_normal((3, 3))


# --------------------------------------------------------------------------------------------
# brute force: the full Jacobian by explicit per-example backpropagation
# --------------------------------------------------------------------------------------------

def _scales(net, shapes):
    """Forward scales (sw_k, sb) as the conventions define them (from the brief, not the code)."""
    w, b = float(net.W_std), float(net.b_std)
    if net.parameterization == "standard":
        return [1.0] * len(shapes), 1.0
    return [w / np.sqrt(s[0]) for s in shapes], b


def _forward_one(net, params, x):
    phi = nk.numeric.activation_function(net.activation)
    sw, sb = _scales(net, [W.shape for W, _ in params])
    a, hs, acts = x, [], [x]
    for k, (W, b) in enumerate(params):
        h = sw[k] * (a @ W) + sb * b
        hs.append(h)
        a = phi(h) if k < len(params) - 1 else h
        acts.append(a)
    return hs, acts


def _jacobian(net, params, X):
    """Rows: d f(x) / d (W^0, b^0, W^1, b^1, ...), flattened in that order."""
    dphi = nk.numeric.activation_function(net.activation.derivative())
    sw, sb = _scales(net, [W.shape for W, _ in params])
    rows = []
    for x in X:
        hs, acts = _forward_one(net, params, x)
        grads = [None] * len(params)
        delta = np.ones(1)  # d f / d h^{L+1}
        for k in range(len(params) - 1, -1, -1):
            W, b = params[k]
            grads[k] = (sw[k] * np.outer(acts[k], delta), sb * delta)
            if k > 0:
                delta = (sw[k] * (W @ delta)) * dphi(hs[k - 1])
        rows.append(np.concatenate([np.concatenate([gW.ravel(), gb]) for gW, gb in grads]))
    return np.array(rows)


def _f(net, params, x):
    return _forward_one(net, params, x)[1][-1][0]


NETS = [
    nk.MLP(depth=1, activation="tanh", W_std=1.5, b_std=0.3),
    nk.MLP(depth=2, activation="relu", W_std=1.4, b_std=0.2),
    nk.MLP(depth=3, activation="erf", W_std=1.1, b_std=0.5),
    nk.MLP(depth=2, activation="x**3 - 2*x + 1/2", W_std=0.9, b_std=0.0),
    nk.MLP(depth=2, activation="sin", W_std=1.2, b_std=0.4, parameterization="standard",
           width=7),
    nk.MLP(depth=2, activation=nk.activation("leaky_relu", alpha=0.1), W_std=1.0, b_std=0.3),
    nk.MLP(depth=1, activation="abs", W_std=1.0, b_std=0.3, parameterization="standard",
           width=5),
]


@pytest.mark.parametrize("net", NETS, ids=repr)
def test_brute_force_jacobian_matches_finite_differences(net):
    f = empirical_network(net, width=5, seed=3, input_dim=3)
    params = [(W.copy(), b.copy()) for W, b in f.params]
    J = _jacobian(net, params, X3)
    flat = [p for pair in params for p in pair]
    eps, col = 1e-6, 0
    for arr in flat:
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            up = np.array([_f(net, params, x) for x in X3])
            arr[idx] = old - eps
            down = np.array([_f(net, params, x) for x in X3])
            arr[idx] = old
            # (ReLU: the fixed seed puts no pre-activation within eps of its kink)
            np.testing.assert_allclose(J[:, col], (up - down) / (2 * eps), rtol=1e-5,
                                       atol=1e-6)
            col += 1
    assert col == J.shape[1]
    # and the forward pass of the network is the brute-force one
    np.testing.assert_allclose(f.apply(X3)[:, 0], [_f(net, params, x) for x in X3], rtol=1e-13)


@pytest.mark.parametrize("net", NETS, ids=repr)
@pytest.mark.parametrize("width", [1, 6])
def test_structured_ntk_equals_jacobian_gram(net, width):
    f = empirical_network(net, width=width, seed=11, input_dim=3)
    J1 = _jacobian(net, f.params, X5)
    J2 = _jacobian(net, f.params, X3)
    K = f.ntk(X5)
    ref = J1 @ J1.T
    assert np.max(np.abs(K - ref)) <= 1e-10 * np.max(np.abs(ref))
    assert np.array_equal(K, K.T)
    K12 = f.ntk(X5, X3)
    ref12 = J1 @ J2.T
    assert K12.shape == (5, 3)
    assert np.max(np.abs(K12 - ref12)) <= 1e-10 * np.max(np.abs(ref12))


def test_empirical_ntk_function_matches_network():
    net = NETS[1]
    K = empirical_ntk(net, X5, width=9, seed=4)
    f = empirical_network(net, width=9, seed=4, input_dim=X5.shape[1])
    J = _jacobian(net, f.params, X5)
    np.testing.assert_allclose(K, J @ J.T, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("parameterization", ["ntk", "standard"])
def test_nngp_is_readout_expectation(parameterization):
    """E over the read-out layer of f f' equals (w^2/n) A A^T + b^2: check by brute force."""
    net = nk.MLP(depth=2, activation="erf", W_std=1.3, b_std=0.4,
                 parameterization=parameterization, width=6)
    f = empirical_network(net, width=6, seed=2, input_dim=3)
    params = f.params
    hs = [_forward_one(net, params, x) for x in X5]
    A = np.array([acts[-2] for _, acts in hs])      # phi(h^L), shape (5, 6)
    ref = 1.3 ** 2 / 6 * A @ A.T + 0.4 ** 2
    np.testing.assert_allclose(f.nngp(X5), ref, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# row blocks and memory
# --------------------------------------------------------------------------------------------

BLOCK_NETS = [NETS[0], NETS[1], NETS[4]]     # tanh, ReLU (in-place path), sin "standard"
XB1 = np.random.default_rng(31).standard_normal((11, 3))   # (not RNG: that would change the
XB2 = np.random.default_rng(32).standard_normal((7, 3))    # points of the tests below)


def _max_rel(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize("net", BLOCK_NETS, ids=repr)
@pytest.mark.parametrize("block_size", [1, 2, 4, 10, 11, 50])
def test_blocked_ntk_equals_unblocked(net, block_size):
    """Blocks of 1, 2, 4, 10 rows (11 = 2*4 + 3 and 7 = 4 + 3: ragged last blocks), one exact
    block and one larger than the data: the same kernel, and still the Jacobian Gram."""
    f = empirical_network(net, width=6, seed=5, input_dim=3)
    full, cross = f.ntk(XB1), f.ntk(XB1, XB2)
    K = f.ntk(XB1, block_size=block_size)
    assert np.array_equal(K, K.T)                   # the mirrored blocks are exact
    assert _max_rel(K, full) <= 1e-13
    K12 = f.ntk(XB1, XB2, block_size=block_size)
    assert K12.shape == (11, 7)
    assert _max_rel(K12, cross) <= 1e-13
    J1, J2 = _jacobian(net, f.params, XB1), _jacobian(net, f.params, XB2)
    assert _max_rel(K, J1 @ J1.T) <= 1e-10
    assert _max_rel(K12, J1 @ J2.T) <= 1e-10
    # X2 = X1 given explicitly takes the cross path: same numbers
    assert _max_rel(f.ntk(XB1, XB1, block_size=block_size), full) <= 1e-13


def test_block_size_through_empirical_ntk_and_draws():
    net = NETS[1]
    a = empirical_ntk(net, XB1, XB2, width=8, seed=2, draws=3, block_size=3)
    b = empirical_ntk(net, XB1, XB2, width=8, seed=2, draws=3)
    assert _max_rel(a.mean, b.mean) <= 1e-13
    assert np.allclose(a.stderr, b.stderr, rtol=1e-9, atol=1e-14)


def test_automatic_blocks_when_the_budget_is_exceeded(monkeypatch):
    from ntksym.empirical import network as empirical

    net = nk.MLP(depth=2, activation="relu", W_std=1.4, b_std=0.2)
    f = empirical_network(net, width=16, seed=0, input_dim=3)
    full = f.ntk(XB1)
    # state per row: 8 (L + 1.125) W = 400 bytes; a budget of 1000 bytes gives blocks of one row
    monkeypatch.setattr(workspace, "NTK_MEMORY_BUDGET", 1000)
    assert f._block_size(11, None, None) == 1
    assert f.ntk_memory(11) < f.ntk_memory(11, block_size=11)
    assert _max_rel(f.ntk(XB1), full) <= 1e-13
    calls = []
    original = empirical.EmpiricalNetwork._accumulate
    monkeypatch.setattr(empirical.EmpiricalNetwork, "_accumulate",
                        lambda self, K, *args: calls.append(K.shape) or original(self, K, *args))
    f.ntk(XB1)
    assert len(calls) == 11 * 12 // 2 and set(calls) == {(1, 1)}   # the upper triangle


def _peak(fn):
    """Peak bytes allocated by fn(), measured by tracemalloc from a cold start (no kept work
    buffer: ntk keeps one between calls, see test_work_buffer_is_kept_and_bounded)."""
    import tracemalloc

    from ntksym.empirical import network as empirical

    workspace._workspace.clear()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("n, width, depth", [(300, 400, 3), (400, 100, 6)])
def test_peak_memory_within_formula(n, width, depth):
    """tracemalloc peak <= 8 [n1 n2 + 2 m1 m2 + (L + 1.125) r W + (n1 + n2) d + 2 W] + 16 B
    + 16384 for ReLU (per row: L activation vectors, one backward vector and a boolean mask;
    transients: two W-vectors, two ufunc buffers of B = numpy.getbufsize() elements, Python
    objects), a bound derived by hand, not by the code under test's ntk_memory, and blocks cut
    the memory. The
    second case (n > W, depth 6) would fail if the L n x n Gram matrices of the forward pass
    were kept: 3 n^2 + 7.125 n W = 765k floats, (L + 1) n^2 = 1.1M."""
    net = nk.MLP(depth=depth, activation="relu", W_std=1.4, b_std=0.2)
    d = 5
    X = np.random.default_rng(0).standard_normal((n, d))
    X2 = np.random.default_rng(1).standard_normal((n // 2, d))
    f = empirical_network(net, width=width, seed=0, input_dim=d)
    f.ntk(X[:3])                                     # compile/cache outside the measurement
    buffers = 16 * np.getbufsize() + 16 * width + 16384

    def bound(n1, n2, m1, m2, rows, inputs):
        return 8 * (n1 * n2 + 2 * m1 * m2 + (depth + 1.125) * rows * width
                    + inputs * d) + buffers

    sym = _peak(lambda: f.ntk(X))
    assert 8 * n * n <= sym <= bound(n, n, n, n, n, n)
    assert sym <= f.ntk_memory(n)
    cross = _peak(lambda: f.ntk(X, X2))
    assert cross <= bound(n, n // 2, n, n // 2, n + n // 2, n + n // 2)
    b = 32
    blocked = _peak(lambda: f.ntk(X, block_size=b))
    assert blocked <= bound(n, n, b, b, 2 * b, n)
    assert blocked <= f.ntk_memory(n, block_size=b)
    assert blocked < sym - 8 * (depth - 1) * n * width     # the state no longer grows with n
    # the depth-independent setting: state of two blocks <= 8 n W bytes
    b = int(n / (2 * (depth + 1.125)))
    assert _peak(lambda: f.ntk(X, block_size=b)) <= 8 * (n * n + 2 * b * b + n * width
                                                        + n * d) + buffers


def test_work_buffer_is_kept_and_bounded(monkeypatch):
    import tracemalloc

    from ntksym.empirical import network as empirical

    f = empirical_network(NETS[1], width=64, seed=0, input_dim=3)
    X = np.random.default_rng(0).standard_normal((40, 3))
    cold = _peak(lambda: f.ntk(X))
    ref = f.ntk(X)
    assert len(workspace._workspace) == 1
    kept = workspace._workspace[0]
    assert kept.nbytes <= workspace.WORKSPACE_CACHE
    kept.fill(np.nan)                               # its contents must not matter
    tracemalloc.start()
    try:
        f.ntk(X)
        warm = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert warm <= cold - kept.nbytes + 1024       # the kept buffer was used, not a new one
    assert np.array_equal(f.ntk(X), ref)
    monkeypatch.setattr(workspace, "WORKSPACE_CACHE", 0)
    workspace._workspace.clear()
    assert np.array_equal(f.ntk(X), ref)
    assert workspace._workspace == []


@pytest.mark.parametrize("block_size, exc, match", [
    (0, ValueError, "block_size must be >= 1, got 0"),
    (-3, ValueError, "block_size must be >= 1"),
    (2.5, TypeError, "block_size must be an integer"),
    (True, TypeError, "block_size must be an integer"),
    ("4", TypeError, "block_size"),
])
def test_bad_block_size(block_size, exc, match):
    f = empirical_network(NETS[1], width=4, seed=0, input_dim=3)
    with pytest.raises(exc, match=match):
        f.ntk(X5, block_size=block_size)
    with pytest.raises(exc, match=match):
        empirical_ntk(NETS[1], X5, width=4, block_size=block_size)
    with pytest.raises(exc, match=match):
        empirical_ntk(NETS[1], X5, width=4, draws=2, block_size=block_size)


# --------------------------------------------------------------------------------------------
# reproducibility, parameterizations, the Estimate
# --------------------------------------------------------------------------------------------

def test_seeded_and_reproducible():
    net = NETS[2]
    a = empirical_ntk(net, X5, width=16, seed=5)
    b = empirical_ntk(net, X5, width=16, seed=5)
    c = empirical_ntk(net, X5, width=16, seed=6)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)
    e1 = empirical_nngp(net, X5, width=16, draws=3, seed=1)
    e2 = empirical_nngp(net, X5, width=16, draws=3, seed=1)
    assert np.array_equal(e1.mean, e2.mean)


def test_standard_and_ntk_parameterizations_share_the_function():
    ntk = nk.MLP(depth=2, activation="tanh", W_std=1.2, b_std=0.3)
    std = nk.MLP(depth=2, activation="tanh", W_std=1.2, b_std=0.3, parameterization="standard",
                 width=8)
    f1 = empirical_network(ntk, width=8, seed=0)
    f2 = empirical_network(std, seed=0)          # width from net.width
    assert f2.width == 8
    np.testing.assert_allclose(f1.apply(X5), f2.apply(X5), rtol=1e-12)
    assert not np.allclose(f1.ntk(X5), f2.ntk(X5))


def test_estimate_mean_and_stderr():
    net = nk.MLP(depth=1, activation="relu", W_std=1.0, b_std=0.0)
    est = empirical_ntk(net, X5, width=32, draws=5, seed=9)
    assert isinstance(est, Estimate) and est.draws == 5
    singles = [EmpiricalNetwork(net, 32, rng=np.random.default_rng(ch)).ntk(X5)
               for ch in np.random.SeedSequence(9).spawn(5)]
    np.testing.assert_allclose(est.mean, np.mean(singles, axis=0), rtol=1e-12)
    np.testing.assert_allclose(est.stderr, np.std(singles, axis=0, ddof=1) / np.sqrt(5),
                               rtol=1e-9, atol=1e-14)


def test_params_can_be_trained():
    """Changing params changes apply and ntk consistently with the brute-force Jacobian."""
    net = nk.MLP(depth=1, activation="tanh", W_std=1.0, b_std=0.5)
    f = empirical_network(net, width=4, seed=0, input_dim=3)
    y = np.ones(5)
    for _ in range(3):   # three steps of gradient descent on the squared loss
        J = _jacobian(net, f.params, X5)
        r = f.apply(X5)[:, 0] - y
        step = -0.1 * J.T @ r
        new, i = [], 0
        for W, b in f.params:
            new.append((W + step[i:i + W.size].reshape(W.shape), b + step[i + W.size:
                                                                         i + W.size + b.size]))
            i += W.size + b.size
        f.params = new
    J = _jacobian(net, f.params, X5)
    np.testing.assert_allclose(f.ntk(X5), J @ J.T, rtol=1e-10)
    with pytest.raises(ValueError, match="shapes"):
        f.params = [(np.zeros((3, 4)), np.zeros(4))]


# --------------------------------------------------------------------------------------------
# convergence to the infinite-width kernel at the rate width^(-1/2)
# --------------------------------------------------------------------------------------------

CONV_ACTS = ["relu", "erf", "tanh", "sin", "x**3 - 2*x + 1/2"]
WIDTHS = (64, 256, 1024)
DRAWS = 4


def _rel(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


@pytest.mark.parametrize("act", CONV_ACTS)
def test_converges_at_rate_one_over_sqrt_width(act):
    # depth 2 exercises the 1/sqrt(width) scaling of the hidden layers. The cubic has depth 1:
    # at depth 2 the fluctuations are those of a degree-9 polynomial of Gaussians, whose
    # constant c is in the tens (heavy tails), so the asymptotic rate needs far larger widths.
    depth = 1 if act.startswith("x") else 2
    # c^2 ~ Var[phi(u)^2] / E[phi(u)^2]^2, the relative variance of one unit's contribution:
    # 5 for ReLU (E[relu^4] / E[relu^2]^2 = 6), below that for the bounded activations, and
    # about 45 for the cubic (E[u^12] / E[u^6]^2 = 10395 / 225).
    c = 7.0 if act.startswith("x") else 2.5
    net = nk.MLP(depth=depth, activation=act, W_std=1.3, b_std=0.2)
    X = RNG.standard_normal((6, 3))
    X *= np.sqrt(3) / np.linalg.norm(X, axis=1, keepdims=True)   # |x|^2 / d = 1
    ref = net.gram(X)
    logs_w, logs_e = [], []
    for i, width in enumerate(WIDTHS):
        for kind, fn in (("ntk", empirical_ntk), ("nngp", empirical_nngp)):
            est = fn(net, X, width=width, draws=DRAWS, seed=100 + i)
            # individual networks: the relative error of one network is c/sqrt(width)
            errs = [_rel(K, getattr(ref, kind)) for K in _singles(fn, net, X, width, 100 + i)]
            logs_w += [np.log(width)] * DRAWS
            logs_e += list(np.log(errs))
            # the mean of DRAWS networks is within about c/sqrt(DRAWS * width); allow 2c
            assert _rel(est.mean, getattr(ref, kind)) < 2 * c / np.sqrt(DRAWS * width), \
                (kind, width)
    slope = np.polyfit(logs_w, logs_e, 1)[0]
    # 24 points over a factor 16 in width: the slope's standard error is about 0.1; a bias of
    # order 1/width adds a little steepness at width 64. Accept -1/2 +- 0.3 (about 3 sigma).
    assert -0.8 < slope < -0.2, slope


def _singles(fn, net, X, width, seed):
    which = "ntk" if fn is empirical_ntk else "nngp"
    return [getattr(EmpiricalNetwork(net, width, rng=np.random.default_rng(ch)), which)(X)
            for ch in np.random.SeedSequence(seed).spawn(DRAWS)]


def test_standard_parameterization_converges_to_width_dependent_ntk():
    std = dict(depth=2, activation="erf", W_std=1.3, b_std=0.2, parameterization="standard")
    X = RNG.standard_normal((5, 3))
    for width in (64, 1024):
        ref = nk.MLP(**std, width=width).gram(X).ntk
        K = empirical_ntk(nk.MLP(**std, width=width), X, seed=1, draws=4).mean
        assert _rel(K, ref) < 5 / np.sqrt(4 * width)
        # the NNGP does not depend on the parameterization
        N = empirical_nngp(nk.MLP(**std, width=width), X, seed=1, draws=4).mean
        assert _rel(N, nk.MLP(**std, width=width).gram(X).nngp) < 5 / np.sqrt(4 * width)
    # the "ntk"-parameterization limit is a different kernel: the comparison can fail
    wrong = nk.MLP(depth=2, activation="erf", W_std=1.3, b_std=0.2).gram(X).ntk
    assert _rel(K, wrong) > 0.5


# --------------------------------------------------------------------------------------------
# polynomial activations: the rank bound holds at every finite width
# --------------------------------------------------------------------------------------------

def _numerical_rank(K):
    s = np.linalg.svd(K, compute_uv=False)
    return int(np.sum(s > 1e-9 * s[0]))


@pytest.mark.parametrize("net, d, expected", [
    # degree 3, depth 1, with bias: all monomials of degree <= 3 in d = 3 variables
    (nk.MLP(depth=1, activation="x**3 - 2*x + 1/2", W_std=1.0, b_std=0.5), 3, comb(3 + 3, 3)),
    # no bias: h^1 is linear in x, phi has degrees 3, 1, 0 and phi' degrees 2, 0, so every
    # gradient has degrees in {0, 1, 3}: 1 + 3 + 10 monomials
    (nk.MLP(depth=1, activation="x**3 - 2*x + 1/2", W_std=1.0, b_std=0.0), 3, 1 + 3 + 10),
    # x^3, depth 2, no bias: every gradient is homogeneous of degree 9 in d = 2 variables
    (nk.MLP(depth=2, activation="x**3", W_std=1.0, b_std=0.0), 2, comb(2 + 9 - 1, 9)),
])
@pytest.mark.parametrize("width", [3, 40])
def test_polynomial_rank_bound_at_finite_width(net, d, expected, width):
    X = np.random.default_rng(7).standard_normal((40, d))   # generic points (not a sphere)
    K = empirical_ntk(net, X, width=width, seed=0)
    rank = _numerical_rank(K)
    assert rank <= expected
    assert rank <= comb(d + 3 ** net.depth, d)      # the bound C(d + r^L, d)
    if width == 40:  # enough parameters: generic weights attain the exact monomial count
        assert rank == expected


def test_rank_bound_fails_for_non_polynomial():
    """The same check on tanh gives full rank: the rank test can fail."""
    net = nk.MLP(depth=1, activation="tanh", W_std=1.0, b_std=0.5)
    X = np.random.default_rng(7).standard_normal((25, 3))
    assert _numerical_rank(empirical_ntk(net, X, width=40, seed=0)) > comb(3 + 3, 3)


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(width=0), ValueError, "width must be >= 1"),
    (dict(width=2.5), TypeError, "width must be an integer"),
    (dict(width=True), TypeError, "width"),
    (dict(draws=0), ValueError, "draws must be >= 1"),
    (dict(draws=1.0), TypeError, "draws must be an integer"),
    (dict(seed=1.5), TypeError, "seed must be an integer"),
    (dict(seed="0"), TypeError, "seed"),
    (dict(seed=-1), ValueError, "seed must be >= 0"),
])
@pytest.mark.parametrize("fn", [empirical_ntk, empirical_nngp])
def test_bad_arguments(fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fn(NETS[1], X5, **kwargs)


def test_bad_inputs_and_nets():
    net = NETS[1]
    with pytest.raises(ValueError, match="same number of columns"):
        empirical_ntk(net, X5, np.ones((2, 4)), width=4)
    with pytest.raises(ValueError, match="2-D"):
        empirical_ntk(net, np.ones(3), width=4)
    with pytest.raises(ValueError, match="NaN"):
        empirical_nngp(net, np.array([[np.nan, 1.0, 2.0]]), width=4)
    with pytest.raises(TypeError, match="MLP"):
        empirical_ntk("relu", X5)
    f = empirical_network(net, width=4, seed=0, input_dim=3)
    with pytest.raises(ValueError, match="drawn for inputs of dimension 3"):
        f.apply(np.ones((2, 5)))
    with pytest.raises(ValueError, match="input_dim"):
        _ = empirical_network(net, width=4).params
    with pytest.raises(ValueError, match="numeric W_std"):
        import sympy as sp
        empirical_ntk(nk.MLP(depth=1, activation="relu", W_std=sp.Symbol("w")), X5)


def test_step_activation_ntk_refused_nngp_works():
    net = nk.MLP(depth=1, activation="step", W_std=1.0, b_std=0.1)
    with pytest.raises(ValueError, match="Dirac delta"):
        empirical_ntk(net, X5, width=8)
    K = empirical_nngp(net, X5, width=2048, seed=0)
    assert _rel(K, net.gram(X5).nngp) < 5 / np.sqrt(2048)
