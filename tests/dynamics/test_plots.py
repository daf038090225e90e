"""Tests for `ntksym/dynamics/plots.py`."""
import numpy as np
import pytest
from matplotlib.figure import Figure

import ntksym as nk
from ntksym.dynamics import plots
from ntksym.dynamics.claims import ClaimCheck, sphere_data


def test_loss_curves(tmp_path):
    X, y = sphere_data(5, 3)
    net = nk.MLP(depth=1, activation="erf", W_std=1.5, b_std=0.3)
    runs = [nk.train(net, X, y, 20, 1.0, width=w, kernel_change=False) for w in (8, 64)]
    fig = plots.plot_loss_curves(runs)
    assert isinstance(fig, Figure) and len(fig.axes[0].lines) == 4
    fig.savefig(tmp_path / "loss.png")
    with pytest.raises(TypeError, match="TrainResult"):
        plots.plot_loss_curves([1, 2])


def test_lazy_and_seed_plots(tmp_path):
    lazy = ClaimCheck("Lazy training", True, "", dict(
        widths=(64, 256, 1024), kernel_change=(1e-1, 2.6e-2, 6e-3),
        weight_change=(1e-1, 5e-2, 2.5e-2)))
    fig = plots.plot_lazy_training(lazy)
    assert "slope -0.50" in fig.axes[0].get_legend_handles_labels()[1][1]
    fig.savefig(tmp_path / "lazy.png")
    rng = np.random.default_rng(0)
    seeds = ClaimCheck("Different seeds, same model", False, "", dict(
        test_outputs=rng.standard_normal((10, 3)), predicted_mean=np.zeros(3),
        predicted_variance=np.ones(3)))
    fig = plots.plot_seed_spread(seeds)
    assert isinstance(fig, Figure)
    fig.savefig(tmp_path / "seeds.png")
    with pytest.raises(TypeError, match="check_seed_claims"):
        plots.plot_seed_spread(lazy)
