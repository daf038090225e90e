r"""Strategy 5, literature table (method ``"table"``): a closed form attached to the activation.

The form (``Activation.dual_table``, e.g. the GELU dual of :mod:`ntksym.symbolic.registry`) is
taken as printed; like every strategy's result it is re-verified by quadrature each time.
"""
from __future__ import annotations

import re

from ntksym.core.printing import text
from ntksym.core.symbols import c, q1, q2
from ntksym.symbolic.expectation.base import Derivation, GaussianExpectation, Step

__all__ = ["derive_table", "citation"]


def derive_table(f, g, depth, derive):
    """E[f(u) f(v)] from the literature form attached to f (only when g is f), or None."""
    if f.dual_table is None or f is not g and f != g:
        return None
    expr = f.dual_table(q1, q2, c)
    cite = citation(f.dual_table)
    text = "Literature closed form" + (f": {cite}" if cite else "") + "."
    tex = None
    if cite:
        tex = "Literature closed form: " + _tex_citation(cite) + "."
    return Derivation(expr, "table", [Step("table", text, GaussianExpectation.of(f, g), expr,
                                           latex=tex)])


def citation(fn):
    """The source of a literature form: the first paragraph after the summary line of its
    docstring, up to the first ';' (a whole citation: authors, title, link)."""
    doc = (fn.__doc__ or "").strip()
    paras = [" ".join(line.strip() for line in p.splitlines())
             for p in re.split(r"\n\s*\n", doc) if p.strip()]
    if len(paras) < 2:
        return ""
    return paras[1].split(";")[0].strip().rstrip(".")


def _tex_citation(cite):
    """Authors, \\emph{title} and arXiv number, escaped for LaTeX text mode."""
    m = re.search(r'"([^"]+)"', cite)
    arxiv = re.search(r"\(?https?://arxiv\.org/abs/([\w.]+)\)?", cite)
    parts = []
    rest = cite
    if arxiv:
        rest = rest.replace(arxiv.group(0), "").strip()
    if m:
        before, after = rest.split(m.group(0), 1)
        parts.append(text(before.strip().rstrip(",")) + ", \\emph{" + text(m.group(1)) + "}"
                     + (" " + text(after.strip()) if after.strip() else ""))
    else:
        parts.append(text(rest))
    if arxiv:
        parts.append("arXiv:" + text(arxiv.group(1)))
    return ", ".join(p for p in parts if p)
