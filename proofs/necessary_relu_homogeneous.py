"""The bias hypothesis is necessary: a ReLU network without bias has a singular NTK Gram matrix
on x and 2x (positive homogeneity: Theta(2x, y) = 2 Theta(x, y)), at infinite and at finite
width, while with bias the same points give a positive definite one.

Source: Carvalho, Costa, Mourao & Oliveira 2025 (arXiv:2404.12928), the remark on positive
homogeneity after Theorem 1.1.

Method: exact (SymPy) for depth 1: Theta(l^2 |x|^2, |y|^2, l <x,y>) - l Theta(|x|^2, |y|^2, <x,y>)
simplifies to 0 for a symbolic l > 0 (using atan2(l a, l b) = atan2(a, b)); so v = (2, -1, 0) is
an exact null vector on the points x, 2x, y. For depths 1-3 the residual |G v|/(|G||v|) of the
50-digit Gram matrix (tolerance 1e-40) and of the float64 empirical NTK of finite networks of
widths 64 and 1024 (tolerance 1e-13), and ``nk.predicted_rank`` = 2. With b_std = 0.3 the same
points are certified positive definite (interval Cholesky).
"""
import sympy as sp

import ntksym as nk
from ntksym.proving import conclude, require
from ntksym.proving.tools import (empirical_null_residual, is_exactly_zero, normalize_atan2,
                                  null_residual)

X = [[1, 2, 0], [2, 4, 0], [0, 1, 3]]
V = (2, -1, 0)
TOL_MP, TOL_EMP = 1e-40, 1e-13


def prove():
    lam = sp.Symbol("lam", positive=True)
    K = nk.MLP(depth=1, activation="relu", W_std=1, b_std=0).kernel().ntk
    scaled = K.subs({nk.xx: lam**2 * nk.xx, nk.xy: lam * nk.xy}, simultaneous=True)
    require(is_exactly_zero(normalize_atan2(scaled - lam * K)),
            "depth 1: Theta(2x, y) = 2 Theta(x, y) not shown")
    mp_err, emp_err = 0.0, 0.0
    for depth in (1, 2, 3):
        net = nk.MLP(depth=depth, activation="relu", W_std=1.5, b_std=0)
        require(nk.predicted_rank(net, X) == 2, f"depth {depth}: predicted rank != 2")
        mp_err = max(mp_err, null_residual(net, X, V))
        emp_err = max(emp_err, empirical_null_residual(net, X, V))
        with_bias = nk.MLP(depth=depth, activation="relu", W_std=1.5, b_std=0.3)
        require(nk.certify_positive_definite(with_bias, X).certified,
                f"depth {depth}: with bias, not certified positive definite")
    require(mp_err <= TOL_MP, f"50-digit residual {mp_err:.2e} > {TOL_MP:g}")
    return conclude(method="exact (SymPy, depth 1); 50-digit Gram and finite widths, depths 1-3",
                    error=emp_err, tolerance=TOL_EMP,
                    details=f"null vector (2, -1, 0): 50-digit residual {mp_err:.1e}, empirical "
                            f"NTK residual {emp_err:.1e} (widths 64, 1024); with bias certified PD")
