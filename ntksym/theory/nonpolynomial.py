r"""Exact ranks of Gram matrices of networks with a non-polynomial activation.

With b_std != 0 and phi continuous the NTK (and NNGP) Gram matrix is positive definite on
distinct points (Carvalho, Costa, Mourão, Oliveira, arXiv:2404.12928): the rank is the number of
distinct points. Otherwise the rank lost to structure is predicted exactly.

*Depth 1* (symbolic phi). The Gram matrix is a sum over parameter groups, so v is in its null
space iff sum_i v_i F(x_i) = 0 for each group's features: phi(w.x) (read-out weights),
c_x phi'(w.x) with c_x = x, or (x, 1) when the first layer has a bias gradient (NTK only), and
the constant of a read-out bias. Each condition "sum_i v_i c_i q(w.a_i) = 0 for almost every w"
is turned into exact linear equations: q splits into its even and odd parts (independent under
w -> -w); a part that is a finite sum of powers a t^alpha on t > 0 splits by alpha (independent
under w -> s w); a polynomial piece t^alpha gives the moment equations
sum_i v_i c_i a_i^beta = 0 (|beta| = alpha); a non-polynomial piece |t|^alpha or
sign(t)|t|^alpha gives one equation per line through 0 with factors |lambda|^alpha (times
sign(lambda)), because functions of w on different lines are independent (the characterisation
of polynomials in the paper); any other part gives one equation per pair {a, -a}. The rank is
the rank of these equations over Q. For ReLU (odd part x/2) on d + 1 antipodal pairs on the
sphere this gives 2d + 1 < 2d + 2; for max(0, x) + max(0, x)^2 (not homogeneous, but a sum of
two homogeneous pieces) 5 points on a ray have rank 2.

*Depth >= 2, NNGP and NTK parameterization.* Positive homogeneity of degree k (the features of
lambda x are lambda^(k^L) times those of x, lambda > 0; k = 0 for step and sign) and parity (the
features of -x are minus, or equal to, those of x) identify points into classes with independent
features. The input 0 is a class of its own when phi(0) != 0 and has zero features otherwise.

*Standard parameterization without bias (NTK).* The biases start at 0 but are trained, so their
gradients add features: at depth 1 the groups above with c_x = (x, 1) and a read-out constant;
at depth L >= 2 the component of the bias of hidden layer l + 1 is homogeneous of degree
k^L - k^l (the weights': k^L), even for odd phi, odd for l = 0 and even phi, and the read-out
bias is a constant. The rank is that of one equation per class and component (with its
factor |lambda|^e, sign), one per component nonzero at x = 0, and the constant's. That each
bias component, like the weights', has independent features across classes is checked
numerically (high-precision SVD), not proved.

*Jumps* (step, sign). The NNGP follows the rules above (at depth 1 the exact rule; with bias at
depth >= 2, positive definite on distinct points). The NTK does not exist: phi' contains a
Dirac delta and E[delta(u) delta(v)] = 1/(2 pi sqrt(q1 q2 - c^2)) is infinite on the diagonal,
so predicted_rank raises ValueError.

Where a rule cannot decide (a black-box callable at depth 1 without bias, a part whose vanishing
SymPy cannot decide) the rank is None and the reason says why.

The entry point is :func:`nonpolynomial_prediction` (points already exact, see
:func:`ntksym.theory.exact.exact_points`); :func:`ntksym.theory.rank.predicted_rank` dispatches to
it.
"""
from __future__ import annotations

import math

import sympy as sp
from sympy.polys.matrices import DomainMatrix

from ntksym.core.symbols import x as _x
from ntksym.theory.prediction import RankPrediction

__all__ = ["nonpolynomial_prediction", "proportional"]


def proportional(u, v):
    """lambda with v = lambda * u (exact), or None; u must be nonzero."""
    k = next(i for i, a in enumerate(u) if a != 0)
    lam = v[k] / u[k]
    if all(b == lam * a for a, b in zip(u, v)):
        return lam
    return None


