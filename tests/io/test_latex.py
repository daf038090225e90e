"""Tests for `ntksym/io/latex.py` and the `_latex` hooks: fragments print, documents compile
with pdflatex, and no line runs off the page."""
import os
import re
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


#: an overfull line may stick out of the text block by at most this much (pt)
OVERFULL_PT = 1.0


def _compile(tex, tmp_path, name):
    """Compile with pdflatex; fail on errors and on any line running off the text block."""
    exe = _pdflatex()
    path = tmp_path / f"{name}.tex"
    path.write_text(tex)
    proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", path.name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / f"{name}.pdf").stat().st_size > 1000
    log = (tmp_path / f"{name}.log").read_text(errors="replace")
    over = [float(v) for v in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide", log)]
    assert max(over, default=0.0) <= OVERFULL_PT, f"lines run off the page by {over} pt"
    return log


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


@pytest.mark.parametrize("spec", ["relu", "gelu", "x**3 - 2*x + 1/2", "tanh"])
def test_depth3_documents_fit_the_page(spec, tmp_path):
    """The dual's derivation and the depth-3 recursion, portrait, with no overfull line."""
    net = nk.MLP(3, spec, W_std=1.5, b_std=0.3)
    doc = nk.latex_document(net.dual, net)
    assert "a4paper" in doc and "landscape" not in doc
    log = _compile(doc, tmp_path, "doc")
    assert "Overfull" not in log


def test_symbolic_scales_and_output_kernel_fit_the_page(tmp_path):
    w, b = sp.symbols("sigma_w sigma_b", positive=True)
    net = nk.MLP(2, "gelu", W_std=w, b_std=b)
    _compile(nk.latex_document(net, nk.MLP(1, "relu", b_std=0.5).kernel()), tmp_path, "sym")


def test_prose_is_typeset_not_ascii():
    """Step texts come with LaTeX: no ASCII formulas in the intertext."""
    for spec in ("relu", "x**3 - 2*x + 1/2", "step", "sin", "tanh", "gelu"):
        frag = nk.latex(nk.dual(spec))
        prose = " ".join(re.findall(r"\\intertext\{(.*)\}", frag))
        for ascii_math in (r"(?<![{\\])E\[u", r"(?<!\\)sum_k", r"(?<!\\)alpha_k\(q1\)",
                           r"d/dc", r"(?<!\\)rho\^k", r"(?<!\\)phi'\(u\)"):
            assert re.search(ascii_math, prose) is None, (spec, ascii_math)


def test_gelu_citation_is_whole():
    frag = nk.latex(nk.dual("gelu"))
    assert r"\emph{Avoiding kernel fixed points: computing with ELU and GELU infinite " \
           r"networks}" in frag
    assert "arXiv:2002.08517" in frag


def test_default_titles_are_words_not_reprs():
    doc = nk.latex_document(nk.MLP(3, "relu"))
    assert r"\section*{NNGP and NTK of a depth-3 relu network}" in doc
    assert "MLP(" not in doc.split(r"\section*")[1].splitlines()[0]
    assert r"\section*{Dual kernel of tanh}" in nk.latex_document(nk.dual("tanh"))


def _every_object():
    import numpy as np

    net = nk.MLP(2, "relu", b_std=0.1)
    X = np.random.default_rng(0).standard_normal((3, 2))
    return [nk.activation("relu"), nk.dual("relu"), nk.dual("tanh"), net, net.kernel(),
            net.recursion()[1], nk.MLP(1, "tanh").kernel(), nk.is_polynomial("x**2"),
            nk.is_polynomial("tanh"), nk.polynomial_certificate("x**2"),
            nk.predicted_rank(net, X, explain=True), nk.predicted_rank(nk.MLP(1, "x**2"), X,
                                                                       explain=True),
            nk.certify_positive_definite(net, X),
            nk.verify(nk.MLP(1, "erf"), X, widths=(32, 64), draws=2)]


def test_every_object_prints_and_the_document_compiles(tmp_path):
    objs = _every_object()
    for obj in objs:
        assert nk.latex(obj).strip(), type(obj).__name__
        if callable(getattr(obj, "_latex", None)):
            assert sp.latex(obj) == nk.latex(obj)
    _compile(nk.latex_document(*objs, title="Every object"), tmp_path, "every")


def test_kernel_namedtuple_prints():
    k = nk.MLP(1, "relu").kernel()
    nngp, ntk = k                                 # still a namedtuple
    assert isinstance(k, tuple) and k.nngp is nngp
    assert nk.latex(k).startswith(r"\begin{align*}")


def test_repr_latex_never_wraps_an_environment():
    for obj in _every_object()[:7]:
        r = obj._repr_latex_()
        if r.startswith("$"):
            assert r.endswith("$") and r"\begin{align" not in r
        else:
            assert r.startswith(r"\begin{") and "$\\begin" not in r


def test_cli_latex_standalone_writes_a_document(tmp_path):
    from ntksym.io.cli import main

    out = tmp_path / "relu.tex"
    assert main(["latex", "relu", "--depth", "3", "--W-std", "w", "--b-std", "b",
                 "--standalone", "-o", str(out)]) == 0
    tex = out.read_text()
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    assert r"\sigma_w = w" in tex
    _compile(tex, tmp_path, "relu")
