"""Figures of the training dynamics: each function returns a matplotlib Figure (no pyplot state).

- :func:`plot_loss_curves`: real against predicted loss curves for several widths
  (:class:`~ntksym.empirical.train.TrainResult` objects).
- :func:`plot_lazy_training`: kernel and weight change against width
  (:func:`~ntksym.dynamics.claims.check_lazy_training`).
- :func:`plot_seed_spread`: the outputs of differently seeded trained networks against the
  predicted mean and covariance (:func:`~ntksym.dynamics.claims.check_seed_claims`).

Save with ``fig.savefig("name.png", dpi=120)``.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_loss_curves", "plot_lazy_training", "plot_seed_spread"]


def _check_check(check, keys, name):
    data = getattr(check, "data", None)
    if not isinstance(data, dict) or not all(k in data for k in keys):
        raise TypeError(f"expected the result of {name}(...), got {type(check).__name__}")
    return data


def plot_loss_curves(runs, title=None):
    """Real loss (solid) and the infinite-width NTK prediction for the same f_0 (dashed).

    Args:
        runs: TrainResult objects (e.g. one per width) from :func:`ntksym.train`.
        title: optional title.
    """
    runs = list(runs)
    if not runs or not all(hasattr(r, "predicted_loss") and hasattr(r, "times") for r in runs):
        raise TypeError("runs must be a non-empty list of TrainResult objects from nk.train")
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    colors = [f"C{i % 10}" for i in range(len(runs))]
    floor = min(float(np.min(r.loss[r.loss > 0])) if np.any(r.loss > 0) else 1e-300
                for r in runs) * 0.3
    for r, c in zip(runs, colors):
        ax.semilogy(r.times, np.maximum(r.loss, floor), color=c, lw=1.8,
                    label=f"width {r.width}, trained")
        ax.semilogy(r.times, np.maximum(r.predicted_loss, floor), color=c, lw=1.2, ls="--",
                    label=f"width {r.width}, NTK prediction")
    ax.set_xlabel(r"time $\eta \cdot$ steps")
    ax.set_ylabel(r"loss $\frac{1}{2N}\|f - y\|^2$")
    ax.set_title(title or "Gradient descent against the infinite-width NTK prediction")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def plot_lazy_training(check, title=None):
    """Relative kernel change and weight change against width, log-log, with fitted slopes."""
    data = _check_check(check, ("widths", "kernel_change", "weight_change"),
                        "check_lazy_training")
    w = np.asarray(data["widths"], float)
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    for key, label, c, m in (("kernel_change", r"$\|\Theta_T-\Theta_0\|_F/\|\Theta_0\|_F$", "C0",
                              "o"),
                             ("weight_change", r"$\|\theta_T-\theta_0\|/\|\theta_0\|$", "C1", "s")):
        v = np.asarray(data[key], float)
        slope, icpt = np.polyfit(np.log(w), np.log(v), 1)
        ax.loglog(w, v, m, color=c, label=f"{label}: slope {slope:.2f}")
        ax.loglog(w, np.exp(icpt) * w ** slope, "-", color=c, lw=1)
    ref = np.asarray(data["weight_change"], float)[0] * (w / w[0]) ** -0.5
    ax.loglog(w, ref, ":", color="gray", label=r"reference slope $-1/2$")
    ax.set_xlabel("width")
    ax.set_ylabel("relative change after training")
    ax.set_title(title or "Lazy training: the kernel and the weights move less as width grows")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_seed_spread(check, title=None):
    """Trained outputs at test points, one dot per seed, against the predicted mean +- 2 std."""
    data = _check_check(check, ("test_outputs", "predicted_mean", "predicted_variance"),
                        "check_seed_claims")
    outs = np.asarray(data["test_outputs"], float)
    mean = np.asarray(data["predicted_mean"], float).reshape(-1)
    std = np.sqrt(np.asarray(data["predicted_variance"], float))
    m = outs.shape[1]
    x = np.arange(m)
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    jitter = np.linspace(-0.15, 0.15, outs.shape[0])
    for j in range(m):
        ax.plot(x[j] + jitter, outs[:, j], ".", color="C0", alpha=0.7,
                label="trained networks (one per seed)" if j == 0 else None)
    ax.errorbar(x + 0.3, mean, yerr=2 * std, fmt="D", color="C3", capsize=4,
                label=r"nk.predict: mean $\pm 2\sqrt{\mathrm{cov}_{ii}}$")
    ax.plot(x + 0.3, outs.mean(axis=0), "x", color="k", ms=8, label="mean over seeds")
    ax.set_xticks(x)
    ax.set_xticklabels([f"test point {j + 1}" for j in range(m)])
    ax.set_ylabel("output after training")
    ax.set_title(title or f"Seeds differ off the training set ({outs.shape[0]} seeds)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
