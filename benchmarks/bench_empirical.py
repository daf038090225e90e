"""Time the structured empirical NTK against the matrix products it needs (and neural-tangents),
and measure its peak memory against the formula of ``EmpiricalNetwork.ntk_memory``.

Configurations (ReLU, "ntk" parameterization, depth 3, d = 32): width 512 with n = 256, and the
target of issue 5, width 2048 with n = 1024, at most 2x the time of its matrix products.

    python benchmarks/bench_empirical.py [--quick] [--no-nt] [--no-blocks]

The matrix-product baseline times, with ``numpy.matmul`` on arrays of the same shapes, every
product the computation needs: the forward pass (n x d x W, then L - 1 times n x W x W), the
backward pass (L - 1 times n x W x W, against a transposed weight), and the 2L + 1 Gram matrices
(X X^T, and A_k A_k^T, B_k B_k^T for k = 1..L, each n x W x n). NumPy computes ``A @ A.T`` with
BLAS syrk, in the baseline as in ntksym. Weight drawing is timed separately.

The peak memory is measured with tracemalloc in a separate call (from a cold start: no work
buffer kept from an earlier call) and printed next to ``ntk_memory``'s formula. Unless
``--no-blocks``, each configuration is also run in row blocks: less memory, more time (each
block's forward/backward pass is recomputed for every block it is paired with; its ratio is to
the same, unblocked, baseline). At width 512 the block size is n / (2 (L + c)), whose
forward/backward state is at most 8 n W bytes whatever the depth; at width 2048 it is n / 4.

If ``.venv-nt`` exists (create it with benchmarks/setup_nt.sh), neural-tangents 0.6.5's
``empirical_ntk_fn`` is run as a subprocess on the same weights, in float64, for each of its
implementations (the fastest is reported), and its kernel is compared with ntksym's.
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ntksym as nk  # noqa: E402
from ntksym.empirical import empirical_network, workspace  # noqa: E402

NT_PYTHON = ROOT / ".venv-nt" / "bin" / "python"

NT_SCRIPT = r"""
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import jax
jax.config.update("jax_enable_x64", True)
import numpy as np
import neural_tangents as nt
from neural_tangents import stax

data = np.load(sys.argv[1])
cfg = json.loads(str(data["cfg"]))
X = jax.numpy.asarray(data["X"])
L, W = cfg["depth"], cfg["width"]
layers = []
for _ in range(L):
    layers += [stax.Dense(W, W_std=cfg["W_std"], b_std=cfg["b_std"]), stax.Relu()]
