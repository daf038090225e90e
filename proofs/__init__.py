"""The bundled proofs of ntksym: one claim of NTK theory per module, checked by ``prove()``.

Installed as ``ntksym.proofs`` and run by ``ntksym prove`` (see :mod:`ntksym.proving`). Each
module's docstring states its claim (first paragraph) and its source (``Source:``); ``prove()``
returns a :class:`~ntksym.proving.ProofResult` and raises when the claim fails. ``data/`` holds
the reference values of neural-tangents 0.6.5.
"""
