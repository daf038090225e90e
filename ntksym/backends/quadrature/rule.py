r"""Panels and nodes of the float64 rule: composite Gauss--Legendre panels along lines.

Each line is covered by composite Gauss--Legendre panels (24 nodes by default) on ``[-L, L]``,
``L = 12 + shift``: at most 4 standard units wide in the core ``|w| <= 4 + shift`` and 8 in the
tails; at most 12 (core) / 24 (tails) *x-units* wide, where the x-scale is the sum of the scales
of the two factors (products of oscillating functions oscillate at the sum of the frequencies);
and, next to each special point (kink, ``0``, coincidence point), a graded panel at most 5
x-units wide, so that functions with complex singularities close to the real axis there
(``tanh``, ``sigmoid``, ``softplus`` have poles at ``+-i pi/2``, ``+-i pi``) converge. ``shift``
widens the range for exponentially growing functions (``exp(b x)``), from a growth rate probed
once per call. Panels are built per batch entry with numpy broadcasting (no Python loop over
entries): entries are grouped by the panel counts their scales need (a few groups), and the
work is chunked to stay in cache. Gauss--Legendre nodes and weights are computed once, correctly
rounded (numpy's and scipy's weights carry errors up to 1e-13 that bias sums by ~1e-15). Panel
midpoints and half-widths are formed in double-double from the exact edges, so that rounding
neither shifts nor stretches a panel as a whole (which would move a kink at its edge by
~1e-16); :func:`row_sums` sums rows without cancellation error.

The functions here also evaluate ``f`` on the nodes (vectorised, or element by element for
scalar-only callables) and probe its exponential growth rate, which sets ``shift``.
"""
import math

import numpy as np

from ntksym.backends.quadrature.legendre import gauss_legendre

N_DEFAULT = 24          # Gauss-Legendre nodes per panel
_CORE = 4.0              # half-width of the core region (standard units), before the shift
_TAIL = 8.0              # width of each tail region beyond the core
_HZ_CORE = 4.0           # max panel width in the core (standard units)
_HZ_TAIL = 8.0           # max panel width in the tails (standard units)
_HX_CORE = 12.0          # max panel width in the core (x-units: kappa * width)
_HX_TAIL = 24.0          # max panel width in the tails (x-units)
W0 = 5.0                # max x-width of a panel next to a special point
_SHIFT_STEP = 1.5        # quantum of the growth shift (groups share one grid)
_SHIFT_MAX = 24.0
CHUNK = 1 << 15         # max number of inner nodes evaluated at once
_BUCKETS = np.array([1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160,
                     192, 256, 320, 384, 512, 640, 768, 1024, 1280, 1536, 2048, 4096, 8192,
                     16384, 32768, 65536])
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
MAX_LEVEL = 4           # x-resolution doublings tried for fast-varying functions
LEVEL_RTOL = 1e-14      # agreement of two resolution levels (rounding is ~3e-15)


def evaluate(f, x):
    """f(x) as a float64 array of x's shape; falls back to element-wise calls."""
    try:
        y = f(x)
    except Exception:               # not vectorised (e.g. math.tanh): call element-wise
        y = np.array([f(float(t)) for t in x.ravel()]).reshape(x.shape)
    y = np.asarray(y)
    if np.iscomplexobj(y):
        raise ValueError("the function returned complex values; it must be real")
    y = y.astype(np.float64, copy=False)
    if y.shape != x.shape:
        y = np.broadcast_to(y, x.shape)
    return y


def value_at_zero(f):
    return float(evaluate(f, np.zeros(1))[0])


def growth_rate(f, scale):
    """A rough exponential growth rate b >= 0 of |f(x)| for |x| in [5, 11.5] * scale.

    Used only to widen the integration range for functions like exp(b x) (polynomials give a
    small rate, hence no widening). ``scale`` is an array; the rate is probed at the largest
    scale, inside the range the quadrature evaluates anyway (so a naive implementation that
    overflows far out is never called there).
    """
    x0 = 5.0 * max(1.0, float(np.max(scale)) if np.size(scale) else 1.0)
    offs = np.array([1.0, 1.05, 1.1, 1.15])
    pts = np.concatenate([x0 * offs, 2 * x0 * offs, -x0 * offs, -2 * x0 * offs])
    with np.errstate(all="ignore"):
        vals = np.abs(evaluate(f, pts)).reshape(4, 4)
    if not np.all(np.isfinite(vals)):
        return 0.0                   # overflow or NaN out there: nothing sensible to extend
    m = vals.max(axis=1) + 1e-300
    rate = max(np.log(m[1] / m[0]), np.log(m[3] / m[2]), 0.0) / x0
    return float(rate)


def growth_shift(rate, sq):
    """Shift of the Gaussian mass (standard units) for growth exp(rate |x|) at x = sq * z."""
    sh = np.minimum(rate * sq, _SHIFT_MAX)
    # below ~0.3 standard units a shift changes nothing (L = 12 leaves a big margin)
    sh = np.where(sh < 0.3, 0.0, sh)
    return np.ceil(sh / _SHIFT_STEP) * _SHIFT_STEP


def _bucket(m):
    idx = np.searchsorted(_BUCKETS, m)
    idx = np.minimum(idx, len(_BUCKETS) - 1)
    return _BUCKETS[idx]


