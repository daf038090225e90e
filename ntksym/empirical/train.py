r"""Full-batch gradient descent on a finite network, in float64 numpy, by hand-written backprop.

:func:`train` trains the network of :func:`~ntksym.empirical.kernels.empirical_network` (same
layout, parameterization and seeding) on the loss of neural-tangents' predict module,

.. math::

    \mathcal L(\theta) = \frac{1}{2N} \sum_i (f_\theta(x_i) - y_i)^2, \qquad
    \theta_{s+1} = \theta_s - \eta \nabla_\theta \mathcal L(\theta_s),

N = y.size, so that the function-space dynamics is f' = -Theta (f - y) / N in the absolute time
tau = eta * s, the convention of :func:`ntksym.predict` (Lee et al. 2019, arXiv:1902.06720). In the
"ntk" parameterization the trained parameters are the standard normals (the scales W_std/sqrt(fan_in)
and b_std stay in the forward pass); in "standard" they are the weights themselves.

Backprop, with A_0 = X, h^k = s_k A_{k-1} W^k + b_s b^k, A_k = phi(h^k), f = h^{L+1},
e = (f - y)/N and delta_{L+1} = e:

.. math::

    \nabla_{W^k}\mathcal L = s_k A_{k-1}^\top \delta_k, \quad
    \nabla_{b^k}\mathcal L = b_s \textstyle\sum_i \delta_{k,i}, \quad
    \delta_{k-1} = s_k (\delta_k W^{k\top}) \odot \phi'(h^{k-1}).

Per step the work is one forward and one backward pass: 3(L-1) products of n x W by W x W for L
hidden layers of width W, plus O(n W d + n W) (benchmarks/bench_train.py measures the overhead).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

from ntksym.core.flow import KernelFlow
from ntksym.core.inputs import float_points
from ntksym.core.printing import ntk_printer, text
from ntksym.empirical.activation import activation_functions
from ntksym.empirical.checks import check_int, check_net, check_seed, check_width
from ntksym.empirical.network import EmpiricalNetwork

__all__ = ["TrainResult", "train", "check_targets", "predicted_flow"]


def check_targets(y, n, name="y"):
    """Targets as a float64 array of shape (n,) or (n, k), finite, one row per input."""
    if y is None:
        raise TypeError(f"{name} must be an array of shape (n,) or (n, k), got None")
    try:
        arr = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold real numbers, got {type(y).__name__}") from None
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must have shape (n,) or (n, k), got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} rows but there are {n} input points; give "
                         f"one target per row of X")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity")
    return arr


@dataclass(eq=False)
class TrainResult:
    """The record of one gradient-descent run (see :func:`train`).

    Attributes:
        times: absolute times learning_rate * step of the records, shape (T,).
        steps: the recorded step numbers, shape (T,).
        loss: 0.5 * mean((f - y)**2) at each record (neural-tangents' normalisation).
        predicted_loss: the loss the infinite-width NTK predicts at the same times for this
            network's own initial outputs: f_tau = y + exp(-Theta tau / N)(f_0 - y).
        outputs, predicted_outputs: f at each record, real and predicted, (T,) + y.shape.
        weight_change: ||theta_T - theta_0|| / ||theta_0|| over all parameters (weights and
            biases, as trained: the standard normals in the "ntk" parameterization).
        layer_weight_change: the same per weight matrix W^1 .. W^{L+1}.
        kernel_change: ||Theta_T - Theta_0||_F / ||Theta_0||_F of the empirical NTK on X (None
            when not computed).
        network: the trained :class:`EmpiricalNetwork` (``network.apply(X)``).
        initial_params: the parameters at initialisation.
        width, seed, learning_rate: as given. y: the targets.
    """

    times: np.ndarray
    steps: np.ndarray
    loss: np.ndarray
    predicted_loss: np.ndarray
    outputs: np.ndarray = field(repr=False)
    predicted_outputs: np.ndarray = field(repr=False)
    weight_change: float
    layer_weight_change: list
    kernel_change: float | None
    network: EmpiricalNetwork = field(repr=False)
    initial_params: list = field(repr=False)
    width: int
    seed: int
    learning_rate: float
    y: np.ndarray = field(repr=False)

    def apply(self, X):
        """The trained network on new inputs, shaped like the targets ((m,) or (m, 1))."""
        out = self.network.apply(X)
        return out[:, 0] if self.y.ndim == 1 else out

    @property
    def final_loss(self):
        return float(self.loss[-1])

    @property
    def deviation(self):
        """max_t ||f_t - f_t^pred|| / ||f_0 - y||: how far real training strays from the NTK
        prediction, relative to the initial residual (0.1 = within 10%)."""
        gap = (self.outputs - self.predicted_outputs).reshape(len(self.times), -1)
        r0 = np.linalg.norm(self.outputs[0] - self.y)
        return float(np.max(np.linalg.norm(gap, axis=1)) / r0) if r0 > 0 else 0.0

    def __str__(self):
        kc = "not computed" if self.kernel_change is None else f"{self.kernel_change:.4g}"
        return "\n".join([
            f"Gradient descent: width {self.width}, seed {self.seed}, learning rate "
            f"{self.learning_rate:g}, {int(self.steps[-1])} steps (time {self.times[-1]:g})",
            f"  loss {self.loss[0]:.6g} -> {self.loss[-1]:.6g} (NTK prediction "
            f"{self.predicted_loss[-1]:.6g})",
            f"  deviation from the prediction {self.deviation:.4g} of the initial residual",
            f"  relative weight change {self.weight_change:.4g}, kernel change {kc}"])

    def _latex(self, printer):
        p = ntk_printer(printer)
        kc = "" if self.kernel_change is None else \
            r",\ \frac{\lVert\Theta_T-\Theta_0\rVert}{\lVert\Theta_0\rVert}=%s" % \
            p._print(float(f"{self.kernel_change:.4g}"))
        return (r"\text{%s}\ \mathcal{L}_0=%s,\ \mathcal{L}_T=%s,\ \mathcal{L}^{\mathrm{NTK}}_T=%s,"
                r"\ \frac{\lVert\theta_T-\theta_0\rVert}{\lVert\theta_0\rVert}=%s%s" % (
                    text(f"GD width {self.width}, {int(self.steps[-1])} steps:"),
                    p._print(float(f"{self.loss[0]:.6g}")), p._print(float(f"{self.loss[-1]:.6g}")),
                    p._print(float(f"{self.predicted_loss[-1]:.6g}")),
                    p._print(float(f"{self.weight_change:.4g}")), kc))


def predicted_flow(net, X, y, f0, times, width=None):
    """Outputs and loss that the infinite-width NTK predicts from initial outputs f0.

    f_tau = y + exp(-Theta tau / N)(f0 - y), loss = ||f_tau - y||^2 / (2N), N = y.size,
    ``times`` absolute (learning_rate x step). For the "standard" parameterization the NTK of
    hidden width ``width`` is used.
    """
    if net.parameterization == "standard" and width is not None and net.width != width:
        from ntksym.network import MLP
        net = MLP(net.depth, net.activation, net.W_std, net.b_std, "standard", width=width)
    flow = KernelFlow(net.gram(X).ntk, normalization=y.size)
    residual = flow.residual(times, f0 - y)
    loss = np.sum(residual.reshape(len(residual), -1) ** 2, axis=1) / (2 * y.size)
    return y + residual, loss


def train(net, X, y, steps, learning_rate, width=None, seed=0, record_every=1, *,
          kernel_change=True, progress=None):
    """Full-batch gradient descent on the finite network ``empirical_network(net, width, seed)``.

    Args:
        net: an :class:`~ntksym.MLP` with numeric W_std and b_std.
        X: inputs, shape (n, d); y: targets, shape (n,) or (n, 1).
        steps: number of gradient steps (>= 0).
        learning_rate: step size eta > 0 (gradient flow is approximated when eta * lambda_max(Theta)
            / N is small; the steps diverge above 2 N / lambda_max).
        width: hidden width (default ``net.width``, else 1024).
        seed: the seed of the initial weights (those of ``empirical_network(net, width, seed)``).
        record_every: record outputs and loss every this many steps (the last step is always
            recorded).
        kernel_change: compute the empirical NTK before and after (one extra forward/backward pass
            each); False skips it (``kernel_change`` is then None).
        progress: show a progress bar (rich); None shows one for runs over ~2 s on a terminal.

    Returns:
        :class:`TrainResult`.

    Raises:
        TypeError, ValueError: bad arguments (the message names the fix); FloatingPointError
            when the loss becomes infinite or NaN (learning rate too large).
    """
    check_net(net)
    X = float_points(X, "X")
    y = check_targets(y, X.shape[0])
    if y.ndim == 2 and y.shape[1] != 1:
        raise ValueError(f"ntksym networks have one output; y must have shape (n,) or (n, 1), "
                         f"got {y.shape}")
    steps = check_int(steps, "steps", 0, "the number of gradient steps, e.g. steps=1000")
    record_every = check_int(record_every, "record_every", 1, "record every k-th step, k >= 1")
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float, np.floating)) \
            or not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning_rate must be a finite number > 0, got {learning_rate!r}")
    lr = float(learning_rate)
    width = check_width(width, net)
    seed = check_seed(seed)
    activation_functions(net, True)  # fail early on step and sign (no gradient)

    f = EmpiricalNetwork(net, width, seed, input_dim=X.shape[1])
    initial = [(W.copy(), b.copy()) for W, b in f.params]
    theta0 = f.ntk(X) if kernel_change else None
    target = y.reshape(-1, 1)
    trainer = _Trainer(f, X, target, lr)
    record = sorted(set(range(0, steps + 1, record_every)) | {steps})
    outputs = np.empty((len(record), X.shape[0]))
    show = _want_progress(progress, steps, X.shape[0], width, net.depth)
    bar = _Bar(steps) if show else None
    try:
        r = 0
        for s in range(steps + 1):
            with np.errstate(over="ignore", invalid="ignore"):
                out = trainer.forward()
            if not np.all(np.isfinite(out)):
                raise FloatingPointError(
                    f"the outputs became infinite or NaN at step {s}: the learning rate "
                    f"{lr:g} is too large (gradient descent diverges above 2 N / "
                    f"lambda_max of the NTK); lower it")
            if r < len(record) and record[r] == s:
                outputs[r] = out[:, 0]
                r += 1
            if s < steps:
                with np.errstate(over="ignore", invalid="ignore"):
                    trainer.backward_update(out)
                if bar is not None:
                    bar.advance(s + 1)
    finally:
        if bar is not None:
            bar.close()
    steps_arr = np.asarray(record)
    times = lr * steps_arr
    shape = (len(record),) + y.shape
    outputs = outputs.reshape(shape)
    loss = np.sum((outputs.reshape(len(record), -1) - y.reshape(1, -1)) ** 2, axis=1) / (2 * y.size)
    predicted_outputs, predicted_loss = predicted_flow(net, X, y, outputs[0], times, width)
    num = sum(np.sum((W - W0) ** 2) + np.sum((b - b0) ** 2)
              for (W, b), (W0, b0) in zip(f.params, initial))
    den = sum(np.sum(W0 ** 2) + np.sum(b0 ** 2) for W0, b0 in initial)
    layers = [float(np.linalg.norm(W - W0) / np.linalg.norm(W0))
              for (W, _), (W0, _) in zip(f.params, initial)]
    kc = None
    if kernel_change:
        kc = float(np.linalg.norm(f.ntk(X) - theta0) / np.linalg.norm(theta0))
    return TrainResult(times, steps_arr, loss, predicted_loss, outputs, predicted_outputs,
                       float(np.sqrt(num / den)), layers, kc, f, initial, width, seed, lr, y)


class _Trainer:
    """Forward and backward passes with preallocated buffers; updates f.params in place."""

    def __init__(self, f, X, y, lr):
        self.f, self.X, self.y, self.lr = f, X, y, lr
        self.phi, self.dphi = activation_functions(f.net, True)
        self.sw, self.sb = f.forward_scales()
        n, W = X.shape[0], f.width
        L = f.net.depth
        self.H = [np.empty((n, W)) for _ in range(L)]          # pre-activations h^1..h^L
        self.A = [X] + [None] * L                              # activations A_0..A_L
        self.delta = [np.empty((n, W)), np.empty((n, W))]
        self.grad = np.empty((W, W)) if L > 1 else None
        self.norm = y.size

    def forward(self):
        params, sw, sb = self.f.params, self.sw, self.sb
        A = self.X
        for k in range(len(params) - 1):
            W, b = params[k]
            h = np.matmul(A, W, out=self.H[k])
            h *= sw[k]
            if sb:
                h += sb * b
            A = self.phi(h)
            self.A[k + 1] = A
        W, b = params[-1]
        out = A @ W
        out *= sw[-1]
        if sb:
            out += sb * b
        return out

    def backward_update(self, out):
        params, sw, sb, lr = self.f.params, self.sw, self.sb, self.lr
        L = len(params) - 1
        e = (out - self.y) / self.norm                          # (n, 1) = dL/df
        W_out, b_out = params[L]
        # delta_L = s_{L+1} (e W^{L+1 T}) * phi'(h^L), before W^{L+1} moves
        delta = np.multiply(e, sw[L] * W_out[:, 0][None, :], out=self.delta[0])
        delta *= self.dphi(self.H[L - 1])
        W_out -= (lr * sw[L]) * (self.A[L].T @ e)
        if sb:
            b_out -= lr * sb * e.sum(axis=0)
        spare = self.delta[1]
        for k in range(L - 1, -1, -1):                          # dense layer k (0-based)
            W, b = params[k]
            nxt = None
            if k > 0:                                           # delta_{k-1}, with the old W
                nxt = np.matmul(delta, W.T, out=spare)
                nxt *= sw[k]
                nxt *= self.dphi(self.H[k - 1])
            if sb:
                b -= lr * sb * delta.sum(axis=0)
            delta *= -lr * sw[k]                                # the step, not the gradient
            if self.grad is not None and W.shape == self.grad.shape:
                np.matmul(self.A[k].T, delta, out=self.grad)
                W += self.grad      # single-threaded pass over W (see bench_train.py)
            else:
                W += self.A[k].T @ delta
            if nxt is not None:
                delta, spare = nxt, delta


def _want_progress(progress, steps, n, width, depth):
    if progress is not None:
        return bool(progress)
    flops = 6.0 * steps * n * width * (width * max(depth - 1, 0) + 16)
    return flops > 2e11 and sys.stderr.isatty()


class _Bar:
    """A rich progress bar, updated at most ~200 times."""

    def __init__(self, total):
        from rich.progress import Progress

        self.progress = Progress(transient=True)
        self.progress.start()
        self.task = self.progress.add_task("gradient descent", total=total)
        self.every = max(total // 200, 1)
        self.total = total

    def advance(self, done):
        if done % self.every == 0 or done == self.total:
            self.progress.update(self.task, completed=done)

    def close(self):
        self.progress.stop()
