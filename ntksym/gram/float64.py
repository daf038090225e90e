r"""float64 Gram matrices of a network's NNGP and NTK (numeric layer).

Every entry (i, j) of the Gram matrices runs its own recursion through the layers, which depends
only on its own previous values and on the diagonals Sigma^l(x_i, x_i); the diagonals are computed
once as chains. The recursion is fused over all layers per entry (numba, when installed) or per
tile of entries (numpy), only the upper triangle is computed when ``X2`` is None and it is then
mirrored, so the result is exactly symmetric, and the peak memory is the two outputs plus
O(n * tile).

Paths, chosen from the *structure* of the activation, never from its name:

``abrelu``
    phi piecewise linear with phi(0) = 0, i.e. a*min(x, 0) + b*max(x, 0) (ReLU, leaky ReLU,
    |x|, identity). Written as phi = ao*x + ae*|x| with ao = (a + b)/2, ae = (b - a)/2, the dual is
    r*F(t) with r = sqrt(q1 q2), t the angle of the pair and
    F(t) = ao^2 cos t + ae^2 (2/pi)(sin t + (pi/2 - t) cos t). The recursion propagates the
    angle t itself, never c/sqrt(q1 q2): the next angle is atan2(sqrt(D'), c') with
    D' = q1' q2' - c'^2 = w^4 r^2 (m - F)(m + F) + w^2 b^2 (m (sqrt q1 - sqrt q2)^2 + 2 r (m - F)),
    m = ao^2 + ae^2, and m - F, m + F are evaluated with cancellation-free formulas (series of
    sin t - t cos t for small t). Identical inputs keep t = 0 exactly, at any depth.
``erf``
    phi = S erf(B x) (recognised from the SymPy expression). The kernel is smooth in c, so the
    covariance is propagated, with E = 1 + 2B^2(q1 + q2) + 4B^4 (q1 q2 - c^2) formed as a sum of
    nonnegative terms; k = S^2 (2/pi) atan2(2 B^2 c, sqrt E), E[phi' phi'] = S^2 4B^2/(pi sqrt E).
``generic``
    any other activation with a closed-form dual: the dual's own float64 functions ``net.dual``
    and ``net.dual.ntk``, tile by tile (``backend="generic"`` forces this path for every
    activation, with batched 2-D quadrature where there is no closed form).
``mehler``
    activations without a closed-form dual (``net.dual.method == "numeric"``: tanh, sigmoid,
    softplus, SiLU, ELU, callables with a derivative), see :mod:`ntksym.mehler`. Per layer, the
    Hermite coefficients alpha_k(q), beta_k(q) of phi and phi' at the distinct diagonal variances
    come from one 1-D Gauss-Legendre rule (a BLAS product), and each entry sums Mehler's series
    sum_k alpha_k(q1) alpha_k(q2) rho^k (and the same with beta for E[phi' phi']),
    rho = c / sqrt(q1 q2), by Horner, truncated where the Cauchy-Schwarz tail bound
    |rho|^(K+1) sqrt(T(q1) T(q2)) falls below 1e-14 of sqrt(E[phi(u)^2] E[phi(v)^2]). The rare
    entries whose bound does not (|rho| close to 1 for slowly converging series, such as ELU's)
    get a larger table on their own variances or, failing that, the direct 2-D quadrature. The
    diagonal chains use the same 1-D rule. The tables add O(n * K) memory (K <= 1024).

The first-layer angle of nearly parallel (or antiparallel) input pairs is computed by Kahan's
formula 2 atan2(|b u - a v|, |b u + a v|) on the augmented inputs (w x / sqrt(d), b), a = |u|,
b = |v|, so duplicates are exactly degenerate and near-duplicates keep their small angle.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from ntksym.backends.numeric import check_covariance  # noqa: F401  (re-exported for the engine)

__all__ = ["check_inputs", "gram_float64", "recognise", "HAVE_NUMBA"]

try:  # optional fast path
    from ntksym.gram.compiled import closed_form as _nb
    HAVE_NUMBA = True
except Exception:  # pragma: no cover - numba missing or broken
    _nb = None
    HAVE_NUMBA = False

TILE = 256          # numpy tile edge (entries per tile: TILE**2)
_FLAG = 0.94        # c^2 > _FLAG q1 q2 (|cos| > 0.97): first angle by Kahan's formula


def check_inputs(X1, X2=None):
    """Validate and convert network inputs to float64 arrays of shape (n, d).

    Raises:
        TypeError: non-numeric arrays.
        ValueError: wrong number of dimensions, empty arrays, NaN or infinity, mismatched d.
    """
    out = []
    for name, X in (("X1", X1), ("X2", X2)):
        if X is None:
            out.append(None)
            continue
        try:
            arr = np.asarray(X)
        except Exception as exc:  # ragged lists and the like
            raise ValueError(f"{name} is not a rectangular array: {exc}") from None
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                       or arr.dtype == bool):
            try:
                arr = arr.astype(float)
            except (TypeError, ValueError):
                raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}") from None
        if np.iscomplexobj(arr):
            raise TypeError(f"{name} must be real, got complex values")
        arr = arr.astype(float)
        if arr.ndim != 2:
            raise ValueError(f"{name} must be a 2-D array of shape (n, d), got shape "
                             f"{arr.shape}; use X.reshape(1, -1) for a single point")
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ValueError(f"{name} must have at least one row and one column, got shape "
                             f"{arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinity")
        out.append(arr)
    if out[1] is not None and out[0].shape[1] != out[1].shape[1]:
        raise ValueError(f"X1 and X2 must have the same number of columns (input dimension d), "
                         f"got {out[0].shape[1]} and {out[1].shape[1]}")
    return out[0], out[1]


# --------------------------------------------------------------------------------------------
# structural recognition of fast paths
# --------------------------------------------------------------------------------------------

def recognise(act):
    """``("abrelu", (ao2, ae2))``, ``("erf", (S2, B2))`` or ``("generic", None)``.

    Decided from the activation's structure (its piecewise-polynomial form or its SymPy
    expression), never from its name.
    """
    if not getattr(act, "is_symbolic", False):
        return "generic", None
    pwp = act.piecewise_polynomial
    if pwp is not None and pwp.degree <= 1 and pwp.at_zero == 0:
        minus = tuple(pwp.minus) + (0,) * (2 - len(pwp.minus))
        plus = tuple(pwp.plus) + (0,) * (2 - len(pwp.plus))
        if minus[0] == 0 and plus[0] == 0:
            a, b = float(minus[1]), float(plus[1])
            return "abrelu", (((a + b) / 2) ** 2, ((b - a) / 2) ** 2)
    expr = act.expr
    coeff, rest = expr.as_coeff_Mul()
    if isinstance(rest, sp.erf) and coeff.is_number:
        (arg,) = rest.args
        syms = arg.free_symbols
        if len(syms) == 1:
            (x,) = syms
            B = sp.simplify(arg / x)
            if B.is_number and B.is_real and B != 0 and not B.has(x):
                return "erf", (float(coeff) ** 2, float(B) ** 2)
    return "generic", None


def _mehler_applies(net):
    """Activations without a closed-form dual (``net.dual.method == "numeric"``) whose NTK
    factor exists take the Mehler-series path of :mod:`ntksym.mehler`."""
    return net.dual.method == "numeric" and net.dual.ntk_factor is not None


# --------------------------------------------------------------------------------------------
# shared math (numpy versions; the numba module mirrors them)
# --------------------------------------------------------------------------------------------

_H = np.array([(-1.0) ** (k + 1) * 2 * k / math.factorial(2 * k + 1) for k in range(1, 12)])


def _h(t, s, co):
    """sin t - t cos t, cancellation-free (series below t = 1)."""
    t2 = t * t
    p = np.full_like(t, _H[10])
    for k in range(9, -1, -1):
        p = p * t2 + _H[k]
    return np.where(t < 1.0, t * t2 * p, s - t * co)


def _one_minus_cos(s, co):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(co >= 0.0, s * s / (1.0 + co), 1.0 - co)


def _one_plus_cos(s, co):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(co <= 0.0, s * s / (1.0 - co), 1.0 + co)


def _abrelu_terms(t, s, co, ao2, ae2):
    g = (2.0 / math.pi) * (s + (math.pi / 2 - t) * co)
    low = t <= math.pi / 2
    tt = np.where(low, t, math.pi - t)
    cc = np.where(low, co, -co)
    omg = _one_minus_cos(s, cc) - (2.0 / math.pi) * _h(tt, s, cc)
    F = ao2 * co + ae2 * g
    mmF = ao2 * _one_minus_cos(s, co) + ae2 * omg
    mpF = ao2 * _one_plus_cos(s, co) + ae2 * (1.0 + g)
    return F, mmF, mpF


def _root_prod(a, b):
    p = a * b
    with np.errstate(over="ignore"):
        return np.where(p <= 1e300, np.sqrt(p), np.sqrt(a) * np.sqrt(b))


def _kahan_angle(U1, U2, nu1, nu2):
    """Angles between paired rows of U1 and U2 (norms nu1, nu2), Kahan's formula."""
    x = nu2[:, None] * U1
    y = nu1[:, None] * U2
    dm = np.sqrt(np.sum((x - y) ** 2, axis=1))
    dp = np.sqrt(np.sum((x + y) ** 2, axis=1))
    return 2.0 * np.arctan2(dm, dp)


