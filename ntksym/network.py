r"""Fully connected networks: NNGP and NTK recursions, closed forms and Gram matrices.

The layout and conventions are neural-tangents': ``MLP(depth=L, ...)`` is
``serial(Dense, phi, Dense, phi, ..., Dense)`` with L activations and L + 1 dense layers, and the
first layer is normalised by the input dimension d. In the ``"ntk"`` parameterization

.. math::

    \Sigma^1(x, x') = w^2 \langle x, x' \rangle / d + b^2, \qquad \Theta^1 = \Sigma^1,

    \Sigma^{l+1} = w^2\, \mathbb{E}[\phi(u)\phi(v)] + b^2, \quad
    \dot\Sigma^{l+1} = w^2\, \mathbb{E}[\phi'(u)\phi'(v)], \quad
    \Theta^{l+1} = \Theta^l \dot\Sigma^{l+1} + \Sigma^{l+1},

with (u, v) ~ N(0, Sigma^l restricted to {x, x'}); the outputs are Sigma^{L+1} (NNGP) and
Theta^{L+1} (NTK). In the ``"standard"`` parameterization the NNGP is the same and the NTK
depends on the hidden width n: Theta^1 = <x, x'> + 1 and
Theta^{l+1} = n E[phi phi] + 1 + w^2 E[phi' phi'] Theta^l.

Examples
========

>>> import ntksym as nk
>>> net = nk.MLP(depth=1, activation="relu", W_std=1, b_std=0)
>>> net.kernel().nngp
-xy*atan2(sqrt(xx*yy - xy**2), xy)/(2*pi) + xy/2 + sqrt(xx*yy - xy**2)/(2*pi)
"""
from __future__ import annotations

import numbers
from collections import namedtuple
from dataclasses import dataclass

import sympy as sp

from ntksym.symbolic.activations import Activation
from ntksym.symbolic.registry import activation as _activation
from ntksym.symbolic.dual import dual
from ntksym.symbolic.gaussian import GaussianExpectation
from ntksym.core.printing import ntk_printer, repr_latex, text
from ntksym.core.limits import check_depth
from ntksym.core.recursion import affine, input_layer, ntk_step
from ntksym.core.symbols import c, q1, q2, xx, xy, yy

__all__ = ["MLP", "Kernel", "Gram", "Layer", "dag_size"]

class Kernel(namedtuple("Kernel", ["nngp", "ntk"])):
    """Output kernels of a network: NNGP Sigma^{L+1} and NTK Theta^{L+1}."""

    __slots__ = ()

    def _latex(self, printer=None):
        """The two output kernels as an ``align*`` (long closed forms broken and named)."""
        from ntksym.core.layout import Names, align, equation_rows, name_quantities

        p, exprs = _compact_expectations(printer, [self.nngp, self.ntk], None)
        names = Names()
        exprs, defs = name_quantities(p, exprs, names)
        items = [("text", r"With $xx = \|x\|^2/d$, $yy = \|x'\|^2/d$, "
                          r"$xy = \langle x, x'\rangle/d$:")]
        items += [("row", r) for r in defs]
        for lhs, e in zip((r"\Sigma(x,x')", r"\Theta(x,x')"), exprs):
            if e is not None:
                items += [("row", r) for r in equation_rows(p, lhs, e, names)]
        return align(items)

    _repr_latex_ = repr_latex


