r"""LaTeX for every ntksym object, and complete documents.

``nk.latex(obj)`` returns a LaTeX fragment: math for expressions and formulas, an ``align*``
derivation for a :class:`~ntksym.DualKernel` or a network. It goes through SymPy's printer: each
ntksym object has a ``_latex(printer)`` method (the printer hook; see
:mod:`ntksym.core.printing`), so ``sympy.latex(obj)`` gives the same notation and this module
imports none of the classes it prints. ``nk.latex_document(obj)`` wraps the fragment in a
complete document that compiles with ``pdflatex`` (packages: amsmath, amssymb).

Examples
========

>>> import ntksym as nk
>>> nk.latex(nk.activation("relu"))
'\\phi(x) = \\max\\left(0, x\\right)'
"""
from __future__ import annotations

import sympy as sp

from ntksym.core.printing import NtkPrinter, text

__all__ = ["latex", "latex_document"]


def latex(obj, **settings):
    """LaTeX for an ntksym object or a SymPy expression (``settings``: SymPy's printer settings).

    Raises:
        TypeError: ``obj`` is neither a SymPy object nor an object with a ``_latex`` method.
    """
    if not (isinstance(obj, sp.Basic) or callable(getattr(obj, "_latex", None))):
        if callable(getattr(obj, "to_latex", None)):   # reports render themselves
            return obj.to_latex()
        raise TypeError(f"nk.latex does not know how to print {type(obj).__name__}; it prints "
                        f"ntksym objects and SymPy expressions")
    return NtkPrinter(settings).doprint(obj)


def latex_document(obj, title=None):
    """A complete LaTeX document (``pdflatex``-ready) presenting ``obj``."""
    body = latex(obj)
    if not body.lstrip().startswith(r"\begin{"):
        body = r"\begin{equation*}" + "\n" + body + "\n" + r"\end{equation*}"
    title = text(title or "ntksym derivation")
    return "\n".join([
        r"\documentclass[10pt]{article}",
        r"\usepackage[margin=2cm,landscape]{geometry}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage{amsmath,amssymb}",
        r"\allowdisplaybreaks",
        r"\begin{document}",
        r"\section*{%s}" % title,
        body,
        r"\end{document}",
        "",
    ])
