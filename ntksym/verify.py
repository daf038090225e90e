r"""Cross-check the three ways of knowing a kernel: closed form, quadrature, finite networks.

:func:`verify` computes the NNGP and NTK Gram matrices of a network on given points

1. from the closed form, in float64 (``net.gram``) and in high precision (``net.gram(dps=...)``,
   the reference, when the dual has a closed form);
2. by quadrature: the layer recursion run with two-dimensional Gauss-Legendre quadrature of
   E[phi phi] and E[phi' phi'] (:func:`ntksym.quadrature.expect2`), using no closed form;
3. from finite networks of several widths (:mod:`ntksym.empirical`), ``draws`` networks each,

and returns a :class:`VerificationReport`: the relative errors (Frobenius norm) against the
reference, the rate p at which the empirical error falls, fitted as log err = a + p log width over
all networks, with its 95% confidence interval (the theory says p = -1/2), and a verdict: the
rate passes when -1/2 lies within 0.1 of that interval and the interval lies below 0.

Examples
========

>>> import numpy as np
>>> import ntksym as nk
>>> from ntksym.verify import verify
>>> X = np.random.default_rng(0).standard_normal((4, 3))
>>> report = verify(nk.MLP(depth=1, activation="erf"), X, widths=(64, 256, 1024), draws=3)
>>> report.passed
True
"""
from __future__ import annotations

import math
import numbers
from collections import namedtuple

import numpy as np

from ntksym.core.inputs import float_points
from ntksym.core.recursion import affine, input_layer, layer_update
from ntksym.empirical.checks import check_draws, check_net, check_seed, check_width

__all__ = ["verify", "VerificationReport", "Row", "Rate", "Check"]

EXPECTED_RATE = -0.5

Row = namedtuple("Row", ["kind", "method", "width", "draws", "error", "stderr"])
Row.__doc__ = """One line of the error table: ``kind`` ("nngp" or "ntk"), ``method``, the width
(None for the infinite-width methods), the number of networks, the relative error against the
reference (the mean over the networks) and its standard error (None for one value)."""

Rate = namedtuple("Rate", ["kind", "slope", "low", "high", "expected"])
Rate.__doc__ = """Fitted exponent p of err ~ width^p with its 95% confidence interval."""

Check = namedtuple("Check", ["name", "passed", "detail"])
Check.__doc__ = """One verdict item: ``passed`` is True, False, or None (inconclusive)."""


def _rel(a, ref):
    den = np.linalg.norm(ref)
    return float(np.linalg.norm(a - ref) / den) if den > 0 else float(np.linalg.norm(a - ref))


def _mp_to_float(M):
    return np.array(M.tolist(), dtype=float)


def quadrature_gram(net, X, width=None):
    """Gram(nngp, ntk) of ``net`` on the rows of X by the layer recursion with 2-D quadrature.

    Independent of every closed form: E[phi(u) phi(v)] and E[phi'(u) phi'(v)] are computed by
    :func:`ntksym.quadrature.expect2` from phi and phi' as numpy functions. The NTK is None when
    phi' contains a Dirac delta. ``width`` (default ``net.width``) is the hidden width of the
    "standard" parameterization.
    """
    from ntksym.network import Gram
    from ntksym.backends.numeric import activation_function
    from ntksym.backends.quadrature import expect2

    check_net(net)
    X = float_points(X)
    act = net.activation
    phi, bp = activation_function(act), act.breakpoints
    dphi = dbp = None
    if not (act.has_dirac or (act.is_symbolic and act.derivative().has_dirac)):
        dact = act.derivative()
        dphi, dbp = activation_function(dact), dact.breakpoints
    w2, b2 = float(net.W_std) ** 2, float(net.b_std) ** 2
    standard = net.parameterization == "standard"
    width = net.width if width is None else width
    d = X.shape[1]
    S, T = input_layer(X @ X.T, w2, b2, d, standard)
    T = np.array(T, dtype=float)
    iu = np.triu_indices(len(X))
    for _ in range(net.depth):
        q = np.diag(S).copy()
        q1, q2, c = q[iu[0]], q[iu[1]], S[iu]
        E = _sym(expect2(phi, phi, q1, q2, c, breaks_f=bp, breaks_g=bp), iu, len(X))
        if dphi is None:
            S = affine(E, w2, b2)
            continue
        Ed = _sym(expect2(dphi, dphi, q1, q2, c, breaks_f=dbp, breaks_g=dbp), iu, len(X))
        S, T = layer_update(T, E, Ed, w2, b2, standard, width)
    return Gram(S, T if dphi is not None else None)


def _sym(values, iu, n):
    M = np.empty((n, n))
    M[iu] = values
    M[(iu[1], iu[0])] = values
    return M


