r"""The Mercer spectrum of an MLP's NNGP or NTK on the sphere: ``nk.spectrum``.

On the sphere S of radius r in R^d (r = sqrt(d) by default, so that |x|^2/d = 1, the scale of
standardised data) the kernel is a dot-product kernel kappa(t), t = <x, x'>/r^2, and its integral
operator on L^2(S, sigma), sigma the uniform probability measure, has the spherical harmonics of
degree k as eigenfunctions with eigenvalue mu_k and multiplicity N(d, k) (Funk--Hecke; see
:mod:`ntksym.theory.funk_hecke`). This module puts together

* the power series b_k of kappa (:mod:`ntksym.theory.sphere_series`; exact where derivable),
* the eigenvalues: exact for polynomial kernels (a finite sum of exact monomial eigenvalues),
  exact zeros where the parity structure forces them (e.g. odd k >= 3 for the depth-1 ReLU NTK
  without bias, Bietti & Mairal 2019, arXiv:1905.12173), and otherwise Funk--Hecke quadrature in
  the angle at a working precision raised until every nonzero mu_k has 1e-13 relative accuracy
  (for kernels without a closed form, tanh and the like, the kernel values are float64
  quadratures and the errors include 1e-14 kappa(1)),
* the fitted decay mu_k ~ k^p (Geifman et al. 2020, arXiv:2007.01580; Chen & Xu 2021,
  arXiv:2009.10683: deep ReLU NTKs decay like the Laplace kernel, p = -d),
* the sphere's positivity criterion (Schoenberg 1942; Chen, Menegatto, Sun 2003;
  :mod:`ntksym.theory.sphere_criterion`).

Examples
========

>>> import ntksym as nk
>>> sp_ = nk.spectrum(nk.MLP(depth=1, activation="relu"), d=3, kmax=5)
>>> sp_.exact[3], sp_.exact[5]           # odd k >= 3: exact zeros
(0, 0)
>>> sp_.strictly_pd
False
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ntksym.core.printing import ntk_printer, repr_latex
from ntksym.core.recursion import input_layer, layer_update
from ntksym.theory.funk_hecke import funk_hecke, series_eigenvalues
from ntksym.theory.harmonics import harmonic_dimension
from ntksym.theory.sphere_criterion import INF, parity_support
from ntksym.theory.sphere_series import exact_number, kernel_series, sphere_scale

__all__ = ["Spectrum", "Decay", "spectrum", "fit_decay", "sphere_kernel_mp",
           "sphere_kernel_float64"]

RTOL = 1e-13
POOR_FIT = 0.25      # rms residual of log mu_k above which a power law is called a poor fit


@dataclass(frozen=True)
class Decay:
    """The fitted power law mu_k ~ C k^p.

    Attributes:
        exponent: p (the slower of the even and odd fits when they differ), or None when fewer
            than three nonzero eigenvalues are available (finitely many nonzero: a polynomial
            kernel).
        k_range: (k_lo, k_hi), the degrees fitted.
        even, odd: (p, k_range, rms residual of log mu) for each parity, or None (all zero or
            too few).
        separate: True when the two parities were fitted separately because they differ (one
            vanishes, or their exponents differ by more than 0.05).
        note: a sentence for humans.
    """

    exponent: float | None
    k_range: tuple | None
    even: tuple | None
    odd: tuple | None
    separate: bool
    note: str

    def __str__(self):
        return self.note


def _fit(ks, mus):
    ks, mus = np.asarray(ks, float), np.asarray(mus, float)
    A = np.vstack([np.log(ks), np.ones_like(ks)]).T
    coef, *_ = np.linalg.lstsq(A, np.log(mus), rcond=None)
    resid = np.log(mus) - A @ coef
    return float(coef[0]), float(np.sqrt(np.mean(resid**2)))


def fit_decay(eigenvalues, k_lo=None, k_hi=None):
    """Fit mu_k ~ C k^p by least squares on log mu_k against log k over [k_lo, k_hi].

    The default range is the upper two thirds of the computed degrees, k >= max(4, kmax // 3)
    (the power law is asymptotic). Zeros are skipped; each parity is fitted separately and the
    two are reported separately when they differ.
    """
    mus = [float(v) for v in eigenvalues]
    kmax = len(mus) - 1
    k_lo = max(4, kmax // 3) if k_lo is None else int(k_lo)
    k_hi = kmax if k_hi is None else int(k_hi)
    fits = {}
    for parity in (0, 1):
        ks = [k for k in range(k_lo, k_hi + 1) if k % 2 == parity and mus[k] > 0]
        if len(ks) >= 3:
            p, r = _fit(ks, [mus[k] for k in ks])
            fits[parity] = (p, (ks[0], ks[-1]), r)
        else:
            fits[parity] = None
    ev, od = fits[0], fits[1]
    if ev is None and od is None:
        return Decay(None, None, None, None, False,
                     f"fewer than three nonzero eigenvalues in k = {k_lo}..{k_hi}: no power law")
    poor = max(f[2] for f in (ev, od) if f is not None) > POOR_FIT
    warn = (f"; a poor power-law fit (rms log residual above {POOR_FIT}): the eigenvalues "
            "decay faster than any power (an analytic kernel)" if poor else "")
    if ev is not None and od is not None and abs(ev[0] - od[0]) <= 0.05:
        ks = [k for k in range(k_lo, k_hi + 1) if mus[k] > 0]
        p, r = _fit(ks, [mus[k] for k in ks])
        return Decay(p, (ks[0], ks[-1]), ev, od, False,
                     f"mu_k ~ k^{p:.3f} fitted on k = {ks[0]}..{ks[-1]} (rms log residual "
                     f"{r:.1e}){warn}")
    parts = []
    for name, f in (("even", ev), ("odd", od)):
        if f is None:
            parts.append(f"{name} k: zero (or too few nonzero)")
        else:
            parts.append(f"{name} k: k^{f[0]:.3f} on {f[1][0]}..{f[1][1]}")
    slow = max((f for f in (ev, od) if f is not None), key=lambda f: f[0])
    return Decay(slow[0], slow[1], ev, od, True,
                 "parities fitted separately: " + "; ".join(parts) + warn)


def sphere_kernel_mp(net, d, kind, s):
    """kappa(cos theta) at a list of mpmath angles: the layer recursion (core.recursion) with
    the dual in mpmath at the current precision plus 15 guard digits (the closed forms lose
    about 2 log10(1/theta) digits near theta = 0)."""
    from ntksym.backends.numeric import lambdify_mpmath
    from ntksym.symbolic.expectation import GaussianExpectation
    standard = net.parameterization == "standard"
    width = net.width if standard else 0
    k = net.dual

    def closed(expr):
        return expr is not None and not expr.has(GaussianExpectation)

    fk = lambdify_mpmath(k.expr) if closed(k.expr) else None
    fdot = (lambdify_mpmath(k.ntk_factor) if kind == "ntk" and closed(k.ntk_factor)
            else None)

    def dual(a, b, c, which):
        fn = fk if which == "nngp" else fdot
        if fn is not None and a > 0 and b > 0:
            return fn(a, b, c)
        return k.mp(a, b, c, dps=mpmath.mp.dps, which=which)

    def f(thetas):
        with mpmath.workdps(mpmath.mp.dps + 15):
            w2 = mpmath.mpf(sp.N(net.W_std**2, mpmath.mp.dps + 10))
            b2 = mpmath.mpf(sp.N(net.b_std**2, mpmath.mp.dps + 10))
            r2 = mpmath.mpf(sp.N(s * d, mpmath.mp.dps + 10))
            qs = []
            q = input_layer(r2, w2, b2, d, False)[0]
            for _ in range(net.depth):
                qs.append(q)
                q = w2 * dual(q, q, q, "nngp") + b2 if w2 != 0 else b2
            out = []
            for th in thetas:
                s12, theta = input_layer(r2 * mpmath.cos(th), w2, b2, d, standard)
                for l in range(net.depth):
                    ql = qs[l]
                    kab = dual(ql, ql, s12, "nngp")
                    kdot = dual(ql, ql, s12, "ntk") if kind == "ntk" else 0
                    s12, theta = layer_update(theta, kab, kdot, w2, b2, standard, width)
                out.append(theta if kind == "ntk" else s12)
        return out

    return f


def sphere_kernel_float64(net, d, kind, s):
    """kappa(cos theta) in float64 (the dual's vectorised evaluation, by quadrature where it has
    no closed form), for kernels without a closed form: mpmath there would integrate at every
    node. Returns (function of a list of angles, value_error) with value_error = 1e-14 kappa(1)
    (the float64 duals are accurate to a few ulps per layer)."""
    w2, b2 = float(net.W_std**2), float(net.b_std**2)
    standard = net.parameterization == "standard"
    width = net.width if standard else 0
    k = net.dual
    r2 = float(s * d)

    def f(thetas):
        th = np.array([float(v) for v in thetas])
        qs = []
        q = input_layer(r2, w2, b2, d, False)[0]
        for _ in range(net.depth):
            qs.append(q)
            q = w2 * float(k(q, q, q)) + b2
        s12, theta = input_layer(r2 * np.cos(th), w2, b2, d, standard)
        for l in range(net.depth):
            qa = np.full_like(th, qs[l])
            kab = np.asarray(k(qa, qa, s12), float)
            kdot = np.asarray(k.ntk(qa, qa, s12), float) if kind == "ntk" else 0
            s12, theta = layer_update(theta, kab, kdot, w2, b2, standard, width)
        out = theta if kind == "ntk" else s12
        return [mpmath.mpf(float(v)) for v in out]

    k11 = f([mpmath.mpf(0)])[0]
    return f, 1e-14 * abs(float(k11))


class Spectrum:
    """The Mercer eigenvalues of a network's kernel on the sphere; see :func:`spectrum`.

    Attributes:
        eigenvalues: numpy float64 array mu_0..mu_kmax (exact zeros are 0.0).
        eigenvalues_mp: the same as mpmath numbers at the working precision.
        errors: estimated absolute errors (0 where exact).
        multiplicities: N(d, k) as Python ints.
        coefficients: b_0..b_kmax of kappa(t) (SymPy numbers when ``series_exact``, else
            floats), or None.
        series_exact: whether the coefficients are exact.
        series_method: how they were obtained (see :mod:`ntksym.theory.sphere_series`).
        exact: list of SymPy mu_k where exact, None elsewhere.
        decay: :class:`Decay`.
        strictly_pd: True, False or None; ``reason`` says why.
        d, kind, kmax, radius, net, dps, nodes: the inputs and the quadrature used.
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self):
        mus = ", ".join(f"{v:.6g}" for v in self.eigenvalues[:4])
        more = ", ..." if len(self.eigenvalues) > 4 else ""
        return (f"Spectrum({self.kind} of {self.net!r} on the sphere in R^{self.d}, "
                f"kmax={self.kmax}: mu = [{mus}{more}], decay {self.decay.exponent and round(self.decay.exponent, 3)}, "
                f"strictly_pd={self.strictly_pd})")

    def __str__(self):
        lines = [f"{self.kind.upper()} spectrum of {self.net!r}",
                 f"sphere of radius {self.radius} in R^{self.d} (uniform probability measure)",
                 f"{'k':>4} {'N(d,k)':>10} {'mu_k':>24} {'b_k':>14}"]
        for k in range(min(self.kmax, 12) + 1):
            b = "" if self.coefficients is None else f"{float(self.coefficients[k]):.6e}"
            ex = " (exact)" if self.exact[k] is not None else ""
            lines.append(f"{k:>4} {self.multiplicities[k]:>10} "
                         f"{self.eigenvalues[k]:>24.16e} {b:>14}{ex}")
        if self.kmax > 12:
            lines.append("  ...")
        lines.append(f"decay: {self.decay.note}")
        lines.append(f"strictly PD: {self.strictly_pd} -- {self.reason}")
        return "\n".join(lines)

    def _latex(self, printer=None):
        """A short table (k, N(d, k), mu_k, b_k) and the decay and positivity verdict."""
        p = ntk_printer(printer)
        rows = []
        for k in range(min(self.kmax, 8) + 1):
            mu = (p.doprint(self.exact[k]) if self.exact[k] is not None
                  else p.doprint(sp.Float(self.eigenvalues[k], 12)))
            b = ("" if self.coefficients is None else
                 p.doprint(self.coefficients[k] if self.series_exact
                           else sp.Float(self.coefficients[k], 12)))
            rows.append(f"{k} & {self.multiplicities[k]} & {mu} & {b} \\\\")
        dec = self.decay
        dec_tex = (r"\mu_k \sim k^{%.3f}" % dec.exponent if dec.exponent is not None
                   else r"\text{no power law}")
        pd = {True: "strictly positive definite", False: "not strictly positive definite",
              None: "undecided"}[self.strictly_pd]
        return "\n".join([
            r"\begin{array}{rrll}",
            r"k & N(%d, k) & \mu_k & b_k \\ \hline" % self.d,
            *rows,
            r"\end{array}",
            r"\quad %s,\ \text{%s}" % (dec_tex, pd)])

    _repr_latex_ = repr_latex


