r"""Numeric Gaussian expectations E[f(u)], E[f(u) g(v)] for kinked and smooth activations.

This module is the *numeric* layer of ntksym: it evaluates activations that have no closed-form
dual (tanh, sigmoid, softplus, SiLU, ELU, user callables) and independently checks every symbolic
derivation, so accuracy is the whole point.

Notation: ``(u, v) ~ N(0, [[q1, c], [c, q2]])`` with ``q1, q2 >= 0`` and ``c**2 <= q1*q2``;
``f`` and ``g`` are real functions of one real variable that may have kinks or jumps at finitely
many known *breakpoints* (``0`` is always treated as one) and grow at most polynomially or like
``exp(b|x|)``.

Float64 path (:func:`expect1`, :func:`expect2`)
-----------------------------------------------
Write ``u = sqrt(q1) (n_f . z)`` and ``v = sqrt(q2) (n_g . z)`` with ``z ~ N(0, I_2)``,
``n_f = (1, 0)``, ``n_g = (rho, s)``, ``rho = c / sqrt(q1 q2)``, ``s = sqrt(q1 q2 - c^2) /
sqrt(q1 q2)``; ``q1 q2 - c^2`` is formed with an error-free (Dekker) product, so ``s`` is
accurate even for ``|rho| = 1 - 1e-12``.

The kinks of ``f(u)`` and ``g(v)`` are straight lines in the z-plane with normals ``n_f`` and
``n_g``. The plane is rotated so that the *inner* integration direction bisects the angle between
the two normals (or between ``n_f`` and ``-n_g``): both families of kink lines then cross every
inner line at 45 degrees or more, whatever ``rho`` is. Hence

* the inner integrand (one line, Gaussian weight) is analytic between its two kinks, whose
  positions are known exactly; the panels are split there;
* the outer integrand ``H(w2)`` (the inner integral as a function of the line's offset) is
  analytic except where the two kinks of a line coincide (the projections of the intersections
  of kink lines), where the outer panels are split; elsewhere it varies on the Gaussian's scale
  (the kinks move along the lines at rates ``|tan| <= 1``). No feature of width
  ``sqrt(1 - rho^2)`` or ``|rho|`` appears, as it would in the naive ``z1``/``z2`` order (where
  ``E[g(v) | z1]`` is a kink smoothed over ``s``, which Gauss-Legendre cannot resolve).

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
rounded (numpy's and scipy's weights carry errors up to 1e-13 that bias sums by ~1e-15).

The widths above assume that f and g vary on a scale of about one x-unit away from their
breakpoints. Functions that vary faster (``erf(3x)``, ``exp(-8x^2)``, ``sin(4x)``) are detected
per variance: ``E[f(u)^2]`` is computed on panels sized for a product of two such factors, with
all widths halved level by level until two levels agree to ``1e-14``; the two-dimensional rule
then uses that refinement for that function. A function that does not converge (a kink missing
from ``breaks``) gives a ``RuntimeWarning``. The same 1-D pass yields ``E[f(u)]``, which is also
the result of :func:`expect1` and the factors of the ``c == 0`` case.

Degenerate cases are exact: ``q1 == 0`` gives ``f(0) E[g(v)]`` (likewise ``q2 == 0``),
``c == 0`` gives ``E[f(u)] E[g(v)]``, and ``c^2 >= q1 q2`` (``s == 0``; a rounding overshoot up
to a relative ``1e-12`` is accepted) gives the one-dimensional
``E[f(sqrt(q1) z) g(sign(c) sqrt(q2) z)]`` with the breakpoints of both functions. Batches may
mix all cases.

Accuracy and cost: for ReLU, leaky ReLU, step, sign, ``|x|``, ``max(0, x)^3``, ELU, tanh, erf,
sin, softplus, SiLU, GELU, ``x^3`` and ``exp`` (where its expectation is representable), with
variances in ``[1e-6, 1e3]``, ``q1 != q2``, ``c = 0``, ``c = +-sqrt(q1 q2)`` and
``|rho| = 1 - 1e-12``, the measured relative error against closed forms and the mpmath path is
below ``4e-15`` (``2e-14`` for sin at ``q = 10``, where cancellation makes the value 100 times
smaller than its scale), and the absolute error is below ``1e-15 * sqrt(E[f(u)^2] E[g(v)^2])``
where the value is ~0; ``erf(bx)``, ``exp(-a x^2)``, ``sin(bx)`` with ``b`` up to 10 and ``a``
up to 64 are as accurate. The cost grows like ``max(1, q)`` in two dimensions (oscillation must
be resolved); 1000 ReLU triples with ``q ~ 1`` take about 0.3 s of CPU time (tanh about 0.7 s,
most of it in ``np.tanh``).

mpmath path (:func:`expect1_mp`, :func:`expect2_mp`)
----------------------------------------------------
The high-precision reference is written separately with scalar ``mpmath`` arithmetic. It uses
the same exact change of variables (rotation, kink splitting) with its own panel layout: regular
edges at ``0, +-3, +-6.5, +-Z``, geometric grading (ratio 2) towards every special point, and a
node count per panel chosen from its width, its x-width and its distance to the special points,
scaled with the number of digits wanted and reduced where the Gaussian weight is small; fast
varying functions are detected and refined as in the float64 path (levels agreeing to
``10^-(dps+2)``). Gauss--Legendre nodes are computed once per precision by Newton's method. (Nested
``mpmath.quad``, i.e. adaptive tanh--sinh, was tried and takes minutes per call at 30 digits.)
The computation runs at ``dps + 10`` digits inside ``mpmath.workdps`` (the caller's ``mp.dps``
is left unchanged) and the result, rounded to ``dps`` digits, is correct to about ``dps``
significant digits (measured: ``1e-33`` relative at ``dps = 30`` against closed forms). A ReLU
pair at ``dps = 30`` takes about a second; functions that are expensive in mpmath (``erf``,
``exp``, ``log1p``) take several seconds, and the cost grows like ``max(1, q)`` for large
variances.
"""
import functools
import math
import warnings

import mpmath
import numpy as np

