"""Tests for `ntksym/symbolic/gaussian.py`, the public face of the engine in
`ntksym/symbolic/expectation/` (tested module by module in tests/symbolic/expectation/)."""
import importlib

import ntksym as nk
from ntksym.symbolic import expectation, gaussian


def test_public_names_are_the_engine_s():
    assert set(gaussian.__all__) == set(expectation.__all__)
    for name in gaussian.__all__:
        assert getattr(gaussian, name) is getattr(expectation, name), name
    assert nk.GaussianExpectation is gaussian.GaussianExpectation


def test_old_flat_path_still_works():
    old = importlib.import_module("ntksym.gaussian")
    assert old is gaussian
    assert old.derive_expectation is expectation.derive_expectation
