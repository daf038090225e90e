"""On the sphere a dot-product kernel sum_k b_k t^k is strictly positive definite on every
finite point set iff infinitely many even and infinitely many odd b_k are positive; for MLP
kernels this agrees with the exact rank on d + 1 antipodal pairs and with the positivity
certificate.

Source: Schoenberg 1942; Chen, Menegatto & Sun, "A necessary and sufficient condition for
strictly positive definite functions on spheres", Proc. AMS 2003.

Method: ``ntksym.theory.spectrum_checks.sphere_criterion_vs_rank`` on 6 networks (ReLU depth 1
and 2 without bias, ReLU with bias, erf without and with bias, a cubic) and both kernels: the
criterion's verdict (parity support of the power series) must coincide, row by row, with "rank
< number of points" from ``nk.predicted_rank`` on 4 exact rational antipodal pairs on S^2, and
a successful ``nk.certify_positive_definite`` only with strictly positive definite kernels.
"""
import ntksym as nk
from ntksym.proving import conclude, require
from ntksym.theory.spectrum_checks import sphere_criterion_vs_rank


def nets():
    return [nk.MLP(depth=1, activation="relu"), nk.MLP(depth=2, activation="relu"),
            nk.MLP(depth=1, activation="relu", b_std=0.5), nk.MLP(depth=1, activation="erf"),
            nk.MLP(depth=1, activation="erf", b_std=0.5), nk.MLP(depth=1, activation="x**3 + x**2")]


def prove():
    rows = sphere_criterion_vs_rank(nets(), d=3)
    bad = [r for r in rows if not r.agree]
    require(not bad, "criterion and rank disagree: " + "; ".join(
        f"{r.net} {r.kind}: strictly_pd={r.strictly_pd}, rank {r.rank}/{r.n_points}, "
        f"certified={r.certified}" for r in bad))
    deficient = sum(1 for r in rows if r.rank < r.n_points)
    return conclude(method="exact parity support vs exact rank vs interval certificate",
                    error=0, tolerance=None,
                    details=f"{len(rows)} network/kernel pairs agree ({deficient} rank-deficient, "
                            f"{len(rows) - deficient} strictly positive definite)")
