"""Empirical kernels: the NTK and NNGP of finite networks, one seeded network or many."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ntksym.core.inputs import float_point_pair
from ntksym.empirical.activation import activation_functions
from ntksym.empirical.checks import (check_block_size, check_draws, check_net, check_seed,
                                     check_width)
from ntksym.empirical.network import EmpiricalNetwork

__all__ = ["Estimate", "empirical_network", "empirical_ntk", "empirical_nngp", "monte_carlo"]

Estimate = namedtuple("Estimate", ["mean", "stderr", "draws"])
Estimate.__doc__ = """Monte Carlo estimate over ``draws`` independent networks: the mean kernel and
its standard error (the sample standard deviation over sqrt(draws)), both float64 arrays."""


def empirical_network(net, width=None, seed=0, input_dim=None):
    """The finite-width network of ``net``: a seeded numpy MLP with ``.apply(X)`` and ``.params``.

    Args:
        net: an :class:`~ntksym.MLP` with numeric W_std and b_std.
        width: hidden width (default ``net.width`` if set, else 1024).
        seed: nonnegative integer seed of ``numpy.random.default_rng``.
        input_dim: input dimension d; if None the weights are drawn at the first call.

    Returns:
        EmpiricalNetwork

    Examples
    ========

    >>> import numpy as np
    >>> import ntksym as nk
    >>> from ntksym.empirical import empirical_network
    >>> f = empirical_network(nk.MLP(depth=1, activation="erf"), width=8, seed=0, input_dim=2)
    >>> [W.shape for W, b in f.params]
    [(2, 8), (8, 1)]
    >>> f.apply(np.ones((3, 2))).shape
    (3, 1)
    """
    check_net(net)
    return EmpiricalNetwork(net, check_width(width, net), check_seed(seed), input_dim)


def monte_carlo(net, X1, X2, width, draws, seed, which, **options):
    check_net(net)
    width = check_width(width, net)
    seed = check_seed(seed)
    draws = check_draws(draws)
    X1, X2 = float_point_pair(X1, X2)
    activation_functions(net, which == "ntk")  # fail early on step/sign
    if options.get("block_size") is not None:
        check_block_size(options["block_size"])
    if draws == 1:
        return getattr(EmpiricalNetwork(net, width, seed), which)(X1, X2, **options)
    children = np.random.SeedSequence(seed).spawn(draws)
    total = total2 = None
    for child in children:
        f = EmpiricalNetwork(net, width, rng=np.random.default_rng(child))
        K = getattr(f, which)(X1, X2, **options)
        if total is None:
            total, total2 = K.copy(), K * K
        else:
            total += K
            total2 += K * K
        del K
    mean = total / draws
    var = np.maximum(total2 / draws - mean * mean, 0.0) * (draws / (draws - 1))
    return Estimate(mean, np.sqrt(var / draws), draws)


def empirical_ntk(net, X1, X2=None, width=None, seed=0, draws=1, block_size=None):
    """The NTK of a finite-width network with the layout and parameterization of ``net``.

    Exact (float64) for the drawn weights: computed layer by layer, without the Jacobian.

    Args:
        net: an :class:`~ntksym.MLP` with numeric W_std and b_std.
        X1: array of shape (n1, d); X2: array of shape (n2, d) or None (X1 against itself, then
            the result is exactly symmetric).
        width: hidden width (default ``net.width`` if set, else 1024). For the "standard"
            parameterization compare with ``MLP(..., parameterization="standard", width=width)``.
        seed: nonnegative integer seed.
        draws: number of independent networks. With ``draws=1`` (default) the network is
            ``empirical_network(net, width, seed)``; with more, the networks are drawn from the
            children of ``numpy.random.SeedSequence(seed)``.
        block_size: rows per block, or None (automatic); see :meth:`EmpiricalNetwork.ntk`.
            It changes the memory and time, not the result (beyond rounding).

    Returns:
        numpy.ndarray of shape (n1, n2) when ``draws == 1``, else ``Estimate(mean, stderr,
        draws)``.

    Raises:
        TypeError: non-integer width, seed, draws or block_size; a net that is not an MLP.
        ValueError: width < 1, draws < 1, negative seed, block_size < 1, bad or mismatched
            inputs, or an activation whose derivative is a Dirac delta (step, sign).
    """
    return monte_carlo(net, X1, X2, width, draws, seed, "ntk", block_size=block_size)


def empirical_nngp(net, X1, X2=None, width=None, draws=1, seed=0):
    """Monte Carlo estimate of the NNGP from finite-width networks.

    Each network contributes E[f(x) f(x')] over its read-out layer (its hidden layers fixed),
    an unbiased estimate of the width-``width`` NNGP; see :func:`empirical_ntk` for the
    arguments and the seeding.

    Returns:
        numpy.ndarray when ``draws == 1``, else ``Estimate(mean, stderr, draws)``.
    """
    return monte_carlo(net, X1, X2, width, draws, seed, "nngp")
