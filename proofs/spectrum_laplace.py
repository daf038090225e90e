"""Deep ReLU NTKs on the sphere have Mercer eigenvalues that decay at the same polynomial rate
as those of the Laplace kernel exp(-|x - x'|), k^{-d}.

Source: Geifman et al., "On the Similarity between the Laplace and Neural Tangent Kernels",
NeurIPS 2020 (arXiv:2007.01580); Chen & Xu, "Deep Neural Tangent Kernel and Laplace Kernel Have
the Same RKHS", ICLR 2021 (arXiv:2009.10683).

Method: ``ntksym.theory.spectrum_checks.laplace_decay_comparison`` for d = 3: the eigenvalues of
the depth-2 and depth-3 ReLU NTKs without bias (power series of the kernel, Funk-Hecke) and of
the Laplace kernel (Funk-Hecke quadrature) are fitted as mu_k ~ k^p on the same degrees
k in [60, 120]; the largest |p_depth - p_Laplace| must be at most 0.1.
"""
from ntksym.proving import conclude, require
from ntksym.theory.spectrum_checks import laplace_decay_comparison


def prove():
    r = laplace_decay_comparison(d=3, depths=(2, 3), kmax=120, tolerance=0.1)
    require(r.passed, f"decay exponents differ: {r}")
    fits = ", ".join(f"depth {L}: k^{p:.3f}" for L, p in r.ntk.items())
    return conclude(method="Funk-Hecke eigenvalues + decay fits on the same degrees",
                    error=r.max_difference, tolerance=r.tolerance,
                    details=f"{fits}; Laplace k^{r.laplace:.3f} (k in {r.k_range})")
