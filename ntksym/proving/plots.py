r"""The report's figures, each a function that computes its data and returns a matplotlib Figure.

- :func:`plot_duals`: dual kernels k(1, 1, rho) and NTK factors against rho for several activations.
- :func:`plot_convergence`: relative error of the empirical NTK against width (log-log), with the
  fitted slope and the reference slope -1/2.
- :func:`plot_rank`: predicted (exact) against measured (float64 SVD) rank of the NTK Gram
  matrix as the number of points grows, for polynomial and non-polynomial activations.
- :func:`plot_lambda_min`: the certified lower bound on lambda_min of the NTK Gram matrix against
  depth, with the float64 estimate.
- :func:`plot_training`: real gradient descent against the NTK prediction
  (:func:`ntksym.dynamics.plots.plot_loss_curves` on fresh runs).
- :func:`plot_spectra`: Mercer eigenvalues on the sphere of ReLU NTKs of several depths and of
  the Laplace kernel (:func:`ntksym.theory.spectrum_plot.plot_spectrum`).

:data:`KINDS` maps the names ``ntksym plot`` accepts to these functions. Figures are built with
:class:`matplotlib.figure.Figure` (no pyplot state, the Agg canvas); :func:`save` writes a PNG.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_duals", "plot_convergence", "plot_rank", "plot_lambda_min", "plot_training",
           "plot_spectra", "KINDS", "DEFAULTS", "save"]

#: Default activations of each kind of plot.
DEFAULTS = {
    "dual": ("relu", "erf", "tanh", "sin", "gelu", "x**2 - 1"),
    "convergence": ("relu", "erf"),
    "rank": ("x**2", "x**3 - x", "relu", "erf"),
    "lambda-min": ("relu", "erf", "gelu"),
    "training": ("erf",),
    "spectrum": ("relu",),
}


def _net(activation, depth=1, W_std=1.5, b_std=0.3):
    from ntksym.network import MLP

    return MLP(depth=depth, activation=activation, W_std=W_std, b_std=b_std)


def _finish(fig, ax, title, xlabel, ylabel, legend_cols=1):
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=legend_cols)
    fig.tight_layout()
    return fig


def plot_duals(activations=None, rho=None):
    """k(1, 1, rho) / k(1, 1, 1) and the NTK factor k'(1, 1, rho) / k'(1, 1, 1) against rho."""
    from ntksym.symbolic.dual import dual

    activations = DEFAULTS["dual"] if activations is None else tuple(activations)
    rho = np.linspace(-1.0, 1.0, 201) if rho is None else np.asarray(rho, float)
    ones = np.ones_like(rho)
    fig = Figure(figsize=(9.0, 3.8))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for i, name in enumerate(activations):
        k = dual(name)
        label = f"{name} ({k.method})"
        nngp = np.asarray(k(ones, ones, rho), float)
        ax1.plot(rho, nngp / float(k(1.0, 1.0, 1.0)), color=f"C{i}", label=label)
        if not k.ntk_degenerate:
            ntk = np.asarray(k.ntk(ones, ones, rho), float)
            ax2.plot(rho, ntk / float(k.ntk(1.0, 1.0, 1.0)), color=f"C{i}", label=label)
    _finish(fig, ax1, r"dual kernel $k(1,1,\rho)/k(1,1,1)$", r"$\rho$", "normalised kernel")
    return _finish(fig, ax2, r"NTK factor $\partial_c k(1,1,\rho)$, normalised", r"$\rho$",
                   "normalised NTK factor")


def plot_convergence(activations=None, widths=(16, 64, 256, 1024, 4096), draws=4, n=6, d=3,
                     depth=2, seed=0):
    """Relative Frobenius error of the empirical NTK against the analytic one, against width."""
    from ntksym.empirical import empirical_ntk

    activations = DEFAULTS["convergence"] if activations is None else tuple(activations)
    X = np.random.default_rng(seed).standard_normal((n, d))
    w = np.asarray(widths, float)
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    for i, name in enumerate(activations):
        net = _net(name, depth=depth)
        ref = net.gram(X).ntk
        errs = np.array([[np.linalg.norm(empirical_ntk(net, X, width=int(wi), seed=s) - ref)
                          / np.linalg.norm(ref) for s in range(draws)] for wi in widths])
        mean, sd = errs.mean(axis=1), errs.std(axis=1)
        slope, icpt = np.polyfit(np.log(w), np.log(mean), 1)
        ax.errorbar(w, mean, yerr=sd, fmt="o", color=f"C{i}", capsize=3,
                    label=f"{name}, depth {depth}: fitted slope {slope:.2f}")
        ax.loglog(w, np.exp(icpt) * w ** slope, "-", color=f"C{i}", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.loglog(w, mean[0] * (w / w[0]) ** -0.5, ":", color="gray", label=r"slope $-1/2$")
    return _finish(fig, ax, f"Empirical NTK to its infinite-width limit ({draws} networks per "
                   "width)", "width", r"$\|\hat\Theta - \Theta\|_F / \|\Theta\|_F$")


def plot_rank(activations=None, n_max=24, d=2, depth=1, b_std=0.5, seed=0):
    """Predicted (exact) and measured (float64 SVD, relative tolerance 1e-10) rank of the NTK
    Gram matrix on the first n of ``n_max`` random points, for each activation."""
    from ntksym.theory.rank import predicted_rank

    activations = DEFAULTS["rank"] if activations is None else tuple(activations)
    X = np.random.default_rng(seed).standard_normal((n_max, d))
    ns = np.arange(1, n_max + 1)
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    ax.plot(ns, ns, ":", color="gray", label="n (full rank)")
    for i, name in enumerate(activations):
        net = _net(name, depth=depth, W_std=1.0, b_std=b_std)
        G = net.gram(X).ntk
        pred = [predicted_rank(net, X[:n]) for n in ns]
        meas = []
        for n in ns:
            sv = np.linalg.svd(G[:n, :n], compute_uv=False)
            meas.append(int(np.sum(sv > 1e-10 * sv[0])))
        ax.plot(ns, pred, "-", color=f"C{i}", lw=2, alpha=0.6, label=f"{name}: predicted")
        ax.plot(ns, meas, "osD^v"[i % 5], color=f"C{i}", ms=9 - 1.5 * (i % 4), mfc="none",
                label=f"{name}: measured (SVD)")
    return _finish(fig, ax, f"Rank of the NTK Gram matrix (d = {d}, depth {depth}, "
                   f"b_std = {b_std})", "number of points n", "rank", legend_cols=2)


def plot_lambda_min(activations=None, depths=(1, 2, 3, 4, 6, 8), n=8, d=3, seed=0):
    """The certified lower bound on lambda_min of the NTK Gram matrix (interval Cholesky) and
    the float64 estimate, against depth, on n random points."""
    from ntksym.theory.certify import certify_positive_definite

    activations = DEFAULTS["lambda-min"] if activations is None else tuple(activations)
    X = np.random.default_rng(seed).standard_normal((n, d))
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    for i, name in enumerate(activations):
        lows, ests, ds = [], [], []
        for L in depths:
            cert = certify_positive_definite(_net(name, depth=L), X)
            if cert.certified:
                ds.append(L)
                lows.append(float(cert.lower_bound))
                ests.append(float(cert.estimate))
        ax.semilogy(ds, lows, "o-", color=f"C{i}", label=f"{name}: certified bound")
        ax.semilogy(ds, ests, "x", color=f"C{i}", ms=8, label=f"{name}: float64 estimate")
    return _finish(fig, ax, f"Certified smallest eigenvalue of the NTK Gram matrix ({n} points, "
                   "b_std = 0.3)", "depth", r"$\lambda_{\min}$", legend_cols=2)


def plot_training(activations=None, widths=(64, 512, 4096), n=8, d=3, steps=300, seed=0):
    """Real gradient descent against the NTK's prediction for several widths."""
    from ntksym.dynamics.plots import plot_loss_curves
    from ntksym.empirical.train import train

    name = (DEFAULTS["training"] if activations is None else tuple(activations))[0]
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X *= np.sqrt(d) / np.linalg.norm(X, axis=1, keepdims=True)
    y = rng.uniform(-1.0, 1.0, n)
    net = _net(name)
    lam_max = float(np.linalg.eigvalsh(net.gram(X).ntk)[-1])
    runs = [train(net, X, y, steps, n / lam_max, width=w, seed=seed, kernel_change=False,
                  record_every=max(steps // 100, 1)) for w in widths]
    return plot_loss_curves(runs, title=f"Gradient descent vs the NTK prediction ({name})")


def plot_spectra(activations=None, depths=(1, 2, 3), d=3, kmax=60, laplace=True):
    """Mercer eigenvalues mu_k on the sphere of the NTKs (no bias) of each activation at each
    depth, and those of the Laplace kernel exp(-|x - x'|), with fitted power laws."""
    from ntksym.theory.funk_hecke import funk_hecke
    from ntksym.theory.spectrum import spectrum
    from ntksym.theory.spectrum_checks import laplace_kernel_theta
    from ntksym.theory.spectrum_plot import plot_spectrum

    activations = DEFAULTS["spectrum"] if activations is None else tuple(activations)
    items = [spectrum(_net(a, depth=L, W_std=1.0, b_std=0.0), d, "ntk", kmax)
             for a in activations for L in depths]
    if laplace:
        items.append(("Laplace kernel", funk_hecke(laplace_kernel_theta(), d, kmax).values))
    title = f"Mercer eigenvalues of NTKs on the sphere in $\\mathbb{{R}}^{{{d}}}$"
    fig = plot_spectrum(None, items, title=title)
    fig.tight_layout()
    return fig


KINDS = {"dual": plot_duals, "convergence": plot_convergence, "rank": plot_rank,
         "lambda-min": plot_lambda_min, "training": plot_training, "spectrum": plot_spectra}


def save(fig, path, dpi=120):
    """Write the figure as a PNG (Agg canvas) and return the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=dpi, format="png")
    return path
