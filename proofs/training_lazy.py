"""Training is lazy at large width: the relative change of the weights during training shrinks
like width^(-1/2), and the change of the empirical NTK shrinks at least as fast.

Source: Jacot et al. 2018 (arXiv:1806.07572); Lee et al. 2019 (arXiv:1902.06720); for the kernel's
1/width rate under MSE gradient flow, Dyer & Gur-Ari 2019 (arXiv:1909.11304).

Method: empirical, ``ntksym.dynamics.claims.check_lazy_training``: an erf network trained to the
same time at widths 128, 512, 2048 (4 seeds each); fitted exponents of the weight change in
[-0.75, -0.3] and of the kernel change in [-1.25, -0.3] (reported error: |weight exponent + 1/2|,
tolerance 0.25).
"""
from ntksym.dynamics.claims import check_lazy_training
from ntksym.proving import conclude, require


def prove():
    r = check_lazy_training(widths=(128, 512, 2048), seeds=(0, 1, 2, 3))
    require(r.holds, r.summary)
    return conclude(method="empirical: weight and kernel change against width",
                    error=abs(r["weight_exponent"] + 0.5), tolerance=0.25, details=r.summary)
