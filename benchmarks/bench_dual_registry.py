"""Time the derivation and verification of every registered activation's dual kernel.

Target (issue 3): every dual derived and verified in under 10 s in total on 2 cores.

    python benchmarks/bench_dual_registry.py

Each activation is derived in a fresh state (the caches are cleared), which includes: running
the strategies in order, checking the accepted formula against 2-D quadrature at 8 points,
deriving the NTK factor by Price's theorem and confirming it independently, and one float64
evaluation. The import of ntksym (SymPy, SciPy) is timed separately.
"""
import time

t0 = time.perf_counter()
import ntksym as nk  # noqa: E402
import importlib  # noqa: E402

dual_module = importlib.import_module("ntksym.dual")
from ntksym.symbolic.expectation import orthant  # noqa: E402

t_import = time.perf_counter() - t0


def main():
    rows = []
    total = 0.0
    for name in nk.ACTIVATIONS:
        dual_module._dual_cached.cache_clear()
        orthant.orthant_unit.cache_clear()
        start = time.perf_counter()
        k = nk.dual(name)
        k(1.0, 2.0, 0.5)
        elapsed = time.perf_counter() - start
        total += elapsed
        rows.append((name, k.method, k.ntk_check, elapsed))
    print(f"{'activation':20s} {'method':9s} {'time (s)':>9s}  ntk check")
    for name, method, check, elapsed in rows:
        print(f"{name:20s} {method:9s} {elapsed:9.3f}  {check}")
    print(f"{'total':20s} {'':9s} {total:9.3f}  (target < 10 s; import of ntksym {t_import:.2f} s)")
    return total


if __name__ == "__main__":
    main()
