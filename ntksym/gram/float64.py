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

Range. Every Gram computed here is checked for the limits of float64 (magnitudes between about
2.2e-308 and 1.8e308), cheaply: the squared parameters and norms of the inputs, and the diagonal
chains Sigma^l(x_i, x_i) of every layer (O(n L)) before the n1 x n2 entries are computed, and the
outputs for infinities and NaNs after. A kernel that overflows, or underflows to zero (a
parameter: to a subnormal), raises :class:`~ntksym.core.errors.FloatRangeError`, which names
the layer and points to ``dps=`` (the mpmath path, which handles any magnitude): no NaN, infinity or all-zero
matrix is ever returned silently.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ntksym.core.covariance import check_covariance  # noqa: F401  (re-exported)
from ntksym.core.errors import FloatRangeError
from ntksym.core.inputs import float_point_pair
from ntksym.gram import closed_form, mehler
from ntksym.gram.closed_form import recognise
from ntksym.gram.common import HAVE_NUMBA, Inputs, all_finite, mirror, output_buffers

__all__ = ["check_inputs", "gram_float64", "gram_block", "diagonal_chains", "Chains", "recognise",
           "HAVE_NUMBA", "check_range", "TINY"]

#: ``check_inputs(X1, X2=None)``: the inputs as float64 arrays (:func:`ntksym.core.inputs.float_point_pair`)
check_inputs = float_point_pair

BACKENDS = (None, "numba", "numpy", "generic")

#: the smallest positive normal float64; below it a kernel has lost digits (or is 0)
TINY = float(np.finfo(float).tiny)

_ADVICE = ("float64 cannot represent it; use the mpmath path, net.gram(X, dps=30), which handles "
           "any magnitude")


#: sqrt of the largest float64: products of two variances above it overflow
_ROOT_MAX = float(np.sqrt(np.finfo(float).max))


def _range_error(what, layer, kind):
    return FloatRangeError(f"{what} {kind}s float64 at layer {layer}: {_ADVICE}")


def _check_parameters(net):
    """W_std**2 and b_std**2 as floats, in float64's range (else FloatRangeError)."""
    out = []
    for name in ("W_std", "b_std"):
        v = abs(float(getattr(net, name)))
        sq = v * v
        if not np.isfinite(sq):
            raise _range_error(f"{name}**2 (= {float(getattr(net, name)):.3g}**2)", 1, "overflow")
        if v > 0 and sq < TINY:
            raise _range_error(f"{name}**2 (= {float(getattr(net, name)):.3g}**2)", 1, "underflow")
        out.append(sq)
    return out


def _check_inputs(X, nsq, w2, b2, name):
    """The squared norms of the inputs in range (layer 1 is w^2 |x|^2 / d + b^2).

    Without bias, a nonzero input whose w^2 |x|^2 / d is exactly 0 in float64 has lost its
    variance entirely (a subnormal value is kept: float64 underflows gradually there). With
    bias, such a term is far below the last digit of b^2 and changes nothing.
    """
    if not np.all(np.isfinite(nsq)) or np.any(w2 * nsq / X.shape[1] > np.finfo(float).max):
        raise _range_error(f"the squared norm of a row of {name} (times W_std**2 / d)", 1,
                           "overflow")
    if w2 > 0 and b2 == 0:
        small = (w2 * nsq / X.shape[1] == 0) & np.any(X != 0, axis=1)
        if np.any(small):
            i = int(np.argmax(small))
            raise _range_error(f"W_std**2 |x|^2 / d of row {i} of {name} (a nonzero input)", 1,
                               "underflow")


def check_range(Q, w2, name="X1"):
    """Check the diagonal chains ``Q[l, i]`` = Sigma^{l+1}(x_i, x_i) for the float64 range.

    A layer overflows if one of its values is infinite or NaN; it underflows if a value becomes
    exactly 0 while the layer before was positive (a variance that is exactly 0 because its
    input is 0, and stays 0, is not an underflow; subnormal values are kept, float64 underflows
    gradually there).

    Raises:
        FloatRangeError: naming the first layer that leaves the range.
    """
    if Q is None:
        return
    Q = np.asarray(Q)
    for l in range(Q.shape[0]):
        row = Q[l]
        if np.all(np.isnan(row)) and l > 0:           # not filled (the Mehler path, before run)
            return
        if not np.all(np.isfinite(row)):
            raise _range_error(f"the variance Sigma(x, x) of a row of {name}", l + 1,
                               "overflow")
        if l > 0 and w2 > 0:
            prev = Q[l - 1]
            if np.any((row == 0) & (prev > 0)):
                raise _range_error(f"the variance Sigma(x, x) of a row of {name}", l + 1,
                                   "underflow")


