"""The ``ntksym`` command line: one module per subcommand.

``main(argv=None)`` is the console script's entry point (``ntksym = "ntksym.io.cli:main"``).
The parser, the error handling and the registry of subcommands live in
:mod:`ntksym.io.cli.app`; each subcommand ``NAME`` is the module ``ntksym.io.cli.NAME`` and
defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``. Helpers shared
by subcommands (parameters, networks, input files, JSON) are public in
:mod:`ntksym.io.cli.common`.
"""
from ntksym.io.cli.app import SUBCOMMANDS, build_parser, main

__all__ = ["main", "build_parser", "SUBCOMMANDS"]
