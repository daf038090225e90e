r"""The high-precision mpmath path (:func:`expect1_mp`, :func:`expect2_mp`).

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
import math
import warnings

import mpmath
import numpy as np

from ntksym.backends.quadrature.checks import check_callable
from ntksym.backends.quadrature.legendre import mp_legendre
from ntksym.backends.quadrature.rule import MAX_LEVEL
from ntksym.core.covariance import COV_RTOL
from ntksym.core.limits import check_dps

__all__ = ["expect1_mp", "expect2_mp"]

_MP_GUARD = 10           # guard digits

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
    """Exponential growth rate of |f| for |x| in [5, 11.5] * max(1, scale) (see growth_rate)."""
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
        xs, ws = mp_legendre(n, prec)
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
    """E[f(sqrt(q) z)] and the refinement factor f needs (the mpmath twin of resolve1).

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
    for level in range(1, MAX_LEVEL + 1):
        cur = moments(level)
        if abs(cur[1] - prev[1]) <= tol * abs(cur[1]):
            return cur[0], 2 ** (level - 1)
        prev = cur
    warnings.warn(f"mpmath quadrature did not converge at variance {mpmath.nstr(q, 6)} (a kink "
                  "or jump that is not among the breakpoints?); the result may be inaccurate",
                  RuntimeWarning, stacklevel=4)
    return prev[0], 2 ** MAX_LEVEL


def _mp_gl(func, panels, prec):
    """Sum over panels of Gauss-Legendre rules applied to func(z) * phi(z)."""
    exp = mpmath.exp
    total = mpmath.mpf(0)
    for a, b, n in panels:
        xs, ws = mp_legendre(n, prec)
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
    return check_dps(dps, minimum=1) + _MP_GUARD


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
    check_callable(f, "f")
    wdps = _mp_setup(dps)
    with mpmath.workdps(wdps):
        qq = _mp_num(q, "the variance")
        if qq < 0:
            raise ValueError(f"the variance must be >= 0, got {q!r}")
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
    check_callable(f, "f")
    check_callable(g, "g")
    wdps = _mp_setup(dps)
    with mpmath.workdps(wdps):
        a1, a2, cc = (_mp_num(q1, "the first variance"), _mp_num(q2, "the second variance"),
                      _mp_num(c, "the covariance"))
        if a1 < 0:
            raise ValueError(f"the first variance must be >= 0, got {q1!r}")
        if a2 < 0:
            raise ValueError(f"the second variance must be >= 0, got {q2!r}")
        if cc * cc > a1 * a2 * (1 + mpmath.mpf(COV_RTOL)):
            raise ValueError("not a covariance: need c**2 <= q1*q2 (Cauchy-Schwarz), got "
                             f"q1={q1!r}, q2={q2!r}, c={c!r}")
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