def _classes(P, hom, parity, zero_class):
    """Classes of points with proportional features: list of lists of (index, factor).

    ``hom``: the degree of positive homogeneity of the features' map or None; ``parity``:
    'odd', 'even' or None. Factors are exact; only their nonzero-ness and ratios matter.
    """
    classes = []     # each: (representative, [(i, factor)])
    zeros = []
    for i, p in enumerate(P):
        if all(a == 0 for a in p):
            zeros.append(i)
            continue
        for rep, members in classes:
            lam = proportional(rep, p)
            if lam is None:
                continue
            if lam == 1:
                members.append((i, sp.Integer(1)))
                break
            if lam > 0 and hom is not None:
                members.append((i, lam ** hom))
                break
            if lam == -1 and parity is not None:
                members.append((i, sp.Integer(-1 if parity == "odd" else 1)))
                break
            if lam < 0 and hom is not None and parity is not None:
                sgn = -1 if parity == "odd" else 1
                members.append((i, sgn * (-lam) ** hom))
                break
        else:
            classes.append((p, [(i, sp.Integer(1))]))
    out = [members for _, members in classes]
    if zeros and zero_class:
        out.append([(i, sp.Integer(1)) for i in zeros])
    return out, zeros


def _phi_zero(act):
    try:
        v = act.expr.subs(_x, 0)
        v = sp.nsimplify(v) if v.is_number else None
    except Exception:
        v = None
    return v


def _structure(act):
    """(hom, parity, phi(0) == 0) for a symbolic activation; callables: numeric evidence."""
    if act.is_symbolic:
        z = _phi_zero(act)
        return act.homogeneity, act.parity, (z == 0) if z is not None else None
    import numpy as np
    f = act.func
    t = np.linspace(0.1, 3.0, 13)
    ft, fm = np.asarray(f(t), float), np.asarray(f(-t), float)
    scale = max(1e-300, float(np.max(np.abs(ft)) + np.max(np.abs(fm))))
    parity = None
    if np.max(np.abs(ft - fm)) <= 1e-12 * scale:
        parity = "even"
    elif np.max(np.abs(ft + fm)) <= 1e-12 * scale and abs(float(f(np.array([0.0]))[0])) == 0:
        parity = "odd"
    hom = None
    for k in range(0, 9):
        ok = True
        for lam in (0.5, 2.0, 3.0):
            for sgn in (1, -1):
                a = np.asarray(f(sgn * lam * t), float)
                b = lam ** k * np.asarray(f(sgn * t), float)
                if np.max(np.abs(a - b)) > 1e-12 * max(1e-300, float(np.max(np.abs(b)))):
                    ok = False
        if ok and np.max(np.abs(ft)) + np.max(np.abs(fm)) > 0:
            hom = k
            break
    z0 = float(np.asarray(f(np.array([0.0])), float)[0])
    return hom, parity, z0 == 0


class _Undecided(Exception):
    """The structural rules cannot decide this case (the message says why)."""


_tpos = sp.Symbol("t", positive=True)


def _value_at_zero(expr):
    v = expr.subs(_x, 0)
    if not (v.is_number and v.is_finite):
        raise _Undecided(f"{expr} has no finite value at 0")
    return sp.nsimplify(v)


def _parity_part(expr, sign):
    """(phi(t) + sign * phi(-t)) / 2 for t > 0: the even (sign=1) or odd part on t > 0."""
    part = (expr.subs(_x, _tpos) + sign * expr.subs(_x, -_tpos)) / 2
    part = sp.piecewise_fold(part)
    if isinstance(part, sp.Piecewise):
        part = part.simplify()
    part = sp.expand(part)
    if part != 0 and not _power_terms(part):
        part = sp.simplify(part)
    return part


