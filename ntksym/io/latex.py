r"""LaTeX for every ntksym object, and complete documents.

``nk.latex(obj)`` returns a LaTeX fragment: math for expressions and formulas, an ``align*``
derivation for a :class:`~ntksym.DualKernel` or a network, a table or a list for results
(rank predictions, certificates, verification reports, proofs). It goes through SymPy's printer:
each ntksym object has a ``_latex(printer)`` method (the printer hook; see
:mod:`ntksym.core.printing`), so ``sympy.latex(obj)`` gives the same notation and this module
imports none of the classes it prints. Long equations are broken and their recurring quantities
named (:mod:`ntksym.core.layout`), so that every line fits a portrait page.

``nk.latex_document(obj, ...)`` wraps one or more fragments in a complete document that compiles
with ``pdflatex`` (packages: amsmath, amssymb, geometry; A4 portrait, 2 cm margins).

Examples
========

>>> import ntksym as nk
>>> nk.latex(nk.activation("relu"))
'\\phi(x) = \\max\\left(0, x\\right)'
>>> doc = nk.latex_document(nk.dual("relu"), title="The ReLU kernel")
>>> doc.splitlines()[0]
'\\documentclass[10pt,a4paper]{article}'
"""
from __future__ import annotations

import sympy as sp

from ntksym.core.printing import NtkPrinter, text

__all__ = ["latex", "latex_document", "PREAMBLE"]

#: The preamble of :func:`latex_document` (amsmath only: no package outside
#: texlive-latex-base and texlive-latex-recommended).
PREAMBLE = "\n".join([
    r"\documentclass[10pt,a4paper]{article}",
    r"\usepackage[a4paper,margin=2cm]{geometry}",
    r"\usepackage[T1]{fontenc}",
    r"\usepackage{lmodern}",
    r"\usepackage{amsmath,amssymb,booktabs}",
    r"\allowdisplaybreaks",
    r"\setlength{\parindent}{0pt}",
])


def latex(obj, **settings):
    """LaTeX for an ntksym object or a SymPy expression (``settings``: SymPy's printer settings).

    Raises:
        TypeError: ``obj`` is neither a SymPy object nor an object with a ``_latex`` method.
    """
    if not (isinstance(obj, sp.Basic) or callable(getattr(obj, "_latex", None))):
        if _is_result(obj):
            return _fields(obj)
        raise TypeError(f"nk.latex does not know how to print {type(obj).__name__}; it prints "
                        f"ntksym objects and SymPy expressions")
    return NtkPrinter(settings).doprint(obj)


def _is_result(obj):
    import dataclasses

    return (dataclasses.is_dataclass(obj) and not isinstance(obj, type)
            and type(obj).__module__.startswith("ntksym."))


def _fields(obj):
    """A result object without a ``_latex`` method of its own: its fields as a list."""
    import dataclasses

    p = NtkPrinter()
    items = []
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if isinstance(v, sp.Basic):
            shown = "$%s$" % p.doprint(v)
        elif isinstance(v, float):
            shown = "$%s$" % p.doprint(sp.Float(v, 6))
        else:
            shown = text(v)
        items.append(r"\item[%s] %s" % (text(f.name.replace("_", " ")), shown))
    name = text(_default_title(obj))
    return "\n".join([r"\textbf{%s.}" % name, r"\begin{description}", *items,
                      r"\end{description}"])


_TEXT_STARTS = (r"\textbf", r"\paragraph", r"\section", r"\subsection", r"\begin", r"\noindent")


def _default_title(obj):
    """A human title for an object: 'Dual kernel of relu', 'NNGP and NTK of a depth-3 relu
    network', or the class name in words."""
    act = getattr(obj, "activation", None)
    name = getattr(act, "name", None)
    if hasattr(obj, "ntk_factor") and name:
        return f"Dual kernel of {name}"
    if hasattr(obj, "depth") and name:
        return f"NNGP and NTK of a depth-{obj.depth} {name} network"
    words = "".join(" " + ch.lower() if ch.isupper() else ch for ch in type(obj).__name__)
    return words.strip().capitalize()


def latex_document(*objs, title=None):
    """A complete LaTeX document (``pdflatex``-ready, A4 portrait) presenting ``objs``.

    Args:
        *objs: ntksym objects or SymPy expressions, one section each when there are several.
        title: the document's title (plain text; escaped). Default: from the first object.
    """
    if not objs:
        raise TypeError("latex_document needs at least one object to print")
    title = title if title is not None else _default_title(objs[0])
    parts = [PREAMBLE, r"\begin{document}", r"\section*{%s}" % text(title)]
    for k, obj in enumerate(objs):
        body = latex(obj)
        if not body.lstrip().startswith(_TEXT_STARTS):
            body = r"\begin{equation*}" + "\n" + body + "\n" + r"\end{equation*}"
        if len(objs) > 1:
            parts.append(r"\subsection*{%s}" % text(_default_title(obj)))
        parts.append(body)
    parts += [r"\end{document}", ""]
    return "\n".join(parts)