def _first_angle(g, i, j, Q1, Q2, U1, U2, N1, N2, w2, b2, d):
    """Layer-1 covariance, angle, sin and cos for index arrays i, j (broadcast shapes)."""
    c = np.array(w2 * g / d + b2)
    q1, q2 = np.broadcast_arrays(Q1[0][i], Q2[0][j])
    r = _root_prod(q1, q2)
    D = q1 * q2 - c * c
    sD = np.sqrt(np.maximum(D, 0.0))
    t = np.arctan2(sD, c)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(r > 0, sD / r, 0.0)
        co = np.where(r > 0, c / r, 1.0)
    t = np.where(r > 0, t, 0.0)
    flag = (c * c > _FLAG * q1 * q2) & (r > 0)
    if np.any(flag):
        ii, jj = np.broadcast_to(i, c.shape)[flag], np.broadcast_to(j, c.shape)[flag]
        tk = _kahan_angle(U1[ii], U2[jj], N1[ii], N2[jj])
        t[flag] = tk
        c[flag] = r[flag] * np.cos(tk)
        s[flag] = np.sin(tk)
        co[flag] = np.cos(tk)
    return c, t, s, co


# --------------------------------------------------------------------------------------------
# diagonal chains
# --------------------------------------------------------------------------------------------

def _chain(kind, params, net, q, w2, b2):
    """Sigma^l(x, x) for l = 1..L+1 (rows) from Sigma^1 = q."""
    if kind == "mehler":   # Mehler-series path (ntksym.mehler): its own 1-D rule
        from ntksym.gram import mehler
        return mehler.chain(net, q, w2, b2)
    L = net.depth
    Q = np.empty((L + 1, q.size))
    Q[0] = q
    for l in range(L):
        q = Q[l]
        if kind == "abrelu":
            ao2, ae2 = params
            z = np.zeros_like(q)
            F, _, _ = _abrelu_terms(z, z, np.ones_like(q), ao2, ae2)
            Q[l + 1] = w2 * (_root_prod(q, q) * F) + b2
        elif kind == "erf":
            S2, B2 = params
            sE = np.sqrt(1.0 + 2.0 * B2 * (q + q))
            Q[l + 1] = w2 * ((S2 * 2.0 / math.pi) * np.arctan2(2.0 * B2 * q, sE)) + b2
        else:
            Q[l + 1] = w2 * np.asarray(net.dual(q, q, q), dtype=float) + b2
    return Q