def _power_terms(e):
    """{alpha: coefficient} if e (in t > 0) is a finite sum of coefficient * t**alpha."""
    out = {}
    for term in sp.Add.make_args(sp.expand(e)):
        if term == 0:
            continue
        co, rest = term.as_independent(_tpos, as_Add=False)
        if not co.is_number:
            return None
        if rest == 1:
            alpha = sp.Integer(0)
        elif rest == _tpos:
            alpha = sp.Integer(1)
        elif rest.is_Pow and rest.base == _tpos and rest.exp.is_number:
            alpha = rest.exp
        else:
            return None
        out[alpha] = out.get(alpha, 0) + co
    return {a: co for a, co in out.items() if sp.nsimplify(co) != 0}


def _vanishes_numerically(e):
    f = sp.lambdify(_tpos, e, "mpmath")
    try:
        return all(abs(complex(f(t))) < 1e-25 for t in ("0.37", "1.3", "2.9", "7.1"))
    except Exception:
        return False


def _monomials(n, degree):
    """Exponent tuples of the monomials of the given degree in n variables."""
    if n == 0:
        return [()] if degree == 0 else []
    if n == 1:
        return [(degree,)]
    return [(k,) + rest for k in range(degree, -1, -1) for rest in _monomials(n - 1, degree - k)]


def _lines(args, idx):
    """Group the (nonzero) arguments idx by the line through 0 they lie on:
    [(representative, [(i, lambda_i)])] with args[i] = lambda_i * representative."""
    out = []
    for i in idx:
        for rep, members in out:
            lam = proportional(rep, args[i])
            if lam is not None:
                members.append((i, lam))
                break
        else:
            out.append((args[i], [(i, sp.Integer(1))]))
    return out


def _family_rows(q, args, coeffs, n):
    """Linear forms in v whose common null space is {v : sum_i v_i c_i q(w . a_i) = 0 for
    almost every w}, with a_i = args[i] and c_i = coeffs[i] (vectors), and notes on how.

    q is split into its even and odd parts (independent under w -> -w). A part that is a
    finite sum of powers a t^alpha on t > 0 splits further by alpha (independent under
    w -> s w): a polynomial piece t^alpha gives the moment equations sum_i v_i c_i a_i^beta = 0
    (|beta| = alpha); a non-polynomial piece |t|^alpha or sign(t)|t|^alpha gives one vector
    equation per line through 0, with the factors |lambda|^alpha (times sign(lambda)), because
    the functions of w on different lines are linearly independent (the characterisation of
    polynomials, Carvalho et al. 2024). Any other part is independent across the pairs
    {a, -a}. Zero arguments give the constant q(0) c_i.
    """
    dim = len(coeffs[0]) if coeffs else 0
    zeros = [i for i in range(n) if all(a == 0 for a in args[i])]
    nonzero = [i for i in range(n) if i not in zeros]
    rows, notes = [], []
    const = [[sp.Integer(0)] * n for _ in range(dim)]
    if zeros:
        q0 = _value_at_zero(q)
        for i in zeros:
            for k in range(dim):
                const[k][i] += coeffs[i][k] * q0
    for sign, pname in ((1, "even"), (-1, "odd")):
        part = _parity_part(q, sign)
        if part == 0:
            continue
        terms = _power_terms(part)
        if terms is None:
            if _vanishes_numerically(part):
                raise _Undecided(f"cannot decide whether the {pname} part {part} of {q} "
                                 "vanishes")
            # pairs {a, -a}: the part's features agree up to its parity
            classes = []
            for i in nonzero:
                for rep, members in classes:
                    if args[i] == rep:
                        members.append((i, 1))
                        break
                    if all(a == -b for a, b in zip(args[i], rep)):
                        members.append((i, sign))
                        break
                else:
                    classes.append((args[i], [(i, 1)]))
            for _, members in classes:
                for k in range(dim):
                    row = [sp.Integer(0)] * n
                    for i, f in members:
                        row[i] = coeffs[i][k] * f
                    rows.append(row)
            notes.append(f"{pname} part {part} (not a polynomial): independent features on "
                         f"{len(classes)} classes {{x, -x}}")
            continue
        for alpha, co in sorted(terms.items()):
            if not (alpha.is_Integer and alpha >= 0):
                raise _Undecided(f"the {pname} part of {q} has the power t^{alpha}")
            alpha = int(alpha)
            if (alpha % 2 == 0) == (sign == 1):          # t^alpha: a polynomial piece
                if alpha == 0:
                    for i in nonzero:
                        for k in range(dim):
                            const[k][i] += coeffs[i][k] * co
                    notes.append(f"constant piece {co} of the even part: features that do "
                                 "not depend on w")
                    continue
                mons = _monomials(len(args[0]), alpha)
                for beta in mons:
                    for k in range(dim):
                        row = [sp.Integer(0)] * n
                        for i in nonzero:
                            mon = sp.Integer(1)
                            for a, e in zip(args[i], beta):
                                mon *= a**e
                            row[i] = coeffs[i][k] * mon
                        rows.append(row)
                notes.append(f"polynomial piece {co}*x^{alpha} of the {pname} part: moments "
                             f"of degree {alpha}")
            else:                                          # |t|^alpha or sign(t) |t|^alpha
                lines = _lines(args, nonzero)
                for _, members in lines:
                    for k in range(dim):
                        row = [sp.Integer(0)] * n
                        for i, lam in members:
                            f = abs(lam)**alpha * (sp.sign(lam) if sign == -1 else 1)
                            row[i] = coeffs[i][k] * f
                        rows.append(row)
                piece = {(1, 1): "|x|", (-1, 0): "sign(x)"}.get(
                    (sign, alpha), ("|x|^%d" if sign == 1 else "sign(x)|x|^%d") % alpha)
                notes.append(f"non-polynomial piece {co}*{piece} of the {pname} part: "
                             f"independent features on {len(lines)} lines through 0")
    for k in range(dim):
        if any(v != 0 for v in const[k]):
            rows.append(const[k])
    return rows, notes