def _ntk_layer(net, inp, Q, i):
    """The first layer l + 1 at which Theta^{l+1}(x_i, x_i) is not finite (or None)."""
    with np.errstate(all="ignore"):
        q = Q[:, i:i + 1]
        th = (inp.n1sq[i:i + 1] + 1.0) if inp.standard else q[0].copy()
        for l in range(net.depth):
            qq = q[l]
            kd = inp.w2 * np.asarray(net.dual.ntk(qq, qq, qq), dtype=float)
            k = np.asarray(net.dual(qq, qq, qq), dtype=float)
            th = inp.width * k + 1.0 + kd * th if inp.standard else th * kd + q[l + 1]
            if not np.all(np.isfinite(th)):
                return l + 2
    return None


def _check_outputs(net, G, T, Q1, inp):
    """The outputs are finite; else FloatRangeError (naming the NTK's layer if possible).

    A degenerate NTK (step, sign: E[phi'(u)^2] is a Dirac delta's square) is infinite on the
    diagonal by definition, so only its NNGP is checked.
    """
    t_ok = net.dual.ntk_degenerate or all_finite(T)
    if all_finite(G) and t_ok:
        return
    if not all_finite(G):
        big = np.nonzero(np.any(np.asarray(Q1) > _ROOT_MAX, axis=1))[0] if Q1 is not None \
            else np.array([], dtype=int)
        where = (f"at layer {int(big[0]) + 1}, where a variance Sigma(x, x) exceeds "
                 f"{_ROOT_MAX:.3g} and the product q1 q2 of two variances overflows"
                 if big.size else "(an entry is infinite or NaN although the variances are in "
                 "range)")
        raise FloatRangeError(f"the NNGP Gram matrix overflows float64 {where}: {_ADVICE}")
    layer = None
    if inp.sym and Q1 is not None:
        bad = np.nonzero(~np.isfinite(np.diagonal(T)))[0]
        if bad.size:
            try:
                layer = _ntk_layer(net, inp, Q1, int(bad[0]))
            except Exception:                           # naming the layer is a courtesy
                layer = None
    where = f"at layer {layer}" if layer is not None else "at some layer"
    raise FloatRangeError(f"the NTK Theta overflows float64 {where} (it grows with depth "
                          f"faster than the NNGP): {_ADVICE}")


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
    w2, b2 = _check_parameters(net)
    with np.errstate(over="ignore", under="ignore"):
        inp = Inputs(net, X1, X2)
    _check_inputs(X1, inp.n1sq, w2, b2, "X1")
    if not inp.sym:
        _check_inputs(inp.X2, inp.n2sq, w2, b2, "X2")
    if chains is None or chains.Q1 is None:
        Q1, Q2 = _chains(kind, params, net, inp)
    else:
        Q1 = chains.Q1
        Q2 = Q1 if inp.sym else chains.Q2
        for name, Q, n in (("Q1", Q1, X1.shape[0]), ("Q2", Q2, inp.X2.shape[0])):
            if Q.shape != (net.depth + 1, n):
                raise ValueError(f"chains.{name} has shape {Q.shape}; expected "
                                 f"{(net.depth + 1, n)} for these points")

    check_range(Q1, w2, "X1")
    if not inp.sym:
        check_range(Q2, w2, "X2")

    # G holds <x, x'> and is overwritten in place by the NNGP: no extra n x n buffer
    G, T = output_buffers(out, X1.shape[0], inp.X2.shape[0])
    inp.inner_products(G)
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if kind == "mehler":
                mehler.run(net, G, T, Q1, Q2, inp, use_numba=use_numba)
            else:
                closed_form.run(kind, params, net, G, T, Q1, Q2, inp, use_numba)
    except (OverflowError, ZeroDivisionError, FloatingPointError) as exc:
        raise FloatRangeError(f"a kernel left the float64 range ({type(exc).__name__}: {exc}): "
                              f"{_ADVICE}") from exc
    if kind == "mehler":                                # chains filled during the run
        check_range(Q1, w2, "X1")
        if not inp.sym:
            check_range(Q2, w2, "X2")
    if inp.sym:
        mirror(G, use_numba)
        mirror(T, use_numba)
    _check_outputs(net, G, T, Q1, inp)            # after the mirror: the whole block is set
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
