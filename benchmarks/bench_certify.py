"""Benchmark: rigorous positivity certificates and the interval Cholesky (issue 11).

Run: PYTHONPATH=. python benchmarks/bench_certify.py [--sizes 50,100,200] [--json FILE]
     [--compare BEFORE.json]

Times ``certify_positive_definite`` (method "auto", kind "ntk", 30 digits) on n random points in
R^3 (seed 0) for relu and erf networks of depth 3 with bias, and the interval Cholesky
(``interval_cholesky_min``) of a 20 x 20 positive definite interval matrix at 30 digits. The same
script runs on older commits (mpmath.iv) and newer ones (python-flint arb balls): it builds the
Cholesky input in whichever interval type the installed ``ntksym.backends.intervals`` uses.
``--json`` writes the timings; ``--compare`` prints them next to an earlier run's, which is how the
before/after table of issue 11 was made (the "before" numbers from ``git worktree add /tmp/before
eeff05a`` with this same script).
"""
import argparse
import json
import random
import time

import ntksym as nk
from ntksym.theory.certify import certify_positive_definite
from ntksym.theory.interval_linalg import interval_cholesky_min


def points(n, d=3, seed=0):
    rng = random.Random(seed)
    return [[round(rng.uniform(-1, 1), 6) for _ in range(d)] for _ in range(n)]


def bench_certificate(name, n):
    act = nk.activation("erf") if name == "erf" else name
    net = nk.MLP(depth=3, activation=act, W_std=1.5, b_std=0.3)
    X = points(n)
    t0 = time.perf_counter()
    cert = certify_positive_definite(net, X, kind="ntk", dps=30)
    dt = time.perf_counter() - t0
    return dt, cert


def _cholesky_input(n=20):
    """A 20 x 20 symmetric positive definite matrix of narrow intervals (a Hilbert-like matrix
    plus the identity), in the interval type of the installed package."""
    import mpmath
    vals = [[mpmath.mpf(1) / (i + j + 1) + (1 if i == j else 0) for j in range(n)]
            for i in range(n)]
    try:
        import flint
        from ntksym.backends.intervals import working_precision
        with working_precision(30):
            if hasattr(flint, "arb_mat") and _uses_arb():
                M = flint.arb_mat([[flint.arb(str(v), "1e-28") for v in r] for r in vals])
                return M
    except ImportError:
        pass
    iv = mpmath.iv
    iv.dps = 30
    return [[iv.mpf([v - mpmath.mpf("1e-28"), v + mpmath.mpf("1e-28")]) for v in r]
            for r in vals]


def _uses_arb():
    import ntksym.backends.intervals as ivs
    return getattr(ivs, "BACKEND", "mpmath.iv") == "arb"


def bench_cholesky(repeat=20):
    from ntksym.backends.intervals import working_precision
    M = _cholesky_input()
    with working_precision(30):
        assert interval_cholesky_min(M) is not None
        t0 = time.perf_counter()
        for _ in range(repeat):
            interval_cholesky_min(M)
    return (time.perf_counter() - t0) / repeat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="50,100,200")
    ap.add_argument("--json")
    ap.add_argument("--compare")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    res = {"cholesky_20x20_30dps_ms": bench_cholesky() * 1e3}
    for name in ("relu", "erf"):
        for n in sizes:
            dt, cert = bench_certificate(name, n)
            res[f"certify_{name}_n{n}_s"] = dt
            res[f"certify_{name}_n{n}_method"] = f"{cert.method} ({bool(cert)})"
    before = json.load(open(args.compare)) if args.compare else {}
    head = f"{'quantity':34s} {'before':>28s} {'after':>28s}" if before else \
        f"{'quantity':34s} {'time':>28s}"
    print(head)
    print("-" * len(head))
    for k, v in res.items():
        if k.endswith("_method"):
            continue
        unit = "ms" if k.endswith("_ms") else "s"
        meth = res.get(k[:-2] + "_method", "")
        cell = f"{v:8.3f} {unit} {meth[:16]:16s}"
        if before:
            b = before.get(k)
            bmeth = before.get(k[:-2] + "_method", "")
            bcell = f"{b:8.3f} {unit} {bmeth[:16]:16s}" if b is not None else "-"
            print(f"{k:34s} {bcell:>28s} {cell:>28s}")
        else:
            print(f"{k:34s} {cell:>28s}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
