"""The depth hypothesis matters without bias: a depth-1 ReLU network without bias has a singular
NTK Gram matrix on d + 1 antipodal pairs {x_i, -x_i} on the sphere (ReLU's odd part x/2 is
linear), at infinite and at finite width; at depth 2 the same points give a positive definite
one.

Source: Carvalho, Costa, Mourao & Oliveira 2025 (arXiv:2404.12928), the depth-1 example after
Theorem 1.1.

Method: exact (SymPy): for depth 1, (Theta(x, y) - Theta(-x, y)) / <x, y> simplifies to a
constant (using atan2(a, -b) = pi - atan2(a, b)), so the odd part of Theta in x is linear. Take
d + 1 = 4 exact rational points x_i on the unit sphere in R^3 and an exact v != 0 with
sum v_i x_i = 0 (SymPy nullspace); then w = (v, -v) on (x_i, -x_i) is a null vector.
Numerically: |G w|/(|G||w|) of the 50-digit Gram matrix (tolerance 1e-40) and of the float64
empirical NTK at widths 64 and 1024 (tolerance 1e-13); ``nk.predicted_rank`` = 2(d + 1) - 1.
At depth 2 the points are certified positive definite (interval Cholesky).
"""
import sympy as sp

import ntksym as nk
from ntksym.proving import conclude, require
from ntksym.proving.tools import (empirical_null_residual, is_exactly_zero, normalize_atan2,
                                  null_residual, rational_sphere_points)

D = 3
TOL_MP, TOL_EMP = 1e-40, 1e-13


def prove():
    K = nk.MLP(depth=1, activation="relu", W_std=1, b_std=0).kernel().ntk
    odd = sp.simplify(normalize_atan2((K - K.subs(nk.xy, -nk.xy)) / nk.xy))
    require(odd.is_number, f"the odd part of the depth-1 NTK is not linear: {odd}")
    xs = rational_sphere_points(D + 1, D, seed=0)
    require(all(sum(v * v for v in p) == 1 for p in xs), "points not on the unit sphere")
    X = xs + [[-v for v in p] for p in xs]
    ns = sp.Matrix([[sp.Rational(v.numerator, v.denominator) for v in p] for p in xs]).T.nullspace()
    require(len(ns) >= 1, "d + 1 points in R^d must be linearly dependent")
    v = list(ns[0])
    w = v + [-a for a in v]
    net = nk.MLP(depth=1, activation="relu", W_std=1.5, b_std=0)
    n = len(X)
    require(nk.predicted_rank(net, X) == n - 1, f"predicted rank != {n - 1}")
    mp_err = null_residual(net, X, w)
    emp_err = empirical_null_residual(net, X, w)
    require(mp_err <= TOL_MP, f"50-digit residual {mp_err:.2e} > {TOL_MP:g}")
    deep = nk.MLP(depth=2, activation="relu", W_std=1.5, b_std=0)
    cert = nk.certify_positive_definite(deep, X)
    require(cert.certified, f"depth 2: not certified positive definite ({cert.reason})")
    return conclude(method="exact (SymPy) odd part; 50-digit Gram and finite widths",
                    error=emp_err, tolerance=TOL_EMP,
                    details=f"{D + 1} antipodal pairs in R^{D}: rank {n - 1} of {n}; odd part "
                            f"of Theta = ({odd}) xy, xy = <x,y>/d; residuals 50-digit "
                            f"{mp_err:.1e}, "
                            f"empirical {emp_err:.1e}; depth 2 certified, lambda_min >= "
                            f"{float(cert.lower_bound):.2e}")
