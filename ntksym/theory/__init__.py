"""Theory: polynomial activations, exact ranks, rigorous positivity certificates.

Modules, bottom to top: :mod:`.polynomial` (is phi a polynomial?), :mod:`.interval_linalg`
(interval Cholesky), :mod:`.polyring` (the exact kernels of a polynomial network),
:mod:`.harmonics`, :mod:`.modp` and :mod:`.supports` (the harmonic decomposition and the two
bounds of the feature counts), :mod:`.exact` (exact Gram matrices and null vectors),
:mod:`.features` (feature-space dimensions), :mod:`.prediction` and :mod:`.nonpolynomial` (the
rank rules for non-polynomial activations), :mod:`.rank` (the public predictor),
:mod:`.hermite_bound` and :mod:`.certify` (positivity certificates).
"""
