"""``ntksym plot``: draw one of the report's figures as a PNG.

    ntksym plot KIND [-a ACTIVATION ...] [-o FILE.png] [--dpi N]

KIND is one of ``dual``, ``convergence``, ``rank``, ``lambda-min``, ``training``, ``spectrum``
(the figures of :mod:`ntksym.proving.plots`). The file defaults to ``KIND.png`` in the current
directory.
"""
from __future__ import annotations

HELP = "draw a figure (dual, convergence, rank, lambda-min, training, spectrum) as a PNG"

KINDS = ("dual", "convergence", "rank", "lambda-min", "training", "spectrum")


def add_arguments(parser):
    parser.add_argument("kind", choices=KINDS, metavar="KIND",
                        help="the figure: " + ", ".join(KINDS))
    parser.add_argument("-a", "--activation", action="append", default=None,
                        metavar="ACTIVATION",
                        help="an activation to include (repeatable; default: the figure's own "
                             "selection)")
    parser.add_argument("-o", "--output", default=None, metavar="FILE",
                        help="the PNG file to write (default: KIND.png)")
    parser.add_argument("--dpi", type=int, default=120, help="resolution in dots per inch")


def run(args):
    import pathlib

    from ntksym.proving import plots
    from ntksym.symbolic.registry import activation

    if not 20 <= args.dpi <= 600:
        raise ValueError(f"--dpi must be between 20 and 600, got {args.dpi}")
    acts = None
    if args.activation:
        for a in args.activation:
            activation(a)                       # a bad name or expression: one-line error
        acts = tuple(args.activation)
    out = pathlib.Path(args.output or f"{args.kind}.png")
    if out.suffix.lower() != ".png":
        raise ValueError(f"the output must be a .png file, got {str(out)!r}")
    fig = plots.KINDS[args.kind](acts)
    plots.save(fig, out, dpi=args.dpi)
    print(f"wrote {out}")
    return 0
