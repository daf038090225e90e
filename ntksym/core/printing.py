r"""The LaTeX printer of ntksym: SymPy's printer with ntksym's notation, and the printing hook.

Every ntksym object prints itself through SymPy's printer protocol: it has a method
``_latex(self, printer)`` that returns its LaTeX, and ``sympy.latex(obj)``, ``nk.latex(obj)`` and
Jupyter (``_repr_latex_``) all call it. The object passes the printer on to
:func:`ntk_printer`, so that the notation is ntksym's whichever printer asked:
``\operatorname{atan2}`` for the stable angle and :math:`\mathbf{1}[u > 0]` for the step,
where SymPy's default printer would write ``\operatorname{atan}_{2}`` and
:math:`\theta(u)`. The printing layer (:mod:`ntksym.io.latex`) therefore never needs to import
the classes it prints.
"""
from __future__ import annotations

from sympy.printing.latex import LatexPrinter

__all__ = ["NtkPrinter", "ntk_printer", "text", "repr_latex"]

_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}", "_": r"\_", "^": r"\^{}", "&": r"\&", "%": r"\%", "#": r"\#",
    "$": r"\$", "{": r"\{", "}": r"\}", "~": r"\~{}",
}


def text(s):
    """Escape plain text for use inside LaTeX (outside math mode)."""
    return "".join(_TEXT_ESCAPES.get(ch, ch) for ch in str(s))


class NtkPrinter(LatexPrinter):
    """SymPy's LaTeX printer with ntksym's notation (atan2 angles, indicator functions)."""

    printmethod = "_latex"

    def _print_atan2(self, expr):
        y, x_ = expr.args
        return r"\operatorname{atan2}\left(%s,\, %s\right)" % (self._print(y), self._print(x_))

    def _print_Heaviside(self, expr):
        return r"\mathbf{1}\left[%s > 0\right]" % self._print(expr.args[0])


def ntk_printer(printer=None, **overrides):
    """``printer`` itself if it is an :class:`NtkPrinter` (and nothing is overridden), else an
    :class:`NtkPrinter` with the same settings, updated by ``overrides``."""
    if isinstance(printer, NtkPrinter) and not overrides:
        return printer
    settings = {}
    if printer is not None:
        settings = {k: v for k, v in printer._settings.items()
                    if k in NtkPrinter._default_settings}
    settings.update(overrides)
    return NtkPrinter(settings)


def repr_latex(obj):
    """``_repr_latex_`` for Jupyter: inline math for a formula, display environments as they are.

    Jupyter renders the string with MathJax; an environment such as ``align*`` must not be
    wrapped in ``$...$``, so it is returned bare (MathJax processes environments itself).
    """
    body = NtkPrinter().doprint(obj)
    if body.lstrip().startswith(r"\begin{"):
        return body
    return "$\\displaystyle %s$" % body
