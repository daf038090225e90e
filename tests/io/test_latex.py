"""Tests for `ntksym/latex.py`: fragments print, documents compile with pdflatex."""
import os
import shutil
import subprocess

import pytest
import sympy as sp

import ntksym as nk


def _pdflatex():
    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is required in CI (.ci/run installs texlive-latex-base)")
        pytest.skip("pdflatex not installed")
    return exe


def _compile(tex, tmp_path, name):
    exe = _pdflatex()
    path = tmp_path / f"{name}.tex"
    path.write_text(tex)
    proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", path.name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / f"{name}.pdf").stat().st_size > 1000


def test_fragments():
    assert nk.latex(nk.activation("relu")) == r"\phi(x) = \max\left(0, x\right)"
    k = nk.dual("erf")
    frag = nk.latex(k)
    assert frag.startswith(r"\begin{align*}") and frag.rstrip().endswith(r"\end{align*}")
    assert r"\operatorname{asin}" in frag
    # SymPy's own printer reaches the same hook
    assert sp.latex(k) == frag
    assert r"\mathbb{E}" in sp.latex(nk.dual("tanh").expr)
    with pytest.raises(TypeError):
        nk.latex(object())


def test_text_is_escaped():
    from ntksym.core.printing import text as _text
    assert _text("a_b^c & 50% #1 $x$ {y} ~") == \
        r"a\_b\^{}c \& 50\% \#1 \$x\$ \{y\} \~{}"


@pytest.mark.parametrize("spec", ["relu", "step", "tanh", "gelu", "x**3 - 2*x + 1/2", "sin",
                                  "erf", "leaky_relu"])
def test_dual_documents_compile(spec, tmp_path):
    _compile(nk.latex_document(nk.dual(spec), title=f"Dual of {spec}"), tmp_path, "dual")


def test_network_document_compiles(tmp_path):
    w, b = sp.symbols("sigma_w sigma_b", positive=True)
    _compile(nk.latex_document(nk.MLP(2, "relu", W_std=w, b_std=b)), tmp_path, "net")
    _compile(nk.latex_document(nk.MLP(1, "tanh", parameterization="standard", width=64)),
             tmp_path, "net2")


@pytest.mark.parametrize("make", [
    lambda: nk.activation("step"),
    lambda: nk.dual("relu"),
    lambda: nk.dual("erf").steps[0].rhs if nk.dual("erf").steps else nk.dual("erf"),
    lambda: nk.MLP(2, "relu", W_std=1.5, b_std=0.3),
    lambda: nk.MLP(2, "erf").recursion()[1],
])
def test_sympy_latex_uses_ntksym_notation(make):
    """sympy.latex(obj) and nk.latex(obj) agree: the printer hook forces ntksym's notation."""
    import sympy as sp
    obj = make()
    assert sp.latex(obj) == nk.latex(obj)
    assert r"\operatorname{atan}_{2}" not in nk.latex(obj)
    assert r"\theta\left(" not in nk.latex(obj)


def test_repr_latex_is_valid_for_jupyter():
    """Inline formulas come in $...$; environments (align*) never do."""
    assert nk.activation("relu")._repr_latex_().startswith("$")
    for obj in (nk.dual("relu"), nk.MLP(1, "relu")):
        s = obj._repr_latex_()
        assert s.startswith(r"\begin{align*}") and "$\\begin" not in s
