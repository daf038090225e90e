"""Tests of `ntksym/symbolic/parse_limits.py`: the resource limits of the activation parser
(length, nesting, flat chains) and its error messages."""
import pytest
import sympy as sp

from ntksym.core.errors import ActivationParseError
from ntksym.core.symbols import x
from ntksym.symbolic import parse_limits, parsing
from ntksym.symbolic.parse_limits import MAX_DEPTH, MAX_LENGTH, quoted
from ntksym.symbolic.parsing import parse_activation


def test_too_long():
    text = "x" + "+x" * 1000  # 2001 characters
    with pytest.raises(ActivationParseError, match="too long"):
        parse_activation(text)
    assert parse_activation(text[:-2]) == 1000 * x  # 1999 characters: fine


def test_too_deep():
    with pytest.raises(ActivationParseError, match="nested too deeply"):
        parse_activation("-" * 60 + "x")
    with pytest.raises(ActivationParseError, match="nested too deeply"):
        parse_activation("(1 + " * 60 + "x" + ")" * 60)
    with pytest.raises(ActivationParseError, match="nested too deeply"):
        parse_activation("x**(" * 60 + "1" + ")" * 60)
    with pytest.raises(ActivationParseError):  # Python's own parser limit on parentheses
        parse_activation("(" * 300 + "x" + ")" * 300)
    with pytest.raises(ActivationParseError):
        parse_activation("-" * 1999 + "x")


def test_flat_chains_do_not_count_as_nesting():
    poly = " + ".join(f"{k}*x**{k % 5}" for k in range(1, 120))
    got = parse_activation(poly)
    assert got == sum(k * x ** (k % 5) for k in range(1, 120))
    assert parse_activation(" * ".join(["x"] * 60)) == x**60
    assert parse_activation("x" + "/2" * 100) == x / sp.Integer(2) ** 100


def test_message_truncates_long_strings():
    text = "x + " * 100 + "y"
    with pytest.raises(ActivationParseError) as info:
        parse_activation(text)
    assert "found 'x' and 'y'" in str(info.value)
    assert len(str(info.value)) < 300


def test_limits_are_re_exported_by_the_parser():
    for name in parsing.__all__:
        if name.startswith("MAX_"):
            assert getattr(parsing, name) == getattr(parse_limits, name)
    assert MAX_LENGTH == 2000 and MAX_DEPTH == 50


def test_quoted_shortens_and_quotes():
    assert quoted("x + 1") == "'x + 1'"
    long = quoted("y" * 200, 40)
    assert long == repr("y" * 37 + "...") and len(long) == 42
