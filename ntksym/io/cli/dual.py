"""``ntksym dual ACTIVATION``: derive the dual kernel of an activation and verify it.

Prints the derivation step by step, the dual E[phi(u) phi(v)] and its NTK factor, and a table
comparing the float64 evaluation against an independent mpmath reference at fixed points.
"""
from __future__ import annotations

from ntksym.io.cli.common import add_activation_arguments, add_output_arguments

HELP = "derive and verify the dual kernel E[phi(u) phi(v)] of an activation"

#: Fixed check points of the verification table: (q1, q2, c).
CHECK_POINTS = [(1.0, 1.0, 1.0), (1.0, 1.0, 0.5), (0.5, 2.0, -0.75), (2.0, 0.5, -1.0),
                (3.0, 0.25, 0.0), (1e-6, 4.0, 1e-3)]
TOLERANCE = 1e-12


def add_arguments(parser):
    add_activation_arguments(parser)
    add_output_arguments(parser)
    parser.add_argument("--dps", type=int, default=30,
                        help="digits of the mpmath reference in the verification table "
                             "(default 30; 5 to 200)")


def verification(k, dps, points=CHECK_POINTS):
    """Rows comparing k's float64 value with float64 quadrature and an mpmath reference."""
    import mpmath

    from ntksym.backends import numeric, quadrature

    rows = []
    act = k.activation
    phi = numeric.activation_function(act)
    scale_cache = {}

    def diag(q):
        if q not in scale_cache:
            scale_cache[q] = k.mp(q, q, q, dps=15)
        return scale_cache[q]

    for a, b, cc in points:
        val = float(k(a, b, cc))
        quad = float(quadrature.expect2(phi, phi, a, b, cc, breaks_f=act.breakpoints,
                                        breaks_g=act.breakpoints))
        ref = k.mp(repr(a), repr(b), repr(cc), dps=dps)
        scale = float(mpmath.sqrt(abs(diag(a) * diag(b)))) or 1.0
        rows.append({"q1": a, "q2": b, "c": cc, "value": val, "quadrature": quad,
                     "reference": mpmath.nstr(ref, 20),
                     "error": abs(val - float(ref)) / scale,
                     "quadrature_error": abs(quad - float(ref)) / scale})
    return rows


def run(args):
    import sympy as sp

    from ntksym.io.cli.common import activation_from_args, print_json, progress
    from ntksym.io.latex import latex, latex_document
    from ntksym.symbolic.dual import dual

    if not 5 <= args.dps <= 200:
        raise ValueError("--dps must be between 5 and 200")
    act = activation_from_args(args)
    with progress(f"deriving the dual kernel of {act.name}") as bar:
        k = dual(act)
        if args.latex or args.document:
            text = latex(k) if args.latex else latex_document(
                k, title=f"Dual kernel of {act.name}")
        else:
            bar.update(f"verifying {act.name}'s dual at {len(CHECK_POINTS)} points "
                       f"({args.dps}-digit reference)")
            rows = verification(k, args.dps) if act.is_symbolic else []
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
            "verification": rows, "max_error": worst, "tolerance": TOLERANCE, "verified": ok,
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
    print(f"verification against an mpmath reference at {args.dps} digits "
          "(errors relative to sqrt(k(q1,q1,q1) k(q2,q2,q2))):")
    print(f"  {'q1':>8} {'q2':>8} {'c':>8}  {'k (float64)':>22} {'error':>9} {'quad err':>9}")
    for r in rows:
        print(f"  {r['q1']:8.3g} {r['q2']:8.3g} {r['c']:8.3g}  {r['value']:22.16g} "
              f"{r['error']:9.1e} {r['quadrature_error']:9.1e}")
    verdict = "verified" if ok else "NOT verified"
    print(f"{verdict}: max error {worst:.1e} (tolerance {TOLERANCE:.0e})")
    return 0 if ok else 1
