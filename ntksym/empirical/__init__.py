"""Finite-width numpy networks: forward pass, empirical NTK, Monte Carlo NNGP."""
from ntksym.empirical.network import (EmpiricalNetwork, Estimate, empirical_network, empirical_nngp,
                                      empirical_ntk)

__all__ = ["EmpiricalNetwork", "Estimate", "empirical_network", "empirical_nngp", "empirical_ntk"]
