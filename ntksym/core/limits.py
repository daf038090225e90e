"""Limits on the working precision and on the depth, shared by the API and the command line.

Both are sizes of work that a caller controls with one integer, and both can make a call run for
hours or exhaust memory without an error if they are not bounded; every entry point that takes
them checks them here, with the same messages (``MLP``, ``DualKernel.mp``, ``net.gram(...,
dps=)``, the mpmath quadrature and the ``ntksym`` command line).

``MAX_DPS = 1000``. The mpmath paths cost roughly O(dps^1.6) per operation, and the quadrature of a
kernel without a closed form needs O(dps) nodes per dimension on top of that, so a Gram entry at
1000 digits already takes seconds and a kernel value at 10^6 digits does not finish in a day.
1000 decimal digits is far beyond any float64 question (16 digits) and beyond what the
certificates need (30-100 digits): there is no use for more.

``MAX_DEPTH = 100_000``. Every path runs the recursion layer by layer, so the cost is linear in the
depth: 10^5 layers are a few seconds for a float64 Gram of a few hundred points and the diagonal
chains take 8 bytes per layer and point. Deep networks converge to a fixed point of the kernel map
(or leave the float64 range, see :class:`ntksym.core.errors.FloatRangeError`) long before that, so
deeper networks show nothing new; 10^9 layers would take hours and gigabytes.

``MIN_DPS = 5``: fewer digits than float64 would make the high-precision path pointless (and mpmath
needs a few to run its guard digits).
"""
from __future__ import annotations

import numbers

__all__ = ["MIN_DPS", "MAX_DPS", "MAX_DEPTH", "check_dps", "check_depth"]

MIN_DPS = 5
MAX_DPS = 1000
MAX_DEPTH = 100_000


def check_dps(dps, name="dps", minimum=MIN_DPS):
    """``dps`` as an int in [minimum, MAX_DPS] (an integral number; bool, float, str rejected).

    Raises:
        TypeError: not an integer (bools, floats and strings included).
        ValueError: out of range.

    >>> check_dps(30)
    30
    >>> check_dps(10**6)
    Traceback (most recent call last):
    ...
    ValueError: dps must be an integer between 5 and 1000 (decimal digits), got 1000000
    """
    if isinstance(dps, bool) or not isinstance(dps, numbers.Integral):
        raise TypeError(f"{name} must be an integer between {minimum} and {MAX_DPS} (decimal "
                        f"digits), got {dps!r}")
    if not minimum <= int(dps) <= MAX_DPS:
        raise ValueError(f"{name} must be an integer between {minimum} and {MAX_DPS} (decimal "
                         f"digits), got {dps!r}")
    return int(dps)


def check_depth(depth, name="depth"):
    """``depth`` as an int in [1, MAX_DEPTH] (the number of activations of an MLP).

    Raises:
        TypeError: not an integer (bools, floats and strings included).
        ValueError: out of range.

    >>> check_depth(3)
    3
    >>> check_depth(0)
    Traceback (most recent call last):
    ...
    ValueError: depth must be >= 1 (the number of activations), got 0
    """
    if isinstance(depth, bool) or not isinstance(depth, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= 1, got {depth!r}")
    if int(depth) < 1:
        raise ValueError(f"{name} must be >= 1 (the number of activations), got {depth}")
    if int(depth) > MAX_DEPTH:
        raise ValueError(f"{name} must be at most {MAX_DEPTH:,} (ntksym.core.limits.MAX_DEPTH: "
                         f"the recursion runs layer by layer), got {depth:,}")
    return int(depth)
