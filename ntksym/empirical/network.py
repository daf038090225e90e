r"""Finite-width networks: the empirical NTK, Monte Carlo NNGP estimates and the forward pass.

The infinite-width kernels of :class:`~ntksym.MLP` are claims about a limit. This module draws the
finite networks whose limit they are, with the same layout and parameterization as
neural-tangents' ``stax.serial(Dense(W_std, b_std), phi, ..., Dense(W_std, b_std))``: ``net.depth``
activations, every hidden layer of width ``width``, and one output.

``"ntk"`` parameterization (weights and biases N(0, 1), scaled in the forward pass)

.. math::

    h^1 = \frac{w}{\sqrt d} x W^1 + b\, b^1, \qquad
    h^{l+1} = \frac{w}{\sqrt n} \phi(h^l) W^{l+1} + b\, b^{l+1}, \qquad f = h^{L+1};

``"standard"`` parameterization: W^l ~ N(0, w^2/fan_in), b^l ~ N(0, b^2), h^{l+1} = phi(h^l) W + b,
with gradients taken with respect to these raw parameters. Both draw the same standard normals
in the same order, so for one seed they compute the same function; only the NTK differs.

The empirical NTK is computed layer by layer, never materialising the Jacobian. With
A_k = phi(h^k) (A_0 = x) and B_k = df/dh^k (one row per input),

.. math::

    \Theta(x, x') = \sum_{k=0}^{L} \big(B_{k+1} B_{k+1}^\top\big) \odot
        \big(\alpha_k A_k A_k^\top + \beta\big),

with alpha_k = w^2/fan_in, beta = b^2 ("ntk") or alpha_k = beta = 1 ("standard"), and
B_{L+1} = 1. The cost is O(n^2 W L + n W^2 L). The forward pass keeps the pre-activations h^k
(for ReLU the activations; phi and phi' are recomputed from them), and the backward pass adds
each layer's term into Theta in place as soon as B_{k+1} is known, so the memory is
O(L n W + n^2): Theta and two n x n work matrices, whatever the depth (the Jacobian,
n x (number of parameters), never exists). Row blocks (``block_size``) trade recomputation for
memory, down to O(n W + n^2) at any depth; see :meth:`EmpiricalNetwork.ntk_memory` for the
exact bound. The result is float64 and exact for the drawn weights.

The NNGP of one finite network is estimated by averaging over a fresh read-out layer, i.e. by the
exact conditional expectation E[f(x) f(x') | hidden layers] = alpha_L A_L A_L^T + b^2, which is
unbiased for the finite-width NNGP and has a much smaller variance than f(x) f(x').
Independent networks (``draws > 1``) give a mean and a standard error.

Examples
========

>>> import numpy as np
>>> import ntksym as nk
>>> from ntksym.empirical import empirical_ntk
>>> net = nk.MLP(depth=2, activation="relu", W_std=1.5, b_std=0.1)
>>> X = np.random.default_rng(1).standard_normal((4, 3))
>>> K = empirical_ntk(net, X, width=256, seed=0)
>>> K.shape, bool(np.all(K == K.T))
((4, 4), True)
"""
from __future__ import annotations

import numpy as np

from ntksym.core.inputs import float_point_pair
from ntksym.empirical import workspace
from ntksym.empirical.activation import activation_functions, relu_slope
from ntksym.empirical.checks import (check_block_size, check_int, check_net, check_seed,
                                     check_width)
from ntksym.empirical.workspace import product

__all__ = ["EmpiricalNetwork"]


