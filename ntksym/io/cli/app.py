"""The ``ntksym`` parser, the registry of subcommands and the error handling.

Each subcommand ``NAME`` in :data:`SUBCOMMANDS` is a module ``ntksym.io.cli.NAME`` with

* ``HELP``: a one-line description (shown by ``ntksym --help``);
* ``add_arguments(parser)``: adds its arguments to an :class:`argparse.ArgumentParser`;
* ``run(args) -> int``: does the work and returns the exit status.

The modules import their heavy dependencies inside ``run``, so building the parser is cheap.
A module that is not installed (yet) is skipped: the command line still works without it.

Errors: bad input prints one line ``ntksym: error: ...`` on stderr and exits with status 2, with
no traceback. A closed pipe (``ntksym dual relu | head``) is silent, and Ctrl-C exits with 130.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

__all__ = ["SUBCOMMANDS", "CliError", "build_parser", "main", "load_subcommand"]

#: The subcommands, in the order ``ntksym --help`` lists them.
SUBCOMMANDS = ("dual", "kernel", "gram", "poly", "rank", "verify", "prove", "latex", "plot")

_DESCRIPTION = ("Symbolic NTK mathematics, derived and verified: dual kernels, NNGP/NTK "
                "recursions, Gram matrices, rank and positivity checks, LaTeX and proofs.")
_EPILOG = "Run 'ntksym COMMAND --help' for the options of a command."


class CliError(Exception):
    """A usage error: printed as ``ntksym: error: MESSAGE``, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise CliError(message)


def load_subcommand(name):
    """The module of subcommand ``name``, or None if it is not installed."""
    modname = f"ntksym.io.cli.{name}"
    try:
        return importlib.import_module(modname)
    except ModuleNotFoundError as exc:
        if exc.name == modname:
            return None
        raise


def _version():
    try:
        from importlib.metadata import version

        return version("ntksym")
    except Exception:  # not installed as a distribution: the package's own string
        import ntksym

        return getattr(ntksym, "__version__", "unknown")


class _Version(argparse.Action):
    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="print the version of ntksym and exit"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"ntksym {_version()}")
        parser.exit(0)


def build_parser():
    """The full parser, with every installed subcommand."""
    parser = _Parser(prog="ntksym", description=_DESCRIPTION, epilog=_EPILOG)
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=_Parser)
    for name in SUBCOMMANDS:
        module = load_subcommand(name)
        if module is None:
            continue
        p = sub.add_parser(name, help=module.HELP, description=module.HELP,
                           formatter_class=argparse.ArgumentDefaultsHelpFormatter
                           if getattr(module, "SHOW_DEFAULTS", False) else argparse.HelpFormatter)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def _message(exc):
    """One human line for an exception."""
    if isinstance(exc, FileNotFoundError):
        name = exc.filename if exc.filename is not None else str(exc)
        return f"no such file: {name}"
    if isinstance(exc, IsADirectoryError):
        return f"is a directory, not a file: {exc.filename}"
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename}"
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    first = text.splitlines()[0]
    return first


def _silence_broken_pipe():
    """After EPIPE: point stdout at /dev/null so that the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv=None):
    """Entry point of the ``ntksym`` console script; returns the exit status."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        status = args._run(args)
        sys.stdout.flush()
        return int(status or 0)
    except CliError as exc:
        print(f"ntksym: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        _silence_broken_pipe()
        return 0
    except KeyboardInterrupt:
        return 130
    except RecursionError:
        print("ntksym: error: the expression is too deeply nested", file=sys.stderr)
        return 2
    except (ValueError, TypeError, NotImplementedError, OSError, ArithmeticError,
            LookupError) as exc:
        print(f"ntksym: error: {_message(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
