r"""A published sufficient width: Du, Zhai, Poczos, Singh 2019 (arXiv:1810.02054), Theorem 3.2.

**The theorem** ("Gradient Descent Provably Optimizes Over-parameterized Neural Networks", ICLR
2019, Theorem 3.2, gradient flow; Theorem 4.1 is the same width for gradient descent with step
eta = O(lambda_0 / n^2)). Model: f(x) = m^{-1/2} sum_r a_r relu(w_r^T x), w_r ~ N(0, I) trained,
a_r uniform on {-1, +1} and fixed; inputs with ||x_i|| = 1, no two parallel; labels |y_i| <= C;
loss (1/2) sum_i (f(x_i) - y_i)^2. With

.. math::

    H^\infty_{ij} = \mathbb E_{w \sim N(0, I)}\big[x_i^\top x_j \mathbf 1[w^\top x_i \ge 0,
    w^\top x_j \ge 0]\big] = x_i^\top x_j \, \frac{\pi - \arccos(x_i^\top x_j)}{2\pi},
    \qquad \lambda_0 = \lambda_{\min}(H^\infty) > 0,

if m = Omega(n^6 / (lambda_0^4 delta^3)) then with probability at least 1 - delta,
||f_t - y||^2 <= exp(-lambda_0 t) ||f_0 - y||^2 for all t.

**The constants.** The theorem states only Omega(.). :func:`du_2019_width` uses the constants
obtained by following its proof: Lemma 3.2 (H stays within lambda_0/4 of H(0) while every
||w_r - w_r(0)|| <= R = sqrt(2 pi) delta lambda_0 / (16 n^2), from P(sign flip) <= 2R/sqrt(2 pi) and
Markov), Lemma 3.3 (the weights move at most R' = 2 sqrt(n) ||y - f_0|| / (sqrt(m) lambda_0); the
factor 2 is the integral of exp(-lambda_0 s / 2)), Markov's inequality on
E||y - f_0||^2 = ||y||^2 + n/2, and Lemma 3.1 by Hoeffding. R' < R then needs

.. math::

    m > \frac{512}{\pi} \, \frac{n^5 (\lVert y \rVert^2 + n/2)}{\delta^3 \lambda_0^4}
    \quad \Big(\le \frac{512}{\pi} \frac{n^6 (C^2 + 1/2)}{\delta^3\lambda_0^4}\Big),
    \qquad m \ge \frac{32\, n^2 \log(2 n^2/\delta)}{\lambda_0^2},

each of the three events failing with probability at most delta (so 1 - 3 delta overall; the
paper absorbs this into the Omega).

**How it maps to ntksym.** ``MLP(depth=1, activation="relu", W_std=1, b_std=0)`` in the "ntk"
parameterization with W_std ||x_i|| / sqrt(d) = 1 is this model with a Gaussian instead of a
Rademacher read-out, also trained. H^infinity is the first-layer part of its NTK (the read-out adds
a positive semidefinite term, so lambda_min(Theta) >= lambda_0), and ntksym's loss is the paper's
divided by N, which rescales time, not width. :attr:`WidthBound.applies` says whether a network
and data meet the hypotheses; for others the number is reported for comparison only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ntksym.core.inputs import float_points
from ntksym.core.printing import ntk_printer, text
from ntksym.empirical.activation import piecewise_linear_coefficients

__all__ = ["WidthBound", "du_2019_width", "du_gram", "CITATION"]

CITATION = ("Du, Zhai, Poczos, Singh, 'Gradient Descent Provably Optimizes Over-parameterized "
            "Neural Networks', ICLR 2019, arXiv:1810.02054, Theorem 3.2")


@dataclass(frozen=True)
class WidthBound:
    """The sufficient width of Du et al. 2019 (see the module docstring for its constants).

    Attributes:
        width: the sufficient width m (inf when lambda_0 <= 0: the theorem says nothing).
        lambda_0: lambda_min(H^infinity) on the normalised inputs.
        n, delta: points and failure probability (per event).
        y_norm: ||y||.
        applies: True when the network and data meet the theorem's hypotheses.
        reasons: the hypotheses that fail (empty when it applies).
        citation: the theorem.
    """

    width: float
    lambda_0: float
    n: int
    delta: float
    y_norm: float
    applies: bool
    reasons: tuple = ()
    citation: str = CITATION

    def __str__(self):
        head = (f"sufficient width {self.width:.3g} (Du et al. 2019, Thm 3.2, constants from its "
                f"proof; lambda_0 = {self.lambda_0:.4g}, n = {self.n}, delta = {self.delta:g})")
        if self.applies:
            return head
        return head + "\n  hypotheses not met, for comparison only: " + "; ".join(self.reasons)

    def _latex(self, printer):
        p = ntk_printer(printer)
        return (r"m_{\mathrm{Du}} = %s\ \text{(%s)},\ \lambda_0 = %s" % (
            p._print(float(f"{self.width:.3g}")), text("Du et al. 2019, Thm 3.2"),
            p._print(float(f"{self.lambda_0:.4g}"))))


def du_gram(X):
    """H^infinity of Du et al. on the rows of X normalised to unit length, float64 (n, n)."""
    X = float_points(X, "X")
    norms = np.linalg.norm(X, axis=1)
    if np.any(norms == 0):
        raise ValueError("Du et al.'s bound needs nonzero inputs (they are normalised to unit "
                         "length); remove the zero rows")
    U = X / norms[:, None]
    G = np.clip(U @ U.T, -1.0, 1.0)
    return G * (np.pi - np.arccos(G)) / (2 * np.pi)


def du_2019_width(net, X, y, delta=0.1):
    """The width that Du et al. 2019, Theorem 3.2, demands for ``net`` on (X, y).

    Args:
        net: an :class:`~ntksym.MLP` (the hypotheses are checked; see ``applies``).
        X: inputs (n, d); y: targets (n,) or (n, 1).
        delta: failure probability per event, 0 < delta < 1.

    Returns:
        :class:`WidthBound`.
    """
    if isinstance(delta, bool) or not isinstance(delta, (int, float)) or not 0 < delta < 1:
        raise ValueError(f"delta must be a probability in (0, 1), got {delta!r}")
    X = float_points(X, "X")
    y = np.asarray(y, dtype=float).reshape(-1)
    if y.size != X.shape[0]:
        raise ValueError(f"y has {y.size} entries but X has {X.shape[0]} rows")
    n, d = X.shape
    lam0 = float(np.linalg.eigvalsh(du_gram(X))[0])
    reasons = []
    if net.depth != 1:
        reasons.append(f"depth {net.depth} (the theorem is for one hidden layer)")
    if piecewise_linear_coefficients(net.activation) != (0.0, 0.0, 1.0):
        reasons.append(f"activation {getattr(net.activation, 'name', net.activation)!r} (the "
                       "theorem is for ReLU)")
    if float(net.b_std) != 0:
        reasons.append("b_std != 0 (the model has no bias)")
    if net.parameterization != "ntk":
        reasons.append("'standard' parameterization (the model is m^{-1/2}-scaled)")
    scale = float(net.W_std) * np.linalg.norm(X, axis=1) / np.sqrt(d)
    if not np.allclose(scale, 1.0, rtol=1e-12, atol=0):
        reasons.append("W_std ||x_i|| / sqrt(d) != 1 (the theorem needs unit pre-activation "
                       "variance, ||x_i|| = 1 with w ~ N(0, I))")
    if not lam0 > 0:
        reasons.append("lambda_0 <= 0 (parallel inputs)")
    y2 = float(y @ y)
    if lam0 > 0:
        main = 512 / np.pi * n ** 5 * (y2 + n / 2) / (delta ** 3 * lam0 ** 4)
        hoeffding = 32 * n ** 2 * np.log(2 * n ** 2 / delta) / lam0 ** 2
        width = float(max(main, hoeffding))
    else:
        width = float("inf")
    return WidthBound(width, lam0, n, float(delta), float(np.sqrt(y2)), not reasons,
                      tuple(reasons))
