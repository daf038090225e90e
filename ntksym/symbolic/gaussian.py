r"""Gaussian expectations E[f(u) g(v)], derived by rules and verified by quadrature.

For (u, v) ~ N(0, [[q1, c], [c, q2]]) the engine computes E[f(u) g(v)] as a SymPy expression in
:data:`ntksym.q1`, :data:`ntksym.q2`, :data:`ntksym.c`. The strategies run in this order; each one
either returns a result that has been checked against 2-D quadrature, or declines:

1. ``wick`` (method ``"hermite"``): f and g polynomials. Isserlis' theorem gives
   E[u^i v^j] = sum_k k! C(i,k) C(j,k) c^k (i-k-1)!! q1^((i-k)/2) (j-k-1)!! q2^((j-k)/2), and the
   result is confirmed exactly against the Mehler/Hermite series of :mod:`ntksym.hermite`.
2. ``orthant`` (method ``"price"``): f and g polynomial on each side of 0 (ReLU, leaky ReLU,
   |x|, step, sign, max(0,x)^n). The pair reduces to orthant moments E[u_+^i v_+^j]. Price's
   theorem d/dc E[u_+^i v_+^j] = i j E[u_+^(i-1) v_+^(j-1)] lowers the degrees until a Dirac
   delta remains: E[delta(u) v_+^j] and E[delta(u) delta(v)] = 1 / (2 pi sqrt(q1 q2 - c^2)) are
   explicit. Integrating back in c from the independent case c = 0 gives the closed form.
3. ``square`` (method ``"gaussian"``): f and g sums of p(x) exp(beta x^2 + a x) with
   polynomial p, real beta <= 0 and complex a (exp, sin, cos, gaussian, and their products with
   polynomials). Completing the square gives E[exp(beta1 u^2 + beta2 v^2 + a1 u + a2 v)]
   = det(I - 2 B Sigma)^(-1/2) exp(m^T Sigma (I - 2 B Sigma)^(-1) m / 2); polynomial factors are
   derivatives in a1, a2.
4. ``price`` (method ``"price"``): Price's theorem plus a one-dimensional integral,
   E[f g] = E[f] E[g] + int_0^c E[f'(u) g'(v)] dc', when E[f' g'] is derivable (erf, GELU).
5. ``table`` (method ``"table"``): a literature closed form attached to the activation,
   re-verified each time.

If f or g is a sum and no strategy handles the whole pair, the pair is split by linearity.
If nothing applies the result is None, and :func:`ntksym.dual` falls back to quadrature.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp
from sympy.core.function import AppliedUndef

from ntksym.symbolic.activations import Activation
from ntksym.symbolic.hermite import mehler_dual
from ntksym.core.symbols import c, q1, q2, rho, x

__all__ = ["GaussianExpectation", "Step", "Derivation", "derive_expectation", "derive_mean",
           "orthant_moment", "METHODS"]

METHODS = ("hermite", "gaussian", "price", "table", "numeric")

_s = sp.Dummy("s", real=True)
_a1, _a2 = sp.symbols("a1 a2")


class GaussianExpectation(sp.Function):
    r"""Unevaluated E[f(u) g(v)] for (u, v) ~ N(0, [[q1, c], [c, q2]]).

    Arguments: ``Lambda(x, f)``, ``Lambda(x, g)``, ``q1``, ``q2``, ``c``. It is what
    :attr:`DualKernel.expr` holds when no closed form exists, and what derivation steps show on
    their left-hand sides.
    """

    nargs = 5
    is_commutative = True

    @classmethod
    def eval(cls, f, g, a, b, cc):
        return None

    def _eval_evalf(self, prec):
        return None  # numeric values come from ntksym.quadrature, not from evalf

    @classmethod
    def of(cls, f, g, a=q1, b=q2, cc=c):
        fe = f.expr if isinstance(f, Activation) else f
        ge = g.expr if isinstance(g, Activation) else g
        return cls(sp.Lambda(x, fe), sp.Lambda(x, ge), a, b, cc)

    def _eval_derivative(self, s):
        return None

    def _latex(self, printer):
        from ntksym.io.latex import latex_expectation
        return latex_expectation(self, printer)


@dataclass(frozen=True)
class Step:
    """One step of a derivation: ``lhs = rhs``, justified by ``rule`` and explained by ``text``."""

    rule: str
    text: str
    lhs: sp.Basic | None = None
    rhs: sp.Basic | None = None


@dataclass
class Derivation:
    """A derived expectation: the expression, the method that produced it, and its steps."""

    expr: sp.Expr
    method: str
    steps: list = field(default_factory=list)


class _TimeUp(Exception):
    pass


@contextmanager
def _time_limit(seconds):
    """Abort a SymPy computation that runs longer than ``seconds`` (main thread, Unix only).

    SymPy's integrator can run for minutes on integrands it will not finish; a strategy that
    takes too long declines, and the next strategy (or quadrature) takes over.
    """
    usable = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
              and signal.getitimer(signal.ITIMER_REAL)[0] == 0)
    if not usable:
        yield
        return

    def handler(signum, frame):
        raise _TimeUp()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# --------------------------------------------------------------------------------------------
# Half-line moments and orthant moments
# --------------------------------------------------------------------------------------------

def _half_moment(j):
    """E[z^j 1{z > 0}] for z ~ N(0, 1)."""
    return 2 ** sp.Rational(j, 2) * sp.gamma(sp.Rational(j + 1, 2)) / (2 * sp.sqrt(sp.pi))


@lru_cache(maxsize=None)
def _orthant_unit(i, j):
    """m_ij(rho) = E[z1^i z2^j 1{z1 > 0, z2 > 0}] for unit variances and correlation rho.

    Derived by Price's theorem: dm_ij/drho = i j m_(i-1)(j-1); dm_0j/drho =
    j E[z2^(j-1) 1{z2>0} | z1 = 0] / sqrt(2 pi); m_00 = 1/4 + asin(rho)/(2 pi). Each is
    integrated back from rho = 0, where m_ij(0) = E[z^i 1{z>0}] E[z^j 1{z>0}].
    """
    if i > j:
        return _orthant_unit(j, i)
    if i == 0 and j == 0:
        return sp.Rational(1, 4) + sp.asin(rho) / (2 * sp.pi)
    if i == 0:
        slope = j * (1 - _s**2) ** sp.Rational(j - 1, 2) * _half_moment(j - 1) / sp.sqrt(2 * sp.pi)
    else:
        slope = i * j * _orthant_unit(i - 1, j - 1).subs(rho, _s)
    start = _half_moment(i) * _half_moment(j)
    return sp.expand(start + sp.integrate(sp.expand(slope), (_s, 0, rho)))


def _rho_to_c(expr):
    """Rewrite an expression in rho, sqrt(1 - rho^2), asin(rho) into q1, q2, c.

    With R = sqrt(q1 q2), S = sqrt(q1 q2 - c^2) and theta = atan2(S, c): rho = c/R,
    sqrt(1 - rho^2) = S/R and asin(rho) = pi/2 - theta. theta is an atan2 so that it is exact at
    c = +-sqrt(q1 q2) and never the arccos of a rounded ratio.
    """
    R = sp.sqrt(q1) * sp.sqrt(q2)
    S = sp.sqrt(q1 * q2 - c**2)
    theta = sp.atan2(S, c)
    expr = expr.replace(sp.asin, lambda a: sp.pi / 2 - theta if a == rho else
                        (-(sp.pi / 2 - theta) if a == -rho else sp.asin(a)))
    one_minus = 1 - rho**2
    expr = expr.replace(lambda e: e.is_Pow and sp.expand(e.base - one_minus) == 0,
                        lambda e: (S / R) ** (2 * e.exp))
    return expr.subs(rho, c / R)


def orthant_moment(i, j):
    """E[u^i v^j 1{u > 0} 1{v > 0}] at general variances, as an expression in q1, q2, c."""
    return _tidy(_rho_to_c(sp.sqrt(q1) ** i * sp.sqrt(q2) ** j * _orthant_unit(i, j)))


def _tidy(expr, simplify=False):
    """Collect a closed form on its transcendental parts (atan2, sqrt(q1 q2 - c^2), exp).

    With ``simplify=True`` SymPy's ``simplify`` is also tried (for at most a second) and the
    shorter of the two forms is kept.
    """
    if simplify:
        tidy = _tidy(expr)
        try:
            with _time_limit(1.0):
                simple = _tidy(sp.simplify(tidy))
        except Exception:
            return tidy
        return simple if sp.count_ops(simple) < sp.count_ops(tidy) else tidy
    expr = sp.expand(expr)
    gens = sorted(expr.atoms(sp.atan2, sp.asin, sp.exp, sp.sinh, sp.cosh),
                  key=sp.default_sort_key)
    gens += [sp.sqrt(q1 * q2 - c**2)]
    collected = sp.collect(expr, gens, evaluate=False)
    total = sp.Integer(0)
    for key, coeff in collected.items():
        total += sp.factor(coeff) * key
    total = sp.powsimp(total, combine="exp")
    return total.replace(lambda e: e.is_Pow and e.exp.is_Rational and e.exp.q == 2,
                         lambda e: sp.factor(e.base) ** e.exp)


# --------------------------------------------------------------------------------------------
# Strategy 1: Wick / Isserlis for polynomials
# --------------------------------------------------------------------------------------------

def _double_factorial_moment(n, q):
    """E[u^n] for u ~ N(0, q)."""
    if n % 2:
        return sp.Integer(0)
    return sp.factorial2(n - 1) * q ** sp.Rational(n, 2) if n else sp.Integer(1)


def wick_moment(i, j):
    """E[u^i v^j] by Isserlis' theorem (sum over the number k of cross pairings)."""
    total = sp.Integer(0)
    for k in range(min(i, j) + 1):
        if (i - k) % 2 or (j - k) % 2:
            continue
        total += (sp.factorial(k) * sp.binomial(i, k) * sp.binomial(j, k) * c**k
                  * _double_factorial_moment(i - k, q1) * _double_factorial_moment(j - k, q2))
    return total


