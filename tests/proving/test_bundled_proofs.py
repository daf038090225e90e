"""The bundled proofs: every one passes (slow), and each kind of check fails on a false claim."""
import importlib.util
import json

import pytest
import sympy as sp

from ntksym.proving.result import ClaimFailed
from ntksym.proving.runner import bundled_dir, discover, run_proofs


def load(name):
    path = bundled_dir() / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"test_proof_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_every_bundled_proof_passes():
    summary = run_proofs(discover())
    failed = [f"{r.name}: {r.message}" for r in summary.results if not r.passed]
    assert not failed, "\n".join(failed)
    assert summary.passed >= 15


def test_exact_dual_proof_fails_on_a_wrong_formula(monkeypatch):
    m = load("dual_erf_williams")
    right = m.williams
    monkeypatch.setattr(m, "williams", lambda b: right(b) * (1 + sp.Rational(1, 10**9)))
    with pytest.raises(ClaimFailed, match="Williams"):
        m.prove()


def test_arc_cosine_proof_fails_on_a_wrong_order(monkeypatch):
    m = load("dual_relu_arccos")
    right = m.cho_saul
    monkeypatch.setattr(m, "cho_saul", lambda n: right(n) + (m.R**n / 1000 if n == 1 else 0))
    with pytest.raises(ClaimFailed, match="order 1"):
        m.prove()


def test_reference_proof_fails_on_perturbed_values(monkeypatch, tmp_path):
    m = load("network_neural_tangents")
    ref = json.loads(m.DATA.read_text())
    ref["cases"][7]["ntk"][0][1] *= 1 + 1e-9
    bad = tmp_path / "perturbed.json"
    bad.write_text(json.dumps(ref))
    monkeypatch.setattr(m, "DATA", bad)
    with pytest.raises(ClaimFailed, match="tolerance"):
        m.prove()


def test_counterexample_proof_fails_on_a_wrong_null_vector(monkeypatch):
    m = load("necessary_relu_homogeneous")
    monkeypatch.setattr(m, "V", (3, -1, 0))
    with pytest.raises(ClaimFailed, match="residual"):
        m.prove()


def test_positivity_proof_fails_on_proportional_points(monkeypatch):
    import numpy as np

    m = load("positivity_no_bias")
    monkeypatch.setattr(m, "points", lambda: np.array([[1.0, 0, 0], [2.0, 0, 0], [0, 1.0, 0]]))
    with pytest.raises(ClaimFailed, match="non-proportional"):
        m.prove()
    monkeypatch.setattr(m, "pairwise_non_proportional", lambda X: True)
    with pytest.raises(ClaimFailed, match="not certified"):
        m.prove()
