"""The harmonic decomposition (ntksym.theory.harmonics)."""
import math

import sympy as sp
from sympy.polys.rings import ring

from ntksym.theory.harmonics import gegenbauer_weight, harmonic_blocks, harmonic_dimension


def test_harmonic_dimensions_sum_to_monomials():
    for d in (1, 2, 3, 5):
        for m in range(7):
            assert sum(harmonic_dimension(d, m - 2 * i) for i in range(m // 2 + 1)) == \
                math.comb(m + d - 1, d - 1)


def test_gegenbauer_weights_and_blocks():
    # c_{j,l} = j! / (2^j k! (lambda + l + 1)_k), k = (j - l)/2, lambda = (d - 2)/2
    assert gegenbauer_weight(4, 4, 3) == sp.Rational(24, 16)                 # k = 0: j!/2^j
    assert gegenbauer_weight(2, 0, 3) == sp.Rational(2, 4) / sp.Rational(3, 2)  # lambda = 1/2
    R, X, Y, T = ring("xx,yy,xy", sp.QQ)
    blocks, degree = harmonic_blocks(T**2 + X, sp.QQ, 3)
    assert degree == 2
    # xy^2: Z_2 with weight c_{2,2} at (0, 0), Z_0 with weight c_{2,0} times xx yy at (1, 1);
    # xx: Z_0 at (1, 0)
    assert blocks[2] == {(0, 0): sp.QQ(1, 2)}
    assert blocks[0] == {(1, 1): sp.QQ(1, 3), (1, 0): 1}
