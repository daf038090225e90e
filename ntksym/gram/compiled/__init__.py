"""numba-compiled kernels of the Gram engines (imported only when numba is installed)."""
