r"""LaTeX for every ntksym object. This is the only module that holds LaTeX strings.

``nk.latex(obj)`` returns a LaTeX fragment (math mode for expressions, an ``align*`` derivation
for a :class:`~ntksym.DualKernel`); ``sympy.latex(obj)`` works too, through the ``_latex``
printer hooks that the classes delegate here. ``nk.latex_document(obj)`` wraps the fragment in a
complete document that compiles with ``pdflatex`` (packages: amsmath, amssymb).

Examples
========

>>> import ntksym as nk
>>> nk.latex(nk.activation("relu"))
'\\phi(x) = \\max\\left(0, x\\right)'
"""
from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter

__all__ = ["latex", "latex_document"]

_u, _v = sp.Symbol("u", real=True), sp.Symbol("v", real=True)

_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}", "_": r"\_", "^": r"\^{}", "&": r"\&", "%": r"\%", "#": r"\#",
    "$": r"\$", "{": r"\{", "}": r"\}", "~": r"\~{}",
}


def _text(s):
    """Escape plain text for use inside LaTeX."""
    return "".join(_TEXT_ESCAPES.get(ch, ch) for ch in s)


class _Printer(LatexPrinter):
    """SymPy's LaTeX printer with ntksym's notation (theta for atan2 angles, E for expectations)."""

    def _print_atan2(self, expr):
        y, x_ = expr.args
        return r"\operatorname{atan2}\left(%s,\, %s\right)" % (self._print(y), self._print(x_))

    def _print_Heaviside(self, expr):
        return r"\mathbf{1}\left[%s > 0\right]" % self._print(expr.args[0])


def _print(expr):
    return _Printer({"mul_symbol": None}).doprint(expr)


def latex_activation(act, printer=None):
    """phi(x) = ... for an Activation."""
    return r"\phi(x) = " + (printer or _Printer()).doprint(act.expr)


def latex_expectation(ge, printer=None):
    """E[f(u) g(v)] for a GaussianExpectation."""
    p = printer or _Printer()
    f, g, q1, q2, c = ge.args
    fu, gv = f(_u), g(_v)
    inner = p.doprint(fu * gv)
    sub = r"(u,v)\sim\mathcal{N}\left(0,\, \left[\begin{smallmatrix}%s & %s\\ %s & %s" \
          r"\end{smallmatrix}\right]\right)" % (p.doprint(q1), p.doprint(c), p.doprint(c),
                                              p.doprint(q2))
    return r"\mathbb{E}_{%s}\left[%s\right]" % (sub, inner)


def latex_dual(k, printer=None):
    """The derivation of a DualKernel as an ``align*`` environment."""
    p = printer or _Printer()
    lines = [r"\begin{align*}"]
    lines.append(r"\intertext{Activation $%s$, method: %s.}" % (latex_activation(k.activation, p),
                                                                 _text(k.method)))
    for step in k.steps:
        lines.append(r"\intertext{%s}" % _text(step.text))
        if step.lhs is not None and step.rhs is not None:
            lines.append(r"%s &= %s \\" % (p.doprint(step.lhs), p.doprint(step.rhs)))
    lines.append(r"\intertext{Result:}")
    lines.append(r"k(q_1, q_2, c) &= %s \\" % p.doprint(k.expr))
    if k.ntk_factor is not None:
        lines.append(r"\dot{k}(q_1, q_2, c) = \partial_c k &= %s" % p.doprint(k.ntk_factor))
    for note in k.notes:
        lines.append(r"\\ \intertext{Note: %s}" % _text(note))
    lines.append(r"\end{align*}")
    return "\n".join(lines)


def _layer_names(l):
    return (r"\Sigma^{%d}(x,x)" % l, r"\Sigma^{%d}(x',x')" % l, r"\Sigma^{%d}(x,x')" % l,
            r"\Theta^{%d}(x,x')" % l)


def latex_layer(layer, printer=None):
    """The equations of one layer of the recursion."""
    p = printer or _Printer()
    if layer.prev is not None:
        p = _Printer({"symbol_names": {s: n for s, n in zip(layer.prev,
                                                              _layer_names(layer.index - 1))}})
    l = layer.index
    rows = [r"\Sigma^{%d}(x,x') &= %s" % (l, p.doprint(layer.nngp)),
            r"\Sigma^{%d}(x,x) &= %s" % (l, p.doprint(layer.nngp_xx))]
    if layer.nngp_dot is not None:
        rows.append(r"\dot\Sigma^{%d}(x,x') &= %s" % (l, p.doprint(layer.nngp_dot)))
    if layer.ntk is not None:
        rows.append(r"\Theta^{%d}(x,x') &= %s" % (l, p.doprint(layer.ntk)))
    return " \\\\\n".join(rows)


def latex_network(net, printer=None):
    """The NNGP/NTK recursion of an MLP, layer by layer, as an ``align*`` environment."""
    p = printer or _Printer()
    head = (r"\intertext{Network: depth $L = %d$ (%s activations $%s$), "
            r"$\sigma_w = %s$, $\sigma_b = %s$, %s parameterization%s. With "
            r"$xx = |x|^2/d$, $yy = |x'|^2/d$, $xy = \langle x, x'\rangle/d$:}"
            % (net.depth, net.depth, latex_activation(net.activation, p), p.doprint(net.W_std),
               p.doprint(net.b_std), _text(net.parameterization),
               "" if net.width is None else ", width $%d$" % net.width))
    body = [latex_layer(layer) for layer in net.recursion()]
    return "\n".join([r"\begin{align*}", head, " \\\\\n".join(body), r"\end{align*}"])


def latex(obj, **settings):
    """LaTeX for an ntksym object (Activation, DualKernel, GaussianExpectation) or SymPy expr."""
    from ntksym.symbolic.activations import Activation
    from ntksym.symbolic.dual import DualKernel
    from ntksym.symbolic.gaussian import GaussianExpectation
    from ntksym.network import MLP, Layer

    p = _Printer(settings)
    if isinstance(obj, MLP):
        return latex_network(obj, p)
    if isinstance(obj, Layer):
        return latex_layer(obj, p)
    if isinstance(obj, Activation):
        return latex_activation(obj, p)
    if isinstance(obj, DualKernel):
        return latex_dual(obj, p)
    if isinstance(obj, GaussianExpectation):
        return latex_expectation(obj, p)
    if isinstance(obj, sp.Basic):
        return p.doprint(obj)
    if callable(getattr(obj, "to_latex", None)):  # reports render themselves
        return obj.to_latex()
    raise TypeError(f"nk.latex does not know how to print {type(obj).__name__}")


def latex_document(obj, title=None):
    """A complete LaTeX document (``pdflatex``-ready) presenting ``obj``."""
    body = latex(obj)
    if not body.lstrip().startswith(r"\begin{"):
        body = r"\begin{equation*}" + "\n" + body + "\n" + r"\end{equation*}"
    title = _text(title or "ntksym derivation")
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
