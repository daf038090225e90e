"""Numeric backends: the SymPy -> numpy/mpmath bridge, quadrature, interval arithmetic."""
