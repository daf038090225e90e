r"""Gram matrices on a CUDA GPU: ``net.gram(X1, X2=None, device="cuda")``.

The host side of the fused per-entry kernel :mod:`ntksym.gram.compiled.cuda` (numba.cuda,
float64): it takes the path and the diagonal chains from the CPU engine
(:func:`ntksym.gram.float64.diagonal_chains`, O(n L), so both devices start from the very same
chains), prepares the points (:class:`ntksym.gram.common.Inputs`), copies them to the device,
launches one thread per entry and copies the two n1 x n2 results back.

Supported: the closed-form fast paths ``abrelu`` (ReLU, leaky ReLU, |x|, identity) and ``erf``.
Other activations raise NotImplementedError (use ``device=None``, the CPU engine, or
``chunks=N`` for a dask cluster). Without a usable CUDA GPU a RuntimeError says so.

:class:`CudaGram` separates the steps (upload, kernel, download) for benchmarks and for callers
that keep the results on the device (``copy=False``). The tests run the same kernel in numba's
CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``).
"""
from __future__ import annotations

import math

import numpy as np

from ntksym.core.inputs import float_point_pair
from ntksym.gram.closed_form import roots
from ntksym.gram.common import FLAG, Inputs
from ntksym.gram.float64 import diagonal_chains

__all__ = ["cuda_available", "require_cuda", "CudaGram", "gram_cuda"]

KINDS = ("abrelu", "erf")


def cuda_available():
    """True when numba.cuda finds a usable GPU (or runs its simulator)."""
    try:
        from numba import cuda
        return bool(cuda.is_available())
    except Exception:  # pragma: no cover - numba.cuda missing or broken
        return False


def require_cuda():
    """numba.cuda, or a RuntimeError explaining that no CUDA GPU is available."""
    if not cuda_available():
        raise RuntimeError("device='cuda': no CUDA GPU is available (numba.cuda.is_available() "
                           "is False; on a GPU machine install numba-cuda, e.g. pip install "
                           "'numba-cuda[cu12]'); use device=None for the CPU Gram")
    from numba import cuda
    return cuda


class CudaGram:
    """One Gram computation on the GPU, step by step.

    ``CudaGram(net, X1, X2=None)`` checks the network, computes the chains on the host and
    uploads everything; :meth:`run` launches the kernel into device buffers (and synchronises);
    :meth:`result` copies (nngp, ntk) back as numpy arrays. ``self.G`` and ``self.T`` are the
    device arrays.
    """

    def __init__(self, net, X1, X2=None):
        cuda = require_cuda()
        from ntksym.gram.compiled import cuda as kernels

        if net.is_symbolic:
            raise ValueError("gram() needs numeric W_std and b_std")
        X1, X2 = float_point_pair(X1, X2)
        chains = diagonal_chains(net, X1, X2)
        if chains.kind not in KINDS:
            raise NotImplementedError(
                f"device='cuda' supports the closed-form paths {KINDS} (ReLU-like and erf "
                f"activations); {net.activation.name!r} takes the {chains.kind!r} path: use "
                f"device=None (the CPU engine) or chunks=N (dask)")
        self.cuda, self.kernels = cuda, kernels
        inp = Inputs(net, X1, X2)
        self.sym = inp.sym
        self.shape = (X1.shape[0], inp.X2.shape[0])
        Q1, Q2 = chains.Q1, (chains.Q1 if inp.sym else chains.Q2)
        S1, I1 = roots(Q1)
        S2, I2 = (S1, I1) if inp.sym else roots(Q2)
        if chains.kind == "abrelu":
            kind = kernels.ABRELU
            kz = (float(net.dual.ntk(0.0, 1.0, 0.0)), float(net.dual.ntk(0.0, 0.0, 0.0)))
        else:
            kind, kz = kernels.ERF, (0.0, 0.0)
        dev = cuda.to_device
        c = np.ascontiguousarray
        X1d = dev(c(X1))
        A = [X1d, X1d if inp.sym else dev(c(inp.X2)), dev(c(inp.n1sq))]
        for M1, M2 in ((Q1, Q2), (S1, S2), (I1, I2)):
            d1 = dev(c(M1))
            A += [d1, d1 if inp.sym else dev(c(M2))]
        U1 = dev(c(inp.U1))
        A += [U1, U1 if inp.sym else dev(c(inp.U2))]
        N1 = dev(c(inp.N1))
        A += [N1, N1 if inp.sym else dev(c(inp.N2))]
        self.G = cuda.device_array(self.shape, dtype=np.float64)
        self.T = cuda.device_array(self.shape, dtype=np.float64)
        p0, p1 = chains.params
        self.args = (self.G, self.T, *A, inp.w2, inp.b2, float(inp.d), kind, float(p0),
                     float(p1), kz[0], kz[1], bool(inp.standard), float(inp.width),
                     bool(inp.sym), FLAG)
        t = kernels.TILE
        self.grid = (math.ceil(self.shape[1] / t), math.ceil(self.shape[0] / t))
        self.block = (t, t)

    def run(self):
        """Launch the kernel and wait for it; returns self."""
        self.kernels.gram_kernel[self.grid, self.block](*self.args)
        self.cuda.synchronize()
        return self

    def result(self):
        """(nngp, ntk) as numpy arrays (copied from the device)."""
        return self.G.copy_to_host(), self.T.copy_to_host()


def gram_cuda(net, X1, X2=None, copy=True):
    """(nngp, ntk) of ``net`` on X1 x X2 computed on a CUDA GPU, float64.

    ``copy=False`` returns the numba device arrays instead of numpy arrays.
    """
    g = CudaGram(net, X1, X2).run()
    return g.result() if copy else (g.G, g.T)
