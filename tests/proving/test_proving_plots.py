"""Tests for `ntksym/proving/plots.py` and `ntksym/io/cli/plot.py`: files written, non-empty."""
import argparse

import pytest

from ntksym.io.cli import plot as plot_cmd
from ntksym.proving import plots

CHEAP = {
    "dual": dict(activations=("relu", "erf", "x**2")),
    "convergence": dict(activations=("erf",), widths=(16, 64, 256), draws=2, n=4, depth=1),
    "rank": dict(activations=("x**2", "erf"), n_max=8),
    "lambda-min": dict(activations=("relu",), depths=(1, 2), n=4),
    "training": dict(widths=(32, 128), steps=20),
    "spectrum": dict(depths=(1, 2), kmax=20),
}


@pytest.mark.parametrize("kind", sorted(plots.KINDS))
def test_every_plot_writes_a_png(kind, tmp_path):
    fig = plots.KINDS[kind](**CHEAP[kind])
    path = plots.save(fig, tmp_path / f"{kind}.png", dpi=40)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    assert fig.axes and all(ax.get_title() for ax in fig.axes[:1])


def test_plot_command_writes_the_file(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    plot_cmd.add_arguments(parser)
    out = tmp_path / "d.png"
    assert plot_cmd.run(parser.parse_args(["dual", "-a", "relu", "-a", "sin", "-o", str(out),
                                           "--dpi", "40"])) == 0
    assert out.stat().st_size > 2000 and f"wrote {out}" in capsys.readouterr().out
    with pytest.raises(ValueError, match=".png"):
        plot_cmd.run(parser.parse_args(["dual", "-o", str(tmp_path / "d.pdf")]))


def test_plot_errors_through_main(tmp_path, capsys):
    from ntksym.io.cli import main

    assert main(["plot", "nonsense"]) == 2
    assert main(["plot", "dual", "-a", "x +* 2", "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert all(line.startswith("ntksym: error:") for line in err) and len(err) == 2
