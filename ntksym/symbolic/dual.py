r"""Dual activations: k(q1, q2, c) = E[phi(u) phi(v)] and its NTK factor E[phi'(u) phi'(v)].

:func:`dual` runs the derivation engine of :mod:`ntksym.symbolic.expectation` and wraps the result in a
:class:`DualKernel`. The NTK factor is obtained from Price's theorem, dk/dc = E[phi' phi'], and is
checked against an independent derivation of the dual of phi' (exactly where SymPy can decide the
difference is zero, otherwise numerically). When no rule applies, the kernel is evaluated by
Mehler's series with a certified tail bound (2-D quadrature where the bound fails),
``method == "numeric"``, and its ``expr`` is an unevaluated
:class:`~ntksym.gaussian.GaussianExpectation`.

Examples
========

>>> import ntksym as nk
>>> k = nk.dual("relu")
>>> k.method
'price'
>>> k.expr
-c*atan2(sqrt(-c**2 + q1*q2), c)/(2*pi) + c/2 + sqrt(-c**2 + q1*q2)/(2*pi)
>>> float(k(1.0, 1.0, 1.0))      # E[relu(u)^2] = q/2
0.5
>>> nk.dual("tanh").method       # no closed form is known: numeric, and it says so
'numeric'
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from ntksym.core.errors import NoClosedFormError
from ntksym.core.layout import align
from ntksym.core.printing import ntk_printer, repr_latex, text
from ntksym.core.symbols import c, q1, q2
from ntksym.symbolic.activations import Activation
from ntksym.symbolic.expectation import (GaussianExpectation, Step, derive_expectation,
                                         derive_mean, tidy)
from ntksym.symbolic.registry import activation

__all__ = ["DualKernel", "dual"]


class DualKernel:
    r"""The dual of an activation, E[phi(u) phi(v)] for (u, v) ~ N(0, [[q1, c], [c, q2]]).

    Attributes:
        activation: the :class:`~ntksym.Activation`.
        expr: SymPy expression in :data:`ntksym.q1`, :data:`ntksym.q2`, :data:`ntksym.c`
            (an unevaluated ``GaussianExpectation`` when ``method == "numeric"``).
        ntk_factor: E[phi'(u) phi'(v)] = dk/dc (Price's theorem), or None if phi' is unknown.
        method: ``"hermite"``, ``"gaussian"``, ``"price"``, ``"table"`` or ``"numeric"``.
        steps: the derivation, a list of :class:`~ntksym.gaussian.Step`.
        ntk_check: how ``ntk_factor`` was confirmed (``"exact"``, ``"quadrature"``, or a
            reason why it could not be).
        ntk_degenerate: True when phi' contains a Dirac delta (step, sign): E[phi' phi'] is then
            infinite on the diagonal c^2 = q1 q2 and ``ntk_factor`` holds its off-diagonal form.
        mean: E[phi(u)] for u ~ N(0, q1) as a SymPy expression, or None.
        notes: human-readable remarks (why a kernel is numeric, degeneracies).
    """

    def __init__(self, act, expr, method, steps, ntk_factor, ntk_check, ntk_degenerate, mean,
                 notes):
        self.activation = act
        self.expr = expr
        self.method = method
        self.steps = steps
        self.ntk_factor = ntk_factor
        self.ntk_check = ntk_check
        self.ntk_degenerate = ntk_degenerate
        self.mean = mean
        self.notes = notes
        self._fn = {}
        self._means = {}

    @property
    def is_closed_form(self):
        """True unless the kernel is evaluated by quadrature."""
        return self.method != "numeric"

    def closed_form(self, which="nngp"):
        """The closed form of E[phi(u) phi(v)] (``which="ntk"``: of E[phi'(u) phi'(v)]).

        Unlike :attr:`expr`, which holds an unevaluated ``GaussianExpectation`` when no rule
        applies, this accessor insists on a closed form.

        Raises:
            NoClosedFormError: when no rule of the engine derives one (the kernel is evaluated
                by quadrature, or phi' is unknown).
            ValueError: when ``which`` is neither ``"nngp"`` nor ``"ntk"``.

        >>> import ntksym as nk
        >>> nk.dual("relu").closed_form("ntk")
        -atan2(sqrt(-c**2 + q1*q2), c)/(2*pi) + 1/2
        >>> nk.dual("tanh").closed_form()
        Traceback (most recent call last):
        ...
        ntksym.core.errors.NoClosedFormError: no closed form is known for E[phi(u) phi(v)] of 'tanh' (it is evaluated by quadrature)
        """
        if which not in ("nngp", "ntk"):
            raise ValueError(f"which must be 'nngp' or 'ntk', got {which!r}")
        expr = self.expr if which == "nngp" else self.ntk_factor
        if expr is None or expr.has(GaussianExpectation):
            what = "E[phi(u) phi(v)]" if which == "nngp" else "E[phi'(u) phi'(v)]"
            how = "it is unknown" if expr is None else "it is evaluated by quadrature"
            raise NoClosedFormError(
                f"no closed form is known for {what} of {self.activation.name!r} ({how})")
        return expr

    # -- float64 ---------------------------------------------------------------------------
    def __call__(self, q1, q2, c):
        """E[phi(u) phi(v)] in float64, vectorised (numpy broadcasting over q1, q2, c)."""
        return self._evaluate("nngp", q1, q2, c)

    def ntk(self, q1, q2, c):
        """E[phi'(u) phi'(v)] in float64, vectorised."""
        if self.ntk_factor is None:
            raise ValueError(f"the NTK factor of {self.activation.name!r} is unknown: "
                             "give the derivative (Activation.from_callable(f, df=...))")
        return self._evaluate("ntk", q1, q2, c)

    def _evaluate(self, which, q1, q2, c):
        from ntksym.backends import numeric
        from ntksym.backends import quadrature

        act = self.activation if which == "nngp" else self.activation.derivative()
        expr = self.expr if which == "nngp" else self.ntk_factor
        if expr.has(GaussianExpectation):  # no closed form: Mehler series, else quadrature
            return self._evaluate_numeric(which, act, q1, q2, c)
        fn = self._function(which)
        if which == "ntk" and self.ntk_degenerate:
            return numeric.evaluate_kernel(fn, q1, q2, c)
        if which not in self._means:
            self._means[which] = self.mean if which == "nngp" else derive_mean(act)
        return numeric.evaluate_kernel(fn, q1, q2, c, act, mean=self._means[which])

    def _evaluate_numeric(self, which, act, q1, q2, c):
        """E[f(u) f(v)] (f = phi or phi') without a closed form: Mehler's series with its
        a-posteriori tail bound (:func:`ntksym.backends.hermite_tables.mehler_dual`, certified
        to 1e-14 of sqrt(E[f(u)^2] E[f(v)^2])), and 2-D quadrature for the entries the bound
        does not certify."""
        import numpy as np

        from ntksym.backends import hermite_tables, numeric, quadrature

        a, b, cc = numeric.check_covariance(q1, q2, c)
        key = ("series", which)
        if key not in self._fn:
            self._fn[key] = hermite_tables.SampledFunction(act)
        f = self._fn[key]
        brk = tuple(act.breakpoints)
        a, b, cc = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, cc)))
        value, ok = hermite_tables.mehler_dual(f, brk, a, b, cc)
        if not np.all(ok):
            phi = numeric.activation_function(act)
            bad = ~ok
            value = np.array(value)
            value[bad] = quadrature.expect2(phi, phi, a[bad], b[bad], cc[bad],
                                            breaks_f=act.breakpoints, breaks_g=act.breakpoints)
        return value if value.shape else value[()]

    def _function(self, which):
        from ntksym.backends import numeric

        if which not in self._fn:
            expr = self.expr if which == "nngp" else self.ntk_factor
            self._fn[which] = numeric.lambdify_numpy(expr)
        return self._fn[which]

    # -- high precision ----------------------------------------------------------------------
    def mp(self, q1, q2, c, dps=30, which="nngp"):
        """E[phi(u) phi(v)] (or, with ``which="ntk"``, E[phi' phi']) as an mpmath number
        correct to about ``dps`` digits. Arguments may be numbers, mpmath numbers or decimal
        strings ("0.1")."""
        import mpmath

        from ntksym.backends import numeric
        from ntksym.backends import quadrature

        from ntksym.core.limits import check_dps

        dps = check_dps(dps)
        if which not in ("nngp", "ntk"):
            raise ValueError(f"which must be 'nngp' or 'ntk', got {which!r}")
        act = self.activation if which == "nngp" else self.activation.derivative()
        expr = self.expr if which == "nngp" else self.ntk_factor
        if expr is None:
            raise ValueError(f"the NTK factor of {self.activation.name!r} is unknown")
        with mpmath.workdps(dps + 10):
            a, b, cc = (mpmath.mpf(v) for v in (q1, q2, c))
            if not all(mpmath.isfinite(v) for v in (a, b, cc)):
                raise ValueError("q1, q2 and c must be finite")
            if a < 0 or b < 0 or cc * cc > a * b * (1 + mpmath.mpf(10) ** (-dps)):
                raise ValueError("need q1, q2 >= 0 and c**2 <= q1*q2")
            closed = not expr.has(GaussianExpectation)
            if closed and a > 0 and b > 0:
                key = ("mp", which)
                if key not in self._fn:
                    self._fn[key] = numeric.lambdify_mpmath(expr)
                bound = mpmath.sqrt(a * b)
                cc = max(-bound, min(bound, cc))
                try:
                    val = self._fn[key](a, b, cc)
                except ZeroDivisionError:  # a Dirac-delta NTK factor on its diagonal
                    return mpmath.inf
            else:
                if which == "ntk" and self.ntk_degenerate:
                    return mpmath.nan
                phi = numeric.activation_function_mp(act)
                val = quadrature.expect2_mp(phi, phi, a, b, cc, breaks_f=act.breakpoints,
                                            breaks_g=act.breakpoints, dps=dps)
            return +val

    # -- presentation ------------------------------------------------------------------------
    def __repr__(self):
        return (f"DualKernel({self.activation.name}, method={self.method!r}, "
                f"expr={self.expr})")

    def _latex(self, printer=None):
        """The derivation as an ``align*`` environment (the SymPy printer hook).

        Expectations under the kernel's own covariance print as E[f(u) g(v)] (the covariance is
        stated once); long lines are broken and named as a paper would (θ, D, ...; see
        :mod:`ntksym.core.layout`)."""
        from ntksym.core.layout import Names, equation_rows, name_quantities

        names = Names()
        compact = {}

        def short(e):
            if e is None:
                return None
            for ge in e.atoms(GaussianExpectation):
                f, g, a, b, cc = ge.args
                if (a, b, cc) == (q1, q2, c) and ge not in compact:
                    compact[ge] = sp.Dummy("E")
            return e.xreplace(compact)

        steps = [(st, short(st.lhs), short(st.rhs)) for st in self.steps]
        expr, factor = short(self.expr), short(self.ntk_factor)
        p0 = ntk_printer(printer)
        u, v = sp.Symbol("u", real=True), sp.Symbol("v", real=True)
        shown = {d: r"\mathbb{E}\left[%s\right]" % p0.doprint(ge.args[0](u) * ge.args[1](v))
                 for ge, d in compact.items()}
        p = ntk_printer(p0, symbol_names={**p0._settings.get("symbol_names", {}), **shown})
        items = [("text", r"Activation $%s$, with $(u, v) \sim \mathcal{N}\bigl(0, "
                          r"\bigl[\begin{smallmatrix} q_1 & c\\ c & q_2\end{smallmatrix}\bigr]"
                          r"\bigr)$. Method: %s." % (p.doprint(self.activation),
                                                     text(self.method)))]
        for step, lhs, rhs in steps:
            items.append(("text", step.latex if step.latex is not None else text(step.text)))
            if lhs is not None and rhs is not None:
                items += [("row", r) for r in equation_rows(p, p.doprint(lhs), rhs, names)]
        items.append(("text", "Result:"))
        (expr, factor), defs = name_quantities(p, [expr, factor], names)
        if defs:
            items[-1] = ("text", "Result, with")
            items += [("row", r) for r in defs]
        items += [("row", r) for r in equation_rows(p, "k(q_1, q_2, c)", expr, names)]
        if factor is not None:
            items += [("row", r) for r in equation_rows(
                p, r"\dot{k}(q_1, q_2, c) = \partial_c k", factor, names)]
        for note in self.notes:
            items.append(("text", "Note: " + _tex_prose(note, p, self.activation)))
        return align(items)

    _repr_latex_ = repr_latex


_PROSE_MATH = [
    ("E[phi'(u) phi'(v)]", r"$\mathbb{E}[\phi'(u)\,\phi'(v)]$"),
    ("E[phi(u) phi(v)]", r"$\mathbb{E}[\phi(u)\,\phi(v)]$"),
    ("c**2 = q1*q2", r"$c^2 = q_1 q_2$"), ("dk/dc", r"$\partial_c k$"),
    ("phi'", r"$\phi'$"), ("phi", r"$\phi$"),
]


def _tex_prose(s, printer=None, act=None):
    """A note or check in words, typeset: the formulas it names in math mode, phi' (from
    ``act``) printed by the printer, the rest escaped."""
    import re

    m = re.match(r"phi' = (.*?) contains (.*)$", s)
    if m and printer is not None and act is not None and act.is_symbolic:
        d = act.derivative().expr
        if str(d) == m.group(1):
            return r"$\phi'(x) = %s$ contains %s" % (printer.doprint(d), _tex_prose(m.group(2)))
    out, i = [], 0
    while i < len(s):
        for plain, tex in _PROSE_MATH:
            if s.startswith(plain, i) and not s[i - 1:i].isalpha():
                out.append(tex)
                i += len(plain)
                break
        else:
            out.append(text(s[i]))
            i += 1
    return "".join(out)


def _provably_zero(e):
    """True when SymPy proves e == 0 (a False answer proves nothing)."""
    e = sp.expand(e)
    if e == 0:
        return True
    for form in (e, e.rewrite(sp.exp) if e.has(sp.sinh, sp.cosh) else None):
        if form is not None and sp.simplify(form) == 0:
            return True
    return False


def _ntk_factor(act, expr, method, notes):
    """E[phi' phi'] = dk/dc, confirmed against an independent derivation."""
    from ntksym.backends.numeric import verify_expectation

    if not act.is_symbolic:
        if act.dfunc is None:
            notes.append("no derivative was given, so the NTK factor is unknown")
            return None, "no derivative", False
        d = act.derivative()
        return GaussianExpectation.of(d, d), "quadrature", False
    d = act.derivative()
    if method == "numeric":
        if d.has_dirac:
            notes.append(f"phi' = {d.expr} contains a Dirac delta and phi has no closed-form "
                         "dual, so the NTK factor is not available")
            return None, "Dirac delta in phi'", True
        return GaussianExpectation.of(d, d), "quadrature", False
    # a literature form is kept as printed; derived forms are collected and simplified
    factor = sp.diff(expr, c) if method == "table" else tidy(sp.diff(expr, c), simplify=True)
    if d.has_dirac:
        notes.append(
            f"phi' = {d.expr} contains a Dirac delta: E[phi'(u) phi'(v)] is infinite on the "
            "diagonal c**2 = q1*q2; ntk_factor is its off-diagonal value dk/dc (Price's theorem)")
        return factor, "Dirac delta in phi': off-diagonal form only", True
    other = derive_expectation(d, d) if method != "table" else None
    if other is not None and _provably_zero(factor - other.expr):
        return factor, "exact", False
    ok, err = verify_expectation(factor, d, d)
    if not ok:
        raise AssertionError(
            f"internal error: dk/dc for {act.name!r} disagrees with quadrature of E[phi' phi'] "
            f"(relative error {err:.2e}); please report this")
    return factor, f"quadrature (max relative error {err:.1e})", False


@lru_cache(maxsize=256)
def _dual_cached(act):
    derivation = derive_expectation(act, act) if act.is_symbolic else None
    notes = []
    if derivation is None:
        expr = GaussianExpectation.of(act, act)
        method = "numeric"
        steps = [Step("numeric", "No rule of the engine applies (no closed form is known): the "
                      "kernel is evaluated numerically. In float64 by Mehler's series "
                      "sum_k alpha_k(q1) alpha_k(q2) rho^k, with Hermite coefficients from a 1-D "
                      "Gauss-Legendre rule and a tail bound that certifies each value (2-D "
                      "quadrature where it does not); with mpmath by 2-D quadrature at any "
                      "precision.", expr, None,
                      latex=r"No rule of the engine applies (no closed form is known): the "
                            r"kernel is evaluated numerically. In float64 by Mehler's series "
                            r"$\sum_k \alpha_k(q_1)\,\alpha_k(q_2)\,\rho^k$, "
                            r"$\rho = c/\sqrt{q_1 q_2}$, with Hermite coefficients from a 1-D "
                            r"Gauss--Legendre rule and a tail bound that certifies each value "
                            r"(2-D quadrature where it does not); with mpmath by 2-D quadrature "
                            r"at any precision.")]
        notes.append("no closed form: evaluated numerically (Mehler series with a certified "
                     "tail bound, else quadrature)")
    else:
        expr, method, steps = derivation.expr, derivation.method, derivation.steps
    ntk_factor, ntk_check, degenerate = _ntk_factor(act, expr, method, notes)
    if method != "numeric" and ntk_factor is not None:
        steps = steps + [Step("ntk", "NTK factor by Price's theorem: E[phi'(u) phi'(v)] = dk/dc "
                              f"(checked: {ntk_check}).", sp.Derivative(
                                  GaussianExpectation.of(act, act), c, evaluate=False),
                              ntk_factor,
                              latex=r"NTK factor by Price's theorem: $\mathbb{E}[\phi'(u)\,"
                                    r"\phi'(v)] = \partial_c k$ (checked: %s)."
                                    % _tex_prose(ntk_check))]
    mean = derive_mean(act) if act.is_symbolic else None
    return DualKernel(act, expr, method, steps, ntk_factor, ntk_check, degenerate, mean, notes)


def dual(act, **params):
    """The dual kernel of an activation.

    Args:
        act: an :class:`~ntksym.Activation`, a registry name, or an expression string.
        **params: registry parameters, e.g. ``nk.dual("leaky_relu", alpha=0.1)``.

    Returns:
        A :class:`DualKernel`.
    """
    act = activation(act, **params) if not isinstance(act, Activation) else act
    return _dual_cached(act)
