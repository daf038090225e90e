r"""float64 Gram matrices of a network's NNGP and NTK: the entry point of the Gram engine.

Every entry (i, j) of the Gram matrices runs its own recursion through the layers, which depends
only on its own previous values and on the diagonals Sigma^l(x_i, x_i); the diagonals are computed
once as chains. The recursion is fused over all layers per entry (numba) or per tile of entries
(numpy), only the upper triangle is computed when ``X2`` is None and it is then mirrored, so the
result is exactly symmetric, and the peak memory is the two outputs plus O(n * tile).

The flow goes down, once: :func:`gram_float64` converts the inputs (:mod:`ntksym.core.inputs`),
prepares the points and the first layer (:mod:`ntksym.gram.common`), picks a path from the
structure of the activation, and hands the work to it:

* :mod:`ntksym.gram.closed_form` for activations with a closed-form dual (``abrelu``, ``erf``
  and ``generic``; compiled kernels in :mod:`ntksym.gram.compiled.closed_form`);
* :mod:`ntksym.gram.mehler` for activations without one (``net.dual.method == "numeric"``:
  tanh, sigmoid, softplus, SiLU, ELU, callables with a derivative), by Mehler's series with
  Hermite tables from :mod:`ntksym.gram.mehler_tables` (compiled layer in
  :mod:`ntksym.gram.compiled.mehler`).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ntksym.core.covariance import check_covariance  # noqa: F401  (re-exported)
from ntksym.core.inputs import float_point_pair
from ntksym.gram import closed_form, mehler
from ntksym.gram.closed_form import recognise
from ntksym.gram.common import HAVE_NUMBA, Inputs, mirror, output_buffers

__all__ = ["check_inputs", "gram_float64", "gram_block", "diagonal_chains", "Chains", "recognise",
           "HAVE_NUMBA"]

#: ``check_inputs(X1, X2=None)``: the inputs as float64 arrays (:func:`ntksym.core.inputs.float_point_pair`)
check_inputs = float_point_pair

BACKENDS = (None, "numba", "numpy", "generic")


def path(net, backend=None):
    """``(kind, params)``: the path that :func:`gram_float64` takes for ``net``."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of None, 'numba', 'numpy', "
                         f"'generic'")
    kind, params = recognise(net.activation)
    if backend == "generic":
        return "generic", None
    if kind == "generic" and mehler.applies(net):
        return "mehler", None
    return kind, params


class Chains(NamedTuple):
    """The path of a Gram computation and the diagonal chains of its points.

    ``Q1[l, i]`` = Sigma^{l+1}(x_i, x_i) for the rows of X1 (and ``Q2`` for X2; ``Q2 is Q1`` when
    X2 is None). For the Mehler path the chains are filled layer by layer with the Hermite
    tables of the points at hand, so ``Q1`` and ``Q2`` are None there (every block computes its
    own).
    """

    kind: str
    params: object
    Q1: object
    Q2: object

    def block(self, rows, cols=None):
        """The chains of the points ``rows`` of X1 and ``cols`` of X2 (slices), as contiguous
        copies; ``cols`` None for a diagonal block of a symmetric Gram."""
        if self.Q1 is None:
            return self
        Q1 = np.ascontiguousarray(self.Q1[:, rows])
        Q2 = Q1 if cols is None else np.ascontiguousarray(self.Q2[:, cols])
        return Chains(self.kind, self.params, Q1, Q2)


def _chains(kind, params, net, inp):
    q1, q2 = inp.first_variances()
    if kind == "mehler":
        Q1 = mehler.chain(net, q1)
        Q2 = Q1 if inp.sym else mehler.chain(net, q2)
    else:
        Q1 = closed_form.chain(kind, params, net, q1, inp.w2, inp.b2)
        Q2 = Q1 if inp.sym else closed_form.chain(kind, params, net, q2, inp.w2, inp.b2)
    return Q1, Q2


def diagonal_chains(net, X1, X2=None, backend=None):
    """:class:`Chains` of ``net`` on the rows of X1 (and X2): computed once, O((n1 + n2) L),
    and shared by the blocks of a blockwise Gram (:func:`gram_block`)."""
    X1, X2 = float_point_pair(X1, X2)
    kind, params = path(net, backend)
    if kind == "mehler":
        return Chains(kind, params, None, None)
    return Chains(kind, params, *_chains(kind, params, net, Inputs(net, X1, X2)))


def gram_block(net, X1, X2=None, chains=None, backend=None, out=None):
    """(nngp, ntk) of ``net`` on X1 x X2 given the chains of exactly these points.

    The building block of :func:`gram_float64` (which calls it on all points) and of the
    blockwise Gram of :mod:`ntksym.gram.distributed` (which calls it on a block of rows and a
    block of columns, with ``diagonal_chains(...).block(rows, cols)``). Every entry only depends
    on its own pair of points and on their chains, so a block equals the same entries of the
    whole Gram bit for bit. ``X2`` None: a symmetric block (X1 against itself; the upper
    triangle is computed and mirrored). ``chains`` None: computed here.
    """
    X1, X2 = float_point_pair(X1, X2)
    if chains is None:
        kind, params = path(net, backend)
    else:
        kind, params = chains.kind, chains.params
    if backend == "numba" and not (HAVE_NUMBA and kind != "generic"):
        raise ValueError("the numba backend needs numba and a fast-path activation")
    use_numba = backend != "numpy"
    inp = Inputs(net, X1, X2)
    if chains is None or chains.Q1 is None:
        Q1, Q2 = _chains(kind, params, net, inp)
    else:
        Q1 = chains.Q1
        Q2 = Q1 if inp.sym else chains.Q2
        for name, Q, n in (("Q1", Q1, X1.shape[0]), ("Q2", Q2, inp.X2.shape[0])):
            if Q.shape != (net.depth + 1, n):
                raise ValueError(f"chains.{name} has shape {Q.shape}; expected "
                                 f"{(net.depth + 1, n)} for these points")

    # G holds <x, x'> and is overwritten in place by the NNGP: no extra n x n buffer
    G, T = output_buffers(out, X1.shape[0], inp.X2.shape[0])
    inp.inner_products(G)
    if kind == "mehler":
        mehler.run(net, G, T, Q1, Q2, inp, use_numba=use_numba)
    else:
        closed_form.run(kind, params, net, G, T, Q1, Q2, inp, use_numba)
    if inp.sym:
        mirror(G, use_numba)
        mirror(T, use_numba)
    return G, T


def gram_float64(net, X1, X2=None, backend=None, out=None):
    """(nngp, ntk) float64 Gram matrices of ``net`` on X1 x X2 (X2 None: X1 x X1, symmetric).

    ``out`` is None or a pair of preallocated, writeable, C-contiguous float64 arrays of shape
    (n1, n2) that receive the results (for instance ``numpy.lib.format.open_memmap`` files when
    the two n x n matrices do not fit in memory: the computation itself needs only O(n * L)
    besides them, since every entry is computed in place, block of rows by block of rows).

    ``backend`` is None (numba when installed, else numpy), ``"numba"`` or ``"numpy"`` for the
    structural fast paths, or ``"generic"`` to force the generic path (the dual's own float64
    functions) for any activation; the generic path always runs on numpy.
    """
    return gram_block(net, X1, X2, backend=backend, out=out)
