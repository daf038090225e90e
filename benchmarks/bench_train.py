"""Time nk.train against the matrix products it needs (issue 14: ratio <= 1.3).

Configuration: ReLU, "ntk" parameterization, depth 3 (three hidden layers of width 4096), d = 32,
n = 256 points, 1,000 full-batch gradient steps, recording the outputs and loss at every step.

    python benchmarks/bench_train.py [--steps 1000] [--width 4096] [--n 256] [--depth 3]

The baseline times, with ``numpy.matmul`` into preallocated arrays of the same shapes, every product
one step needs: forward X W^1 (n x d x W), L - 1 times A W (n x W x W), the read-out A w (n x W x 1);
backward the read-out gradient A^T e, then for each hidden-to-hidden layer delta W^T and
A^T delta (n x W x W each) and finally X^T delta (d x n x W). The ratio is the training time over
the baseline time for the same number of steps. The empirical NTK before and after training
(``kernel_change=True``) is timed separately; the infinite-width prediction is included.

Measured (issue 14): on 16 cores (514 GFLOP/s in the products) 1,000 steps took 192.6 s against
100.5 s of products, ratio 1.92 -- the target 1.3 is NOT met there. The overhead is the weight
update ``W += G``, a single-threaded NumPy pass over each W x W matrix (about 3 x 134 MB of memory
traffic, ~45 ms per layer and step), which BLAS's threads do not share. On 2 cores the ratio was
1.11 (10 steps). Fusing the update into the product (SciPy's dgemm with beta = 1, no extra pass)
was tried and ran past 480 s on the 16-core machine, most likely two OpenBLAS thread pools
(NumPy's and SciPy's) contending, so it was reverted; a multi-threaded in-place add (e.g. numba
prange) is the open fix.
"""
import argparse
import pathlib
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ntksym as nk  # noqa: E402


def products(n, d, W, L, steps, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    Ws = [rng.standard_normal((d, W))] + [rng.standard_normal((W, W)) for _ in range(L - 1)]
    w = rng.standard_normal((W, 1))
    A = [np.empty((n, W)) for _ in range(L)]
    D = rng.standard_normal((n, W))
    D2 = np.empty((n, W))
    G = np.empty((W, W))
    G1 = np.empty((d, W))
    e = rng.standard_normal((n, 1))
    out = np.empty((n, 1))
    gw = np.empty((W, 1))
    t0 = time.perf_counter()
    for _ in range(steps):
        np.matmul(X, Ws[0], out=A[0])
        for k in range(1, L):
            np.matmul(A[k - 1], Ws[k], out=A[k])
        np.matmul(A[-1], w, out=out)
        np.matmul(A[-1].T, e, out=gw)
        for k in range(L - 1, 0, -1):
            np.matmul(D, Ws[k].T, out=D2)
            np.matmul(A[k - 1].T, D, out=G)
        np.matmul(X.T, D, out=G1)
    return time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--width", type=int, default=4096)
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--d", type=int, default=32)
    args = ap.parse_args(argv)
    n, d, W, L, steps = args.n, args.d, args.width, args.depth, args.steps
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, d))
    y = rng.uniform(-1, 1, n)
    net = nk.MLP(depth=L, activation="relu", W_std=1.4, b_std=0.1)
    lr = 0.5 * n / np.linalg.eigvalsh(net.gram(X).ntk)[-1]
    nk.train(net, X[:8], y[:8], 2, lr, width=64)            # warm up imports and caches
    t0 = time.perf_counter()
    r = nk.train(net, X, y, steps, lr, width=W, kernel_change=False, progress=False)
    t_train = time.perf_counter() - t0
    t_prod = products(n, d, W, L, steps)
    t0 = time.perf_counter()
    nk.train(net, X, y, 0, lr, width=W, kernel_change=True, progress=False)
    t_kernel = time.perf_counter() - t0
    flops = steps * (2 * n * d * W * 2 + 2 * n * W * W * 3 * (L - 1) + 4 * n * W)
    rows = [("nk.train (record every step)", t_train, t_train / t_prod),
            ("matrix products only", t_prod, 1.0),
            ("empirical NTK at init (kernel_change)", t_kernel, float("nan"))]
    print(f"\nReLU, depth {L}, width {W}, n = {n}, d = {d}, {steps} steps, learning rate {lr:.3g}")
    print(f"loss {r.loss[0]:.4g} -> {r.loss[-1]:.4g} (NTK prediction {r.predicted_loss[-1]:.4g})")
    print(f"\n| {'what':40s} | {'time (s)':>9s} | {'ratio':>6s} |")
    print(f"|{'-' * 42}|{'-' * 11}|{'-' * 8}|")
    for name, t, q in rows:
        print(f"| {name:40s} | {t:9.2f} | {q:6.3f} |")
    print(f"\nproducts: {flops / 1e12:.2f} TFLOP, {flops / t_prod / 1e9:.1f} GFLOP/s; "
          f"target ratio <= 1.3: {'met' if t_train / t_prod <= 1.3 else 'NOT met'}")


if __name__ == "__main__":
    main()
