r"""Dense polynomial arithmetic and ranks modulo the prime p = 2^31 - 1.

A minor that is nonzero modulo p is nonzero over Q, so a rank computed modulo p is a lower bound
for the rank over Q: cheap lower bounds for the feature counts (:mod:`ntksym.theory.features`) and
the ranks of exact Gram matrices (:mod:`ntksym.theory.rank`). Polynomials in xx, yy and xy (or in
t, t' on a line) are dense int64 numpy arrays of coefficients modulo p; products stay below 2^63.

The layer recursion is run here with these modular array operations (:func:`dense_kernel`)
rather than through :mod:`ntksym.core.recursion`, because its products and sums of dense
polynomials need the reductions modulo p and the trimming that the plain arithmetic there does not
do. :func:`gram_rank_mod_p` does use the shared recursion, on :class:`Residues`.
"""
from __future__ import annotations

import copy

import numpy as np
from flint import nmod_mat
from sympy.polys.domains import QQ

from ntksym.theory.harmonics import gegenbauer_weight, harmonic_dimension

__all__ = ["PRIME", "residue", "dense_kernel", "rank_mod_p", "harmonic_blocks_mod_p",
           "Residues", "gram_rank_mod_p"]

PRIME = 2**31 - 1


def residue(v, p=PRIME):
    """A rational domain element modulo p (ZeroDivisionError if p divides its denominator)."""
    num, den = int(v.numerator), int(v.denominator)
    if den % p == 0:
        raise ZeroDivisionError("denominator divisible by the prime")
    return num % p * pow(den, -1, p) % p


def _trim(A):
    nz = np.nonzero(A)
    if len(nz[0]) == 0:
        return np.zeros((1,) * A.ndim, np.int64)
    return A[tuple(slice(0, int(ix.max()) + 1) for ix in nz)]


def _dense_add(A, B, p=PRIME):
    shape = tuple(max(a, b) for a, b in zip(A.shape, B.shape))
    out = np.zeros(shape, np.int64)
    out[tuple(slice(0, n) for n in A.shape)] += A
    out[tuple(slice(0, n) for n in B.shape)] += B
    return out % p


def _dense_mul(A, B, p=PRIME):
    """The product of two dense polynomials (int64 arrays of coefficients mod p)."""
    if np.count_nonzero(A) > np.count_nonzero(B):
        A, B = B, A
    out = np.zeros(tuple(a + b - 1 for a, b in zip(A.shape, B.shape)), np.int64)
    for idx in zip(*np.nonzero(A)):
        sl = tuple(slice(i, i + n) for i, n in zip(idx, B.shape))
        out[sl] = (out[sl] + int(A[idx]) * B) % p     # < 2^31 * 2^31 + 2^31 < 2^63
    return _trim(out)


def _dense_mul_axis(A, u, axis, p=PRIME):
    """A times the univariate polynomial u (1-D array) in the variable of ``axis``."""
    shape = list(A.shape)
    shape[axis] += len(u) - 1
    out = np.zeros(shape, np.int64)
    for i, ui in enumerate(u):
        if ui:
            sl = [slice(None)] * A.ndim
            sl[axis] = slice(i, i + A.shape[axis])
            out[tuple(sl)] = (out[tuple(sl)] + int(ui) * A) % p
    return _trim(out)


def _dense_const(v, ndim):
    return np.full((1,) * ndim, v, np.int64)