def _wick(f, g, depth):
    a, b = f.polynomial_coeffs, g.polynomial_coeffs
    if a is None or b is None:
        return None
    expr = sp.expand(sum((ai * bj * wick_moment(i, j) for i, ai in enumerate(a)
                          for j, bj in enumerate(b) if ai != 0 and bj != 0), sp.Integer(0)))
    mehler = sp.expand(mehler_dual(a, b))
    if sp.expand(expr - mehler) != 0:  # two exact derivations must agree
        return None
    lhs = GaussianExpectation.of(f, g)
    steps = [
        Step("wick", "Expand both polynomials and apply Isserlis' theorem to each E[u^i v^j].",
             lhs, sp.Add(*[ai * bj * GaussianExpectation.of(x**i, x**j) for i, ai in enumerate(a)
                           for j, bj in enumerate(b) if ai != 0 and bj != 0])),
        Step("mehler", "The Hermite (Mehler) expansion sum_k alpha_k(q1) alpha_k(q2) rho^k gives "
             "the same polynomial exactly.", lhs, mehler),
    ]
    return Derivation(expr, "hermite", steps)


# --------------------------------------------------------------------------------------------
# Strategy 2: piecewise polynomials via orthant moments (Price's theorem)
# --------------------------------------------------------------------------------------------

