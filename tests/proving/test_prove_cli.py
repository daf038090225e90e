"""Tests for `ntksym/io/cli/prove.py`: exit status, the last line, -k, --json, --report."""
import argparse
import json
import shutil
import textwrap

import pytest

from ntksym.io.cli import prove as prove_cmd

GOOD = '''
    """Two is even.

    Source: arithmetic.
    """
    from ntksym.proving import conclude, require


    def prove():
        require(2 % 2 == 0, "2 is odd")
        return conclude(method="integers", error=0, tolerance=None)
    '''
BAD = '''
    """Three is even (false)."""
    from ntksym.proving import require


    def prove():
        require(3 % 2 == 0, "3 is odd")
    '''


@pytest.fixture
def files(tmp_path):
    good, bad = tmp_path / "good_claim.py", tmp_path / "bad_claim.py"
    good.write_text(textwrap.dedent(GOOD))
    bad.write_text(textwrap.dedent(BAD))
    return good, bad


def run(argv):
    parser = argparse.ArgumentParser()
    prove_cmd.add_arguments(parser)
    return prove_cmd.run(parser.parse_args(argv))


def test_help_text_for_every_flag():
    parser = argparse.ArgumentParser()
    prove_cmd.add_arguments(parser)
    assert isinstance(prove_cmd.HELP, str) and "\n" not in prove_cmd.HELP
    assert all(a.help for a in parser._actions)


def test_a_failing_file_gives_nonzero_exit_and_the_last_line(files, capsys):
    good, bad = files
    assert run([str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1] == "1 passed, 1 failed"
    assert "3 is odd" in out and "FAIL" in out and "PASS" in out


def test_all_passing_exits_zero(files, capsys):
    assert run([str(files[0])]) == 0
    assert capsys.readouterr().out.rstrip().splitlines()[-1] == "1 passed, 0 failed"


def test_k_filters_and_list(files, capsys):
    d = files[0].parent
    assert run([str(d), "-k", "even (false"]) == 1
    assert capsys.readouterr().out.rstrip().endswith("0 passed, 1 failed")
    assert run([str(d), "-k", "two is"]) == 0
    assert run(["-k", "williams", "--list"]) == 0
    out = capsys.readouterr().out
    assert "dual_erf_williams:" in out and out.rstrip().endswith("1 proofs")
    with pytest.raises(ValueError, match="no proof matches"):
        run([str(d), "-k", "nothing-like-this"])


def test_json(files, capsys):
    assert run([str(files[0]), str(files[1]), "--json"]) == 1
    cap = capsys.readouterr()
    record = json.loads(cap.out)
    assert record["passed"] == 1 and record["failed"] == 1
    assert {r["name"]: r["passed"] for r in record["results"]} == {"good_claim": True,
                                                                   "bad_claim": False}
    assert cap.err.rstrip().splitlines()[-1] == "1 passed, 1 failed"


def test_report_files(files, tmp_path, capsys):
    out = tmp_path / "rep"
    assert run([str(files[0]), str(files[1]), "--report", str(out), "--no-plots"]) == 1
    md = (out / "report.md").read_text()
    assert "good_claim" in md and "bad_claim" in md and "3 is odd" in md
    assert (out / "report.tex").is_file()
    if shutil.which("pdflatex"):
        assert (out / "report.pdf").stat().st_size > 1000
    assert capsys.readouterr().out.rstrip().endswith("1 passed, 1 failed")


def test_through_the_main_entry_point(files, capsys):
    from ntksym.io.cli import main

    assert main(["prove", str(files[0]), str(files[1])]) == 1
    assert capsys.readouterr().out.rstrip().splitlines()[-1] == "1 passed, 1 failed"
    assert main(["prove", "/no/such/file.py"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ntksym: error:") and len(err.strip().splitlines()) == 1
