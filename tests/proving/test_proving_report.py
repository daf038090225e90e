"""Tests for `ntksym/proving/report.py`: Markdown names every proof, the LaTeX compiles."""
import shutil

import pytest
import sympy as sp

from ntksym.proving.report import latex, markdown, write_report
from ntksym.proving.result import ProofResult, RunSummary


def summary():
    results = (
        ProofResult("Claim with ``code`` & 50% of $ and_underscores.", "exact (SymPy)", None, None,
                    name="first_proof", source="Someone 2024 (arXiv:2404.12928)",
                    details="x_1 ^ 2 {braces}",
                    formula=sp.Eq(sp.Symbol("k"), sp.asin(sp.Symbol("c")))),
        ProofResult("A numerical claim.", "float64", 1e-14, 3e-16, name="second_proof", time=1.25),
        ProofResult("A failed claim.", "(raised)", None, None, passed=False, name="third_proof",
                    message="ClaimFailed: error 1 > tolerance 0 (third_proof.py:12)"),
    )
    return RunSummary(results, 2.0)


def test_markdown_names_every_proof():
    md = markdown(summary())
    for name in ("first_proof", "second_proof", "third_proof"):
        assert f"### {name}" in md and f"| {name} |" in md
    assert md.rstrip().endswith("2 passed, 1 failed")


def test_latex_escapes():
    tex = latex(summary())
    assert r"\texttt{code}" in tex and r"50\% of \$ and\_underscores" in tex
    assert r"x\_1 \^{}" in tex and r"\{braces\}" in tex
    assert r"\operatorname{asin}" in tex


def test_write_report_with_a_plot_compiles(tmp_path, monkeypatch):
    from ntksym.proving import plots

    monkeypatch.setattr(plots, "KINDS", {"rank": lambda: plots.plot_rank(("x**2",), n_max=6)})
    made = write_report(summary(), tmp_path)
    assert made["markdown"].is_file() and made["latex"].is_file()
    assert (tmp_path / "plots" / "rank.png").stat().st_size > 2000
    assert "![rank](plots/rank.png)" in made["markdown"].read_text()
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    assert made["pdf"].stat().st_size > 5000
    log = (tmp_path / "report.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log
