"""The result type of the rank rules (ntksym.theory.prediction)."""
import ntksym as nk
from ntksym.theory.prediction import RankPrediction


def test_rank_prediction():
    p = RankPrediction(3, "why", 4, 10, "count", (1, -1, 0, 0))
    assert int(p) == 3 and p == RankPrediction(3, "why", 4, 10, "count")
    assert nk.RankPrediction is RankPrediction
