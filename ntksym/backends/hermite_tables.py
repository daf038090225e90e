r"""Hermite tables of an activation: the coefficients of Mehler's series, by one 1-D rule.

For phi(sqrt(q) z) = sum_k alpha_k(q) h_k(z) (h_k the normalised probabilists' Hermite
polynomials He_k/sqrt(k!)), the coefficients alpha_k(q) = E[phi(sqrt(q) z) h_k(z)] and
E[phi(sqrt(q) z)^2] come from one Gauss-Legendre rule on panels of z in [0, ZMAX] (split at
the activation's breakpoints), evaluated for all the distinct variances at once as one matrix
product; phi' gives the coefficients beta_k of the NTK factor the same way. The log tails
log(T(K)/E), T(K) = sum_{k>K} alpha_k^2 + max(R, FLOOR E), bound the truncation error of the
series (Cauchy-Schwarz):

    |sum_{k>K} a_k(q1) a_k(q2) rho^k| <= |rho|^(K+1) sqrt(T(q1) T(q2)).

:func:`mehler_dual` evaluates E[phi(u) phi(v)] (or E[phi'(u) phi'(v)]) with this series where
the bound certifies it and reports the entries where it does not; :class:`ntksym.DualKernel`
sends those to 2-D quadrature. :mod:`ntksym.gram.mehler` runs the whole Gram recursion with the
same tables (this module is the layer below both).
"""
from __future__ import annotations

import functools
import math
import warnings

import mpmath
import numpy as np

from ntksym.backends.numeric import activation_function, activation_function_mp
from ntksym.backends.quadrature import expect1, gauss_legendre

__all__ = ["SampledFunction", "coefficients", "hermite_coefficients", "dual_series",
           "mehler_dual", "activation_functions", "breakpoints", "log_tails", "table_layout",
           "spot_check", "TOL", "KMAX"]

FLOOR = 4e-15        # floor of the computed remainder T, relative to E[phi^2]
ZMAX = 13.0          # integration range in z (e^{-z^2/4} = 5e-19 there)
NGL = 32             # Gauss-Legendre nodes per panel (24 when K <= 128: panels of HMAX)
GAMMA = 1.0          # panel width <= GAMMA * NGL / sqrt(K + 1/2) (2x margin, measured)
HMAX = 2.0           # largest panel width (standard units)
HX = 12.0            # largest panel width (x-units, for 24 nodes)
W0 = 2.0             # x-width of the panel next to a breakpoint
CHECK_RTOL = 1e-12   # agreement of E[phi^2] with quadrature.expect1 (and between tables)
STEP = 8             # truncations K are multiples of STEP (log tails on that grid)


@functools.lru_cache(maxsize=64)
def table_layout(K, s, specials):
    """Nodes z in [0, ZMAX] and weights (with the N(0, 1) density), and the Hermite table.

    Returns (z, w, He, Ho): He / Ho are the rows k even / odd of w * h_k(z), k <= K.
    """
    ngl = 24 if K <= 128 else NGL
    h = min(HMAX, GAMMA * ngl / math.sqrt(K + 0.5), HX * ngl / (24.0 * s))
    pts = sorted({0.0, *[p for p in specials if 0.0 < p < ZMAX]})
    edges = set(pts) | {ZMAX}
    d0 = min(h, W0 / s)
    for p in pts:
        dd = d0
        while dd < h:
            for e in (p - dd, p + dd):
                if 0.0 < e < ZMAX:
                    edges.add(e)
            dd *= 2.0
    edges = sorted(edges)
    full = [edges[0]]
    for a, b in zip(edges[:-1], edges[1:]):
        m = max(1, math.ceil((b - a) / h - 1e-9))
        full.extend(np.linspace(a, b, m + 1)[1:].tolist())
    full = np.array(full)
    a = full[:-1]
    half = 0.5 * (full[1:] - a)
    t, wt = gauss_legendre(ngl)
    z = (a[:, None] + half[:, None] * (t + 1.0)).ravel()
    w = (half[:, None] * wt).ravel() * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    H = np.empty((K + 1, z.size))
    H[0] = w
    if K >= 1:
        H[1] = z * w
    for k in range(1, K):
        H[k + 1] = (z * H[k] - math.sqrt(k) * H[k - 1]) * (1.0 / math.sqrt(k + 1))
    He, Ho = np.ascontiguousarray(H[0::2].T), np.ascontiguousarray(H[1::2].T)
    for arr in (z, w, He, Ho):
        arr.setflags(write=False)
    return z, w, He, Ho


