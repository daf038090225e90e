r"""Funk--Hecke: the Mercer eigenvalues of a dot-product kernel on the sphere, by quadrature.

A kernel K(x, x') = kappa(<x, x'> / r^2) on the sphere S of radius r in R^d (d >= 2) acts on
L^2(S, sigma), sigma the uniform *probability* measure, and every spherical harmonic Y_k of degree
k is an eigenfunction (the Funk--Hecke formula; Müller, *Spherical Harmonics*, LNM 17, 1966):

.. math::

    \int_S \kappa(\langle x, y\rangle / r^2)\, Y_k(y)\, d\sigma(y) = \mu_k Y_k(x), \qquad
    \mu_k = \frac{\omega_{d-2}}{\omega_{d-1}} \int_{-1}^{1} \kappa(t)\, P_k^{(d)}(t)\,
            (1 - t^2)^{(d-3)/2}\, dt,

where omega_{m} = 2 pi^{(m+1)/2} / Gamma((m+1)/2) is the area of the unit sphere S^m (so the
ratio is Gamma(d/2) / (sqrt(pi) Gamma((d-1)/2)), :func:`sphere_ratio`) and P_k^{(d)} is the
Legendre polynomial of dimension d, the Gegenbauer polynomial C_k^{(d-2)/2} normalised to
P_k^{(d)}(1) = 1 (:func:`legendre_d`; Chebyshev's T_k for d = 2, Legendre's P_k for d = 3). The
eigenvalue mu_k has multiplicity N(d, k) (:func:`ntksym.theory.harmonics.harmonic_dimension`), and
kappa(t) = sum_k N(d, k) mu_k P_k^{(d)}(t), so sum_k N(d, k) mu_k = kappa(1).

For kappa(t) = t^j the integral is exact (:func:`monomial_eigenvalue`):

.. math::

    \mu_k[t^j] = \frac{j!}{2^j\, ((j-k)/2)!\, (d/2)_{(j+k)/2}}
    \quad (j \ge k,\ j \equiv k \bmod 2), \qquad 0 \text{ otherwise},

so a power series kappa = sum_j b_j t^j with b_j >= 0 has mu_k = sum_j b_j mu_k[t^j] >= 0
(Schoenberg 1942), and a polynomial kernel has exact eigenvalues (:func:`series_eigenvalues`).

*Quadrature.* ReLU kernels are not smooth at t = +-1 (arc-cosine kernels carry (1 -+ t)^{1/2}
and (1 -+ t)^{3/2} terms), but in the angle t = cos(theta) they are analytic on [0, pi]: the
depth-1 ReLU kernels are polynomials in theta, cos(theta) and sin(theta), and each further layer
composes with arccos of a function 1 - c theta^2 + ..., again analytic in theta >= 0. So

    mu_k = ratio * int_0^pi kappa(cos theta) P_k(cos theta) sin(theta)^(d-2) d theta

is computed by Gauss--Legendre in theta, whose error decays geometrically in the number of
nodes (:func:`funk_hecke`). The sums are formed in mpmath at a working precision chosen so that
the rounding error (bounded by 10^-dps sum_i |w_i f_i P_k(t_i)|) stays below the requested
relative accuracy; the sums run in FLINT's ball arithmetic (arb), whose radii bound the rounding
rigorously, and the quadrature error is estimated by a second, larger rule.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import flint
import mpmath
import sympy as sp


__all__ = ["sphere_ratio", "legendre_d", "monomial_eigenvalue", "series_eigenvalues",
           "FunkHeckeResult", "funk_hecke", "default_nodes"]


def _check_d(d):
    if isinstance(d, bool) or not isinstance(d, int):
        raise TypeError(f"d must be an integer >= 2 (the dimension of the ambient space R^d), "
                        f"got {d!r}")
    if d < 2:
        raise ValueError(f"d must be >= 2 (the sphere S^(d-1) in R^d); got d = {d}")


def sphere_ratio(d):
    """omega_{d-2} / omega_{d-1} = Gamma(d/2) / (sqrt(pi) Gamma((d-1)/2)), exact (SymPy).

    >>> sphere_ratio(3)        # the weight 1/2 of dt on [-1, 1] for S^2
    1/2
    >>> sphere_ratio(2)
    1/pi
    """
    _check_d(d)
    return sp.gamma(sp.Rational(d, 2)) / (sp.sqrt(sp.pi) * sp.gamma(sp.Rational(d - 1, 2)))


@lru_cache(maxsize=256)
def legendre_d(k, d):
    """P_k^{(d)}(t), the Legendre polynomial of dimension d with P_k(1) = 1, as a SymPy Poly in t.

    By the recurrence (k + d - 2) P_{k+1} = (2k + d - 2) t P_k - k P_{k-1}, P_0 = 1, P_1 = t.

    >>> legendre_d(2, 3).as_expr()
    3*t**2/2 - 1/2
    >>> legendre_d(3, 2).as_expr()      # Chebyshev T_3
    4*t**3 - 3*t
    """
    _check_d(d)
    t = sp.Symbol("t")
    p0, p1 = sp.Poly(1, t, domain="QQ"), sp.Poly(t, t, domain="QQ")
    if k == 0:
        return p0
    for n in range(1, k):
        p0, p1 = p1, (p1 * sp.Poly(sp.Rational(2 * n + d - 2, n + d - 2) * t, t)
                      - p0 * sp.Rational(n, n + d - 2))
    return p1


def monomial_eigenvalue(j, k, d):
    """mu_k of the kernel t^j on the sphere in R^d, exact (a SymPy Rational).

    j! / (2^j ((j-k)/2)! (d/2)_{(j+k)/2}) for j >= k with j - k even, else 0.

    >>> monomial_eigenvalue(2, 0, 3), monomial_eigenvalue(2, 2, 3)
    (1/3, 2/15)
    """
    _check_d(d)
    if j < k or (j - k) % 2:
        return sp.Integer(0)
    m = (j - k) // 2
    return sp.factorial(j) / (2**j * sp.factorial(m) * sp.rf(sp.Rational(d, 2), (j + k) // 2))


def series_eigenvalues(coefficients, d, kmax):
    """Exact mu_0..mu_kmax of the polynomial kernel sum_j coefficients[j] t^j (SymPy numbers)."""
    _check_d(d)
    out = []
    for k in range(kmax + 1):
        total = sp.Integer(0)
        for j in range(k, len(coefficients), 2):
            if coefficients[j] != 0:
                total += coefficients[j] * monomial_eigenvalue(j, k, d)
        out.append(sp.nsimplify(total) if total.is_Float else sp.expand(total))
    return out


@dataclass(frozen=True)
class FunkHeckeResult:
    """Eigenvalues by quadrature.

    Attributes:
        values: mu_0..mu_kmax as mpmath numbers (at the working precision).
        errors: an estimate of the absolute error of each: the difference between two rules
            plus the rounding bound.
        nodes: the numbers of nodes of the two rules.
        dps: the working precision (decimal digits) of the final pass.
    """

    values: list
    errors: list
    nodes: tuple
    dps: int


def default_nodes(kmax):
    """Gauss--Legendre nodes in theta for degrees up to kmax (measured: the depth-3 ReLU NTK
    converges to 1e-36 at k = 50 with 120 nodes)."""
    return int(kmax + 64)


@lru_cache(maxsize=32)
def _nodes(n, prec):
    """Gauss--Legendre nodes and weights on [-1, 1] as arb balls (FLINT's certified roots)."""
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        return tuple(flint.arb.legendre_p_root(n, i, weight=True) for i in range(n))
    finally:
        flint.ctx.prec = old


def _to_arb(v, dps):
    if isinstance(v, flint.arb):
        return v
    return flint.arb(mpmath.nstr(mpmath.mpf(v), dps + 5, strip_zeros=False, min_fixed=-1,
                                 max_fixed=1))


def _moments(f_theta, d, kmax, n, dps):
    """(mu_k, rounding radius_k) with an n-node Gauss--Legendre rule in theta on [0, pi].

    The sums run in FLINT's ball arithmetic, so the radius bounds their rounding (the kernel
    values are taken as exact at their working precision, dps + 15 digits); the P_k come from
    the forward recurrence on midpoints, and 4 (k + 1) ulp * sum |f_i| is added for it.
    """
    prec = int(dps * 3.33) + 16
    rule = _nodes(n, prec)
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        half = flint.arb.pi() / 2
        theta = [half * (x + 1) for x, _ in rule]
        with mpmath.workprec(prec + 50):
            th_mp = [mpmath.mpf(th.mid().str(dps + 10, radius=False)) for th in theta]
            vals = f_theta(th_mp)
            vals = [_to_arb(v, dps + 10) for v in vals]
        ratio = (flint.arb(d / 2).gamma()
                 / (flint.arb.pi().sqrt() * (flint.arb(d - 1) / 2).gamma()))
        t = [th.cos() for th in theta]
        f = [half * w * v * th.sin() ** (d - 2) * ratio
             for (_, w), v, th in zip(rule, vals, theta)]
        rows = [[flint.arb(1)] * n]
        if kmax >= 1:
            rows.append(list(t))
        p0, p1 = rows[0], rows[-1]
        for k in range(1, kmax):
            a = flint.arb(2 * k + d - 2) / (k + d - 2)
            b = flint.arb(k) / (k + d - 2)
            # midpoints only: ball arithmetic would overestimate the (forward-stable)
            # recurrence's error exponentially in k; its true error, a few k ulps, is added below
            p0, p1 = p1, [(a * ti * q1 - b * q0).mid() for ti, q1, q0 in zip(t, p1, p0)]
            rows.append(p1)
        mus = flint.arb_mat(rows) * flint.arb_mat([[v] for v in f])
        out = [mus[k, 0] for k in range(kmax + 1)]
        total = sum((abs(v) for v in f), flint.arb(0))
        with mpmath.workprec(prec):
            mids = [mpmath.mpf(m.mid().str(dps + 5, radius=False)) for m in out]
            ulp_sum = mpmath.mpf(total.upper().str(5, radius=False)) * mpmath.mpf(2) ** (-prec)
            rads = [mpmath.mpf(m.rad().str(5, radius=False)) + 4 * (k + 1) * ulp_sum
                    for k, m in enumerate(out)]
    finally:
        flint.ctx.prec = old
    return mids, rads


def _two_rules(f_theta, d, kmax, n, n2, dps, rtol, zeros, max_dps, floor=0):
    """Both rules at a precision raised until the rounding bounds meet ``rtol``."""
    for _ in range(6):
        mu1, r1 = _moments(f_theta, d, kmax, n, dps)
        mu2, r2 = _moments(f_theta, d, kmax, n2, dps)
        need = dps
        for k in range(kmax + 1):
            if k in zeros:
                continue
            mag = abs(mu2[k])
            if mag <= floor:                 # below the error of the kernel values
                continue
            if mag <= 10 * r2[k]:            # indistinguishable from 0 at this precision
                need = max(need, 2 * dps)
            elif r2[k] > rtol * 1e-2 * mag:
                ratio = float(r2[k] / (rtol * 1e-2 * mag))
                need = max(need, dps + int(math.ceil(math.log10(ratio))) + 5)
        if need == dps or need > max_dps:
            break
        dps = need
    return mu1, r1, mu2, r2, dps


def funk_hecke(f_theta, d, kmax, rtol=1e-13, dps=40, n=None, zeros=(), max_dps=400,
               max_doublings=2, value_error=0):
    """mu_0..mu_kmax of kappa on the sphere in R^d, by Gauss--Legendre in theta.

    Args:
        f_theta: a function of a list of mpmath angles theta in (0, pi) returning the list of
            kappa(cos theta), accurate to the current mpmath precision.
        d: the dimension of the ambient space (>= 2).
        kmax: the largest degree.
        rtol: the relative accuracy wanted for every mu_k not in ``zeros``; the precision is
            raised until the rounding bound meets it.
        dps: the starting working precision (decimal digits).
        n: the number of nodes of the first rule (default :func:`default_nodes`); the second
            rule has n + max(16, n // 4). Where they disagree beyond ``rtol`` the node count
            is doubled, at most ``max_doublings`` times.
        value_error: a bound on the absolute error of the kernel values (0: exact at the
            working precision). Since |P_k| <= 1 and the weight has mass 1, it bounds the error
            it causes in every mu_k; it is added to ``errors``, and eigenvalues below twice it
            are not chased.
        zeros: degrees whose eigenvalue is known to vanish (their rounding is not chased).
            An eigenvalue still within ten times its rounding radius after raising the
            precision (doubling it, up to ``max_dps``, at most five times) is returned as
            computed, with its error.

    Returns:
        :class:`FunkHeckeResult`.

    Raises:
        ArithmeticError: if the two rules disagree beyond ``rtol`` (kappa not smooth in theta).
    """
    _check_d(d)
    n = default_nodes(kmax) if n is None else int(n)
    zeros = set(zeros)
    for attempt in range(max_doublings + 1):
        n2 = n + max(16, n // 4)
        mu1, r1, mu2, r2, dps = _two_rules(f_theta, d, kmax, n, n2, dps, rtol, zeros, max_dps,
                                           2 * value_error)
        errors = [abs(a - b) + ra + rb + value_error for a, b, ra, rb in zip(mu1, mu2, r1, r2)]
        bad = [k for k in range(kmax + 1) if k not in zeros and abs(mu2[k]) > 10 * r2[k]
               and errors[k] > max(rtol * abs(mu2[k]), 3 * value_error)]
        if not bad:
            break
        if attempt == max_doublings:
            k = bad[0]
            raise ArithmeticError(
                f"Funk-Hecke quadrature did not converge at k = {k}: two rules ({n}, {n2} "
                f"nodes at {dps} digits) give {mpmath.nstr(mu1[k], 17)} and "
                f"{mpmath.nstr(mu2[k], 17)}; the kernel may not be smooth in the angle")
        n *= 2
    return FunkHeckeResult(mu2, errors, (n, n2), dps)