def _compact_expectations(printer, exprs, prev):
    """Expectations in a layer's expressions printed as a paper writes them: under the previous
    layer's covariance Lambda^l as E_{Lambda^l}[f(u) g(v)], on a diagonal as
    E_{u ~ N(0, q)}[f(u) g(u)]. Returns (printer, exprs) with the expectations as named symbols."""
    p0 = ntk_printer(printer)
    u, v = sp.Symbol("u", real=True), sp.Symbol("v", real=True)
    table, shown = {}, {}
    for e in exprs:
        if e is None:
            continue
        for ge in e.atoms(GaussianExpectation):
            if ge in table:
                continue
            f, g, a, b, cc = ge.args
            if prev is not None and (a, b, cc) == tuple(prev[:3]):
                sub = r"\Lambda^{%s}" % prev_index(prev)
                inner = p0.doprint(f(u) * g(v))
            elif a == b == cc:
                sub = r"u\sim\mathcal{N}(0,\, %s)" % p0.doprint(a)
                inner = p0.doprint(f(u) * g(u))
            else:
                continue
            d = sp.Dummy("E")
            table[ge] = d
            shown[d] = r"\mathbb{E}_{%s}\left[%s\right]" % (sub, inner)
    if not table:
        return p0, list(exprs)
    names = {**p0._settings.get("symbol_names", {}), **shown}
    return (ntk_printer(p0, symbol_names=names),
            [None if e is None else e.xreplace(table) for e in exprs])


def prev_index(prev):
    """The layer index l of the symbols Sigma{l}_xx, ... of a layer."""
    return int(str(prev[0].name)[len("Sigma"):].split("_")[0])

Gram = namedtuple("Gram", ["nngp", "ntk"])
Gram.__doc__ = """Gram matrices (numpy float64 arrays, or mpmath matrices with ``dps``)."""

_q = sp.Symbol("q", positive=True)


@dataclass(frozen=True)
class Layer:
    r"""One step of the recursion, written in the previous layer's kernel values.

    ``index`` is l (1 is the input layer). ``nngp`` is Sigma^l(x, x'), ``nngp_xx`` and
    ``nngp_yy`` the diagonals Sigma^l(x, x), Sigma^l(x', x'), ``nngp_dot`` is
    dot-Sigma^l(x, x') (None for l = 1) and ``ntk`` is Theta^l(x, x'). For l > 1 they are
    expressions in the symbols ``prev`` = (Sigma^{l-1}(x,x), Sigma^{l-1}(x',x'),
    Sigma^{l-1}(x,x'), Theta^{l-1}(x,x')); for l = 1 in :data:`ntksym.xx`, :data:`ntksym.yy`,
    :data:`ntksym.xy`.
    """

    index: int
    nngp: sp.Expr
    nngp_xx: sp.Expr
    nngp_yy: sp.Expr
    nngp_dot: sp.Expr | None
    ntk: sp.Expr
    prev: tuple | None

    def _items(self, printer=None):
        """The equations of this layer as ``align*`` items, in the previous layer's terms, with
        the quantities a paper names (theta_l, D_l, ...) and long lines broken."""
        from ntksym.core.layout import Names, equation_rows, name_quantities

        p = ntk_printer(printer)
        if self.prev is not None:
            names = _layer_names(self.index - 1)
            p = ntk_printer(p, symbol_names={**p._settings.get("symbol_names", {}),
                                             **dict(zip(self.prev, names))})
        exprs = [self.nngp, self.nngp_xx, self.nngp_yy, self.nngp_dot, self.ntk]
        p, exprs = _compact_expectations(p, exprs, self.prev)
        box = Names(sub=None if self.prev is None else self.index - 1)
        exprs, defs = name_quantities(p, exprs, box)
        nngp, nngp_xx, nngp_yy, dot, ntk = exprs
        l = self.index
        items = [("row", r) for r in defs]
        rows = [(r"\Sigma^{%d}(x,x')" % l, nngp), (r"\Sigma^{%d}(x,x)" % l, nngp_xx)]
        if dot is not None:
            rows.append((r"\dot\Sigma^{%d}(x,x')" % l, dot))
        if ntk is not None:
            rows.append((r"\Theta^{%d}(x,x')" % l, ntk))
        for lhs, e in rows:
            items += [("row", r) for r in equation_rows(p, lhs, e, box)]
        return items

    def _latex(self, printer=None):
        """The equations of this layer as an ``align*``, in the previous layer's terms."""
        from ntksym.core.layout import align

        return align(self._items(printer))

    _repr_latex_ = repr_latex


def _layer_names(l):
    return (r"\Sigma^{%d}(x,x)" % l, r"\Sigma^{%d}(x',x')" % l, r"\Sigma^{%d}(x,x')" % l,
            r"\Theta^{%d}(x,x')" % l)


