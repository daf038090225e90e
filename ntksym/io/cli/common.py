"""Helpers shared by the ``ntksym`` subcommands: parameters, networks, input files, output.

Everything here is public so that any subcommand module (including ``prove`` and ``plot``) may
use it. Nothing heavy is imported at module level.
"""
from __future__ import annotations

import argparse
import ast
import errno
import io
import os
import json
import re
import sys

__all__ = [
    "param", "scale", "add_activation_arguments", "add_network_arguments", "add_output_arguments",
    "activation_from_args", "network_from_args", "load_array", "print_json", "to_jsonable",
    "progress",
]

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def param(text):
    """``NAME=VALUE`` with VALUE an int, a float, or a comma-separated list of numbers."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    name, value = (s.strip() for s in text.split("=", 1))

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
    return name, (values if "," in value or name == "coeffs" else values[0])


def scale(text):
    """A weight or bias standard deviation: a number, or a SymPy expression such as ``w`` or
    ``sqrt(2)*sigma`` (parsed with the safe whitelist parser; never evaluated as Python).

    A name becomes a positive SymPy symbol of that name.
    """
    import sympy as sp

    from ntksym.symbolic.parsing import ALLOWED_CONSTANTS, ALLOWED_FUNCTIONS, parse_activation

    text = text.strip()
    if _NUMBER.match(text):
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
        return int(text) if re.match(r"^[+-]?\d+$", text) else value
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise argparse.ArgumentTypeError(f"not a number or an expression: {text!r}") from None
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
             and n.id not in ALLOWED_FUNCTIONS and n.id not in ALLOWED_CONSTANTS}
    try:
        expr = parse_activation(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).splitlines()[0]) from None
    if len(names) == 1:
        from ntksym.core.symbols import x

        expr = expr.xreplace({x: sp.Symbol(names.pop(), positive=True)})
    return expr


def add_activation_arguments(parser):
    parser.add_argument("activation",
                        help="a registry name (relu, erf, tanh, ...; see docs/guide.md) or an "
                             "expression in one variable, e.g. 'x**3 - 2*x + 1/2'")
    parser.add_argument("--param", "-p", action="append", type=param, default=[],
                        metavar="NAME=VALUE",
                        help="a parameter of a registry activation, e.g. -p alpha=0.1 "
                             "(repeatable; lists as -p coeffs=1,0,2)")


def add_network_arguments(parser, depth=3):
    """The activation and the MLP's arguments, with the library's defaults (nk.MLP)."""
    add_activation_arguments(parser)
    parser.add_argument("--depth", "-L", type=int, default=depth,
                        help=f"number of activations L (default {depth})")
    parser.add_argument("--W-std", type=scale, default=1.0, metavar="W",
                        help="weight standard deviation: a number or a symbol such as 'w' "
                             "(default 1.0)")
    parser.add_argument("--b-std", type=scale, default=0.0, metavar="B",
                        help="bias standard deviation: a number or a symbol such as 'b' "
                             "(default 0.0)")
    parser.add_argument("--parameterization", default="ntk", choices=("ntk", "standard"),
                        help="'ntk' (default) or neural-tangents' 'standard' (needs --width)")
    parser.add_argument("--width", type=int, default=None,
                        help="hidden width, needed by the standard parameterization")


def add_output_arguments(parser, latex=True, json_=True, document=True):
    out = parser.add_mutually_exclusive_group()
    if latex:
        out.add_argument("--latex", action="store_true", help="print LaTeX (an align* block)")
    if document:
        out.add_argument("--document", action="store_true",
                         help="print a complete LaTeX document (compiles with pdflatex)")
    if json_:
        out.add_argument("--json", action="store_true", help="print a JSON record")
    return out


def activation_from_args(args):
    from ntksym.symbolic.registry import activation

    return activation(args.activation, **dict(args.param))


def network_from_args(args):
    from ntksym.network import MLP

    return MLP(args.depth, activation_from_args(args), W_std=args.W_std, b_std=args.b_std,
               parameterization=args.parameterization, width=args.width)


def load_array(path, stdin=None):
    """A 2-D float array from a .npy or .csv/.txt file, or from stdin when ``path`` is ``-``
    (either format: .npy is recognised by its magic bytes)."""
    import numpy as np

    if path == "-":
        data = (stdin if stdin is not None else sys.stdin.buffer).read()
        if not data:
            raise ValueError("no data on stdin (expected a .npy or .csv array)")
        if data.startswith(b"\x93NUMPY"):
            X = np.load(io.BytesIO(data), allow_pickle=False)
        else:
            text = data.decode("utf-8", errors="replace")
            X = np.loadtxt(io.StringIO(text), delimiter="," if "," in text else None, ndmin=2)
        source = "stdin"
    elif not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
    elif os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    elif path.endswith(".npy"):
        X = np.load(path, allow_pickle=False)
        source = path
    elif path.endswith((".csv", ".txt")):
        X = np.loadtxt(path, delimiter="," if path.endswith(".csv") else None, ndmin=2)
        source = path
    else:
        raise ValueError(f"input {path!r} must be a .npy or .csv file (or '-' for stdin)")
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"{source}: expected a 2-D array (points x dimensions), got shape "
                         f"{X.shape}")
    return X


def to_jsonable(obj):
    """Numbers, arrays, SymPy and mpmath objects as plain JSON values."""
    import numpy as np

    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if obj == obj and abs(obj) != float("inf") else str(obj)
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if hasattr(obj, "tolist") and hasattr(obj, "rows"):          # mpmath matrix
        return [[to_jsonable(float(v)) for v in row] for row in obj.tolist()]
    try:
        import sympy as sp

        if isinstance(obj, sp.Basic):
            return float(obj) if obj.is_number and obj.is_real else str(obj)
    except ImportError:  # pragma: no cover
        pass
    return str(obj)


def print_json(record):
    print(json.dumps(to_jsonable(record), indent=2))


class _NoProgress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, description):
        pass


class _RichProgress:
    """A transient rich spinner on stderr, shown only once the work has run for ``delay`` s."""

    def __init__(self, description, delay):
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                  TimeElapsedColumn(), console=Console(stderr=True),
                                  transient=True)
        self._task = self._progress.add_task(description, start=True)
        self._delay = delay
        self._timer = None

    def __enter__(self):
        import threading

        self._timer = threading.Timer(self._delay, self._progress.start)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()
        self._progress.stop()
        return False

    def update(self, description):
        self._progress.update(self._task, description=description)


def progress(description, delay=1.0):
    """A context manager showing a spinner on stderr if it is a terminal and the work takes
    longer than ``delay`` seconds; ``.update(text)`` changes the text. Silent otherwise."""
    if not sys.stderr.isatty():
        return _NoProgress()
    try:
        return _RichProgress(description, delay)
    except ImportError:  # pragma: no cover
        return _NoProgress()