def _closed_form(net, kind):
    from ntksym.symbolic.expectation import GaussianExpectation
    exprs = [net.dual.expr] + ([net.dual.ntk_factor] if kind == "ntk" else [])
    return all(e is not None and not e.has(GaussianExpectation) for e in exprs)


def _check_args(net, d, kind, kmax, radius):
    from ntksym.network import MLP
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an ntksym.MLP, got {type(net).__name__}")
    if net.is_symbolic:
        raise TypeError("spectrum() needs numeric W_std and b_std; substitute values for the "
                        "symbols first (e.g. MLP(..., W_std=1.5))")
    if isinstance(d, bool) or not isinstance(d, numbers.Integral):
        raise TypeError(f"d must be an integer >= 2 (the input dimension), got {d!r}")
    if d < 2:
        raise ValueError(f"d must be >= 2: the sphere S^(d-1) in R^d needs d >= 2, got {d}")
    if kind not in ("ntk", "nngp"):
        raise ValueError(f"kind must be 'ntk' or 'nngp', got {kind!r}")
    if isinstance(kmax, bool) or not isinstance(kmax, numbers.Integral):
        raise TypeError(f"kmax must be a nonnegative integer, got {kmax!r}")
    if kmax < 0:
        raise ValueError(f"kmax must be >= 0 (the largest harmonic degree), got {kmax}")
    if radius is not None:
        if isinstance(radius, bool) or not isinstance(radius, (numbers.Real, sp.Expr)):
            raise TypeError(f"radius must be a positive number or None, got {radius!r}")
        r = exact_number(radius)
        if not (r.is_number and r.is_positive and r.is_finite):
            raise ValueError(f"radius must be positive and finite, got {radius}")
    if kind == "ntk" and net.dual.ntk_degenerate:
        raise ValueError(f"the NTK of {net.activation.name!r} does not exist (phi' has a Dirac "
                         "delta); use kind='nngp'")


