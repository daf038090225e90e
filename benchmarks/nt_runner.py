"""Run neural-tangents 0.6.5 on the same inputs as ntksym (benchmarks only).

Executed as a subprocess with the interpreter of ``.venv-nt`` (create it with benchmarks/setup_nt.sh):

    .venv-nt/bin/python benchmarks/nt_runner.py IN.npz OUT.npz

IN.npz holds ``X`` (n, d) float64 and ``configs``, a JSON string: a list of
{"activation": "relu"|"erf", "depth": L, "W_std": w, "b_std": b, "repeat": k}. For each config
the kernel function is jitted, run once to compile, then timed (best of ``repeat``) with
``block_until_ready``; OUT.npz receives ``time_<i>``, ``rss_<i>`` (peak RSS growth over the
post-import baseline, bytes) and, when ``save`` is set, ``nngp_<i>``/``ntk_<i>``.
"""
import json
import os
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import numpy as np  # noqa: E402
from neural_tangents import stax  # noqa: E402

ACT = {"relu": stax.Relu, "erf": stax.Erf}


def build(cfg):
    w, b = cfg["W_std"], cfg["b_std"]
    layers = []
    for _ in range(cfg["depth"]):
        layers += [stax.Dense(1, W_std=w, b_std=b), ACT[cfg["activation"]]()]
    layers += [stax.Dense(1, W_std=w, b_std=b)]
    _, _, kernel_fn = stax.serial(*layers)
    return jax.jit(kernel_fn, static_argnames="get")


def main(inp, outp):
    data = np.load(inp)
    X = jax.numpy.asarray(np.asarray(data["X"], dtype=np.float64))
    configs = json.loads(str(data["configs"]))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out = {}
    for i, cfg in enumerate(configs):
        fn = build(cfg)
        k = fn(X, None, ("nngp", "ntk"))
        jax.block_until_ready(k)
        best = float("inf")
        for _ in range(cfg.get("repeat", 1)):
            t0 = time.perf_counter()
            k = fn(X, None, ("nngp", "ntk"))
            jax.block_until_ready(k)
            best = min(best, time.perf_counter() - t0)
        out[f"time_{i}"] = best
        out[f"rss_{i}"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
        if cfg.get("save"):
            out[f"nngp_{i}"] = np.asarray(k[0])
            out[f"ntk_{i}"] = np.asarray(k[1])
        del k
    np.savez(outp, **out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
