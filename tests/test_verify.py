"""Tests for `ntksym/verify.py`: the three-way cross-check and its report.

Independent references: neural-tangents 0.6.5's float64 kernels (shared/reference) for the
quadrature recursion and the finite networks; injected faults for the verdict, so that every
check is shown to be able to fail.
"""
import json
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

import ntksym as nk
from ntksym.empirical import empirical_ntk
from ntksym.verify import Check, Rate, Row, VerificationReport, quadrature_gram, verify

REF = pathlib.Path(__file__).resolve().parents[0] / "data" / "neural_tangents_0.6.5.json"

X6 = np.random.default_rng(3).standard_normal((6, 3))
WIDTHS = (64, 256, 1024)


def _reference():
    return json.loads(REF.read_text())


def _net(case):
    act = nk.activation(case["activation"], **case["params"])
    return nk.MLP(case["depth"], act, case["W_std"], case["b_std"], case["parameterization"],
                  case.get("width"))


def _cases(pred):
    return [c for c in json.loads(REF.read_text())["cases"] if pred(c)]


# --------------------------------------------------------------------------------------------
# the quadrature recursion against neural-tangents
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", _cases(lambda c: c["depth"] <= 2),
                         ids=lambda c: f"{c['activation']}-{c['depth']}-{c['parameterization']}"
                         f"-b{c['b_std']}")
def test_quadrature_gram_matches_neural_tangents(case):
    ref = _reference()
    X1 = np.array(ref["X1"])
    g = quadrature_gram(_net(case), X1)
    np.testing.assert_allclose(g.nngp, case["nngp"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g.ntk, case["ntk"], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", _cases(lambda c: c["parameterization"] == "standard" and
                                        c["activation"] in ("erf", "relu")),
                         ids=lambda c: c["activation"])
def test_empirical_standard_ntk_near_neural_tangents_at_its_width(case):
    """Finite networks of width 512 against neural-tangents' width-512 standard NTK."""
    ref = _reference()
    X1 = np.array(ref["X1"])
    est = empirical_ntk(_net(case), X1, width=512, draws=16, seed=0)
    target = np.array(case["ntk"])
    err = np.linalg.norm(est.mean - target)
    # E|mean - target|^2 = sum of the variances of the mean (estimated by stderr^2) + bias^2,
    # and the finite-width bias is O(1/width) relative: allow 3 standard errors + 2/width.
    assert err < 3 * np.linalg.norm(est.stderr) + 2 / 512 * np.linalg.norm(target)
    # the test can fail: the "ntk"-parameterization kernel is far outside these bounds
    wrong = np.array(_cases(lambda c: c["activation"] == case["activation"] and
                            c["depth"] == 2 and c["b_std"] == case["b_std"] and
                            c["parameterization"] == "ntk")[0]["ntk"])
    assert np.linalg.norm(est.mean - wrong) > 10 * np.linalg.norm(est.stderr)


# --------------------------------------------------------------------------------------------
# verify: passing cases
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("net", [
    nk.MLP(depth=2, activation="erf", W_std=1.3, b_std=0.2),
    nk.MLP(depth=2, activation="tanh", W_std=1.3, b_std=0.2),
    nk.MLP(depth=2, activation="sin", W_std=1.0, b_std=0.3, parameterization="standard",
           width=256),
], ids=repr)
def test_verify_passes(net):
    report = verify(net, X6, widths=WIDTHS, draws=8, seed=0)
    assert report.passed, str(report)
    assert report.verdict.startswith("PASS")
    assert set(report.rates) == {"nngp", "ntk"}
    for rate in report.rates.values():
        assert isinstance(rate, Rate) and rate.low - 0.1 < -0.5 < rate.high + 0.1 < 0.1
    emp = [r for r in report.rows if r.method == "empirical"]
    assert [r.width for r in emp] == list(WIDTHS) * 2
    assert all(r.draws == 8 and r.stderr > 0 for r in emp)


def test_verify_step_checks_only_the_nngp():
    report = verify(nk.MLP(depth=1, activation="step", b_std=0.1), X6, widths=WIDTHS, draws=6)
    assert set(report.rates) == {"nngp"}
    assert all(r.kind == "nngp" for r in report.rows)
    assert any("Dirac" in n for n in report.notes)
    assert report.passed, str(report)


def test_closed_form_rows_are_tiny():
    report = verify(nk.MLP(depth=3, activation="relu", W_std=1.4, b_std=0.1), X6,
                    widths=WIDTHS, draws=4)
    closed = [r for r in report.rows if r.width is None]
    assert {r.method for r in closed} == {"closed form, float64", "quadrature"}
    assert all(r.error < 1e-12 for r in closed)