layers += [stax.Dense(1, W_std=cfg["W_std"], b_std=cfg["b_std"])]
_, apply_fn, _ = stax.serial(*layers)
params = [(jax.numpy.asarray(data[f"W{k}"]), jax.numpy.asarray(data[f"b{k}"])) for k in range(L + 1)]
params = [params[k // 2] if k % 2 == 0 else () for k in range(2 * L + 1)]
out = {}
for impl in cfg["implementations"]:
    fn = jax.jit(nt.empirical_ntk_fn(apply_fn, trace_axes=(), vmap_axes=0, implementation=impl))
    try:
        k = fn(X, None, params); k.block_until_ready()
        best = float("inf")
        for _ in range(cfg["repeat"]):
            t0 = time.perf_counter(); k = fn(X, None, params); k.block_until_ready()
            best = min(best, time.perf_counter() - t0)
        out[f"time_{impl}"] = best
        out[f"ntk_{impl}"] = np.asarray(k).reshape(X.shape[0], X.shape[0])
    except Exception as exc:  # out of memory and the like
        out[f"error_{impl}"] = np.array(repr(exc)[:300])
np.savez(sys.argv[2], **out)
"""


def best_of(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def interleaved_best(fns, repeat):
    """Best-of times of several functions, run alternately (so that a noisy neighbour on the
    machine hits them alike)."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def matmul_products(n, d, W, L):
    """{part: function} running, back to back, the products of that part the NTK needs, on
    arrays of the same shapes (one weight matrix per layer, outputs preallocated)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d))
    A = rng.standard_normal((n, W))
    W0 = rng.standard_normal((d, W))
    Ws = [rng.standard_normal((W, W)) for _ in range(L - 1)]
    H, G, G0 = np.empty((n, W)), np.empty((n, n)), np.empty((n, n))

    def forward():                    # n x d x W, then L - 1 times n x W x W
        np.matmul(X, W0, out=H)
        for M in Ws:
            np.matmul(A, M, out=H)

    def backward():                   # L - 1 times n x W x W, against a transposed weight
        for M in Ws:
            np.matmul(A, M.T, out=H)

    def grams():                      # X X^T and 2L Grams n x W x n (syrk)
        np.matmul(X, X.T, out=G0)
        for _ in range(2 * L):
            np.matmul(A, A.T, out=G)

    return {"forward": forward, "backward": backward, "grams": grams}


def peak_memory(fn):
    """Peak bytes that fn() allocates (tracemalloc), from a cold start."""

    workspace._workspace.clear()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def run_ntksym(net, X, width, repeat, block_size=None):
    """ntksym's kernel, its best time and that of the matrix products (interleaved), the time
    to draw the weights, and the peak memory."""
    n, d = X.shape
    t0 = time.perf_counter()
    f = empirical_network(net, width=width, seed=0, input_dim=d)
    t_draw = time.perf_counter() - t0
    parts = matmul_products(n, d, width, net.depth)
    K = f.ntk(X, block_size=block_size)
    times = interleaved_best([lambda: f.ntk(X, block_size=block_size),
                              lambda: [fn() for fn in parts.values()]], repeat)
    peak = peak_memory(lambda: f.ntk(X, block_size=block_size))
    return f, K, times[0], times[1], t_draw, peak


def run_nt(f, X, cfg, tmp):
    inp, out = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
    arrays = {f"W{k}": W for k, (W, _) in enumerate(f.params)}
    arrays.update({f"b{k}": b for k, (_, b) in enumerate(f.params)})
    np.savez(inp, X=X, cfg=json.dumps(cfg), **arrays)
    proc = subprocess.run([str(NT_PYTHON), "-c", NT_SCRIPT, inp, out], capture_output=True,
                          text=True, timeout=900)
    if proc.returncode != 0:
        return {"error": proc.stderr[-500:]}
    return dict(np.load(out))


def main(argv=()):
    quick = "--quick" in argv
    blocks = "--no-blocks" not in argv
    use_nt = "--no-nt" not in argv and NT_PYTHON.exists()
    # block: rows per block of the blocked run; None is n / (2 (L + c)), the depth-independent
    # choice (state <= 8 n W bytes; its recomputation is too slow at width 2048 for a benchmark)
    configs = [dict(width=512, depth=3, n=256, d=32, impls=[1, 2, 3], block=None),
               dict(width=2048, depth=3, n=1024, d=32, impls=[3], block=256)]
    if quick:
        configs = configs[:1]
    print(f"{'width':>5} {'L':>2} {'n':>5} {'d':>3} {'block':>5}  {'ntksym (s)':>10} "
          f"{'matmuls (s)':>11} {'ratio':>5} {'draw (s)':>8}  {'peak (MB)':>9} "
          f"{'formula (MB)':>12}  neural-tangents (s, impl)   max rel. diff")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for cfg in configs:
            W, L, n, d = cfg["width"], cfg["depth"], cfg["n"], cfg["d"]
            repeat = 10 if W <= 512 else 3
            net = nk.MLP(depth=L, activation="relu", W_std=1.5, b_std=0.1)
            X = np.random.default_rng(1).standard_normal((n, d))
            f, K, t, base, t_draw, peak = run_ntksym(net, X, W, repeat)
            parts = {k: best_of(fn, repeat) for k, fn in matmul_products(n, d, W, L).items()}
            row = dict(cfg, block_size=None, time=t, matmul=base, ratio=t / base, draw=t_draw,
                       parts=parts, peak=peak, formula=f.ntk_memory(n))
            nt_txt, diff = "-", "-"
            if use_nt:
                r = run_nt(f, X, dict(depth=L, width=W, W_std=1.5, b_std=0.1,
                                      implementations=cfg["impls"], repeat=repeat), tmp)
                times = {k: float(v) for k, v in r.items() if k.startswith("time_")}
                if times:
                    k_best = min(times, key=times.get)
                    impl = k_best.split("_")[1]
                    nt_txt = f"{times[k_best]:.3f} (impl {impl})"
                    Knt = r[f"ntk_{impl}"]
                    diff = f"{np.max(np.abs(Knt - K)) / np.max(np.abs(K)):.1e}"
                    row.update(nt_time=times[k_best], nt_impl=int(impl), nt_times=times,
                               nt_diff=float(diff))
                else:
                    nt_txt = "failed: " + str(next(iter(r.values())))[:60]
            rows = [(row, nt_txt, diff)]
            if blocks:
                b = cfg["block"] or int(n / (2 * f._state_per_row()))
                _, Kb, tb, _, _, peak_b = run_ntksym(net, X, W, 1 if W > 512 else 3, b)
                diff_b = f"{np.max(np.abs(Kb - K)) / np.max(np.abs(K)):.1e} (vs unblocked)"
                rows.append((dict(cfg, block_size=b, time=tb, matmul=base, ratio=tb / base,
                                  draw=t_draw, peak=peak_b,
                                  formula=f.ntk_memory(n, block_size=b)), "-", diff_b))
            for r, nt, df in rows:
                results.append(r)
                blk = "-" if r["block_size"] is None else str(r["block_size"])
                print(f"{W:5d} {L:2d} {n:5d} {d:3d} {blk:>5}  {r['time']:10.3f} {base:11.3f} "
                      f"{r['ratio']:5.2f} {r['draw']:8.3f}  {r['peak'] / 1e6:9.1f} "
                      f"{r['formula'] / 1e6:12.1f}  {nt:26s} {df}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