__all__ = ["expect1", "expect2", "expect1_mp", "expect2_mp"]

# --------------------------------------------------------------------------------------------
# float64 path: constants
# --------------------------------------------------------------------------------------------
_N_DEFAULT = 24          # Gauss-Legendre nodes per panel
_CORE = 4.0              # half-width of the core region (standard units), before the shift
_TAIL = 8.0              # width of each tail region beyond the core
_HZ_CORE = 4.0           # max panel width in the core (standard units)
_HZ_TAIL = 8.0           # max panel width in the tails (standard units)
_HX_CORE = 12.0          # max panel width in the core (x-units: kappa * width)
_HX_TAIL = 24.0          # max panel width in the tails (x-units)
_W0 = 5.0                # max x-width of a panel next to a special point
_SHIFT_STEP = 1.5        # quantum of the growth shift (groups share one grid)
_SHIFT_MAX = 24.0
_CHUNK = 1 << 15         # max number of inner nodes evaluated at once
_BUCKETS = np.array([1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160,
                     192, 256, 320, 384, 512, 640, 768, 1024, 1280, 1536, 2048, 4096, 8192,
                     16384, 32768, 65536])
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_COV_RTOL = 1e-12        # tolerated relative overshoot of c^2 over q1 q2
_MAX_LEVEL = 4           # x-resolution doublings tried for fast-varying functions
_LEVEL_RTOL = 1e-14      # agreement of two resolution levels (rounding is ~3e-15)


# --------------------------------------------------------------------------------------------
# validation helpers (shared by both paths)
# --------------------------------------------------------------------------------------------
def _check_callable(f, name):
    if not callable(f):
        raise TypeError(f"{name} must be callable, got {type(f).__name__}")


def _as_array(value, name):
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be real numbers, got {value!r}") from exc
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf), got {value!r}")
    return arr


