r"""The two-dimensional float64 expectation E[f(u) g(v)], (u, v) ~ N(0, [[q1, c], [c, q2]]).

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

For ``|rho| <= 1/2`` the plane is *not* rotated: the inner lines run along ``z2``, parallel to
the kinks of ``f`` (which become outer edges, at ``z1 = breaks_f / sqrt(q1)``, exactly), and the
kinks of ``g`` cross them at ``60`` degrees or more, at ``z2 = (b / sqrt(q2) - rho z1) / s``.
Then ``rho`` enters the rule as itself, with a relative rounding error: in the rotated frame the
angle between the kink families is carried by half-angle cosines and sines of size ~0.7, with
an *absolute* error of ~1e-16, which for ``sign`` (``E = (2/pi) asin(rho)``) at ``rho ~ 0.004``
was a relative error of ~1e-13. For the same reason the inner sums are computed with
:func:`.rule.row_sums` (error-free TwoSum cascade): at small ``rho`` the products of odd
functions cancel from ~1 to ~``rho`` on every line, and a plain sum left ~1e-15 absolute.

Degenerate cases are exact: ``q1 == 0`` gives ``f(0) E[g(v)]`` (likewise ``q2 == 0``),
``c == 0`` gives ``E[f(u)] E[g(v)]``, and ``c^2 >= q1 q2`` (``s == 0``; a rounding overshoot up
to a relative ``1e-12`` is accepted) gives the one-dimensional
``E[f(sqrt(q1) z) g(sign(c) sqrt(q2) z)]`` with the breakpoints of both functions. Batches may
mix all cases.
"""
import numpy as np

from ntksym.backends.quadrature.checks import as_breaks, check_callable, check_n
from ntksym.backends.quadrature.line import integrate_lines, resolve1
from ntksym.backends.quadrature.rule import (CHUNK, evaluate, grade, grid_keys, groups,
                                             growth_rate, growth_shift, n_panels, nodes,
                                             row_sums, value_at_zero)
from ntksym.core.covariance import check_covariance

__all__ = ["expect2"]

