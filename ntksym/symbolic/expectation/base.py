r"""What a derivation is made of, shared by every strategy.

:class:`GaussianExpectation` is the unevaluated E[f(u) g(v)] that derivation steps show on their
left-hand sides, :class:`Step` one justified equation, :class:`Derivation` an accepted result with
its steps, and :func:`tidy` the presentation every strategy gives its closed form.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ntksym.core.printing import ntk_printer
from ntksym.core.symbols import c, q1, q2, x
from ntksym.symbolic.activations import Activation

_U, _V = sp.Symbol("u", real=True), sp.Symbol("v", real=True)

__all__ = ["GaussianExpectation", "Step", "Derivation", "tidy", "SIMPLIFY_MAX_OPS"]

SIMPLIFY_MAX_OPS = 120
"""``tidy(expr, simplify=True)`` hands SymPy's ``simplify`` only closed forms of at most this many
operations (``sympy.count_ops``). Those take well under a second; larger ones can take minutes
and are kept as collected."""


class GaussianExpectation(sp.Function):
    r"""Unevaluated E[f(u) g(v)] for (u, v) ~ N(0, [[q1, c], [c, q2]]).

    Arguments: ``Lambda(x, f)``, ``Lambda(x, g)``, ``q1``, ``q2``, ``c``. It is what
    :attr:`DualKernel.expr` holds when no closed form exists, and what derivation steps show on
    their left-hand sides.
    """

    nargs = 5
    is_commutative = True

    @classmethod
    def eval(cls, f, g, a, b, cc):
        return None

    def _eval_evalf(self, prec):
        return None  # numeric values come from ntksym.quadrature, not from evalf

    @classmethod
    def of(cls, f, g, a=q1, b=q2, cc=c):
        fe = f.expr if isinstance(f, Activation) else f
        ge = g.expr if isinstance(g, Activation) else g
        return cls(sp.Lambda(x, fe), sp.Lambda(x, ge), a, b, cc)

    def _eval_derivative(self, s):
        return None

    def _latex(self, printer=None):
        """``E_{(u,v) ~ N(0, [[q1, c], [c, q2]])}[f(u) g(v)]`` (the SymPy printer hook)."""
        p = ntk_printer(printer)
        f, g, q1, q2, c = self.args
        inner = p.doprint(f(_U) * g(_V))
        sub = (r"(u,v)\sim\mathcal{N}\left(0,\, \left[\begin{smallmatrix}%s & %s\\ %s & %s"
               r"\end{smallmatrix}\right]\right)" % (p.doprint(q1), p.doprint(c), p.doprint(c),
                                                      p.doprint(q2)))
        return r"\mathbb{E}_{%s}\left[%s\right]" % (sub, inner)


@dataclass(frozen=True)
class Step:
    """One step of a derivation: ``lhs = rhs``, justified by ``rule`` and explained by ``text``.

    ``latex`` is the same explanation typeset for LaTeX (text mode with inline ``$...$`` math);
    without it the plain ``text`` is escaped and printed as it is.
    """

    rule: str
    text: str
    lhs: sp.Basic | None = None
    rhs: sp.Basic | None = None
    latex: str | None = None


@dataclass
class Derivation:
    """A derived expectation: the expression, the method that produced it, and its steps."""

    expr: sp.Expr
    method: str
    steps: list = field(default_factory=list)


def tidy(expr, simplify=False):
    """Collect a closed form on its transcendental parts (atan2, sqrt(q1 q2 - c^2), exp).

    With ``simplify=True`` SymPy's ``simplify`` is also tried, on forms of at most
    :data:`SIMPLIFY_MAX_OPS` operations, and the shorter of the two forms is kept.
    """
    if simplify:
        collected = tidy(expr)
        if sp.count_ops(collected) > SIMPLIFY_MAX_OPS:
            return collected
        try:
            simple = tidy(sp.simplify(collected))
        except Exception:  # the assorted errors SymPy's simplify raises on odd forms
            return collected
        return simple if sp.count_ops(simple) < sp.count_ops(collected) else collected
    expr = sp.expand(expr)
    gens = sorted(expr.atoms(sp.atan2, sp.asin, sp.exp, sp.sinh, sp.cosh),
                  key=sp.default_sort_key)
    gens += [sp.sqrt(q1 * q2 - c**2)]
    collected = sp.collect(expr, gens, evaluate=False)
    total = sp.Integer(0)
    for key, coeff in collected.items():
        total += sp.factor(coeff) * key
    total = sp.powsimp(total, combine="exp")
    return total.replace(lambda e: e.is_Pow and e.exp.is_Rational and e.exp.q == 2,
                         lambda e: sp.factor(e.base) ** e.exp)