def _as_breaks(breaks, name):
    try:
        arr = np.asarray(tuple(breaks) if not np.isscalar(breaks) else (breaks,),
                         dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a sequence of real numbers, got {breaks!r}") from exc
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {breaks!r}")
    arr = np.unique(arr)
    return arr[arr != 0.0]          # 0 is always a special point, handled separately


def _check_cov(q1, q2, c):
    if np.any(q1 < 0):
        raise ValueError(f"variance q1 must be >= 0, got min {q1.min()!r}")
    if np.any(q2 < 0):
        raise ValueError(f"variance q2 must be >= 0, got min {q2.min()!r}")
    bad = c * c > q1 * q2 * (1.0 + _COV_RTOL)
    if np.any(bad):
        i = np.flatnonzero(bad.ravel())[0]
        raise ValueError(
            "not a covariance matrix: c**2 > q1*q2 at entry "
            f"{i} (q1={q1.ravel()[i]!r}, q2={q2.ravel()[i]!r}, c={c.ravel()[i]!r})")


# --------------------------------------------------------------------------------------------
# float64 path: function evaluation
# --------------------------------------------------------------------------------------------
def _evaluate(f, x):
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


def _value_at_zero(f):
    return float(_evaluate(f, np.zeros(1))[0])


def _growth_rate(f, scale):
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
        vals = np.abs(_evaluate(f, pts)).reshape(4, 4)
    if not np.all(np.isfinite(vals)):
        return 0.0                   # overflow or NaN out there: nothing sensible to extend
    m = vals.max(axis=1) + 1e-300
    rate = max(np.log(m[1] / m[0]), np.log(m[3] / m[2]), 0.0) / x0
    return float(rate)


def _shift(rate, sq):
    """Shift of the Gaussian mass (standard units) for growth exp(rate |x|) at x = sq * z."""
    sh = np.minimum(rate * sq, _SHIFT_MAX)
    # below ~0.3 standard units a shift changes nothing (L = 12 leaves a big margin)
    sh = np.where(sh < 0.3, 0.0, sh)
    return np.ceil(sh / _SHIFT_STEP) * _SHIFT_STEP


# --------------------------------------------------------------------------------------------
# float64 path: panels and nodes
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _legendre(n):
    """Gauss-Legendre nodes and weights on [-1, 1], correctly rounded to float64.

    (numpy's and scipy's rules have relative errors up to ~1e-13 in some weights, which shows
    up as a bias of a few 1e-15 in sums of positive terms.)
    """
    xs, ws = _mp_legendre(int(n), 90)
    order = np.argsort(np.array([float(x) for x in xs]))
    t = np.array([float(x) for x in xs])[order]
    w = np.array([float(x) for x in ws])[order]
    return t, w


def _bucket(m):
    idx = np.searchsorted(_BUCKETS, m)
    idx = np.minimum(idx, len(_BUCKETS) - 1)
    return _BUCKETS[idx]


def _grid_keys(kosc, kgrade, shift, rz):
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
    graded = ((core / m) * kgrade > _W0).astype(np.int64)
    return np.stack([m, mt, graded, np.round(shift / _SHIFT_STEP).astype(np.int64)], axis=-1)


def _regular_edges(m, mt, shift_q):
    core = _CORE + shift_q * _SHIFT_STEP
    left = np.linspace(-core - _TAIL, -core, mt + 1)
    mid = np.linspace(-core, core, 2 * m + 1)
    right = np.linspace(core, core + _TAIL, mt + 1)
    return np.concatenate([left[:-1], mid, right[1:]]), core + _TAIL


def _n_panels(key, npoints, center):
    m, mt, graded = int(key[0]), int(key[1]), int(key[2])
    edges = 2 * m + 2 * mt + 1 + npoints * (3 if graded else 1) + (2 if graded and center else 0)
    return edges - 1


def _nodes(points, delta, delta0, key, n):
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
    a = edges[..., :-1]
    half = 0.5 * (edges[..., 1:] - a)
    mid = a + half
    t, w = _legendre(n)
    nodes = np.multiply.outer(half, t)
    nodes += mid[..., None]
    weights = np.square(nodes)
    weights *= -0.5
    np.exp(weights, out=weights)
    weights *= w * _INV_SQRT_2PI
    weights *= half[..., None]
    shape = lead + (nodes.shape[-2] * n,)
    return nodes.reshape(shape), weights.reshape(shape)


def _groups(keys):
    """Yield (key, indices) for the distinct rows of an integer key matrix."""
    if keys.shape[0] == 0:
        return
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    for j, key in enumerate(uniq):
        yield key, np.flatnonzero(inverse == j)


def _grade(kappa):
    with np.errstate(divide="ignore"):
        return _W0 / kappa          # inf for kappa == 0: clipped to the range later


# --------------------------------------------------------------------------------------------
# float64 path: one- and two-dimensional integrals over a batch
# --------------------------------------------------------------------------------------------
def _int1d(integrand, points, delta, delta0, kosc, shift, n, square=False, rz=None):
    """sum_k w_k integrand(z_k, idx) over the batch; integrand values exclude the Gaussian.

    Args:
        integrand: callable (z, idx) -> values, z of shape (len(idx), M).
        points, delta: (B, P) special points other than 0 and their grading distances.
        delta0: (B,) grading distance at 0 (always special in one dimension).
        kosc: (B,) oscillation scale; shift: (B,) growth shifts.
        square: also return the sums of the squared values.
        rz: (B,) refinement factors of the widths in standard units (default 1).
    """
    B = points.shape[0]
    out = np.zeros((2 if square else 1, B))
    kgrade = _W0 / np.min(np.concatenate([delta, delta0[:, None]], axis=1), axis=1)
    keys = _grid_keys(kosc, kgrade, shift, np.ones(B) if rz is None else rz)
    for key, idx in _groups(keys):
        step = max(1, _CHUNK // (_n_panels(key, points.shape[1], True) * n))
        for s0 in range(0, idx.size, step):
            sel = idx[s0:s0 + step]
            z, w = _nodes(points[sel], delta[sel], delta0[sel], key, n)
            vals = integrand(z, sel)
            out[0, sel] = np.einsum("ij,ij->i", w, vals)
            if square:
                out[1, sel] = np.einsum("ij,ij,ij->i", w, vals, vals)
    return out if square else out[0]


def _resolve1(f, sq, breaks, n, name="f"):
    """E[f(sq z)] and the x-resolution factor 2**level that f needs, per scale sq > 0.

    The panels assume that f varies on a scale of about one x-unit away from its breakpoints.
    Functions such as erf(3 x), exp(-8 x^2) or sin(4 x) vary faster. The test is E[f(u)^2]
    on panels sized for the product of two such factors (twice the oscillation scale, as in
    the two-dimensional rules): all panel widths are halved level by level until two levels
    agree to 1e-14, and the two-dimensional rules use the coarser of the two. E[f(u)] comes
    from the finer level.
    """
    B = sq.shape[0]
    if B == 0:
        return np.zeros(0), np.ones(0)
    uq, inv = np.unique(sq, return_inverse=True)
    inv = inv.ravel()
    rate = _growth_rate(f, uq)
    shift = _shift(2.0 * rate, uq)                    # f^2 grows twice as fast
    points = breaks[None, :] / uq[:, None]

    def moments(level, sel):
        r = 2.0 ** level
        k = uq[sel] * r
        d0 = _grade(k)
        scale = uq[sel]
        with np.errstate(over="ignore", invalid="ignore"):
            return _int1d(lambda z, idx: _evaluate(f, scale[idx, None] * z), points[sel],
                          np.broadcast_to(d0[:, None], points[sel].shape), d0, 2.0 * k,
                          shift[sel], n, square=True, rz=np.full(sel.size, r))

    value = np.empty(uq.shape)
    level = np.zeros(uq.shape, dtype=np.int64)
    todo = np.arange(uq.size)
    prev = moments(0, todo)
    for lev in range(1, _MAX_LEVEL + 1):
        cur = moments(lev, todo)
        with np.errstate(invalid="ignore", over="ignore"):
            ok = np.abs(cur[1] - prev[1]) <= _LEVEL_RTOL * np.abs(cur[1])
            ok |= ~(np.isfinite(cur[1]) & np.isfinite(prev[1]))     # overflow: cannot judge
        value[todo[ok]] = cur[0, ok]
        level[todo[ok]] = lev - 1
        todo, prev = todo[~ok], cur[:, ~ok]
        if todo.size == 0:
            break
    if todo.size:
        value[todo] = prev[0]
        level[todo] = _MAX_LEVEL
        warnings.warn(
            f"quadrature of {name} did not converge at variance {float(uq[todo[0]]) ** 2:g} "
            "(a kink or jump that is not among the breakpoints, or a feature far narrower than "
            "the standard deviation?); the result may be inaccurate", RuntimeWarning,
            stacklevel=3)
    return value[inv], (2.0 ** level)[inv]


def _two_prod(a, b):
    """Error-free product: a * b = p + e exactly (Dekker / Veltkamp split)."""
    p = a * b
    split = 134217729.0  # 2**27 + 1
    ta = split * a
    ah = ta - (ta - a)
    al = a - ah
    tb = split * b
    bh = tb - (tb - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def _det(q1, q2, c):
    """q1 q2 - c^2 with (nearly) full relative accuracy, even under cancellation."""
    with np.errstate(all="ignore"):
        p1, e1 = _two_prod(q1, q2)
        p2, e2 = _two_prod(c, c)
        d = (p1 - p2) + (e1 - e2)
    return np.where(np.isfinite(d), d, q1 * q2 - c * c)


def _expect2_degenerate(f, g, sq1, sq2, sgn, bf, bg, rf, rg, n):
    """E[f(sq1 z) g(sgn sq2 z)]: perfectly (anti-)correlated u, v (1-D batch arrays).

    rf, rg are the x-resolution factors of f and g (see :func:`_resolve1`).
    """
    pf = bf[None, :] / sq1[:, None]
    pg = sgn[:, None] * bg[None, :] / sq2[:, None]
    points = np.concatenate([pf, pg], axis=1)
    df, dg = _grade(sq1 * rf), _grade(sq2 * rg)
    delta = np.concatenate([np.broadcast_to(df[:, None], pf.shape),
                            np.broadcast_to(dg[:, None], pg.shape)], axis=1)
    shift = _shift(_growth_rate(f, sq1), sq1) + _shift(_growth_rate(g, sq2), sq2)
    b2 = sgn * sq2
    return _int1d(lambda z, idx: _evaluate(f, sq1[idx, None] * z) * _evaluate(g, b2[idx, None] * z),
                  points, delta, np.minimum(df, dg), sq1 * rf + sq2 * rg, shift, n,
                  rz=np.maximum(rf, rg))


def _expect2_general(f, g, sq1, sq2, rho, s, bf, bg, rf, rg, n):
    """E[f(u) g(v)] for q1, q2 > 0, 0 < s, |rho| <= 1 (1-D batch arrays).

    rf, rg are the x-resolution factors of f and g (see :func:`_resolve1`).
    """
    B = sq1.shape[0]
    if B == 0:
        return np.zeros(0)
    pos = rho >= 0
    # half-angle trigonometry of theta = atan2(s, rho), computed without cancellation
    with np.errstate(all="ignore"):
        ch = np.sqrt(0.5 * (1.0 + rho))     # cos(theta/2), accurate for rho >= 0
        sh = np.sqrt(0.5 * (1.0 - rho))     # sin(theta/2), accurate for rho < 0
        sh_p = s / (2.0 * ch)
        ch_n = s / (2.0 * sh)
    A1 = np.where(pos, ch, sh)
    B1 = np.where(pos, -sh_p, ch_n)
    A2 = np.where(pos, ch, -sh)
    B2 = np.where(pos, sh_p, ch_n)
    # u = sq1 (A1 w1 + B1 w2), v = sq2 (A2 w1 + B2 w2); inner along w1, outer along w2
    a1, a2 = sq1 * A1, sq2 * A2
    x1, x2 = sq1 * B1, sq2 * B2
    zero = np.zeros((B, 1))
    bf_all = np.concatenate([zero, bf[None, :] / sq1[:, None]], axis=1)   # (B, Pf)
    bg_all = np.concatenate([zero, bg[None, :] / sq2[:, None]], axis=1)   # (B, Pg)
    npf, npg = bf_all.shape[1], bg_all.shape[1]
    # coincidence points of the two kink families (excluding the (0, 0) pair, which is 0)
    with np.errstate(all="ignore"):
        co = (A1[:, None, None] * bg_all[:, None, :] - A2[:, None, None] * bf_all[:, :, None])
        co = co / s[:, None, None]
    co = np.nan_to_num(co.reshape(B, -1)[:, 1:], nan=0.0, posinf=1e300, neginf=-1e300)
    # scales: oscillation is resolved at the sum of the frequencies of the two factors, the
    # grading next to a kink at the scale of the function that has it
    af, ag = np.abs(a1) * rf, np.abs(a2) * rg
    xf, xg = np.abs(x1) * rf, np.abs(x2) * rg
    d_out = _grade(np.maximum(xf, xg))
    d_in = np.concatenate([np.repeat(_grade(af)[:, None], npf, axis=1),
                           np.repeat(_grade(ag)[:, None], npg, axis=1)], axis=1)
    shift = _shift(_growth_rate(f, sq1), sq1) + _shift(_growth_rate(g, sq2), sq2)
    rz = np.maximum(rf, rg)
    keys = np.concatenate([_grid_keys(af + ag, np.maximum(af, ag), shift, rz),
                           _grid_keys(xf + xg, np.maximum(xf, xg), shift, rz)], axis=1)
    out = np.zeros(B)
    for key, idx in _groups(keys):
        key_in, key_out = key[:4], key[4:]
        w2, wt2 = _nodes(co[idx], np.repeat(d_out[idx, None], co.shape[1], axis=1),
                         d_out[idx], key_out, n)                          # (b, M2)
        b, M2 = w2.shape
        H = np.empty(b * M2)
        ent = np.repeat(idx, M2)
        flat_w2 = w2.ravel()
        step = max(1, _CHUNK // (_n_panels(key_in, npf + npg, False) * n))
        for s0 in range(0, b * M2, step):
            e = ent[s0:s0 + step]
            z2 = flat_w2[s0:s0 + step][:, None]
            pts = np.concatenate([(bf_all[e] - B1[e, None] * z2) / A1[e, None],
                                  (bg_all[e] - B2[e, None] * z2) / A2[e, None]], axis=1)
            w1, wt1 = _nodes(pts, d_in[e], None, key_in, n)
            u = w1 * a1[e, None]
            u += x1[e, None] * z2
            v = w1 * a2[e, None]
            v += x2[e, None] * z2
            H[s0:s0 + step] = np.einsum("ij,ij,ij->i", wt1, _evaluate(f, u), _evaluate(g, v))
        out[idx] = np.einsum("ij,ij->i", wt2, H.reshape(b, M2))
    return out


# --------------------------------------------------------------------------------------------
# float64 path: public API
# --------------------------------------------------------------------------------------------
def _check_n(n):
    if n is None:
        return _N_DEFAULT
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n (Gauss-Legendre nodes per panel) must be an integer >= 2, got {n!r}")
    return int(n)


def expect1(f, q, breaks=(0.0,), n=None):
    """Gaussian expectation E[f(sqrt(q) z)], z ~ N(0, 1), for a batch of variances.

    Args:
        f: real function of one real variable, vectorised over numpy arrays (a scalar-only
            callable also works, element by element, slowly). It may have kinks or jumps at
            ``breaks`` and must grow at most like ``exp(b |x|)``.
        q: variance(s) ``>= 0``, any array shape. ``q == 0`` gives ``f(0.0)`` exactly.
        breaks: points where ``f`` may be non-smooth; ``0`` is always included. Smooth
            functions with a sharp feature somewhere (e.g. ``tanh(x - 3)``) should list it too.
        n: Gauss-Legendre nodes per panel (default 24, tuned for ~1e-15 relative accuracy).

    Returns:
        numpy.ndarray: float64 array of ``q``'s shape (0-d for a scalar ``q``).

    Raises:
        TypeError: if ``f`` is not callable.
        ValueError: if ``q`` is negative, NaN or infinite, or ``breaks`` is not finite.

    Warns:
        RuntimeWarning: if the quadrature does not converge (typically a kink or jump of ``f``
            missing from ``breaks``).

    Example:
        >>> import numpy as np
        >>> print(f"{float(expect1(lambda x: np.maximum(x, 0), 2.0)):.14f}")  # sqrt(q/(2 pi))
        0.56418958354776
    """
    _check_callable(f, "f")
    nn = _check_n(n)
    qa = _as_array(q, "q")
    if np.any(qa < 0):
        raise ValueError(f"variance q must be >= 0, got min {qa.min()!r}")
    br = _as_breaks(breaks, "breaks")
    flat = qa.ravel()
    out = np.empty(flat.shape)
    zero = flat == 0
    if np.any(zero):
        out[zero] = _value_at_zero(f)
    pos = ~zero
    if np.any(pos):
        out[pos] = _resolve1(f, np.sqrt(flat[pos]), br, nn)[0]
    return out.reshape(qa.shape)


def expect2(f, g, q1, q2, c, breaks_f=(0.0,), breaks_g=(0.0,), n=None):
    """Bivariate Gaussian expectation E[f(u) g(v)], (u, v) ~ N(0, [[q1, c], [c, q2]]).

    Args:
        f, g: real functions of one real variable, vectorised over numpy arrays; they may have
            kinks or jumps at ``breaks_f`` / ``breaks_g`` and grow at most like ``exp(b |x|)``.
        q1, q2: variances ``>= 0``; c: covariance with ``c**2 <= q1*q2``. Array-like, broadcast
            together. A rounding overshoot ``c**2 <= q1*q2*(1 + 1e-12)`` is accepted and treated
            as perfect correlation.
        breaks_f, breaks_g: points where ``f`` / ``g`` may be non-smooth (``0`` is always
            included).
        n: Gauss-Legendre nodes per panel (default 24).

    Returns:
        numpy.ndarray: float64 array of the broadcast shape of ``q1, q2, c``.

    Raises:
        TypeError: if ``f`` or ``g`` is not callable.
        ValueError: for negative variances, ``c**2 > q1*q2*(1 + 1e-12)``, NaN or inf inputs,
            or shapes that do not broadcast.

    Warns:
        RuntimeWarning: if the quadrature of ``f`` or ``g`` does not converge (typically a kink
            or jump missing from the breakpoints).

    Example:
        >>> import numpy as np
        >>> relu = lambda x: np.maximum(x, 0)
        >>> print(f"{float(expect2(relu, relu, 1.0, 1.0, 0.5)):.14f}")  # (sqrt(3)/2 + pi/3)/(2 pi)
        0.30449889052211
    """
    _check_callable(f, "f")
    _check_callable(g, "g")
    nn = _check_n(n)
    a1, a2, ac = _as_array(q1, "q1"), _as_array(q2, "q2"), _as_array(c, "c")
    try:
        a1, a2, ac = np.broadcast_arrays(a1, a2, ac)
    except ValueError as exc:
        raise ValueError(f"q1, q2, c do not broadcast together: {exc}") from exc
    shape = a1.shape
    x1, x2, xc = a1.ravel(), a2.ravel(), ac.ravel()
    _check_cov(x1, x2, xc)
    bf = _as_breaks(breaks_f, "breaks_f")
    bg = _as_breaks(breaks_g, "breaks_g")
    out = np.empty(x1.shape)

    z1, z2 = x1 == 0, x2 == 0
    sq1, sq2 = np.sqrt(x1), np.sqrt(x2)
    # E[f(u)], E[g(v)] and the x-resolution each function needs, at each variance
    ef, rf = np.zeros(x1.shape), np.ones(x1.shape)
    eg, rg = np.zeros(x1.shape), np.ones(x1.shape)
    if np.any(~z1):
        ef[~z1], rf[~z1] = _resolve1(f, sq1[~z1], bf, nn, "f")
    if np.any(~z2):
        eg[~z2], rg[~z2] = _resolve1(g, sq2[~z2], bg, nn, "g")

    both = z1 & z2
    if np.any(both):
        out[both] = _value_at_zero(f) * _value_at_zero(g)
    m = z1 & ~z2
    if np.any(m):
        out[m] = _value_at_zero(f) * eg[m]
    m = z2 & ~z1
    if np.any(m):
        out[m] = _value_at_zero(g) * ef[m]

    live = ~(z1 | z2)
    sq1 = np.where(live, sq1, 1.0)
    sq2 = np.where(live, sq2, 1.0)
    d = np.maximum(_det(x1, x2, xc), 0.0)
    s = np.sqrt(d) / (sq1 * sq2)
    rho = np.clip(xc / (sq1 * sq2), -1.0, 1.0)

    indep = live & (xc == 0)
    out[indep] = ef[indep] * eg[indep]
    degen = live & (xc != 0) & (s == 0)
    if np.any(degen):
        out[degen] = _expect2_degenerate(f, g, sq1[degen], sq2[degen], np.sign(xc[degen]),
                                         bf, bg, rf[degen], rg[degen], nn)
    gen = live & (xc != 0) & ~degen
    if np.any(gen):
        out[gen] = _expect2_general(f, g, sq1[gen], sq2[gen], rho[gen], s[gen], bf, bg,
                                    rf[gen], rg[gen], nn)
    return out.reshape(shape)


# --------------------------------------------------------------------------------------------
# mpmath path
# --------------------------------------------------------------------------------------------
_MP_GUARD = 10           # guard digits


@functools.lru_cache(maxsize=64)
def _mp_legendre(n, prec):
    """Gauss-Legendre nodes/weights on [-1, 1] at binary precision ``prec`` (tuple of mpf)."""
    with mpmath.workprec(prec + 20):
        tol = mpmath.mpf(2) ** (-prec - 10)
        xs, ws = [], []
        for i in range(1, n // 2 + 1):
            x = mpmath.cos(mpmath.pi * (i - mpmath.mpf(1) / 4) / (n + mpmath.mpf(1) / 2))
            for _ in range(100):
                p0, p1 = mpmath.mpf(1), x
                for k in range(2, n + 1):
                    p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
                dp = n * (x * p1 - p0) / (x * x - 1)
                dx = p1 / dp
                x -= dx
                if abs(dx) < tol:
                    break
            p0, p1 = mpmath.mpf(1), x
            for k in range(2, n + 1):
                p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
            dp = n * (x * p1 - p0) / (x * x - 1)
            w = 2 / ((1 - x * x) * dp * dp)
            xs += [x, -x]
            ws += [w, w]
        if n % 2:
            p0, p1 = mpmath.mpf(1), mpmath.mpf(0)
            for k in range(2, n + 1):
                p0, p1 = p1, (-(k - 1) * p0) / k
            dp = n * (-p0)           # derivative of P_n at 0: n * (0 * P_n - P_{n-1}) / (-1)
            xs.append(mpmath.mpf(0))
            ws.append(2 / (dp * dp))
    return tuple(xs), tuple(ws)


def _mp_call(f, x):
    y = f(x)
    if type(y) is mpmath.mpf:
        return y
    if isinstance(y, (mpmath.mpc, complex)):
        if mpmath.im(y) != 0:
            raise ValueError("the function returned a complex value; it must be real")
        y = mpmath.re(y)
    return mpmath.mpf(y)


def _mp_num(value, name):
    if isinstance(value, (np.generic, np.ndarray)) and np.ndim(value) == 0:
        value = value.item()
    try:
        v = mpmath.mpmathify(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a real number, got {value!r}") from exc
    if isinstance(v, mpmath.mpc):
        if v.imag != 0:
            raise ValueError(f"{name} must be real, got {value!r}")
        v = v.real
    if not mpmath.isfinite(v):
        raise ValueError(f"{name} must be finite (no NaN or inf), got {value!r}")
    return v


def _mp_breaks(breaks, name):
    try:
        seq = tuple(breaks)
    except TypeError:
        seq = (breaks,)
    out = set()
    for b in seq:
        out.add(_mp_num(b, name))
    return sorted(b for b in out if b != 0)


def _mp_rate(f, scale):
    """Exponential growth rate of |f| for |x| in [5, 11.5] * max(1, scale) (see _growth_rate)."""
    x0 = 5 * max(mpmath.mpf(1), scale)
    rate = mpmath.mpf(0)
    for sgn in (1, -1):
        m1 = max(abs(_mp_call(f, sgn * x0 * k)) for k in (1, 1.05, 1.1, 1.15)) + mpmath.mpf(
            10) ** -300
        m2 = max(abs(_mp_call(f, sgn * 2 * x0 * k)) for k in (1, 1.05, 1.1, 1.15)) + mpmath.mpf(
            10) ** -300
        rate = max(rate, mpmath.log(m2 / m1) / x0)
    return rate


def _mp_shift(rate, sq):
    sh = min(rate * sq, mpmath.mpf(60))
    return sh if sh > 0.3 else mpmath.mpf(0)


class _MpRule:
    """Panel layout for the mpmath path at a given number of target digits."""

    PAD = 4              # digits aimed at beyond dps
    SCALE_PAD = 10.0     # node counts grow like (digits + SCALE_PAD)
    INNER_MARGIN = 3.0   # outer offset (beyond the growth shift) where inner digits start to drop
    ZPAD = 2.0           # Z = sqrt(2 ln(10) digits) + ZPAD (+ growth shift)
    PANEL_MARGIN = 2.0   # distance (beyond the shift) where a panel's digits start to drop

    def __init__(self, dps):
        self.digits = int(dps) + self.PAD           # quadrature target (guarded)
        self.Z0 = max(9.0, math.sqrt(2 * math.log(10) * self.digits) + self.ZPAD)

    def scale(self, digits):
        """Node multiplier: the counts below are tuned for 40 digits."""
        return max(0.25, (digits + self.SCALE_PAD) / (40.0 + self.SCALE_PAD))

    def panels(self, points, kappa, shift, center=True, digits=None, refine=1):
        """Sorted list of (a, b, n) Gauss-Legendre panels covering [-Z, Z] for one line.

        Regular edges at 0, +-3, +-6.5, +-Z (standard units), Z = Z0 + shift; the special points
        (kinks, and 0 when ``center``) are edges too and, when the line's scale ``kappa``
        (x-units per standard unit) exceeds 1, are approached geometrically (ratio 2) from an
        x-width of 3; ``refine`` (a power of 2) subdivides the regular panels for functions that
        vary faster than on the x-unit scale (``kappa`` then includes the same factor). The node
        count of a panel is the largest of what the Gaussian needs (about 10 + 4.7 * width at
        40 digits), what a function needs near its special points (Gaussian-like tails such as
        erf's; complex singularities such as tanh's poles at +-i pi/2 right at the end of a
        touching panel) and far from them (exponential tails, oscillation), scaled with the
        digits needed in the panel, which drop where the Gaussian weight is small.
        """
        digits = self.digits if digits is None else digits
        Z = mpmath.mpf(max(9.0, math.sqrt(2 * math.log(10) * digits) + self.ZPAD)) + shift
        zero = mpmath.mpf(0)
        specials = {p for p in points if -Z < p < Z}
        if center:
            specials.add(zero)
        regular = [zero] + [mpmath.mpf(e) for e in (3, 6.5) if e < Z] + [Z]
        edges = set()
        for lo, hi in zip(regular[:-1], regular[1:]):
            for i in range(refine):
                e = lo + (hi - lo) * i / refine
                edges.add(e)
                edges.add(-e)
        edges |= {Z, -Z}
        edges |= specials
        kap = float(kappa)
        if kap > 1:
            delta = mpmath.mpf(3) / kappa
            for p in specials:
                d = delta
                while d < 3:
                    for e in (p - d, p + d):
                        if -Z < e < Z:
                            edges.add(e)
                    d *= 2
        edges = sorted(edges)
        spec = sorted(specials)
        panels = []
        for a, b in zip(edges[:-1], edges[1:]):
            w = float(b - a)
            if w <= 0:
                continue
            xw = kap * w
            # x-distance from the panel to the nearest special point
            dist = min((0.0 if a <= p <= b else float(min(abs(p - a), abs(p - b))))
                       for p in spec) if spec else math.inf
            # nodes needed at 40 digits: the Gaussian (width w), the functions near their
            # special points (Gaussian-like tails such as erf's, singularities such as tanh's
            # poles at the end of a touching panel), and far out (exponential tails, oscillation)
            n = max(10.0 + 4.7 * w, 16.0 + 1.0 * xw)
            if kap * dist < 12.0:
                n = max(n, 14.0 + 6.0 * min(xw, 6.0))
            if dist == 0.0:
                n = max(n, 16.0 + 8.0 * min(xw, 3.0))
            # the Gaussian weight makes far panels need fewer digits
            zmin = 0.0 if a <= 0 <= b else float(min(abs(a), abs(b)))
            far = max(0.0, zmin - float(shift) - self.PANEL_MARGIN)
            n = max(4, int(math.ceil(n * self.scale(max(6.0, digits - far * far / 4.6)))))
            panels.append((a, b, n + (-n) % 4))        # multiples of 4: fewer node sets
        return panels


def _mp_gl2(func, panels, prec):
    """(sum w F phi, sum w F^2 phi) over panels: E[F] and E[F^2] in one pass."""
    exp = mpmath.exp
    t1, t2 = mpmath.mpf(0), mpmath.mpf(0)
    for a, b, n in panels:
        xs, ws = _mp_legendre(n, prec)
        h = (b - a) / 2
        m = (a + b) / 2
        a1, a2 = mpmath.mpf(0), mpmath.mpf(0)
        for x, w in zip(xs, ws):
            z = m + h * x
            val = func(z)
            if val:
                wv = w * val * exp(-z * z / 2)
                a1 += wv
                a2 += wv * val
        t1 += h * a1
        t2 += h * a2
    norm = mpmath.sqrt(2 * mpmath.pi)
    return t1 / norm, t2 / norm


def _mp_resolve(f, q, breaks, dps):
    """E[f(sqrt(q) z)] and the refinement factor f needs (the mpmath twin of _resolve1).

    E[f^2] is computed on panels sized for a product of two factors, with all panels halved
    level by level until two levels agree to 10^-(dps + 2); the coarser level is returned.
    """
    sq = mpmath.sqrt(q)
    rule = _MpRule(dps)
    shift = _mp_shift(2 * _mp_rate(f, sq), sq)
    pts = [b / sq for b in breaks]
    tol = mpmath.mpf(10) ** -(int(dps) + 2)

    def moments(level):
        r = 2 ** level
        panels = rule.panels(pts, 2 * sq * r, shift, refine=r)
        return _mp_gl2(lambda z: _mp_call(f, sq * z), panels, mpmath.mp.prec)

    prev = moments(0)
    for level in range(1, _MAX_LEVEL + 1):
        cur = moments(level)
        if abs(cur[1] - prev[1]) <= tol * abs(cur[1]):
            return cur[0], 2 ** (level - 1)
        prev = cur
    warnings.warn(f"mpmath quadrature did not converge at variance {mpmath.nstr(q, 6)} (a kink "
                  "or jump that is not among the breakpoints?); the result may be inaccurate",
                  RuntimeWarning, stacklevel=4)
    return prev[0], 2 ** _MAX_LEVEL


def _mp_gl(func, panels, prec):
    """Sum over panels of Gauss-Legendre rules applied to func(z) * phi(z)."""
    exp = mpmath.exp
    total = mpmath.mpf(0)
    for a, b, n in panels:
        xs, ws = _mp_legendre(n, prec)
        h = (b - a) / 2
        m = (a + b) / 2
        acc = mpmath.mpf(0)
        for x, w in zip(xs, ws):
            z = m + h * x
            val = func(z)
            if val:
                acc += w * val * exp(-z * z / 2)
        total += h * acc
    return total / mpmath.sqrt(2 * mpmath.pi)


def _mp_setup(dps):
    if isinstance(dps, bool) or not isinstance(dps, (int, np.integer)) or dps < 1:
        raise ValueError(f"dps must be a positive integer, got {dps!r}")
    return int(dps) + _MP_GUARD


def _mp_round(value, dps):
    with mpmath.workdps(dps):
        return +value


def expect1_mp(f, q, breaks=(0,), dps=30):
    """High-precision E[f(sqrt(q) z)], z ~ N(0, 1), with mpmath.

    Args:
        f: real function taking and returning ``mpmath.mpf`` scalars (kinks or jumps allowed at
            ``breaks``; ``0`` is always treated as a breakpoint).
        q: scalar variance ``>= 0`` (int, float, str or mpf; floats are taken exactly).
        breaks: points where ``f`` may be non-smooth.
        dps: decimal digits wanted; the computation uses ``dps + 10`` digits internally and
            leaves the caller's ``mpmath.mp.dps`` unchanged.

    Returns:
        mpmath.mpf: the expectation, correct to about ``dps`` significant digits.

    Raises:
        TypeError: if ``f`` is not callable.
        ValueError: if ``q`` is negative, NaN or infinite, or ``dps`` is not a positive integer.

    Example:
        >>> import mpmath
        >>> relu = lambda x: x if x > 0 else mpmath.mpf(0)
        >>> mpmath.nstr(expect1_mp(relu, 2, dps=20), 20)   # sqrt(q / (2 pi))
        '0.56418958354775628695'
    """
    _check_callable(f, "f")
    wdps = _mp_setup(dps)
    with mpmath.workdps(wdps):
        qq = _mp_num(q, "q")
        if qq < 0:
            raise ValueError(f"variance q must be >= 0, got {q!r}")
        br = _mp_breaks(breaks, "breaks")
        if qq == 0:
            val = _mp_call(f, mpmath.mpf(0))
        else:
            val = _mp_resolve(f, qq, br, dps)[0]
    return _mp_round(val, dps)


def expect2_mp(f, g, q1, q2, c, breaks_f=(0,), breaks_g=(0,), dps=30):
    """High-precision E[f(u) g(v)], (u, v) ~ N(0, [[q1, c], [c, q2]]), with mpmath.

    The plane is rotated so that the kink lines of ``f(u)`` and ``g(v)`` cross the inner
    integration lines at >= 45 degrees; the inner integral is split at both kinks of each line
    and the outer one where they coincide (see the module docstring). Composite Gauss-Legendre
    panels at ``dps + 10`` digits, graded towards every special point, make the result accurate
    to about ``dps`` digits.

    Args:
        f, g: real functions taking and returning ``mpmath.mpf`` scalars.
        q1, q2: scalar variances ``>= 0``; c: covariance, ``c**2 <= q1*q2`` (a relative rounding
            overshoot up to 1e-12 is treated as perfect correlation). Int, float, str or mpf.
        breaks_f, breaks_g: points where ``f`` / ``g`` may be non-smooth (``0`` always is).
        dps: decimal digits wanted (the caller's ``mpmath.mp.dps`` is not changed).

    Returns:
        mpmath.mpf: the expectation, correct to about ``dps`` significant digits.

    Raises:
        TypeError: if ``f`` or ``g`` is not callable.
        ValueError: for negative variances, ``c**2 > q1*q2*(1 + 1e-12)``, NaN or inf inputs,
            or a ``dps`` that is not a positive integer.

    Example:
        >>> import mpmath
        >>> step = lambda x: mpmath.mpf(1) if x > 0 else mpmath.mpf(0)
        >>> mpmath.nstr(expect2_mp(step, step, 1, 1, 0.5, dps=20), 20)   # 1/3
        '0.33333333333333333333'
    """
    _check_callable(f, "f")
    _check_callable(g, "g")
    wdps = _mp_setup(dps)
    with mpmath.workdps(wdps):
        a1, a2, cc = _mp_num(q1, "q1"), _mp_num(q2, "q2"), _mp_num(c, "c")
        if a1 < 0:
            raise ValueError(f"variance q1 must be >= 0, got {q1!r}")
        if a2 < 0:
            raise ValueError(f"variance q2 must be >= 0, got {q2!r}")
        if cc * cc > a1 * a2 * (1 + mpmath.mpf(_COV_RTOL)):
            raise ValueError(f"not a covariance matrix: c**2 > q1*q2 (q1={q1!r}, q2={q2!r}, "
                             f"c={c!r})")
        bf = _mp_breaks(breaks_f, "breaks_f")
        bg = _mp_breaks(breaks_g, "breaks_g")
        val = _mp_e2(f, g, a1, a2, cc, bf, bg, dps)
    return _mp_round(val, dps)


def _mp_e2(f, g, q1, q2, c, bf, bg, dps):
    zero = mpmath.mpf(0)
    if q1 == 0 and q2 == 0:
        return _mp_call(f, zero) * _mp_call(g, zero)
    if q1 == 0:
        return _mp_call(f, zero) * _mp_resolve(g, q2, bg, dps)[0]
    if q2 == 0:
        return _mp_call(g, zero) * _mp_resolve(f, q1, bf, dps)[0]
    ef, rf = _mp_resolve(f, q1, bf, dps)
    eg, rg = _mp_resolve(g, q2, bg, dps)
    if c == 0:
        return ef * eg
    prec = mpmath.mp.prec
    rule = _MpRule(dps)
    refine = max(rf, rg)
    r1, r2 = mpmath.sqrt(q1), mpmath.sqrt(q2)
    det = q1 * q2 - c * c
    shift = _mp_shift(_mp_rate(f, r1), r1) + _mp_shift(_mp_rate(g, r2), r2)
    if det <= 0:
        sg = 1 if c > 0 else -1
        pts = [b / r1 for b in bf] + [sg * b / r2 for b in bg]
        panels = rule.panels(pts, r1 * rf + r2 * rg, shift, refine=refine)
        return _mp_gl(lambda z: _mp_call(f, r1 * z) * _mp_call(g, sg * r2 * z), panels, prec)
    rho = c / (r1 * r2)
    s = mpmath.sqrt(det) / (r1 * r2)
    if rho >= 0:
        ch = mpmath.sqrt((1 + rho) / 2)
        sh = s / (2 * ch)
        A1, B1, A2, B2 = ch, -sh, ch, sh
    else:
        sh = mpmath.sqrt((1 - rho) / 2)
        ch = s / (2 * sh)
        A1, B1, A2, B2 = sh, ch, -sh, ch
    betas_f = [zero] + [b / r1 for b in bf]
    betas_g = [zero] + [b / r2 for b in bg]
    kin = r1 * abs(A1) * rf + r2 * abs(A2) * rg     # x-units per standard unit along each line
    kout = r1 * abs(B1) * rf + r2 * abs(B2) * rg
    coincide = [(A1 * bg_ - A2 * bf_) / s for bf_ in betas_f for bg_ in betas_g]
    outer_panels = rule.panels(coincide, kout, shift, refine=refine)
    a1, a2 = r1 * A1, r2 * A2

    def inner(w2):
        # the outer Gaussian weight exp(-w2^2/2) makes fewer digits of H(w2) necessary
        far = max(0.0, abs(float(w2)) - float(shift) - rule.INNER_MARGIN)
        digits = max(8.0, rule.digits - far * far / (2 * math.log(10)))
        pts = [(b - B1 * w2) / A1 for b in betas_f] + [(b - B2 * w2) / A2 for b in betas_g]
        panels = rule.panels(pts, kin, shift, center=False, digits=digits, refine=refine)
        x1, x2 = r1 * B1 * w2, r2 * B2 * w2

        def h(w1):
            fv = _mp_call(f, a1 * w1 + x1)
            if not fv:
                return fv
            return fv * _mp_call(g, a2 * w1 + x2)
        return _mp_gl(h, panels, prec)

    return _mp_gl(inner, outer_panels, prec)
