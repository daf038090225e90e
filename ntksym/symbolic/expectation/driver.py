r"""The derivation engine: the strategies in order, verification, and the split by linearity.

:func:`derive_expectation` runs :data:`STRATEGIES` in order on a pair (f, g). Each strategy
``(f, g, depth, derive) -> Derivation | None`` either proposes a closed form or declines;
``derive`` is :func:`derive_expectation` itself (Price's theorem derives E[f' g'] with it). A
proposal is accepted only after it agrees with 2-D quadrature; a rejected one is logged (logger
``ntksym.symbolic.expectation.driver``, level INFO) and the next strategy runs. If f or g is a sum
and no strategy handles the whole pair, the pair is split by linearity.
"""
from __future__ import annotations

import logging

import sympy as sp

from ntksym.backends.numeric import verify_expectation
from ntksym.core.symbols import x
from ntksym.symbolic.activations import Activation
from ntksym.symbolic.expectation.base import Derivation, GaussianExpectation, Step, tidy
from ntksym.symbolic.expectation.orthant import derive_orthant
from ntksym.symbolic.expectation.price import derive_price
from ntksym.symbolic.expectation.square import derive_square
from ntksym.symbolic.expectation.table import derive_table
from ntksym.symbolic.expectation.wick import derive_wick

__all__ = ["METHODS", "STRATEGIES", "derive_expectation", "additive_parts"]

METHODS = ("hermite", "gaussian", "price", "table", "numeric")
"""Every value of ``DualKernel.method``, from the most to the least elementary."""

STRATEGIES = (derive_wick, derive_orthant, derive_square, derive_price, derive_table)
"""The strategies, in the order they are tried."""

_RANK = {m: i for i, m in enumerate(METHODS)}

logger = logging.getLogger(__name__)


def additive_parts(act):
    """Split phi into additive parts: all polynomial terms together, every other term alone."""
    if not act.is_symbolic or not act.expr.is_Add:
        return [act]
    poly, others = sp.Integer(0), []
    for term in act.expr.args:
        if term.is_polynomial(x):
            poly += term
        else:
            others.append(term)
    parts = [poly] if poly != 0 else []
    parts += others
    if len(parts) < 2:
        return [act]
    return [Activation(p, checked=True) for p in parts]


def derive_expectation(f, g, depth=0):
    """E[f(u) g(v)] by the first strategy that applies and passes verification, else None.

    Args:
        f, g: :class:`~ntksym.Activation` objects.
        depth: recursion depth of Price's theorem (internal).

    Returns:
        A :class:`~ntksym.symbolic.expectation.base.Derivation`, or None when no rule applies
        (the caller then uses quadrature).
    """
    if not (f.is_symbolic and g.is_symbolic):
        return None
    for strategy in STRATEGIES:
        result = strategy(f, g, depth, derive_expectation)
        if result is None:
            continue
        ok, err = verify_expectation(result.expr, f, g)
        if ok:
            result.steps.append(Step("verify", f"Checked against 2-D quadrature at 8 points "
                                     f"(max relative error {err:.1e}).", None, None))
            return result
        logger.info("strategy %s rejected: its E[f(u) g(v)] for f = %s, g = %s disagrees with "
                    "quadrature (max relative error %.1e)", strategy.__name__, f.expr, g.expr, err)
    fparts, gparts = additive_parts(f), additive_parts(g)
    if len(fparts) == 1 and len(gparts) == 1:
        return None
    total, steps, method = sp.Integer(0), [], "hermite"
    steps.append(Step("linearity", "Expand by linearity into pairs of simpler terms.",
                      GaussianExpectation.of(f, g),
                      sp.Add(*[GaussianExpectation.of(a, b) for a in fparts for b in gparts])))
    for a in fparts:
        for b in gparts:
            part = derive_expectation(a, b, depth)
            if part is None:
                return None
            total += part.expr
            steps.extend(part.steps)
            method = max(method, part.method, key=_RANK.get)
    expr = tidy(total)
    steps.append(Step("result", "Sum of the terms.", GaussianExpectation.of(f, g), expr))
    return Derivation(expr, method, steps)