def _rows_rank(rows, n):
    rows = [r for r in rows if any(v != 0 for v in r)]
    if not rows:
        return 0
    M = DomainMatrix.from_list_sympy(len(rows), n, rows)
    return M.to_field().rank()


def _depth_one_engine(net, P, kind):
    """Depth 1, symbolic activation: the exact rank from the features' linear relations."""
    act = net.activation
    n, d = len(P), len(P[0])
    b_zero = net.b_std == 0
    one = [sp.Integer(1)]
    args = [list(p) if b_zero else list(p) + one for p in P]
    groups = [("the read-out weights (features phi(w.x))", act.expr, [one] * n)]
    const_feature = (not b_zero) or (kind == "ntk" and net.parameterization == "standard")
    if kind == "ntk":
        if net.parameterization == "standard" or not b_zero:
            cvec = [list(p) + one for p in P]
            what = "the first layer's weights and bias (features (x, 1) phi'(w.x))"
        else:
            cvec = [list(p) for p in P]
            what = "the first layer's weights (features x phi'(w.x))"
        groups.append((what, act.derivative().expr, cvec))
    rows, why = [], []
    for what, q, cvec in groups:
        r, notes = _family_rows(q, args, cvec, n)
        rows += r
        why.append(f"{what[0].upper() + what[1:]}: " + ("; ".join(notes) if notes else
                                                         "no features"))
    if const_feature:
        rows.append([sp.Integer(1)] * n)
        why.append("The read-out bias: one constant feature")
    rank = _rows_rank(rows, n)
    reason = (f"depth 1, {net.parameterization} parameterization, b_std "
              + ("= 0" if b_zero else "!= 0 (arguments (x, 1))")
              + f": the {kind.upper()} Gram matrix is a sum of the Gram matrices of the "
              "parameter groups, so its null space is the set of v with sum_i v_i F(x_i) = 0 for "
              "every group's features F. " + ". ".join(why)
              + f". These {len(rows)} exact linear conditions on v have rank {rank}, so the "
              f"rank is {rank} (of {n} points)")
    return RankPrediction(rank, reason, n, math.inf, "structure")


