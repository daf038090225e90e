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

import numbers
import threading
from collections import namedtuple
from functools import lru_cache

import numpy as np

from ntksym.gram.float64 import check_inputs

__all__ = ["EmpiricalNetwork", "Estimate", "empirical_network", "empirical_ntk",
           "empirical_nngp"]

DEFAULT_WIDTH = 1024

Estimate = namedtuple("Estimate", ["mean", "stderr", "draws"])
Estimate.__doc__ = """Monte Carlo estimate over ``draws`` independent networks: the mean kernel and
its standard error (the sample standard deviation over sqrt(draws)), both float64 arrays."""


# --------------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------------

def _check_net(net):
    from ntksym.network import MLP

    if not isinstance(net, MLP):
        raise TypeError(f"net must be an ntksym MLP (nk.MLP(depth=..., activation=...)), got "
                        f"{type(net).__name__}")
    if net.is_symbolic:
        raise ValueError("a finite network needs numeric W_std and b_std; substitute values for "
                         "the symbols first (e.g. MLP(..., W_std=1.5))")


def _check_int(value, name, minimum, hint):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} "
                        f"({type(value).__name__}); {hint}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}; {hint}")
    return value


def _check_width(width, net=None):
    if width is None:
        width = net.width if net is not None and net.width is not None else DEFAULT_WIDTH
    return _check_int(width, "width", 1, "give the hidden width as a positive integer, "
                      "e.g. width=1024")


def _check_seed(seed):
    return _check_int(seed, "seed", 0, "seeds of numpy.random.default_rng are nonnegative "
                      "integers, e.g. seed=0")


def _check_block_size(block_size):
    return _check_int(block_size, "block_size", 1, "block_size is the number of input rows "
                      "processed together, or None for automatic")


def _check_draws(draws):
    return _check_int(draws, "draws", 1, "draws is the number of independent networks, "
                      "e.g. draws=8")


def _functions(net, need_derivative):
    """(phi, phi') as float64 numpy functions (phi' None unless ``need_derivative``)."""
    return _activation_functions(net.activation, need_derivative)


@lru_cache(maxsize=64)
def _activation_functions(act, need_derivative):
    from ntksym.backends.numeric import activation_function

    fast = _piecewise_linear(act)
    phi = fast[0] if fast else activation_function(act)
    if not need_derivative:
        return phi, None
    if act.has_dirac or (act.is_symbolic and act.derivative().has_dirac):
        raise ValueError(
            f"the empirical NTK of {act.name!r} is undefined: its derivative contains a Dirac "
            "delta (a jump in phi), so the gradients are zero almost everywhere and infinite at "
            "the jump; use empirical_nngp for its NNGP, or a smooth activation")
    return phi, fast[1] if fast else activation_function(act.derivative())


def _pl_coefficients(act):
    """(c, a, b) when phi = c + a min(x, 0) + b max(x, 0) (continuous, piecewise linear), else None.

    Recognised from the activation's piecewise-polynomial structure, not its name.
    """
    pwp = act.piecewise_polynomial if act.is_symbolic else None
    if pwp is None or pwp.degree > 1:
        return None
    minus = tuple(pwp.minus) + (0,) * (2 - len(pwp.minus))
    plus = tuple(pwp.plus) + (0,) * (2 - len(pwp.plus))
    if not (minus[0] == plus[0] == pwp.at_zero):
        return None
    return float(minus[0]), float(minus[1]), float(plus[1])


def _piecewise_linear(act):
    """Fast (phi, phi') for continuous c + a min(x, 0) + b max(x, 0) (ReLU, leaky ReLU, |x|).

    phi'(0) is the left slope a, the convention H(0) = 0 of :meth:`~ntksym.Activation.derivative`.
    """
    coefficients = _pl_coefficients(act)
    if coefficients is None:
        return None
    c0, a, b = coefficients

    def phi(t):
        out = np.maximum(t, 0.0)
        if b != 1.0:
            out *= b
        if a != 0.0:
            out += a * np.minimum(t, 0.0)
        if c0 != 0.0:
            out += c0
        return out

    def dphi(t):
        if a == 0.0:
            out = np.greater(t, 0.0).astype(float)
            return out if b == 1.0 else out * b
        return np.where(t > 0.0, b, a)

    return phi, dphi