class SampledFunction:
    """phi (or phi') at numpy arrays; values that overflow in float64 (exp(x)/(exp(x) + 1) far
    out, as lambdified) are recomputed with mpmath."""

    def __init__(self, act):
        self.f = activation_function(act)
        self.act = act
        self._mp = None

    def __call__(self, x):
        with np.errstate(all="ignore"):
            y = np.asarray(self.f(x), dtype=float)
        y = np.broadcast_to(y, x.shape) if y.shape != x.shape else y
        bad = ~np.isfinite(y)
        if np.any(bad):
            if self._mp is None:
                self._mp = activation_function_mp(self.act)
            y = np.array(y)
            with mpmath.workdps(20):
                y[bad] = [float(self._mp(mpmath.mpf(float(t)))) for t in x[bad]]
        return y


def coefficients(fns, breaks, q, K, matmul=None):
    """alpha_k(q), k <= K, and E[f(sqrt(q) z)^2] for each function f in ``fns``.

    Returns a list of (A, E) with A of shape (q.size, K + 1). Rows with q == 0 are exact:
    A = f(0) delta_k0, E = f(0)^2. ``matmul(F, H)`` multiplies the tables (default ``F @ H``).
    """
    matmul = np.matmul if matmul is None else matmul
    q = np.asarray(q, dtype=float)
    out = [(np.zeros((q.size, K + 1)), np.zeros(q.size)) for _ in fns]
    zero = q == 0
    if np.any(zero):
        for (A, E), f in zip(out, fns):
            f0 = float(f(np.zeros(1))[0])
            A[zero, 0] = f0
            E[zero] = f0 * f0
    pos = np.flatnonzero(~zero)
    if pos.size == 0:
        return out
    s = np.sqrt(q[pos])
    brk = sorted({abs(float(b)) for b in breaks if b != 0})
    if brk:                                      # breakpoints move with s: one layout per s
        groups = {}
        for idx, sv in enumerate(s):
            groups.setdefault(float(sv), []).append(idx)
        keys = [(sv, tuple(b / sv for b in brk), np.array(ix)) for sv, ix in groups.items()]
    else:                                        # one layout per octave of s
        octave = np.ceil(np.log2(s))
        keys = [(float(2.0 ** o), (), np.flatnonzero(octave == o)) for o in np.unique(octave)]
    nodd = (K + 1) // 2
    nf = len(fns)
    for sv, specials, ix in keys:
        z, w, He, Ho = table_layout(K, sv, specials)
        rows = pos[ix]
        m = ix.size
        x = s[ix, None] * z[None, :]
        even = np.empty((nf * m, z.size))
        odd = np.empty((nf * m, z.size))
        for t, ((A, E), f) in enumerate(zip(out, fns)):
            fp, fm = f(x), f(-x)
            E[rows] = np.einsum("ij,j->i", fp * fp + fm * fm, w)
            np.add(fp, fm, out=even[t * m:(t + 1) * m])
            np.subtract(fp, fm, out=odd[t * m:(t + 1) * m])
        # one product per parity for all the functions
        pe = matmul(even, He)
        po = matmul(odd, Ho) if nodd else None
        for t, (A, E) in enumerate(out):
            A[rows, 0::2] = pe[t * m:(t + 1) * m]
            if nodd:
                A[rows, 1::2] = po[t * m:(t + 1) * m]
    return out


