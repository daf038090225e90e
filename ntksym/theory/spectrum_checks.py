r"""Three claims about spectra on the sphere, as functions that measure them.

Each returns a dataclass with the measured numbers and ``passed``; the proofs runner wraps them.

* :func:`bietti_mairal_check` -- Bietti & Mairal 2019 (arXiv:1905.12173, Prop. 5): the depth-1
  ReLU NTK without bias has mu_k = 0 for odd k >= 3 and mu_k ~ k^{-d} for even k. The zeros are
  shown two ways: exactly (the parity structure of the series, :mod:`.sphere_criterion`) and
  numerically (Funk--Hecke quadrature with the zeros *not* assumed, measured against mu_0).
* :func:`laplace_decay_comparison` -- Geifman et al. 2020 (arXiv:2007.01580) and Chen & Xu 2021
  (arXiv:2009.10683): deep ReLU NTKs and the Laplace kernel exp(-|x - x'|/r) have eigenvalues
  decaying at the same rate, k^{-d}. Both are fitted on the same degrees.
* :func:`sphere_criterion_vs_rank` -- the sphere's positivity criterion (infinitely many even and
  odd positive b_k) against :func:`ntksym.theory.rank.predicted_rank` and
  :func:`ntksym.theory.certify.certify_positive_definite` on d + 1 antipodal pairs of rational
  points of the unit sphere: not strictly PD exactly when the rank is deficient.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import numpy as np

from ntksym.network import MLP
from ntksym.theory.funk_hecke import funk_hecke
from ntksym.theory.spectrum import fit_decay, spectrum, sphere_kernel_mp

__all__ = ["BiettiMairalCheck", "bietti_mairal_check", "LaplaceComparison",
           "laplace_decay_comparison", "CriterionRankRow", "sphere_criterion_vs_rank",
           "laplace_kernel_theta", "antipodal_points"]


@dataclass(frozen=True)
class BiettiMairalCheck:
    """Measured: exact zeros, the largest |mu_k|/mu_0 over odd k >= 3 by quadrature (zeros not
    assumed, at ``dps`` digits), and the even decay exponent against -d."""

    d: int
    kmax: int
    exact_odd_zeros: bool
    odd_quadrature_max: float
    dps: int
    even_exponent: float
    even_range: tuple
    expected_exponent: int
    tolerance: float
    passed: bool


def bietti_mairal_check(d=3, kmax=120, k_lo=None, tolerance=0.1, dps=40):
    """Bietti--Mairal for the depth-1 ReLU NTK without bias on S^{d-1}.

    Passed when every odd mu_k (3 <= k <= kmax) is an exact zero, the quadrature (with the
    zeros not assumed) gives |mu_k| / mu_0 below 10^(10 - dps) for them, and the even decay
    exponent fitted on [k_lo, kmax] (default kmax // 2) is within ``tolerance`` of -d.
    """
    net = MLP(depth=1, activation="relu", W_std=1, b_std=0)
    S = spectrum(net, d, "ntk", kmax)
    exact = all(S.exact[k] == 0 for k in range(3, kmax + 1, 2))
    res = funk_hecke(sphere_kernel_mp(net, d, "ntk", 1), d, kmax, dps=dps, max_dps=dps)
    mu0 = abs(res.values[0])
    odd = max(float(abs(res.values[k]) / mu0) for k in range(3, kmax + 1, 2))
    k_lo = kmax // 2 if k_lo is None else k_lo
    dec = fit_decay(S.eigenvalues, k_lo=k_lo)
    p, rng = dec.even[0], dec.even[1]
    ok = exact and odd < 10.0 ** (10 - dps) and abs(p + d) <= tolerance
    return BiettiMairalCheck(d, kmax, exact, odd, dps, p, rng, -d, tolerance, ok)


def laplace_kernel_theta(c=1):
    """kappa(cos theta) = exp(-c |x - x'|/r) = exp(-2 c sin(theta/2)) on the sphere of radius r,
    as a function of a list of mpmath angles (for :func:`ntksym.theory.funk_hecke.funk_hecke`)."""
    def f(thetas):
        return [mpmath.exp(-2 * c * mpmath.sin(th / 2)) for th in thetas]
    return f


@dataclass(frozen=True)
class LaplaceComparison:
    """Fitted exponents on the same degrees: ``ntk`` maps depth to p, ``laplace`` is p of the
    Laplace kernel, ``max_difference`` the largest |p_depth - p_laplace|."""

    d: int
    k_range: tuple
    ntk: dict
    laplace: float
    expected_exponent: int
    max_difference: float
    tolerance: float
    passed: bool


def laplace_decay_comparison(d=3, depths=(2, 3), kmax=120, k_lo=None, b_std=0,
                             tolerance=0.1):
    """Deep ReLU NTKs against the Laplace kernel: fitted mu_k ~ k^p on the same [k_lo, kmax]
    (default kmax // 2); passed when every |p_depth - p_laplace| <= ``tolerance``."""
    k_lo = kmax // 2 if k_lo is None else k_lo
    lap = funk_hecke(laplace_kernel_theta(), d, kmax)
    p_lap = fit_decay([float(v) for v in lap.values], k_lo=k_lo).exponent
    out = {}
    rng = None
    for L in depths:
        S = spectrum(MLP(depth=L, activation="relu", W_std=1, b_std=b_std), d, "ntk", kmax)
        dec = fit_decay(S.eigenvalues, k_lo=k_lo)
        out[L] = dec.exponent
        rng = dec.k_range
    diff = max(abs(p - p_lap) for p in out.values())
    return LaplaceComparison(d, rng, out, p_lap, -d, diff, tolerance, diff <= tolerance)


def antipodal_points(d, seed=0, pairs=None):
    """``pairs`` (default d + 1) antipodal pairs {x_i, -x_i} of exact rational points on the
    unit sphere in R^d (inverse stereographic projection of random small rationals), as lists
    of Fractions."""
    rng = np.random.default_rng(seed)
    pts = []
    for _ in range(d + 1 if pairs is None else pairs):
        u = [Fraction(int(rng.integers(-9, 10)), int(rng.integers(1, 8))) for _ in range(d - 1)]
        n2 = sum(v * v for v in u)
        x = [2 * v / (1 + n2) for v in u] + [(n2 - 1) / (1 + n2)]
        pts.append(x)
    return pts + [[-v for v in x] for x in pts]


@dataclass(frozen=True)
class CriterionRankRow:
    """One network: the criterion's verdict, the predicted rank on the 2(d + 1) antipodal points,
    whether the certificate proved lambda_min > 0, and whether they agree."""

    net: str
    kind: str
    strictly_pd: bool | None
    rank: int | None
    n_points: int
    certified: bool | None
    agree: bool
    reason: str = field(repr=False, default="")


def _default_nets():
    return [MLP(depth=1, activation="relu"), MLP(depth=1, activation="relu", b_std=0.5),
            MLP(depth=2, activation="relu"), MLP(depth=1, activation="erf"),
            MLP(depth=2, activation="erf"), MLP(depth=1, activation="erf", b_std=0.5),
            MLP(depth=1, activation="abs"), MLP(depth=1, activation="x**3 + x**2"),
            MLP(depth=1, activation="leaky_relu"),
            MLP(depth=2, activation="x**2", b_std=1)]


def sphere_criterion_vs_rank(nets=None, d=3, kinds=("ntk", "nngp"), seed=0, certify=True):
    """For each network and kind: the criterion (:func:`spectrum` on the unit sphere, radius 1)
    against the exact rank (and, if ``certify``, the positivity certificate) on d + 1 antipodal
    pairs, or more: on m antipodal pairs the Gram matrix is similar to diag(2 K_even, 2 K_odd)
    on the m points x_i, so when one parity has b_k = 0 for k > p the deficiency appears once
    m exceeds R = sum_{l <= p, l of that parity} N(d, l) (the dimension of its harmonics); m is
    max(d + 1, R + 1) for the smaller such R. A row agrees when "not strictly PD" coincides with "rank < number of points" (and a
    certificate, when it succeeds, only for strictly PD kernels)."""
    from ntksym.theory.certify import certify_positive_definite
    from ntksym.theory.rank import predicted_rank
    from ntksym.theory.harmonics import harmonic_dimension
    nets = _default_nets() if nets is None else nets
    rows = []
    for net in nets:
        for kind in kinds:
            S = spectrum(net, d, kind, kmax=4, radius=1)
            sizes = [sum(harmonic_dimension(d, l) for l in range(par, int(last) + 1, 2))
                     for par, last in ((0, S.support.even_last), (1, S.support.odd_last))
                     if last is not None and last != float("inf")]
            X = antipodal_points(d, seed, max([d + 1] + [min(sizes) + 1] if sizes else [d + 1]))
            r = predicted_rank(net, X, kind=kind)
            cert = None
            if certify:
                cert = certify_positive_definite(net, X, kind=kind).certified
            deficient = None if r is None else r < len(X)
            agree = (S.strictly_pd is not None and deficient is not None
                     and (not S.strictly_pd) == deficient
                     and (cert is None or cert == (not deficient)))
            rows.append(CriterionRankRow(repr(net), kind, S.strictly_pd, r, len(X), cert, agree,
                                         S.reason))
    return rows
