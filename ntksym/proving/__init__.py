"""Proof-check scripts: the result of a proof, the runner, the report and the plots.

Modules, in import order:

- :mod:`ntksym.proving.result`: :class:`ProofResult`, :class:`RunSummary`, ``conclude``/``require``.
- :mod:`ntksym.proving.tools`: helpers proof files share (exact zero test, errors, point sets).
- :mod:`ntksym.proving.runner`: find, select and run proof files (the bundled ``ntksym.proofs``
  or a user's own).
- :mod:`ntksym.proving.plots`: the figures (dual kernels, convergence in width, ranks, lambda_min).
- :mod:`ntksym.proving.report`: the Markdown and LaTeX/PDF report with the plots.
"""
from ntksym.proving.result import ClaimFailed, ProofResult, RunSummary, conclude, require
from ntksym.proving.runner import ProofFile, discover, run_proofs, select

__all__ = ["ClaimFailed", "ProofResult", "RunSummary", "conclude", "require", "ProofFile",
           "discover", "run_proofs", "select"]