def _roots(Q):
    """sqrt(Q) and its reciprocal (0 where Q = 0), for the numba kernels."""
    S = np.sqrt(Q)
    with np.errstate(divide="ignore"):
        return S, np.where(S > 0, 1.0 / S, 0.0)


# --------------------------------------------------------------------------------------------
# numpy tiles
# --------------------------------------------------------------------------------------------

def _tile_numpy(kind, params, net, g, i, j, Q1, Q2, U1, U2, N1, N2, w2, b2, d, kz):
    """NNGP and NTK of one tile (row indices i[:, None], column indices j[None, :])."""
    L = net.depth
    std = net.parameterization == "standard"
    width = float(net.width) if std else 0.0
    c, t, s, co = _first_angle(g, i, j, Q1, Q2, U1, U2, N1, N2, w2, b2, d)
    dup = (t == 0.0) & (Q1[0][i] == Q2[0][j])   # identical inputs follow the diagonal's chain
    th = g + 1.0 if std else c.copy()
    if kind == "erf":
        S2, B2 = params
        rr = _root_prod(Q1[0][i], Q2[0][j])
        D = (rr * s) ** 2
    par = _parallel_pairs(net, t, b2) if kind == "generic" else None
    for l in range(L):
        q1, q2 = Q1[l][i], Q2[l][j]
        if kind == "abrelu":
            ao2, ae2 = params
            r = _root_prod(q1, q2)
            F, mmF, mpF = _abrelu_terms(t, s, co, ao2, ae2)
            k12 = r * F
            kd = (ao2 + ae2) - (2.0 * ae2 / math.pi) * t
            z1, z2 = q1 == 0.0, q2 == 0.0
            if np.any(z1) or np.any(z2):
                kd = np.where(z1 | z2, np.where(z1 & z2, kz[1], kz[0]), kd)
        elif kind == "erf":
            E = 1.0 + 2.0 * B2 * (q1 + q2) + 4.0 * B2 * B2 * np.maximum(D, 0.0)
            sE = np.sqrt(E)
            k12 = (S2 * 2.0 / math.pi) * np.arctan2(2.0 * B2 * c, sE)
            kd = (S2 * 4.0 * B2 / math.pi) / sE
        else:
            qa, qb = np.broadcast_arrays(q1, q2)
            k12 = np.asarray(net.dual(qa, qb, c), dtype=float)
            kd = np.asarray(net.dual.ntk(qa, qb, c), dtype=float)
            if par is not None:
                k12, kd, par = _parallel_step(par, qa, qb, k12, kd)
        c = np.where(dup, Q1[l + 1][i], w2 * k12 + b2)
        th = width * k12 + 1.0 + (w2 * kd) * th if std else th * (w2 * kd) + c
        if l + 1 < L:
            p1, p2 = Q1[l + 1][i], Q2[l + 1][j]
            if kind == "abrelu":
                m = ao2 + ae2
                sq = np.sqrt(q1) + np.sqrt(q2)
                with np.errstate(divide="ignore", invalid="ignore"):
                    dq = np.where(sq > 0, (q1 - q2) / sq, 0.0)
                D = (w2 * w2) * r * r * mmF * mpF + w2 * b2 * (m * dq * dq + 2.0 * r * mmF)
                rn = _root_prod(p1, p2)
                sD = np.sqrt(np.maximum(D, 0.0))
                with np.errstate(divide="ignore", invalid="ignore"):
                    t = np.where(rn > 0, np.arctan2(sD, c), 0.0)
                    s = np.where(rn > 0, sD / rn, 0.0)
                    co = np.where(rn > 0, c / rn, 1.0)
            elif kind == "erf":
                D = np.where(dup, 0.0, p1 * p2 - c * c)
            else:
                # c must stay a covariance of the chain's variances (rounding only)
                bound = _root_prod(p1, p2)
                c = np.clip(c, -bound, bound)
    return c, th


