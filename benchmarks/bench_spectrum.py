"""Timing of nk.spectrum: the depth-3 ReLU NTK at kmax = 200 (target: under a second), and a few
other networks. Run: .venv/bin/python benchmarks/bench_spectrum.py

Each row is timed twice: "cold" on a fresh MLP (lambdify of the dual, Gauss-Legendre nodes from
FLINT, Taylor series), "warm" on the same network again (cached nodes and compiled duals).
"""
import time

import ntksym as nk


def timed(net, d, kind, kmax):
    t0 = time.perf_counter()
    S = nk.spectrum(net, d, kind=kind, kmax=kmax)
    return time.perf_counter() - t0, S


def main():
    rows = [("relu", 3, 0.0, 3, "ntk", 200), ("relu", 3, 0.0, 3, "ntk", 50),
            ("relu", 1, 0.0, 3, "ntk", 200), ("relu", 3, 0.5, 10, "ntk", 200),
            ("erf", 2, 0.5, 5, "nngp", 100), ("gelu", 2, 0.0, 3, "ntk", 100)]
    print(f"{'activation':>10} {'L':>2} {'b':>4} {'d':>3} {'kind':>5} {'kmax':>5} "
          f"{'cold s':>8} {'warm s':>8} {'dps':>4} {'nodes':>10} {'max rel err':>12} "
          f"{'decay p':>8} {'series':>8}")
    for act, L, b, d, kind, kmax in rows:
        net = nk.MLP(depth=L, activation=act, b_std=b)
        cold, S = timed(net, d, kind, kmax)
        warm, S = timed(net, d, kind, kmax)
        nz = S.eigenvalues > 0
        rel = float((S.errors[nz] / S.eigenvalues[nz]).max()) if nz.any() else 0.0
        p = S.decay.exponent
        print(f"{act:>10} {L:>2} {b:>4} {d:>3} {kind:>5} {kmax:>5} {cold:8.3f} {warm:8.3f} "
              f"{str(S.dps):>4} {str(S.nodes):>10} {rel:12.1e} "
              f"{(f'{p:.3f}' if p is not None else '-'):>8} {S.series_method:>8}")


if __name__ == "__main__":
    main()