def _fit_rate(kind, widths, errors):
    """OLS of log err on log width over all networks; slope and its 95% t-interval."""
    from scipy import stats

    x = np.log(np.asarray(widths, dtype=float))
    y = np.log(np.maximum(np.asarray(errors, dtype=float), 1e-300))
    n = len(x)
    sxx = float(np.sum((x - x.mean()) ** 2))
    slope = float(np.sum((x - x.mean()) * (y - y.mean())) / sxx)
    if n <= 2:
        return Rate(kind, slope, -math.inf, math.inf, EXPECTED_RATE)
    resid = y - y.mean() - slope * (x - x.mean())
    se = math.sqrt(float(np.sum(resid ** 2)) / (n - 2) / sxx)
    half = float(stats.t.ppf(0.975, n - 2)) * se
    return Rate(kind, slope, slope - half, slope + half, EXPECTED_RATE)


def _check_widths(widths):
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__"):
        raise TypeError(f"widths must be a sequence of positive integers, e.g. "
                        f"widths=(256, 1024, 4096), got {widths!r}")
    widths = tuple(check_width(w) for w in widths)
    if len(set(widths)) < 2:
        raise ValueError(f"widths needs at least two different widths to fit a rate, got "
                         f"{widths}; e.g. widths=(256, 1024, 4096)")
    return widths


def verify(net, X, widths=(256, 1024, 4096), draws=8, seed=0, dps=30, tol_closed=1e-10,
           tol_quadrature=1e-8):
    """Compare closed form (float64, mpmath), quadrature and finite-width empirical kernels.

    Args:
        net: an :class:`~ntksym.MLP` with numeric W_std and b_std.
        X: array of shape (n, d), the points (keep n small: the quadrature is O(n^2 L)).
        widths: hidden widths of the finite networks (at least two different ones).
        draws: networks per width (>= 1; the rate is fitted over all networks).
        seed: nonnegative integer; width number i uses ``seed + i``.
        dps: digits of the high-precision reference (used when the dual has a closed form;
            otherwise the float64 quadrature of ``net.gram`` is the reference).
        tol_closed, tol_quadrature: relative errors allowed for float64 closed form and
            quadrature against the reference.

    Returns:
        VerificationReport

    Raises:
        TypeError, ValueError: for bad arguments, with the problem and the fix.
    """
    from ntksym.network import MLP

    check_net(net)
    X = float_points(X)
    widths = _check_widths(widths)
    draws = check_draws(draws)
    seed = check_seed(seed)
    if isinstance(dps, bool) or not isinstance(dps, numbers.Integral) or dps < 16:
        raise ValueError(f"dps must be an integer >= 16 (digits of the reference), got {dps!r}")

    k = net.dual
    closed = k.is_closed_form
    ntk_ok = not k.ntk_degenerate and k.ntk_factor is not None
    kinds = ("nngp", "ntk") if ntk_ok else ("nngp",)
    rows, checks, notes = [], [], []

    g64 = net.gram(X)
    gmp = None
    if closed:
        try:
            gmp = net.gram(X, dps=dps)
        except (ZeroDivisionError, ValueError) as exc:  # e.g. a degenerate NTK factor
            notes.append(f"the high-precision closed form failed ({type(exc).__name__}: "
                         f"{exc}); the reference is the float64 closed form")
    if gmp is not None:
        ref = {kind: _mp_to_float(getattr(gmp, kind)) for kind in kinds}
        ref_name = f"closed form, mpmath {dps} digits"
    elif closed:
        ref = {kind: getattr(g64, kind) for kind in kinds}
        ref_name = "float64 closed form"
    else:
        ref = {kind: getattr(g64, kind) for kind in kinds}
        ref_name = "float64 quadrature (no closed form)"
        notes.append(f"{net.activation.name!r} has no closed-form dual: the reference is "
                     "net.gram's float64 quadrature; the high-precision row is skipped")
    if not ntk_ok:
        notes.append(f"the NTK of {net.activation.name!r} is not finite (phi' has a Dirac "
                     "delta): only the NNGP is checked")
    quad = quadrature_gram(net, X)

    for kind in kinds:
        if gmp is not None:
            e = _rel(getattr(g64, kind), ref[kind])
            rows.append(Row(kind, "closed form, float64", None, None, e, None))
            checks.append(Check(f"{kind}: float64 closed form = mpmath", e <= tol_closed,
                                f"relative error {e:.2e} (tolerance {tol_closed:.0e})"))
        e = _rel(getattr(quad, kind), ref[kind])
        rows.append(Row(kind, "quadrature", None, None, e, None))
        checks.append(Check(f"{kind}: quadrature = reference", e <= tol_quadrature,
                            f"relative error {e:.2e} (tolerance {tol_quadrature:.0e})"))

    targets = {}
    errors = {kind: {} for kind in kinds}
    for i, width in enumerate(widths):
        for kind in kinds:
            # in the standard parameterization the NTK itself depends on the width
            if kind == "ntk" and net.parameterization == "standard":
                targets[kind] = MLP(net.depth, net.activation, net.W_std, net.b_std,
                                    "standard", width).gram(X).ntk
            else:
                targets[kind] = ref[kind]
        for kind, errs in _empirical_errors(net, X, kinds, width, draws, seed + i,
                                            targets).items():
            errors[kind][width] = errs
    rates = {}
    for kind in kinds:
        all_w, all_e = [], []
        for width in widths:
            errs = errors[kind][width]
            all_w += [width] * draws
            all_e += errs
            m = float(np.mean(errs))
            se = float(np.std(errs, ddof=1) / math.sqrt(draws)) if draws > 1 else None
            rows.append(Row(kind, "empirical", width, draws, m, se))
        rate = _fit_rate(kind, all_w, all_e)
        rates[kind] = rate
        checks.append(_rate_check(kind, rate, all_w, all_e))

    return VerificationReport(net, X.shape, ref_name, rows, rates, checks, notes)


