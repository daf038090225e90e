r"""The :class:`ActivationContract` mixin: generic checks every activation's dual must pass.

Every activation, built in or user defined, should satisfy the same contract. A test module
inherits it by supplying the activation::

    from ntksym.testing import ActivationContract

    class TestRelu(ActivationContract):
        def create_activation(self):
            return nk.activation("relu")

and pytest collects the generic checks below for it. They test the dual kernel
k(q1, q2, c) = E[phi(u) phi(v)], (u, v) ~ N(0, [[q1, c], [c, q2]]), and its NTK factor
E[phi'(u) phi'(v)] against references that do not come from the code under test:

* ``k(q, q, q) = E[phi(u)^2]``, with a one-dimensional ``mpmath.quad`` at 30 digits;
* symmetry ``k(q1, q2, c) = k(q2, q1, c)`` and Cauchy--Schwarz
  ``|k(q1, q2, c)| <= sqrt(k(q1, q1, q1) k(q2, q2, q2))``;
* positive semi-definite Gram blocks ``[k(Q_ii, Q_jj, Q_ij)]`` for covariance matrices ``Q`` of
  random points (2 x 2 and 5 x 5, with a point, its double and its negative, so that
  ``c = +-sqrt(q1 q2)`` with ``q1 != q2`` occurs);
* a closed form against 2-D quadrature (:func:`ntksym.quadrature.expect2`, an independent
  implementation) of the activation lambdified here from its SymPy expression, at random points
  including ``c = +-sqrt(q1 q2)``, ``q1 != q2`` and a tiny variance, to ``1e-12`` relative; a
  numeric (quadrature) kernel against the independent mpmath path
  :func:`ntksym.quadrature.expect2_mp` instead;
* the NTK factor against quadrature of ``E[phi' phi']`` (phi' computed here with
  ``sympy.diff``) when phi' has no Dirac delta, and against a finite difference of the dual in
  ``c`` (Price's theorem) to ``1e-6`` relative;
* the degenerate variance ``k(0, q, 0) = phi(0) E[phi(sqrt(q) z)]`` and ``k(0, 0, 0) = phi(0)^2``;
* optionally (hook :meth:`ActivationContract.literature_dual`), a literature closed form: exact
  equality with ``sympy.simplify`` and agreement to ``1e-12`` at 50+ points;
* Hypothesis properties (symmetry, Cauchy--Schwarz for the dual and the NTK factor).

Relative errors are measured against ``|reference|``, except where the reference is near zero
(below ``NEAR_ZERO`` times the Cauchy--Schwarz scale ``sqrt(E[phi(u)^2] E[phi(v)^2])``): there
the scale is the denominator, since a value that vanishes by cancellation has no relative error.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from ntksym.testing.references import (assert_close, covariance_points, gauss_mean_mp,
                                       mp_covariance, mp_function, np_function, symbolic_equal)

__all__ = ["ActivationContract"]


def _gram_inputs(rng, n, d):
    X = rng.normal(size=(n, d)) * rng.uniform(0.4, 1.6, size=(n, 1))
    if n >= 5:
        X[1] = 2.0 * X[0]     # c = +sqrt(q1 q2) with q1 != q2
        X[2] = -X[0]          # c = -sqrt(q1 q2)
    Q = X @ X.T / d
    diag = np.diag(Q).copy()
    return np.clip(Q, -np.sqrt(np.outer(diag, diag)), np.sqrt(np.outer(diag, diag))), diag


def _psd_check(K, what):
    K = np.asarray(K, dtype=float)
    assert np.all(np.isfinite(K)), f"{what}: non-finite entries\n{K}"
    assert np.allclose(K, K.T, rtol=1e-12, atol=1e-14 * np.max(np.abs(K))), \
        f"{what}: Gram matrix is not symmetric\n{K}"
    lam = np.linalg.eigvalsh((K + K.T) / 2)
    tol = 1e-12 * max(np.max(np.abs(K)), 1e-300) * K.shape[0]
    assert lam[0] >= -tol, f"{what}: Gram matrix is not PSD: eigenvalues {lam}"


# --------------------------------------------------------------------------------------------
# The contract
# --------------------------------------------------------------------------------------------

_CACHE: dict = {}


class ActivationContract:
    """Generic checks of an activation's dual kernel; subclass and define :meth:`create_activation`.

    Knobs (class attributes) a subclass may change:

    * ``q_range``: variances of the random test points (default (0.05, 4)); activations whose
      moments grow fast (exp) or that oscillate (sin at large b) may want a smaller range.
    * ``rtol``: closed form against quadrature (default 1e-12).
    * ``fd_rtol``: NTK factor against the finite difference of the dual (default 1e-6).
    * ``seed``: seed of the random points.
    * ``tiny_q``: the tiny variance among the test points (default 1e-8; None to leave it out).
    * ``mp_reference_dps``: precision of :func:`ntksym.quadrature.expect2_mp` where a numeric
      kernel is checked against it (default 16: the check is to 1e-12, and the mpmath path is
      slow).
    * ``mp_interior_check``: whether a numeric kernel without a literature closed form is
      checked against :func:`ntksym.quadrature.expect2_mp` at an interior point (default True;
      it takes 1-3 s).
    * ``max_examples``: Hypothesis examples (default 25).

    Hooks a subclass may override:

    * :meth:`reference_phi_np`, :meth:`reference_dphi_np`, :meth:`reference_phi_mp`: reference
      versions of phi and phi' (default: lambdified here from ``act.expr`` and
      ``sympy.diff(act.expr)``; for a callable activation, the callables themselves).
    * :meth:`literature_dual`, :meth:`literature_ntk`: literature closed forms in
      ``nk.q1, nk.q2, nk.c`` (default None: the literature tests are skipped), and
      ``literature_exact`` (default True): whether ``sympy.simplify`` must prove equality.
    """

    q_range = (0.05, 4.0)
    rtol = 1e-12
    fd_rtol = 1e-6
    seed = 0
    n_random = 8
    tiny_q = 1e-8
    diag_qs = (0.3, 2.0)
    literature_exact = True
    n_literature = 50
    mp_reference_dps = 16
    mp_interior_check = True
    max_examples = 25

    # -- hooks -------------------------------------------------------------------------------
    def create_activation(self):
        """Return the :class:`ntksym.Activation` under test."""
        raise NotImplementedError("subclasses define create_activation()")

    def literature_dual(self):
        """A literature closed form of E[phi(u) phi(v)] in nk.q1, nk.q2, nk.c, or None."""
        return None

    def literature_ntk(self):
        """A literature closed form of E[phi'(u) phi'(v)] in nk.q1, nk.q2, nk.c, or None."""
        return None

    def reference_phi_np(self):
        act = self.activation
        return act.func if not act.is_symbolic else np_function(act.expr)

    def reference_dphi_np(self):
        """phi' as a numpy function, or None where phi' has a Dirac delta or is unknown."""
        act = self.activation
        if not act.is_symbolic:
            return act.dfunc
        d = sp.diff(act.expr, next(iter(act.expr.free_symbols), sp.Dummy("x")))
        if d.has(sp.DiracDelta):
            return None
        return np_function(d)

    def reference_phi_mp(self):
        act = self.activation
        if act.is_symbolic:
            return mp_function(act.expr)
        f = act.func
        return lambda t: mpmath.mpf(float(np.asarray(f(np.array([float(t)])))[0]))

    # -- fixtures ----------------------------------------------------------------------------
    def _state(self):
        key = type(self)
        if key not in _CACHE:
            import ntksym as nk
            act = self.create_activation()
            _CACHE[key] = {"act": act, "k": nk.dual(act)}
        return _CACHE[key]

    @property
    def activation(self):
        return self._state()["act"]

    @property
    def kernel(self):
        return self._state()["k"]

    @property
    def breaks(self):
        return tuple(self.activation.breakpoints) or (0.0,)

    def points(self, n_random=None, seed=None, tiny="default"):
        return covariance_points(self.seed if seed is None else seed,
                                 self.n_random if n_random is None else n_random,
                                 self.q_range, self.tiny_q if tiny == "default" else tiny)

    def second_moment(self, q):
        """E[phi(sqrt(q) z)^2] by float64 quadrature of the reference phi (a scale only)."""
        from ntksym.backends.quadrature import expect1
        phi = self.reference_phi_np()
        return expect1(lambda t: phi(t) ** 2, np.asarray(q, dtype=float), breaks=self.breaks)

    def scale(self, q1, q2):
        return np.sqrt(self.second_moment(q1) * self.second_moment(q2))

    # -- the contract ------------------------------------------------------------------------
    def test_dual_kernel_object(self):
        import ntksym as nk
        from ntksym.symbolic.expectation import METHODS
        k = self.kernel
        assert isinstance(k, nk.DualKernel)
        assert k.activation == self.activation
        assert k.method in METHODS
        assert isinstance(k.expr, sp.Expr)
        assert k.expr.free_symbols <= {nk.q1, nk.q2, nk.c}
        assert len(k.steps) > 0
        if k.method == "numeric":
            assert k.expr.has(nk.GaussianExpectation)
            assert any("numeric" in n or "quadrature" in n for n in k.notes), k.notes

    def test_diagonal_is_second_moment(self):
        k, phi = self.kernel, self.reference_phi_mp()
        for q in self.diag_qs:
            ref = gauss_mean_mp(lambda t: phi(t) ** 2, q, self.breaks, dps=30)
            got = k(q, q, q)
            assert np.ndim(got) == 0
            assert_close(got, float(ref), self.rtol, what=f"k({q}, {q}, {q}) vs E[phi^2]")

    def test_symmetric(self):
        q1, q2, c = self.points()
        k = self.kernel
        assert_close(k(q1, q2, c), k(q2, q1, c), self.rtol, self.scale(q1, q2),
                     what="k(q1, q2, c) vs k(q2, q1, c)")

    def test_cauchy_schwarz(self):
        q1, q2, c = self.points()
        k = self.kernel
        val, d1, d2 = k(q1, q2, c), k(q1, q1, q1), k(q2, q2, q2)
        assert np.all(d1 >= 0) and np.all(d2 >= 0)
        bound = np.sqrt(d1 * d2)
        assert np.all(np.abs(val) <= bound * (1 + 1e-12) + 1e-300), \
            f"Cauchy-Schwarz fails: |k| = {np.abs(val)}, bound {bound}"

    def test_psd_gram_2x2(self):
        rng = np.random.default_rng(self.seed + 1)
        k = self.kernel
        for trial in range(4):
            Q, diag = _gram_inputs(rng, 2, 3)
            K = k(diag[:, None], diag[None, :], Q)
            _psd_check(K, f"2x2 Gram block (trial {trial})")

    def test_psd_gram_5x5(self):
        rng = np.random.default_rng(self.seed + 2)
        k = self.kernel
        for trial in range(2):
            Q, diag = _gram_inputs(rng, 5, 4)
            K = k(diag[:, None], diag[None, :], Q)
            _psd_check(K, f"5x5 Gram block (trial {trial})")
            assert_close(np.diag(K), k(diag, diag, diag), 1e-14, what="Gram diagonal")

    def test_closed_form_matches_quadrature(self):
        import pytest
        from ntksym.backends.quadrature import expect2, expect2_mp
        k = self.kernel
        phi = self.reference_phi_np()
        if k.method == "numeric":
            # the kernel is itself float64 quadrature: compare with the independent mpmath path
            # (a literature closed form, where there is one, is checked at 50+ points instead)
            if not self.mp_interior_check or self.literature_dual() is not None:
                pytest.skip("numeric kernel checked against a literature form or elsewhere")
            phim = self.reference_phi_mp()
            q1, q2 = self.q_range[0] * 2 + 0.1, self.q_range[1] / 3
            c = -0.6 * math.sqrt(q1 * q2)
            ref = expect2_mp(phim, phim, q1, q2, c, self.breaks, self.breaks,
                             dps=self.mp_reference_dps)
            assert_close(k(q1, q2, c), float(ref), self.rtol, self.scale(q1, q2),
                         what="numeric kernel vs expect2_mp")
            return
        q1, q2, c = self.points()
        ref = expect2(phi, phi, q1, q2, c, breaks_f=self.breaks, breaks_g=self.breaks)
        assert_close(k(q1, q2, c), ref, self.rtol, self.scale(q1, q2),
                     what="closed form vs quadrature")

    def test_ntk_factor_matches_quadrature(self):
        import pytest
        from ntksym.backends.quadrature import expect2
        k = self.kernel
        dphi = self.reference_dphi_np()
        if dphi is None or k.ntk_factor is None:
            pytest.skip("phi' has a Dirac delta or is unknown")
        assert not k.ntk_degenerate
        q1, q2, c = self.points()
        ref = expect2(dphi, dphi, q1, q2, c, breaks_f=self.breaks, breaks_g=self.breaks)
        from ntksym.backends.quadrature import expect1
        s = np.sqrt(expect1(lambda t: dphi(t) ** 2, q1, breaks=self.breaks)
                    * expect1(lambda t: dphi(t) ** 2, q2, breaks=self.breaks))
        assert_close(k.ntk(q1, q2, c), ref, self.rtol, s, what="NTK factor vs quadrature")

    def test_ntk_factor_is_c_derivative(self):
        import pytest
        k = self.kernel
        if k.ntk_factor is None:
            pytest.skip("no NTK factor")
        rng = np.random.default_rng(self.seed + 3)
        lo, hi = self.q_range
        q1 = np.exp(rng.uniform(math.log(lo), math.log(hi), 6))
        q2 = np.exp(rng.uniform(math.log(lo), math.log(hi), 6))
        R = np.sqrt(q1 * q2)
        c = rng.uniform(-0.8, 0.8, 6) * R
        h = 1e-3 * R
        # fourth-order central difference: truncation O(h^4), rounding O(eps / h)
        fd = (8 * (k(q1, q2, c + h) - k(q1, q2, c - h))
              - (k(q1, q2, c + 2 * h) - k(q1, q2, c - 2 * h))) / (12 * h)
        # derivative scale: the Cauchy-Schwarz bound of k divided by the scale of c
        scale = np.sqrt(k(q1, q1, q1) * k(q2, q2, q2)) / R
        assert_close(k.ntk(q1, q2, c), fd, self.fd_rtol, scale,
                     what="NTK factor vs d/dc of the dual (finite difference)")

    def test_zero_variance(self):
        k, phi = self.kernel, self.reference_phi_mp()
        phi0 = float(phi(0))
        for q in (1.7,):
            mean = float(gauss_mean_mp(phi, q, self.breaks, dps=30))
            ref = phi0 * mean
            tol = self.rtol * max(abs(ref), abs(phi0) * math.sqrt(float(self.second_moment(q))))
            for got in (k(0.0, q, 0.0), k(q, 0.0, 0.0)):
                assert abs(float(got) - ref) <= tol, \
                    f"k(0, {q}, 0) = {float(got)!r}, expected phi(0) E[phi] = {ref!r}"
        assert abs(float(k(0.0, 0.0, 0.0)) - phi0 ** 2) <= 1e-15 * phi0 ** 2, \
            f"k(0, 0, 0) = {float(k(0.0, 0.0, 0.0))!r}, expected phi(0)^2 = {phi0 ** 2!r}"

    def test_vectorised(self):
        q1, q2, c = self.points(n_random=3, tiny=0)
        k = self.kernel
        batch = k(q1, q2, c)
        assert batch.shape == q1.shape and batch.dtype == np.float64
        one = [float(k(a, b, cc)) for a, b, cc in zip(q1, q2, c)]
        assert_close(batch, one, 1e-14, self.scale(q1, q2), what="batch vs scalar")
        grid = k(q1[:, None], q2[None, :], 0.0)
        assert grid.shape == (q1.size, q2.size)

    def test_rejects_invalid_covariance(self):
        import pytest
        k = self.kernel
        with pytest.raises(ValueError):
            k(1.0, 1.0, 1.5)
        with pytest.raises(ValueError):
            k(-1.0, 1.0, 0.0)
        with pytest.raises(ValueError):
            k(1.0, float("nan"), 0.0)

    # -- literature closed forms ---------------------------------------------------------------
    def _literature_points(self):
        return covariance_points(self.seed + 7, self.n_literature, self.q_range, self.tiny_q)

    def _check_literature_numeric(self, lit, which):
        import ntksym as nk
        import pytest
        if lit is None:
            pytest.skip("no literature closed form given")
        k = self.kernel
        ref_fn = mp_function(lit, args=(nk.q1, nk.q2, nk.c))
        q1, q2, c = self._literature_points()
        assert q1.size >= 50
        with mpmath.workdps(30):
            ref = np.array([float(mpmath.re(ref_fn(*mp_covariance(a, b, cc))))
                            for a, b, cc in zip(q1, q2, c)])
        got = k(q1, q2, c) if which == "nngp" else k.ntk(q1, q2, c)
        with mpmath.workdps(30):
            diag1 = np.array([float(mpmath.re(ref_fn(*mp_covariance(a, a, a)))) for a in q1])
            diag2 = np.array([float(mpmath.re(ref_fn(*mp_covariance(b, b, b)))) for b in q2])
        assert_close(got, ref, self.rtol, np.sqrt(np.abs(diag1 * diag2)),
                     what=f"{which} vs literature closed form")

    def test_literature_numeric(self):
        self._check_literature_numeric(self.literature_dual(), "nngp")

    def test_literature_ntk_numeric(self):
        import pytest
        if self.kernel.ntk_degenerate:
            pytest.skip("the NTK factor is infinite on the diagonal; see the exact check")
        self._check_literature_numeric(self.literature_ntk(), "ntk")

    def _check_literature_exact(self, lit, derived):
        import pytest
        if lit is None:
            pytest.skip("no literature closed form given")
        if not self.literature_exact:
            pytest.skip("SymPy cannot decide this identity; checked numerically instead")
        assert symbolic_equal(derived, lit), \
            f"derived {derived} and literature {lit} are not identical"

    def test_literature_exact(self):
        self._check_literature_exact(self.literature_dual(), self.kernel.expr)

    def test_literature_ntk_exact(self):
        self._check_literature_exact(self.literature_ntk(), self.kernel.ntk_factor)

    # -- Hypothesis ----------------------------------------------------------------------------
    def test_property_symmetry_and_cauchy_schwarz(self):
        from hypothesis import HealthCheck, example, given, settings, strategies as st

        k = self.kernel
        lo, hi = self.q_range
        with_ntk = k.ntk_factor is not None and not k.ntk_degenerate

        @settings(max_examples=self.max_examples, deadline=None, database=None,
                  derandomize=True, suppress_health_check=[HealthCheck.differing_executors])
        @given(st.floats(lo, hi), st.floats(lo, hi), st.floats(-1.0, 1.0))
        @example(lo, hi, 1.0)
        @example(hi, lo, -1.0)
        @example(1.0, 1.0, 0.0)
        def prop(q1, q2, r):
            c = r * math.sqrt(q1 * q2)
            v, w = float(k(q1, q2, c)), float(k(q2, q1, c))
            d1, d2 = float(k(q1, q1, q1)), float(k(q2, q2, q2))
            bound = math.sqrt(d1 * d2)
            assert abs(v - w) <= self.rtol * bound + 1e-300
            assert abs(v) <= bound * (1 + 1e-12) + 1e-300
            if with_ntk:
                n, e1, e2 = float(k.ntk(q1, q2, c)), float(k.ntk(q1, q1, q1)), \
                    float(k.ntk(q2, q2, q2))
                assert abs(n) <= math.sqrt(e1 * e2) * (1 + 1e-12) + 1e-300

        prop()
