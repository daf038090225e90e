"""numba copies of the layer recursion of :mod:`ntksym.core.recursion`, made from the same source.

``numba.njit(inline="always")`` compiles the very functions that the symbolic, float64, mpmath
and interval paths call, so the fused kernels cannot drift from them; inlined into the kernels'
vectorised loops they cost nothing.
"""
from __future__ import annotations

import numba

from ntksym.core import recursion

_OPTS = dict(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")

affine = numba.njit(**_OPTS)(recursion.affine)
ntk_step = numba.njit(**_OPTS)(recursion.ntk_step)
input_layer = numba.njit(**_OPTS)(recursion.input_layer)

__all__ = ["affine", "ntk_step", "input_layer"]
