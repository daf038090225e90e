"""Gaussian expectations E[f(u) g(v)]: the public names of :mod:`ntksym.symbolic.expectation`.

This module keeps the path ``ntksym.gaussian`` (and ``ntksym.symbolic.gaussian``) working; the
engine itself, one module per derivation strategy, is the package
:mod:`ntksym.symbolic.expectation`.
"""
from ntksym.symbolic.expectation import (METHODS, STRATEGIES, Derivation, GaussianExpectation,
                                         Step, derive_expectation, derive_mean, orthant_moment,
                                         tidy, wick_moment)

__all__ = ["GaussianExpectation", "Step", "Derivation", "derive_expectation", "derive_mean",
           "orthant_moment", "wick_moment", "METHODS", "STRATEGIES", "tidy"]
