"""Benchmark: the blockwise dask Gram written to disk through a 2-worker LocalCluster.

For relu and erf (depth 10 by default) it times
  * the single-process Gram (``net.gram(X, out=...)``, numba, all cores) written into two
    ``.npy`` memmaps, and
  * ``write_gram(net.gram(X, chunks=N), (nngp.npy, ntk.npy))`` on a ``distributed.LocalCluster``
    with 2 worker processes x 1 thread (numba limited to 1 thread per worker),
checks that both files agree (sampled rows, relative to the largest entry), samples the resident
memory of each worker (VmRSS and RssAnon from /proc, every 0.1 s) and reads the per-task times
from the cluster's task stream. It prints a table, then a PROJECTION of the wall time on 8, 64
and 512 workers and for n = 1,000,000 from the measured per-block time and the graph's shape.

    python benchmarks/bench_dask.py --n 40000            # the issue's case (~2 x 4 min on 2 cores)
    python benchmarks/bench_dask.py --n 8000 --depth 10  # a quick run

Disk: two float64 n x n files at a time (2 x 12.8 GB at n = 40,000), deleted after each run.
"""
from __future__ import annotations

import argparse
import math
import os
import shutil
import tempfile
import threading
import time

import numpy as np

import ntksym as nk
from ntksym.gram.distributed import block_bounds, write_gram


def _status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmRSS", "RssAnon")):
                    k, v = line.split(":")
                    out[k] = int(v.split()[0]) * 1024
    except OSError:
        pass
    return out


class MemorySampler(threading.Thread):
    """Peak VmRSS and RssAnon of some processes, sampled every ``dt`` seconds."""

    def __init__(self, pids, dt=0.1):
        super().__init__(daemon=True)
        self.pids, self.dt = list(pids), dt
        self.peak = {p: {"VmRSS": 0, "RssAnon": 0} for p in self.pids}
        self.start_vals = {p: _status(p) for p in self.pids}
        self._stop_evt = threading.Event()

    def run(self):
        while not self._stop_evt.is_set():
            for p in self.pids:
                for k, v in _status(p).items():
                    self.peak[p][k] = max(self.peak[p][k], v)
            time.sleep(self.dt)

    def stop(self):
        self._stop_evt.set()
        self.join()


def _set_threads(n):
    import numba
    numba.set_num_threads(n)
    return numba.get_num_threads()


def _compare(p_ref, p_new, rows):
    a = np.load(p_ref, mmap_mode="r")
    b = np.load(p_new, mmap_mode="r")
    ra, rb = np.asarray(a[rows]), np.asarray(b[rows])
    return float(np.max(np.abs(ra - rb)) / np.max(np.abs(ra))), bool(np.array_equal(ra, rb))


def task_count(nb):
    """Tasks of write_gram on a symmetric Gram of nb x nb blocks (counted from the graph for a
    small case and checked): net 1 + point blocks nb + chains 1 + chain slices and block tasks
    nb(nb+1)/2 each + 2 nb^2 views + 2 nb^2 stores."""
    return 1 + nb + 1 + nb * (nb + 1) + 4 * nb * nb


def run_one(client, act, n, d, depth, chunks, tmp, baseline=True):
    from distributed import get_task_stream

    net = nk.MLP(depth=depth, activation=act, W_std=1.4, b_std=0.1)
    X = np.random.default_rng(0).normal(size=(n, d))
    net.gram(X[:64])                                   # compile / warm the kernels here
    client.run(lambda: nk.MLP(depth=2, activation=act).gram(np.ones((4, 2))))   # and there
    ref = (os.path.join(tmp, "ref_nngp.npy"), os.path.join(tmp, "ref_ntk.npy"))
    res = {"activation": act, "n": n, "depth": depth, "chunks": chunks}
    if baseline:
        t0 = time.perf_counter()
        out = tuple(np.lib.format.open_memmap(p, mode="w+", dtype=np.float64, shape=(n, n))
                    for p in ref)
        net.gram(X, out=out)
        for o in out:
            o.flush()
        del out
        res["t_single"] = time.perf_counter() - t0
    g = net.gram(X, chunks=chunks)
    paths = (os.path.join(tmp, "nngp.npy"), os.path.join(tmp, "ntk.npy"))
    pids = list(client.run(os.getpid).values())
    sampler = MemorySampler(pids)
    sampler.start()
    t0 = time.perf_counter()
    with get_task_stream(client) as ts:
        write_gram(g, paths)
    res["t_dask"] = time.perf_counter() - t0
    sampler.stop()
    blk = [(r["key"], r["startstops"]) for r in ts.data if "gramblock" in str(r["key"])]
    times = {}
    for key, ss in blk:
        times[key] = sum(s["stop"] - s["start"] for s in ss if s["action"] == "compute")
    diag = [t for k, t in times.items() if "(" in str(k) and _is_diag(k)]
    off = [t for k, t in times.items() if not _is_diag(k)]
    res.update(n_blocks=len(times), t_block_off=float(np.mean(off)) if off else float("nan"),
               t_block_diag=float(np.mean(diag)) if diag else float("nan"),
               work=float(sum(times.values())),
               rss_peak=max(v["VmRSS"] for v in sampler.peak.values()),
               anon_peak=max(v["RssAnon"] for v in sampler.peak.values()),
               anon_start=max(v.get("RssAnon", 0) for v in sampler.start_vals.values()))
    if baseline:
        rows = np.sort(np.random.default_rng(1).choice(n, size=min(n, 64), replace=False))
        res["rel_nngp"], res["same_nngp"] = _compare(ref[0], paths[0], rows)
        res["rel_ntk"], res["same_ntk"] = _compare(ref[1], paths[1], rows)
        res["ratio"] = res["t_single"] / res["t_dask"]
    for p in ref + paths:
        if os.path.exists(p):
            os.remove(p)
    return res


