"""``ntksym rank ACTIVATION --input X``: the exact rank of the infinite-width Gram matrix.

The points are read at their exact binary values (a .npy or .csv file, or ``-`` for stdin).
"""
from __future__ import annotations

from ntksym.io.cli.common import add_network_arguments

HELP = "predict the exact rank of the NTK/NNGP Gram matrix on points from a file (or stdin)"


def add_arguments(parser):
    add_network_arguments(parser)
    parser.add_argument("--input", "-i", required=True, metavar="X",
                        help="points, shape (n, d): a .npy or .csv file, or '-' for stdin")
    parser.add_argument("--kind", default="ntk", choices=("ntk", "nngp"),
                        help="which Gram matrix (default ntk)")
    parser.add_argument("--json", action="store_true", help="print a JSON record")


def run(args):
    from ntksym.io.cli.common import load_array, network_from_args, print_json, progress
    from ntksym.theory.rank import predicted_rank

    net = network_from_args(args)
    X = load_array(args.input)
    with progress(f"predicting the rank on {len(X)} points"):
        pred = predicted_rank(net, X, kind=args.kind, explain=True)
    if args.json:
        print_json({"network": repr(net), "kind": args.kind, "n": pred.n, "rank": pred.rank,
                    "full_rank": None if pred.rank is None else pred.rank == pred.n,
                    "dimension": pred.dimension, "method": pred.method, "reason": pred.reason,
                    "null_vector": None if pred.null_vector is None else
                    [str(v) for v in pred.null_vector]})
        return 0
    print(f"network     {net!r}")
    print(f"points      {X.shape[0]} in R^{X.shape[1]}")
    if pred.rank is None:
        print(f"rank        unknown ({args.kind.upper()} Gram)")
    else:
        full = "full rank" if pred.rank == pred.n else "singular"
        print(f"rank        {pred.rank} of {pred.n} ({args.kind.upper()} Gram, {full})")
    print(f"method      {pred.method}")
    print(f"reason      {pred.reason}")
    if pred.null_vector is not None:
        print(f"null vector {', '.join(str(v) for v in pred.null_vector)}")
    return 0
