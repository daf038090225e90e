r"""Strategy 5, literature table (method ``"table"``): a closed form attached to the activation.

The form (``Activation.dual_table``, e.g. the GELU dual of :mod:`ntksym.symbolic.registry`) is
taken as printed; like every strategy's result it is re-verified by quadrature each time.
"""
from __future__ import annotations

from ntksym.core.symbols import c, q1, q2
from ntksym.symbolic.expectation.base import Derivation, GaussianExpectation, Step

__all__ = ["derive_table"]


def derive_table(f, g, depth, derive):
    """E[f(u) f(v)] from the literature form attached to f (only when g is f), or None."""
    if f.dual_table is None or f is not g and f != g:
        return None
    expr = f.dual_table(q1, q2, c)
    source = (f.dual_table.__doc__ or "").strip().splitlines()
    text = "Literature closed form" + (f": {' '.join(s.strip() for s in source[:3])}"
                                       if source else "")
    return Derivation(expr, "table", [Step("table", text, GaussianExpectation.of(f, g), expr)])