def _standard_deep_components(act, depth):
    """Components of the standard-parameterization NTK without bias at depth >= 2.

    The NTK is a sum over parameter groups. Without bias the hidden biases start at 0 but are
    trained, so their gradients (the "+1" terms of the recursion) add features that scale
    differently from the weights' under x -> lambda x (homogeneous phi of degree k) and
    x -> -x (odd or even phi). Returns [(name, degree, parity sign, nonzero at x = 0)]; degree
    None without homogeneity, parity sign None without parity.
    """
    k, parity = act.homogeneity, act.parity
    phi0 = _value_at_zero(act.expr)
    dphi0 = _value_at_zero(act.derivative().expr)
    L = depth
    out = [("weights", k**L if k else None,
            {"odd": -1, "even": 1}.get(parity), phi0 != 0)]
    for l in range(L):
        if parity == "odd":
            sgn = 1
        elif parity == "even":
            sgn = -1 if l == 0 else 1
        else:
            sgn = None
        at0 = dphi0 != 0 if (l == 0 or phi0 == 0) else True
        out.append((f"bias of hidden layer {l + 1}", k**L - k**l if k else None, sgn, at0))
    return out


def _standard_deep(net, P):
    """Standard parameterization, b_std = 0, depth >= 2: rank from the components' characters.

    Assumption (verified numerically, not proved): at depth >= 2 each component's features
    are linearly independent across classes of non-proportional points, as the weights'
    features are (the positivity theorem).
    """
    act = net.activation
    n = len(P)
    k, parity = act.homogeneity, act.parity
    comps = _standard_deep_components(act, net.depth)
    zeros = [i for i in range(n) if all(a == 0 for a in P[i])]
    nonzero = [i for i in range(n) if i not in zeros]
    # classes: rays (homogeneous), with -x too (parity); else identical points (and -x)
    classes = []
    for i in nonzero:
        for rep, members in classes:
            lam = proportional(P[rep], P[i])
            if lam is None:
                continue
            if lam == 1 or (k and lam > 0) or (parity and (lam == -1 or (k and lam < 0))):
                members.append((i, lam))
                break
        else:
            classes.append((i, [(i, sp.Integer(1))]))
    rows = []
    for _, members in classes:
        for name, e, sgn, _ in comps:
            row = [sp.Integer(0)] * n
            for i, lam in members:
                f = abs(lam)**e if e is not None else sp.Integer(1)
                if sgn == -1 and lam < 0:
                    f = -f
                row[i] = f
            rows.append(row)
    nz0 = [c[0] for c in comps if c[3]]
    if zeros and nz0:
        for _ in nz0:
            rows.append([sp.Integer(1) if i in zeros else sp.Integer(0) for i in range(n)])
    rows.append([sp.Integer(1)] * n)               # the read-out bias: a constant feature
    rank = _rows_rank(rows, n)
    chars = "; ".join(
        f"{name}: " + (f"homogeneous of degree {e}" if e is not None else "not homogeneous")
        + {1: ", even", -1: ", odd", None: ""}[sgn] for name, e, sgn, _ in comps)
    reason = (f"standard parameterization, b_std = 0, depth {net.depth}: the biases start at 0 "
              "but are trained, so the NTK is the weights' kernel (positive definite on "
              "non-proportional points, Carvalho et al. 2024) plus the biases' kernels and the "
              f"read-out bias's constant. Under x -> lambda x and x -> -x the components scale "
              f"differently ({chars}; the read-out bias is constant). The {n} points form "
              f"{len(classes)} classes" + (f" and {len(zeros)} zero input(s)" if zeros else "")
              + "; taking each component's features independent across classes (proved for the "
              "weights, checked numerically for the biases), the null space is cut out by "
              f"{len(rows)} exact conditions of rank {rank}, so the rank is {rank}")
    return RankPrediction(rank, reason, n, math.inf, "structure")