# Up to this |rho| the plane is not rotated (see the module docstring).
_RHO_FLAT = 0.5


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

    rf, rg are the x-resolution factors of f and g (see :func:`resolve1`).
    """
    pf = bf[None, :] / sq1[:, None]
    pg = sgn[:, None] * bg[None, :] / sq2[:, None]
    points = np.concatenate([pf, pg], axis=1)
    df, dg = grade(sq1 * rf), grade(sq2 * rg)
    delta = np.concatenate([np.broadcast_to(df[:, None], pf.shape),
                            np.broadcast_to(dg[:, None], pg.shape)], axis=1)
    shift = growth_shift(growth_rate(f, sq1), sq1) + growth_shift(growth_rate(g, sq2), sq2)
    b2 = sgn * sq2
    return integrate_lines(lambda z, idx: evaluate(f, sq1[idx, None] * z) * evaluate(g, b2[idx, None] * z),
                  points, delta, np.minimum(df, dg), sq1 * rf + sq2 * rg, shift, n,
                  rz=np.maximum(rf, rg))


def _expect2_general(f, g, sq1, sq2, rho, s, bf, bg, rf, rg, n):
    """E[f(u) g(v)] for q1, q2 > 0, 0 < s, |rho| <= 1 (1-D batch arrays).

    rf, rg are the x-resolution factors of f and g (see :func:`resolve1`).
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
    # |rho| <= 1/2: no rotation (inner along z2, so f's kinks are outer edges; see _RHO_FLAT)
    flat = np.abs(rho) <= _RHO_FLAT
    A1 = np.where(flat, 0.0, np.where(pos, ch, sh))
    B1 = np.where(flat, 1.0, np.where(pos, -sh_p, ch_n))
    A2 = np.where(flat, s, np.where(pos, ch, -sh))
    B2 = np.where(flat, rho, np.where(pos, sh_p, ch_n))
    # u = sq1 (A1 w1 + B1 w2), v = sq2 (A2 w1 + B2 w2); inner along w1, outer along w2
    a1, a2 = sq1 * A1, sq2 * A2
    x1, x2 = sq1 * B1, sq2 * B2
    zero = np.zeros((B, 1))
    bf_all = np.concatenate([zero, bf[None, :] / sq1[:, None]], axis=1)   # (B, Pf)
    bg_all = np.concatenate([zero, bg[None, :] / sq2[:, None]], axis=1)   # (B, Pg)
    npf, npg = bf_all.shape[1], bg_all.shape[1]
    # coincidence points of the two kink families (excluding the (0, 0) pair, which is 0)
    # (unrotated: the kinks of f are the lines w2 = bf_all, exactly)
    with np.errstate(all="ignore"):
        co = (A1[:, None, None] * bg_all[:, None, :] - A2[:, None, None] * bf_all[:, :, None])
        co = co / s[:, None, None]
    co = np.where(flat[:, None, None], bf_all[:, :, None], co)
    co = np.nan_to_num(co.reshape(B, -1)[:, 1:], nan=0.0, posinf=1e300, neginf=-1e300)
    # scales: oscillation is resolved at the sum of the frequencies of the two factors, the
    # grading next to a kink at the scale of the function that has it
    af, ag = np.abs(a1) * rf, np.abs(a2) * rg
    xf, xg = np.abs(x1) * rf, np.abs(x2) * rg
    d_out = grade(np.maximum(xf, xg))
    d_in = np.concatenate([np.repeat(grade(af)[:, None], npf, axis=1),
                           np.repeat(grade(ag)[:, None], npg, axis=1)], axis=1)
    shift = growth_shift(growth_rate(f, sq1), sq1) + growth_shift(growth_rate(g, sq2), sq2)
    rz = np.maximum(rf, rg)
    keys = np.concatenate([grid_keys(af + ag, np.maximum(af, ag), shift, rz),
                           grid_keys(xf + xg, np.maximum(xf, xg), shift, rz)], axis=1)
    out = np.zeros(B)
    for key, idx in groups(keys):
        key_in, key_out = key[:4], key[4:]
        w2, wt2 = nodes(co[idx], np.repeat(d_out[idx, None], co.shape[1], axis=1),
                         d_out[idx], key_out, n)                          # (b, M2)
        b, M2 = w2.shape
        H = np.empty(b * M2)
        ent = np.repeat(idx, M2)
        flat_w2 = w2.ravel()
        step = max(1, CHUNK // (n_panels(key_in, npf + npg, False) * n))
        for s0 in range(0, b * M2, step):
            e = ent[s0:s0 + step]
            z2 = flat_w2[s0:s0 + step][:, None]
            pg = (bg_all[e] - B2[e, None] * z2) / A2[e, None]
            with np.errstate(all="ignore"):
                pf = (bf_all[e] - B1[e, None] * z2) / A1[e, None]
            # unrotated: f is constant along the line; its points repeat one of g's (a
            # zero-width panel; their graded edges, at distance inf, are clipped to the range)
            pf = np.where(flat[e, None], pg[:, :1], pf)
            pts = np.concatenate([pf, pg], axis=1)
            w1, wt1 = nodes(pts, d_in[e], None, key_in, n)
            u = w1 * a1[e, None]
            u += x1[e, None] * z2
            v = w1 * a2[e, None]
            v += x2[e, None] * z2
            prod = evaluate(f, u) * evaluate(g, v)
            prod *= wt1
            H[s0:s0 + step] = row_sums(prod)
        out[idx] = row_sums(wt2 * H.reshape(b, M2))
    return out


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
    check_callable(f, "f")
    check_callable(g, "g")
    nn = check_n(n)
    a1, a2, ac = check_covariance(q1, q2, c)
    shape = a1.shape
    x1, x2, xc = a1.ravel(), a2.ravel(), ac.ravel()
    bf = as_breaks(breaks_f, "breaks_f")
    bg = as_breaks(breaks_g, "breaks_g")
    out = np.empty(x1.shape)

    z1, z2 = x1 == 0, x2 == 0
    sq1, sq2 = np.sqrt(x1), np.sqrt(x2)
    # E[f(u)], E[g(v)] and the x-resolution each function needs, at each variance
    ef, rf = np.zeros(x1.shape), np.ones(x1.shape)
    eg, rg = np.zeros(x1.shape), np.ones(x1.shape)
    if np.any(~z1):
        ef[~z1], rf[~z1] = resolve1(f, sq1[~z1], bf, nn, "f")
    if np.any(~z2):
        eg[~z2], rg[~z2] = resolve1(g, sq2[~z2], bg, nn, "g")

    both = z1 & z2
    if np.any(both):
        out[both] = value_at_zero(f) * value_at_zero(g)
    m = z1 & ~z2
    if np.any(m):
        out[m] = value_at_zero(f) * eg[m]
    m = z2 & ~z1
    if np.any(m):
        out[m] = value_at_zero(g) * ef[m]

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
