"""Tests for `ntksym/proving/result.py`."""
import math

import pytest
import sympy as sp

from ntksym.proving.result import (ClaimFailed, ProofResult, RunSummary, conclude,
                                   format_number, require)


def test_conclude_passes_within_tolerance():
    r = conclude("c", method="m", error=1e-16, tolerance=1e-14, details="d")
    assert r.passed and r.error == 1e-16 and r.tolerance == 1e-14 and r.details == "d"


@pytest.mark.parametrize("error", [1e-13, math.nan, math.inf])
def test_conclude_raises_above_tolerance_or_nan(error):
    with pytest.raises(ClaimFailed, match="tolerance"):
        conclude("c", method="m", error=error, tolerance=1e-14)


def test_exact_conclusion_needs_zero():
    assert conclude(method="exact", error=0, tolerance=None).error is None
    with pytest.raises(ClaimFailed):
        conclude(method="exact", error=1e-300, tolerance=None)


def test_require():
    require(True, "never")
    with pytest.raises(ClaimFailed, match="the message"):
        require(False, "the message")
    assert issubclass(ClaimFailed, AssertionError)


def test_format_number():
    assert format_number(None) == "exact"
    assert format_number(0) == "0" and format_number(0.0) == "0"
    assert format_number(1.23456e-15) == "1.23e-15"
    assert format_number(math.nan) == "nan"


def test_str_and_latex_of_a_result():
    r = ProofResult("a claim with_underscore", "exact", None, None, name="my_proof", time=0.5,
                    formula=sp.Eq(sp.Symbol("k"), sp.atan2(sp.Symbol("y"), sp.Symbol("x"))))
    s = str(r)
    assert s.startswith("PASS  my_proof: a claim") and "exact" in s
    tex = sp.latex(r)
    assert r"my\_proof" in tex and r"with\_underscore" in tex
    assert r"\operatorname{atan2}" in tex          # printed by ntksym's printer


def test_run_summary_line_and_dict():
    ok = ProofResult("a", "m", name="a")
    bad = ProofResult("b", "m", name="b", passed=False, message="why")
    s = RunSummary((ok, bad, ok), 1.5)
    assert (s.passed, s.failed, s.ok) == (2, 1, False)
    assert s.line() == "2 passed, 1 failed"
    assert str(s).splitlines()[-1].startswith("2 passed, 1 failed")
    d = s.as_dict()
    assert d["passed"] == 2 and [r["name"] for r in d["results"]] == ["a", "b", "a"]
    assert r"\begin{tabular}" in sp.latex(s)