def _orthant(f, g, depth):
    pf, pg = f.piecewise_polynomial, g.piecewise_polynomial
    if pf is None or pg is None:
        return None
    total = sp.Integer(0)
    used = set()
    for s, fs in ((1, pf.plus), (-1, pf.minus)):
        for t, gt in ((1, pg.plus), (-1, pg.minus)):
            for i, ai in enumerate(fs):
                for j, bj in enumerate(gt):
                    if ai == 0 or bj == 0:
                        continue
                    used.add((i, j))
                    total += (ai * s**i * bj * t**j * sp.sqrt(q1) ** i * sp.sqrt(q2) ** j
                              * _orthant_unit(i, j).subs(rho, s * t * rho))
    expr = _tidy(_rho_to_c(sp.expand(total)))
    lhs = GaussianExpectation.of(f, g)
    steps = [Step("decompose",
                  "Split each activation into its polynomial pieces on x > 0 and x < 0; the pair "
                  "becomes a sum of orthant moments E[u_+^i v_+^j] (a piece on x < 0 is the "
                  "positive part of -u, which flips the sign of c).", lhs, None)]
    def pos(k):
        return sp.Max(0, x) ** k if k else sp.Heaviside(x, 0)

    for (i, j) in sorted(used):
        mom = GaussianExpectation.of(pos(i), pos(j))
        if i and j:
            steps.append(Step("price", f"Price's theorem lowers both degrees: "
                              f"d/dc E[u_+^{i} v_+^{j}] = {i * j} E[u_+^{i - 1} v_+^{j - 1}].",
                              sp.Derivative(mom, c, evaluate=False),
                              i * j * GaussianExpectation.of(pos(i - 1), pos(j - 1))))
        elif i or j:
            k = max(i, j)
            steps.append(Step("dirac", f"The derivative of a step is a Dirac delta: d/dc E[u_+^0 "
                              f"v_+^{k}] = {k} E[delta(u) v_+^{k - 1}], a Gaussian integral "
                              "on the line u = 0.", sp.Derivative(mom, c, evaluate=False),
                              sp.diff(orthant_moment(i, j), c)))
        else:
            steps.append(Step("dirac", "E[delta(u) delta(v)] is the density at the origin: "
                              "1 / (2 pi sqrt(q1 q2 - c^2)).",
                              sp.Derivative(mom, c, evaluate=False),
                              1 / (2 * sp.pi * sp.sqrt(q1 * q2 - c**2))))
        steps.append(Step("integrate", f"Integrate back in c from c = 0, where the factors are "
                          f"independent: E[u_+^{i}] E[v_+^{j}] = "
                          f"{sp.sqrt(q1)**i * sp.sqrt(q2)**j * _half_moment(i) * _half_moment(j)}.",
                          mom, orthant_moment(i, j)))
    steps.append(Step("result", "Sum the orthant moments with the pieces' coefficients.",
                      lhs, expr))
    return Derivation(expr, "price", steps)