def spectrum(net, d, kind="ntk", kmax=50, radius=None, rtol=RTOL):
    """The Mercer eigenvalues of ``net``'s NTK or NNGP on a sphere in R^d.

    Args:
        net: an :class:`~ntksym.MLP` with numeric W_std and b_std.
        d: the input dimension (>= 2); the sphere is S^(d-1) scaled to ``radius``.
        kind: ``"ntk"`` or ``"nngp"``.
        kmax: the largest harmonic degree (>= 0).
        radius: the sphere's radius; None for sqrt(d) (|x|^2/d = 1).
        rtol: the relative accuracy of every nonzero quadrature eigenvalue (default 1e-13).

    Returns:
        :class:`Spectrum`.

    Raises:
        TypeError, ValueError: for invalid arguments, naming the fix.
    """
    _check_args(net, d, kind, kmax, radius)
    d, kmax = int(d), int(kmax)
    s = sphere_scale(d, radius)
    series = kernel_series(net, d, kind, kmax, radius)
    support = parity_support(net, d, kind, series.coefficients if series.method == "polynomial"
                             else None, s)
    exact = [None] * (kmax + 1)
    if series.method == "polynomial":
        exact = series_eigenvalues(series.coefficients, d, kmax)
    else:
        for k in range(kmax + 1):
            last = support.even_last if k % 2 == 0 else support.odd_last
            if last is not None and last != INF and k > last:
                exact[k] = sp.Integer(0)
    if all(v is not None for v in exact):
        mp_vals = [mpmath.mpf(sp.N(v, 40)) if v != 0 else mpmath.mpf(0) for v in exact]
        errors = [0.0] * (kmax + 1)
        dps, nodes = None, None
    else:
        zeros = {k for k, v in enumerate(exact) if v is not None and v == 0}
        if _closed_form(net, kind):
            res = funk_hecke(sphere_kernel_mp(net, d, kind, s), d, kmax, rtol=rtol, zeros=zeros)
        else:
            fn, err = sphere_kernel_float64(net, d, kind, s)
            res = funk_hecke(fn, d, kmax, rtol=rtol, zeros=zeros, dps=20, value_error=err)
        mp_vals = [mpmath.mpf(0) if k in zeros else v for k, v in enumerate(res.values)]
        errors = [0.0 if k in zeros else float(e) for k, e in enumerate(res.errors)]
        dps, nodes = res.dps, res.nodes
        for k, v in enumerate(exact):
            if v is not None and v != 0:
                mp_vals[k] = mpmath.mpf(sp.N(v, 40))
    eig = np.array([float(v) for v in mp_vals])
    decay = fit_decay(eig)
    return Spectrum(net=net, d=d, kind=kind, kmax=kmax,
                    radius=sp.sqrt(d) if radius is None else radius,
                    eigenvalues=eig, eigenvalues_mp=mp_vals, errors=np.array(errors),
                    multiplicities=[harmonic_dimension(d, k) for k in range(kmax + 1)],
                    coefficients=series.coefficients, series_exact=series.exact,
                    series_method=series.method, series_note=series.note, exact=exact,
                    decay=decay, strictly_pd=support.strictly_pd, reason=support.reason,
                    support=support, dps=dps, nodes=nodes)