def dense_kernel(pn, kind, q, c, theta, p=PRIME):
    """Run the recursion on dense polynomials mod p.

    ``q`` (1-D) is Sigma^1(x, x) in the variable of axis 0 (the same polynomial in axis 1's
    variable is Sigma^1(x', x')); ``c`` and ``theta`` (N-D) are Sigma^1(x, x') and
    Theta^1(x, x'). Returns the NNGP or the NTK as an N-D array.
    """
    w2, b2 = residue(pn.w2, p), residue(pn.b2, p)
    width = residue(pn.width_el, p) if pn.standard else None

    def factors(fac):
        return {k: ([residue(v, p) for v in u], pow(residue(delta, p), -1, p))
                for k, (u, delta) in fac.items()}
    dual, dot = factors(pn.dual_factors), factors(pn.dot_factors)
    nd = c.ndim
    for _ in range(pn.depth):
        kmax = max(list(dual) + [k for k in dot] + [0])
        mmax = max([len(u) for u, _ in list(dual.values()) + list(dot.values())] + [1])
        qp = [np.ones(1, np.int64)]
        for _m in range(max(mmax, kmax)):
            qp.append(_dense_mul(qp[-1], q, p))
        cp = [_dense_const(1, nd), c]
        for k in range(2, kmax + 1):
            cp.append(_dense_mul(cp[k // 2], cp[k - k // 2], p))

        def U(u):
            out = np.zeros(1, np.int64)
            for m, um in enumerate(u):
                if um:
                    out = _dense_add(out, (um * qp[m]) % p, p)
            return _trim(out)

        def assemble(fac, diagonal):
            total = _dense_const(0, 1 if diagonal else nd)
            for k, (u, inv) in fac.items():
                uk = U(u)
                if diagonal:
                    term = _dense_mul(_dense_mul(uk, uk, p), qp[k], p)
                else:
                    term = _dense_mul_axis(_dense_mul_axis(cp[k], uk, 0, p), uk, 1, p)
                total = _dense_add(total, (inv * term) % p, p)
            return total
        k12 = assemble(dual, False)
        new_c = _dense_add((w2 * k12) % p, _dense_const(b2, nd), p)
        if kind == "ntk":
            kdot = (w2 * assemble(dot, False)) % p
            if pn.standard:
                theta = _dense_add(_dense_add((width * k12) % p, _dense_const(1, nd), p),
                                   _dense_mul(kdot, theta, p), p)
            else:
                theta = _dense_add(_dense_mul(theta, kdot, p), new_c, p)
        q = _dense_add((w2 * assemble(dual, True)) % p, _dense_const(b2, 1), p)
        c = new_c
    return _trim(theta if kind == "ntk" else c)


def rank_mod_p(M, p=PRIME):
    """The rank of an integer matrix modulo p (FLINT's ``nmod_mat``, exact)."""
    M = np.array(M, dtype=np.int64) % p
    if M.size == 0:
        return 0
    return nmod_mat([[int(v) for v in row] for row in M], p).rank()


def _rank_mod_p_numpy(M, p=PRIME):
    """The same rank by numpy elimination (kept as an independent cross-check for tests)."""
    M = np.array(M, dtype=np.int64) % p
    rows, cols = M.shape
    r = 0
    for col in range(cols):
        if r == rows:
            break
        piv = np.nonzero(M[r:, col])[0]
        if len(piv) == 0:
            continue
        i = r + int(piv[0])
        if i != r:
            M[[r, i]] = M[[i, r]]
        M[r] = (M[r] * pow(int(M[r, col]), -1, p)) % p
        f = M[:, col].copy()
        f[r] = 0
        M = (M - (f[:, None] * M[r][None, :]) % p) % p
        r += 1
    return r


def harmonic_blocks_mod_p(C, d, p=PRIME):
    """{l: M^l mod p} from the dense kernel C[a, b, j] (xx^a yy^b xy^j)."""
    A, B, J = C.shape
    size = max(A, B) + (J - 1) // 2
    blocks = {}
    for j in range(J):
        Cj = C[:, :, j]
        if not Cj.any():
            continue
        for l in range(j % 2, j + 1, 2):
            if harmonic_dimension(d, l) == 0:
                continue
            k = (j - l) // 2
            wt = gegenbauer_weight(j, l, d)
            wt = int(wt.p) % p * pow(int(wt.q), -1, p) % p
            M = blocks.setdefault(l, np.zeros((size, size), np.int64))
            M[k:k + A, k:k + B] = (M[k:k + A, k:k + B] + (wt * Cj) % p) % p
    return blocks


class Residues:
    """Arrays of residues modulo PRIME with + and * (numpy int64: products stay below 2^62)."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    @staticmethod
    def _of(other):
        return other.v if isinstance(other, Residues) else other

    def __add__(self, other):
        return Residues((self.v + self._of(other)) % PRIME)

    __radd__ = __add__

    def __mul__(self, other):
        return Residues((self.v * self._of(other)) % PRIME)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self * pow(int(other), -1, PRIME)


def gram_rank_mod_p(pn, P, kind):
    """The rank of the Gram matrix of the PolynomialNetwork ``pn`` at the exact points ``P``
    modulo the prime 2^31 - 1: a lower bound for its rank over
    Q (a minor that is nonzero mod p is nonzero). All entries at once, in numpy residues; None
    when a denominator vanishes mod p or the parameters are not rational."""
    if pn.domain != QQ:
        return None
    try:
        conv = residue
        pm = copy.copy(pn)
        pm.w2, pm.b2 = conv(pn.w2), conv(pn.b2)
        pm.dual = {k: conv(v) for k, v in pn.dual.items()}
        pm.dot = {k: conv(v) for k, v in pn.dot.items()}
        pm.width_el = conv(pn.width_el) if pn.standard else None
        n, d = len(P), len(P[0])
        X = np.array([[conv(QQ.from_sympy(v)) for v in r] for r in P], dtype=np.int64)
    except ZeroDivisionError:
        return None
    G = np.zeros((n, n), np.int64)
    for k in range(d):
        G = (G + np.outer(X[:, k], X[:, k]) % PRIME) % PRIME
    diag = np.diag(G).copy()
    inv_d = pow(d % PRIME, -1, PRIME)
    s11 = Residues(np.broadcast_to(diag[:, None], (n, n)) * inv_d % PRIME)
    s22 = Residues(np.broadcast_to(diag[None, :], (n, n)) * inv_d % PRIME)
    nngp, ntk = pm.run(s11, s22, Residues(G), d, Residues(np.ones((n, n), np.int64)))
    return rank_mod_p((ntk if kind == "ntk" else nngp).v)

