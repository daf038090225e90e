"""Symbolic layer: activation parsing and registry, Hermite coefficients, Gaussian expectations, duals."""
