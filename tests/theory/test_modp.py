"""Arithmetic and ranks modulo the prime 2^31 - 1 (ntksym.theory.modp)."""
from fractions import Fraction as F

import numpy as np
import pytest
import sympy as sp

import ntksym as nk
from ntksym.theory.exact import exact_points
from ntksym.theory.modp import PRIME, Residues, gram_rank_mod_p, rank_mod_p, residue
from ntksym.theory.polyring import polynomial_network
from rank_references import exact_rank, ref_gram


def test_residue_of_rationals():
    assert residue(sp.QQ(3, 4)) * 4 % PRIME == 3
    assert residue(F(-1, 2)) * 2 % PRIME == PRIME - 1
    with pytest.raises(ZeroDivisionError):
        residue(F(1, PRIME))


def test_rank_mod_p_matches_the_rank_over_q():
    rng = np.random.default_rng(0)
    for r in (0, 1, 3, 5):
        A = rng.integers(-5, 6, (6, r)) @ rng.integers(-5, 6, (r, 7)) if r else np.zeros((6, 7))
        assert rank_mod_p(A.astype(np.int64)) == sp.Matrix(A.tolist()).rank()


def test_residues_arithmetic():
    a = Residues(np.array([PRIME - 1, 2], np.int64))
    assert list((a + 1).v) == [0, 3] and list((2 * a).v) == [PRIME - 2, 4]
    assert list((a / 2 * 2).v) == list(a.v)


def test_gram_rank_mod_p_is_the_exact_rank_here():
    net = nk.MLP(depth=2, activation="x**2 - x", W_std=F(6, 5), b_std=1)
    X = [[1, 0], [0, 1], [1, 1], [F(1, 2), 2], [-1, 3], [2, 2], [3, -1], [0, 0], [1, 2], [2, 1],
         [-2, 1], [F(1, 3), 1]]
    for kind in ("nngp", "ntk"):
        r = gram_rank_mod_p(polynomial_network(net), exact_points(X), kind)
        assert r == exact_rank(ref_gram(net, X, kind))
    # irrational parameters: no residues
    net = nk.MLP(depth=1, activation="x**2", W_std=sp.sqrt(sp.sqrt(2)), b_std=1)
    assert gram_rank_mod_p(polynomial_network(net), exact_points(X), "ntk") is None


def test_rank_mod_p_is_flints_exact_rank():
    """rank_mod_p (FLINT nmod_mat) agrees with SymPy's exact rank over GF(p) on random
    rank-deficient integer matrices, entries up to p - 1."""
    import numpy as np
    from sympy import GF
    from sympy.polys.matrices import DomainMatrix

    from ntksym.theory.modp import PRIME, rank_mod_p

    rng = np.random.default_rng(1)
    for shape, k in [((6, 9), 4), ((12, 7), 5), ((3, 3), 3), ((5, 5), 0)]:
        A = rng.integers(0, PRIME, size=(shape[0], k), dtype=np.int64)
        B = rng.integers(0, PRIME, size=(k, shape[1]), dtype=np.int64)
        M = (np.array([[sum(int(a) * int(b) for a, b in zip(r, c)) % PRIME for c in B.T]
                       for r in A], dtype=np.int64) if k else np.zeros(shape, np.int64))
        F = GF(PRIME)
        ref = DomainMatrix([[F(int(v)) for v in r] for r in M], shape, F).rank()
        assert rank_mod_p(M) == ref == min(k, *shape)
