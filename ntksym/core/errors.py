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