# --------------------------------------------------------------------------------------------
# Strategy 3: completing the square for exp / trig families
# --------------------------------------------------------------------------------------------

_BAD_FOR_SQUARE = (sp.Heaviside, sp.Abs, sp.Max, sp.Min, sp.Piecewise, sp.sign, sp.erf,
                   sp.erfc, sp.log, sp.tanh, sp.DiracDelta, AppliedUndef)


def _exp_terms(expr):
    """Write expr as sum_k p_k(x) exp(beta_k x^2 + a_k x); a dict {(beta, a): p} or None."""
    if expr.has(*_BAD_FOR_SQUARE) or not expr.is_Add and expr.is_Pow and expr.exp.is_negative:
        return None
    e = sp.expand(expr.rewrite(sp.exp), power_exp=False)
    terms = {}
    for term in sp.Add.make_args(e):
        coeff, rest = term.as_independent(x, as_Add=False)
        n, exponent = 0, sp.Integer(0)
        for fac in sp.Mul.make_args(rest):
            if fac == 1:
                continue
            base, ex = fac.as_base_exp()
            if base == x and ex.is_Integer and ex >= 0:
                n += int(ex)
            elif isinstance(fac, sp.exp):
                exponent += fac.args[0]
            elif base == sp.E:
                exponent += ex
            else:
                return None
        exponent = sp.expand(exponent)
        if not exponent.is_polynomial(x):
            return None
        poly = sp.Poly(exponent, x)
        if poly.degree() > 2:
            return None
        coeffs = dict(zip(poly.monoms(), poly.coeffs()))
        beta = coeffs.get((2,), sp.Integer(0))
        a = coeffs.get((1,), sp.Integer(0))
        gamma = coeffs.get((0,), sp.Integer(0))
        if not (beta.is_real and beta <= 0) or not a.is_number or not gamma.is_number:
            return None
        key = (beta, a)
        terms[key] = terms.get(key, sp.Integer(0)) + coeff * sp.exp(gamma) * x**n
    return terms


