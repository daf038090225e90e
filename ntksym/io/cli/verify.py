"""``ntksym verify ACTIVATION``: closed form vs quadrature vs finite-width networks.

Runs :func:`ntksym.verify` on points from a file (or random points) and prints its report: the
relative errors of the float64 and high-precision kernels and of finite-width empirical kernels,
the fitted convergence rate in the width, the checks and the verdict.
"""
from __future__ import annotations

from ntksym.io.cli.common import add_network_arguments

HELP = "verify a network's kernels: closed form, quadrature and finite-width networks"


def _widths(text):
    import argparse

    try:
        return tuple(int(w) for w in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 256,1024,4096, got {text!r}") \
            from None


def add_arguments(parser):
    add_network_arguments(parser, depth=2)
    parser.add_argument("--input", "-i", default=None, metavar="X",
                        help="points, shape (n, d): a .npy or .csv file, or '-' for stdin "
                             "(default: --points random points)")
    parser.add_argument("--points", type=int, default=4,
                        help="number of random points when no --input is given (default 4)")
    parser.add_argument("--dim", type=int, default=3,
                        help="their input dimension (default 3)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random points and of the networks (default 0)")
    parser.add_argument("--widths", type=_widths, default=(256, 1024, 4096),
                        help="hidden widths of the finite networks (default 256,1024,4096)")
    parser.add_argument("--draws", type=int, default=8,
                        help="networks drawn per width (default 8)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a JSON record")
    out.add_argument("--markdown", action="store_true", help="print the report as Markdown")
    out.add_argument("--latex", action="store_true", help="print the report as LaTeX")


def run(args):
    import numpy as np

    from ntksym.io.cli.common import load_array, network_from_args, print_json, progress
    from ntksym.io.latex import latex
    from ntksym.verify import verify

    net = network_from_args(args)
    if args.input is not None:
        X = load_array(args.input)
    else:
        if not 1 <= args.points <= 50 or not 1 <= args.dim <= 1000:
            raise ValueError("--points must be in [1, 50] and --dim in [1, 1000]")
        X = np.random.default_rng(args.seed).standard_normal((args.points, args.dim))
    with progress(f"verifying {net.activation.name} on {len(X)} points"):
        report = verify(net, X, widths=args.widths, draws=args.draws, seed=args.seed)
    status = 0 if report.passed else 1
    if args.json:
        print_json({
            "network": repr(net), "shape": list(report.shape), "reference": report.reference,
            "rows": [{"kind": r.kind, "method": r.method, "width": r.width, "draws": r.draws,
                      "error": r.error, "stderr": r.stderr} for r in report.rows],
            "rates": {k: {"slope": r.slope, "low": r.low, "high": r.high,
                          "expected": r.expected} for k, r in report.rates.items()},
            "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail}
                       for c in report.checks],
            "notes": report.notes, "verdict": report.verdict, "passed": report.passed})
    elif args.markdown:
        print(report.to_markdown())
    elif args.latex:
        print(latex(report))
    else:
        print(report)
    return status
