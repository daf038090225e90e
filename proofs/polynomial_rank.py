"""Polynomial activations make every NTK Gram matrix rank-deficient exactly as predicted: on n
generic points the infinite-width Gram matrix has exactly the rank nk.predicted_rank gives (at
most C(d + r^L, d)), with exact rational null vectors, and the empirical NTK of finite networks
has the same rank and the same null vectors.

Source: the feature-space argument (the network output and every parameter gradient are
polynomials of degree <= r^L in x); Carvalho, Costa, Mourao & Oliveira 2025
(arXiv:2404.12928), Theorem 1.1 (the non-polynomial hypothesis).

Method: exact over the rationals: for four polynomial networks on random rational points (more
points than the predicted rank), the exact Gram matrix (``nk.exact_gram``, SymPy rationals) has
rank equal to the prediction (computed independently, by counting the feature space by
harmonic degree), and every vector of an exact null-space basis (FLINT's integer nullspace) and
``nk.null_vector`` gives G v = 0 exactly (FLINT rationals). Finite width: the empirical NTK
(float64) at widths 64 and 512
has numerical rank equal to the prediction (singular values below 1e-9 of the largest are 0)
and |K v| / (|K| |v|) <= 1e-12 for the exact null vector.
"""
from math import comb

import flint
import numpy as np
import sympy as sp

import ntksym as nk
from ntksym.proving import conclude, require
from ntksym.proving.tools import empirical_null_residual

NETS = (dict(depth=1, activation="x**2", W_std=1, b_std=0),
        dict(depth=1, activation="x**3 - 2*x + 1/2", W_std=1, b_std=sp.Rational(1, 2)),
        dict(depth=2, activation="x**2 - x", W_std=1, b_std=1),
        dict(depth=2, activation="x**2", W_std=1, b_std=0))
D = 2
WIDTHS = (64, 512)
TOL = 1e-12


def to_fmpq(M):
    """An exact FLINT rational matrix from a SymPy matrix or nested lists of rationals."""
    rows = [[sp.Rational(e) for e in row] for row in (M.tolist() if hasattr(M, "tolist") else M)]
    return flint.fmpq_mat(len(rows), len(rows[0]),
                          [flint.fmpq(int(e.p), int(e.q)) for row in rows for e in row])


def integer_matrix(G):
    """G times the lcm of its denominators, as a FLINT integer matrix (same null space)."""
    m, n = G.nrows(), G.ncols()
    scale = 1
    for i in range(m):
        for j in range(n):
            scale = scale * int(G[i, j].q) // flint.fmpz(scale).gcd(int(G[i, j].q))
    return flint.fmpz_mat(m, n, [int(G[i, j].p) * (scale // int(G[i, j].q))
                                 for i in range(m) for j in range(n)])


def prove():
    rng = np.random.default_rng(5)
    worst, parts = 0.0, []
    for spec in NETS:
        net = nk.MLP(**spec)
        r = nk.is_polynomial(net.activation).degree
        bound = comb(D + r ** net.depth, D)
        generic = nk.generic_rank(net, D)
        n = generic + 3
        X = [[sp.Rational(int(a), 7) for a in row] for row in rng.integers(-12, 13, (n, D))]
        pred = nk.predicted_rank(net, X)
        require(pred == generic <= bound < n or pred == generic < n <= bound,
                f"{spec}: predicted {pred}, generic {generic}, bound {bound}, n {n}")
        G = to_fmpq(nk.exact_gram(net, X))
        require(G.rank() == pred, f"{spec}: exact rank {G.rank()} != predicted {pred}")
        basis, nullity = integer_matrix(G).nullspace()
        require(nullity == n - pred, f"{spec}: null space of dimension {nullity}")
        v = nk.null_vector(net, X)
        require(v is not None and any(a != 0 for a in v), f"{spec}: no null vector")
        vecs = [flint.fmpq_mat(n, 1, [basis[i, j] for i in range(n)]) for j in range(nullity)]
        for vec in vecs + [to_fmpq([[a] for a in v])]:
            prod = G * vec
            require(all(prod[i, 0] == 0 for i in range(n)), f"{spec}: G v != 0 exactly")
        Xf = np.array(X, dtype=float)
        for w in WIDTHS:
            K = nk.empirical_ntk(net, Xf, width=w, seed=0)
            sv = np.linalg.svd(K, compute_uv=False)
            emp_rank = int(np.sum(sv > 1e-9 * sv[0]))
            require(emp_rank == pred, f"{spec} width {w}: empirical rank {emp_rank} != {pred}")
        err = empirical_null_residual(net, Xf, v, widths=WIDTHS)
        worst = max(worst, err)
        parts.append(f"{net.activation.expr} L={net.depth}: rank {pred}/{n}")
    return conclude(method="exact rank and null vectors over Q; finite-width SVD", error=worst,
                    tolerance=TOL, details="; ".join(parts) + f"; empirical residual {worst:.1e}")
