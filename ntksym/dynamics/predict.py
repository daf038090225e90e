r"""The trained infinite-width ensemble: mean and covariance of the outputs at time t.

:func:`predict` is neural-tangents' ``predict.gradient_descent_mse_ensemble`` (Lee et al. 2019,
`arXiv:1902.06720 <https://arxiv.org/abs/1902.06720>`_, eqs. (14)-(16)) on ntksym's kernels.
With N = y.size, tau = learning_rate * t, Theta and K the NTK and NNGP, "d" the training and
"*" the test points, and Theta_dd regularised by ``diag_reg * trace(Theta_dd) / n``,

.. math::

    \mu_\tau = \Theta_{*d}\, \Theta_{dd}^{-1} (I - e^{-\Theta_{dd}\tau/N})\, y, \qquad
    \Sigma_\tau = K_{**} + T^\top K_{dd} T - (\Theta_{*d} T' + T'^\top \Theta_{d*}),

with T = Theta_dd^{-1}(I - e^{-Theta_dd tau/N}) Theta_{d*} and T' = Theta_dd^{-1}(I - e^{-Theta_dd
tau/N}) K_{d*}. ``kind="nngp"`` trains with the NNGP as kernel (the Bayesian posterior at t = inf):
mu as above with K, and Sigma = K_** - K_*d K_dd^{-1}(I - e^{-2 K_dd tau/N}) K_d*.

Singular kernels are handled in the eigenbasis (:class:`~ntksym.core.flow.KernelFlow`):
eigenvalues below ``rtol * lambda_max`` count as zero, Theta^{-1} is the pseudo-inverse there, and
the part of y in the null space is reported (:attr:`Prediction.unfit_norm`) instead of being
amplified. Differences from neural-tangents, on purpose: at t = inf it uses the same
eigendecomposition (neural-tangents uses a Cholesky factorisation, which fails on singular
kernels); ``X_test=None`` means ``X_test = X_train`` (with ``diag_reg = 0`` this is
neural-tangents' training-set prediction; with ``diag_reg > 0`` neural-tangents returns y at
t = inf, ntksym the regularised fit).

Examples
========

>>> import numpy as np
>>> import ntksym as nk
>>> net = nk.MLP(depth=1, activation="erf", W_std=1.5, b_std=0.3)
>>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]); y = np.array([1.0, -1.0, 0.5])
>>> p = nk.predict(net, X, y, t=None)
>>> np.allclose(p.mean, y), p.rank
(True, 3)
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from ntksym.core.flow import KernelFlow
from ntksym.core.inputs import float_points
from ntksym.core.printing import ntk_printer, text
from ntksym.empirical.checks import check_net
from ntksym.empirical.train import check_targets

__all__ = ["Prediction", "predict", "ensemble", "solve_infinite", "check_times",
           "check_positive", "check_mlp"]

_KINDS = ("ntk", "nngp")


@dataclass(frozen=True, eq=False)
class Prediction:
    """The ensemble of trained infinitely wide networks at time t: Gaussian (mean, cov).

    Unpacks as ``mean, cov = prediction``.

    Attributes:
        mean: the mean outputs, shape ``t.shape + (m,) + y.shape[1:]`` (m test points).
        cov: the covariance over initialisations, ``t.shape + (m, m)``, or None (``cov=False``).
        t: the times, in steps (None: infinity); the absolute time is learning_rate * t.
        kind: "ntk" or "nngp".
        rank: the numerical rank of the (regularised) training kernel.
        n: the number of training points.
        threshold: eigenvalues at most this are treated as zero.
        unfit: the component of y in the kernel's null space (zeros for a full-rank kernel).
        unfit_norm: its Euclidean norm; the loss floor of the mean is unfit_norm^2 / (2 N).
        learning_rate, diag_reg: as given.
    """

    mean: np.ndarray
    cov: np.ndarray | None
    t: object
    kind: str
    rank: int
    n: int
    threshold: float
    unfit: np.ndarray = field(repr=False)
    unfit_norm: float = 0.0
    learning_rate: float = 1.0
    diag_reg: float = 0.0

    def __iter__(self):
        return iter((self.mean, self.cov))

    @property
    def loss_floor(self):
        """unfit_norm^2 / (2 N): no time of training brings the mean's training loss below it."""
        return self.unfit_norm ** 2 / (2 * self.unfit.size)

    def __str__(self):
        when = "t = inf" if self.t is None else f"t = {_brief(self.t)}"
        lines = [f"Prediction ({self.kind}, {when}, learning rate {self.learning_rate:g}, "
                 f"diag_reg {self.diag_reg:g})",
                 f"  mean shape {np.shape(self.mean)}, covariance "
                 f"{'shape ' + str(np.shape(self.cov)) if self.cov is not None else 'not computed'}",
                 f"  training kernel rank {self.rank} of {self.n} (eigenvalues <= "
                 f"{self.threshold:.3g} treated as zero)"]
        if self.rank < self.n:
            lines.append(f"  part of y the kernel cannot fit: norm {self.unfit_norm:.6g}, loss "
                         f"floor {self.loss_floor:.6g}")
        return "\n".join(lines)

    def _latex(self, printer):
        p = ntk_printer(printer)
        when = r"t=\infty" if self.t is None else r"t=%s" % text(_brief(self.t))
        body = (r"\text{Prediction (%s): } %s,\ \eta=%s,\ \operatorname{rank}\Theta=%d/%d"
                % (text(self.kind), when, p._print(self.learning_rate), self.rank, self.n))
        if self.rank < self.n:
            body += r",\ \lVert P_0 y\rVert=%s" % p._print(round(self.unfit_norm, 6))
        return body