def grid_keys(kosc, kgrade, shift, rz):
    """Per-entry grid parameters (core panels per side, tail panels per side, graded?, shift).

    Args:
        kosc: x-units per standard unit that oscillation must be resolved at (regular panels).
        kgrade: largest x-scale of a function at its own special points (grading).
        shift: growth shift of the Gaussian mass (standard units).
        rz: refinement factor (a power of 2) of the panel widths in standard units.
    """
    core = _CORE + shift
    with np.errstate(divide="ignore"):
        hz = np.minimum(_HZ_CORE / rz, _HX_CORE / kosc)
        ht = np.minimum(_HZ_TAIL / rz, _HX_TAIL / kosc)
    m = _bucket(np.maximum(np.ceil(core / hz - 1e-9), 1).astype(np.int64))
    mt = _bucket(np.maximum(np.ceil(_TAIL / ht - 1e-9), 1).astype(np.int64))
    graded = ((core / m) * kgrade > W0).astype(np.int64)
    return np.stack([m, mt, graded, np.round(shift / _SHIFT_STEP).astype(np.int64)], axis=-1)


def _regular_edges(m, mt, shift_q):
    core = _CORE + shift_q * _SHIFT_STEP
    left = np.linspace(-core - _TAIL, -core, mt + 1)
    mid = np.linspace(-core, core, 2 * m + 1)
    right = np.linspace(core, core + _TAIL, mt + 1)
    return np.concatenate([left[:-1], mid, right[1:]]), core + _TAIL


def n_panels(key, npoints, center):
    m, mt, graded = int(key[0]), int(key[1]), int(key[2])
    edges = 2 * m + 2 * mt + 1 + npoints * (3 if graded else 1) + (2 if graded and center else 0)
    return edges - 1


def nodes(points, delta, delta0, key, n):
    """Composite Gauss-Legendre nodes and Gaussian-weighted weights for a batch of lines.

    Args:
        points: (..., P) special points (standard units) where the integrand has kinks.
        delta: (..., P) distance of the graded edge next to each point (used if key says so).
        delta0: (...) the same for the special point 0, or None when 0 is not special (0 is
            always a regular edge).
        key: (m, mt, graded, shift_q) grid parameters shared by the batch.
        n: nodes per panel.

    Returns:
        nodes, weights of shape (..., n_panels * n); weights include the N(0, 1) density.
    """
    m, mt, graded, shift_q = (int(k) for k in key)
    reg, L = _regular_edges(m, mt, shift_q)
    lead = points.shape[:-1]
    pieces = [np.broadcast_to(reg, lead + reg.shape), points]
    if graded:
        pieces.append(points - delta)
        pieces.append(points + delta)
        if delta0 is not None:
            pieces.append(-delta0[..., None])
            pieces.append(delta0[..., None])
    edges = np.concatenate(pieces, axis=-1)
    np.clip(edges, -L, L, out=edges)
    edges.sort(axis=-1)
    a, b = edges[..., :-1], edges[..., 1:]
    # midpoint and half-width in double-double (TwoSum): rounding them would shift or stretch
    # each panel as a whole, by ~1e-16 absolute, an error common to all of its nodes that does
    # not average out (a panel split at a kink then moves the kink by that much)
    mid_hi, mid_lo = _two_sum(a, b)
    half_hi, half_lo = _two_sum(b, -a)
    for arr in (mid_hi, mid_lo, half_hi, half_lo):
        arr *= 0.5
    t, w = gauss_legendre(n)
    nodes = np.multiply.outer(half_lo, t)
    nodes += mid_lo[..., None]
    nodes += np.multiply.outer(half_hi, t)
    nodes += mid_hi[..., None]
    weights = np.square(nodes)
    weights *= -0.5
    np.exp(weights, out=weights)
    weights *= w * _INV_SQRT_2PI
    lo = weights * half_lo[..., None]
    weights *= half_hi[..., None]
    weights += lo
    shape = lead + (nodes.shape[-2] * n,)
    return nodes.reshape(shape), weights.reshape(shape)


def _two_sum(a, b):
    """a + b = s + e exactly (Knuth's TwoSum), elementwise."""
    s = a + b
    bb = s - a
    e = a - (s - bb)
    e += b - bb
    return s, e


def groups(keys):
    """Yield (key, indices) for the distinct rows of an integer key matrix."""
    if keys.shape[0] == 0:
        return
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    for j, key in enumerate(uniq):
        yield key, np.flatnonzero(inverse == j)


def grade(kappa):
    with np.errstate(divide="ignore"):
        return W0 / kappa          # inf for kappa == 0: clipped to the range later


def row_sums(x):
    """Row sums of a 2-D float64 array, accurate to about one rounding of the result.

    A cascade of error-free TwoSum additions (Knuth): each level adds the two halves of the
    columns and keeps the exact rounding errors, whose (tiny) plain sum corrects the result.
    A plain sum of terms of size ~1 that cancel to a small value (``sign(u) sign(v)`` at small
    ``rho``, where the result is ~``rho``) is only accurate to ~1e-16 *absolute*; this one to
    ~1e-16 relative to the result plus ~1e-32 absolute. Rows whose sum overflows (inf or NaN)
    get the plain sum. ``x`` is overwritten.
    """
    rows, m = x.shape
    err = np.zeros(rows)
    if m == 0:
        return err
    with np.errstate(invalid="ignore", over="ignore"):
        while m > 1:
            if m % 2:                       # fold the last column into the first
                s, e = _two_sum(x[:, 0], x[:, m - 1])
                x[:, 0] = s
                err += e
                m -= 1
            h = m // 2
            a, b = x[:, :h], x[:, h:m]
            s = a + b
            bb = s - a
            e = s - bb
            np.subtract(a, e, out=e)
            b -= bb
            e += b
            err += e.sum(axis=1)
            x, m = s, h
        total = x[:, 0]
        return np.where(np.isfinite(err), total + err, total)
