r"""The Hermite / Schur / Gershgorin lower bound on lambda_min of a Gram matrix (O(n^2)).

The certificate of ``method="hermite"`` in :func:`ntksym.theory.certify.certify_positive_definite`,
from the rigorous interval enclosures of an :class:`~ntksym.backends.intervals.IntervalGram`.

The Schur-product/Hermite certificate of DESIGN.md, in O(n^2) interval operations. With
Mehler's formula k(q1, q2, c) = sum_k alpha_k(q1) alpha_k(q2) rho^k (rho = c / sqrt(q1 q2)),
the matrix K = [k(Sigma^l_ii, Sigma^l_jj, Sigma^l_ij)] is a sum of the positive semidefinite
matrices (alpha_k alpha_k^T) o R^{o k} (Schur product theorem; R is the correlation matrix of
Sigma^l), so K >= K_r, the tail from k = r on. Scaled by its diagonal T_i = sum_{k>=r}
alpha_k(q_i)^2, the tail has unit diagonal and off-diagonal entries at most |rho_ij|^r
(Cauchy-Schwarz), so by Gershgorin

    lambda_min(K) >= min_i T_i * (1 - max_i sum_{j != i} |rho_ij|^r).

alpha_k(q)^2 is the k-th Taylor coefficient of k(q, q, q t) in t, computed by automatic
differentiation of the closed form in interval arithmetic (no quadrature), and
T_i = k(q_i, q_i, q_i) - sum_{k<r} alpha_k(q_i)^2. r is chosen automatically (the best bound
over a range of r from the first one whose Gershgorin sum is < 1). The first term alone also
gives K >= min_i (alpha_1(q_i)^2 / q_i) lambda_min(Sigma^l) I, which carries a bound from one
layer to the next. Then Sigma^{l+1} = w^2 K + b^2 11^T >= w^2 K, and for the NTK Schur's
inequality lambda_min(A o B) >= lambda_min(A) min_i B_ii gives

    lambda(Theta^{l+1}) >= lambda(Sigma^{l+1}) + w^2 min_i E[phi'(u_i)^2] lambda(Theta^l)
                                                          (ntk parameterization)
    lambda(Theta^{l+1}) >= width lambda(K^l) + w^2 min_i E[phi'(u_i)^2] lambda(Theta^l)
                                                          (standard parameterization)

so the NTK bound is at least the NNGP bound (Theta >= Sigma^{L+1}). The certificate is
weaker than Cholesky (it can decline on positive definite matrices), but cheap for large n.
It declines when |rho_ij| = 1 cannot be excluded at every layer (identical points, or x and
2x without bias) or when the bound is not positive.

The eigenvalue bounds are carried from layer to layer by the inequalities above, not by the layer
recursion of :mod:`ntksym.core.recursion`: the terms b^2 11^T and (standard parameterization) the
"+ 1" are positive semidefinite and enter the lower bound as 0.
"""
from __future__ import annotations

import mpmath
import numpy as np

from ntksym.backends.intervals import arb, interval, lower, taylor_hermite, to_arb, upper

__all__ = ["gershgorin_sums", "hermite_layer_bounds", "hermite_certificate"]

_CLUSTER_TOL = 2.0**-40      # variances within this relative distance share a Taylor expansion


def _float_up(x):
    """A float >= the upper end of the ball x (rigorous: the nearest float, then a step up if
    it is below; the comparison of the two exact numbers is exact)."""
    u = x.upper()
    f = float(u)
    if arb(f) < u:
        f = float(np.nextafter(f, np.inf))
    return f


