"""Tests for `ntksym/proving/runner.py`: discovery, selection, running, failures."""
import textwrap

import pytest

from ntksym.proving.runner import (bundled_dir, discover, read_docstring, run_proof, run_proofs,
                                   select)

REQUIRED = ["dual_relu_arccos", "dual_erf_williams", "dual_price_derivative", "dual_mehler",
            "network_infinite_width", "network_depth_1000", "network_neural_tangents",
            "positivity_bias_hard_points", "positivity_no_bias", "necessary_relu_homogeneous",
            "necessary_erf_odd", "necessary_relu_antipodal", "polynomial_characterization",
            "polynomial_rank"]


def write(tmp_path, name, body):
    p = tmp_path / name
    p.write_text(textwrap.dedent(body))
    return p


PASSING = '''
    """One plus one is two.

    Source: arithmetic.
    """
    from ntksym.proving import conclude


    def prove():
        return conclude(method="integers", error=abs((1 + 1) - 2), tolerance=0)
    '''

FALSE_CLAIM = '''
    """The ReLU dual at c = q1 = q2 = 1 is 1 (false: it is 1/2)."""
    import ntksym as nk
    from ntksym.proving import conclude


    def prove():
        k = nk.dual("relu")
        return conclude(method="float64", error=abs(float(k(1.0, 1.0, 1.0)) - 1.0),
                        tolerance=1e-12)
    '''


def test_bundled_proofs_are_complete_and_documented():
    proofs = discover()
    names = {p.name for p in proofs}
    assert len(proofs) >= 15
    assert set(REQUIRED) <= names
    assert bundled_dir().name == "proofs"
    for p in proofs:
        assert p.claim and len(p.claim) > 30, p.name
        assert p.source, f"{p.name} states no source"
        assert "def prove(" in p.path.read_text()
    assert (bundled_dir() / "data" / "neural_tangents_0.6.5.json").is_file()


def test_read_docstring(tmp_path):
    p = write(tmp_path, "c.py", '"""First line\ncontinues.\n\nSource: somewhere,\n  2024.\n"""\n')
    assert read_docstring(p) == ("First line continues.", "somewhere, 2024.")
    bad = write(tmp_path, "bad.py", "def (:\n")
    assert read_docstring(bad)[0].startswith("(syntax error")


def test_select_by_name_claim_alternatives_and_not():
    proofs = discover()
    assert {p.name for p in select(proofs, "williams")} == {"dual_erf_williams"}
    assert all("relu" in (p.name + p.claim).lower() for p in select(proofs, "ReLU"))
    both = select(proofs, "williams, mehler")
    assert {p.name for p in both} == {"dual_erf_williams", "dual_mehler"}
    assert "dual_mehler" not in {p.name for p in select(proofs, "dual, not mehler")}
    assert select(proofs, None) == proofs


def test_a_passing_and_a_false_user_proof(tmp_path):
    good = write(tmp_path, "good.py", PASSING)
    bad = write(tmp_path, "bad.py", FALSE_CLAIM)
    summary = run_proofs(discover([good, bad]))
    assert summary.line() == "1 passed, 1 failed"
    ok, fail = summary.results
    assert ok.passed and ok.claim == "One plus one is two." and ok.source == "arithmetic."
    assert ok.time >= 0 and ok.name == "good"
    assert not fail.passed and "error 0.5 > tolerance 1e-12" in fail.message
    assert (fail.error, fail.tolerance, fail.method) == (0.5, 1e-12, "float64")
    assert (fail.error_text, fail.tolerance_text) == ("0.5", "1e-12")
    assert "bad.py:" in fail.message


@pytest.mark.parametrize("body, expected", [
    ('"""No function."""\nX = 1\n', "defines no function prove()"),
    ('"""Wrong type."""\ndef prove():\n    return 1\n', "must return a ProofResult"),
    ('"""Raises."""\ndef prove():\n    raise ValueError("boom")\n', "ValueError: boom"),
    ('"""Import error."""\nimport no_such_module_xyz\n', "ModuleNotFoundError"),
])
def test_broken_user_files_fail_without_stopping_the_run(tmp_path, body, expected):
    p = write(tmp_path, "broken.py", body)
    r = run_proof(discover([p])[0])
    assert not r.passed and expected in r.message


def test_discover_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        discover([tmp_path / "missing.py"])
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match=".py"):
        discover([tmp_path / "notes.txt"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no proof files"):
        discover([empty])
    write(empty, "_helper.py", "X = 1\n")
    write(empty, "one.py", PASSING)
    assert [p.name for p in discover([empty])] == ["one"]
