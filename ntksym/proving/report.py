r"""The report of a proof run: Markdown, LaTeX (and its PDF when ``pdflatex`` exists), and plots.

:func:`write_report` writes into a directory:

- ``report.md``: every proof by name, with its claim, source, method, result, error, tolerance,
  time and details, and the figures;
- ``report.tex``: the same as a LaTeX article (booktabs tables, the figures, each proved
  identity through ntksym's SymPy printer), and ``report.pdf`` compiled from it by ``pdflatex``
  when it is on the PATH;
- ``plots/*.png``: the figures of :mod:`ntksym.proving.plots`.
"""
from __future__ import annotations

import datetime
import pathlib
import platform
import shutil
import subprocess

from ntksym.core.printing import ntk_printer, text

__all__ = ["write_report", "markdown", "latex", "make_plots", "compile_pdf", "PLOT_CAPTIONS"]

PLOT_CAPTIONS = {
    "dual": "Dual kernels k(1, 1, rho) and NTK factors against rho, normalised at rho = 1; the "
            "legend gives the derivation strategy.",
    "convergence": "Relative error of the empirical NTK of finite networks against the "
                   "analytic infinite-width NTK (mean and spread over a few networks per "
                   "width), with least-squares slopes; the dotted line has the theoretical "
                   "slope -1/2.",
    "rank": "Predicted (exact) and measured (float64 SVD) rank of the NTK Gram matrix as the "
            "number of points grows: polynomial activations saturate at the predicted rank, "
            "non-polynomial ones stay full rank.",
    "lambda-min": "Certified lower bound on the smallest eigenvalue of the NTK Gram matrix "
                  "(interval Cholesky) against depth, with the float64 estimate.",
    "spectrum": "Mercer eigenvalues on the sphere of ReLU NTKs (no bias) of depths 1-3 and of "
                "the Laplace kernel, with fitted power laws: the odd eigenvalues of the depth-1 "
                "NTK vanish, and all decay like k^-d.",
    "training": "Loss of real gradient descent on finite networks against the loss the "
                "infinite-width NTK predicts from the same initial outputs.",
}


def make_plots(directory, kinds=None):
    """Draw every plot of :data:`ntksym.proving.plots.KINDS` (or ``kinds``) into
    ``directory/plots``; returns ``{kind: path or error message}``."""
    from ntksym.proving import plots

    out = pathlib.Path(directory) / "plots"
    out.mkdir(parents=True, exist_ok=True)
    made = {}
    for kind in (kinds or plots.KINDS):
        try:
            made[kind] = plots.save(plots.KINDS[kind](), out / f"{kind.replace('-', '_')}.png")
        except Exception as exc:  # a figure that cannot be drawn is reported, not fatal
            made[kind] = f"{type(exc).__name__}: {exc}"
    return made


def _versions():
    import mpmath
    import numpy
    import sympy

    import ntksym

    return (f"ntksym {getattr(ntksym, '__version__', '?')}, SymPy {sympy.__version__}, mpmath "
            f"{mpmath.__version__}, NumPy {numpy.__version__}, Python "
            f"{platform.python_version()}")


def _md_cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def markdown(summary, plots=None):
    """The Markdown report of a :class:`~ntksym.proving.result.RunSummary`."""
    lines = ["# ntksym proof report", "",
             f"{datetime.date.today().isoformat()} · {_versions()}", "",
             f"**{summary.line()}** in {summary.wall_time:.1f} s.", "",
             "| proof | result | method | error | tolerance | time |", "|---|---|---|---|---|---|"]
    for r in summary.results:
        lines.append(f"| {_md_cell(r.name)} | {r.status} | {_md_cell(r.method)} | "
                     f"{r.error_text} | {r.tolerance_text} | {r.time:.2f} s |")
    lines += ["", "## The proofs", ""]
    for r in summary.results:
        lines += [f"### {r.name}: {r.status}", "", f"**Claim.** {r.claim}", ""]
        if r.source:
            lines += [f"**Source.** {r.source}", ""]
        lines += [f"**Method.** {r.method}. Error {r.error_text}, tolerance "
                  f"{r.tolerance_text}, {r.time:.2f} s.", ""]
        if r.details:
            lines += [f"**Measured.** {r.details}", ""]
        if r.message:
            lines += [f"**Failed.** {r.message}", ""]
    if plots:
        lines += ["## Figures", ""]
        for kind, path in plots.items():
            if isinstance(path, pathlib.Path):
                lines += [f"![{kind}](plots/{path.name})", "", PLOT_CAPTIONS.get(kind, kind), ""]
            else:
                lines += [f"Figure {kind} could not be drawn: {path}", ""]
    lines += ["", summary.line()]
    return "\n".join(lines) + "\n"


_PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage[T1]{fontenc}
\usepackage{lmodern,amsmath,amssymb,graphicx,booktabs,longtable,array}
\usepackage[hyphens]{url}
\setlength{\emergencystretch}{3em}
\sloppy
\title{ntksym proof report}
\date{%s}
\author{%s}
\begin{document}
\maketitle
"""


def _tex(s):
    """Plain text for LaTeX, with reST literals ``like this`` as typewriter text."""
    parts = str(s).split("``")
    return "".join(text(p) if i % 2 == 0 else r"\texttt{%s}" % text(p)
                   for i, p in enumerate(parts))


def _fit(math):
    """A display formula shrunk to the line width when it is wider."""
    return (r"\begin{center}\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}"
            r"{$\displaystyle %s$}\end{center}" % math)


def latex(summary, plots=None):
    """The LaTeX report (a complete document) of a run."""
    printer = ntk_printer()
    out = [_PREAMBLE % (datetime.date.today().isoformat(), text(_versions())),
           r"\noindent\textbf{%s} in %.1f\,s." % (text(summary.line()), summary.wall_time),
           r"\begin{longtable}{>{\raggedright}p{4.6cm}lp{4.4cm}rrr}", r"\toprule",
           r"proof & result & method & error & tolerance & time \\", r"\midrule", r"\endhead"]
    for r in summary.results:
        out.append(r"%s & %s & {\raggedright %s} & %s & %s & %.2f\,s \\" % (
            text(r.name).replace(r"\_", r"\_\allowbreak{}"), r.status, _tex(r.method),
            text(r.error_text), text(r.tolerance_text), r.time))
    out += [r"\bottomrule", r"\end{longtable}", r"\section*{The proofs}"]
    for r in summary.results:
        out.append(r"\subsection*{%s: %s}" % (text(r.name), r.status))
        out.append(r"\noindent\textbf{Claim.} %s\par" % _tex(r.claim))
        if r.source:
            out.append(r"\noindent\textbf{Source.} %s\par" % _tex(r.source))
        out.append(r"\noindent\textbf{Method.} %s. Error %s, tolerance %s, %.2f\,s.\par"
                   % (_tex(r.method), text(r.error_text),
                      text(r.tolerance_text), r.time))
        if r.details:
            out.append(r"\noindent\textbf{Measured.} %s\par" % _tex(r.details))
        if r.message:
            out.append(r"\noindent\textbf{Failed.} %s\par" % _tex(r.message))
        if r.formula is not None and r.passed:
            out.append(_fit(printer.doprint(r.formula)))
    if plots:
        out.append(r"\clearpage\section*{Figures}")
        for kind, path in plots.items():
            if isinstance(path, pathlib.Path):
                out += [r"\begin{figure}[htbp]\centering",
                        r"\includegraphics[width=\linewidth,height=0.4\textheight,"
                        r"keepaspectratio]{plots/%s}" % path.name,
                        r"\caption{%s}" % text(PLOT_CAPTIONS.get(kind, kind)), r"\end{figure}"]
            else:
                out.append(r"\noindent Figure %s could not be drawn: %s\par"
                           % (text(kind), text(path)))
    out += [r"\bigskip\noindent %s" % text(summary.line()), r"\end{document}"]
    return "\n".join(out) + "\n"


def compile_pdf(tex_path, timeout=120):
    """Run pdflatex (twice, for the longtable) on ``tex_path`` in its directory; returns the
    PDF's path, or None when pdflatex is not installed. Raises RuntimeError if it fails."""
    exe = shutil.which("pdflatex")
    if exe is None:
        return None
    tex_path = pathlib.Path(tex_path)
    for _ in range(2):
        proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", tex_path.name],
                              cwd=tex_path.parent, capture_output=True, text=True,
                              timeout=timeout)
        if proc.returncode != 0:
            tail = "\n".join(proc.stdout.splitlines()[-15:])
            raise RuntimeError(f"pdflatex failed on {tex_path}:\n{tail}")
    return tex_path.with_suffix(".pdf")


def write_report(summary, directory, plots=True):
    """Write report.md, report.tex (and report.pdf if pdflatex exists) and plots/ into
    ``directory``; returns ``{"markdown": path, "latex": path, "pdf": path or None,
    "plots": {kind: path or error}}``."""
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    made = make_plots(directory) if plots else {}
    md = directory / "report.md"
    md.write_text(markdown(summary, made), encoding="utf-8")
    tex = directory / "report.tex"
    tex.write_text(latex(summary, made), encoding="utf-8")
    pdf = compile_pdf(tex)
    return {"markdown": md, "latex": tex, "pdf": pdf, "plots": made}