def _extra(r0):
    """How far beyond the first admissible r the bound is tried (larger r: smaller tails)."""
    return max(4, r0 // 2)


def gershgorin_sums(rho, r_max):
    """Upper bounds on max_i sum_{j != i} rho_ij^r for r = 1, 2, ... (floats rounded up).

    rho: numpy array of upper bounds on |rho_ij| (zero diagonal). Each product is rounded to
    nearest and then moved one float up. The row sums of n nonnegative floats, in any order, are
    within a relative gamma_n = n u / (1 - n u) of the exact sums (u = 2^-53; Higham, *Accuracy
    and Stability of Numerical Algorithms*, 2002, section 4.2), so each sum is multiplied by
    1 + 4 n u (> 1 / (1 - gamma_n) for n u < 1/8) and moved one float up: every value is an
    upper bound. Stops at r_max, or _extra(r0) after the first r0 whose sum is < 1.
    """
    n = rho.shape[0]
    if n * 2.0**-53 >= 0.125:
        raise ValueError("too many points for the rounding bound of the Gershgorin sums")
    grow = 1.0 + 4.0 * n * 2.0**-53
    P = rho.copy()
    out = []
    stop = r_max
    for r in range(1, r_max + 1):
        if r > 1:
            P = np.nextafter(P * rho, np.inf)
            P[rho == 0] = 0.0
        s = np.nextafter(P.sum(axis=1) * grow, np.inf)
        out.append(float(s.max()) if n else 0.0)
        if out[-1] < 1.0 and stop == r_max:
            stop = min(r_max, r + _extra(r))
        if r >= stop:
            break
    return out


def _one_minus_down(g):
    return float(np.nextafter(1.0 - g, -np.inf))


def hermite_layer_bounds(prog, sig, kdiag, r_max):
    """Lower bounds on lambda_min of K = k(Sigma) for one layer (distinct points).

    Returns (H_all, H_ge2, m1, note): lambda_min(K) >= max(H_all, m1 * lambda_min(Sigma) + H_ge2).
    """
    m = len(sig)
    q = [sig[i][i] for i in range(m)]
    zero = mpmath.mpf(0)
    if any(not t > 0 for t in q):
        return zero, zero, zero, "a variance may be 0, so the Hermite tail bound is 0"
    # upper bounds on |rho_ij|
    rho = np.zeros((m, m))
    worst, worst_pair = 0.0, None
    for i in range(m):
        for j in range(i + 1, m):
            r = abs(sig[i][j]) / (q[i] * q[j]).sqrt()
            f = min(_float_up(r), 1.0)
            rho[i, j] = rho[j, i] = f
            if f > worst:
                worst, worst_pair = f, (i, j)
    if worst >= 1.0:
        note = (f"|rho| = 1 cannot be excluded for the distinct points {worst_pair} "
                "(the same or proportional features)")
        sums = None
    else:
        sums = gershgorin_sums(rho, r_max)
    r0 = None
    if sums is not None:
        r0 = next((r for r, s in enumerate(sums, 1) if s < 1.0), None)
        if r0 is None:
            note = (f"the Gershgorin sum max_i sum_j |rho_ij|^r is >= 1 for every r <= {r_max} "
                    f"(max |rho| <= {worst:.6g})")
    order = 1 if r0 is None else min(len(sums), r0 + _extra(r0))
    # Taylor coefficients alpha_k(q)^2, k <= order, shared by clusters of nearly equal
    # variances (one expansion on the hull of their enclosures encloses each of them)
    ranked = sorted(range(m), key=lambda i: lower(q[i]))
    clusters = []                                   # [lo, hi, members]
    for i in ranked:
        lo, hi = lower(q[i]), upper(q[i])
        if clusters and hi <= clusters[-1][0] * (1 + _CLUSTER_TOL):
            clusters[-1][1] = max(clusters[-1][1], hi)
            clusters[-1][2].append(i)
        else:
            clusters.append([lo, hi, [i]])
    member = [None] * m
    prefix, suffix = [], []
    m1 = None
    for ci, (lo, hi, members) in enumerate(clusters):
        hull = interval(lo, hi)
        co = taylor_hermite(prog, hull, order)
        pre = [arb(0)]
        for t in co:
            pre.append(pre[-1] + t)                 # pre[r] = sum_{k<r}
        suf = [arb(0)] * (order + 2)
        for k in range(order, -1, -1):
            suf[k] = suf[k + 1] + co[k]             # suf[r] = sum_{r<=k<=order}
        prefix.append(pre)
        suffix.append(suf)
        a1 = lower(co[1] / hull)
        m1 = a1 if m1 is None else min(m1, a1)
        for i in members:
            member[i] = ci
    m1 = max(m1, zero)
    if r0 is None:
        return zero, zero, m1, note
    best, best2, best_r = zero, zero, None
    azero = arb(0)
    for r in range(r0, order + 1):
        g = _one_minus_down(sums[r - 1])
        if not g > 0:
            continue
        # T_i >= max(k_ii - sum_{k<r} alpha_k^2, sum_{r<=k<=order} alpha_k^2, 0), compared as
        # exact lower endpoints (arb's lower() rounds down)
        tmin = None
        for i in range(m):
            ci = member[i]
            a, b = (kdiag[i] - prefix[ci][r]).lower(), suffix[ci][r].lower()
            ti = a if a > b else b
            if not ti > azero:
                ti = azero
            if tmin is None or ti < tmin:
                tmin = ti
        h = lower(tmin * arb(g))
        if h > best:
            best, best_r = h, r
        if r >= 2 and h > best2:
            best2 = h
    note = (f"r = {best_r}, max |rho| <= {worst:.6g}" if best_r is not None else
            f"the tail bound min_i T_i (1 - Gershgorin sum) is not positive for r = "
            f"{r0}..{order} (max |rho| <= {worst:.6g})")
    return best, best2, m1, note


def hermite_certificate(net, G, kind, r_max=200):
    """(lower bound or None, explanation) from the layers of an IntervalGram."""
    zero = mpmath.mpf(0)
    w2 = G.w2
    lam_sig = zero          # lambda_min(Sigma^1) >= 0
    lam_th = zero           # lambda_min(Theta^1) >= 0
    notes = []
    for li, sig in enumerate(G.sigma):
        h_all, h2, m1, note = hermite_layer_bounds(G.kernel, sig, G.kdiag[li], r_max)
        lam_k = max(h_all, lower(to_arb(m1) * to_arb(lam_sig) + to_arb(h2)))
        new_sig = max(lower(w2 * to_arb(lam_k)), zero)
        if kind == "ntk":
            mdot = min(lower(t) for t in G.kdot_diag[li])
            mdot = max(lower(w2 * to_arb(max(mdot, zero))), zero)
            if net.parameterization == "standard":
                lam_th = lower(net.width * to_arb(lam_k) + to_arb(mdot) * to_arb(lam_th))
            else:
                lam_th = lower(to_arb(new_sig) + to_arb(mdot) * to_arb(lam_th))
            lam_th = max(lam_th, zero)
        lam_sig = new_sig
        notes.append(f"layer {li + 1}: lambda_min(K) >= {mpmath.nstr(lam_k, 4)} ({note})")
    bound = lam_th if kind == "ntk" else lam_sig
    return (bound if bound > 0 else None), "; ".join(notes)
