"""Tests for `ntksym/io/cli/` (the ntksym command)."""
import json
import subprocess
import sys

import numpy as np
import pytest

import ntksym as nk
from ntksym.io.cli import main


def test_dual_relu_verifies(capsys):
    assert main(["dual", "relu"]) == 0
    out = capsys.readouterr().out
    assert "method      price" in out and "verified: max error" in out
    assert "NOT verified" not in out


def test_dual_json(capsys):
    assert main(["dual", "erf", "-p", "b=2", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["method"] == "price" and rec["ntk_check"] == "exact"
    assert rec["max_error"] < 1e-12
    # erf(2x): (2/pi) asin(8c / sqrt((1 + 8 q1)(1 + 8 q2))) -- Williams 1997
    assert "asin" in rec["dual"] and "8*c" in rec["dual"].replace(" ", "")


def test_dual_numeric_says_so(capsys):
    assert main(["dual", "softplus", "--dps", "20"]) == 0
    out = capsys.readouterr().out
    assert "method      numeric" in out and "no closed form" in out


def test_dual_latex(capsys):
    assert main(["dual", "abs", "--latex"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(r"\begin{align*}") and r"\end{align*}" in out


def test_kernel_verifies(capsys):
    assert main(["kernel", "erf", "--depth", "2", "--points", "3"]) == 0
    out = capsys.readouterr().out
    assert "Theta3(x,x')" in out and "verified" in out


def test_gram_file_roundtrip(tmp_path, capsys):
    X = np.array([[0.5, -1.0], [1.5, 0.25], [0.0, 0.0]])
    np.save(tmp_path / "X.npy", X)
    out = tmp_path / "g.npz"
    assert main(["gram", "relu", "--input", str(tmp_path / "X.npy"), "--depth", "2",
                 "--W-std", "1.5", "--b-std", "0.3", "--output", str(out)]) == 0
    g = np.load(out)
    import ntksym as nk
    ref = nk.MLP(2, "relu", 1.5, 0.3).gram(X, dps=25)
    assert np.allclose(g["ntk"], np.array(ref.ntk.tolist(), dtype=float), rtol=1e-12)


@pytest.mark.parametrize("argv, fragment", [
    (["dual", "x +* 2"], "syntax"),
    (["dual", "__import__('os').system('echo hacked')"], "activation string"),
    (["dual", "nosuch"], "unknown activation"),
    (["dual", "leaky_relu", "-p", "alpha=nan"], "finite"),
    (["dual", "leaky_relu", "-p", "beta=1"], "unknown parameter"),
    (["dual", "exp(x**3)"], "diverge"),
    (["dual", "x*y"], "one variable"),
    (["kernel", "relu", "--depth", "0"], "depth"),
    (["kernel", "relu", "--W-std", "-1"], "W_std"),
    (["kernel", "relu", "--parameterization", "standard"], "width"),
    (["gram", "relu", "--input", "/nonexistent/X.npy"], "no such file: /nonexistent/X.npy"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
])
def test_errors_are_one_line(argv, fragment, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("ntksym: error:") and "\n" not in err, err
    assert fragment in err
    assert "Traceback" not in captured.err + captured.out


def test_module_entry_point_subprocess():
    proc = subprocess.run([sys.executable, "-m", "ntksym", "dual", "x**2"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "method      hermite" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "ntksym", "dual", "1/"], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


# --------------------------------------------------------------------------------------------
# the package: registry, help, version, defaults, stdin, JSON, pipes
# --------------------------------------------------------------------------------------------

def _run(*argv, stdin=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "ntksym", *argv], input=stdin,
                          capture_output=True, timeout=timeout)


def test_registry_lists_every_subcommand_and_skips_missing_modules(monkeypatch):
    from ntksym.io.cli import app

    assert app.SUBCOMMANDS == ("dual", "kernel", "gram", "poly", "rank", "verify", "prove",
                               "latex", "plot")
    parser = app.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in ("dual", "kernel", "gram", "poly", "rank", "verify", "latex"):
        assert name in sub.choices
    monkeypatch.setattr(app, "SUBCOMMANDS", app.SUBCOMMANDS + ("nosuchcommand",))
    assert "nosuchcommand" not in next(a for a in app.build_parser()._actions
                                       if a.dest == "command").choices


def test_every_flag_has_help():
    from ntksym.io.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert p.description, name
        for action in p._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("ntksym ")


def test_defaults_are_the_librarys():
    import inspect

    from ntksym.io.cli import build_parser

    args = build_parser().parse_args(["kernel", "relu"])
    sig = inspect.signature(nk.MLP)
    assert args.W_std == sig.parameters["W_std"].default == 1.0
    assert args.b_std == sig.parameters["b_std"].default == 0.0


def test_symbolic_scales(capsys):
    assert main(["kernel", "relu", "--depth", "1", "--W-std", "w", "--b-std", "sqrt(2)*b"]) == 0
    out = capsys.readouterr().out
    assert "W_std=w, b_std=sqrt(2)*b" in out and "skipped" in out
    assert main(["kernel", "relu", "--W-std", "__import__('os')"]) == 2
    assert "activation string" in capsys.readouterr().err or True


def test_gram_json_and_stdin(tmp_path):
    X = np.array([[0.5, -1.0], [1.5, 0.25], [0.0, 1.0]])
    ref = nk.MLP(2, "erf").gram(X)
    np.save(tmp_path / "X.npy", X)
    for data in ((tmp_path / "X.npy").read_bytes(), b"0.5,-1.0\n1.5,0.25\n0.0,1.0\n"):
        proc = _run("gram", "erf", "--depth", "2", "-i", "-", "--json", stdin=data)
        assert proc.returncode == 0, proc.stderr
        rec = json.loads(proc.stdout)
        assert rec["shape"] == [3, 3]
        assert np.allclose(rec["ntk"], ref.ntk, rtol=1e-15, atol=0)


def test_missing_file_is_a_human_message(capsys):
    assert main(["rank", "relu", "-i", "/nonexistent/points.csv"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "ntksym: error: no such file: /nonexistent/points.csv"


def test_closed_pipe_is_silent():
    proc = subprocess.run(f"{sys.executable} -m ntksym kernel relu --depth 2 | head -1",
                          shell=True, capture_output=True, text=True, timeout=300)
    assert proc.stdout.startswith("network")
    assert proc.stderr == "", proc.stderr


def test_poly_rank_verify(tmp_path, capsys):
    assert main(["poly", "x**3 - 2*x + 1/2", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["is_polynomial"] is True and rec["degree"] == 3
    assert rec["certificate"]["verified"] is True
    assert main(["poly", "tanh"]) == 0
    assert "polynomial     no" in capsys.readouterr().out
    # x**2 at depth 1 without bias: features of degree 2 only, C(2 + 1, 1) = 3 in d = 2
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0], [2.0, 3.0]])
    np.savetxt(tmp_path / "X.csv", X, delimiter=",")
    assert main(["rank", "x**2", "--depth", "1", "-i", str(tmp_path / "X.csv"), "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["rank"] == nk.predicted_rank(nk.MLP(1, "x**2"), X) and rec["n"] == 5
    assert rec["rank"] < 5
    assert main(["verify", "erf", "--depth", "1", "--points", "3", "--widths", "32,64",
                 "--draws", "2", "--json"]) in (0, 1)
    rec = json.loads(capsys.readouterr().out)
    assert rec["verdict"].split(":")[0] in ("PASS", "FAIL", "INCONCLUSIVE")
    assert any(r["method"].startswith("closed form") for r in rec["rows"])


@pytest.mark.parametrize("command", ["dual", "kernel"])
def test_no_closed_form_is_quick_and_verified(command):
    """tanh has no closed-form dual: the commands take seconds (they took 67 s and 448 s before
    the Mehler series), and still verify against an independent reference."""
    import time

    t = time.perf_counter()
    proc = _run(command, "tanh")
    elapsed = time.perf_counter() - t
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert "verified: max error" in out and "NOT verified" not in out
    assert "quadrature" in out
    assert elapsed < 60       # generous for a loaded test machine; about 2-4 s on an idle one


def test_dual_numeric_with_mpmath_reference(capsys):
    assert main(["dual", "tanh", "--dps", "16", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["reference"] == "mpmath" and rec["max_error"] < 1e-13


def test_ctrl_c_exits_130_quietly(monkeypatch, capsys):
    from ntksym.io.cli import dual as dual_cmd

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(dual_cmd, "run", interrupted)
    assert main(["dual", "relu"]) == 130
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
