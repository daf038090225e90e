"""Tests for `ntksym/dynamics/claims.py`: each check at its default size (seconds each)."""
import numpy as np
import pytest
import sympy

from ntksym.dynamics import claims


@pytest.mark.slow
def test_guaranteed_convergence():
    r = claims.check_guaranteed_convergence()
    assert r.holds, str(r)
    assert -0.75 <= r["exponent"] <= -0.3 and r["certified"]
    assert np.all(np.diff(r["gaps"]) < 0)
    assert "Guaranteed convergence: holds" in str(r) and "holds" in sympy.latex(r)


def test_loss_floor():
    r = claims.check_loss_floor()
    assert r.holds, str(r)
    assert r["rank"] == 6 < r["n"] == 12
    assert min(r["min_ratio"]) >= 1 - 1e-9 and max(abs(e) for e in r["end_ratio"]) < 1e-6


@pytest.mark.slow
def test_lazy_training():
    r = claims.check_lazy_training()
    assert r.holds, str(r)
    assert -0.75 <= r["weight_exponent"] <= -0.3
    assert -1.25 <= r["kernel_exponent"] <= -0.3
    assert np.all(np.diff(r["kernel_change"]) < 0)


def test_seed_claims():
    r = claims.check_seed_claims()
    assert not r.holds                            # the claim, as stated, is false
    assert r["parts_hold"] == dict(kernel=True, fits_training_points=True,
                                   test_variance_as_predicted=True, test_mean_as_predicted=True)
    lo, hi = r["variance_interval"]
    assert np.all((r["variance_ratio"] >= lo) & (r["variance_ratio"] <= hi))


def test_width_from_ntk():
    r = claims.check_width_from_ntk()
    assert not r.holds
    assert r["adequate_width"] is not None and r["bound"].applies
    assert r["orders_of_magnitude"] > 5


def test_fit_exponent_exact():
    assert abs(claims.fit_exponent([1, 10, 100], [3.0, 3.0 / np.sqrt(10), 0.3]) + 0.5) < 1e-12
