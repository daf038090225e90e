"""pyproject.toml installs every package of ntksym/ plus proofs/ as ntksym.proofs, with its data."""
import pathlib
import tomllib

from setuptools import find_packages

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_package_list_matches_the_tree():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(cfg["packages"])
    found = set(find_packages(str(ROOT), include=["ntksym*"]))
    assert listed == found | {"ntksym.proofs"}, (
        "update [tool.setuptools] packages in pyproject.toml: "
        f"missing {sorted(found - listed)}, extra {sorted(listed - found - {'ntksym.proofs'})}")
    assert cfg["package-dir"] == {"ntksym.proofs": "proofs"}
    assert cfg["package-data"]["ntksym.proofs"] == ["data/*.json"]


def test_shipped_reference_data_is_the_test_fixture():
    shipped = ROOT / "proofs" / "data" / "neural_tangents_0.6.5.json"
    fixture = ROOT / "tests" / "data" / "neural_tangents_0.6.5.json"
    assert shipped.read_bytes() == fixture.read_bytes()
