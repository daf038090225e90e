r"""Rigorous positivity certificates for Gram matrices: lambda_min > 0, with a lower bound.

:func:`certify_positive_definite` proves that the infinite-width NTK (or NNGP) Gram matrix of a
network on given points is positive definite and returns a certified lower bound
sigma <= lambda_min. It has three rigorous methods and says which one it used:

``"exact rational Cholesky"`` (polynomial activations, exact parameters and points)
    The Gram matrix is a matrix of rationals (:func:`ntksym.theory.exact.exact_gram`);
    G - sigma I is factorised in exact arithmetic. A singular matrix gets an exact rational null vector.

``"interval Cholesky"`` (``method="cholesky"``)
    Every Gram entry is enclosed rigorously by evaluating the NNGP/NTK recursion on the closed-form
    dual in interval arithmetic (:func:`ntksym.gram.interval.interval_gram`; the points are
    converted exactly, floats included). Then G - sigma I is factorised by Cholesky in interval
    arithmetic (:func:`ntksym.theory.interval_linalg.interval_cholesky_min`):
    if every pivot interval is positive, every symmetric matrix in the enclosure, the true one
    among them, is positive definite, so lambda_min >= sigma. sigma is only a guess (for
    n <= 40 the smallest eigenvalue of the midpoint matrix in mpmath, otherwise the float64
    estimate), lowered until the factorisation succeeds; a guess above lambda_min cannot pass,
    so it affects the tightness of the bound, never its validity. O(n^3) interval operations.

``"Hermite-Gershgorin"`` (``method="hermite"``)
    The Schur-product/Hermite certificate of DESIGN.md, in O(n^2) interval operations
    (:mod:`ntksym.theory.hermite_bound`, which derives it): by Mehler's formula and the Schur
    product theorem each layer's dual matrix K is at least the tail of its Hermite expansion from
    degree r on, whose smallest eigenvalue Gershgorin bounds below by
    min_i T_i * (1 - max_i sum_{j != i} |rho_ij|^r); the bounds are carried through the layers by
    Schur's inequality. The certificate is weaker than Cholesky (it can decline on positive
    definite matrices), but cheap for large n. It declines when |rho_ij| = 1 cannot be excluded
    at every layer (identical points, or x and 2x without bias) or when the bound is not positive.

``method="auto"`` (the default) uses the interval Cholesky for n <= 60 and falls back to the
Hermite bound; for larger n it tries the Hermite bound first and the Cholesky (n <= 300) second.

Which networks get a rigorous certificate: those whose dual has a closed form that the interval
evaluator supports (relu, leaky_relu, abs, rectified monomials, erf, gelu, sin, cos, exp,
gaussian, polynomials, ...), in both parameterizations. Step and sign get NNGP certificates only
(their NTK is infinite on the diagonal). Activations whose dual is computed by quadrature (tanh,
sigmoid, softplus, silu, elu, black boxes) get no rigorous certificate: the result says so
(``certified=False``). With ``rigorous=False`` they get the old *a posteriori* check instead -- Gram
entries enclosed by comparing two mpmath precisions -- reported with ``rigorous=False``,
``certified=False`` and its bound in ``lower_bound``: evidence, not a proof.

Identical points give two equal rows: the result is ``certified=False`` with the exact null
vector e_i - e_j.

Examples
========

>>> import ntksym as nk
>>> from ntksym.certify import certify_positive_definite
>>> net = nk.MLP(depth=1, activation="relu", W_std=1, b_std=0)
>>> cert = certify_positive_definite(net, [[1, 0], [0, 1], [1, 1]])
>>> cert.certified, cert.method, cert.lower_bound > 0
(True, 'interval Cholesky', True)
>>> certify_positive_definite(net, [[1, 0], [2, 0]]).certified      # x and 2x: singular
False
>>> certify_positive_definite(net, [[1, 0], [0, 1], [1, 1]], method="hermite").method
'Hermite-Gershgorin'
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath

from ntksym.backends.intervals import (Unsupported, interval, iv_from_fraction, lower, to_arb,
                                       upper, working_precision)
from ntksym.theory.exact import exact_gram, null_vector
from ntksym.theory.hermite_bound import hermite_certificate
from ntksym.theory.interval_linalg import interval_cholesky_min
from ntksym.theory.polynomial import is_polynomial
from ntksym.theory.polyring import polynomial_network

__all__ = ["PositivityCertificate", "certify_positive_definite"]

_METHODS = ("auto", "cholesky", "hermite")


@dataclass(frozen=True)
class PositivityCertificate:
    """The outcome of :func:`certify_positive_definite`.

    Attributes:
        certified: True when lambda_min >= lower_bound > 0 was proved rigorously (or
            lower_bound = 0 with positive definiteness proved).
        lower_bound: the certified lower bound on lambda_min (an mpmath mpf), or None. For a
            non-rigorous result (``rigorous=False``) it is an unproved a posteriori bound.
        estimate: the float64 estimate of lambda_min (None if unavailable).
        method: ``"exact rational Cholesky"``, ``"interval Cholesky"``,
            ``"Hermite-Gershgorin"``, ``"a posteriori interval Cholesky (not rigorous)"`` or
            ``"none"``.
        reason: what was proved, or why it could not be.
        rigorous: False only for the opt-in a posteriori check (``rigorous=False``).
        null_vector: an exact null vector (tuple) when the matrix was shown to be singular
            (identical points, or a singular polynomial-network Gram matrix), else None.
    """

    certified: bool
    lower_bound: object
    estimate: float | None
    method: str
    reason: str
    rigorous: bool = True
    null_vector: tuple | None = None

    def __bool__(self):
        return self.certified

    def _latex(self, printer=None):
        """What was proved, as a LaTeX paragraph (the SymPy printer hook)."""
        from ntksym.core.printing import text

        if self.certified:
            head = r"\textbf{Positive definite:} certified"
            if self.lower_bound is not None:
                head += r", $\lambda_{\min} \ge %s$" % text(str(self.lower_bound)[:12])
        else:
            head = r"\textbf{Positive definiteness:} not certified"
        if self.estimate is not None:
            head += r" (float64 estimate $%.3e$)" % self.estimate
        head += ", method: " + text(self.method)
        if not self.rigorous:
            head += " (not rigorous)"
        return head + ". " + text(self.reason) + "."

    def _repr_latex_(self):
        return self._latex()


# --------------------------------------------------------------------------------------------
# Exact arithmetic, shifts and estimates
# --------------------------------------------------------------------------------------------

def _exact_ldl_positive(G, sigma):
    """Exact check that G - sigma I (rational SymPy matrix) is positive definite."""
    import sympy as sp
    n = G.shape[0]
    A = G - sp.Rational(sigma) * sp.eye(n)
    # Gaussian elimination without pivoting: all pivots > 0 <=> positive definite
    A = [[A[i, j] for j in range(n)] for i in range(n)]
    for k in range(n):
        piv = A[k][k]
        if not piv > 0:
            return False
        for i in range(k + 1, n):
            f = A[i][k] / piv
            if f != 0:
                for j in range(k, n):
                    A[i][j] -= f * A[k][j]
    return True


def _float_gram(net, P, kind):
    """The float64 Gram matrix at the exact points P (tuples of Fractions or SymPy numbers)."""
    import numpy as np
    G = getattr(net.gram(np.array([[float(v) for v in p] for p in P], dtype=float)), kind)
    return np.asarray(G, dtype=float)


def _estimate(Gf):
    import numpy as np
    ev = np.linalg.eigvalsh(Gf)
    return float(ev[0]), float(ev[-1])


def _sigmas(est, top=None, n=1):
    """Shifts to try, largest first (a failed factorisation only costs time)."""
    if est is None or not est > 0:
        return [0.0]
    out = []
    if top is not None:
        tight = est * (1 - 1e-9) - 16 * n * 2.0**-52 * abs(top)
        if tight > 0:
            out.append(tight)
    out += [est * f for f in (0.9, 0.5, 0.1, 1e-3)]
    return out + [0.0]


def _exact_sigma(sigma):
    """sigma (a float) as a short rational <= sigma."""
    return _shorten(Fraction(sigma)) if sigma else Fraction(0)


def _shorten(fr):
    """A rational <= fr with a small denominator, close to fr (the shift need not be exact)."""
    for den in (10**6, 10**12, 10**18, 10**30):
        cand = fr.limit_denominator(den)
        if 0 < cand <= fr and (fr - cand) <= fr * Fraction(1, 10**14):
            return cand
    return fr


def _fmt(x, digits=6):
    return mpmath.nstr(x, digits)


# --------------------------------------------------------------------------------------------
# The a posteriori (non-rigorous) path for quadrature-only kernels
# --------------------------------------------------------------------------------------------

def _aposteriori(net, X, kind, dps, est, top, why):
    method = "a posteriori interval Cholesky (not rigorous)"
    try:
        with mpmath.workdps(dps + 10):
            G1 = getattr(net.gram(X, dps=dps), kind)
            G2 = getattr(net.gram(X, dps=dps + 15), kind)
    except Exception as exc:
        return PositivityCertificate(False, None, est, "none",
                                     f"{why}; the high-precision Gram matrix is unavailable: "
                                     f"{exc}", rigorous=False)
    n = G1.rows
    with mpmath.workdps(dps + 10), working_precision(dps + 10):
        scale = max(abs(G2[i, j]) for i in range(n) for j in range(n))
        diff = max(abs(G1[i, j] - G2[i, j]) for i in range(n) for j in range(n))
        rad = 10 * diff + scale * mpmath.mpf(10) ** (-dps)
        for sigma in _sigmas(est, top, n):
            sig = mpmath.mpf(sigma)
            shift = to_arb(sig)
            M = [[interval(G2[i, j] - rad, G2[i, j] + rad) - shift if i == j else
                  interval(G2[i, j] - rad, G2[i, j] + rad) for j in range(n)] for i in range(n)]
            if interval_cholesky_min(M) is not None:
                return PositivityCertificate(
                    False, +sig, est, method,
                    f"NOT A PROOF: {why}. Assuming each entry of the {dps + 15}-digit "
                    f"quadrature Gram matrix is within {_fmt(rad, 3)} of the true value "
                    f"(ten times the difference from a {dps}-digit computation, "
                    f"{_fmt(diff, 3)}), G - {_fmt(sig)} I has a Cholesky factorisation "
                    f"with positive pivots in interval arithmetic; so, under that "
                    f"assumption, lambda_min >= {_fmt(sig)}", rigorous=False)
    return PositivityCertificate(False, None, est, method,
                                 f"NOT A PROOF: {why}; even the a posteriori check failed "
                                 "(the matrix looks singular or the precision is too low)",
                                 rigorous=False)


# --------------------------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------------------------

def certify_positive_definite(net, X, kind="ntk", dps=30, method="auto", rigorous=True):
    """Prove lambda_min(Gram) > 0 rigorously, with a certified lower bound.

    Args:
        net: an :class:`~ntksym.MLP` with numeric parameters.
        X: the points, shape (n, d): ints, Fractions, SymPy numbers, decimal strings, floats
            or an array (floats are converted exactly).
        kind: ``"ntk"`` or ``"nngp"``.
        dps: working precision (decimal digits) of the interval arithmetic.
        method: ``"auto"``, ``"cholesky"`` (interval Cholesky, tight, O(n^3)) or ``"hermite"``
            (Hermite/Schur/Gershgorin bound, O(n^2), weaker). Polynomial networks with exact
            data use exact rational arithmetic unless ``method="hermite"``.
        rigorous: with False, kernels without a rigorous enclosure (quadrature-only
            activations) get the a posteriori check, labelled as not rigorous.

    Returns:
        :class:`PositivityCertificate`.
    """
    import sympy as sp

    from ntksym.gram.interval import distinct_points, dual_program, interval_gram

    if kind not in ("ntk", "nngp"):
        raise ValueError(f"kind must be 'ntk' or 'nngp', got {kind!r}")
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    if isinstance(dps, bool) or not isinstance(dps, int) or not 10 <= dps <= 1000:
        raise ValueError(f"dps must be an integer between 10 and 1000, got {dps!r}")
    P, rep, U = distinct_points(X)
    n = len(P)
    if len(U) < n:
        i = next(i for i in range(n) if rep.index(rep[i]) != i)
        j = rep.index(rep[i])
        v = tuple(1 if t == j else -1 if t == i else 0 for t in range(n))
        return PositivityCertificate(
            False, None, None, "none",
            f"points {j} and {i} are identical: their rows of the Gram matrix are equal, so it "
            f"is singular (null vector e_{j} - e_{i})", null_vector=v)
    if net.is_symbolic:
        return PositivityCertificate(False, None, None, "none",
                                     "W_std and b_std must be numbers")
    if rigorous:
        # decline at once when no rigorous path can apply (a quadrature-only dual has no closed
        # form to enclose): no float64 Gram, no polynomial test, no interval recursion
        try:
            dual_program(net.dual.expr)
        except Unsupported as exc:
            return PositivityCertificate(
                False, None, None, "none",
                f"no rigorous enclosure of the Gram entries is available for "
                f"{net.activation.name}: {exc} (rigorous=False gives a non-rigorous a "
                f"posteriori check)")
    est = top = None
    try:
        est, top = _estimate(_float_gram(net, P, kind))
    except Exception:       # kernels without a float path, degenerate NTKs: no estimate
        pass

    # -- polynomial networks: exact rational arithmetic -----------------------------------
    chk = is_polynomial(net.activation) if net.activation.is_symbolic else None
    pn = polynomial_network(net) if chk is not None and chk.is_polynomial else None
    if method != "hermite" and pn is not None and pn.domain == sp.QQ:
        G = sp.Matrix(exact_gram(net, X, kind))
        for sigma in _sigmas(est, top, n):
            fr = _exact_sigma(sigma)
            sig = sp.Rational(fr.numerator, fr.denominator)
            if _exact_ldl_positive(G, sig):
                lb = _round_down(fr)
                return PositivityCertificate(
                    True, lb, est, "exact rational Cholesky",
                    f"the Gram matrix is exact (rational); G - {sig} I has all pivots > 0 in "
                    f"exact arithmetic, so lambda_min >= {sp.N(sig, 6)}"
                    + (f" (float64 estimate {est:.3e})" if est is not None else ""))
        try:
            v = null_vector(net, X, kind)
        except Exception:
            v = None
        return PositivityCertificate(
            False, None, est, "exact rational Cholesky",
            "the exact Gram matrix is not positive definite (a pivot of its exact LDL "
            "factorisation is <= 0): it is singular"
            + (f"; exact null vector {v}" if v is not None else ""), null_vector=v)

    # -- closed-form duals: rigorous interval enclosures ----------------------------------
    if method == "auto":
        plan = ["cholesky", "hermite"] if n <= 60 else \
            (["hermite", "cholesky"] if n <= 300 else ["hermite"])
    else:
        plan = [method]
    try:
        G = interval_gram(net, X, dps=dps, ntk=(kind == "ntk"),
                          ntk_offdiag=(kind == "ntk" and "cholesky" in plan))
    except Unsupported as exc:
        why = (f"no rigorous enclosure of the Gram entries is available for "
               f"{net.activation.name}: {exc}")
        if not rigorous:
            return _aposteriori(net, X, kind, dps, est, top, why)
        return PositivityCertificate(
            False, None, est, "none",
            why + " (rigorous=False gives a non-rigorous a posteriori check)")
    reasons = []
    for m in plan:
        if m == "cholesky":
            M = G.ntk if kind == "ntk" else G.nngp
            with working_precision(dps):
                for fr in _cholesky_shifts(M, est, top, n, dps):
                    sig = iv_from_fraction(fr)
                    A = [[M[i][j] - sig if i == j else M[i][j] for j in range(n)]
                         for i in range(n)]
                    if interval_cholesky_min(A) is not None:
                        lb = _round_down(fr)
                        width = _widest(M)
                        return PositivityCertificate(
                            True, lb, est, "interval Cholesky",
                            f"the Gram entries were enclosed rigorously (interval evaluation "
                            f"of the closed-form recursion at {dps} digits, widest enclosure "
                            f"{_fmt(width, 3)}); G - {_fmt(lb)} I has a Cholesky "
                            f"factorisation with positive pivots in interval arithmetic, so "
                            f"lambda_min >= {_fmt(lb)}"
                            + (f" (float64 estimate {est:.3e})" if est is not None else ""))
            if est is not None and est <= 1e-12 * max(abs(top), 1e-300):
                reasons.append("interval Cholesky: the factorisation failed even for "
                               f"sigma = 0 and the float64 estimate of lambda_min ({est:.3e}) "
                               "says the matrix is singular or numerically singular")
            else:
                reasons.append("interval Cholesky: the factorisation failed even for sigma = 0"
                               + (f" (float64 estimate of lambda_min {est:.3e}; increase dps "
                                  "if it is positive)" if est is not None else ""))
        else:
            try:
                with working_precision(dps):
                    bound, notes = hermite_certificate(net, G, kind)
            except (Unsupported, ArithmeticError) as exc:
                bound, notes = None, f"the Hermite coefficients could not be enclosed: {exc}"
            if bound is not None:
                return PositivityCertificate(
                    True, bound, est, "Hermite-Gershgorin",
                    f"Schur product + Mehler expansion + Gershgorin, with interval "
                    f"enclosures at {dps} digits: lambda_min >= {_fmt(bound)}; {notes}"
                    + (f" (float64 estimate {est:.3e})" if est is not None else ""))
            reasons.append(f"Hermite-Gershgorin: the bound is not positive; {notes}")
    names = {"cholesky": "interval Cholesky", "hermite": "Hermite-Gershgorin"}
    return PositivityCertificate(False, None, est, ", ".join(names[m] for m in plan),
                                 "; ".join(reasons))


def _mpf_fraction(x):
    """The exact value of a finite mpf as a Fraction."""
    man, exp = mpmath.mpf(x).man_exp
    return Fraction(int(man)) * Fraction(2) ** int(exp) if man else Fraction(0)


def _cholesky_shifts(M, est, top, n, dps):
    """Shifts sigma (Fractions, largest first) to try in the interval Cholesky of M - sigma I.

    Only a guide -- a shift above lambda_min cannot pass the factorisation. For n <= 40 the
    smallest eigenvalue of the midpoint matrix is computed in mpmath (Weyl: it is within
    n * max radius of lambda_min), which gives bounds tight to many digits; otherwise, and as a
    fallback, the float64 estimate is used.
    """
    out = []
    if n <= 40:
        try:
            with mpmath.workdps(dps):
                A = mpmath.matrix(n, n)
                rad = mpmath.mpf(0)
                for i in range(n):
                    for j in range(n):
                        lo, hi = lower(M[i][j]), upper(M[i][j])
                        A[i, j] = (lo + hi) / 2
                        rad = max(rad, hi - lo)
                lam = min(mpmath.eigsy(A, eigvals_only=True))
                if mpmath.isfinite(lam) and lam > 0:
                    for f in ("1e-12", "1e-8", "1e-4"):
                        s = lam - max(lam * mpmath.mpf(f), 1000 * n * rad)
                        if s > 0:
                            out.append(_shorten(_mpf_fraction(s)))
        except Exception:          # eigsy may fail to converge: fall back to float64
            pass
    if est is not None and mpmath.isfinite(est) and top is not None and mpmath.isfinite(top):
        out += [_shorten(Fraction(x)) for x in _sigmas(est, top, n) if x > 0]
    out = sorted(set(out), reverse=True)
    return out + [Fraction(0)]


def _widest(M):
    """The largest width (2 x radius) of the balls of the matrix M, as an mpf."""
    widest = None
    for row in M:
        for x in row:
            r = x.rad()
            if widest is None or r > widest:
                widest = r
    return 2 * upper(widest)


def _round_down(fr):
    """An mpf <= the rational fr (rounded down at 113 bits), so lower_bound <= sigma."""
    if not fr:
        return mpmath.mpf(0)
    return mpmath.mp.make_mpf(mpmath.libmp.from_rational(fr.numerator, fr.denominator,
                                                         113, "d"))