def dag_size(expr):
    """Number of distinct subexpressions of ``expr`` (its size as a shared DAG, not as a tree).

    The closed forms of :meth:`MLP.kernel` reference each layer's kernel instead of copying it,
    so this grows linearly with depth even though the printed tree grows exponentially.
    """
    seen = set()
    stack = [expr]
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        stack.extend(e.args)
    return len(seen)


def _layer_symbols(l):
    """Sigma^l(x,x), Sigma^l(x',x'), Sigma^l(x,x'), Theta^l(x,x') as SymPy symbols."""
    return (sp.Symbol(f"Sigma{l}_xx", positive=True), sp.Symbol(f"Sigma{l}_yy", positive=True),
            sp.Symbol(f"Sigma{l}_xy", real=True), sp.Symbol(f"Theta{l}_xy", real=True))


def _check_scale(value, name):
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number or a SymPy expression, got bool")
    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr):
            raise TypeError(f"{name} must be a number or a SymPy expression, got {value!r}")
        if value.is_number:
            if not value.is_real or not value.is_finite or value.is_negative:
                raise ValueError(f"{name} must be a finite nonnegative real, got {value}")
            return value
        if value.is_negative:
            raise ValueError(f"{name} must be nonnegative, got {value}")
        return value
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number or a SymPy expression, got "
                        f"{type(value).__name__}")
    value = float(value) if not isinstance(value, numbers.Integral) else int(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be finite, got {value}")
    if value < 0:
        raise ValueError(f"{name} must be nonnegative, got {value}")
    return sp.Integer(value) if isinstance(value, int) else sp.Rational(repr(value))


class MLP:
    """A fully connected network, as in neural-tangents' ``stax.serial(Dense, phi, ..., Dense)``.

    Args:
        depth: number of activations L >= 1 (the network has L + 1 dense layers), at most
            :data:`ntksym.core.limits.MAX_DEPTH`.
        activation: an :class:`~ntksym.Activation`, a registry name, or an expression string.
        W_std: weight standard deviation w (a number >= 0 or a SymPy symbol/expression).
        b_std: bias standard deviation b (a number >= 0 or a SymPy symbol/expression).
        parameterization: ``"ntk"`` (default) or ``"standard"``.
        width: hidden width; required for ``"standard"``, where the NTK depends on it.

    Raises:
        TypeError, ValueError: for invalid arguments, with a message naming the problem.
    """

    def __init__(self, depth, activation, W_std=1.0, b_std=0.0, parameterization="ntk",
                 width=None):
        depth = check_depth(depth)
        if parameterization not in ("ntk", "standard"):
            raise ValueError(f"unknown parameterization {parameterization!r}; use 'ntk' or "
                             "'standard'")
        if width is not None:
            if isinstance(width, bool) or not isinstance(width, numbers.Integral):
                raise TypeError(f"width must be a positive integer, got {width!r}")
            if int(width) < 1:
                raise ValueError(f"width must be >= 1, got {width}")
            width = int(width)
        if parameterization == "standard" and width is None:
            raise ValueError("the 'standard' parameterization needs the hidden width "
                             "(width=...), because its NTK depends on it")
        self.depth = int(depth)
        self.activation = activation if isinstance(activation, Activation) else \
            _activation(activation)
        self.W_std = _check_scale(W_std, "W_std")
        self.b_std = _check_scale(b_std, "b_std")
        self.parameterization = parameterization
        self.width = width
        self.dual = dual(self.activation)

    def __repr__(self):
        extra = f", width={self.width}" if self.width is not None else ""
        return (f"MLP(depth={self.depth}, activation={self.activation.name!r}, "
                f"W_std={self.W_std}, b_std={self.b_std}, "
                f"parameterization={self.parameterization!r}{extra})")

    @property
    def is_symbolic(self):
        """True when W_std or b_std is a symbolic expression."""
        return not (self.W_std.is_number and self.b_std.is_number)

    # -- symbolic ----------------------------------------------------------------------------
    def _templates(self):
        """Dual and NTK factor at general and at equal arguments (the diagonal, simplified)."""
        if not hasattr(self, "_tpl"):
            k = self.dual
            kd = k.expr.xreplace({q1: _q, q2: _q, c: _q})
            kd = sp.simplify(kd) if not kd.has(GaussianExpectation) else kd
            self._tpl = (k.expr, kd, k.ntk_factor)
        return self._tpl

    def _step(self, s11, s22, s12, theta, evaluate=True):
        """One layer: (Sigma_xx, Sigma_yy, Sigma_xy, dot-Sigma_xy, Theta_xy) from the previous.

        With ``evaluate=False`` the expressions are built without SymPy's automatic evaluation,
        which would distribute numeric factors over sums (2*(a + b) -> 2*a + 2*b) and so copy
        every shared subexpression: the closed form would grow exponentially with depth.
        """
        k, kd, kdot = self._templates()
        w2, b2 = self.W_std**2, self.b_std**2
        with sp.evaluate(evaluate):
            return self._step_terms(k, kd, kdot, w2, b2, s11, s22, s12, theta)

    def _step_terms(self, k, kd, kdot, w2, b2, s11, s22, s12, theta):
        k12 = k.xreplace({q1: s11, q2: s22, c: s12})
        n11 = affine(kd.xreplace({_q: s11}), w2, b2)
        n22 = affine(kd.xreplace({_q: s22}), w2, b2)
        n12 = affine(k12, w2, b2)
        if kdot is None:
            return n11, n22, n12, None, None
        dot = affine(kdot.xreplace({q1: s11, q2: s22, c: s12}), w2, 0)
        t = ntk_step(theta, k12, n12, dot, self.parameterization == "standard", self.width)
        return n11, n22, n12, dot, t

    def _first(self):
        w2, b2 = self.W_std**2, self.b_std**2
        standard = self.parameterization == "standard"
        # xy = <x, x'>/d; Theta^1 = <x, x'> + 1 = d xy + 1 in the standard parameterization
        d = sp.Symbol("d", positive=True)
        s11 = input_layer(d * xx, w2, b2, d, False)[0]
        s22 = input_layer(d * yy, w2, b2, d, False)[0]
        s12, theta = input_layer(d * xy, w2, b2, d, standard)
        return s11, s22, s12, theta

    def recursion(self):
        """The layers l = 1..L+1 as :class:`Layer` objects (each in the previous layer's terms).

        Examples
        ========

        >>> import ntksym as nk
        >>> layers = nk.MLP(depth=1, activation="erf").recursion()
        >>> layers[0].nngp
        xy
        >>> layers[1].nngp_dot
        4/(pi*sqrt(4*Sigma1_xx*Sigma1_yy + 2*Sigma1_xx - 4*Sigma1_xy**2 + 2*Sigma1_yy + 1))
        """
        s11, s22, s12, theta = self._first()
        layers = [Layer(1, s12, s11, s22, None, theta, None)]
        for l in range(2, self.depth + 2):
            prev = _layer_symbols(l - 1)
            n11, n22, n12, dot, t = self._step(*prev)
            layers.append(Layer(l, n12, n11, n22, dot, t, prev))
        return layers

    def kernel(self):
        """The closed-form output kernels Kernel(nngp, ntk) in nk.xx, nk.yy, nk.xy.

        xx = |x|^2/d, yy = |x'|^2/d and xy = <x, x'>/d. In the standard parameterization the NTK
        also contains the input dimension as the symbol ``d``. The expressions share their
        subexpressions (each layer's kernel is built once and referenced, and the expressions are
        left unevaluated so that SymPy does not copy them), so their size as a DAG
        (:func:`dag_size`) grows linearly with depth; their printed form grows exponentially,
        so print deep networks through :meth:`recursion`. For activations without a closed
        form the result holds unevaluated GaussianExpectations.
        """
        if not hasattr(self, "_kernel"):
            s11, s22, s12, theta = self._first()
            for _ in range(self.depth):
                s11, s22, s12, _dot, theta = self._step(s11, s22, s12, theta, evaluate=False)
            self._kernel = Kernel(s12, theta)
        return self._kernel

    def _latex(self, printer=None):
        """The NNGP/NTK recursion, layer by layer, as an ``align*`` environment."""
        from ntksym.core.layout import align

        p = ntk_printer(printer)
        width = "" if self.width is None else ", width $%d$" % self.width
        items = [("text", r"Network: depth $L = %d$ (%d activations $%s$), $\sigma_w = %s$, "
                          r"$\sigma_b = %s$, %s parameterization%s. With $xx = \|x\|^2/d$, "
                          r"$yy = \|x'\|^2/d$, $xy = \langle x, x'\rangle/d$; from layer $l$ "
                          r"on, $\Lambda^l = \bigl[\begin{smallmatrix} \Sigma^l(x,x) & "
                          r"\Sigma^l(x,x') \\ \Sigma^l(x,x') & \Sigma^l(x',x')"
                          r"\end{smallmatrix}\bigr]$ and $(u, v) \sim \mathcal{N}(0, "
                          r"\Lambda^l)$."
                          % (self.depth, self.depth, p.doprint(self.activation),
                             p.doprint(self.W_std), p.doprint(self.b_std),
                             text(self.parameterization), width))]
        for layer in self.recursion():
            what = "Input layer:" if layer.prev is None else \
                "Layer %d from layer %d:" % (layer.index, layer.index - 1)
            items.append(("text", what))
            items += layer._items(p)
        return align(items)

    _repr_latex_ = repr_latex

    # -- numeric -----------------------------------------------------------------------------
    def gram(self, X1, X2=None, dps=None, out=None, chunks=None, device=None):
        """Gram(nngp, ntk) on the rows of X1 (and X2).

        Args:
            X1: array_like of shape (n1, d).
            X2: array_like of shape (n2, d), or None for X1 against itself (then the result is
                exactly symmetric).
            dps: None for float64 numpy arrays; an integer for mpmath matrices correct to about
                ``dps`` significant digits.
            out: float64 only: None, or a pair of preallocated C-contiguous float64 arrays of
                shape (n1, n2) to write the NNGP and the NTK into, e.g. memory-mapped files
                (``numpy.lib.format.open_memmap``) when they are too large for memory; the
                computation needs only O((n1 + n2) * depth) memory besides them.
            chunks: None, or a positive int N: the Gram matrices as lazy ``dask.array`` arrays
                of N x N blocks, one task per block for both outputs, computed on whatever dask
                scheduler is active (needs ``pip install "ntksym[dask]"``; see
                :mod:`ntksym.gram.distributed` and its ``write_gram``).
            device: None (CPU), or ``"cuda"``: the fused recursion on a CUDA GPU (float64;
                see :mod:`ntksym.gram.cuda`); raises RuntimeError when no GPU is available.
        """
        if device is not None and device != "cuda":
            raise ValueError(f"unknown device {device!r}; use None (CPU) or 'cuda'")
        if sum(o is not None for o in (dps, chunks, device)) > 1:
            raise ValueError("dps, chunks and device are alternatives: give at most one")
        if out is not None and (chunks is not None or device is not None):
            raise ValueError("out is for the in-memory CPU Gram; with chunks use "
                             "ntksym.gram.distributed.write_gram")
        if self.is_symbolic:
            raise ValueError("gram() needs numeric W_std and b_std; substitute values for the "
                             "symbols first (e.g. MLP(..., W_std=1.5))")
        if dps is not None:
            if out is not None:
                raise ValueError("out is for float64 results; leave it None with dps")
            from ntksym.gram.mp import gram_mp
            return Gram(*gram_mp(self, X1, X2, dps))
        if chunks is not None:
            from ntksym.gram.distributed import gram_dask
            return Gram(*gram_dask(self, X1, X2, chunks=chunks))
        if device is not None:
            from ntksym.gram.cuda import gram_cuda
            return Gram(*gram_cuda(self, X1, X2))
        from ntksym.gram.float64 import gram_float64
        return Gram(*gram_float64(self, X1, X2, out=out))
