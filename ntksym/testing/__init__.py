r"""Test helpers shipped with ntksym (like ``gpytorch.test``): the contract mixin and references.

* :mod:`ntksym.testing.contract`: :class:`ActivationContract`, the generic checks of an
  activation's dual kernel that a test class inherits by supplying the activation::

      from ntksym.testing import ActivationContract

      class TestRelu(ActivationContract):
          def create_activation(self):
              return nk.activation("relu")

* :mod:`ntksym.testing.references`: independent references (mpmath and numpy functions built
  from SymPy expressions, Gaussian means by ``mpmath.quad``, Isserlis moments), comparisons with a
  stated tolerance (:func:`assert_close`) and sample covariances (:func:`covariance_points`).
"""
from ntksym.testing.contract import ActivationContract
from ntksym.testing.references import (NEAR_ZERO, assert_close, covariance_points, gauss_mean_mp,
                                       isserlis_moment, mp_covariance, mp_function, np_function,
                                       polynomial_dual, symbolic_equal)

__all__ = [
    "ActivationContract", "NEAR_ZERO", "assert_close", "covariance_points", "mp_function",
    "np_function", "gauss_mean_mp", "mp_covariance", "isserlis_moment", "polynomial_dual",
    "symbolic_equal",
]