def log_tails(A, E, step=1):
    """log(T(K) / E) for K = 0, step, 2 step, ..., Kmax (rows of A; Kmax a multiple of step),
    T(K) = sum_{k>K} alpha_k^2 + max(R, FLOOR E), R = E - sum_{k<=Kmax} alpha_k^2.

    Nonincreasing in K by construction. Rows with E == 0 (phi(0) = 0 at q = 0) are -inf.
    """
    sq = A * A
    rev = np.cumsum(sq[:, ::-1], axis=1)[:, ::-1]      # rev[:, k] = sum_{m >= k} alpha_m^2
    R = E - rev[:, 0]
    tail = np.zeros((A.shape[0], (A.shape[1] - 1) // step + 1))
    tail[:, :-1] = rev[:, 1:-1:step] if step > 1 else rev[:, 1:]   # T(K) = rev[:, K + 1]
    exact = np.all(sq[:, 1:] == 0.0, axis=1) & (R <= FLOOR * E)   # q == 0 rows: no tail
    tail += np.where(exact, 0.0, np.maximum(R, FLOOR * E))[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        L = np.log(tail) - np.log(E)[:, None]
    L[E == 0] = -np.inf
    L[exact] = -np.inf
    np.minimum(L, 0.0, out=L)
    return L, R


def activation_functions(act):
    return (SampledFunction(act), SampledFunction(act.derivative()))


def breakpoints(act):
    return tuple(sorted(set(act.breakpoints) | set(act.derivative().breakpoints)))


def hermite_coefficients(act, q, K, derivative=False, matmul=None):
    """alpha_k(q) = E[phi(sqrt(q) z) h_k(z)] for k <= K, and E[phi(sqrt(q) z)^2].

    Args:
        act: an :class:`~ntksym.Activation` (symbolic or a callable).
        q: variances >= 0 (1-D array-like).
        K: largest degree.
        derivative: give the coefficients beta_k of phi' instead.

    Returns:
        ``(A, E)``: A of shape (len(q), K + 1), E of shape (len(q),).
    """
    q = np.atleast_1d(np.asarray(q, dtype=float))
    if q.ndim != 1 or np.any(q < 0) or not np.all(np.isfinite(q)):
        raise ValueError("q must be a 1-D array of finite variances >= 0")
    f = activation_functions(act)[1 if derivative else 0]
    return coefficients((f,), breakpoints(act), q, int(K), matmul)[0]


def dual_series(act, q1, q2, c, K, which="nngp", matmul=None):
    """The Mehler series truncated after k = K, and its tail bound.

    Returns ``(value, bound)``: sum_{k<=K} a_k(q1) a_k(q2) rho^k and
    |rho|^(K+1) sqrt(T(q1) T(q2)) (a = alpha for ``which="nngp"``, beta for ``"ntk"``).
    """
    shape = np.broadcast(q1, q2, c).shape
    q1, q2, c = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=float))
                                      for v in (q1, q2, c)))
    K = int(K)
    A1, E1 = hermite_coefficients(act, q1.ravel(), K, which == "ntk", matmul)
    A2, E2 = hermite_coefficients(act, q2.ravel(), K, which == "ntk", matmul)
    r = np.sqrt(q1.ravel() * q2.ravel())
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(r > 0, np.clip(c.ravel() / r, -1.0, 1.0), 0.0)
    val = np.zeros_like(rho)
    for k in range(K, -1, -1):
        val = val * rho + A1[:, k] * A2[:, k]
    L1, _ = log_tails(A1, E1)
    L2, _ = log_tails(A2, E2)
    with np.errstate(divide="ignore", invalid="ignore"):
        lb = (K + 1) * np.log(np.abs(rho)) + 0.5 * (L1[:, K] + L2[:, K])
        bound = np.exp(lb) * np.sqrt(E1 * E2)
    bound = np.where(np.isnan(bound), 0.0, bound)
    return val.reshape(shape), bound.reshape(shape)


