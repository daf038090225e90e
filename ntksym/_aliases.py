"""Old flat module paths (``ntksym.quadrature``, ``ntksym.rank``, ...) kept importable.

Before the package was laid out in subpackages by layer, every module sat directly in ``ntksym/``.
Code and notebooks written against those paths keep working: ``import ntksym.quadrature`` returns
the module :mod:`ntksym.backends.quadrature` itself (not a copy), imported only when asked for.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

#: old path -> module that now holds it
MOVED = {
    "ntksym.symbols": "ntksym.core.symbols",
    "ntksym.errors": "ntksym.core.errors",
    "ntksym.parsing": "ntksym.symbolic.parsing",
    "ntksym.activations": "ntksym.symbolic.activations",
    "ntksym.hermite": "ntksym.symbolic.hermite",
    "ntksym.gaussian": "ntksym.symbolic.gaussian",
    "ntksym.dual": "ntksym.symbolic.dual",
    "ntksym.numeric": "ntksym.backends.numeric",
    "ntksym.quadrature": "ntksym.backends.quadrature",
    "ntksym.intervals": "ntksym.backends.intervals",
    "ntksym.gram_mp": "ntksym.gram.mp",
    "ntksym.mehler": "ntksym.gram.mehler",
    "ntksym.gram_numba": "ntksym.gram.compiled.closed_form",
    "ntksym.mehler_numba": "ntksym.gram.compiled.mehler",
    "ntksym.polynomial": "ntksym.theory.polynomial",
    "ntksym.rank": "ntksym.theory.rank",
    "ntksym.certify": "ntksym.theory.certify",
    "ntksym.latex": "ntksym.io.latex",
    "ntksym.cli": "ntksym.io.cli",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old path and hands back the module at its new path."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module):
        pass


def resolve(fullname):
    """The module that an old path ``fullname`` now names, imported; None if it never moved."""
    target = MOVED.get(fullname)
    return None if target is None else importlib.import_module(target)


def install():
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.append(_Alias())