def _brief(t):
    t = np.asarray(t)
    return f"{float(t):g}" if t.ndim == 0 else f"array of shape {t.shape}"


# ---------------------------------------------------------------------------------------------
# argument checks (shared with convergence and claims)
# ---------------------------------------------------------------------------------------------

def check_mlp(net):
    """``net`` is an MLP with numeric W_std and b_std (:func:`ntksym.empirical.checks.check_net`)."""
    check_net(net, "training predictions need")


def check_positive(value, name, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'} and finite, got "
                         f"{value}")
    return value


def check_times(t, name="t"):
    """None (infinity) or a float64 array of times >= 0 (inf allowed)."""
    if t is None:
        return None
    try:
        arr = np.asarray(t, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be None, a number or an array of numbers, got {t!r}") \
            from None
    if np.any(np.isnan(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0 (None or inf for infinite time), got {t!r}")
    return arr


# ---------------------------------------------------------------------------------------------
# the solves
# ---------------------------------------------------------------------------------------------

def solve_infinite(flow, targets):
    """Theta_dd^+ targets: the t = inf weights, K(x, X) @ result being the prediction at x.

    Kept separate (one function of the decomposed training kernel and the right-hand side) so
    that a blockwise or distributed kernel can supply its own solve.
    """
    return flow.apply(flow.gain(np.inf)[0], targets)


def predict(net, X_train, y_train, X_test=None, t=None, learning_rate=1.0, diag_reg=0.0,
            kind="ntk", cov=False, rtol=None, chunks=None):
    """Mean (and covariance) of infinitely wide networks trained by gradient flow for time t.

    Conventions of neural-tangents' ``predict.gradient_descent_mse_ensemble``: loss
    ``0.5 * mean((f - y)**2)`` over the y.size training outputs, time ``t`` in steps (absolute
    time ``learning_rate * t``), ``diag_reg`` relative to the mean diagonal of the training
    kernel. The average is over random initialisations (f_0 ~ GP(0, NNGP)).

    Args:
        net: an :class:`~ntksym.MLP` with numeric W_std and b_std.
        X_train: training inputs, shape (n, d).
        y_train: targets, shape (n,) or (n, k).
        X_test: test inputs, shape (m, d); None predicts on the training inputs.
        t: None (infinity), a time, or an array of times (any shape); one eigendecomposition
            serves all of them.
        learning_rate: > 0.
        diag_reg: >= 0.
        kind: "ntk" (gradient descent) or "nngp" (the NNGP as the training kernel).
        cov: also compute the covariance.
        rtol: relative eigenvalue threshold (default n * eps).
        chunks: None (in memory), or a block size: the Gram matrices are then lazy dask arrays
            computed blockwise (``net.gram(..., chunks=chunks)``) and the t = infinity mean is
            solved blockwise by Cholesky (:func:`ntksym.gram.distributed.predict_infinite`), on
            whatever dask scheduler is active. Only t = None, without the covariance; the
            regularised training kernel must be numerically positive definite (use diag_reg > 0
            or chunks=None for a singular kernel, which the eigendecomposition handles).

    Returns:
        :class:`Prediction`.

    Raises:
        TypeError, ValueError: bad arguments; the message says which and how to fix it.
    """
    check_mlp(net)
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'ntk' or 'nngp', got {kind!r}")
    if not isinstance(cov, (bool, np.bool_)):
        raise TypeError(f"cov must be True or False, got {cov!r}")
    Xd = float_points(X_train, "X_train")
    y = check_targets(y_train, Xd.shape[0], "y_train")
    Xt = Xd if X_test is None else float_points(X_test, "X_test")
    if Xt.shape[1] != Xd.shape[1]:
        raise ValueError(f"X_test has {Xt.shape[1]} columns but X_train has {Xd.shape[1]}; "
                         "both must have the input dimension d")
    learning_rate = check_positive(learning_rate, "learning_rate")
    diag_reg = check_positive(diag_reg, "diag_reg", allow_zero=True)
    times = check_times(t)
    if rtol is not None:
        rtol = check_positive(rtol, "rtol")

    if chunks is not None:
        return _predict_blockwise(net, Xd, y, Xt, X_test is None, t, times, learning_rate,
                                  diag_reg, kind, cov, chunks)
    g_dd = net.gram(Xd)
    g_td = g_dd if X_test is None else net.gram(Xt, Xd)
    k_dd, k_td = getattr(g_dd, kind), getattr(g_td, kind)
    flow = KernelFlow(k_dd, diag_reg, normalization=y.size, rtol=rtol)
    nngp_tt = None
    if cov:
        nngp_tt = g_dd.nngp if X_test is None else net.gram(Xt).nngp
    mean, covariance = ensemble(flow, y, k_td, times, learning_rate, kind,
                                nngp_dd=g_dd.nngp, nngp_td=g_td.nngp, nngp_tt=nngp_tt)
    unfit = flow.unfit(y)
    return Prediction(mean, covariance, t, kind, flow.rank, Xd.shape[0],
                      flow.threshold, unfit, float(np.linalg.norm(unfit)), learning_rate,
                      diag_reg)


def _predict_blockwise(net, Xd, y, Xt, same, t, times, learning_rate, diag_reg, kind, cov,
                       chunks):
    """The t = infinity mean from dask Gram matrices, solved blockwise (see :func:`predict`)."""
    from ntksym.gram.distributed import predict_infinite

    if times is not None or cov:
        raise ValueError("chunks= computes the t = infinity mean only: use t=None and "
                         "cov=False, or chunks=None for finite times and the covariance")
    k_dd = getattr(net.gram(Xd, chunks=chunks), kind)
    k_td = k_dd if same else getattr(net.gram(Xt, Xd, chunks=chunks), kind)
    try:
        mean = np.asarray(predict_infinite(k_td, k_dd, y, diag_reg).compute())
    except np.linalg.LinAlgError:
        raise ValueError("the training kernel is numerically singular, so its blockwise "
                         "Cholesky factorisation failed; use diag_reg > 0, or chunks=None "
                         "(the eigendecomposition handles singular kernels)") from None
    n = Xd.shape[0]
    # the Cholesky factorisation succeeded: the regularised kernel is numerically PD (rank n)
    return Prediction(mean, None, t, kind, n, n, 0.0, np.zeros_like(y), 0.0, learning_rate,
                      diag_reg)


def ensemble(flow, y, k_td, times, learning_rate, kind, nngp_dd=None, nngp_td=None,
             nngp_tt=None):
    """Mean and covariance from a decomposed training kernel (see :func:`predict`).

    Args:
        flow: :class:`~ntksym.core.flow.KernelFlow` of the training kernel of ``kind``.
        y: targets (n,) or (n, k); k_td: test-train kernel of ``kind``, (m, n).
        times: None or an array of steps; learning_rate: the step size.
        nngp_dd, nngp_td, nngp_tt: NNGP blocks, needed for the covariance (nngp_tt None: no
            covariance).
    """
    if times is None:
        tau, shape = np.array([np.inf]), None
    else:
        tau, shape = (times * learning_rate).reshape(-1), times.shape
    gain = flow.gain(tau)                                  # (T, n)
    alpha = solve_infinite(flow, y)[None] if times is None else flow.apply(gain, y)
    mean = np.einsum("mn,tn...->tm...", k_td, alpha)
    covariance = None
    if nngp_tt is not None:
        if kind == "nngp":
            gain2 = flow.gain(2 * tau)
            inner = np.einsum("ni,ti,ki->tnk", flow.evecs, gain2, flow.evecs)
            covariance = nngp_tt[None] - np.einsum("mn,tnk,lk->tml", k_td, inner, k_td)
        else:
            inner = np.einsum("ni,ti,ki->tnk", flow.evecs, gain, flow.evecs)  # (T, n, n)
            term1 = np.einsum("tnk,lk->tnl", inner, k_td)                     # (T, n, m)
            term2 = np.einsum("mn,tnk,lk->tml", k_td, inner, nngp_td)         # (T, m, m)
            covariance = (np.einsum("tnm,nk,tkl->tml", term1, nngp_dd, term1)
                          - term2 - np.swapaxes(term2, 1, 2) + nngp_tt[None])
    if shape is None:
        mean = mean[0]
        covariance = None if covariance is None else covariance[0]
    else:
        mean = mean.reshape(shape + mean.shape[1:])
        if covariance is not None:
            covariance = covariance.reshape(shape + covariance.shape[1:])
    return mean, covariance
