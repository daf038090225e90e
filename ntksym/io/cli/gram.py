"""``ntksym gram ACTIVATION --input X``: NNGP and NTK Gram matrices of points from a file."""
from __future__ import annotations

from ntksym.core.limits import check_dps
from ntksym.io.cli.common import add_network_arguments

HELP = "compute the NNGP and NTK Gram matrices of points from a .npy/.csv file (or stdin)"


def add_arguments(parser):
    add_network_arguments(parser)
    parser.add_argument("--input", "-i", required=True, metavar="X",
                        help="points X1, shape (n, d): a .npy or .csv file, or '-' for stdin")
    parser.add_argument("--input2", default=None, metavar="Y",
                        help="second points X2, shape (m, d) (default: X1)")
    parser.add_argument("--dps", type=int, default=None,
                        help="compute in mpmath with this many digits (default: float64)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--output", "-o", default=None, metavar="FILE.npz",
                     help="write the arrays nngp and ntk to this .npz file")
    out.add_argument("--json", action="store_true",
                     help="print a JSON record {nngp, ntk, shape, network}")


def run(args):
    import numpy as np

    from ntksym.io.cli.common import load_array, network_from_args, print_json, progress

    if args.input == "-" and args.input2 == "-":
        raise ValueError("only one of --input and --input2 can read stdin")
    net = network_from_args(args)
    if net.is_symbolic:
        raise ValueError("gram needs numbers for --W-std and --b-std, not symbols")
    X1 = load_array(args.input)
    X2 = None if args.input2 is None else load_array(args.input2)
    if args.dps is not None:
        check_dps(args.dps, "--dps")          # the same limits as the API
    with progress(f"Gram matrices of {len(X1)} points"):
        g = net.gram(X1, X2, dps=args.dps)
    nngp, ntk = g.nngp, g.ntk
    if args.dps is not None:
        nngp = np.array(nngp.tolist(), dtype=float)
        ntk = np.array(ntk.tolist(), dtype=float)
    if args.json:
        print_json({"network": repr(net), "shape": list(nngp.shape), "dps": args.dps,
                    "nngp": nngp, "ntk": ntk})
    elif args.output:
        np.savez(args.output, nngp=nngp, ntk=ntk)
        print(f"wrote {args.output} (nngp, ntk of shape {nngp.shape})")
    else:
        with np.printoptions(precision=17, linewidth=200):
            print("nngp =")
            print(nngp)
            print("ntk =")
            print(ntk)
    return 0