_PAR_TOL = 2.0 ** -48   # first-layer angles this close to 0 or pi: proportional inputs


def _parallel_pairs(net, t, b2):
    """Signs of the pairs that stay exactly (anti)parallel through every layer, or None.

    Without bias and with phi positively homogeneous of degree n >= 1, inputs x and lambda x
    (lambda > 0) stay parallel at every layer: their correlation is exactly 1. An odd phi keeps
    antiparallel pairs antiparallel, an even one makes them parallel. The closed forms,
    evaluated at a rounded c = sqrt(q1 q2), would see a spurious angle of ~1e-8 there (a square
    root of the rounding); these pairs are instead evaluated from k(q1, q2, +-sqrt(q1 q2)) =
    (q1 q2)^(n/2) k(1, 1, +-1) and its NTK factor (degree n - 1).
    """
    act = net.activation
    n = act.homogeneity if b2 == 0 and getattr(act, "is_symbolic", False) else None
    if not n:   # None, or degree 0 (step, sign): their map amplifies an angle t to ~sqrt(t),
        return None  # so the rounding-level angle of float inputs x, 3x is real, not noise
    sign = np.where(t <= _PAR_TOL, 1.0, np.where(t >= math.pi - _PAR_TOL, -1.0, 0.0))
    if not np.any(sign):
        return None
    one = np.ones(1)
    ref = {s: (float(net.dual(one, one, s * one)[0]), float(net.dual.ntk(one, one, s * one)[0]))
           for s in (1.0, -1.0)}
    return sign, n, act.parity, ref


