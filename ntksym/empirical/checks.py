"""Argument checks of the finite-width networks (width, seed, draws, block size, the network)."""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["DEFAULT_WIDTH", "check_net", "check_int", "check_width", "check_seed",
           "check_block_size", "check_draws"]

DEFAULT_WIDTH = 1024


def check_net(net, needs="a finite network needs"):
    """``net`` is an :class:`~ntksym.MLP` with numeric W_std and b_std (``needs`` starts the
    message, e.g. "training predictions need")."""
    from ntksym.network import MLP

    if not isinstance(net, MLP):
        raise TypeError(f"net must be an ntksym MLP (nk.MLP(depth=..., activation=...)), got "
                        f"{type(net).__name__}")
    if net.is_symbolic:
        raise ValueError(f"{needs} numeric W_std and b_std; substitute values for the symbols "
                         f"first (e.g. MLP(..., W_std=1.5))")


def check_int(value, name, minimum, hint):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} "
                        f"({type(value).__name__}); {hint}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}; {hint}")
    return value


def check_width(width, net=None):
    if width is None:
        width = net.width if net is not None and net.width is not None else DEFAULT_WIDTH
    return check_int(width, "width", 1, "give the hidden width as a positive integer, "
                      "e.g. width=1024")


def check_seed(seed):
    return check_int(seed, "seed", 0, "seeds of numpy.random.default_rng are nonnegative "
                      "integers, e.g. seed=0")


def check_block_size(block_size):
    return check_int(block_size, "block_size", 1, "block_size is the number of input rows "
                      "processed together, or None for automatic")


def check_draws(draws):
    return check_int(draws, "draws", 1, "draws is the number of independent networks, "
                      "e.g. draws=8")
