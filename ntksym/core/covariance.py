"""The covariance check, written once: (q1, q2, c) must be the entries of a 2x2 covariance."""
from __future__ import annotations

import numpy as np

__all__ = ["COV_RTOL", "check_covariance"]

#: tolerated relative overshoot of c**2 over q1*q2 (rounding of the caller's arithmetic)
COV_RTOL = 1e-12


def check_covariance(q1, q2, c):
    """Broadcast (q1, q2, c) to float64 arrays and check that [[q1, c], [c, q2]] is a covariance.

    Raises:
        ValueError: entries that are not real numbers, NaN or infinite entries, a negative
            variance, or c**2 > q1*q2 beyond rounding (the first offending entry is named).
    """
    try:
        q1, q2, c = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (q1, q2, c)))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the variances and the covariance must be real numbers or "
                         f"broadcastable arrays: {exc}") from None
    for what, v in (("the first variance", q1), ("the second variance", q2),
                    ("the covariance", c)):
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{what} contains NaN or infinity")
    for what, v in (("the first variance", q1), ("the second variance", q2)):
        if np.any(v < 0):
            raise ValueError(f"{what} must be >= 0, got {float(v.min())!r}")
    bad = c * c > q1 * q2 * (1.0 + COV_RTOL) + 1e-300
    if np.any(bad):
        i = np.flatnonzero(bad.ravel())[0]
        raise ValueError(
            "not a covariance: need c**2 <= q1*q2 (Cauchy-Schwarz), got "
            f"q1={float(q1.ravel()[i])!r}, q2={float(q2.ravel()[i])!r}, c={float(c.ravel()[i])!r}")
    return q1, q2, c
