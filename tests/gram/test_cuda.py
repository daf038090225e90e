"""Tests for `ntksym/gram/cuda.py` and `ntksym/gram/compiled/cuda.py`: the GPU Gram.

The kernel runs in numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``, set in a subprocess: the
variable must be set before numba is imported), which executes the same kernel source thread by
thread on the CPU, so the tests pass without a GPU. The reference is the in-memory CPU Gram.
"""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ntksym as nk
from ntksym.gram.cuda import cuda_available

SCRIPT = textwrap.dedent("""
    import json
    import numpy as np
    import ntksym as nk
    from ntksym.gram.cuda import gram_cuda

    def rel(a, ref):
        return float(np.max(np.abs(a - ref)) / np.max(np.abs(ref)))

    rng = np.random.default_rng(0)
    X = rng.normal(size=(21, 4))
    X[3] = X[1]; X[4] = 2.5 * X[1]; X[5] = -X[1]; X[6] = X[1] + 1e-9   # degenerate pairs
    Y = rng.normal(size=(11, 4))
    Y[0] = X[2]
    out = []
    for act, par, w, b in (("relu", "ntk", 1.4, 0.3), ("relu", "standard", 1.4, 0.0),
                           ("leaky_relu", "ntk", 1.1, 0.0), ("erf", "ntk", 1.2, 0.2),
                           ("erf", "standard", 1.2, 0.0)):
        net = nk.MLP(depth=3, activation=act, W_std=w, b_std=b, parameterization=par,
                     width=64 if par == "standard" else None)
        for X2 in (None, Y):
            ref = net.gram(X, X2)
            g = net.gram(X, X2, device="cuda")
            out.append(dict(case=[act, par, b, X2 is None], nngp=rel(g.nngp, ref.nngp),
                            ntk=rel(g.ntk, ref.ntk), shape=list(g.nngp.shape),
                            symmetric=bool(X2 is not None or (np.array_equal(g.nngp, g.nngp.T)
                                           and np.array_equal(g.ntk, g.ntk.T)))))
    try:
        nk.MLP(depth=2, activation="tanh").gram(X, device="cuda")
        unsupported = "no error"
    except NotImplementedError as e:
        unsupported = str(e)
    print(json.dumps(dict(cases=out, unsupported=unsupported)))
""")


@pytest.fixture(scope="module")
def simulated():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    res = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_simulated_kernel_matches_cpu_gram(simulated):
    assert len(simulated["cases"]) == 10
    for case in simulated["cases"]:
        assert case["nngp"] <= 1e-13 and case["ntk"] <= 1e-13, case
        assert case["symmetric"], case
    assert simulated["cases"][1]["shape"] == [21, 11]


def test_unsupported_activation_is_named(simulated):
    msg = simulated["unsupported"]
    assert "tanh" in msg and "device=None" in msg


@pytest.mark.skipif(cuda_available(), reason="a CUDA GPU is available here")
def test_no_gpu_is_a_clear_error():
    net = nk.MLP(depth=2, activation="relu")
    with pytest.raises(RuntimeError, match="no CUDA GPU is available.*device=None"):
        net.gram(np.ones((3, 2)), device="cuda")


def test_bad_device():
    net = nk.MLP(depth=2, activation="relu")
    with pytest.raises(ValueError, match="unknown device"):
        net.gram(np.ones((3, 2)), device="gpu")
    with pytest.raises(ValueError, match="alternatives"):
        net.gram(np.ones((3, 2)), device="cuda", chunks=2)