def _gaussian_mgf(b1, b2):
    """E[exp(b1 u^2 + b2 v^2 + a1 u + a2 v)] as an expression in a1, a2 (completing the square)."""
    sigma = sp.Matrix([[q1, c], [c, q2]])
    B = sp.diag(b1, b2)
    A = sp.eye(2) - 2 * B * sigma
    det = sp.expand(A.det())
    M = (sigma * A.adjugate()).applyfunc(sp.expand)
    m = sp.Matrix([_a1, _a2])
    quad = sp.expand((m.T * M * m)[0, 0])
    return sp.exp(quad / (2 * det)) / sp.sqrt(det)


def _poly_derivative(p, var, F):
    """p(d/dvar) F for a polynomial p in x."""
    out = sp.Integer(0)
    for (n,), co in sp.Poly(p, x).terms():
        out += co * (sp.diff(F, var, n) if n else F)
    return out


def _real_part(expr):
    expr = sp.expand(expr)
    if not expr.has(sp.I):
        return expr
    re, _ = expr.as_real_imag()
    return sp.expand(re)


def _hyperbolic(expr):
    """Pair exp(E0 + b c) with exp(E0 - b c) into exp(E0) (A cosh(b c) + B sinh(b c)).

    The paired form has no cancellation when c is small (a difference of two nearly equal
    exponentials loses digits in float64, e.g. the sin kernel at tiny variance).
    """
    groups, rest = {}, sp.Integer(0)
    expr = sp.powsimp(sp.expand(expr, power_exp=False), combine="exp")
    for term in sp.Add.make_args(expr):
        term = sp.powsimp(term, combine="exp")
        exps = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.exp)]
        if len(exps) != 1:
            rest += term
            continue
        E = sp.expand(exps[0].args[0])
        if not E.is_polynomial(c) or sp.degree(E, c) > 1:
            rest += term
            continue
        b = E.coeff(c, 1)
        E0 = sp.expand(E - b * c, power_exp=False)
        sign = -1 if (b.is_number and b < 0) else 1
        key = (E0, sign * b)
        P, Q = groups.get(key, (sp.Integer(0), sp.Integer(0)))
        coeff = term / exps[0]
        groups[key] = (P + coeff, Q) if sign > 0 else (P, Q + coeff)
    for (E0, b), (P, Q) in groups.items():
        if b == 0 or P == 0 or Q == 0:  # nothing to pair
            rest += P * sp.exp(E0 + b * c) + Q * sp.exp(E0 - b * c)
        elif b == 0:
            rest += sp.factor(P + Q) * sp.exp(E0)
        else:
            rest += sp.exp(E0) * (sp.factor(P + Q) * sp.cosh(b * c)
                                  + sp.factor(P - Q) * sp.sinh(b * c))
    return rest


