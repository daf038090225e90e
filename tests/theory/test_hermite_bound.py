"""The Hermite / Schur / Gershgorin bound (ntksym.theory.hermite_bound); its certificates are
tested end to end in test_certify.py."""
from fractions import Fraction as F

import numpy as np

from ntksym.theory.hermite_bound import gershgorin_sums


def test_gershgorin_sums_are_upper_bounds():
    rng = np.random.default_rng(3)
    rho = rng.uniform(0, 0.9, (7, 7))
    rho = (rho + rho.T) / 2
    np.fill_diagonal(rho, 0)
    sums = gershgorin_sums(rho, 12)
    for r, s in enumerate(sums, 1):
        exact = max(sum(F(float(v)) ** r for v in row) for row in rho)
        assert F(s) >= exact and s <= float(exact) * (1 + 1e-12)


def test_gershgorin_sums_stop_after_the_first_admissible_r():
    rho = np.full((3, 3), 0.5)
    np.fill_diagonal(rho, 0)
    sums = gershgorin_sums(rho, 100)
    # sum_j 0.5^r over 2 others: 1 at r = 1, < 1 from r = 2, then 4 more (max(4, r0 // 2))
    assert len(sums) == 6 and sums[0] >= 1.0 and sums[1] < 1.0