def nonpolynomial_prediction(net, P, kind):
    act = net.activation
    n = len(P)
    b_zero = net.b_std == 0
    jump = act.is_symbolic and act.derivative().has_dirac
    if kind == "ntk" and jump:
        raise ValueError(
            f"the NTK of {act.name} does not exist: phi has a jump, so phi' contains a Dirac "
            "delta and E[phi'(u) phi'(v)] contains E[delta(u) delta(v)] = "
            "1/(2 pi sqrt(q1 q2 - c^2)), infinite on the diagonal (and on proportional inputs "
            "without bias); the Gram matrix has infinite entries and no rank. (A finite "
            "network's gradients see phi' = 0 almost everywhere, so its empirical NTK is the "
            "read-out layer's kernel alone.) Use kind='nngp'")
    if net.W_std == 0:
        return RankPrediction(None, "W_std = 0: every input gives the same pre-activations, so "
                              "the rules for non-polynomial activations do not apply", n, None,
                              "none")
    try:
        if act.is_symbolic and net.depth == 1 and (b_zero or jump):
            return _depth_one_engine(net, P, kind)
        if net.depth == 1 and b_zero:
            return RankPrediction(
                None, "depth 1 without bias: the rank depends on whether the even and odd parts "
                "of phi (and phi') are polynomials or finite sums of homogeneous pieces (ReLU's "
                "odd part x/2 makes d + 1 antipodal pairs singular); a black-box callable does "
                "not give them exactly, so no rule applies", n, None, "none")
        if not b_zero:
            distinct = len({tuple(p) for p in P})
            if jump:
                why = (f"{act.name} is not continuous, so the positivity theorem does not apply "
                       "as stated; but with b_std != 0 the depth-1 kernel is positive definite "
                       "on distinct points (the exact depth-1 analysis: the arguments (x, 1) "
                       "are pairwise non-proportional), and each further layer keeps a "
                       "positive definite correlation matrix positive definite (its dual has a "
                       "nonzero first Hermite coefficient, Schur product theorem); "
                       f"{distinct} of the {n} points are distinct")
            else:
                why = (f"{act.name} is not a polynomial and b_std != 0: by the positivity "
                       "theorem (Carvalho et al. 2024) the Gram matrix is positive definite on "
                       f"distinct points; {distinct} of the {n} points are distinct")
            return RankPrediction(distinct, why, n, math.inf, "theorem" if not jump else
                                  "structure")
        if kind == "ntk" and net.parameterization == "standard":
            if not act.is_symbolic:
                return RankPrediction(None, "standard parameterization without bias: the bias "
                                      "gradients' features need phi and phi' at 0 and their "
                                      "symmetries, which a black-box callable does not give", n,
                                      None, "none")
            return _standard_deep(net, P)
    except _Undecided as exc:
        return RankPrediction(None, f"undecided: {exc}", n, None, "none")
    hom, parity, zero_vanishes = _structure(act)
    classes, zeros = _classes(P, hom, parity, zero_class=not zero_vanishes)
    m = len(classes)
    notes = []
    if hom is not None:
        notes.append(f"positive homogeneity of degree {hom}: x and lambda x (lambda > 0) have "
                     f"proportional features (factor lambda^{hom ** net.depth})")
    if parity:
        notes.append(f"{parity} activation: x and -x have "
                     + ("negated" if parity == "odd" else "identical") + " features")
    if zeros:
        notes.append(f"{len(zeros)} zero input(s): " + (
            "phi(0) = 0, so their features vanish" if zero_vanishes else
            "phi(0) != 0, one class of their own"))
    why = (f"{act.name} is not a polynomial and b_std = 0: the Gram matrix is positive definite "
           "on pairwise non-proportional points (Carvalho et al. 2024); "
           + ("; ".join(notes) + "; " if notes else "")
           + f"{n} points fall into {m} classes of proportional features, so the rank is {m}")
    return RankPrediction(m, why, n, math.inf, "structure")