def _parallel_step(par, q1, q2, k12, kd):
    """k and its NTK factor of one layer with the (anti)parallel pairs exact; the next signs."""
    sign, n, parity, ref = par
    r = _root_prod(q1, q2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for s in (1.0, -1.0):
            on = (sign == s) & (r > 0)
            if np.any(on):
                k12 = np.where(on, r ** n * ref[s][0], k12)
                kd = np.where(on, r ** (n - 1) * ref[s][1], kd)
    anti = sign < 0
    if np.any(anti):
        sign = np.where(anti, {"odd": -1.0, "even": 1.0}.get(parity, 0.0), sign)
    return k12, kd, (sign, n, parity, ref)


def _run_numpy(kind, params, net, G, T, Q1, Q2, U1, U2, N1, N2, w2, b2, d, kz, sym):
    n1, n2 = G.shape
    for a in range(0, n1, TILE):
        i = np.arange(a, min(a + TILE, n1))
        for b in range(a if sym else 0, n2, TILE):
            j = np.arange(b, min(b + TILE, n2))
            g = G[a:a + len(i), b:b + len(j)]
            c, th = _tile_numpy(kind, params, net, g, i[:, None], j[None, :], Q1, Q2, U1, U2,
                                N1, N2, w2, b2, d, kz)
            G[a:a + len(i), b:b + len(j)] = c
            T[a:a + len(i), b:b + len(j)] = th
    if sym:
        _mirror_numpy(G)
        _mirror_numpy(T)


def _mirror_numpy(A):
    n = A.shape[0]
    for a in range(0, n, TILE):
        blk = A[a:a + TILE, a:a + TILE]
        iu = np.triu_indices(blk.shape[0], 1)
        blk[(iu[1], iu[0])] = blk[iu]
        for b in range(a + TILE, n, TILE):
            A[b:b + TILE, a:a + TILE] = A[a:a + TILE, b:b + TILE].T


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------

_ROWS = 1024   # rows of <x, x'> formed per matrix product (no n x n temporary)


def _outputs(out, n1, n2):
    """The two output arrays: new ones, or the caller's ``out`` pair after checking it."""
    if out is None:
        return np.empty((n1, n2)), np.empty((n1, n2))
    try:
        G, T = out
    except (TypeError, ValueError):
        raise TypeError("out must be a pair (nngp, ntk) of float64 arrays") from None
    for name, A in (("out[0]", G), ("out[1]", T)):
        if not isinstance(A, np.ndarray):
            raise TypeError(f"{name} must be a numpy array, got {type(A).__name__}")
        if A.dtype != np.float64 or A.shape != (n1, n2):
            raise ValueError(f"{name} must be a float64 array of shape {(n1, n2)}, got "
                             f"{A.dtype} {A.shape}")
        if not (A.flags.c_contiguous and A.flags.writeable):
            raise ValueError(f"{name} must be C-contiguous and writeable")
    if np.shares_memory(G, T):
        raise ValueError("out[0] and out[1] must not overlap")
    return G, T


def gram_float64(net, X1, X2=None, backend=None, out=None):
    """(nngp, ntk) float64 Gram matrices of ``net`` on X1 x X2 (X2 None: X1 x X1, symmetric).

    ``out`` is None or a pair of preallocated, writeable, C-contiguous float64 arrays of shape
    (n1, n2) that receive the results (for instance ``numpy.lib.format.open_memmap`` files when
    the two n x n matrices do not fit in memory: the computation itself needs only O(n * L)
    besides them, since every entry is computed in place, block of rows by block of rows).

    ``backend`` is None (numba when installed, else numpy), ``"numba"`` or ``"numpy"`` for the
    structural fast paths, or ``"generic"`` to force the generic path (the dual's own float64
    functions) for any activation; the generic path always runs on numpy.
    """
    X1, X2 = check_inputs(X1, X2)
    sym = X2 is None
    Xb = X1 if sym else X2
    d = X1.shape[1]
    w2, b2 = float(net.W_std) ** 2, float(net.b_std) ** 2
    std = net.parameterization == "standard"
    kind, params = recognise(net.activation)
    if backend == "generic":
        kind, params = "generic", None
    elif kind == "generic" and _mehler_applies(net):   # Mehler-series path (ntksym.mehler)
        kind = "mehler"
    if backend not in (None, "numba", "numpy", "generic"):
        raise ValueError(f"unknown backend {backend!r}")
    use_nb = HAVE_NUMBA and kind != "generic" and backend != "numpy"
    if backend == "numba" and not (HAVE_NUMBA and kind != "generic"):
        raise ValueError("the numba backend needs numba and a fast-path activation")

    n1sq = np.einsum("ij,ij->i", X1, X1)
    n2sq = n1sq if sym else np.einsum("ij,ij->i", Xb, Xb)
    sc = math.sqrt(w2 / d)
    bb = math.sqrt(b2)
    U1 = np.hstack([X1 * sc, np.full((X1.shape[0], 1), bb)])
    U2 = U1 if sym else np.hstack([Xb * sc, np.full((Xb.shape[0], 1), bb)])
    N1 = np.sqrt(np.einsum("ij,ij->i", U1, U1))
    N2 = N1 if sym else np.sqrt(np.einsum("ij,ij->i", U2, U2))
    Q1 = _chain(kind, params, net, w2 * n1sq / d + b2, w2, b2)
    Q2 = Q1 if sym else _chain(kind, params, net, w2 * n2sq / d + b2, w2, b2)

    # G holds <x, x'> and is overwritten in place by the NNGP: no extra n x n buffer
    G, T = _outputs(out, X1.shape[0], Xb.shape[0])
    for a in range(0, G.shape[0], _ROWS):   # <x, x'> in place, a block of rows at a time
        np.matmul(X1[a:a + _ROWS], Xb.T, out=G[a:a + _ROWS])
    if sym:
        np.fill_diagonal(G, n1sq)
    if kind == "mehler":   # Mehler-series path (ntksym.mehler): no closed-form dual
        from ntksym.gram import mehler
        mehler.run(net, G, T, Q1, Q2, U1, U2, N1, N2, w2, b2, d, sym,
                   use_numba=backend != "numpy")
        return G, T
    kz = (0.0, 0.0)
    if kind == "abrelu":
        kz = (float(net.dual.ntk(0.0, 1.0, 0.0)), float(net.dual.ntk(0.0, 0.0, 0.0)))
    width = float(net.width) if std else 0.0
    if use_nb:
        if kind == "abrelu":
            S1, I1 = _roots(Q1)
            S2, I2 = (S1, I1) if sym else _roots(Q2)
            _nb.abrelu_kernel(G, T, Q1, Q2, S1, S2, I1, I2, U1, U2, N1, N2, w2, b2, float(d),
                              params[0], params[1], kz[0], kz[1], std, width, sym, _FLAG)
        else:
            _nb.erf_kernel(G, T, Q1, Q2, U1, U2, N1, N2, w2, b2, float(d), params[0],
                           params[1], std, width, sym, _FLAG)
        if sym:
            _nb.mirror(G)
            _nb.mirror(T)
    else:
        _run_numpy(kind, params, net, G, T, Q1, Q2, U1, U2, N1, N2, w2, b2, d, kz, sym)
    return G, T