def _empirical_errors(net, X, kinds, width, draws, seed, targets):
    """{kind: relative errors of ``draws`` networks}; each network gives all kinds.

    The networks are those of ``empirical_ntk(..., draws=draws, seed=seed)``.
    """
    from ntksym.empirical.network import EmpiricalNetwork

    if draws == 1:
        nets = [EmpiricalNetwork(net, width, seed)]
    else:
        nets = (EmpiricalNetwork(net, width, rng=np.random.default_rng(child))
                for child in np.random.SeedSequence(seed).spawn(draws))
    out = {kind: [] for kind in kinds}
    for f in nets:
        for kind in kinds:
            out[kind].append(_rel(getattr(f, kind)(X), targets[kind]))
    return out


RATE_TOLERANCE = 0.1


def _rate_check(kind, rate, widths, errors):
    """PASS when -1/2 lies within RATE_TOLERANCE of the 95% interval and the error falls.

    The tolerance absorbs the O(1/width) bias at small widths (the fitted power law is only
    asymptotically exact); it also keeps the false-alarm rate far below the 5% that a bare 95%
    interval would have. A wrong kernel gives a slope near 0 and fails.
    """
    name = f"{kind}: empirical error ~ width^(-1/2)"
    ci = f"p = {rate.slope:+.3f}, 95% CI [{rate.low:+.3f}, {rate.high:+.3f}]"
    w = np.asarray(widths)
    e = np.asarray(errors)
    falls = float(np.mean(e[w == w.max()])) < float(np.mean(e[w == w.min()]))
    consistent = rate.low - RATE_TOLERANCE <= EXPECTED_RATE <= rate.high + RATE_TOLERANCE
    if consistent and rate.high < 0 and falls:
        return Check(name, True, ci + ": consistent with -1/2")
    if consistent:
        return Check(name, None, ci + ": too wide to show convergence (more draws or widths)")
    return Check(name, False, ci + ": inconsistent with -1/2")


