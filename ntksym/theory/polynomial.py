r"""Is an activation a polynomial? The decision, and the characterisation of polynomials.

The positivity theorem of Carvalho, Costa, Mourão and Oliveira (arXiv:2404.12928) turns on one
question: is phi a polynomial? This module answers it.

* :func:`is_polynomial` decides it **symbolically** for SymPy activations (piece by piece for
  Piecewise, Max, Min, Abs, Heaviside and sign; rigorous growth/boundedness arguments for
  transcendental expressions) and **on evidence** for black-box callables (Hermite coefficients by
  Gauss--Hermite quadrature and finite differences, with the tolerance stated). It returns
  ``None`` where the question cannot be decided.
* :func:`polynomial_certificate` gives, for a polynomial phi of degree r, explicit pairwise
  non-proportional pairs (a_i, b_i) and c != 0 with sum_i c_i phi(a_i s + b_i t) == 0, checked
  exactly by SymPy (the "only if" direction of the characterisation is thereby witnessed).
* :func:`collocation_test` shows, for a non-polynomial phi and given pairs, that the functions
  (s, t) -> phi(a_i s + b_i t) are linearly independent: their collocation matrix at explicit
  points is nonsingular, and its condition number is reported.

Examples
========

>>> import ntksym as nk
>>> from ntksym.polynomial import is_polynomial, polynomial_certificate
>>> is_polynomial(nk.activation("x**3 - 2*x")).degree
3
>>> is_polynomial(nk.activation("relu")).is_polynomial
False
>>> cert = polynomial_certificate(nk.activation("x**2"))
>>> cert.pairs, cert.coefficients
(((1, 0), (1, 1), (1, 2), (1, 3)), (-1, 3, -3, 1))
>>> cert.verified
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from ntksym.core.symbols import x
from ntksym.symbolic.activations import Activation
from ntksym.symbolic.registry import activation as _activation
from ntksym.theory.interval_linalg import interval_cholesky_min

__all__ = ["PolynomialCheck", "is_polynomial", "PolynomialCertificate", "polynomial_certificate",
           "CollocationResult", "collocation_test"]

_s, _t = sp.symbols("s t", real=True)

# heads whose presence (after simplification fails to give a polynomial) marks an expression as
# transcendental or algebraic non-polynomial
_TRANSCENDENTAL = (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.tanh, sp.sinh, sp.cosh, sp.erf,
                   sp.erfc, sp.atan, sp.asinh, sp.LambertW, sp.sec, sp.csc, sp.cot, sp.sech,
                   sp.csch, sp.coth, sp.asin, sp.acos, sp.gamma)


@dataclass(frozen=True)
class PolynomialCheck:
    """The answer of :func:`is_polynomial`.

    Attributes:
        is_polynomial: True, False, or None (undecided).
        degree: the degree when phi is a polynomial (0 for constants, -1 is never used; the zero
            function has degree 0), else None.
        reason: why, in words (for evidence-based answers: the tolerance used).
        coefficients: exact coefficients in increasing degree when known, else None.
    """

    is_polynomial: bool | None
    degree: int | None
    reason: str
    coefficients: tuple | None = None

    def __bool__(self):
        return bool(self.is_polynomial)

    def __iter__(self):  # unpack like a namedtuple: ok, degree, reason = is_polynomial(act)
        return iter((self.is_polynomial, self.degree, self.reason))

    def _latex(self, printer=None):
        """The answer and its reason, as a LaTeX paragraph (the SymPy printer hook)."""
        from ntksym.core.printing import ntk_printer, text

        p = ntk_printer(printer)
        answer = {True: "a polynomial", False: "not a polynomial",
                  None: "undecided"}[self.is_polynomial]
        head = r"\textbf{Polynomial check:} %s" % answer
        if self.degree is not None:
            head += r" of degree $%d$" % self.degree
        if self.coefficients is not None:
            x = __import__("sympy").Symbol("x")
            poly = sum(co * x**k for k, co in enumerate(self.coefficients))
            head += r", $\phi(x) = %s$" % p.doprint(poly)
        return head + ". " + text(self.reason) + "."

    def _repr_latex_(self):
        return self._latex()


# --------------------------------------------------------------------------------------------
# Symbolic decision
# --------------------------------------------------------------------------------------------

def _poly_coeffs(expr):
    """Exact coefficients (increasing degree) if expr is a polynomial in x with numeric
    coefficients, else None."""
    try:
        e = sp.expand(expr)
    except Exception:  # pragma: no cover - defensive
        return None
    if e.has(sp.Piecewise, sp.Abs, sp.Max, sp.Min, sp.Heaviside, sp.sign, sp.DiracDelta):
        return None
    if not e.is_polynomial(x):
        return None
    poly = sp.Poly(e, x)
    cs = poly.all_coeffs()
    if not all(co.is_number for co in cs):
        return None
    cs = tuple(reversed(cs))
    while len(cs) > 1 and cs[-1] == 0:
        cs = cs[:-1]
    return cs


def _as_polynomial(expr):
    """Coefficients of expr if it simplifies to a polynomial in x, else None."""
    cs = _poly_coeffs(expr)
    if cs is not None:
        return cs
    for simp in (lambda e: sp.expand(sp.powsimp(sp.expand_log(e, force=False))),
                 sp.simplify, lambda e: sp.simplify(e.rewrite(sp.exp))):
        try:
            cs = _poly_coeffs(simp(expr))
        except Exception:
            cs = None
        if cs is not None:
            return cs
    return None


def _interior_points(domain):
    pts = []
    for iv in (domain.args if isinstance(domain, sp.Union) else (domain,)):
        if isinstance(iv, sp.Interval):
            lo, hi = iv.start, iv.end
            if lo.is_infinite and hi.is_infinite:
                pts += [sp.Rational(1, 3), sp.Rational(-3, 2)]
            elif lo.is_infinite:
                pts += [hi - sp.Rational(1, 3)]
            elif hi.is_infinite:
                pts += [lo + sp.Rational(1, 3)]
            else:
                pts += [lo + (hi - lo) / 3]
    return pts


def _values_differ(expr, domain):
    """Two points of ``domain`` (a SymPy set) where expr takes different values, or None."""
    pts = []
    for iv in (domain.args if isinstance(domain, sp.Union) else (domain,)):
        if isinstance(iv, sp.Interval):
            lo, hi = iv.start, iv.end
            if lo.is_infinite and hi.is_infinite:
                pts += [sp.Rational(-1, 3), sp.Rational(1, 2), sp.Integer(2)]
            elif lo.is_infinite:
                pts += [hi - 1, hi - 3]
            elif hi.is_infinite:
                pts += [lo + 1, lo + 3]
            else:
                pts += [lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3]
    vals = []
    for p in pts:
        v = sp.N(expr.subs(x, p), 30)
        if v.is_number and v.is_real:
            vals.append((p, v))
    for i in range(len(vals)):
        for j in range(i + 1, len(vals)):
            if abs(vals[i][1] - vals[j][1]) > 1e-20:
                return vals[i][0], vals[j][0]
    return None


def _why_not_polynomial(expr, domain):
    """A rigorous reason why an analytic expression is not a polynomial on ``domain``.

    Used for expressions that SymPy cannot simplify to a polynomial. A polynomial has a limit
    in [-oo, oo] at +-oo and grows at most like a power of x; so if, along an unbounded end of
    the domain, expr tends to a finite limit while not being constant, or grows faster than
    every power, or oscillates, it is not a polynomial. Returns None if no argument succeeds.
    """
    ends = []
    if domain.sup is sp.oo:
        ends.append(sp.oo)
    if domain.inf is -sp.oo:
        ends.append(-sp.oo)
    heads = sorted({type(f).__name__ for f in expr.atoms(sp.Function)
                    if isinstance(f, _TRANSCENDENTAL)})
    what = f"transcendental (contains {', '.join(heads)})" if heads else "not a polynomial form"
    for end in ends:
        try:
            lim = sp.limit(expr, x, end)
        except Exception:
            continue
        if isinstance(lim, sp.AccumBounds):
            return (f"{what}: it oscillates as x -> {end} (limit set {lim}), while a "
                    "polynomial has a limit")
        if lim.is_finite:
            pair = _values_differ(expr, domain)
            if pair is not None:
                return (f"{what}: it tends to the finite limit {lim} as x -> {end} but is not "
                        f"constant (its values at x = {pair[0]} and {pair[1]} differ); a "
                        "polynomial with a finite limit is constant")
            continue
        try:
            rate = sp.limit(sp.log(sp.Abs(expr)) / sp.log(sp.Abs(x)), x, end)
        except Exception:
            continue
        if rate is sp.oo:
            return (f"{what}: it grows faster than every power of x as x -> {end} "
                    "(log|phi| / log|x| -> oo)")
        if rate.is_finite and not (rate.is_integer and rate >= 0):
            return (f"{what}: |phi(x)| grows like |x|^{rate} as x -> {end}, which is not an "
                    "integer power")
        if rate.is_finite and rate >= 0:
            # a polynomial with |phi| = O(|x|^(rate + eps)) has degree <= floor(rate), so a
            # nonzero derivative of order floor(rate) + 1 rules it out
            order = int(sp.floor(rate)) + 1
            der = sp.diff(expr, x, order)
            for p in _interior_points(domain):
                val = sp.N(der.subs(x, p), 30)
                if val.is_number and val.is_real and abs(val) > 1e-20:
                    return (f"{what}: |phi(x)| grows like |x|^{rate} as x -> {end}, so a "
                            f"polynomial phi would have degree <= {order - 1}, but its derivative "
                            f"of order {order} is {sp.N(val, 6)} != 0 at x = {p}")
    # a pole in the complex plane: polynomials are entire
    try:
        den = sp.denom(sp.together(expr))
        if den.free_symbols and _poly_coeffs(den) is not None and _poly_coeffs(expr) is None:
            num = sp.numer(sp.together(expr))
            if _poly_coeffs(num) is not None:
                return f"{what}: a rational function that is not a polynomial"
    except Exception:
        pass
    return None


def _pieces(expr):
    """phi as a list of (expression, set) pieces covering R (disjoint), or None."""
    kinked = (sp.Piecewise, sp.Abs, sp.Max, sp.Min, sp.Heaviside, sp.sign)
    if not expr.has(*kinked):
        return [(expr, sp.S.Reals)]
    try:
        e = expr
        for head in (sp.Abs, sp.Max, sp.Min, sp.Heaviside, sp.sign):
            e = e.replace(lambda a, h=head: isinstance(a, h), lambda a: a.rewrite(sp.Piecewise))
        pw = sp.piecewise_fold(e)
    except Exception:
        return None
    if not isinstance(pw, sp.Piecewise):
        if pw.has(*kinked):
            return None
        return [(pw, sp.S.Reals)]
    out, covered = [], sp.S.EmptySet
    for piece, cond in pw.args:
        try:
            dom = (sp.S.Reals if cond is sp.true else cond.as_set()).intersect(sp.S.Reals)
        except Exception:
            return None
        dom = dom - covered
        covered = covered | dom
        if dom is sp.S.EmptySet or dom == sp.S.EmptySet:
            continue
        if piece.has(*kinked):
            return None
        out.append((piece, dom))
    if covered != sp.S.Reals:
        return None
    return out


def _measure_positive(dom):
    try:
        return bool(dom.measure > 0)
    except Exception:
        return True


def _symbolic_check(act):
    expr = act.expr
    if expr.has(sp.DiracDelta):
        return PolynomialCheck(False, None, "contains a Dirac delta (not a function)")
    cs = _poly_coeffs(expr)
    if cs is not None:
        deg = len(cs) - 1
        return PolynomialCheck(True, deg, f"a polynomial of degree {deg} in x", cs)
    pieces = _pieces(expr)
    if pieces is None:
        return PolynomialCheck(None, None, f"could not split {expr} into pieces on intervals")
    if len(pieces) == 1:
        piece = pieces[0][0]
        cs = _as_polynomial(piece)
        if cs is not None:
            deg = len(cs) - 1
            return PolynomialCheck(True, deg, f"simplifies to a polynomial of degree {deg}: "
                                   f"{sp.Poly(list(reversed(cs)), x).as_expr()}", cs)
        why = _why_not_polynomial(piece, sp.S.Reals)
        if why is not None:
            return PolynomialCheck(False, None, why)
        return PolynomialCheck(None, None, f"{expr}: SymPy cannot reduce it to a polynomial, "
                               "and no growth or boundedness argument applies")
    # piece by piece: a polynomial only if every piece (on a set of positive length) is the same
    # polynomial, and the values on isolated points agree with it
    polys = []
    for piece, dom in pieces:
        if not _measure_positive(dom):
            continue
        cs = _as_polynomial(piece)
        if cs is None:
            why = _why_not_polynomial(piece, dom)
            if why is not None:
                return PolynomialCheck(False, None, f"on {dom} phi = {piece}, which is {why}")
            return PolynomialCheck(None, None, f"on {dom} phi = {piece}; SymPy cannot decide "
                                   "whether it is a polynomial there")
        polys.append((cs, piece, dom))
    first = polys[0][0]
    for cs, piece, dom in polys[1:]:
        if cs != first:
            p0 = sp.Poly(list(reversed(first)), x).as_expr()
            p1 = sp.Poly(list(reversed(cs)), x).as_expr()
            return PolynomialCheck(False, None, f"piecewise: phi = {p0} on {polys[0][2]} but "
                                   f"phi = {p1} on {dom}; two different polynomials on "
                                   "intervals cannot be one polynomial")
    poly_expr = sp.Poly(list(reversed(first)), x).as_expr()
    for piece, dom in pieces:
        if _measure_positive(dom):
            continue
        pts = list(dom) if isinstance(dom, sp.FiniteSet) else None
        if pts is None:
            return PolynomialCheck(None, None, f"cannot decide the value of phi on {dom}")
        for p in pts:
            if sp.simplify(piece.subs(x, p) - poly_expr.subs(x, p)) != 0:
                return PolynomialCheck(False, None, f"phi = {poly_expr} except at x = {p}, "
                                       f"where phi = {piece.subs(x, p)}")
    deg = len(first) - 1
    return PolynomialCheck(True, deg, f"every piece is the same polynomial {poly_expr} "
                           f"(degree {deg})", first)


# --------------------------------------------------------------------------------------------
# Evidence for black-box callables
# --------------------------------------------------------------------------------------------

def _evidence_check(f, max_degree=30, rtol=1e-9):
    import numpy as np

    nodes, weights = np.polynomial.hermite_e.hermegauss(120)
    weights = weights / math.sqrt(2 * math.pi)
    # alpha_k = E[f(sigma z) h_k(z)], h_k = He_k / sqrt(k!) by the stable normalised
    # recurrence, at two scales (an entire function such as sin has Hermite coefficients that
    # decay like 1/sqrt(k!) at sigma = 1, but not at sigma = 4)
    best = None
    for sigma in (1.0, 4.0):
        try:
            fv = np.asarray(f(sigma * nodes), dtype=float)
        except Exception as exc:
            return PolynomialCheck(None, None, f"the callable failed on quadrature nodes: {exc}")
        if fv.shape != nodes.shape or not np.all(np.isfinite(fv)):
            return PolynomialCheck(None, None, "the callable is not finite (or not vectorised) "
                                   "on the Gauss-Hermite nodes")
        h_prev, h = np.zeros_like(nodes), np.ones_like(nodes)
        alphas = []
        for k in range(max_degree + 1):
            alphas.append(float(np.sum(weights * fv * h)))
            h_prev, h = h, (nodes * h - math.sqrt(k) * h_prev) / math.sqrt(k + 1)
        alphas = np.array(alphas)
        norm = float(np.sqrt(np.sum(alphas**2)))
        if norm == 0.0:
            continue
        tol = rtol * norm
        nz = np.nonzero(np.abs(alphas) > tol)[0]
        cand = (int(nz[-1]), sigma, alphas, tol)
        if best is None or cand[0] > best[0]:
            best = cand
    if best is None:
        return PolynomialCheck(True, 0, "consistent with the zero polynomial: every Hermite "
                               f"coefficient of degree <= {max_degree} vanishes exactly")
    r, sigma, alphas, tol = best
    # finite differences: the (r+1)-th difference of a degree-r polynomial vanishes
    h_step = 0.25
    grid = np.arange(-(r + 1) / 2, (r + 1) / 2 + 1e-12, 1.0) * h_step
    shifts = np.linspace(-2.0, 2.0, 9)
    fd_max, fd_scale = 0.0, 0.0
    for s0 in shifts:
        vals = np.asarray(f(grid + s0), dtype=float)
        diff = vals.copy()
        for _ in range(r + 1):
            diff = np.diff(diff)
        fd_max = max(fd_max, abs(float(diff[0])))
        fd_scale = max(fd_scale, float(np.sum(np.abs(vals))) * 2.0 ** (r + 1))
    fd_ok = fd_max <= 1e-9 * max(fd_scale, 1e-300)
    if r < max_degree - 4 and fd_ok:
        return PolynomialCheck(True, r, (
            f"evidence (not a proof): consistent with a polynomial of degree {r}; the Hermite "
            f"coefficients of degree {r + 1}..{max_degree} (input scales 1 and 4) are below "
            f"{rtol:g} x ||phi|| "
            f"(= {tol:.2e}) and the order-{r + 1} finite differences (step {h_step}) are below "
            f"1e-9 of their scale ({fd_max:.1e})"))
    k = int(np.argmax(np.abs(alphas[max_degree // 2:]))) + max_degree // 2
    return PolynomialCheck(False, None, (
        f"evidence: not a polynomial of degree <= {max_degree - 5}; its Hermite coefficient "
        f"alpha_{r} = {alphas[r]:.3e} (input scale {sigma:g}) is above the tolerance "
        f"{tol:.2e} ({rtol:g} x ||phi||), and "
        f"the largest of degree >= {max_degree // 2} is alpha_{k} = {alphas[k]:.3e}"))


def is_polynomial(act, *, max_degree=30, rtol=1e-9):
    """Decide whether an activation is a polynomial.

    Args:
        act: an :class:`~ntksym.Activation`, a registry name or an expression string.
        max_degree: for callables, the highest Hermite degree examined.
        rtol: for callables, the relative tolerance on Hermite coefficients.

    Returns:
        :class:`PolynomialCheck` (is_polynomial, degree, reason). SymPy activations are decided
        symbolically; callables on numerical evidence, which the reason says.
    """
    act = act if isinstance(act, Activation) else _activation(act)
    if not act.is_symbolic:
        return _evidence_check(act.func, max_degree=max_degree, rtol=rtol)
    return _symbolic_check(act)


# --------------------------------------------------------------------------------------------
# The characterisation of polynomials (Carvalho, Costa, Mourão, Oliveira)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PolynomialCertificate:
    """sum_i coefficients[i] * phi(a_i s + b_i t) == 0 with pairs (a_i, b_i).

    ``identity`` is the expanded sum (0 when ``verified``).
    """

    pairs: tuple
    coefficients: tuple
    identity: sp.Expr
    verified: bool

    def expr(self, phi_expr):
        return sum((co * phi_expr.subs(x, a * _s + b * _t)
                    for co, (a, b) in zip(self.coefficients, self.pairs)), sp.Integer(0))


def polynomial_certificate(act):
    """An explicit witness that a polynomial activation of degree r is a polynomial.

    The pairs (1, j), j = 0..r+1, are pairwise non-proportional, and the coefficients
    c_j = (-1)^(r+1-j) binom(r+1, j) form the (r+1)-th forward difference in t: since
    t -> phi(s + t) is a polynomial of degree r in t,
    sum_j c_j phi(s + j t) = Delta_t^(r+1) ... applied along the line is identically 0.
    (Precisely: sum_j c_j p(j t) = 0 for every polynomial p of degree <= r, applied to
    p(u) = phi(s + u) with the step t.) The identity is checked exactly by expanding it.

    Raises:
        ValueError: if phi is not (decidably) a polynomial.
    """
    act = act if isinstance(act, Activation) else _activation(act)
    chk = is_polynomial(act)
    if not chk.is_polynomial:
        raise ValueError(f"{act.name} is not known to be a polynomial: {chk.reason}")
    if not act.is_symbolic:
        raise ValueError("an exact certificate needs a SymPy activation, not a callable")
    r = chk.degree
    pairs = tuple((1, j) for j in range(r + 2))
    coeffs = tuple((-1) ** (r + 1 - j) * math.comb(r + 1, j) for j in range(r + 2))
    phi = sp.Poly(list(reversed(chk.coefficients)), x).as_expr()
    identity = sp.expand(sum((co * phi.subs(x, a * _s + b * _t)
                              for co, (a, b) in zip(coeffs, pairs)), sp.Integer(0)))
    return PolynomialCertificate(pairs, coeffs, identity, identity == 0)


@dataclass(frozen=True)
class CollocationResult:
    """The collocation matrix A[k, i] = phi(a_i s_k + b_i t_k) and what it shows.

    ``independent`` is True when A has full column rank, which proves that the functions
    (s, t) -> phi(a_i s + b_i t) are linearly independent (a dependency c would give A c = 0).
    ``rank`` and ``condition`` come from its singular values (``condition`` = s_max / s_min);
    ``certified`` says whether full rank was certified rigorously (interval arithmetic on
    A^T A: its smallest eigenvalue is bounded away from 0), not only in float64.
    """

    pairs: tuple
    points: tuple
    rank: int
    condition: float
    independent: bool
    certified: bool
    reason: str


def collocation_test(act, pairs, points=None, seed=0):
    """Show that phi(a_i s + b_i t) are linearly independent functions of (s, t).

    Args:
        act: the activation (symbolic or callable).
        pairs: pairwise non-proportional (a_i, b_i).
        points: collocation points (s_k, t_k); by default 3 * len(pairs) reproducible
            pseudo-random points in [-2, 2]^2.

    Returns:
        :class:`CollocationResult`.
    """
    import numpy as np

    act = act if isinstance(act, Activation) else _activation(act)
    pairs = tuple((float(a), float(b)) for a, b in pairs)
    m = len(pairs)
    if m == 0:
        raise ValueError("give at least one pair (a, b)")
    for i in range(m):
        if pairs[i] == (0.0, 0.0):
            raise ValueError("the pair (0, 0) is proportional to every pair")
        for j in range(i + 1, m):
            (a1, b1), (a2, b2) = pairs[i], pairs[j]
            if a1 * b2 - a2 * b1 == 0:
                raise ValueError(f"pairs {pairs[i]} and {pairs[j]} are proportional")
    if points is None:
        rng = np.random.default_rng(seed)
        points = rng.uniform(-2.0, 2.0, size=(3 * m, 2))
    P = np.asarray(points, dtype=float)
    from ntksym.backends.numeric import activation_function
    phi = activation_function(act)
    arg = P[:, :1] * np.array([a for a, _ in pairs])[None, :] + \
        P[:, 1:2] * np.array([b for _, b in pairs])[None, :]
    A = np.asarray(phi(arg), dtype=float)
    sv = np.linalg.svd(A, compute_uv=False)
    cond = float(sv[0] / sv[-1]) if sv[-1] > 0 else math.inf
    tol = sv[0] * max(A.shape) * np.finfo(float).eps
    rank = int(np.sum(sv > tol))
    independent = rank == m
    certified = False
    if independent and act.is_symbolic:
        import mpmath
        with mpmath.workdps(30):
            f = sp.lambdify(x, act.expr, modules=["mpmath"])
            rows = []
            try:
                for s, t in P:
                    rows.append([mpmath.iv.mpf(f(mpmath.mpf(s) * a + mpmath.mpf(t) * b))
                                 for a, b in pairs])
                G = [[mpmath.iv.mpf(0) for _ in range(m)] for _ in range(m)]
                for i in range(m):
                    for j in range(m):
                        G[i][j] = sum((row[i] * row[j] for row in rows), mpmath.iv.mpf(0))
                # values were computed at 30 digits: widen each entry by a relative 1e-25
                for i in range(m):
                    for j in range(m):
                        mid = G[i][j].mid
                        rad = abs(mid) * mpmath.mpf("1e-25") + mpmath.mpf("1e-40")
                        G[i][j] = mpmath.iv.mpf([mid - rad, mid + rad])
                certified = interval_cholesky_min(G) is not None
            except Exception:
                certified = False
    reason = (f"collocation matrix {A.shape[0]} x {m} has rank {rank} (condition number "
              f"{cond:.3e}); " + ("full column rank, so the functions phi(a_i s + b_i t) are "
                                  "linearly independent" if independent else
                                  "rank deficient in float64: no independence shown"))
    return CollocationResult(pairs, tuple(map(tuple, P.tolist())), rank, cond, independent,
                             certified, reason)
