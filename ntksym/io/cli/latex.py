"""``ntksym latex ACTIVATION``: paper-ready LaTeX of a dual kernel and a network's recursion.

``ntksym latex relu --depth 3 --W-std w --b-std b --standalone -o relu.tex`` writes a complete
document (A4 portrait, amsmath; compiles with pdflatex) with the derivation of the dual kernel
and the layer-by-layer NNGP/NTK recursion. Without ``--standalone`` it prints the fragments.
"""
from __future__ import annotations

from ntksym.io.cli.common import add_network_arguments

HELP = "write paper-ready LaTeX: the dual kernel's derivation and the network's recursion"


def add_arguments(parser):
    add_network_arguments(parser)
    parser.add_argument("--what", default="both", choices=("dual", "network", "kernel", "both"),
                        help="what to typeset: the dual kernel's derivation, the network's "
                             "layer-by-layer recursion, its closed-form output kernel, or the "
                             "dual and the recursion (default both)")
    parser.add_argument("--standalone", "--document", action="store_true",
                        help="write a complete document (compiles with pdflatex) instead of "
                             "fragments")
    parser.add_argument("--title", default=None, help="the document's title (plain text)")
    parser.add_argument("--output", "-o", default=None, metavar="FILE.tex",
                        help="write to this file instead of standard output")


def run(args):
    from ntksym.io.cli.common import network_from_args, progress
    from ntksym.io.latex import latex, latex_document

    with progress("typesetting"):
        net = network_from_args(args)
        objs = {"dual": [net.dual], "network": [net], "kernel": [net.kernel()],
                "both": [net.dual, net]}[args.what]
        if args.standalone:
            title = args.title
            if title is None:
                title = (f"Dual kernel of {net.activation.name}" if args.what == "dual" else
                         f"NNGP and NTK of a depth-{net.depth} {net.activation.name} network")
            out = latex_document(*objs, title=title)
        else:
            out = "\n\n".join(latex(o) for o in objs) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(out)
        print(f"wrote {args.output}")
    else:
        print(out, end="")
    return 0
