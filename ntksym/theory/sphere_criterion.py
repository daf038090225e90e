r"""Which power-series coefficients of an MLP kernel on the sphere are positive, and so whether
the kernel is strictly positive definite on every finite subset of the sphere.

*Criterion* (Schoenberg 1942 for the characterisation of positive definite functions on spheres;
Chen, Menegatto, Sun, "A necessary and sufficient condition for strictly positive definite
functions on spheres", Proc. AMS 131, 2003): for d >= 3, kappa(t) = sum_k b_k t^k with b_k >= 0
is strictly positive definite on every finite subset of S^{d-1} iff infinitely many even and
infinitely many odd b_k are positive. (On the circle, d = 2, that condition is sufficient but not
necessary; Menegatto et al. 2006 give the exact one. :func:`parity_support` reports the condition,
and the reason says so for d = 2.)

The parity support of the coefficients follows from the structure of the network, with every
step an exact statement about nonnegative series:

* Layer 1 is Sigma^1(t) = w^2 s t + b^2, with s = r^2/d.
* If phi is a polynomial, kappa is a polynomial: finitely many b_k are positive.
* Depth 1 without bias: rho = t, so b_k = w^2 alpha_k(q)^2 (NNGP) and, for the NTK,
  b_k = w^2 alpha_k^2 + w^4 s beta_{k-1}^2 = (k + 1) w^2 alpha_k^2 by Stein's identity
  beta_{k-1} = sqrt(k/q) alpha_k (phi absolutely continuous). An even (odd) alpha_k vanishes for
  every large k iff the even (odd) part of phi is a polynomial (a function in L^2(gamma) with
  finitely many Hermite coefficients is a polynomial). This is why depth-1 ReLU without bias is
  not strictly PD: its odd part x/2 is linear (Bietti & Mairal 2019, arXiv:1905.12173).
* If some layer's kernel has Sigma^l(0) > 0 (b != 0 at l = 1; E[phi(sqrt(q_1) z)] != 0 at
  l = 2) and phi is not a polynomial, then Sigma^{l+1}(t) = w^2 sum_j a_j (rho_0 + rho(t) -
  rho_0)^j + b^2 has every coefficient positive (infinitely many a_j > 0, rho_0 > 0 and
  rho(t) - rho_0 has a positive t coefficient), and so have all later layers and the NTK
  (Theta^{l+1} >= Sigma^{l+1} coefficientwise).
* phi odd and b = 0: every layer's kernel is odd in t, so no even b_k is positive.
* phi even and b = 0: every kernel after the first layer is even in t, so no odd b_k is positive
  (the NTK's first-layer term Theta^1 Sigma-dot^2 is odd times odd).

Where none of these decides, the answer is None and the reason says which evidence there is.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ntksym.core.symbols import x as _x

__all__ = ["ParitySupport", "parity_support"]

INF = float("inf")


@dataclass(frozen=True)
class ParitySupport:
    """The largest even and odd k with b_k > 0 (``inf``: infinitely many; -1: none; None:
    undecided), whether kappa is strictly PD on every finite subset of the sphere, and why."""

    even_last: float | int | None
    odd_last: float | int | None
    strictly_pd: bool | None
    reason: str


def _parity_parts(act):
    """(even part, odd part) of phi as SymPy expressions in x."""
    e = act.expr
    m = e.subs(_x, -_x)
    return sp.piecewise_fold((e + m) / 2), sp.piecewise_fold((e - m) / 2)


def _part_degree(expr):
    """(is_polynomial, degree-or-None, reason) of one parity part, decided by is_polynomial."""
    from ntksym.symbolic.activations import Activation
    from ntksym.theory.polynomial import is_polynomial
    expr = sp.simplify(expr)
    if expr == 0:
        return True, -1, "zero"
    chk = is_polynomial(Activation(expr))
    return chk.is_polynomial, chk.degree, chk.reason


def _verdict(even_last, odd_last, why, d):
    finite = [v for v in (even_last, odd_last) if v is not None and v != INF]
    if not finite and (even_last is None or odd_last is None):
        return ParitySupport(even_last, odd_last, None, why)
    ok = not finite
    parts = []
    for name, last in (("even", even_last), ("odd", odd_last)):
        if last is None:
            parts.append(f"{name} b_k undecided")
        elif last == INF:
            parts.append(f"infinitely many {name} b_k > 0")
        elif last < 0:
            parts.append(f"no {name} b_k > 0")
        else:
            parts.append(f"{name} b_k = 0 for k > {last}")
    crit = ("strictly positive definite on every finite subset of the sphere"
            if ok else "not strictly positive definite on some finite subset of the sphere")
    text = f"{why}: {', '.join(parts)}; so (Schoenberg; Chen-Menegatto-Sun 2003) {crit}"
    if d == 2 and not ok:
        text += (" (on the circle, d = 2, the parity condition is only sufficient: "
                 "this verdict is not decided)")
        return ParitySupport(even_last, odd_last, None, text)
    return ParitySupport(even_last, odd_last, ok, text)


def parity_support(net, d, kind="ntk", series=None, s=1):
    """The parity support of kappa's coefficients and the sphere's positivity criterion.

    Args:
        net: an :class:`~ntksym.MLP` with numeric W_std, b_std (ntk parameterization).
        d: the ambient dimension.
        kind: ``"ntk"`` or ``"nngp"``.
        series: an exact coefficient list for polynomial kernels (from
            :func:`ntksym.theory.sphere_series.kernel_series`), used when phi is a polynomial.
        s: r^2/d for the sphere of radius r (1 on the default sphere of radius sqrt(d)).

    Returns:
        :class:`ParitySupport`.
    """
    act = net.activation
    w, b = net.W_std, net.b_std
    if w == 0:
        return _verdict(0 if b != 0 else -1, -1, "W_std = 0 makes the kernel constant", d)
    if not act.is_symbolic:
        return _verdict(None, None, "the activation is a black-box callable: its structure "
                        "(polynomial, parity) cannot be decided symbolically", d)
    if act.polynomial_coeffs is not None:
        if series is None:
            return _verdict(None, None, "phi is a polynomial but no exact series was given", d)
        ev = [k for k, v in enumerate(series) if k % 2 == 0 and v != 0]
        od = [k for k, v in enumerate(series) if k % 2 == 1 and v != 0]
        return _verdict(max(ev, default=-1), max(od, default=-1),
                        "phi is a polynomial, so kappa is the polynomial with the exact "
                        "coefficients b_k", d)
    from ntksym.theory.polynomial import is_polynomial
    chk = is_polynomial(act)
    if chk.is_polynomial is None:
        return _verdict(None, None, f"undecided whether phi is a polynomial ({chk.reason})", d)
    if net.depth == 1 and b == 0:
        if kind == "ntk" and act.has_dirac:
            return _verdict(None, None, "phi' has a Dirac delta: the NTK does not exist", d)
        even, odd = _parity_parts(act)
        (pe, de, re), (po, do, ro) = _part_degree(even), _part_degree(odd)
        if pe is None or po is None:
            return _verdict(None, None, f"undecided whether the parity parts of phi are "
                            f"polynomials ({re}; {ro})", d)
        el = de if pe else INF
        ol = do if po else INF
        what = ("depth 1 without bias: b_k = w^2 alpha_k^2" + (" (k + 1)" if kind == "ntk"
                                                                 else "")
                + f"; the even part of phi is {'a polynomial of degree %s' % de if pe else 'not a polynomial'}"
                + f", the odd part {'a polynomial of degree %s' % do if po else 'not a polynomial'}")
        return _verdict(el, ol, what, d)
    if b != 0:
        return _verdict(INF, INF, "b_std != 0 and phi is not a polynomial: Sigma^1(0) = b^2 > 0, "
                        "so every coefficient of the next layer is positive", d)
    parity = act.parity
    if parity in ("odd", "even"):
        return _verdict(-1 if parity == "odd" else None, -1 if parity == "even" else None,
                        f"phi is {parity} and b_std = 0: every layer's NNGP and NTK is an "
                        f"{parity} function of t (phi' is {'even' if parity == 'odd' else 'odd'}"
                        f"), so no {'even' if parity == 'odd' else 'odd'} b_k is positive", d)
    mean = net.dual.mean
    if mean is None:
        return _numeric_mean(net, d, s)
    from ntksym.core.symbols import q1 as _q1
    m = sp.simplify(mean.subs(_q1, net.W_std**2 * s))      # q_1 = Sigma^1(x, x) = w^2 s
    if m.is_zero is False:
        return _verdict(INF, INF, f"depth {net.depth} >= 2, phi is not a polynomial and "
                        f"E[phi(u)] = {m} != 0 at the first layer's variance: Sigma^2(0) = "
                        "w^2 E[phi]^2 > 0, so every coefficient of the next layer is positive", d)
    return _verdict(None, None, "E[phi(u)] = 0 and phi is neither odd nor even: undecided", d)


def _numeric_mean(net, d, s):
    """Depth >= 2 without bias when E[phi] has no closed form: decide Sigma^2(0) > 0 from a
    float64 quadrature of E[phi(sqrt(q_1) z)] (evidence, and the reason says so)."""
    from ntksym.backends.numeric import activation_function
    from ntksym.backends.quadrature import expect1
    act = net.activation
    q = float(net.W_std**2 * s)
    m = float(expect1(activation_function(act), q, breaks=act.breakpoints))
    scale = float(expect1(lambda u: activation_function(act)(u) ** 2, q,
                          breaks=act.breakpoints)) ** 0.5
    if abs(m) > 1e-8 * max(scale, 1e-300):
        return _verdict(INF, INF, f"depth {net.depth} >= 2, phi is not a polynomial and "
                        f"E[phi(u)] = {m:.6g} by float64 quadrature (numerical evidence: no "
                        "closed form for the mean), far from 0: Sigma^2(0) > 0, so every "
                        "coefficient of the next layer is positive", d)
    return _verdict(None, None, f"E[phi(u)] = {m:.3g} by quadrature, indistinguishable from 0: "
                    "undecided", d)