def spot_check(f, breaks, q, E, rtol=CHECK_RTOL):
    """E[f(sqrt(q) z)^2] of this module's rule against quadrature.expect1 (its own panels and
    convergence test) at the smallest, median and largest positive variance."""
    pos = np.flatnonzero(q > 0)
    if pos.size == 0:
        return True
    pos = pos[np.argsort(q[pos], kind="stable")]
    pick = np.unique(pos[[0, pos.size // 2, -1]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = expect1(lambda t: f(t) ** 2, q[pick], breaks=breaks)
    return bool(np.all(np.abs(E[pick] - ref) <= rtol * np.abs(ref)))


TOL = 1e-14   # certified truncation error, relative to sqrt(E[f(u)^2] E[f(v)^2])
KMAX = 1024   # largest truncation tried
K0 = 64       # first truncation tried (then x4)


def mehler_dual(f, breaks, q1, q2, c, tol=TOL, kmax=KMAX, matmul=None):
    """E[f(u) f(v)], (u, v) ~ N(0, [[q1, c], [c, q2]]), by Mehler's series where its tail bound
    certifies it.

    The truncation K runs through 64, 256, 1024 (up to ``kmax``) for the entries not yet
    certified. An entry is certified at K when |rho|^(K+1) sqrt(T(q1) T(q2)) <= tol *
    sqrt(E[f(u)^2] E[f(v)^2]); each table is trusted only if its E[f^2] agrees with
    :func:`ntksym.backends.quadrature.expect1` at the smallest, median and largest variance
    (:func:`spot_check`).

    Args:
        f: a :class:`SampledFunction` (or any vectorised real function).
        breaks: its breakpoints.
        q1, q2, c: float arrays of one shape, a valid covariance (c**2 <= q1 q2).

    Returns:
        ``(value, ok)``: float arrays of that shape; ``value`` is NaN where ``ok`` is False (the
        bound did not certify the series there: send those entries to 2-D quadrature).
    """
    q1, q2, c = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (q1, q2, c)))
    shape = q1.shape
    q1, q2, c = q1.ravel(), q2.ravel(), c.ravel()
    n = q1.size
    value = np.full(n, np.nan)
    ok = np.zeros(n, dtype=bool)
    if n == 0:
        return value.reshape(shape), ok.reshape(shape)
    uq, inv = np.unique(np.concatenate([q1, q2]), return_inverse=True)
    i1, i2 = inv.ravel()[:n], inv.ravel()[n:]
    r = np.sqrt(q1 * q2)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(r > 0, np.clip(c / np.where(r > 0, r, 1.0), -1.0, 1.0), 0.0)
        logrho = np.log(np.abs(rho))
    todo = np.arange(n)
    Ks = [k for k in (K0, 4 * K0, 16 * K0) if k < kmax] + [kmax]
    for K in Ks:
        if todo.size == 0:
            break
        need = np.unique(np.concatenate([i1[todo], i2[todo]]))
        A, E = coefficients((f,), breaks, uq[need], K, matmul)[0]
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(E))
                and spot_check(f, breaks, uq[need], E)):
            break                                   # the rule does not resolve f
        L, R = log_tails(A, E)
        if np.any(R < -1e-13 * E):                  # the squares exceed E[f^2]: not trusted
            break
        p1, p2 = np.searchsorted(need, i1[todo]), np.searchsorted(need, i2[todo])
        with np.errstate(invalid="ignore"):
            lb = (K + 1) * logrho[todo] + 0.5 * (L[p1, K] + L[p2, K])
        good = lb <= math.log(tol)                  # NaN compares False
        if np.any(good):
            g, a1, a2 = todo[good], A[p1[good]], A[p2[good]]
            val = np.zeros(g.size)
            x = rho[g]
            for k in range(K, -1, -1):
                val = val * x + a1[:, k] * a2[:, k]
            value[g] = val
            ok[g] = True
        todo = todo[~good]
    return value.reshape(shape), ok.reshape(shape)
