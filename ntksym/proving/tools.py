r"""Small helpers that proof files share: exact zero tests, relative errors, point sets.

They hold no claims; each proof states and checks its own. Everything here is public so that a
user's proof file can use it too.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

__all__ = ["is_exactly_zero", "relative_error", "rational_sphere_points", "near_duplicates",
           "clusters", "to_float", "null_residual", "empirical_null_residual",
           "normalize_atan2"]


def is_exactly_zero(expr):
    """True when SymPy proves ``expr`` identically zero (``simplify``, then ``expand`` of its
    trigonometric/exponential rewrite); False when it cannot (which a proof treats as failure)."""
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    for attempt in (sp.simplify, lambda e: sp.expand(sp.expand_trig(e)),
                    lambda e: sp.simplify(sp.expand(e.rewrite(sp.exp)))):
        try:
            if attempt(expr) == 0:
                return True
        except Exception:          # a rewrite SymPy cannot do proves nothing
            continue
    return False


def to_float(a):
    """A float64 numpy array from numbers, mpmath matrices or nested lists of Fractions."""
    if hasattr(a, "tolist"):
        a = a.tolist()
    return np.array(a, dtype=float)


def relative_error(value, reference):
    """max |value - reference| / max |reference| (both converted with :func:`to_float`)."""
    v, r = to_float(value), to_float(reference)
    if v.shape != r.shape:
        raise ValueError(f"shapes differ: {v.shape} vs {r.shape}")
    scale = float(np.max(np.abs(r)))
    return float(np.max(np.abs(v - r)) / (scale if scale > 0 else 1.0))


def rational_sphere_points(n, d, seed=0):
    """n exact rational points on the unit sphere in R^d (inverse stereographic projection of
    random small rationals), as lists of Fractions; pairwise distinct."""
    rng = np.random.default_rng(seed)
    out, seen = [], set()
    while len(out) < n:
        u = [Fraction(int(rng.integers(-9, 10)), int(rng.integers(1, 8))) for _ in range(d - 1)]
        n2 = sum(v * v for v in u)
        x = tuple([2 * v / (1 + n2) for v in u] + [(n2 - 1) / (1 + n2)])
        if x not in seen:
            seen.add(x)
            out.append(list(x))
    return out


def near_duplicates(n, d, gap=1e-6, seed=0):
    """n // 2 random points in R^d, each with a copy moved by ``gap`` in a random direction
    (plus one more random point if n is odd): float64, shape (n, d)."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n - n // 2, d))
    shift = rng.standard_normal((n // 2, d))
    shift *= gap / np.linalg.norm(shift, axis=1, keepdims=True)
    return np.vstack([base, base[: n // 2] + shift])


def clusters(k, m, d, spread=1e-3, seed=0):
    """k clusters of m points each (radius about ``spread``) around random centres: (k*m, d)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d))
    return np.vstack([c + spread * rng.standard_normal((m, d)) for c in centres])


def null_residual(net, X, v, dps=50):
    """|G v| / (|G| |v|) (max norms) for the infinite-width NTK Gram matrix G computed with
    ``dps`` digits (mpmath); 0 up to about 10^-dps when v is an exact null vector."""
    import mpmath

    with mpmath.workdps(dps):
        G = net.gram(X, dps=dps).ntk
        vec = mpmath.matrix([mpmath.mpf(sp.Rational(a).p) / sp.Rational(a).q for a in v])
        r = G * vec
        num = max(abs(r[i]) for i in range(len(v)))
        den = max(abs(G[i, j]) for i in range(len(v)) for j in range(len(v)))
        return float(num / (den * max(abs(vec[i]) for i in range(len(v)))))


def empirical_null_residual(net, X, v, widths=(64, 1024), seed=0):
    """The largest |K v| / (|K| |v|) (max norms) over finite networks of the given widths, K
    their empirical NTK (float64): rounding-size when v is a null vector at finite width too."""
    from ntksym.empirical import empirical_ntk

    Xf = to_float(X)
    vec = np.array([float(sp.Rational(a)) for a in v])
    worst = 0.0
    for w in widths:
        K = empirical_ntk(net, Xf, width=w, seed=seed)
        worst = max(worst, float(np.max(np.abs(K @ vec)) / (np.max(np.abs(K))
                                                          * np.max(np.abs(vec)))))
    return worst


def _nonnegative(e):
    """True when e is visibly >= 0: a square root, or a positive number times one."""
    coeff, rest = e.as_coeff_Mul()
    return (coeff.is_nonnegative and isinstance(rest, sp.Pow) and rest.exp == sp.S.Half) \
        or e.is_nonnegative is True


def normalize_atan2(expr):
    """Apply two identities of the angle that SymPy does not: atan2(l y, l x) = atan2(y, x) for
    l > 0, and atan2(y, -x) = pi - atan2(y, x) for y >= 0 (y a square root)."""
    def rule(y, x_):
        y = y.replace(lambda a: isinstance(a, sp.Pow) and a.exp == sp.S.Half,
                      lambda a: sp.sqrt(sp.factor(a.base)))
        common = sp.gcd(y, x_)
        if common != 1 and common.is_positive:
            y, x_ = sp.cancel(y / common), sp.cancel(x_ / common)
        if _nonnegative(y) and x_.could_extract_minus_sign():
            return sp.pi - sp.atan2(y, -x_)
        return sp.atan2(y, x_)

    return expr.replace(lambda a: isinstance(a, sp.atan2), lambda a: rule(*a.args))