@lru_cache(maxsize=64)
def _relu_slope(act):
    """b when phi(x) = b max(x, 0) with b > 0 (ReLU), else None.

    Then phi can be applied in place, phi(h) > 0 exactly when h > 0 (b h > 0 for every normal
    h > 0), so phi'(h) = b [phi(h) > 0] and the backward pass needs phi(h) only, not h.
    """
    coefficients = _pl_coefficients(act)
    if coefficients is None or coefficients[:2] != (0.0, 0.0) or not coefficients[2] > 0:
        return None
    return coefficients[2]


# --------------------------------------------------------------------------------------------
# the network
# --------------------------------------------------------------------------------------------

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
        _check_net(net)
        self.net = net
        self.width = _check_width(width)
        self.seed = None if seed is None else _check_seed(seed)
        self._rng = rng if rng is not None else np.random.default_rng(self.seed)
        self._params = None
        self.input_dim = None
        if input_dim is not None:
            self._draw(_check_int(input_dim, "input_dim", 1, "the number of input features"))

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

    # -- forward ----------------------------------------------------------------------------
    def _inputs(self, X1, X2=None):
        X1, X2 = check_inputs(X1, X2)
        self._bind(X1.shape[1])
        return X1, X2

    def apply(self, X):
        """The network's outputs f(x) on the rows of X, shape (n, 1) (as neural-tangents)."""
        X, _ = self._inputs(X)
        phi, _ = _functions(self.net, False)
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
        phi, _ = _functions(self.net, False)
        _, _, sw, sb = self._scales()
        A = X1 if X2 is None else np.vstack([X1, X2])
        for k, (W, b) in enumerate(self.params[:-1]):
            h = A @ W
            h *= sw[k]
            h += sb * b
            A = phi(h)
        K = _product(A) if X2 is None else _product(A[:X1.shape[0]], A[X1.shape[0]:])
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
                all rows fits in :data:`NTK_MEMORY_BUDGET` bytes, else the largest blocks whose
                state does. See :meth:`ntk_memory` for the memory it takes.

        Raises:
            ValueError: for activations whose derivative is a Dirac delta (step, sign), and for
                block_size < 1.
            TypeError: for a block_size that is not an integer.
        """
        X1, X2 = self._inputs(X1, X2)
        _functions(self.net, True)  # fail early on step and sign
        n1 = X1.shape[0]
        n2 = None if X2 is None else X2.shape[0]
        b = self._block_size(n1, n2, block_size)
        K = np.empty((n1, n1 if X2 is None else n2))
        if X2 is None and b >= n1:
            sizes = (n1, None)
        else:
            sizes = (min(b, n1), min(b, n1 if X2 is None else n2))
        work = _take_workspace(self._work_size(*sizes))
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
            _return_workspace(work)
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
        call when it is at most :data:`WORKSPACE_CACHE` bytes (fresh memory costs page faults;
        about 10-15% of the time at width 512 and n = 256). This bound is for a call that
        finds no such buffer; the memory held between calls is at most that constant.
        """
        L, W = self.net.depth, self.width
        d = self.params[0][0].shape[0]
        n1 = _check_int(n1, "n1", 1, "the number of rows of X1")
        sym = n2 is None
        n2 = n1 if sym else _check_int(n2, "n2", 1, "the number of rows of X2")
        block = self._block_size(n1, None if sym else n2, block_size)
        m1, m2 = min(block, n1), min(block, n2)
        rows = n1 if sym and block >= n1 else m1 + m2
        inputs = n1 if sym else n1 + n2
        return int(8 * (n1 * n2 + 2 * m1 * m2 + self._state_per_row() * rows * W
                        + inputs * d + 2 * W) + 16 * np.getbufsize() + 16384)

    def _state_per_row(self):
        """L + c: float64 vectors of width W per input row held by the forward/backward pass."""
        return self.net.depth + (1.125 if _relu_slope(self.net.activation) else 4.125)

    def _block_size(self, n1, n2, block_size):
        """The rows per block: checked if given, else automatic (see :meth:`ntk`)."""
        if block_size is not None:
            return _check_block_size(block_size)
        row = 8 * self._state_per_row() * self.width
        rows = n1 if n2 is None else n1 + n2
        if rows * row <= NTK_MEMORY_BUDGET:
            return max(n1, n2 or 0)
        return max(1, int(NTK_MEMORY_BUDGET // (2 * row)))

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
                _product(A1, A2, out=K)
                K *= alphas[k]
                if beta:
                    K += beta
            else:           # (B_{k+1} B_{k+1}^T) * (alpha_k A_k A_k^T + beta)
                _product(A1, A2, out=GA)
                _product(B1, B2, out=GB)
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
        phi, dphi = _functions(self.net, True)
        relu = _relu_slope(self.net.activation)
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


NTK_MEMORY_BUDGET = 2 ** 30
"""Bytes that the forward/backward state of :meth:`EmpiricalNetwork.ntk` may take before the
automatic ``block_size`` splits the rows into blocks (the n1 x n2 result comes on top)."""


WORKSPACE_CACHE = 32 * 2 ** 20
"""Bytes of work buffer that :meth:`EmpiricalNetwork.ntk` keeps between calls (0: none)."""

_workspace = []
_workspace_lock = threading.Lock()


def _take_workspace(size):
    """A float64 work buffer of at least ``size`` elements: the kept one if big enough."""
    with _workspace_lock:
        kept = _workspace.pop() if _workspace else None
    if kept is not None and kept.size >= size:
        return kept
    del kept  # free it before allocating the larger one
    return np.empty(size)


def _return_workspace(work):
    """Keep ``work`` for the next call if it is within WORKSPACE_CACHE (and no other is kept)."""
    if work.nbytes <= WORKSPACE_CACHE:
        with _workspace_lock:
            if not _workspace:
                _workspace.append(work)


def _product(A1, A2=None, out=None):
    """A1 A2^T into ``out``; A1 A1^T, exactly symmetric, when A2 is None.

    NumPy computes ``A @ A.T`` with BLAS syrk (half the flops of gemm) and mirrors the
    triangle. (SciPy's BLAS is not used: it may be a second OpenBLAS whose threads then contend
    with NumPy's.)
    """
    if A2 is not None:
        return np.matmul(A1, A2.T, out=out)
    out = np.matmul(A1, A1.T, out=out)
    if not _matmul_is_symmetric():  # a BLAS without the syrk path
        _mirror_upper(out)
    return out


@lru_cache(maxsize=None)
def _matmul_is_symmetric():
    """Whether this NumPy computes A @ A.T exactly symmetric (its syrk path); checked once."""
    A = np.random.default_rng(0).standard_normal((67, 131))
    G = A @ A.T
    return bool(np.array_equal(G, G.T))


def _mirror_upper(G):
    iu = np.triu_indices(len(G), 1)
    G[(iu[1], iu[0])] = G[iu]


# --------------------------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------------------------

def empirical_network(net, width=None, seed=0, input_dim=None):
    """The finite-width network of ``net``: a seeded numpy MLP with ``.apply(X)`` and ``.params``.

    Args:
        net: an :class:`~ntksym.MLP` with numeric W_std and b_std.
        width: hidden width (default ``net.width`` if set, else 1024).
        seed: nonnegative integer seed of ``numpy.random.default_rng``.
        input_dim: input dimension d; if None the weights are drawn at the first call.

    Returns:
        EmpiricalNetwork

    Examples
    ========

    >>> import numpy as np
    >>> import ntksym as nk
    >>> from ntksym.empirical import empirical_network
    >>> f = empirical_network(nk.MLP(depth=1, activation="erf"), width=8, seed=0, input_dim=2)
    >>> [W.shape for W, b in f.params]
    [(2, 8), (8, 1)]
    >>> f.apply(np.ones((3, 2))).shape
    (3, 1)
    """
    _check_net(net)
    return EmpiricalNetwork(net, _check_width(width, net), _check_seed(seed), input_dim)


def _monte_carlo(net, X1, X2, width, draws, seed, which, **options):
    _check_net(net)
    width = _check_width(width, net)
    seed = _check_seed(seed)
    draws = _check_draws(draws)
    X1, X2 = check_inputs(X1, X2)
    _functions(net, which == "ntk")  # fail early on step/sign
    if options.get("block_size") is not None:
        _check_block_size(options["block_size"])
    if draws == 1:
        return getattr(EmpiricalNetwork(net, width, seed), which)(X1, X2, **options)
    children = np.random.SeedSequence(seed).spawn(draws)
    total = total2 = None
    for child in children:
        f = EmpiricalNetwork(net, width, rng=np.random.default_rng(child))
        K = getattr(f, which)(X1, X2, **options)
        if total is None:
            total, total2 = K.copy(), K * K
        else:
            total += K
            total2 += K * K
        del K
    mean = total / draws
    var = np.maximum(total2 / draws - mean * mean, 0.0) * (draws / (draws - 1))
    return Estimate(mean, np.sqrt(var / draws), draws)


def empirical_ntk(net, X1, X2=None, width=None, seed=0, draws=1, block_size=None):
    """The NTK of a finite-width network with the layout and parameterization of ``net``.

    Exact (float64) for the drawn weights: computed layer by layer, without the Jacobian.

    Args:
        net: an :class:`~ntksym.MLP` with numeric W_std and b_std.
        X1: array of shape (n1, d); X2: array of shape (n2, d) or None (X1 against itself, then
            the result is exactly symmetric).
        width: hidden width (default ``net.width`` if set, else 1024). For the "standard"
            parameterization compare with ``MLP(..., parameterization="standard", width=width)``.
        seed: nonnegative integer seed.
        draws: number of independent networks. With ``draws=1`` (default) the network is
            ``empirical_network(net, width, seed)``; with more, the networks are drawn from the
            children of ``numpy.random.SeedSequence(seed)``.
        block_size: rows per block, or None (automatic); see :meth:`EmpiricalNetwork.ntk`.
            It changes the memory and time, not the result (beyond rounding).

    Returns:
        numpy.ndarray of shape (n1, n2) when ``draws == 1``, else ``Estimate(mean, stderr,
        draws)``.

    Raises:
        TypeError: non-integer width, seed, draws or block_size; a net that is not an MLP.
        ValueError: width < 1, draws < 1, negative seed, block_size < 1, bad or mismatched
            inputs, or an activation whose derivative is a Dirac delta (step, sign).
    """
    return _monte_carlo(net, X1, X2, width, draws, seed, "ntk", block_size=block_size)


def empirical_nngp(net, X1, X2=None, width=None, draws=1, seed=0):
    """Monte Carlo estimate of the NNGP from finite-width networks.

    Each network contributes E[f(x) f(x')] over its read-out layer (its hidden layers fixed),
    an unbiased estimate of the width-``width`` NNGP; see :func:`empirical_ntk` for the
    arguments and the seeding.

    Returns:
        numpy.ndarray when ``draws == 1``, else ``Estimate(mean, stderr, draws)``.
    """
    return _monte_carlo(net, X1, X2, width, draws, seed, "nngp")
