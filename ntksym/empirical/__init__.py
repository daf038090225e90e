"""Finite-width numpy networks: forward pass, empirical NTK, Monte Carlo NNGP.

:mod:`~ntksym.empirical.network` holds the network (:class:`EmpiricalNetwork`),
:mod:`~ntksym.empirical.kernels` the empirical kernels, :mod:`~ntksym.empirical.workspace` its
memory settings (``NTK_MEMORY_BUDGET``, ``WORKSPACE_CACHE``).
"""
from ntksym.empirical.checks import DEFAULT_WIDTH
from ntksym.empirical.kernels import (Estimate, empirical_network, empirical_nngp, empirical_ntk)
from ntksym.empirical.network import EmpiricalNetwork

__all__ = ["DEFAULT_WIDTH", "EmpiricalNetwork", "Estimate", "empirical_network", "empirical_nngp",
           "empirical_ntk"]
