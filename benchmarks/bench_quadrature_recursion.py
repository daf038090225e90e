"""Benchmark: Gram matrices of activations without a closed-form dual (Mehler-series path).

    PYTHONPATH=. python benchmarks/bench_quadrature_recursion.py [--quick] [--numpy]
        [--sizes 500 1000 2000] [--depths 3 10] [--acts tanh softplus silu elu sigmoid]

n x n NNGP + NTK (X2 None) for n in {500, 1000, 2000}, d = 32, depth 3 and 10, W_std = 1.5,
b_std = 0.3 (``--W``, ``--b``), float64: tanh, softplus, silu, elu (and sigmoid) through ``ntksym.mehler`` against
ReLU and erf through their fused closed-form kernels. Time is the best of ``--repeat`` runs after
a warm-up on 40 points (numba's JIT is compiled and cached there). For the Mehler path the table
prints the ratio of its time to ReLU's, the largest truncation K of the layers' tables, the
number of layers where rare entries got a larger table of their own ("esc"), and the fraction of
entry-layers evaluated by direct 2-D quadrature ("direct").

Set OMP_NUM_THREADS / NUMBA_NUM_THREADS as for bench_gram.py; on a shared machine the absolute
times vary, the ratios much less.
"""
import argparse
import os
import pathlib
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ntksym as nk  # noqa: E402
from ntksym.gram import float64 as gram
from ntksym.gram import mehler  # noqa: E402


def best_time(net, X, repeat, backend):
    gram.gram_float64(net, X[:40], backend=backend)          # warm-up (JIT)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = gram.gram_float64(net, X, backend=backend)
        best = min(best, time.perf_counter() - t0)
        del out
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="n in {500, 1000} only")
    ap.add_argument("--sizes", type=int, nargs="*", default=None)
    ap.add_argument("--depths", type=int, nargs="*", default=[3, 10])
    ap.add_argument("--acts", nargs="*", default=["tanh", "softplus", "silu", "elu", "sigmoid"])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--numpy", action="store_true", help="the numpy fallback instead of numba")
    ap.add_argument("--W", type=float, default=1.5, help="W_std (default 1.5)")
    ap.add_argument("--b", type=float, default=0.3, help="b_std (default 0.3)")
    args = ap.parse_args()
    sizes = args.sizes or ([500, 1000] if args.quick else [500, 1000, 2000])
    backend = "numpy" if args.numpy else None
    print(f"numba: {mehler.HAVE_NUMBA and not args.numpy}; cores: {os.cpu_count()}; "
          f"TOL = {mehler.TOL:g}, KCAP = {mehler.KCAP}; W_std = {args.W}, b_std = {args.b}")
    hdr = f"{'act':9} {'L':>3} {'n':>5} | {'s':>8} {'/relu':>6} | {'K max':>5} {'esc':>4} " \
          f"{'direct':>8}"
    print(hdr)
    print("-" * len(hdr))
    for n in sizes:
        X = np.random.default_rng(n).normal(size=(n, 32))
        for L in args.depths:
            base = None
            for act in ["relu", "erf"] + list(args.acts):
                net = nk.MLP(depth=L, activation=act, W_std=args.W, b_std=args.b)
                t = best_time(net, X, args.repeat, backend)
                base = t if base is None else base
                line = f"{act:9} {L:>3} {n:>5} | {t:8.3f} {t / base:6.1f} |"
                if net.dual.method == "numeric":
                    run = mehler.LAST_RUN
                    esc = sum(1 for k in run["escalated"] if k is not None)
                    frac = sum(run["fallback"]) / (run["entries"] * L)
                    line += f" {max(run['K']):>5} {esc:>4} {frac:8.1e}"
                print(line, flush=True)


if __name__ == "__main__":
    main()