class EmpiricalNetwork:
    """A finite-width numpy MLP with the layout and parameterization of an :class:`~ntksym.MLP`.

    Create it with :func:`empirical_network`. The weights are drawn from
    ``numpy.random.default_rng(seed)`` (layer by layer: W then b, standard normals), when the
    input dimension is known: at construction if ``input_dim`` is given, else at the first call.

    Attributes:
        net: the :class:`~ntksym.MLP` it realises.
        width: the hidden width.
        seed: the seed (None when drawn from a given generator).
        input_dim: the input dimension d (None until the weights are drawn).
        params: list of ``(W, b)``, one per dense layer; ``W`` has shape (fan_in, fan_out) and
            ``b`` shape (fan_out,). In the "ntk" parameterization they are the standard normals
            (the scales W_std/sqrt(fan_in) and b_std are applied in the forward pass); in
            "standard" they are the actual weights. The arrays may be changed (e.g. trained) in
            place, or the list replaced by one of the same shapes.
    """

    def __init__(self, net, width, seed=None, input_dim=None, *, rng=None):
        check_net(net)
        self.net = net
        self.width = check_width(width)
        self.seed = None if seed is None else check_seed(seed)
        self._rng = rng if rng is not None else np.random.default_rng(self.seed)
        self._params = None
        self.input_dim = None
        if input_dim is not None:
            self._draw(check_int(input_dim, "input_dim", 1, "the number of input features"))

    def __repr__(self):
        return (f"EmpiricalNetwork({self.net!r}, width={self.width}, seed={self.seed}, "
                f"input_dim={self.input_dim})")

    # -- parameters ------------------------------------------------------------------------
    def _shapes(self, d):
        dims = [d] + [self.width] * self.net.depth + [1]
        return [(dims[k], dims[k + 1]) for k in range(len(dims) - 1)]

    def _draw(self, d):
        w, b = float(self.net.W_std), float(self.net.b_std)
        standard = self.net.parameterization == "standard"
        params = []
        for fan_in, fan_out in self._shapes(d):
            W = self._rng.standard_normal((fan_in, fan_out))
            bias = self._rng.standard_normal(fan_out)
            if standard:
                W *= w / np.sqrt(fan_in)
                bias *= b
            params.append((W, bias))
        self._params = params
        self.input_dim = d

    def _bind(self, d):
        if self._params is None:
            self._draw(d)
        elif d != self.input_dim:
            raise ValueError(f"this network was drawn for inputs of dimension {self.input_dim}, "
                             f"got inputs with {d} columns; draw another one with "
                             f"empirical_network(net, width, seed, input_dim={d})")

    @property
    def params(self):
        if self._params is None:
            raise ValueError("the weights are drawn once the input dimension is known: pass "
                             "input_dim= to empirical_network, or call .apply(X) first")
        return self._params

    @params.setter
    def params(self, new):
        new = [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in new]
        d = new[0][0].shape[0] if new and np.ndim(new[0][0]) == 2 else None
        want = self._shapes(d) if d else None
        got = [(W.shape, b.shape) for W, b in new]
        if want is None or got != [(s, (s[1],)) for s in want]:
            raise ValueError(f"params must be a list of (W, b) with shapes "
                             f"{[(s, (s[1],)) for s in self._shapes(d or 1)]} (d = input "
                             f"dimension), got {got}")
        self._params = new
        self.input_dim = d

    def _scales(self):
        """(alpha_k, beta, sw_k, sb): NTK metric factors and forward scales of dense layer k."""
        cached = getattr(self, "_scales_of", None)
        if cached is not None and cached[0] == self.input_dim:
            return cached[1]
        w, b = float(self.net.W_std), float(self.net.b_std)
        fan_ins = [s[0] for s in self._shapes(self.input_dim)]
        if self.net.parameterization == "standard":
            scales = [1.0] * len(fan_ins), 1.0, [1.0] * len(fan_ins), 1.0
        else:
            scales = [w * w / f for f in fan_ins], b * b, [w / np.sqrt(f) for f in fan_ins], b
        self._scales_of = (self.input_dim, scales)
        return scales

    def forward_scales(self):
        """``(sw, sb)``: dense layer k computes ``h = sw[k] * (A @ W) + sb * b``.

        "ntk": sw[k] = W_std / sqrt(fan_in of layer k) and sb = b_std (the parameters are
        standard normals); "standard": sw[k] = sb = 1 (the parameters are the weights). For code
        that differentiates the network by hand (:func:`ntksym.empirical.train.train`). Needs
        the weights drawn (the input dimension known).
        """
        self.params  # noqa: B018 -- raises the explanatory error when not drawn yet
        _, _, sw, sb = self._scales()
        return list(sw), sb

    # -- forward ----------------------------------------------------------------------------
    def _inputs(self, X1, X2=None):
        X1, X2 = float_point_pair(X1, X2)
        self._bind(X1.shape[1])
        return X1, X2

    def apply(self, X):
        """The network's outputs f(x) on the rows of X, shape (n, 1) (as neural-tangents)."""
        X, _ = self._inputs(X)
        phi, _ = activation_functions(self.net, False)
        _, _, sw, sb = self._scales()
        A = X
        for k, (W, b) in enumerate(self.params):
            h = A @ W
            h *= sw[k]
            h += sb * b
            A = phi(h) if k < len(self.params) - 1 else h
        return A

    def nngp(self, X1, X2=None):
        """E[f(x) f(x')] over a fresh read-out layer, the hidden layers fixed: alpha A A^T + b^2.

        The mean of this over networks of width n is the NNGP of width n, and it tends to the
        infinite-width NNGP as n grows.
        """
        X1, X2 = self._inputs(X1, X2)
        phi, _ = activation_functions(self.net, False)
        _, _, sw, sb = self._scales()
        A = X1 if X2 is None else np.vstack([X1, X2])
        for k, (W, b) in enumerate(self.params[:-1]):
            h = A @ W
            h *= sw[k]
            h += sb * b
            A = phi(h)
        K = product(A) if X2 is None else product(A[:X1.shape[0]], A[X1.shape[0]:])
        # the read-out weights have variance W_std^2 / width in both parameterizations
        K *= float(self.net.W_std) ** 2 / self.width
        K += float(self.net.b_std) ** 2
        return K

    def ntk(self, X1, X2=None, *, block_size=None):
        """The empirical NTK sum_p df(x)/dtheta_p df(x')/dtheta_p, float64, shape (n1, n2).

        Computed layer by layer without the Jacobian (see the module docstring), accumulating
        Theta in place during the backward pass; exactly symmetric when X2 is None.

        Args:
            X1, X2: inputs of shape (n1, d) and (n2, d); X2 None means X1 against itself.
            block_size: rows of X1 and X2 per block. Blocks of rows are processed pairwise, so
                the state of the forward/backward pass is that of two blocks, not of all rows,
                at the price of recomputing each block's forward/backward pass once per block
                it is paired with. None (default) is automatic: no blocks while the state of
                all rows fits in :data:`~ntksym.empirical.workspace.NTK_MEMORY_BUDGET` bytes,
                else the largest blocks whose state does. See :meth:`ntk_memory` for the memory it takes.

        Raises:
            ValueError: for activations whose derivative is a Dirac delta (step, sign), and for
                block_size < 1.
            TypeError: for a block_size that is not an integer.
        """
        X1, X2 = self._inputs(X1, X2)
        activation_functions(self.net, True)  # fail early on step and sign
        n1 = X1.shape[0]
        n2 = None if X2 is None else X2.shape[0]
        b = self._block_size(n1, n2, block_size)
        K = np.empty((n1, n1 if X2 is None else n2))
        if X2 is None and b >= n1:
            sizes = (n1, None)
        else:
            sizes = (min(b, n1), min(b, n1 if X2 is None else n2))
        work = workspace.take_workspace(self._work_size(*sizes))
        try:
            for i in range(0, n1, b):
                if X2 is not None:
                    for j in range(0, n2, b):
                        self._accumulate(K[i:i + b, j:j + b], X1[i:i + b], X2[j:j + b], work)
                    continue
                self._accumulate(K[i:i + b, i:i + b], X1[i:i + b], None, work)
                for j in range(i + b, n1, b):
                    upper = K[i:i + b, j:j + b]
                    self._accumulate(upper, X1[i:i + b], X1[j:j + b], work)
                    K[j:j + b, i:i + b] = upper.T
        finally:
            workspace.return_workspace(work)
        return K

    def ntk_memory(self, n1, n2=None, block_size=None):
        """An upper bound, in bytes, on the memory that :meth:`ntk` allocates at its peak.

        With L hidden layers of width W, inputs of dimension d, and m1 = min(b, n1),
        m2 = min(b, n2) the rows of a block (b = ``block_size``, automatic if None), it is

            8 [n1 n2 + 2 m1 m2 + (L + c) r W + (n1 + n2) d + 2 W] + 16 B + 16384

        (with X2 None: n2 = n1 and the d-term counted once): the result, two work matrices for
        the Gram products of a block pair, the forward/backward state of r = m1 + m2 rows
        (r = n1 when X2 is None and there is one block), the float64 copies of the inputs,
        and transients: two vectors of width W, NumPy's ufunc buffers (B =
        ``numpy.getbufsize()`` elements; 64 KiB for each of two) and Python objects (16 KiB
        allow ample room for them). The state of one row is a float64 vector of width W per
        hidden layer (the pre-activations; for ReLU the activations, from which phi' is read
        off) plus c more: c = 1.125 for ReLU (a second vector for the backward pass and a
        boolean mask; phi is applied in place), and c = 2.125 + t for other activations, whose
        phi(h) and phi'(h) are new arrays with t further temporaries (t = 1 for tanh, erf,
        sin, |x| and cubics; counted as t = 2 here). The weights, which the network holds, are
        not counted.

        The depth enters through (L + c) r W: with one block the memory is O(L n W + n^2),
        because the backward pass needs every layer's pre-activations, and keeping them is
        what avoids recomputing the forward pass. A depth-independent O(n W + n^2) needs
        recomputation: ``block_size`` = n / (2 (L + c)) brings the state down to 8 n W bytes,
        at the price of recomputing each block's forward/backward pass for every block it is
        paired with (the forward and backward matrix products then cost about n / b times
        theirs without blocks; the Gram products cost the same).

        The work memory (state and work matrices) is one buffer, which is kept for the next
        call when it is at most :data:`~ntksym.empirical.workspace.WORKSPACE_CACHE` bytes (fresh
        memory costs page faults; about 10-15% of the time at width 512 and n = 256). This
        bound is for a call that finds no such buffer; the memory held between calls is at most
        that constant.
        """
        L, W = self.net.depth, self.width
        d = self.params[0][0].shape[0]
        n1 = check_int(n1, "n1", 1, "the number of rows of X1")
        sym = n2 is None
        n2 = n1 if sym else check_int(n2, "n2", 1, "the number of rows of X2")
        block = self._block_size(n1, None if sym else n2, block_size)
        m1, m2 = min(block, n1), min(block, n2)
        rows = n1 if sym and block >= n1 else m1 + m2
        inputs = n1 if sym else n1 + n2
        return int(8 * (n1 * n2 + 2 * m1 * m2 + self._state_per_row() * rows * W
                        + inputs * d + 2 * W) + 16 * np.getbufsize() + 16384)

    def _state_per_row(self):
        """L + c: float64 vectors of width W per input row held by the forward/backward pass."""
        return self.net.depth + (1.125 if relu_slope(self.net.activation) else 4.125)

    def _block_size(self, n1, n2, block_size):
        """The rows per block: checked if given, else automatic (see :meth:`ntk`)."""
        if block_size is not None:
            return check_block_size(block_size)
        row = 8 * self._state_per_row() * self.width
        rows = n1 if n2 is None else n1 + n2
        if rows * row <= workspace.NTK_MEMORY_BUDGET:
            return max(n1, n2 or 0)
        return max(1, int(workspace.NTK_MEMORY_BUDGET // (2 * row)))

    def _slots_size(self, m):
        """float64 elements of one pass's buffers: L + 1 of m x W, and an m x W boolean mask."""
        size = m * self.width
        return (self.net.depth + 1) * size + -(-size // 8)

    def _work_size(self, m1, m2=None):
        """float64 elements of the work buffer for a block pair of m1 and m2 rows (m2 None:
        one block against itself)."""
        two = 0 if m2 is None else self._slots_size(m2)
        return self._slots_size(m1) + two + 2 * m1 * (m1 if m2 is None else m2)

    def _accumulate(self, K, X1, X2, work):
        """K[...] = Theta(X1, X2) (X2 None: X1 against itself), in place.

        One forward/backward pass per side, in lockstep down the layers: the Gram products of
        layer k are formed as soon as B_{k+1} is known, and added into K, so only two work
        matrices of K's shape exist. ``work`` (float64, at least :meth:`_work_size` elements)
        holds all the buffers; its contents do not matter.
        """
        alphas, beta = self._scales()[:2]
        m1, m2 = K.shape
        end = self._slots_size(m1)
        one = self._factors(X1, work[:end])
        two = None
        if X2 is not None:
            two = self._factors(X2, work[end:end + self._slots_size(m2)])
            end += self._slots_size(m2)
        GA = work[end:end + m1 * m2].reshape(m1, m2)
        GB = work[end + m1 * m2:end + 2 * m1 * m2].reshape(m1, m2)
        for k, A1, B1 in one:
            A2 = B2 = None
            if two is not None:
                _, A2, B2 = next(two)
            if B1 is None:  # the read-out layer: alpha_L A_L A_L^T + beta
                product(A1, A2, out=K)
                K *= alphas[k]
                if beta:
                    K += beta
            else:           # (B_{k+1} B_{k+1}^T) * (alpha_k A_k A_k^T + beta)
                product(A1, A2, out=GA)
                product(B1, B2, out=GB)
                GA *= alphas[k]
                if beta:
                    GA += beta
                GA *= GB
                K += GA
            del A1, B1, A2, B2  # phi's arrays can be freed

    def _factors(self, X, work):
        """Yield (k, A_k, B_{k+1}) for k = L, L-1, ..., 0 on the rows of X.

        A_k = phi(h^k) (A_0 = X) and B_{k+1} = df/dh^{k+1} (None for k = L: the read-out).
        The forward pass keeps h^1..h^L in L buffers of ``work`` (for ReLU the activations
        A_k, from which phi' is read off); the backward pass computes B_k in the buffer of
        B_{k+2}, so each array must be used before the next is asked for.
        """
        phi, dphi = activation_functions(self.net, True)
        relu = relu_slope(self.net.activation)
        _, _, sw, sb = self._scales()
        params = self.params
        L = len(params) - 1
        m, size = X.shape[0], X.shape[0] * self.width
        slots = [work[i * size:(i + 1) * size].reshape(m, self.width) for i in range(L + 1)]
        mask = work[(L + 1) * size:].view(np.bool_)[:size].reshape(m, self.width)
        A = X
        for k in range(L):
            W, b = params[k]
            h = np.matmul(A, W, out=slots[k])
            h *= sw[k]
            if sb:
                h += sb * b
            if relu is None:
                A = None  # free A_{k-1} before phi allocates A_k
                A = phi(h)
            else:         # phi in place: h becomes A_k
                np.maximum(h, 0.0, out=h)
                if relu != 1.0:
                    h *= relu
                A = h
        del h
        yield L, A, None
        A = None
        v = sw[L] * (relu or 1.0) * params[L][0][:, 0]   # df/dA_L (ReLU: times phi' > 0)
        B, spare = slots[L - 1], slots[L]
        if relu is None:    # B_L = v phi'(h^L), over h^L
            D = dphi(B)
            np.multiply(D, v, out=B)
            del D
        else:               # B_L = v relu [A_L > 0], over A_L
            np.greater(B, 0.0, out=mask)
            np.multiply(mask, v, out=B)
        for k in range(L - 1, -1, -1):
            A = X if k == 0 else slots[k - 1] if relu is not None else phi(slots[k - 1])
            yield k, A, B
            if k == 0:
                return
            A = None
            B, spare = np.matmul(B, params[k][0].T, out=spare), B
            if relu is None:
                B *= sw[k]
                D = dphi(slots[k - 1])
                B *= D
                del D
            else:
                np.greater(slots[k - 1], 0.0, out=mask)
                B *= mask
                B *= relu * sw[k]
