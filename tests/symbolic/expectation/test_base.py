"""Tests for `ntksym/symbolic/expectation/base.py`: the unevaluated expectation and tidy()."""
import sympy as sp

import ntksym as nk
from ntksym.symbolic.expectation.base import SIMPLIFY_MAX_OPS, GaussianExpectation, tidy

Q1, Q2, C = nk.q1, nk.q2, nk.c


def test_gaussian_expectation_is_unevaluated():
    e = GaussianExpectation.of(nk.activation("tanh"), nk.activation("tanh"))
    assert isinstance(e, GaussianExpectation)
    assert e.free_symbols == {Q1, Q2, C}
    assert e.subs(C, 0).args[4] == 0


def test_tidy_collects_on_the_transcendental_parts():
    S = sp.sqrt(Q1 * Q2 - C**2)
    theta = sp.atan2(S, C)
    e = C * theta + Q1 * theta + S * C + S
    out = tidy(e)
    assert sp.expand(out - e) == 0
    assert out.count(theta) == 1 and out.count(S) == 2   # theta (c + q1) + S (c + 1), theta's S


def test_tidy_simplify_keeps_the_shorter_form():
    e = sp.sin(C)**2 + sp.cos(C)**2 + Q1
    assert sp.count_ops(tidy(e)) <= SIMPLIFY_MAX_OPS
    assert tidy(e, simplify=True) == Q1 + 1


def test_tidy_leaves_large_forms_unsimplified():
    """Past SIMPLIFY_MAX_OPS operations simplify is not tried (it could run for minutes)."""
    e = sum((sp.sin(k * C)**2 + sp.cos(k * C)**2) * Q1**k for k in range(1, 25))
    collected = tidy(e)
    assert sp.count_ops(collected) > SIMPLIFY_MAX_OPS
    assert tidy(e, simplify=True) == collected
