r"""Numeric Gaussian expectations E[f(u)], E[f(u) g(v)] for kinked and smooth activations.

This package is the *numeric* layer of ntksym: it evaluates activations that have no closed-form
dual (tanh, sigmoid, softplus, SiLU, ELU, user callables) and independently checks every symbolic
derivation, so accuracy is the whole point.

Notation: ``(u, v) ~ N(0, [[q1, c], [c, q2]])`` with ``q1, q2 >= 0`` and ``c**2 <= q1*q2``;
``f`` and ``g`` are real functions of one real variable that may have kinks or jumps at finitely
many known *breakpoints* (``0`` is always treated as one) and grow at most polynomially or like
``exp(b|x|)``.

Float64 path: :func:`expect1`, :func:`expect2` (modules :mod:`.rule`, the panels and nodes;
:mod:`.line`, the one-dimensional pass; :mod:`.plane`, the two-dimensional expectation).
mpmath path: :func:`expect1_mp`, :func:`expect2_mp` (module :mod:`.mp`, an independent
high-precision reference). :mod:`.legendre` computes the Gauss--Legendre rules of both,
:mod:`.checks` validates the arguments of both.

Accuracy and cost: for ReLU, leaky ReLU, step, sign, ``|x|``, ``max(0, x)^3``, ELU, tanh, erf,
sin, softplus, SiLU, GELU, ``x^3`` and ``exp`` (where its expectation is representable), with
variances in ``[1e-6, 1e3]``, ``q1 != q2``, ``c = 0``, ``c = +-sqrt(q1 q2)`` and
``|rho| = 1 - 1e-12``, the measured relative error against closed forms and the mpmath path is
below ``4e-15`` (``2e-14`` for sin at ``q = 10``, where cancellation makes the value 100 times
smaller than its scale), and the absolute error is below ``1e-15 * sqrt(E[f(u)^2] E[g(v)^2])``
where the value is ~0. Odd pairs at small ``|rho|`` (``sign``: ``E = (2/pi) asin(rho)``) are
the exception that remains: their value is ~``rho`` times their scale, and the absolute error,
about ``3e-17`` times the scale (rounding of the Gaussian weights in the panels next to a kink,
which cancels only on average), gives a relative error below ``4e-15`` for ``|rho| >= 0.01``
and below ``2e-14`` for ``|rho| >= 0.0016`` (where ``|E| >= 1e-3``); ``erf(bx)``, ``exp(-a x^2)``, ``sin(bx)`` with ``b`` up to 10 and ``a``
up to 64 are as accurate. The cost grows like ``max(1, q)`` in two dimensions (oscillation must
be resolved); 1000 ReLU triples with ``q ~ 1`` take about 0.3 s of CPU time (tanh about 0.7 s,
most of it in ``np.tanh``).
"""
from ntksym.backends.quadrature.legendre import gauss_legendre
from ntksym.backends.quadrature.line import expect1
from ntksym.backends.quadrature.mp import expect1_mp, expect2_mp
from ntksym.backends.quadrature.plane import expect2

__all__ = ["expect1", "expect2", "expect1_mp", "expect2_mp", "gauss_legendre"]
