"""The ``ntksym`` command line.

    ntksym dual ACTIVATION [--param NAME=VALUE ...] [--latex | --document | --json]
    ntksym kernel ACTIVATION [--depth L] [--W-std W] [--b-std B] [--parameterization P]
                             [--width N] [--latex | --document | --json]
    ntksym gram ACTIVATION --input X.npy|X.csv [--input2 Y] [--depth L] ... [--dps N]
                           [--output OUT.npz]

``ntksym dual relu`` derives the dual kernel of ReLU, shows its derivation, and verifies the
closed form and its NTK factor against quadrature. ``ntksym kernel relu`` derives the network's
NNGP/NTK recursion and verifies the float64 Gram matrices against a 30-digit reference on random
inputs. Errors print one line and exit with status 2.
"""
from __future__ import annotations

import argparse
import json
import sys

__all__ = ["main"]

# Fixed check points for the command line's verification table: (q1, q2, c).
_CHECK_POINTS = [(1.0, 1.0, 1.0), (1.0, 1.0, 0.5), (0.5, 2.0, -0.75), (2.0, 0.5, -1.0),
                 (3.0, 0.25, 0.0), (1e-6, 4.0, 1e-3)]


def _param(text):
    """NAME=VALUE with VALUE an int, a float, or a comma-separated list of numbers."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)

    def number(s):
        s = s.strip()
        try:
            return int(s)
        except ValueError:
            try:
                return float(s)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"parameter {name!r} needs a number, got {s!r}") from None

    values = [number(v) for v in value.split(",")]
    return name.strip(), (values if "," in value or name.strip() == "coeffs" else values[0])


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _CliError(message)


class _CliError(Exception):
    pass


def _build_parser():
    parser = _Parser(prog="ntksym", description="Symbolic NTK mathematics, derived and verified.")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dual", help="derive and verify the dual kernel of an activation")
    d.add_argument("activation", help="a registry name (relu, erf, ...) or an expression in x")
    d.add_argument("--param", "-p", action="append", type=_param, default=[],
                   metavar="NAME=VALUE", help="registry parameter, e.g. -p alpha=0.1")
    out = d.add_mutually_exclusive_group()
    out.add_argument("--latex", action="store_true", help="print the derivation as LaTeX")
    out.add_argument("--document", action="store_true",
                     help="print a complete LaTeX document (compiles with pdflatex)")
    out.add_argument("--json", action="store_true", help="print a JSON record")
    d.add_argument("--dps", type=int, default=30,
                   help="digits of the mpmath reference in the verification table (default 30)")
    for name, helptext in (("kernel", "derive a network's NNGP/NTK recursion and verify it"),
                           ("gram", "compute NNGP/NTK Gram matrices of inputs from a file")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("activation", help="a registry name or an expression in x")
        p.add_argument("--param", "-p", action="append", type=_param, default=[],
                       metavar="NAME=VALUE")
        p.add_argument("--depth", "-L", type=int, default=3, help="number of activations (3)")
        p.add_argument("--W-std", type=float, default=1.5, help="weight std (1.5)")
        p.add_argument("--b-std", type=float, default=0.3, help="bias std (0.3)")
        p.add_argument("--parameterization", default="ntk", choices=("ntk", "standard"))
        p.add_argument("--width", type=int, default=None, help="hidden width (standard only)")
        p.add_argument("--dps", type=int, default=None if name == "gram" else 30,
                       help="digits of the mpmath computation")
        if name == "kernel":
            out = p.add_mutually_exclusive_group()
            out.add_argument("--latex", action="store_true")
            out.add_argument("--document", action="store_true")
            out.add_argument("--json", action="store_true")
            p.add_argument("--points", type=int, default=5, help="random test points (5)")
            p.add_argument("--dim", type=int, default=4, help="input dimension of them (4)")
            p.add_argument("--seed", type=int, default=0)
        else:
            p.add_argument("--input", required=True, help="X1: .npy or .csv, shape (n, d)")
            p.add_argument("--input2", default=None, help="X2 (optional)")
            p.add_argument("--output", default=None, help="write nngp and ntk to this .npz")
    return parser


def _network(args):
    from ntksym.network import MLP

    return MLP(args.depth, _activation_arg(args), W_std=args.W_std, b_std=args.b_std,
               parameterization=args.parameterization, width=args.width)


def _activation_arg(args):
    from ntksym.symbolic.registry import activation

    return activation(args.activation, **dict(args.param))


def _load(path):
    import numpy as np

    if path.endswith(".npy"):
        return np.load(path, allow_pickle=False)
    if path.endswith(".csv") or path.endswith(".txt"):
        return np.loadtxt(path, delimiter="," if path.endswith(".csv") else None, ndmin=2)
    raise ValueError(f"input {path!r} must be a .npy or .csv file")


def _cmd_kernel(args):
    import numpy as np
    import sympy as sp

    from ntksym.io.latex import latex, latex_document

    if not 1 <= args.points <= 50 or not 1 <= args.dim <= 1000:
        raise ValueError("--points must be in [1, 50] and --dim in [1, 1000]")
    if not 5 <= args.dps <= 200:
        raise ValueError("--dps must be between 5 and 200")
    net = _network(args)
    if args.latex:
        print(latex(net))
        return 0
    if args.document:
        print(latex_document(net, title=f"NNGP and NTK of {net!r}"))
        return 0
    rng = np.random.default_rng(args.seed)
    X = rng.standard_normal((args.points, args.dim))
    X[-1] = X[0] * 2.0 if args.points > 1 else X[-1]       # a proportional pair
    g = net.gram(X)
    ref = net.gram(X, dps=args.dps)
    errors = {}
    for name in ("nngp", "ntk"):
        R = np.array(getattr(ref, name).tolist(), dtype=float)
        errors[name] = float(np.max(np.abs(getattr(g, name) - R)) / np.max(np.abs(R)))
    worst = max(errors.values())
    if args.json:
        print(json.dumps({"network": repr(net), "dual_method": net.dual.method,
                          "dual": str(net.dual.expr), "ntk_factor": str(net.dual.ntk_factor),
                          "layers": [{"index": l.index, "nngp": str(l.nngp),
                                      "nngp_dot": None if l.nngp_dot is None else str(l.nngp_dot),
                                      "ntk": str(l.ntk)} for l in net.recursion()],
                          "errors": errors, "dps": args.dps}, indent=2))
        return 0 if worst < 1e-12 else 1
    print(f"network     {net!r}")
    print(f"dual        E[phi(u) phi(v)] = {sp.sstr(net.dual.expr)}   (method: {net.dual.method})")
    print(f"ntk factor  E[phi'(u) phi'(v)] = {sp.sstr(net.dual.ntk_factor)}")
    print("recursion   (xx = |x|^2/d, yy = |x'|^2/d, xy = <x,x'>/d)")
    for layer in net.recursion():
        print(f"  Sigma{layer.index}(x,x') = {sp.sstr(layer.nngp)}")
        if layer.nngp_dot is not None:
            print(f"  dSigma{layer.index}(x,x') = {sp.sstr(layer.nngp_dot)}")
        print(f"  Theta{layer.index}(x,x') = {sp.sstr(layer.ntk)}")
    print(f"verification on {args.points} random points in R^{args.dim} (seed {args.seed}, "
          f"one pair proportional): float64 Gram vs {args.dps}-digit mpmath Gram")
    for name, err in errors.items():
        print(f"  {name:5s} max relative error {err:.1e}")
    verdict = "verified" if worst < 1e-12 else "NOT verified"
    print(f"{verdict}: max error {worst:.1e} (tolerance 1e-12)")
    return 0 if worst < 1e-12 else 1


def _cmd_gram(args):
    import numpy as np

    net = _network(args)
    X1 = _load(args.input)
    X2 = None if args.input2 is None else _load(args.input2)
    g = net.gram(X1, X2, dps=args.dps)
    nngp, ntk = g.nngp, g.ntk
    if args.dps is not None:
        nngp = np.array(nngp.tolist(), dtype=float)
        ntk = np.array(ntk.tolist(), dtype=float)
    if args.output:
        np.savez(args.output, nngp=nngp, ntk=ntk)
        print(f"wrote {args.output} (nngp, ntk of shape {nngp.shape})")
    else:
        with np.printoptions(precision=17, linewidth=200):
            print("nngp =")
            print(nngp)
            print("ntk =")
            print(ntk)
    return 0


def _verification(k, dps):
    """Closed form (float64) vs float64 quadrature vs mpmath at fixed points."""
    import mpmath

    from ntksym.backends import numeric

    from ntksym.backends import quadrature

    rows = []
    act = k.activation
    phi = numeric.activation_function(act)
    for a, b, cc in _CHECK_POINTS:
        val = float(k(a, b, cc))
        quad = float(quadrature.expect2(phi, phi, a, b, cc, breaks_f=act.breakpoints,
                                        breaks_g=act.breakpoints))
        ref = k.mp(repr(a), repr(b), repr(cc), dps=dps)
        scale = float(mpmath.sqrt(abs(k.mp(a, a, a, dps=15) * k.mp(b, b, b, dps=15)))) or 1.0
        rows.append({"q1": a, "q2": b, "c": cc, "value": val, "quadrature": quad,
                     "reference": mpmath.nstr(ref, 20),
                     "error": abs(val - float(ref)) / scale,
                     "quadrature_error": abs(quad - float(ref)) / scale})
    return rows


def _cmd_dual(args):
    import sympy as sp

    from ntksym.symbolic.dual import dual
    from ntksym.io.latex import latex, latex_document

    if not 5 <= args.dps <= 200:
        raise ValueError("--dps must be between 5 and 200")
    params = dict(args.param)
    k = dual(args.activation, **params)
    if args.latex:
        print(latex(k))
        return 0
    if args.document:
        print(latex_document(k, title=f"Dual kernel of {k.activation.name}"))
        return 0
    rows = _verification(k, args.dps) if k.activation.is_symbolic else []
    worst = max((r["error"] for r in rows), default=0.0)
    if args.json:
        print(json.dumps({
            "activation": k.activation.name, "expression": str(k.activation.expr),
            "params": {n: str(v) for n, v in k.activation.params.items()},
            "method": k.method, "dual": str(k.expr), "dual_latex": latex(k.expr),
            "ntk_factor": None if k.ntk_factor is None else str(k.ntk_factor),
            "ntk_check": k.ntk_check, "ntk_degenerate": k.ntk_degenerate, "notes": k.notes,
            "steps": [{"rule": s.rule, "text": s.text,
                       "lhs": None if s.lhs is None else str(s.lhs),
                       "rhs": None if s.rhs is None else str(s.rhs)} for s in k.steps],
            "verification": rows, "max_error": worst,
        }, indent=2))
        return 0
    print(f"activation  phi(x) = {sp.sstr(k.activation.expr)}")
    print(f"method      {k.method}")
    print("derivation")
    for i, step in enumerate(k.steps, 1):
        print(f"  {i:2d}. [{step.rule}] {step.text}")
    print(f"dual        E[phi(u) phi(v)] = {sp.sstr(k.expr)}")
    print(f"ntk factor  E[phi'(u) phi'(v)] = {sp.sstr(k.ntk_factor)}   ({k.ntk_check})")
    for note in k.notes:
        print(f"note        {note}")
    print(f"verification against an mpmath reference at {args.dps} digits "
          "(errors relative to sqrt(k(q1,q1,q1) k(q2,q2,q2))):")
    print(f"  {'q1':>8} {'q2':>8} {'c':>8}  {'k (float64)':>22} {'error':>9} {'quad err':>9}")
    for r in rows:
        print(f"  {r['q1']:8.3g} {r['q2']:8.3g} {r['c']:8.3g}  {r['value']:22.16g} "
              f"{r['error']:9.1e} {r['quadrature_error']:9.1e}")
    verdict = "verified" if worst < 1e-12 else "NOT verified"
    print(f"{verdict}: max error {worst:.1e} (tolerance 1e-12)")
    return 0 if worst < 1e-12 else 1


def main(argv=None):
    """Entry point of the ``ntksym`` console script; returns the exit status."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        return {"dual": _cmd_dual, "kernel": _cmd_kernel, "gram": _cmd_gram}[args.command](args)
    except _CliError as exc:
        print(f"ntksym: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, NotImplementedError, OSError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"ntksym: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ntksym: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
