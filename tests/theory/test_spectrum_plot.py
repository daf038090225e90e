"""Tests for `ntksym/theory/spectrum_plot.py`."""
import matplotlib

matplotlib.use("Agg")

import ntksym as nk  # noqa: E402
from ntksym.theory.spectrum_plot import plot_spectrum  # noqa: E402


def test_plot_spectrum_draws_points_and_fits(tmp_path):
    S1 = nk.spectrum(nk.MLP(depth=1, activation="relu"), 3, kmax=40)
    S2 = nk.spectrum(nk.MLP(depth=2, activation="relu"), 3, kmax=40)
    fig = plot_spectrum(None, [S1, S2, ("k^-3", [1.0] + [k**-3.0 for k in range(1, 41)])])
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [line.get_label() for line in ax.get_lines()]
    assert any("exact zeros" in lab for lab in labels)
    assert any("fit even" in lab for lab in labels)
    assert any("$k^{-3.00}$" in lab for lab in labels)
    out = tmp_path / "s.png"
    fig.savefig(out)
    assert out.stat().st_size > 1000


def test_plot_spectrum_on_given_axes():
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.add_subplot()
    S = nk.spectrum(nk.MLP(depth=1, activation="relu", b_std=0.5), 3, kmax=20)
    assert plot_spectrum(ax, S, title="t") is fig
    assert ax.get_title() == "t"
