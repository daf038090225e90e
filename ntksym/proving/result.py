r"""The outcome of a proof: :class:`ProofResult`, :class:`RunSummary`, and how a proof concludes.

A proof is a function that checks one claim and either returns a :class:`ProofResult` or raises
:class:`ClaimFailed`. It concludes with :func:`conclude` (a measured error against a stated
tolerance) or :func:`require` (a condition that must hold, such as an exact identity or an
exact rank), so that a proof cannot pass by accident: an error that is NaN, or above the
tolerance, raises.

Examples
========

>>> from ntksym.proving.result import conclude, ClaimFailed
>>> r = conclude("1 + 1 = 2 in float64", method="float64", error=abs(1.0 + 1.0 - 2.0),
...              tolerance=0.0)
>>> r.passed, r.error
(True, 0.0)
>>> conclude("0.1 + 0.2 = 0.3 in float64", method="float64",
...          error=abs(0.1 + 0.2 - 0.3), tolerance=0.0)
Traceback (most recent call last):
...
ntksym.proving.result.ClaimFailed: 0.1 + 0.2 = 0.3 in float64: error 5.55e-17 > tolerance 0
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from ntksym.core.printing import ntk_printer, text

__all__ = ["ClaimFailed", "ProofResult", "RunSummary", "conclude", "require", "format_number"]


class ClaimFailed(AssertionError):
    """Raised by a proof whose claim does not hold (an error above its tolerance, a condition
    that is false). ``method``, ``error`` and ``tolerance`` are kept when known."""

    def __init__(self, message, *, method=None, error=None, tolerance=None):
        super().__init__(message)
        self.method, self.error, self.tolerance = method, error, tolerance


def format_number(value):
    """A short string for an error or a tolerance: ``exact`` for ``None``, 3 significant digits."""
    if value is None:
        return "exact"
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return str(value)
    value = float(value)
    if value == 0:
        return "0"
    if math.isnan(value):
        return "nan"
    return f"{value:.3g}"


@dataclass(frozen=True)
class ProofResult:
    """One proof's outcome.

    Attributes:
        claim: the claim, in words (a proof module's docstring states it).
        method: how it was checked ("exact (SymPy)", "float64 vs 30-digit mpmath", ...).
        tolerance: the stated tolerance (``None``: an exact check, no tolerance).
        error: the measured error (``None`` for an exact check that holds; 0 if exactly zero).
        passed: whether the claim held.
        time: seconds the proof took (filled in by the runner).
        name: the proof's name (its file's stem; filled in by the runner).
        source: the claim's source in the literature.
        details: what was measured, in a sentence or two.
        message: why it failed (empty when it passed).
        formula: optional SymPy object, the identity that was proved (printed in LaTeX).
    """

    claim: str
    method: str
    tolerance: float | None = None
    error: float | None = None
    passed: bool = True
    time: float = 0.0
    name: str = ""
    source: str = ""
    details: str = ""
    message: str = ""
    formula: object = field(default=None, compare=False, repr=False)

    def with_(self, **changes):
        """A copy with some fields changed."""
        return replace(self, **changes)

    @property
    def status(self):
        return "PASS" if self.passed else "FAIL"

    @property
    def error_text(self):
        """The error for tables: ``exact`` for a passed exact check, ``-`` when not measured."""
        return "-" if self.error is None and not self.passed else format_number(self.error)

    @property
    def tolerance_text(self):
        return ("-" if self.tolerance is None and not self.passed
                else format_number(self.tolerance))

    def as_dict(self):
        """A JSON-ready dict."""
        return {"name": self.name, "claim": self.claim, "source": self.source,
                "method": self.method, "passed": self.passed, "tolerance": self.tolerance,
                "error": self.error, "time": round(self.time, 3), "details": self.details,
                "message": self.message}

    def __str__(self):
        head = f"{self.status}  {self.name + ': ' if self.name else ''}{self.claim}"
        lines = [head, f"  method: {self.method}",
                 f"  error: {self.error_text} (tolerance {self.tolerance_text}), "
                 f"{self.time:.2f} s"]
        if self.source:
            lines.append(f"  source: {self.source}")
        if self.details:
            lines.append(f"  {self.details}")
        if self.message:
            lines.append(f"  failed: {self.message}")
        return "\n".join(lines)

    def _latex(self, printer):
        out = (r"\text{\textbf{%s} (%s): %s. Method: %s; error %s, tolerance %s; %.2f\,s.}"
               % (self.status, text(self.name or "proof"), text(self.claim), text(self.method),
                  text(self.error_text), text(self.tolerance_text), self.time))
        if self.formula is not None:
            out += r"\quad " + ntk_printer(printer).doprint(self.formula)
        return out


@dataclass(frozen=True)
class RunSummary:
    """The results of one run of the runner, in order, and its wall time."""

    results: tuple = field(default_factory=tuple)
    wall_time: float = 0.0

    @property
    def passed(self):
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self):
        return sum(1 for r in self.results if not r.passed)

    @property
    def ok(self):
        return self.failed == 0

    def line(self):
        """The last line of every run: ``N passed, M failed``."""
        return f"{self.passed} passed, {self.failed} failed"

    def as_dict(self):
        return {"passed": self.passed, "failed": self.failed,
                "wall_time": round(self.wall_time, 3),
                "results": [r.as_dict() for r in self.results]}

    def __str__(self):
        lines = [str(r) for r in self.results]
        lines.append(f"{self.line()} in {self.wall_time:.1f} s")
        return "\n".join(lines)

    def _latex(self, printer):
        del printer
        rows = [r"\begin{tabular}{llll}", r"proof & result & error & time \\ \hline"]
        for r in self.results:
            rows.append(r"%s & %s & %s & %.2f\,s \\" % (text(r.name), r.status,
                                                        text(r.error_text), r.time))
        rows.append(r"\end{tabular}")
        return "\n".join(rows) + "\n\n" + text(self.line())


def conclude(claim="", *, method, error, tolerance, details="", source="", formula=None):
    """Return a passing :class:`ProofResult` if ``error <= tolerance``; raise :class:`ClaimFailed`
    otherwise (a NaN error fails). ``tolerance=None`` means an exact check: ``error`` must be 0.
    The claim may be left empty: the runner fills it in from the proof module's docstring."""
    err = float(error)
    tol = 0.0 if tolerance is None else float(tolerance)
    if not err <= tol:                       # also catches NaN
        raise ClaimFailed(f"{claim + ': ' if claim else ''}error {format_number(err)} > "
                          f"tolerance {format_number(tol)}" + (f" ({details})" if details else ""),
                          method=method, error=err, tolerance=tol)
    return ProofResult(claim=claim, method=method, tolerance=tolerance,
                       error=None if tolerance is None else err, details=details, source=source,
                       formula=formula)


def require(condition, message):
    """Raise :class:`ClaimFailed` with ``message`` unless ``condition`` is true."""
    if not condition:
        raise ClaimFailed(message)
