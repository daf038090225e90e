r"""mu_k against k on log-log axes, with the fitted power laws (matplotlib).

:func:`plot_spectrum` draws one or more :class:`~ntksym.theory.spectrum.Spectrum` objects (or
``(label, eigenvalues)`` pairs, e.g. the Laplace kernel's from
:func:`ntksym.theory.funk_hecke.funk_hecke`): the nonzero eigenvalues as markers (exact zeros
cannot be drawn on a log axis and are listed in the legend instead), and the fitted line
C k^p over its fit range, dashed, with p in the legend. When the even and odd degrees decay
differently both fits are drawn.
"""
from __future__ import annotations

import numpy as np

from ntksym.theory.spectrum import POOR_FIT, fit_decay

__all__ = ["plot_spectrum"]


def _label(S):
    net = S.net
    act = getattr(net.activation, "name", "phi")
    bias = f", b={net.b_std}" if net.b_std != 0 else ""
    return f"{S.kind.upper()} {act} L={net.depth}{bias}"


def _series(item):
    """(label, k array, mu array, Decay) of a Spectrum or a (label, eigenvalues) pair."""
    if isinstance(item, tuple):
        label, mus = item
        mus = np.asarray([float(v) for v in mus])
        return label, mus, fit_decay(mus)
    return _label(item), np.asarray(item.eigenvalues, float), item.decay


def plot_spectrum(ax, spectra, title=None, k_min=1, fits=True, markersize=3):
    """Draw mu_k against k (log-log) for each spectrum, with the fitted slopes.

    Args:
        ax: a matplotlib Axes, or None to make a new figure.
        spectra: a Spectrum, a ``(label, eigenvalues)`` pair, or a list of them.
        title: the axes title (default: "Mercer eigenvalues on the sphere in R^d").
        k_min: the smallest degree drawn (k = 0 has no place on a log axis).
        fits: draw the fitted lines C k^p over their fit ranges.
        markersize: marker size.

    Returns:
        the matplotlib Figure.
    """
    import matplotlib
    if ax is None:
        from matplotlib.figure import Figure
        fig = Figure(figsize=(6.4, 4.6))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    if not isinstance(spectra, (list, tuple)) or (isinstance(spectra, tuple)
                                                  and len(spectra) == 2
                                                  and isinstance(spectra[0], str)):
        spectra = [spectra]
    dims = set()
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, item in enumerate(spectra):
        label, mus, dec = _series(item)
        if hasattr(item, "d"):
            dims.add(item.d)
        color = colors[i % len(colors)]
        k = np.arange(len(mus))
        keep = (k >= k_min) & (mus > 0)
        nz = int(np.sum((k >= k_min) & (mus == 0)))
        zero_note = f" ({nz} exact zeros)" if nz else ""
        ax.loglog(k[keep], mus[keep], "o", ms=markersize, color=color, alpha=0.75,
                  label=label + zero_note)
        if not fits or dec.exponent is None:
            continue
        parts = ([("even", dec.even), ("odd", dec.odd)] if dec.separate
                 else [("", (dec.exponent, dec.k_range,
                             max(f[2] for f in (dec.even, dec.odd) if f is not None)))])
        for name, f in parts:
            if f is None:
                continue
            p, (lo, hi) = f[0], f[1]
            sel = [kk for kk in range(lo, hi + 1) if mus[kk] > 0
                   and (not name or kk % 2 == (0 if name == "even" else 1))]
            c = np.exp(np.mean(np.log(mus[sel]) - p * np.log(sel)))
            kk = np.array([lo, hi], float)
            poor = f[2] is not None and f[2] > POOR_FIT if len(f) > 2 else False
            ax.loglog(kk, c * kk**p, "--", color=color, lw=1.4,
                      label=f"fit{' ' + name if name else ''}: $k^{{{p:.2f}}}$ on [{lo}, {hi}]"
                      + (" (poor fit)" if poor else ""))
    ax.set_xlabel("degree $k$")
    ax.set_ylabel(r"eigenvalue $\mu_k$")
    if title is None:
        title = ("Mercer eigenvalues on the sphere in $\\mathbb{R}^{%d}$" % dims.pop()
                 if len(dims) == 1 else "Mercer eigenvalues on the sphere")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    return fig
