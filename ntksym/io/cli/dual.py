"""``ntksym dual ACTIVATION``: derive the dual kernel of an activation and verify it.

Prints the derivation step by step, the dual E[phi(u) phi(v)] and its NTK factor, and a table
comparing the float64 evaluation against an independent mpmath reference at fixed points.
"""
from __future__ import annotations

from ntksym.core.limits import check_dps
from ntksym.io.cli.common import add_activation_arguments, add_output_arguments

HELP = "derive and verify the dual kernel E[phi(u) phi(v)] of an activation"

#: Fixed check points of the verification table: (q1, q2, c).
CHECK_POINTS = [(1.0, 1.0, 1.0), (1.0, 1.0, 0.5), (0.5, 2.0, -0.75), (2.0, 0.5, -1.0),
                (3.0, 0.25, 0.0), (1e-6, 4.0, 1e-3)]
TOLERANCE = 1e-12


def add_arguments(parser):
    add_activation_arguments(parser)
    add_output_arguments(parser)
    parser.add_argument("--dps", type=int, default=None,
                        help="digits of the mpmath reference of the verification table (5 to "
                             "1000; default 30 for a closed form; an activation without one is "
                             "checked against independent float64 2-D quadrature unless --dps "
                             "is given, because its mpmath reference takes seconds per point)")


def verification(k, dps, points=CHECK_POINTS):
    """Rows comparing k's float64 value with float64 2-D quadrature and, if ``dps`` is given,
    an mpmath reference at ``dps`` digits. Errors are relative to the Cauchy-Schwarz scale
    sqrt(k(q1, q1, q1) k(q2, q2, q2)); ``error`` is against the mpmath reference if there is
    one, else against the quadrature."""
    import mpmath
    import numpy as np

    from ntksym.backends import numeric, quadrature

    act = k.activation
    phi = numeric.activation_function(act)
    a, b, cc = (np.array(v, dtype=float) for v in zip(*points))
    vals = np.asarray(k(a, b, cc), dtype=float)
    quad = quadrature.expect2(phi, phi, a, b, cc, breaks_f=act.breakpoints,
                              breaks_g=act.breakpoints)
    scale = np.sqrt(np.abs(np.asarray(k(a, a, a), dtype=float) * k(b, b, b)))
    scale = np.where(scale > 0, scale, 1.0)
    rows = []
    for i, (p1, p2, p3) in enumerate(points):
        row = {"q1": p1, "q2": p2, "c": p3, "value": float(vals[i]),
               "quadrature": float(quad[i]),
               "quadrature_error": abs(float(vals[i]) - float(quad[i])) / float(scale[i])}
        if dps is not None:
            ref = k.mp(repr(p1), repr(p2), repr(p3), dps=dps)
            row["reference"] = mpmath.nstr(ref, 20)
            row["error"] = abs(row["value"] - float(ref)) / float(scale[i])
            row["quadrature_error"] = abs(row["quadrature"] - float(ref)) / float(scale[i])
        else:
            row["reference"] = repr(row["quadrature"])
            row["error"] = row["quadrature_error"]
        rows.append(row)
    return rows


def run(args):
    import sympy as sp

    from ntksym.io.cli.common import activation_from_args, print_json, progress
    from ntksym.io.latex import latex, latex_document
    from ntksym.symbolic.dual import dual

    if args.dps is not None:
        check_dps(args.dps, "--dps")          # the same limits as the API
    act = activation_from_args(args)
    with progress(f"deriving the dual kernel of {act.name}") as bar:
        k = dual(act)
        dps = args.dps if args.dps is not None or k.method == "numeric" else 30
        if args.latex or args.document:
            text = latex(k) if args.latex else latex_document(
                k, title=f"Dual kernel of {act.name}")
        else:
            what = f"{dps}-digit mpmath" if dps is not None else "2-D quadrature"
            bar.update(f"verifying {act.name}'s dual at {len(CHECK_POINTS)} points "
                       f"({what} reference)")
            rows = verification(k, dps) if act.is_symbolic else []
    if args.latex or args.document:
        print(text)
        return 0
    worst = max((r["error"] for r in rows), default=0.0)
    ok = worst < TOLERANCE
    if args.json:
        print_json({
            "activation": act.name, "expression": str(act.expr),
            "params": {n: str(v) for n, v in act.params.items()},
            "method": k.method, "dual": str(k.expr), "dual_latex": latex(k.expr),
            "ntk_factor": None if k.ntk_factor is None else str(k.ntk_factor),
            "ntk_check": k.ntk_check, "ntk_degenerate": k.ntk_degenerate, "notes": k.notes,
            "steps": [{"rule": s.rule, "text": s.text,
                       "lhs": None if s.lhs is None else str(s.lhs),
                       "rhs": None if s.rhs is None else str(s.rhs)} for s in k.steps],
            "verification": rows, "reference": "mpmath" if dps is not None else "quadrature",
            "dps": dps, "max_error": worst, "tolerance": TOLERANCE, "verified": ok,
        })
        return 0 if ok else 1
    print(f"activation  phi(x) = {sp.sstr(act.expr)}")
    print(f"method      {k.method}")
    print("derivation")
    for i, step in enumerate(k.steps, 1):
        print(f"  {i:2d}. [{step.rule}] {step.text}")
    print(f"dual        E[phi(u) phi(v)] = {sp.sstr(k.expr)}")
    print(f"ntk factor  E[phi'(u) phi'(v)] = {sp.sstr(k.ntk_factor)}   ({k.ntk_check})")
    for note in k.notes:
        print(f"note        {note}")
    if not rows:
        print("verification: none (a black-box activation has no independent reference)")
        return 0
    if dps is not None:
        print(f"verification against an mpmath reference at {dps} digits "
              "(errors relative to sqrt(k(q1,q1,q1) k(q2,q2,q2))):")
        print(f"  {'q1':>8} {'q2':>8} {'c':>8}  {'k (float64)':>22} {'error':>9} {'quad err':>9}")
        for r in rows:
            print(f"  {r['q1']:8.3g} {r['q2']:8.3g} {r['c']:8.3g}  {r['value']:22.16g} "
                  f"{r['error']:9.1e} {r['quadrature_error']:9.1e}")
    else:
        print("verification: the float64 kernel (Mehler series with a certified tail bound) "
              "against independent float64 2-D quadrature (errors relative to "
              "sqrt(k(q1,q1,q1) k(q2,q2,q2)); --dps N adds an N-digit mpmath reference):")
        print(f"  {'q1':>8} {'q2':>8} {'c':>8}  {'k (float64)':>22} {'quadrature':>22} "
              f"{'error':>9}")
        for r in rows:
            print(f"  {r['q1']:8.3g} {r['q2']:8.3g} {r['c']:8.3g}  {r['value']:22.16g} "
                  f"{r['quadrature']:22.16g} {r['error']:9.1e}")
    verdict = "verified" if ok else "NOT verified"
    print(f"{verdict}: max error {worst:.1e} (tolerance {TOLERANCE:.0e})")
    return 0 if ok else 1
