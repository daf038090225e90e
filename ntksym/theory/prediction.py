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

