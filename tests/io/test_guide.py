"""Tests for `docs/guide.md`: its table of activations lists every registered activation with
the method that produced its dual (the examples themselves run as doctests of the page)."""
import pathlib

import pytest

import ntksym as nk
from ntksym.symbolic.registry import ACTIVATIONS

GUIDE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "guide.md"


def _table():
    lines = GUIDE.read_text().split("## Activations and their duals", 1)[1].splitlines()
    rows = [l for l in lines if l.startswith("| ") and not l.startswith("| name")]
    out = {}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        out[cells[0]] = cells
    return out


def registry_rows():
    """(name, method) of every registered activation at its default parameters, from the
    registry itself."""
    return {name: nk.dual(nk.activation(name)).method for name in ACTIVATIONS}


def test_table_lists_every_registered_activation():
    assert set(_table()) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_table_method_is_the_one_dual_reports(name):
    cells = _table()[name]
    assert len(cells) == 5, cells
    assert cells[2] == registry_rows()[name]
    if cells[2] == "numeric":
        assert "no closed form" in cells[3]
    if cells[2] == "table":
        assert "arXiv" in cells[4]
