"""``ntksym poly ACTIVATION``: is the activation a polynomial? With a certificate if it is.

A polynomial activation makes every NNGP/NTK Gram matrix rank-deficient (degree r, depth L:
rank <= C(d + r^L, d)); a non-polynomial continuous one makes the NTK strictly positive definite
(Carvalho et al. 2025). The certificate is an explicit identity sum_j c_j phi(s + j t) == 0
with pairwise non-proportional pairs (1, j), checked exactly.
"""
from __future__ import annotations

from ntksym.io.cli.common import add_activation_arguments, add_output_arguments

HELP = "decide whether an activation is a polynomial (with an exact certificate if it is)"


def add_arguments(parser):
    add_activation_arguments(parser)
    add_output_arguments(parser, document=False)


def run(args):
    import sympy as sp

    from ntksym.io.cli.common import activation_from_args, print_json
    from ntksym.io.latex import latex
    from ntksym.theory.polynomial import is_polynomial, polynomial_certificate

    act = activation_from_args(args)
    chk = is_polynomial(act)
    cert = polynomial_certificate(act) if chk.is_polynomial and act.is_symbolic else None
    if args.latex:
        print(latex(chk))
        if cert is not None:
            print(latex(cert))
        return 0
    if args.json:
        print_json({
            "activation": act.name, "expression": str(act.expr) if act.is_symbolic else None,
            "is_polynomial": chk.is_polynomial, "degree": chk.degree, "reason": chk.reason,
            "coefficients": None if chk.coefficients is None else [str(v) for v in
                                                                   chk.coefficients],
            "certificate": None if cert is None else {
                "pairs": [[str(a), str(b)] for a, b in cert.pairs],
                "coefficients": [str(v) for v in cert.coefficients],
                "identity": str(cert.identity), "verified": cert.verified},
        })
        return 0
    answer = {True: "yes", False: "no", None: "undecided"}[chk.is_polynomial]
    print(f"activation     phi(x) = {sp.sstr(act.expr) if act.is_symbolic else act.name}")
    print(f"polynomial     {answer}" + (f" (degree {chk.degree})" if chk.degree is not None
                                        else ""))
    print(f"reason         {chk.reason}")
    if cert is not None:
        s, t = sp.symbols("s t")
        terms = " ".join(f"{'+' if co >= 0 else '-'} "
                         f"{'' if abs(co) == 1 else str(abs(co)) + '*'}phi({sp.sstr(a * s + b * t)})"
                         for co, (a, b) in zip(cert.coefficients, cert.pairs))
        print(f"certificate    {terms.lstrip('+ ')} == 0")
        print(f"               (pairwise non-proportional pairs; identity expanded: "
              f"{sp.sstr(cert.identity)}; {'verified' if cert.verified else 'NOT verified'})")
    return 0