class VerificationReport:
    """The result of :func:`verify`.

    Attributes:
        net: the network; shape: the shape of X.
        reference: what the errors are measured against.
        rows: the error table, a list of :class:`Row`.
        rates: {kind: :class:`Rate`}, the fitted exponent p of err ~ width^p.
        checks: list of :class:`Check`; ``passed`` is True when every check passed.
        verdict: "PASS", "FAIL" or "INCONCLUSIVE", with the failed or inconclusive checks.
        notes: remarks (skipped rows and why).

    ``str(report)`` is a plain-text table; :meth:`to_markdown` and :meth:`to_latex` render it.
    """

    def __init__(self, net, shape, reference, rows, rates, checks, notes):
        self.net = net
        self.shape = tuple(shape)
        self.reference = reference
        self.rows = list(rows)
        self.rates = dict(rates)
        self.checks = list(checks)
        self.notes = list(notes)

    @property
    def passed(self):
        return all(c.passed is True for c in self.checks)

    @property
    def verdict(self):
        failed = [c.name for c in self.checks if c.passed is False]
        unsure = [c.name for c in self.checks if c.passed is None]
        if failed:
            return "FAIL: " + "; ".join(failed)
        if unsure:
            return "INCONCLUSIVE: " + "; ".join(unsure)
        return f"PASS: all {len(self.checks)} checks"

    def __repr__(self):
        return f"<VerificationReport {self.net!r} on {self.shape[0]} points: {self.verdict}>"

    # -- rendering ---------------------------------------------------------------------------
    def _table(self):
        head = ["kernel", "method", "width", "draws", "rel. error", "std. error"]
        body = []
        for r in self.rows:
            body.append([r.kind.upper(), r.method, "inf" if r.width is None else str(r.width),
                         "" if r.draws is None else str(r.draws), f"{r.error:.3e}",
                         "" if r.stderr is None else f"{r.stderr:.1e}"])
        return head, body

    def _rate_lines(self):
        return [f"{k.upper()}: error ~ width^p, p = {r.slope:+.3f}, 95% CI [{r.low:+.3f}, "
                f"{r.high:+.3f}] (expected {r.expected:+.1f})" for k, r in self.rates.items()]

    def __str__(self):
        head, body = self._table()
        cols = list(zip(head, *body))
        wid = [max(len(c) for c in col) for col in cols]
        fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, wid)).rstrip()
        lines = [f"verify {self.net!r}", f"{self.shape[0]} points in d = {self.shape[1]}; "
                 f"reference: {self.reference}", fmt(head), fmt(["-" * w for w in wid])]
        lines += [fmt(r) for r in body]
        lines += self._rate_lines()
        lines += [f"[{_mark(c.passed)}] {c.name}: {c.detail}" for c in self.checks]
        lines += [f"note: {n}" for n in self.notes]
        lines.append(f"verdict: {self.verdict}")
        return "\n".join(lines)

    def to_markdown(self):
        """The report as Markdown (a pipe table, the rates, the checks and the verdict)."""
        head, body = self._table()
        lines = [f"**verify** `{self.net!r}` on {self.shape[0]} points in d = {self.shape[1]}; "
                 f"reference: {self.reference}", "",
                 "| " + " | ".join(head) + " |",
                 "|" + "|".join(["---"] * 2 + ["---:"] * 4) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in body]
        lines.append("")
        lines += [f"- {line}" for line in self._rate_lines()]
        lines += [f"- [{'x' if c.passed else ' '}] {c.name}: {c.detail}" for c in self.checks]
        lines += [f"- note: {n}" for n in self.notes]
        lines += ["", f"**Verdict:** {self.verdict}"]
        return "\n".join(lines)

    _repr_markdown_ = to_markdown

    def _latex(self, printer=None):
        """The report as LaTeX (the SymPy printer hook): the checks as a list, then the
        error table (:meth:`to_latex`)."""
        esc = _latex_escape
        marks = {True: r"\checkmark", False: r"$\times$", None: "?"}
        lines = [r"\textbf{Verification} of %s on %d points in $d = %d$; reference: %s."
                 % (esc(repr(self.net)), self.shape[0], self.shape[1], esc(self.reference)),
                 r"\begin{itemize}"]
        lines += [r"\item[%s] %s: %s" % (marks[c.passed], esc(c.name), esc(c.detail))
                  for c in self.checks]
        lines += [r"\item[] Note: %s" % esc(n) for n in self.notes]
        lines += [r"\end{itemize}", r"\textbf{Verdict:} %s." % esc(self.verdict),
                  self.to_latex()]
        return "\n".join(lines)

    def to_latex(self):
        """The error table as a LaTeX ``table`` (booktabs), with the rates in the caption."""
        head, body = self._table()
        esc = _latex_escape
        rate = "; ".join(f"{k.upper()}: $p = {r.slope:.3f}$, 95\\% CI "
                         f"$[{r.low:.3f}, {r.high:.3f}]$" for k, r in self.rates.items())
        lines = [r"\begin{table}[ht]", r"\centering", r"\begin{tabular}{llrrrr}", r"\toprule",
                 " & ".join(esc(h) for h in head) + r" \\", r"\midrule"]
        for cells in body:
            cells = [c if c != "inf" else r"$\infty$" for c in cells]
            cells[4] = _latex_number(cells[4])
            cells[5] = _latex_number(cells[5])
            lines.append(" & ".join(esc(c) if not c.startswith("$") else c for c in cells)
                         + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}",
                  rf"\caption{{Relative errors of {esc(self.net.activation.name)}, depth "
                  rf"{self.net.depth}, against the {esc(self.reference)}; empirical error "
                  rf"$\propto \mathrm{{width}}^{{p}}$: {rate}. Verdict: "
                  rf"{esc(self.verdict)}.}}", r"\end{table}"]
        return "\n".join(lines)


def _mark(passed):
    return {True: "ok", False: "FAIL", None: "??"}[passed]


def _latex_number(s):
    if not s:
        return s
    mant, _, exp = s.partition("e")
    return f"${mant} \\times 10^{{{int(exp)}}}$" if exp else f"${s}$"


def _latex_escape(s):
    out = []
    for ch in str(s):
        if ch in "&%$#_{}":
            out.append("\\" + ch)
        elif ch == "~":
            out.append(r"\textasciitilde{}")
        elif ch == "^":
            out.append(r"\textasciicircum{}")
        elif ch == "\\":
            out.append(r"\textbackslash{}")
        else:
            out.append(ch)
    return "".join(out)