def _square(f, g, depth):
    if not (f.is_symbolic and g.is_symbolic):
        return None
    tf, tg = _exp_terms(f.expr), _exp_terms(g.expr)
    if tf is None or tg is None:
        return None
    if all(k == (0, 0) for k in tf) and all(k == (0, 0) for k in tg):
        return None  # plain polynomials belong to Wick
    total = sp.Integer(0)
    for (b1, a1), p in tf.items():
        for (b2, a2), r in tg.items():
            F = _gaussian_mgf(b1, b2)
            G = _poly_derivative(r, _a2, _poly_derivative(p, _a1, F))
            total += G.subs({_a1: a1, _a2: a2})
    expr = _hyperbolic(_tidy(_real_part(total)))
    lhs = GaussianExpectation.of(f, g)
    steps = [
        Step("square", "Write each activation as a sum of p(x) exp(beta x^2 + a x) "
             "(sin and cos through complex exponentials).", None, None),
        Step("square", "Complete the square: E[exp(b1 u^2 + b2 v^2 + a1 u + a2 v)] = "
             "det(I - 2 B Sigma)^(-1/2) exp(m^T Sigma (I - 2 B Sigma)^(-1) m / 2); polynomial "
             "factors are derivatives in a1 and a2; take the real part.",
             sp.Function("M")(_a1, _a2), _gaussian_mgf(*next(iter(tf))[:1], next(iter(tg))[0])),
        Step("result", "Closed form.", lhs, expr),
    ]
    return Derivation(expr, "gaussian", steps)


# --------------------------------------------------------------------------------------------
# Means E[f(u)] (needed at c = 0 by Price's theorem and for degenerate variances)
# --------------------------------------------------------------------------------------------

def _mean_term(expr, q):
    if not expr.has(x):
        return expr
    act = Activation(expr, _checked=True)
    if act.parity == "odd":
        return sp.Integer(0)
    pw = act.piecewise_polynomial
    if pw is not None:
        out = sp.Integer(0)
        for sgn, side in ((1, pw.plus), (-1, pw.minus)):
            for i, a in enumerate(side):
                out += a * sgn**i * sp.sqrt(q) ** i * _half_moment(i)
        return sp.expand(out)
    factor, rest = expr.as_independent(x, as_Add=False)
    if rest.is_Mul and x in rest.args:
        # Stein's lemma: E[u h(u)] = q E[h'(u)]
        h = rest / x
        inner = derive_mean(Activation(sp.diff(h, x), _checked=True), q)
        return None if inner is None else factor * q * inner
    terms = _exp_terms(expr)
    if terms is not None:
        out = sp.Integer(0)
        for (beta, a), p in terms.items():
            F = sp.exp(_a1**2 * q / (2 * (1 - 2 * beta * q))) / sp.sqrt(1 - 2 * beta * q)
            out += _poly_derivative(p, _a1, F).subs(_a1, a)
        return sp.simplify(_real_part(out))
    return None


def derive_mean(act, q=q1):
    """E[phi(u)] for u ~ N(0, q) as a SymPy expression, or None if no rule applies."""
    if not act.is_symbolic or act.has_dirac:
        return None
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(act.expr, mul=True, power_exp=False, multinomial=False)
                                 if act.expr.is_Add else act.expr):
        m = _mean_term(term, q)
        if m is None:
            return None
        total += m
    return sp.simplify(total)


# --------------------------------------------------------------------------------------------
# Strategy 4: Price's theorem with a one-dimensional integral
# --------------------------------------------------------------------------------------------

def _price(f, g, depth):
    if depth >= 1 or not (f.is_symbolic and g.is_symbolic) or f.has_dirac or g.has_dirac:
        return None
    if f.piecewise_polynomial is not None and g.piecewise_polynomial is not None:
        return None
    fp, gp = f.derivative(), g.derivative()
    if fp.has_dirac or gp.has_dirac:
        return None
    mf, mg = derive_mean(f, q1), derive_mean(g, q2)
    if mf is None or mg is None:
        return None
    inner = derive_expectation(fp, gp, depth + 1)
    if inner is None:
        return None
    integrand = inner.expr.subs(c, _s)
    try:
        with _time_limit(PRICE_INTEGRAL_SECONDS):
            integral = sp.integrate(integrand, (_s, 0, c))
    except Exception:  # _TimeUp, or the assorted errors SymPy's integrator raises
        return None
    if integral.has(sp.Integral, sp.Piecewise, sp.nan, sp.zoo):
        return None
    expr = _tidy(sp.simplify(mf * mg + integral))
    lhs = GaussianExpectation.of(f, g)
    steps = [
        Step("price", "Price's theorem: the c-derivative of E[f(u) g(v)] is E[f'(u) g'(v)].",
             sp.Derivative(lhs, c, evaluate=False), inner.expr),
        *inner.steps,
        Step("initial", "At c = 0, u and v are independent.", lhs.subs(c, 0), mf * mg),
        Step("integrate", "Integrate in c from 0.", lhs, expr),
    ]
    return Derivation(expr, "price", steps)


