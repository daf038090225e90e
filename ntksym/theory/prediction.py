"""The answer of the rank rules: a rank, the reason behind it, and how it was obtained."""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["RankPrediction"]


@dataclass(frozen=True)
class RankPrediction:
    """A predicted rank and the reason behind it.

    Attributes:
        rank: the exact rank of the infinite-width Gram matrix on the points.
        reason: the argument, in words.
        n: the number of points.
        dimension: the feature-space dimension (polynomial phi), inf otherwise.
        method: ``"exact"`` (rank computed over Q from the exact Gram matrix),
            ``"count"`` (from the feature-space dimension and genericity), ``"theorem"``
            (the positivity theorem) or ``"structure"`` (homogeneity, parity, finite parts).
        null_vector: an exact rational null vector when the Gram matrix is singular and
            it was computed, else None.
    """

    rank: int | None
    reason: str
    n: int
    dimension: float | int | None = None
    method: str = ""
    null_vector: tuple | None = field(default=None, compare=False)

    def __int__(self):
        return int(self.rank)

    def _latex(self, printer=None):
        """The predicted rank and its reason, as a LaTeX paragraph (the SymPy printer hook)."""
        from ntksym.core.printing import text

        if self.rank is None:
            head = r"\textbf{Rank:} unknown on $n = %d$ points" % self.n
        else:
            state = "full rank" if self.rank == self.n else "singular"
            head = r"\textbf{Rank:} $%d$ of $n = %d$ (%s)" % (self.rank, self.n, state)
        if self.method:
            head += ", method: " + text(self.method)
        out = head + ". " + text(self.reason) + "."
        if self.null_vector is not None:
            from ntksym.core.printing import ntk_printer

            p = ntk_printer()
            out += r" Null vector: $\left(%s\right)$." % ", ".join(
                p.doprint(v) for v in self.null_vector)
        return out

    def _repr_latex_(self):
        return self._latex()

