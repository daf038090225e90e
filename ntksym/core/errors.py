"""Exceptions raised by ntksym."""


class NtksymError(Exception):
    """Base class of ntksym's own exceptions."""


class ActivationParseError(NtksymError, ValueError):
    """A user string could not be parsed into an activation (unsafe, malformed or unknown)."""


class DivergentMomentsError(NtksymError, ValueError):
    """The activation grows so fast that its Gaussian moments do not exist."""


class NoClosedFormError(NtksymError, NotImplementedError):
    """A closed form was asked for where none is derived (the quantity is evaluated numerically).

    Raised by :meth:`ntksym.DualKernel.closed_form`. (Inside the engine a strategy that does not
    apply declines with None, and the next strategy, or quadrature, takes over.)
    """


class FloatRangeError(NtksymError, ArithmeticError):
    """A float64 kernel left the range of float64: it overflowed to infinity, or underflowed to
    zero (or a subnormal), at a named layer.

    float64 represents magnitudes between about 2.2e-308 and 1.8e308; a Gram matrix whose inputs,
    parameters or depth push a layer's kernel outside that range cannot be computed in float64
    without losing every digit. The mpmath path (``net.gram(X, dps=30)``) handles any magnitude.
    """
