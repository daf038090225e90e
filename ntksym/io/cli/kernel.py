"""``ntksym kernel ACTIVATION``: a network's NNGP/NTK recursion, derived and verified.

Prints the layer-by-layer recursion and compares the float64 Gram matrices with a
high-precision mpmath Gram on random inputs (one pair proportional).
"""
from __future__ import annotations

from ntksym.core.limits import check_dps
from ntksym.io.cli.common import add_network_arguments, add_output_arguments

HELP = "derive a network's NNGP/NTK recursion and verify its Gram matrices"
TOLERANCE = 1e-12


def add_arguments(parser):
    add_network_arguments(parser)
    add_output_arguments(parser)
    parser.add_argument("--dps", type=int, default=None,
                        help="digits of the mpmath reference Gram (5 to 1000; default 30 for an "
                             "activation with a closed-form dual; one without is checked against "
                             "a Gram by direct 2-D quadrature at every layer unless --dps is "
                             "given, because its mpmath Gram takes minutes)")
    parser.add_argument("--points", type=int, default=5,
                        help="number of random test points (default 5; 1 to 50)")
    parser.add_argument("--dim", type=int, default=4,
                        help="input dimension of the test points (default 4)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the test points (default 0)")


def quadrature_gram(net, X):
    """A reference (nngp, ntk) Gram of X: the layer recursion with every dual value taken from
    float64 2-D quadrature (:func:`ntksym.backends.quadrature.expect2`), independent of the
    Mehler series that ``net.gram`` uses for activations without a closed-form dual."""
    import numpy as np

    from ntksym.backends import numeric, quadrature
    from ntksym.core.recursion import input_layer, layer_update

    w2, b2 = float(net.W_std) ** 2, float(net.b_std) ** 2
    standard = net.parameterization == "standard"
    S, T = input_layer(X @ X.T, w2, b2, X.shape[1], standard)
    S = np.array(S, dtype=float)
    T = np.array(T, dtype=float) if standard else S.copy()
    fns = []
    for act in (net.activation, net.activation.derivative()):
        fns.append((numeric.activation_function(act), tuple(act.breakpoints)))
    for _ in range(net.depth):
        q = np.diag(S).copy()
        Q1, Q2 = np.broadcast_arrays(q[:, None], q[None, :])
        r = np.sqrt(Q1 * Q2)
        C = np.clip(S, -r, r)
        (f, bf), (df, bd) = fns
        K = quadrature.expect2(f, f, Q1, Q2, C, breaks_f=bf, breaks_g=bf)
        Kd = quadrature.expect2(df, df, Q1, Q2, C, breaks_f=bd, breaks_g=bd)
        S, T = layer_update(T, K, Kd, w2, b2, standard, net.width)
    return S, T


def _errors(net, X, dps):
    import numpy as np

    g = net.gram(X)
    if dps is None:
        refs = quadrature_gram(net, X)
    else:
        ref = net.gram(X, dps=dps)
        refs = [np.array(getattr(ref, name).tolist(), dtype=float) for name in ("nngp", "ntk")]
    errors = {}
    for name, R in zip(("nngp", "ntk"), refs):
        errors[name] = float(np.max(np.abs(getattr(g, name) - R)) / np.max(np.abs(R)))
    return errors


def run(args):
    import numpy as np
    import sympy as sp

    from ntksym.io.cli.common import network_from_args, print_json, progress
    from ntksym.io.latex import latex, latex_document

    if not 1 <= args.points <= 50 or not 1 <= args.dim <= 1000:
        raise ValueError("--points must be in [1, 50] and --dim in [1, 1000]")
    if args.dps is not None:
        check_dps(args.dps, "--dps")          # the same limits as the API
    with progress("deriving the network's kernel") as bar:
        net = network_from_args(args)
        numeric_dual = net.dual.method == "numeric"
        dps = args.dps if args.dps is not None or numeric_dual else 30
        what = f"{dps}-digit mpmath Gram" if dps is not None else "2-D quadrature Gram"
        if args.latex or args.document:
            text = latex(net) if args.latex else latex_document(net)
        else:
            layers = net.recursion()
            errors = None
            if not net.is_symbolic:
                bar.update(f"verifying the Gram on {args.points} points against a {what}")
                rng = np.random.default_rng(args.seed)
                X = rng.standard_normal((args.points, args.dim))
                if args.points > 1:
                    X[-1] = X[0] * 2.0                     # a proportional pair
                errors = _errors(net, X, dps)
    if args.latex or args.document:
        print(text)
        return 0
    worst = None if errors is None else max(errors.values())
    ok = worst is None or worst < TOLERANCE
    if args.json:
        print_json({"network": repr(net), "dual_method": net.dual.method,
                    "dual": str(net.dual.expr), "ntk_factor": str(net.dual.ntk_factor),
                    "layers": [{"index": l.index, "nngp": str(l.nngp),
                                "nngp_dot": None if l.nngp_dot is None else str(l.nngp_dot),
                                "ntk": None if l.ntk is None else str(l.ntk)} for l in layers],
                    "errors": errors, "tolerance": TOLERANCE, "dps": dps,
                    "reference": "mpmath" if dps is not None else "quadrature",
                    "verified": None if errors is None else ok})
        return 0 if ok else 1
    print(f"network     {net!r}")
    print(f"dual        E[phi(u) phi(v)] = {sp.sstr(net.dual.expr)}   (method: {net.dual.method})")
    print(f"ntk factor  E[phi'(u) phi'(v)] = {sp.sstr(net.dual.ntk_factor)}")
    print("recursion   (xx = |x|^2/d, yy = |x'|^2/d, xy = <x,x'>/d)")
    for layer in layers:
        print(f"  Sigma{layer.index}(x,x') = {sp.sstr(layer.nngp)}")
        if layer.nngp_dot is not None:
            print(f"  dSigma{layer.index}(x,x') = {sp.sstr(layer.nngp_dot)}")
        if layer.ntk is not None:
            print(f"  Theta{layer.index}(x,x') = {sp.sstr(layer.ntk)}")
    if errors is None:
        print("verification: skipped (W_std or b_std is symbolic; give numbers to verify)")
        return 0
    print(f"verification on {args.points} random points in R^{args.dim} (seed {args.seed}, "
          f"one pair proportional): float64 Gram vs {what}")
    for name, err in errors.items():
        print(f"  {name:5s} max relative error {err:.1e}")
    verdict = "verified" if ok else "NOT verified"
    print(f"{verdict}: max error {worst:.1e} (tolerance {TOLERANCE:.0e})")
    return 0 if ok else 1
