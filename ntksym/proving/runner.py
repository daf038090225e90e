r"""The proof runner: find proof files, select them, run each one, and time it.

A proof file is a Python module whose docstring states one claim (its first paragraph) and its
source (a line ``Source: ...``), and which defines ``prove()``. ``prove()`` returns a
:class:`~ntksym.proving.result.ProofResult` (usually from
:func:`~ntksym.proving.result.conclude`) and raises when the claim fails. The bundled proofs are
the package ``ntksym.proofs`` (the directory ``proofs/`` of the repository); a user's own files
run through the same :func:`run_proofs`.

Any exception raised by ``prove()`` is a failure of that proof, recorded with its message; it
never stops the run.
"""
from __future__ import annotations

import ast
import importlib.util
import pathlib
import sys
import time
import traceback
from dataclasses import dataclass

from ntksym.proving.result import ClaimFailed, ProofResult, RunSummary

__all__ = ["ProofFile", "bundled_dir", "discover", "select", "run_proof", "run_proofs",
           "read_docstring"]


@dataclass(frozen=True)
class ProofFile:
    """A proof file found on disk: its name (the file's stem), path, claim and source."""

    name: str
    path: pathlib.Path
    claim: str
    source: str


def bundled_dir():
    """The directory of the bundled proofs: the installed package ``ntksym.proofs``, or, in a
    source checkout that is not installed with it, ``proofs/`` next to the ``ntksym`` package."""
    spec = importlib.util.find_spec("ntksym.proofs")
    if spec is not None and spec.submodule_search_locations:
        return pathlib.Path(list(spec.submodule_search_locations)[0])
    import ntksym

    here = pathlib.Path(ntksym.__file__).resolve().parent
    for candidate in (here / "proofs", here.parent / "proofs"):
        if (candidate / "__init__.py").is_file():
            return candidate
    raise FileNotFoundError("the bundled proofs (ntksym.proofs) are not installed")


def read_docstring(path):
    """(claim, source) from a proof file's module docstring, read without importing it: the claim
    is the first paragraph, the source the text after ``Source:``."""
    path = pathlib.Path(path)
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"), str(path))) or ""
    except SyntaxError as exc:
        return f"(syntax error: {exc.msg}, line {exc.lineno})", ""
    paragraphs = [p.strip() for p in doc.split("\n\n") if p.strip()]
    claim = " ".join(paragraphs[0].split()) if paragraphs else ""
    source = ""
    for par in paragraphs[1:]:
        if par.lower().startswith("source:"):
            source = " ".join(par.split(":", 1)[1].split())
            break
    return claim, source


def _proof_file(path):
    claim, source = read_docstring(path)
    return ProofFile(path.stem, path, claim, source)


def discover(paths=None):
    """Proof files: those of the given files and directories (a directory contributes its
    ``*.py`` files not starting with ``_``), or the bundled proofs when ``paths`` is empty.

    Raises:
        FileNotFoundError: a path does not exist.
        ValueError: a file is not a ``.py`` file, or a directory holds no proofs.
    """
    paths = [bundled_dir()] if not paths else [pathlib.Path(p) for p in paths]
    found = []
    for p in paths:
        if p.is_dir():
            files = sorted(f for f in p.glob("*.py") if not f.name.startswith("_"))
            if not files:
                raise ValueError(f"no proof files (*.py) in directory {str(p)!r}")
            found.extend(_proof_file(f) for f in files)
        elif p.is_file():
            if p.suffix != ".py":
                raise ValueError(f"a proof file is a Python module (.py), got {str(p)!r}")
            found.append(_proof_file(p))
        else:
            raise FileNotFoundError(2, "No such file or directory", str(p))
    return found


def select(proofs, pattern=None):
    """The proofs whose name or claim contains ``pattern`` (case-insensitive). Several
    patterns may be given separated by commas (any of them matches); a pattern starting with
    ``not `` excludes."""
    if not pattern:
        return list(proofs)
    include, exclude = [], []
    for part in (s.strip().lower() for s in pattern.split(",")):
        if part.startswith("not "):
            exclude.append(part[4:].strip())
        elif part:
            include.append(part)

    def hay(p):
        return f"{p.name} {p.claim}".lower()

    return [p for p in proofs
            if (not include or any(s in hay(p) for s in include))
            and not any(s in hay(p) for s in exclude)]


def _load(proof):
    name = f"ntksym_proof_{proof.name}"
    spec = importlib.util.spec_from_file_location(name, proof.path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {proof.path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _where(exc, path):
    """file:line of the innermost traceback frame in the proof file itself (else the last)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    own = [f for f in frames if pathlib.Path(f.filename).resolve() == path.resolve()]
    f = (own or frames)[-1]
    return f" ({pathlib.Path(f.filename).name}:{f.lineno})"


def run_proof(proof):
    """Run one proof file and return its :class:`ProofResult` (a failed one if it raised)."""
    t0 = time.perf_counter()
    base = ProofResult(claim=proof.claim, method="", name=proof.name, source=proof.source)
    try:
        module = _load(proof)
        fn = getattr(module, "prove", None)
        if not callable(fn):
            raise TypeError(f"{proof.path.name} defines no function prove()")
        result = fn()
        if not isinstance(result, ProofResult):
            raise TypeError(f"prove() must return a ProofResult (from ntksym.proving.conclude), "
                            f"got {type(result).__name__}")
    except Exception as exc:  # a failed proof never stops the run
        claim_failed = isinstance(exc, ClaimFailed)
        kind = "" if claim_failed else f"{type(exc).__name__}: "
        return base.with_(passed=False, method=(claim_failed and exc.method) or "(raised)",
                          error=exc.error if claim_failed else None,
                          tolerance=exc.tolerance if claim_failed else None,
                          message=f"{kind}{exc}{_where(exc, proof.path)}",
                          time=time.perf_counter() - t0)
    return result.with_(name=proof.name, claim=result.claim or proof.claim,
                        source=result.source or proof.source, passed=True,
                        time=time.perf_counter() - t0)


def run_proofs(proofs, on_start=None, on_result=None):
    """Run the proofs in order; ``on_start(proof, index)`` and ``on_result(result, index)`` are
    called around each one (for progress displays). Returns a :class:`RunSummary`."""
    t0 = time.perf_counter()
    results = []
    for i, proof in enumerate(proofs):
        if on_start is not None:
            on_start(proof, i)
        r = run_proof(proof)
        results.append(r)
        if on_result is not None:
            on_result(r, i)
    return RunSummary(tuple(results), time.perf_counter() - t0)
