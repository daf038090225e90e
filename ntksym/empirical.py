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
B_{L+1} = 1. The cost is O(n^2 W L + n W^2 L) and the memory O(L n W + L n^2) (the derivatives
phi'(h^k) and the Gram matrices of the forward pass are kept for the backward pass; the Jacobian,
n x (number of parameters), never is). The result is float64 and exact for the drawn weights.

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
from collections import namedtuple
from functools import lru_cache

import numpy as np

from .gram import check_inputs

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
    from .network import MLP

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


def _check_draws(draws):
    return _check_int(draws, "draws", 1, "draws is the number of independent networks, "
                      "e.g. draws=8")


def _functions(net, need_derivative):
    """(phi, phi') as float64 numpy functions (phi' None unless ``need_derivative``)."""
    return _activation_functions(net.activation, need_derivative)


@lru_cache(maxsize=64)
def _activation_functions(act, need_derivative):
    from .numeric import activation_function

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


def _piecewise_linear(act):
    """Fast (phi, phi') for continuous c + a min(x, 0) + b max(x, 0) (ReLU, leaky ReLU, |x|).

    Recognised from the activation's piecewise-polynomial structure, not its name; phi'(0) is the
    left slope a, the convention H(0) = 0 of :meth:`~ntksym.Activation.derivative`.
    """
    pwp = act.piecewise_polynomial if act.is_symbolic else None
    if pwp is None or pwp.degree > 1:
        return None
    minus = tuple(pwp.minus) + (0,) * (2 - len(pwp.minus))
    plus = tuple(pwp.plus) + (0,) * (2 - len(pwp.plus))
    if not (minus[0] == plus[0] == pwp.at_zero):
        return None
    c0, a, b = float(minus[0]), float(minus[1]), float(plus[1])

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
        w, b = float(self.net.W_std), float(self.net.b_std)
        fan_ins = [s[0] for s in self._shapes(self.input_dim)]
        if self.net.parameterization == "standard":
            return [1.0] * len(fan_ins), 1.0, [1.0] * len(fan_ins), 1.0
        alphas = [w * w / f for f in fan_ins]
        return alphas, b * b, [w / np.sqrt(f) for f in fan_ins], b

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
        K = _gram(A, None if X2 is None else X1.shape[0])
        # the read-out weights have variance W_std^2 / width in both parameterizations
        K *= float(self.net.W_std) ** 2 / self.width
        K += float(self.net.b_std) ** 2
        return K

    def ntk(self, X1, X2=None):
        """The empirical NTK sum_p df(x)/dtheta_p df(x')/dtheta_p, float64, shape (n1, n2).

        Computed layer by layer (see the module docstring); exactly symmetric when X2 is None.

        Raises:
            ValueError: for activations whose derivative is a Dirac delta (step, sign).
        """
        X1, X2 = self._inputs(X1, X2)
        phi, dphi = _functions(self.net, True)
        alphas, beta, sw, sb = self._scales()
        split = None if X2 is None else X1.shape[0]
        params = self.params
        L = len(params) - 1
        A = X1 if X2 is None else np.vstack([X1, X2])
        grams, derivs = [], []
        for k in range(L):  # dense layers 0..L-1 map A_k to the hidden h^{k+1}
            W, b = params[k]
            grams.append(_gram(A, split))
            h = A @ W
            h *= sw[k]
            h += sb * b
            derivs.append(dphi(h))
            A = phi(h)
            del h
        # read-out layer L: df/dW^L = sw_L A_L, df/db^L = sb
        K = _gram(A, split)
        K *= alphas[L]
        K += beta
        del A
        # backward: B_L = (d f / d h^L) = sw_L W^L[:, 0] * phi'(h^L); then B_k from B_{k+1}
        B = derivs.pop()
        B *= sw[L] * params[L][0][:, 0]
        for k in range(L - 1, -1, -1):
            G = _gram(B, split)
            M = grams.pop()
            M *= alphas[k]
            M += beta
            G *= M
            K += G
            del G, M
            if k == 0:
                break
            B = B @ params[k][0].T
            B *= sw[k]
            B *= derivs.pop()
        return K


def _gram(A, split=None):
    """A A^T, exactly symmetric, or with ``split`` the cross block A[:split] A[split:]^T.

    NumPy computes ``A @ A.T`` with BLAS syrk (half the flops of gemm) and mirrors the
    triangle. (SciPy's BLAS is not used: it may be a second OpenBLAS whose threads then contend
    with NumPy's.)
    """
    if split is not None:
        return A[:split] @ A[split:].T
    G = A @ A.T
    if not np.array_equal(G, G.T):  # a BLAS without the syrk path: mirror the upper triangle
        iu = np.triu_indices(len(G), 1)
        G[(iu[1], iu[0])] = G[iu]
    return G


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


def _monte_carlo(net, X1, X2, width, draws, seed, which):
    _check_net(net)
    width = _check_width(width, net)
    seed = _check_seed(seed)
    draws = _check_draws(draws)
    X1, X2 = check_inputs(X1, X2)
    _functions(net, which == "ntk")  # fail early on step/sign
    if draws == 1:
        return getattr(EmpiricalNetwork(net, width, seed), which)(X1, X2)
    children = np.random.SeedSequence(seed).spawn(draws)
    total = total2 = None
    for child in children:
        f = EmpiricalNetwork(net, width, rng=np.random.default_rng(child))
        K = getattr(f, which)(X1, X2)
        if total is None:
            total, total2 = K.copy(), K * K
        else:
            total += K
            total2 += K * K
        del K
    mean = total / draws
    var = np.maximum(total2 / draws - mean * mean, 0.0) * (draws / (draws - 1))
    return Estimate(mean, np.sqrt(var / draws), draws)


def empirical_ntk(net, X1, X2=None, width=None, seed=0, draws=1):
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

    Returns:
        numpy.ndarray of shape (n1, n2) when ``draws == 1``, else ``Estimate(mean, stderr,
        draws)``.

    Raises:
        TypeError: non-integer width, seed or draws; a net that is not an MLP.
        ValueError: width < 1, draws < 1, negative seed, bad or mismatched inputs, or an
            activation whose derivative is a Dirac delta (step, sign).
    """
    return _monte_carlo(net, X1, X2, width, draws, seed, "ntk")


def empirical_nngp(net, X1, X2=None, width=None, draws=1, seed=0):
    """Monte Carlo estimate of the NNGP from finite-width networks.

    Each network contributes E[f(x) f(x')] over its read-out layer (its hidden layers fixed),
    an unbiased estimate of the width-``width`` NNGP; see :func:`empirical_ntk` for the
    arguments and the seeding.

    Returns:
        numpy.ndarray when ``draws == 1``, else ``Estimate(mean, stderr, draws)``.
    """
    return _monte_carlo(net, X1, X2, width, draws, seed, "nngp")
