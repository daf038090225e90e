"""Symbolic layer: activations as SymPy expressions, and their exact Gaussian expectations.

parsing (the safe grammar of activation strings) and parse_limits (its resource limits) <
activations (the Activation class and what its expression's structure tells) < registry (the named
families and ``activation()``) < hermite (exact Hermite coefficients, Mehler form) < expectation/
(the derivation engine, one module per strategy; ``gaussian`` re-exports it) < dual (DualKernel).
"""
