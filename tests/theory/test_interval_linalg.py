"""Interval Cholesky (ntksym.theory.interval_linalg)."""
import mpmath

from ntksym.theory.interval_linalg import interval_cholesky_min


def test_interval_cholesky_on_known_matrices():
    iv = mpmath.iv
    A = [[iv.mpf(2), iv.mpf(1)], [iv.mpf(1), iv.mpf(2)]]          # eigenvalues 1, 3
    assert interval_cholesky_min(A) is not None
    B = [[iv.mpf(1), iv.mpf(1)], [iv.mpf(1), iv.mpf(1)]]          # singular
    assert interval_cholesky_min(B) is None
    C = [[iv.mpf(1), iv.mpf(2)], [iv.mpf(2), iv.mpf(1)]]          # indefinite
    assert interval_cholesky_min(C) is None


def test_interval_cholesky_returns_the_smallest_pivot():
    iv = mpmath.iv
    A = [[iv.mpf(4), iv.mpf(2)], [iv.mpf(2), iv.mpf(5)]]          # pivots 4 and 5 - 1 = 4
    assert interval_cholesky_min(A) == 4
    W = [[iv.mpf([3.9, 4.1]), iv.mpf(0)], [iv.mpf(0), iv.mpf([-0.1, 1])]]   # not provably > 0
    assert interval_cholesky_min(W) is None
