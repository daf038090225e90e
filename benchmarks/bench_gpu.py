"""Benchmark: the fused float64 Gram kernel on a CUDA GPU (``net.gram(X, device="cuda")``).

Run on a GPU machine, from the repository root:

    pip install -e ".[test]" "numba-cuda[cu12]" && python benchmarks/bench_gpu.py

(a) checks the GPU Gram against the CPU Gram (relu and erf, depth 10, symmetric and cross, a few
    thousand points including duplicates, multiples and antipodes) to 1e-13 relative to the
    largest entry;
(b) times the kernel alone (CUDA events, after a warm-up launch, synchronised; outputs stay on
    the device) for relu depth 10 at n = 4k, 20k, 40k, next to the yardstick (a hand-written
    fused CUDA kernel on an H100: 2.1 ms, 34 ms, 135 ms; target: within 1.5x), and the whole
    call (chains on the host, upload, kernel, download) at 4k;
(c) prints a table and writes everything as JSON to $OUT/gpu.json when $OUT is set.

Options: --sizes 4000 20000 40000, --d 32, --depth 10, --reps 5, --check-n 3000.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

import ntksym as nk
from ntksym.gram.cuda import CudaGram, cuda_available

YARDSTICK_MS = {4000: 2.1, 20000: 34.0, 40000: 135.0}   # hand-written fused kernel, H100


def _rel(a, ref):
    return float(np.max(np.abs(a - ref)) / np.max(np.abs(ref)))


def _points(n, d, seed=0):
    X = np.random.default_rng(seed).normal(size=(n, d))
    if n > 10:
        X[3] = X[1]
        X[4] = 2.5 * X[1]
        X[5] = -X[1]
        X[6] = X[1] * (1 + 1e-9)
    return X


def check(n, d, depth):
    rows = []
    for act, b in (("relu", 0.1), ("relu", 0.0), ("erf", 0.1)):
        net = nk.MLP(depth=depth, activation=act, W_std=1.4, b_std=b)
        X, Y = _points(n, d), _points(n // 3, d, seed=1)
        for X2 in (None, Y):
            ref = net.gram(X, X2)
            g = net.gram(X, X2, device="cuda")
            sym = X2 is None
            rows.append(dict(activation=act, b_std=b, symmetric=sym, shape=list(g.nngp.shape),
                             rel_nngp=_rel(g.nngp, ref.nngp), rel_ntk=_rel(g.ntk, ref.ntk),
                             exactly_symmetric=bool(not sym or (np.array_equal(g.nngp, g.nngp.T)
                                                    and np.array_equal(g.ntk, g.ntk.T)))))
            print(f"check {act:5} b={b:<4} {'sym' if sym else 'cross':5} {g.nngp.shape}: "
                  f"rel nngp {rows[-1]['rel_nngp']:.2e}, ntk {rows[-1]['rel_ntk']:.2e}",
                  flush=True)
    return rows


def time_kernel(n, d, depth, reps):
    from numba import cuda

    net = nk.MLP(depth=depth, activation="relu", W_std=1.4, b_std=0.1)
    X = _points(n, d)
    t0 = time.perf_counter()
    cg = CudaGram(net, X)
    t_setup = time.perf_counter() - t0
    cg.run()                                     # warm-up (and compilation, the first time)
    start, stop = cuda.event(), cuda.event()
    ms = []
    for _ in range(reps):
        start.record()
        cg.kernels.gram_kernel[cg.grid, cg.block](*cg.args)
        stop.record()
        stop.synchronize()
        ms.append(start.elapsed_time(stop))
    out = dict(n=n, d=d, depth=depth, reps=reps, kernel_ms=ms, kernel_ms_min=min(ms),
               kernel_ms_median=float(np.median(ms)), setup_s=t_setup,
               entries_per_s=n * (n + 1) / 2 / (min(ms) / 1e3) if min(ms) > 0 else float("nan"))
    y = YARDSTICK_MS.get(n)
    if y:
        out.update(yardstick_ms=y, ratio_to_yardstick=min(ms) / y)
    del cg
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[4000, 20000, 40000])
    ap.add_argument("--d", type=int, default=32)
    ap.add_argument("--depth", type=int, default=10)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--check-n", type=int, default=3000)
    a = ap.parse_args()
    if not cuda_available():
        print("no CUDA GPU available (numba.cuda.is_available() is False): nothing to measure")
        return 2
    from numba import cuda

    try:
        dev = cuda.get_current_device()
        name = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
        cc = list(dev.compute_capability)
    except AttributeError:                      # numba's CUDA simulator
        name, cc = "CUDA simulator", []
    print(f"device: {name}, compute capability {cc}", flush=True)
    t0 = time.perf_counter()
    nk.MLP(depth=2, activation="relu").gram(_points(40, 4), device="cuda")
    print(f"first call (kernel compilation included): {time.perf_counter() - t0:.1f} s")
    checks = check(a.check_n, a.d, a.depth)
    ok = all(c["rel_nngp"] <= 1e-13 and c["rel_ntk"] <= 1e-13 and c["exactly_symmetric"]
             for c in checks)
    print(f"GPU vs CPU within 1e-13 relative, exactly symmetric: {ok}", flush=True)

    # the whole call at the smallest size: chains on the host, upload, kernel, download
    n0 = min(a.sizes)
    net = nk.MLP(depth=a.depth, activation="relu", W_std=1.4, b_std=0.1)
    t0 = time.perf_counter()
    net.gram(_points(n0, a.d), device="cuda")
    t_full = time.perf_counter() - t0

    timings = []
    for n in a.sizes:
        r = time_kernel(n, a.d, a.depth, a.reps)
        timings.append(r)
        print(f"n = {n}: kernel {r['kernel_ms_min']:.2f} ms (min of {a.reps}), "
              f"median {r['kernel_ms_median']:.2f} ms", flush=True)

    print(f"\nrelu, depth {a.depth}, d = {a.d}, float64, symmetric Gram (NNGP and NTK, upper "
          f"triangle computed, mirrored on the device), {name}")
    print(f"{'n':>7} {'kernel ms':>10} {'yardstick ms (H100)':>20} {'ratio':>6} "
          f"{'target <= 1.5':>13} {'Gentries/s':>11}")
    for r in timings:
        y = r.get("yardstick_ms")
        ratio = r.get("ratio_to_yardstick")
        print(f"{r['n']:7d} {r['kernel_ms_min']:10.2f} {y if y else float('nan'):20.1f} "
              f"{ratio if ratio else float('nan'):6.2f} "
              f"{str(ratio is not None and ratio <= 1.5):>13} {r['entries_per_s'] / 1e9:11.2f}")
    print(f"whole call at n = {n0} (host chains, upload, kernel, download): {t_full:.3f} s")
    result = dict(device=name, compute_capability=cc,
                  checks=checks, checks_ok=ok, timings=timings, full_call_s={n0: t_full},
                  yardstick="hand-written fused CUDA kernel on an H100 (issue 16)")
    out = os.environ.get("OUT")
    if out:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "gpu.json"), "w") as fh:
            json.dump(result, fh, indent=2)
        print(f"wrote {os.path.join(out, 'gpu.json')}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
