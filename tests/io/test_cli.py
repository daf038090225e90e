"""Tests for `ntksym/io/cli/` (the ntksym command)."""
import json
import subprocess
import sys

import numpy as np
import pytest

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
