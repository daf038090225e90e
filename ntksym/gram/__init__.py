"""Gram engines: float64 closed forms (compiled kernels in ``compiled/``), the Mehler series for
activations without a closed form, and the mpmath recursion."""
from ntksym.gram.float64 import HAVE_NUMBA, check_inputs, gram_float64, recognise

__all__ = ["HAVE_NUMBA", "check_inputs", "gram_float64", "recognise"]