# --------------------------------------------------------------------------------------------
# Strategy 5: literature table
# --------------------------------------------------------------------------------------------

def _table(f, g, depth):
    if f.dual_table is None or f is not g and f != g:
        return None
    expr = f.dual_table(q1, q2, c)
    source = (f.dual_table.__doc__ or "").strip().splitlines()
    text = "Literature closed form" + (f": {' '.join(s.strip() for s in source[:3])}"
                                       if source else "")
    return Derivation(expr, "table", [Step("table", text, GaussianExpectation.of(f, g), expr)])


PRICE_INTEGRAL_SECONDS = 1.5
"""Time budget of SymPy's integrator in the Price strategy; past it the strategy declines."""

_STRATEGIES = (_wick, _orthant, _square, _price, _table)


# --------------------------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------------------------

def _verify(expr, f, g):
    """Check a derived expectation against 2-D quadrature at fixed, awkward points."""
    from ntksym.backends.numeric import verify_expectation
    return verify_expectation(expr, f, g)


def _additive_parts(act):
    """Split phi into additive parts: all polynomial terms together, every other term alone."""
    if not act.is_symbolic or not act.expr.is_Add:
        return [act]
    poly, others = sp.Integer(0), []
    for term in act.expr.args:
        if term.is_polynomial(x):
            poly += term
        else:
            others.append(term)
    parts = [poly] if poly != 0 else []
    parts += others
    if len(parts) < 2:
        return [act]
    return [Activation(p, _checked=True) for p in parts]


_RANK = {m: i for i, m in enumerate(METHODS)}

_failures: list = []


def derive_expectation(f, g, depth=0):
    """E[f(u) g(v)] by the first strategy that applies and passes verification, else None.

    Args:
        f, g: :class:`~ntksym.activations.Activation` objects.
        depth: recursion depth of Price's theorem (internal).

    Returns:
        A :class:`Derivation`, or None when no rule applies (the caller then uses quadrature).
    """
    if not (f.is_symbolic and g.is_symbolic):
        return None
    for strategy in _STRATEGIES:
        result = strategy(f, g, depth)
        if result is None:
            continue
        ok, err = _verify(result.expr, f, g)
        if ok:
            result.steps.append(Step("verify", f"Checked against 2-D quadrature at 8 points "
                                     f"(max relative error {err:.1e}).", None, None))
            return result
        _failures.append((strategy.__name__, f.expr, g.expr, err))
    fparts, gparts = _additive_parts(f), _additive_parts(g)
    if len(fparts) == 1 and len(gparts) == 1:
        return None
    total, steps, method = sp.Integer(0), [], "hermite"
    steps.append(Step("linearity", "Expand by linearity into pairs of simpler terms.",
                      GaussianExpectation.of(f, g),
                      sp.Add(*[GaussianExpectation.of(a, b) for a in fparts for b in gparts])))
    for a in fparts:
        for b in gparts:
            part = derive_expectation(a, b, depth)
            if part is None:
                return None
            total += part.expr
            steps.extend(part.steps)
            method = max(method, part.method, key=_RANK.get)
    expr = _tidy(total)
    steps.append(Step("result", "Sum of the terms.", GaussianExpectation.of(f, g), expr))
    return Derivation(expr, method, steps)
