"""ntksym: the mathematics of the Neural Tangent Kernel, derived symbolically and verified.

See README.md and docs/ for a tour. The public API is listed in ``__all__``.
"""
from ntksym import _aliases
from ntksym.core.symbols import x, q1, q2, c, rho, xx, yy, xy
from ntksym.core.errors import (NtksymError, ActivationParseError, DivergentMomentsError,
                                NoClosedFormError, FloatRangeError)
from ntksym.symbolic.activations import Activation
from ntksym.symbolic.registry import activation, ACTIVATIONS
from ntksym.symbolic.gaussian import GaussianExpectation
from ntksym.symbolic.dual import DualKernel, dual
from ntksym.io.latex import latex, latex_document
from ntksym.network import MLP, Kernel, Gram, Layer
from ntksym.empirical import empirical_ntk, empirical_nngp, empirical_network, EmpiricalNetwork, Estimate
from ntksym.verify import verify, VerificationReport
from ntksym.theory.polynomial import (is_polynomial, PolynomialCheck, polynomial_certificate,
                         PolynomialCertificate, collocation_test, CollocationResult)
from ntksym.theory.rank import predicted_rank, generic_rank, RankPrediction, null_vector, exact_gram
from ntksym.theory.certify import certify_positive_definite, PositivityCertificate
from ntksym.theory.spectrum import spectrum, Spectrum
from ntksym.empirical.train import train, TrainResult
from ntksym.dynamics import predict, Prediction, convergence, ConvergenceResult, WidthBound

_aliases.install()


def __getattr__(name):
    """``ntksym.quadrature`` and the other old flat module paths, as attributes too."""
    module = _aliases.resolve(f"ntksym.{name}")
    if module is None:
        raise AttributeError(f"module 'ntksym' has no attribute {name!r}")
    return module

__version__ = "0.1.0"

__all__ = [
    "x", "q1", "q2", "c", "rho", "xx", "yy", "xy",
    "NtksymError", "ActivationParseError", "DivergentMomentsError", "NoClosedFormError",
    "FloatRangeError",
    "Activation", "activation", "ACTIVATIONS",
    "GaussianExpectation", "DualKernel", "dual", "latex", "latex_document",
    "MLP", "Kernel", "Gram", "Layer",
    "empirical_ntk", "empirical_nngp", "empirical_network", "EmpiricalNetwork", "Estimate",
    "verify", "VerificationReport",
    "is_polynomial", "PolynomialCheck", "polynomial_certificate", "PolynomialCertificate",
    "collocation_test", "CollocationResult", "predicted_rank", "generic_rank", "RankPrediction",
    "null_vector", "exact_gram", "certify_positive_definite", "PositivityCertificate", "spectrum", "Spectrum",
    "train", "TrainResult", "predict", "Prediction", "convergence", "ConvergenceResult", "WidthBound",
]
