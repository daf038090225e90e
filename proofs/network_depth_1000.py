"""The float64 Gram matrices of depth-1000 networks agree with the same recursion computed with
30 significant digits, to 1e-11 relative.

Source: the recursion of Jacot et al. 2018 (arXiv:1806.07572) in neural-tangents' layout
(Novak et al. 2020, arXiv:1912.02803); deep kernels and their degeneration: Poole et al. 2016
(arXiv:1606.05340), Xiao et al. 2020 (arXiv:1912.13053).

Method: numerical. ``net.gram(X)`` (float64, closed-form duals, fused over layers) against
``net.gram(X, dps=30)`` (mpmath, 30 digits) for depth-1000 ReLU and erf networks
with bias, on 4 points in R^3 (two of them 1e-3 apart). Tolerance 1e-11 relative to the largest
entry: rounding errors may grow like depth x machine epsilon (about 2e-13), never more.
"""
import numpy as np

import ntksym as nk
from ntksym.proving import conclude, require
from ntksym.proving.tools import relative_error

NETS = (dict(activation="relu", W_std=1.4, b_std=0.1), dict(activation="erf", W_std=1.2, b_std=0.3))
DEPTH = 1000
TOL = 1e-11


def prove():
    X = np.random.default_rng(3).standard_normal((4, 3))
    X[3] = X[2] + 1e-3
    worst, parts = 0.0, []
    for spec in NETS:
        net = nk.MLP(depth=DEPTH, **spec)
        g, ref = net.gram(X), net.gram(X, dps=30)
        for kind in ("nngp", "ntk"):
            err = relative_error(getattr(g, kind), getattr(ref, kind))
            require(np.all(np.isfinite(getattr(g, kind))), f"{spec['activation']}: non-finite")
            worst = max(worst, err)
            parts.append(f"{spec['activation']} {kind} {err:.1e}")
    return conclude(method=f"float64 vs 30-digit mpmath, depth {DEPTH}", error=worst,
                    tolerance=TOL, details="; ".join(parts))