def _is_diag(key):
    k = key if isinstance(key, tuple) else eval(str(key))  # keys come back as tuples or str
    return k[1] == k[2]


def projection(res, n_target=None, chunks=None, workers=(8, 64, 512), overhead=1e-3,
               disk_bw=1e9):
    """PROJECTION of the wall time from the measured per-block time and the graph's shape.

    Model: blocks are independent (critical path: chains -> block -> store, 3 tasks); with W
    workers of one core, wall = t_chain + max(work / W, t_block) + tasks * overhead / 1
    (scheduler: ~1 ms per task, single scheduler) + bytes / (W * disk_bw) for writing (each
    worker to its own disk or a parallel file system at disk_bw). work scales as n^2.
    """
    n0 = res["n"]
    chunks = chunks or res["chunks"]
    n = n_target or n0
    nb = len(block_bounds(n, chunks))
    scale = (n / n0) ** 2
    work = res["work"] * scale
    tasks = task_count(nb)
    out_bytes = 2 * 8.0 * n * n
    rows = []
    for W in workers:
        compute = max(work / W, res["t_block_off"] * (chunks / res["chunks"]) ** 2)
        sched = tasks * overhead
        io = out_bytes / (W * disk_bw)
        rows.append((W, n, nb * (nb + 1) // 2, tasks, compute, sched, io, compute + sched + io))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40000)
    ap.add_argument("--d", type=int, default=32)
    ap.add_argument("--depth", type=int, default=10)
    ap.add_argument("--chunks", type=int, default=4096)
    ap.add_argument("--activations", nargs="+", default=["relu", "erf"])
    ap.add_argument("--dir", default=None, help="scratch directory (default: a temp dir)")
    ap.add_argument("--no-baseline", action="store_true")
    a = ap.parse_args()
    from distributed import Client, LocalCluster

    tmp = tempfile.mkdtemp(dir=a.dir, prefix="ntksym-bench-dask-")
    results = []
    try:
        with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            client.run(_set_threads, 1)
            for act in a.activations:
                r = run_one(client, act, a.n, a.d, a.depth, a.chunks, tmp, not a.no_baseline)
                results.append(r)
                print(r, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    mb = 1024.0 ** 2
    print(f"\nblockwise dask Gram, n = {a.n}, d = {a.d}, depth {a.depth}, chunks {a.chunks}, "
          f"2 workers x 1 thread, written to .npy memmaps")
    print(f"{'act':6} {'single s':>9} {'dask s':>8} {'ratio':>6} {'blocks':>6} "
          f"{'t_blk s':>8} {'peak RSS MB':>11} {'peak anon MB':>12} {'rel err':>9} {'bits':>5}")
    for r in results:
        print(f"{r['activation']:6} {r.get('t_single', float('nan')):9.1f} {r['t_dask']:8.1f} "
              f"{r.get('ratio', float('nan')):6.2f} {r['n_blocks']:6d} {r['t_block_off']:8.2f} "
              f"{r['rss_peak'] / mb:11.0f} {r['anon_peak'] / mb:12.0f} "
              f"{max(r.get('rel_nngp', 0), r.get('rel_ntk', 0)):9.1e} "
              f"{str(r.get('same_nngp', '') and r.get('same_ntk', '')):>5}")
    blk = 2 * 8 * a.chunks ** 2 / mb
    print(f"(one block task's output: 2 x {a.chunks}^2 float64 = {blk:.0f} MB; chains: "
          f"{(a.depth + 1) * a.n * 8 / mb:.1f} MB per side)")
    for r in results:
        for n_target, ch in ((a.n, a.chunks), (1_000_000, a.chunks), (1_000_000, 16384)):
            print(f"\nPROJECTION (a model, not a measurement) for {r['activation']}, "
                  f"n = {n_target}, chunks {ch}: work = {r['work']:.0f} core-s measured at "
                  f"n = {a.n}, scaled by n^2; 1 ms scheduler time per task; 1 GB/s of disk "
                  f"per worker; output {2 * 8 * n_target ** 2 / 1e12:.2f} TB")
            print(f"{'workers':>8} {'blocks':>8} {'tasks':>9} {'compute s':>10} "
                  f"{'sched s':>8} {'write s':>8} {'wall s':>9}")
            for W, n, nbk, tasks, comp, sched, io, tot in projection(r, n_target, ch):
                print(f"{W:8d} {nbk:8d} {tasks:9d} {comp:10.1f} {sched:8.1f} {io:8.1f} "
                      f"{tot:9.1f}")
    return results


if __name__ == "__main__":
    main()