# --------------------------------------------------------------------------------------------
# verify: injected faults are caught
# --------------------------------------------------------------------------------------------

def test_verify_detects_a_biased_empirical_ntk(monkeypatch):
    """An empirical NTK 20% off does not converge: the fitted rate excludes -1/2."""
    from ntksym.empirical import network as empirical

    original = empirical.EmpiricalNetwork.ntk
    monkeypatch.setattr(empirical.EmpiricalNetwork, "ntk",
                        lambda self, X1, X2=None: 1.2 * original(self, X1, X2))
    report = verify(nk.MLP(depth=1, activation="erf", b_std=0.1), X6,
                    widths=(256, 1024, 4096), draws=6)
    assert not report.passed
    assert report.verdict.startswith("FAIL")
    assert "ntk: empirical" in report.verdict
    assert "nngp: empirical" not in report.verdict


def test_verify_detects_a_wrong_closed_form(monkeypatch):
    net = nk.MLP(depth=1, activation="erf", b_std=0.1)
    good = nk.MLP.gram

    def bad(self, X1, X2=None, dps=None):
        g = good(self, X1, X2, dps)
        return g if dps is not None else nk.Gram(g.nngp * (1 + 1e-6), g.ntk)

    monkeypatch.setattr(nk.MLP, "gram", bad)
    report = verify(net, X6, widths=WIDTHS, draws=4)
    failed = [c.name for c in report.checks if c.passed is False]
    assert failed == ["nngp: float64 closed form = mpmath"]


def test_too_few_networks_is_inconclusive():
    report = verify(nk.MLP(depth=1, activation="erf"), X6, widths=(64, 128), draws=1)
    assert report.rates["ntk"].low == -np.inf
    assert report.verdict.startswith("INCONCLUSIVE") and not report.passed


# --------------------------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------------------------

def _small_report():
    rows = [Row("ntk", "closed form, float64", None, None, 1.5e-16, None),
            Row("ntk", "empirical", 64, 4, 0.25, 0.031), Row("ntk", "empirical", 256, 4, 0.12,
                                                             0.02)]
    rates = {"ntk": Rate("ntk", -0.52, -0.8, -0.24, -0.5)}
    checks = [Check("ntk: float64 closed form = mpmath", True, "ok"),
              Check("ntk: empirical error ~ width^(-1/2)", True, "consistent")]
    return VerificationReport(nk.MLP(depth=1, activation="relu"), (6, 3), "closed form", rows,
                              rates, checks, ["a note with 50% & under_score"])


def test_text_rendering():
    text = str(_small_report())
    lines = text.splitlines()
    assert lines[2].split() == ["kernel", "method", "width", "draws", "rel.", "error", "std.",
                                "error"]
    assert "NTK     empirical             64     4      2.500e-01   3.1e-02" in text
    assert "p = -0.520, 95% CI [-0.800, -0.240]" in text
    assert lines[-1] == "verdict: PASS: all 2 checks"


def test_markdown_rendering():
    md = _small_report().to_markdown()
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert len(table) == 2 + 3
    assert all(line.count("|") == 7 for line in table)
    assert "| NTK | closed form, float64 | inf |  | 1.500e-16 |  |" in table
    assert md.rstrip().endswith("**Verdict:** PASS: all 2 checks")


def test_latex_rendering():
    tex = _small_report().to_latex()
    assert r"\begin{tabular}{llrrrr}" in tex and tex.count(r" \\") == 1 + 3
    assert r"$2.500 \times 10^{-1}$" in tex and r"$\infty$" in tex
    assert tex.count("{") == tex.count("}")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles(tmp_path):
    body = verify(nk.MLP(depth=1, activation="relu", b_std=0.1), X6, widths=WIDTHS,
                  draws=3).to_latex()
    doc = ("\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n" + body +
           "\n\\end{document}\n")
    (tmp_path / "r.tex").write_text(doc)
    out = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "r.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-2000:]


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------

NET = nk.MLP(depth=1, activation="erf")


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(widths=(256,)), ValueError, "at least two different widths"),
    (dict(widths=(256, 256)), ValueError, "at least two different widths"),
    (dict(widths=(0, 16)), ValueError, "width must be >= 1"),
    (dict(widths=(16.5, 32)), TypeError, "width must be an integer"),
    (dict(widths=64), TypeError, "sequence of positive integers"),
    (dict(draws=0), ValueError, "draws must be >= 1"),
    (dict(seed=0.5), TypeError, "seed must be an integer"),
    (dict(dps=5), ValueError, "dps"),
])
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        verify(NET, X6, **kwargs)


def test_bad_points():
    with pytest.raises(ValueError, match="2-D"):
        verify(NET, np.ones(3))
    with pytest.raises(TypeError, match="MLP"):
        verify("erf", X6)
