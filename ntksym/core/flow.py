r"""Gradient flow of a linear model in the eigenbasis of its kernel, written once.

Under gradient flow on the loss of neural-tangents' predict module,

.. math::

    \mathcal L(f) = \frac{1}{2N} \lVert f - y \rVert^2, \qquad
    \dot f_\tau = -\frac{1}{N} \Theta (f_\tau - y), \qquad
    f_\tau = y + e^{-\Theta \tau / N} (f_0 - y),

with N = y.size (the number of training outputs) and tau = learning_rate x steps the absolute
time (Jacot et al. 2018, arXiv:1806.07572; Lee et al. 2019, arXiv:1902.06720). One symmetric
eigendecomposition Theta = V diag(lambda) V^T serves every time.

A singular kernel (a polynomial activation) has eigenvalues that are zero in exact arithmetic and
of the order of the rounding error in float64. Eigenvalues at most ``rtol * lambda_max`` (default
``rtol = n * eps``, NumPy's ``matrix_rank`` convention) are treated as exactly zero: along those
directions the flow does not move and the pseudo-inverse is zero, so rounding noise is never
amplified by 1/lambda. The part of the targets in that null space cannot be fitted; it is
:meth:`KernelFlow.unfit`.

This module is numpy only; :mod:`ntksym.empirical.train` and :mod:`ntksym.dynamics.predict` both
use it.
"""
from __future__ import annotations

import numpy as np

__all__ = ["KernelFlow", "default_rtol"]


def default_rtol(n):
    """The default relative eigenvalue threshold n * eps (float64), as numpy.linalg.matrix_rank."""
    return max(int(n), 1) * np.finfo(float).eps


class KernelFlow:
    """The eigendecomposition of a training kernel and the matrix functions of gradient flow.

    Args:
        K: symmetric (n, n) float64 kernel on the training points.
        diag_reg: regularisation relative to the mean diagonal, as neural-tangents:
            ``K + diag_reg * (trace(K) / n) * I`` is decomposed.
        normalization: N of the loss (default n, one output per point).
        rtol: eigenvalues <= rtol * max(|lambda|) are zero (default ``n * eps``).

    Attributes:
        evals, evecs: the eigenvalues (ascending) and eigenvectors of the regularised kernel.
        positive: boolean mask of the eigenvalues kept (above the threshold).
        threshold: the absolute threshold, rtol * max(|lambda|).
        rank: the number of kept eigenvalues.
    """

    def __init__(self, K, diag_reg=0.0, normalization=None, rtol=None):
        K = np.asarray(K, dtype=float)
        if K.ndim != 2 or K.shape[0] != K.shape[1]:
            raise ValueError(f"the training kernel must be a square matrix, got shape {K.shape}")
        n = K.shape[0]
        if not np.all(np.isfinite(K)):
            raise ValueError("the training kernel contains NaN or infinity")
        K = 0.5 * (K + K.T)
        if diag_reg:
            K = K + float(diag_reg) * (np.trace(K) / n) * np.eye(n)
        self.n = n
        self.normalization = float(n if normalization is None else normalization)
        self.rtol = default_rtol(n) if rtol is None else float(rtol)
        self.evals, self.evecs = np.linalg.eigh(K)
        top = float(np.max(np.abs(self.evals))) if n else 0.0
        self.threshold = self.rtol * top
        self.positive = self.evals > self.threshold
        self.rank = int(np.count_nonzero(self.positive))

    @property
    def lambda_min(self):
        """The smallest eigenvalue (as computed, may be <= 0 for a singular kernel)."""
        return float(self.evals[0])

    @property
    def lambda_max(self):
        return float(self.evals[-1])

    # -- matrix functions ----------------------------------------------------------------------
    def apply(self, values, v):
        """V diag(values) V^T v; ``values`` has shape (T, n) or (n,), v shape (n,) or (n, k).

        Returns shape (T,) + v.shape, or v.shape when ``values`` is 1-D.
        """
        values = np.asarray(values, dtype=float)
        coeff = self.evecs.T @ v                                   # (n,) or (n, k)
        if values.ndim == 1:
            scaled = values.reshape((-1,) + (1,) * (coeff.ndim - 1)) * coeff
            return self.evecs @ scaled
        scaled = values.reshape(values.shape + (1,) * (coeff.ndim - 1)) * coeff[None]
        return np.einsum("ij,tj...->ti...", self.evecs, scaled)

    def decay(self, tau):
        """exp(-lambda tau / N) per eigenvalue, zero eigenvalues kept at 1; shape (T, n).

        ``tau`` is the absolute time (learning_rate x steps), a scalar or 1-D array; inf is allowed.
        """
        tau = np.atleast_1d(np.asarray(tau, dtype=float))
        lam = np.where(self.positive, self.evals, 0.0)
        with np.errstate(invalid="ignore"):
            out = np.exp(-np.outer(tau, lam) / self.normalization)
        out[:, ~self.positive] = 1.0
        return out

    def step_decay(self, steps, learning_rate):
        """(1 - eta lambda / N)^k per eigenvalue: discrete gradient descent on the linear model.

        The exact counterpart of :meth:`decay` for k steps of size eta (zero eigenvalues kept at
        1); shape (T, n). It converges only for eta < 2N / lambda_max.
        """
        k = np.atleast_1d(np.asarray(steps, dtype=float))
        lam = np.where(self.positive, self.evals, 0.0)
        out = np.power(1.0 - float(learning_rate) * lam[None, :] / self.normalization, k[:, None])
        out[:, ~self.positive] = 1.0
        return out

    def gain(self, tau):
        """(1 - exp(-lambda tau / N)) / lambda per eigenvalue (0 on the null space); (T, n).

        At tau = inf it is the pseudo-inverse 1/lambda. ``apply(gain(tau), r)`` with
        r = y - f_0 gives the coefficients alpha_tau of f_tau(x) = f_0(x) + K(x, X) alpha_tau.
        """
        tau = np.atleast_1d(np.asarray(tau, dtype=float))
        lam = np.where(self.positive, self.evals, 1.0)
        with np.errstate(invalid="ignore", over="ignore"):
            out = -np.expm1(-np.outer(tau, lam) / self.normalization) / lam
        out[np.isinf(tau)] = 1.0 / lam
        out[:, ~self.positive] = 0.0
        return out

    def residual(self, tau, r0):
        """The residual f_tau - y = exp(-K tau / N) (f_0 - y) at each time; (T,) + r0.shape."""
        return self.apply(self.decay(tau), np.asarray(r0, dtype=float))

    def unfit(self, v):
        """The component of v in the (numerical) null space: what the flow can never fit."""
        v = np.asarray(v, dtype=float)
        null = self.evecs[:, ~self.positive]
        return null @ (null.T @ v)
