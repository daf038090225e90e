"""The bias hypothesis is necessary: an erf network without bias has a singular NTK Gram matrix
on x and -x (oddness: Theta(-x, y) = -Theta(x, y)), at infinite and at finite width, while with
bias the same points give a positive definite one.

Source: Carvalho, Costa, Mourao & Oliveira 2025 (arXiv:2404.12928), the remark on odd
activations after Theorem 1.1.

Method: exact (SymPy) for depths 1 and 2: Theta(|x|^2, |y|^2, -<x,y>) + Theta(|x|^2, |y|^2, <x,y>)
simplifies to 0, so v = (1, 1, 0) is an exact null vector on the points x, -x, y. For depths 1-3:
the residual |G v|/(|G||v|) of the 50-digit Gram matrix (tolerance 1e-40) and of the float64
empirical NTK at widths 64 and 1024 (tolerance 1e-13), and ``nk.predicted_rank`` = 2. With
b_std = 0.3 the same points are certified positive definite.
"""
import ntksym as nk
from ntksym.proving import conclude, require
from ntksym.proving.tools import empirical_null_residual, is_exactly_zero, null_residual

X = [[1, 2, 0], [-1, -2, 0], [0, 1, 3]]
V = (1, 1, 0)
TOL_MP, TOL_EMP = 1e-40, 1e-13


def prove():
    for depth in (1, 2):
        K = nk.MLP(depth=depth, activation="erf", W_std=1, b_std=0).kernel().ntk
        require(is_exactly_zero(K.subs(nk.xy, -nk.xy) + K),
                f"depth {depth}: Theta(-x, y) = -Theta(x, y) not shown")
    mp_err, emp_err = 0.0, 0.0
    for depth in (1, 2, 3):
        net = nk.MLP(depth=depth, activation="erf", W_std=1.5, b_std=0)
        require(nk.predicted_rank(net, X) == 2, f"depth {depth}: predicted rank != 2")
        mp_err = max(mp_err, null_residual(net, X, V))
        emp_err = max(emp_err, empirical_null_residual(net, X, V))
        with_bias = nk.MLP(depth=depth, activation="erf", W_std=1.5, b_std=0.3)
        require(nk.certify_positive_definite(with_bias, X).certified,
                f"depth {depth}: with bias, not certified positive definite")
    require(mp_err <= TOL_MP, f"50-digit residual {mp_err:.2e} > {TOL_MP:g}")
    return conclude(method="exact (SymPy, depths 1-2); 50-digit Gram and finite widths, "
                    "depths 1-3", error=emp_err, tolerance=TOL_EMP,
                    details=f"null vector (1, 1, 0): 50-digit residual {mp_err:.1e}, empirical "
                            f"NTK residual {emp_err:.1e} (widths 64, 1024); with bias certified PD")
