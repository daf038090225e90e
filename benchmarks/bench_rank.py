"""Benchmark: generic_rank counts dimensions without building matrices.

Run: PYTHONPATH=. python benchmarks/bench_rank.py
The target (issue 6) is d = 10, degree 3, depth 2 in under a second.
"""
import math
import time

import ntksym as nk
from ntksym.rank import generic_rank


def bench(spec, depth, d, b_std, kind):
    net = nk.MLP(depth=depth, activation=spec, W_std=1.5, b_std=b_std)
    t0 = time.perf_counter()
    r = generic_rank(net, d, kind)
    dt = time.perf_counter() - t0
    print(f"{spec:>16s}  depth {depth}  d {d:2d}  b_std {b_std:<4}  {kind:4s}  "
          f"rank {r:>14,d}  (C(d + r^L, d) = {math.comb(d + 3 ** depth, d):,d})  "
          f"{dt * 1000:8.1f} ms")
    return dt


if __name__ == "__main__":
    times = [bench("x**3 - 2*x + 1", 2, 10, 0.5, "ntk"),
             bench("x**3 - 2*x + 1", 2, 10, 0.5, "nngp"),
             bench("x**3", 2, 10, 0, "ntk"),
             bench("x**3 + x", 2, 10, 0, "ntk"),
             bench("x**3 - 2*x + 1", 3, 10, 0.5, "ntk")]
    print(f"d = 10, degree 3, depth 2 (first line): {times[0]:.3f} s (target < 1 s)")
