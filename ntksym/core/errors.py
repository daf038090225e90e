"""Exceptions raised by ntksym."""


class NtksymError(Exception):
    """Base class of ntksym's own exceptions."""


class ActivationParseError(NtksymError, ValueError):
    """A user string could not be parsed into an activation (unsafe, malformed or unknown)."""


class DivergentMomentsError(NtksymError, ValueError):
    """The activation grows so fast that its Gaussian moments do not exist."""


class NoClosedFormError(NtksymError, NotImplementedError):
    """A derivation strategy does not apply; the next strategy (or quadrature) takes over."""
