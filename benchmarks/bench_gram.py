"""Benchmark: float64 NNGP + NTK Gram matrices, ntksym vs neural-tangents 0.6.5.

    PYTHONPATH=. python benchmarks/bench_gram.py [--quick] [--no-nt]

n x n Gram matrices (X2 None) for n in {1000, 2000, 4000}, d = 32, depth 3 and 10, ReLU and erf,
W_std = 1.5, b_std = 0.3, float64. Time is the best of a few runs after a warm-up (numba's JIT is
compiled and cached in the warm-up); peak memory is tracemalloc's peak (numpy buffers are traced)
during one call. When ``.venv-nt`` exists (create it with benchmarks/setup_nt.sh) neural-tangents runs on
the same inputs in a subprocess (jitted, x64, timed inside the process with block_until_ready;
its memory is the growth of the process's peak RSS over the post-import baseline) and the largest
relative difference of the two results is printed; neural-tangents' diagonal NTK carries a
~1e-8 relative error (arccos of a rounded 1), so the difference is reported off the diagonal and
on it. A second table times an activation without closed form (tanh, quadrature) against ReLU.
"""
import argparse
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
from ntksym.gram import float64 as gram  # noqa: E402

NT_PY = ROOT / ".venv-nt" / "bin" / "python"


def run_ntksym(net, X, repeat, backend=None):
    gram.gram_float64(net, X[:50], backend=backend)          # warm-up (JIT)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = gram.gram_float64(net, X, backend=backend)
        best = min(best, time.perf_counter() - t0)
        del out
    tracemalloc.start()
    out = gram.gram_float64(net, X, backend=backend)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak, out


def run_nt(X, configs):
    with tempfile.TemporaryDirectory() as tmp:
        inp, outp = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
        np.savez(inp, X=X, configs=json.dumps(configs))
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", JAX_PLATFORMS="cpu")
        r = subprocess.run([str(NT_PY), str(ROOT / "benchmarks" / "nt_runner.py"), inp, outp],
                           capture_output=True, text=True, env=env)
        if r.returncode != 0:
            print("neural-tangents failed:", r.stderr[-2000:])
            return None
        data = np.load(outp)
        return {k: data[k] for k in data.files}


def rel_diffs(a, b):
    off = ~np.eye(a.shape[0], dtype=bool)
    scale = np.abs(b).max()
    return (float(np.max(np.abs(a - b)[off]) / scale),
            float(np.max(np.abs(np.diag(a) - np.diag(b)) / np.abs(np.diag(b)))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="n in {1000, 2000} only")
    ap.add_argument("--no-nt", action="store_true")
    ap.add_argument("--numpy", action="store_true", help="also time the numpy fallback")
    args = ap.parse_args()
    sizes = [1000, 2000] if args.quick else [1000, 2000, 4000]
    have_nt = NT_PY.exists() and not args.no_nt
    print(f"numba fast path: {gram.HAVE_NUMBA}; neural-tangents: {have_nt}; "
          f"cores: {os.cpu_count()}")
    hdr = (f"{'act':5} {'L':>3} {'n':>5} | {'ntksym s':>9} {'MB':>7} | "
           + (f"{'numpy s':>8} | " if args.numpy else "")
           + (f"{'NT s':>7} {'NT MB':>7} {'speedup':>7} | {'diff off':>8} {'diff diag':>9}"
              if have_nt else ""))
    print(hdr)
    print("-" * len(hdr))
    for n in sizes:
        X = np.random.default_rng(n).normal(size=(n, 32))
        cfgs = [dict(activation=a, depth=L, W_std=1.5, b_std=0.3, repeat=2 if n < 4000 else 1,
                     save=True) for a in ("relu", "erf") for L in (3, 10)]
        nt = run_nt(X, cfgs) if have_nt else None
        for i, cfg in enumerate(cfgs):
            net = nk.MLP(depth=cfg["depth"], activation=cfg["activation"], W_std=1.5, b_std=0.3)
            t, peak, out = run_ntksym(net, X, 3 if n < 4000 else 2)
            line = f"{cfg['activation']:5} {cfg['depth']:>3} {n:>5} | {t:9.3f} {peak / 2**20:7.0f} | "
            if args.numpy:
                tn, _, _ = run_ntksym(net, X, 1, backend="numpy")
                line += f"{tn:8.3f} | "
            if nt is not None:
                tt, mem = float(nt[f"time_{i}"]), float(nt[f"rss_{i}"])
                d_off = max(rel_diffs(out[0], nt[f"nngp_{i}"])[0],
                            rel_diffs(out[1], nt[f"ntk_{i}"])[0])
                d_diag = max(rel_diffs(out[0], nt[f"nngp_{i}"])[1],
                             rel_diffs(out[1], nt[f"ntk_{i}"])[1])
                line += f"{tt:7.3f} {mem / 2**20:7.0f} {tt / t:6.1f}x | {d_off:8.1e} {d_diag:9.1e}"
            print(line, flush=True)
            del out
        if nt is not None:
            del nt

    print("\nquadrature activation (no closed form) vs closed form, depth 3, d = 32")
    print(f"{'act':9} {'n':>4} {'method':>8} {'s':>8} {'ratio to relu':>14}")
    for n in (50, 100):
        X = np.random.default_rng(n).normal(size=(n, 32))
        base = None
        for act in ("relu", "gelu", "tanh"):
            net = nk.MLP(depth=3, activation=act, W_std=1.5, b_std=0.3)
            t, _, _ = run_ntksym(net, X, 1)
            base = t if base is None else base
            print(f"{act:9} {n:>4} {net.dual.method:>8} {t:8.3f} {t / base:14.1f}", flush=True)


if __name__ == "__main__":
    main()
