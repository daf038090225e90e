"""ntksym: the mathematics of the Neural Tangent Kernel, derived symbolically and verified.

See README.md and docs/ for a tour. The public API is listed in ``__all__``.
"""
from .symbols import x, q1, q2, c, rho, xx, yy, xy
from .errors import NtksymError, ActivationParseError, DivergentMomentsError, NoClosedFormError
from .activations import Activation, activation, ACTIVATIONS
from .gaussian import GaussianExpectation
from .dual import DualKernel, dual
from .latex import latex, latex_document
from .network import MLP, Kernel, Gram, Layer
from .empirical import empirical_ntk, empirical_nngp, empirical_network, EmpiricalNetwork, Estimate
from .verify import verify, VerificationReport
from .polynomial import (is_polynomial, PolynomialCheck, polynomial_certificate,
                         PolynomialCertificate, collocation_test, CollocationResult)
from .rank import predicted_rank, generic_rank, RankPrediction, null_vector, exact_gram
from .certify import certify_positive_definite, PositivityCertificate

__version__ = "0.1.0"

__all__ = [
    "x", "q1", "q2", "c", "rho", "xx", "yy", "xy",
    "NtksymError", "ActivationParseError", "DivergentMomentsError", "NoClosedFormError",
    "Activation", "activation", "ACTIVATIONS",
    "GaussianExpectation", "DualKernel", "dual", "latex", "latex_document",
    "MLP", "Kernel", "Gram", "Layer",
    "empirical_ntk", "empirical_nngp", "empirical_network", "EmpiricalNetwork", "Estimate",
    "verify", "VerificationReport",
    "is_polynomial", "PolynomialCheck", "polynomial_certificate", "PolynomialCertificate",
    "collocation_test", "CollocationResult", "predicted_rank", "generic_rank", "RankPrediction",
    "null_vector", "exact_gram", "certify_positive_definite", "PositivityCertificate",
]
