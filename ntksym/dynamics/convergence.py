r"""What the NTK guarantees about training: rate, guarantee, floor, and the width it takes.

Loss normalisation (neural-tangents' predict module): L(f) = ||f - y||^2 / (2N), N = y.size, time
tau = learning_rate * t with t in steps. Gradient flow in the infinite-width limit is
f_tau = y + exp(-Theta tau / N)(f_0 - y) (Jacot et al. 2018; Lee et al. 2019), so

.. math::

    \lVert f_\tau - y \rVert \le e^{-\lambda_{\min} \tau / N} \lVert f_0 - y \rVert,
    \qquad \mathcal L_\tau \le e^{-2\lambda_{\min}\tau/N} \mathcal L_0,

a guarantee only when lambda_min(Theta) > 0, which :func:`~ntksym.certify_positive_definite`
proves where it can. A singular Theta (polynomial activations) leaves the component of f_0 - y in
its null space untouched: the loss floor is ||P_0 (y - f_0)||^2 / (2N) (P_0 the projection onto
the null space), ||P_0 y||^2 / (2N) for the ensemble mean (f_0 = 0), plus tr(P_0 K P_0) / (2N) in
expectation over initialisations f_0 ~ N(0, K) (K the NNGP). Discrete steps follow the flow only
for learning_rate < 2N / lambda_max (neural-tangents' ``max_learning_rate``).

Examples
========

>>> import numpy as np
>>> import ntksym as nk
>>> net = nk.MLP(depth=1, activation="x**2", W_std=1.0, b_std=0.5)
>>> X = np.random.default_rng(0).standard_normal((10, 2)); y = np.ones(10)
>>> c = nk.convergence(net, X, y, certify=False)
>>> c.rank, c.floor > 0
(6, True)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ntksym.core.flow import KernelFlow
from ntksym.core.inputs import float_points
from ntksym.core.printing import ntk_printer, text
from ntksym.dynamics.predict import check_mlp, check_positive, check_times
from ntksym.dynamics.width_bounds import WidthBound, du_2019_width
from ntksym.empirical.train import check_targets, train

__all__ = ["ConvergenceResult", "WidthMeasurement", "convergence", "measure_adequate_width"]


@dataclass(frozen=True)
class WidthMeasurement:
    """Real training against the NTK prediction at each width of a grid.

    Attributes:
        widths: the widths tried; deviations: max_t ||f_t - f_t^pred|| / ||f_0 - y|| at each
            (the worst over the seeds); tolerance: the threshold (0.1: within 10%);
        adequate_width: the smallest width of the grid within the tolerance, None if none is.
        steps, learning_rate, seeds: the training runs.
    """

    widths: tuple
    deviations: tuple
    tolerance: float
    adequate_width: int | None
    steps: int
    learning_rate: float
    seeds: tuple

    def __str__(self):
        rows = ", ".join(f"{w}: {d:.3g}" for w, d in zip(self.widths, self.deviations))
        found = (f"adequate width {self.adequate_width}" if self.adequate_width is not None
                 else f"no width of the grid is within {self.tolerance:g}")
        return f"measured deviation by width ({rows}); {found}"


def measure_adequate_width(net, X, y, widths=(32, 128, 512), steps=200, learning_rate=1.0,
                           seeds=(0,), tolerance=0.1):
    """The smallest width of ``widths`` at which real gradient descent (:func:`nk.train`) follows
    the infinite-width NTK prediction for its own f_0 within ``tolerance`` of ||f_0 - y||, at every
    recorded time and for every seed."""
    devs = []
    adequate = None
    for w in widths:
        dev = max(train(net, X, y, steps, learning_rate, width=w, seed=s, kernel_change=False,
                        record_every=max(steps // 50, 1)).deviation for s in seeds)
        devs.append(dev)
        if adequate is None and dev <= tolerance:
            adequate = int(w)
    return WidthMeasurement(tuple(int(w) for w in widths), tuple(devs), float(tolerance),
                            adequate, int(steps), float(learning_rate), tuple(seeds))


@dataclass(frozen=True, eq=False)
class ConvergenceResult:
    """See :func:`convergence`. Times are in steps (``t``) and absolute (``times``)."""

    lambda_min: float
    lambda_max: float
    certified: bool
    lambda_min_lower: float | None
    certificate_note: str
    rank: int
    n: int
    learning_rate: float
    max_learning_rate: float
    t: np.ndarray = field(repr=False)
    times: np.ndarray = field(repr=False)
    loss: np.ndarray = field(repr=False)
    expected_loss: np.ndarray = field(repr=False)
    guarantee: np.ndarray = field(repr=False)
    rate: float = 0.0
    floor: float = 0.0
    expected_floor: float = 0.0
    unfit: np.ndarray = field(default=None, repr=False)
    width_bound: WidthBound | None = None
    measured: WidthMeasurement | None = None

    @property
    def stable(self):
        """Whether learning_rate < 2N / lambda_max (discrete steps converge)."""
        return self.learning_rate < self.max_learning_rate

    def __str__(self):
        cert = (f"certified lambda_min >= {self.lambda_min_lower:.6g}" if self.certified
                else f"not certified: {self.certificate_note}")
        lines = [f"NTK convergence on {self.n} points (learning rate {self.learning_rate:g})",
                 f"  lambda_min = {self.lambda_min:.6g} ({cert}), lambda_max = "
                 f"{self.lambda_max:.6g}, rank {self.rank}",
                 f"  stable steps need learning rate < 2N/lambda_max = "
                 f"{self.max_learning_rate:.4g}{'' if self.stable else ' (VIOLATED)'}"]
        if self.rank == self.n and self.lambda_min > 0:
            lines.append(f"  guarantee: ||f_t - y|| <= exp(-{self.rate:.4g} t) ||f_0 - y|| "
                         f"(t in steps; loss 0.5*mean((f-y)^2))")
        else:
            lines.append(f"  singular kernel: loss floor {self.floor:.6g} for the mean (f_0 = 0), "
                         f"{self.expected_floor:.6g} expected over initialisations")
        if self.width_bound is not None:
            lines.append("  " + str(self.width_bound).replace("\n", "\n  "))
        if self.measured is not None:
            lines.append("  " + str(self.measured))
        return "\n".join(lines)

    def _latex(self, printer):
        p = ntk_printer(printer)
        parts = [r"\lambda_{\min}(\Theta)=%s" % p._print(float(f"{self.lambda_min:.6g}")),
                 r"\lambda_{\max}(\Theta)=%s" % p._print(float(f"{self.lambda_max:.6g}"))]
        if self.rank == self.n and self.lambda_min > 0:
            parts.append(r"\lVert f_t-y\rVert\le e^{-%s\,t}\lVert f_0-y\rVert"
                         % p._print(float(f"{self.rate:.4g}")))
        else:
            parts.append(r"\mathcal{L}_\infty=%s\ \text{(%s)}"
                         % (p._print(float(f"{self.floor:.6g}")), text("floor")))
        return r",\ ".join(parts)


def convergence(net, X_train, y_train, learning_rate=1.0, t=None, *, certify=True,
                delta=0.1, measure=False, widths=(32, 128, 512), steps=200, seeds=(0,),
                tolerance=0.1, rtol=None):
    """Rate, guarantee, loss floor and widths for gradient descent on (X_train, y_train).

    Args:
        net: an :class:`~ntksym.MLP` with numeric parameters.
        X_train: inputs (n, d); y_train: targets (n,) or (n, k).
        learning_rate: step size (> 0).
        t: steps at which to give the loss curves (default: 101 points up to the time at which the
            slowest fitted mode has decayed by 1e-6).
        certify: prove lambda_min > 0 with :func:`~ntksym.certify_positive_definite`.
        delta: failure probability for the sufficient width (Du et al. 2019).
        measure: also measure the adequate width by training (:func:`measure_adequate_width` with
            ``widths``, ``steps``, ``seeds``, ``tolerance``); off by default (it trains).
        rtol: relative eigenvalue threshold (default n * eps).

    Returns:
        :class:`ConvergenceResult` with ``lambda_min``, ``lambda_max``, ``certified``,
        ``lambda_min_lower``, ``loss`` (of the ensemble mean, f_0 = 0), ``expected_loss`` (over
        initialisations), ``guarantee`` (exp(-lambda_min tau / N), the bound on
        ||f_t - y|| / ||f_0 - y||), ``rate`` (lambda_min * learning_rate / N per step), ``floor``,
        ``expected_floor``, ``width_bound`` and ``measured``.
    """
    check_mlp(net)
    X = float_points(X_train, "X_train")
    y = check_targets(y_train, X.shape[0], "y_train")
    lr = check_positive(learning_rate, "learning_rate")
    if rtol is not None:
        rtol = check_positive(rtol, "rtol")
    g = net.gram(X)
    N = y.size
    flow = KernelFlow(g.ntk, normalization=N, rtol=rtol)
    lam_min, lam_max = flow.lambda_min, flow.lambda_max
    certified, lower, note = False, None, "not attempted (certify=False)"
    if certify:
        certified, lower, note = _certify(net, X)
    steps_grid = check_times(t, "t")
    if steps_grid is None:
        slow = float(np.min(flow.evals[flow.positive])) if flow.rank else 1.0
        end = N * np.log(1e6) / (lr * slow)
        steps_grid = np.linspace(0.0, end, 101)
    steps_grid = np.atleast_1d(steps_grid).reshape(-1)
    tau = lr * steps_grid
    decay = flow.decay(tau)                                   # (T, n)
    res = flow.apply(decay, -y)                               # f_0 = 0: residual -exp(...) y
    loss = np.sum(res.reshape(len(tau), -1) ** 2, axis=1) / (2 * N)
    # E tr(e K e) over f_0 ~ N(0, K): the eigenbasis of Theta, K rotated into it
    Kv = flow.evecs.T @ g.nngp @ flow.evecs
    k = 1 if y.ndim == 1 else y.shape[1]
    spread = k * np.einsum("ti,ii,ti->t", decay, Kv, decay) / (2 * N)
    unfit = flow.unfit(y)
    floor = float(unfit.reshape(-1) @ unfit.reshape(-1)) / (2 * N)
    null = ~flow.positive
    expected_floor = floor + k * float(np.trace(Kv[np.ix_(null, null)])) / (2 * N)
    rate = lr * max(lam_min, 0.0) / N
    guarantee = np.exp(-rate * steps_grid) if flow.rank == flow.n and lam_min > 0 \
        else np.ones_like(steps_grid)
    bound = du_2019_width(net, X, y, delta) if (y.ndim == 1 or y.shape[1] == 1) else None
    measured = None
    if measure:
        measured = measure_adequate_width(net, X, y, widths, steps, lr, tuple(seeds), tolerance)
    return ConvergenceResult(lam_min, lam_max, certified, lower, note, flow.rank, flow.n, lr,
                             2 * N / lam_max if lam_max > 0 else float("inf"), steps_grid, tau,
                             loss, loss + spread, guarantee, rate, floor, expected_floor, unfit,
                             bound, measured)


def _certify(net, X):
    from ntksym.theory.certify import certify_positive_definite

    try:
        cert = certify_positive_definite(net, X, kind="ntk")
    except (ValueError, NotImplementedError, TypeError) as exc:
        return False, None, f"the certificate code declined: {exc}"
    if cert.certified and cert.lower_bound is not None:
        return True, float(cert.lower_bound), cert.method
    reason = cert.reason.split("; exact null vector")[0]
    return False, None, reason if len(reason) <= 200 else reason[:197] + "..."
