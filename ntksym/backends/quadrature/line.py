r"""The one-dimensional pass of the float64 rule: E[f(sqrt(q) z)] and the resolution f needs.

The panel widths of :mod:`.rule` assume that f and g vary on a scale of about one x-unit away from their
breakpoints. Functions that vary faster (``erf(3x)``, ``exp(-8x^2)``, ``sin(4x)``) are detected
per variance: ``E[f(u)^2]`` is computed on panels sized for a product of two such factors, with
all widths halved level by level until two levels agree to ``1e-14``; the two-dimensional rule
then uses that refinement for that function. A function that does not converge (a kink missing
from ``breaks``) gives a ``RuntimeWarning``. The same 1-D pass yields ``E[f(u)]``, which is also
the result of :func:`expect1` and the factors of the ``c == 0`` case.
"""
import warnings

import numpy as np

from ntksym.backends.quadrature.checks import as_array, as_breaks, check_callable, check_n
from ntksym.backends.quadrature.rule import (CHUNK, LEVEL_RTOL, MAX_LEVEL, W0, evaluate, grade,
                                             grid_keys, groups, growth_rate, growth_shift,
                                             n_panels, nodes, value_at_zero)

__all__ = ["expect1", "integrate_lines", "resolve1"]


def integrate_lines(integrand, points, delta, delta0, kosc, shift, n, square=False, rz=None):
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
    kgrade = W0 / np.min(np.concatenate([delta, delta0[:, None]], axis=1), axis=1)
    keys = grid_keys(kosc, kgrade, shift, np.ones(B) if rz is None else rz)
    for key, idx in groups(keys):
        step = max(1, CHUNK // (n_panels(key, points.shape[1], True) * n))
        for s0 in range(0, idx.size, step):
            sel = idx[s0:s0 + step]
            z, w = nodes(points[sel], delta[sel], delta0[sel], key, n)
            vals = integrand(z, sel)
            out[0, sel] = np.einsum("ij,ij->i", w, vals)
            if square:
                out[1, sel] = np.einsum("ij,ij,ij->i", w, vals, vals)
    return out if square else out[0]


def resolve1(f, sq, breaks, n, name="f"):
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
    rate = growth_rate(f, uq)
    shift = growth_shift(2.0 * rate, uq)                    # f^2 grows twice as fast
    points = breaks[None, :] / uq[:, None]

    def moments(level, sel):
        r = 2.0 ** level
        k = uq[sel] * r
        d0 = grade(k)
        scale = uq[sel]
        with np.errstate(over="ignore", invalid="ignore"):
            return integrate_lines(lambda z, idx: evaluate(f, scale[idx, None] * z), points[sel],
                          np.broadcast_to(d0[:, None], points[sel].shape), d0, 2.0 * k,
                          shift[sel], n, square=True, rz=np.full(sel.size, r))

    value = np.empty(uq.shape)
    level = np.zeros(uq.shape, dtype=np.int64)
    todo = np.arange(uq.size)
    prev = moments(0, todo)
    for lev in range(1, MAX_LEVEL + 1):
        cur = moments(lev, todo)
        with np.errstate(invalid="ignore", over="ignore"):
            ok = np.abs(cur[1] - prev[1]) <= LEVEL_RTOL * np.abs(cur[1])
            ok |= ~(np.isfinite(cur[1]) & np.isfinite(prev[1]))     # overflow: cannot judge
        value[todo[ok]] = cur[0, ok]
        level[todo[ok]] = lev - 1
        todo, prev = todo[~ok], cur[:, ~ok]
        if todo.size == 0:
            break
    if todo.size:
        value[todo] = prev[0]
        level[todo] = MAX_LEVEL
        warnings.warn(
            f"quadrature of {name} did not converge at variance {float(uq[todo[0]]) ** 2:g} "
            "(a kink or jump that is not among the breakpoints, or a feature far narrower than "
            "the standard deviation?); the result may be inaccurate", RuntimeWarning,
            stacklevel=3)
    return value[inv], (2.0 ** level)[inv]


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
    check_callable(f, "f")
    nn = check_n(n)
    qa = as_array(q, "the variance")
    if np.any(qa < 0):
        raise ValueError(f"the variance must be >= 0, got {qa.min()!r}")
    br = as_breaks(breaks, "breaks")
    flat = qa.ravel()
    out = np.empty(flat.shape)
    zero = flat == 0
    if np.any(zero):
        out[zero] = value_at_zero(f)
    pos = ~zero
    if np.any(pos):
        out[pos] = resolve1(f, np.sqrt(flat[pos]), br, nn)[0]
    return out.reshape(qa.shape)
