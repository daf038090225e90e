"""Tests for `ntksym/theory/spectrum.py`: nk.spectrum against independent references (the
arc-cosine kernels written out here and integrated by mpmath's tanh-sinh quadrature), exact
zeros, the Mercer trace, positivity verdicts, decay fits, bad input and printing."""
import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

import ntksym as nk
from ntksym.theory.funk_hecke import legendre_d
from ntksym.theory.spectrum import fit_decay


@pytest.fixture(autouse=True)
def reset_mp():
    dps = mpmath.mp.dps
    yield
    mpmath.mp.dps = dps


def relu_ntk_reference(t, depth, b2=0, w2=1):
    """The ReLU NTK on the sphere of radius sqrt(d) (xx = 1), written from the arc-cosine
    formulas (Cho & Saul 2009; Jacot et al. 2018), independently of ntksym."""
    q = w2 + b2
    s12 = w2 * t + b2
    theta_k = s12
    for _ in range(depth):
        rho = s12 / q
        rho = max(min(rho, mpmath.mpf(1)), mpmath.mpf(-1))
        th = mpmath.acos(rho)
        k1 = q / (2 * mpmath.pi) * (mpmath.sin(th) + (mpmath.pi - th) * mpmath.cos(th))
        k0 = (mpmath.pi - th) / (2 * mpmath.pi)
        s12 = w2 * k1 + b2
        theta_k = theta_k * w2 * k0 + s12
        q = w2 * q / 2 + b2
    return theta_k


def reference_mu(kappa, d, k, dps=30):
    """mu_k by mpmath's tanh-sinh quadrature in t on panels (resolves (1 -+ t)^(1/2))."""
    t = sp.Symbol("t")
    P = sp.lambdify(t, legendre_d(k, d).as_expr(), "mpmath")
    with mpmath.workdps(dps):
        ratio = mpmath.gamma(mpmath.mpf(d) / 2) / (mpmath.sqrt(mpmath.pi)
                                                     * mpmath.gamma(mpmath.mpf(d - 1) / 2))
        pts = mpmath.linspace(-1, 1, 2 * k + 3)
        return ratio * mpmath.quad(lambda x: kappa(x) * P(x) * (1 - x * x) ** (mpmath.mpf(d - 3) / 2),
                                   pts)


CASES = [(1, 0, 3), (2, 0, 4), (3, 0, 3), (2, 0.5, 5)]


@pytest.mark.parametrize("depth, b, d", CASES)
def test_relu_ntk_eigenvalues_against_mpmath(depth, b, d):
    _compare(depth, b, d, (0, 1, 2, 3, 9))


@pytest.mark.slow
@pytest.mark.parametrize("depth, b, d", CASES)
def test_relu_ntk_eigenvalues_against_mpmath_high_degree(depth, b, d):
    _compare(depth, b, d, (21, 49, 50))


def _compare(depth, b, d, ks):
    S = nk.spectrum(nk.MLP(depth=depth, activation="relu", b_std=b), d, kmax=max(ks))
    b2 = mpmath.mpf(sp.Rational(repr(b)) ** 2)
    for k in ks:
        ref = reference_mu(lambda x: relu_ntk_reference(x, depth, b2), d, k)
        if S.exact[k] == 0:
            # the reference (tanh-sinh at 30 digits) is good to ~1e-23 absolute at k ~ 50
            assert S.eigenvalues[k] == 0.0 and abs(ref) < 1e-20
            continue
        assert abs(S.eigenvalues_mp[k] - ref) <= 1e-12 * abs(ref), (k, S.eigenvalues_mp[k], ref)
        assert S.errors[k] <= 1e-12 * abs(ref)


def test_bietti_mairal_exact_zeros_and_structure():
    S = nk.spectrum(nk.MLP(depth=1, activation="relu"), 4, kmax=30)
    assert all(S.exact[k] == 0 and S.eigenvalues[k] == 0.0 for k in range(3, 31, 2))
    assert all(S.eigenvalues[k] > 0 for k in (0, 1) + tuple(range(2, 31, 2)))
    assert S.series_exact and S.series_method == "hermite"
    assert all(S.coefficients[k] == 0 for k in range(3, 31, 2))
    assert S.strictly_pd is False and "odd part" in S.reason


def test_series_and_quadrature_agree_for_polynomial_network():
    # exact eigenvalues of a polynomial kernel against the Funk-Hecke quadrature of the same net
    from ntksym.theory.funk_hecke import funk_hecke
    from ntksym.theory.spectrum import sphere_kernel_mp
    net = nk.MLP(depth=2, activation="x**2 + x", b_std=sp.Rational(1, 2))
    S = nk.spectrum(net, 3, kmax=8)
    assert S.series_method == "polynomial" and all(v is not None for v in S.exact)
    res = funk_hecke(sphere_kernel_mp(net, 3, "ntk", 1), 3, 8,
                     zeros=[k for k in range(9) if S.exact[k] == 0])
    for k in range(9):
        ex = mpmath.mpf(sp.N(S.exact[k], 40))
        if S.exact[k] == 0:
            continue
        assert abs(res.values[k] - ex) <= 1e-13 * abs(ex)
    assert S.strictly_pd is False


def test_hermite_series_matches_arccosine_series():
    # depth-1 ReLU NNGP on the default sphere: kappa = (1/2) kappa_1(t), Cho & Saul's
    # kappa_1 = (sqrt(1 - t^2) + (pi - acos t) t) / pi; its Taylor series by SymPy
    t = sp.Symbol("t")
    kappa = (sp.sqrt(1 - t**2) + (sp.pi - sp.acos(t)) * t) / (2 * sp.pi)
    ref = sp.series(kappa, t, 0, 13).removeO()
    S = nk.spectrum(nk.MLP(depth=1, activation="relu"), 3, kind="nngp", kmax=12)
    for k in range(13):
        assert sp.simplify(S.coefficients[k] - ref.coeff(t, k)) == 0


def test_ntk_equals_k_plus_one_times_nngp_coefficients_at_depth_one():
    # Stein's identity: b_k(NTK) = (k + 1) b_k(NNGP) for depth 1 without bias
    for act in ("relu", "abs", "leaky_relu"):
        net = nk.MLP(depth=1, activation=act, W_std=sp.Rational(3, 2))
        a = nk.spectrum(net, 3, "nngp", kmax=10).coefficients
        b = nk.spectrum(net, 3, "ntk", kmax=10).coefficients
        assert all(sp.simplify(b[k] - (k + 1) * a[k]) == 0 for k in range(11))


def test_taylor_series_against_mpmath_derivatives():
    # float64 Taylor-mode coefficients against mpmath.taylor of the reference kernel
    S = nk.spectrum(nk.MLP(depth=2, activation="relu", b_std=0.5), 3, kmax=6)
    assert S.series_method == "taylor"
    with mpmath.workdps(40):
        ref = mpmath.taylor(lambda x: relu_ntk_reference(x, 2, mpmath.mpf("0.25")), 0, 6)
    for k in range(7):
        assert abs(S.coefficients[k] - ref[k]) <= 1e-13 * abs(ref[k])


@settings(max_examples=8, deadline=None)
@given(act=st.sampled_from(["relu", "erf", "abs", "gelu"]), depth=st.integers(1, 2),
       b=st.sampled_from([0, 0.25, 1]), d=st.integers(2, 6),
       kind=st.sampled_from(["ntk", "nngp"]))
def test_eigenvalues_nonnegative_and_mercer_trace(act, depth, b, d, kind):
    net = nk.MLP(depth=depth, activation=act, b_std=b)
    S = nk.spectrum(net, d, kind=kind, kmax=12)
    assert np.all(S.eigenvalues >= -S.errors)
    # sum_k N(d, k) mu_k <= kappa(1) = the kernel at x = x' (Mercer), with equality in the limit
    x = np.zeros((1, d))
    x[0, 0] = np.sqrt(d)
    g = net.gram(x)
    k11 = (g.ntk if kind == "ntk" else g.nngp)[0, 0]
    partial = sum(m * float(v) for m, v in zip(S.multiplicities, S.eigenvalues_mp))
    assert partial <= k11 * (1 + 1e-12)
    assert partial >= 0.9 * k11


def test_radius_default_is_sqrt_d():
    net = nk.MLP(depth=2, activation="relu", b_std=0.3)
    a = nk.spectrum(net, 4, kmax=6)
    b = nk.spectrum(net, 4, kmax=6, radius=2)
    assert np.allclose(a.eigenvalues, b.eigenvalues, rtol=1e-14, atol=0)


def test_radius_scales_homogeneous_kernel():
    # depth-1 ReLU NNGP without bias is 2-homogeneous: radius r multiplies kappa by r^2/d
    net = nk.MLP(depth=1, activation="relu")
    a = nk.spectrum(net, 3, "nngp", kmax=6)
    b = nk.spectrum(net, 3, "nngp", kmax=6, radius=3)
    assert np.allclose(b.eigenvalues, 3 * a.eigenvalues, rtol=1e-14)


@pytest.mark.parametrize("act, b, depth, expected", [
    ("relu", 0, 1, False), ("relu", 0.1, 1, True), ("relu", 0, 2, True), ("erf", 0, 2, False),
    ("erf", 0.5, 1, True), ("x**3", 0, 1, False), ("abs", 0, 3, False),
    ("gelu", 0, 1, False), ("gelu", 0, 2, True)])
def test_strictly_pd_verdicts(act, b, depth, expected):
    S = nk.spectrum(nk.MLP(depth=depth, activation=act, b_std=b), 3, kmax=3)
    assert S.strictly_pd is expected, S.reason
    assert "Schoenberg" in S.reason


def test_decay_of_depth_one_relu_is_minus_d():
    S = nk.spectrum(nk.MLP(depth=1, activation="relu"), 4, kmax=100)
    dec = S.decay
    assert dec.separate and dec.odd is None
    assert abs(dec.even[0] + 4) < 0.1


def test_fit_decay_recovers_a_power_law():
    k = np.arange(0, 101)
    mus = np.where(k > 0, 3.0 * np.maximum(k, 1) ** -2.5, 1.0)
    dec = fit_decay(mus)
    assert abs(dec.exponent + 2.5) < 1e-12 and not dec.separate


def test_polynomial_kernel_has_no_power_law():
    S = nk.spectrum(nk.MLP(depth=1, activation="x**2"), 3, kind="nngp", kmax=10)
    assert S.decay.exponent is None
    assert S.exact[2] == sp.Rational(4, 15)   # kappa = 1 + 2 t^2 -> mu_2 = 2 * 2/15
    assert S.exact[0] == 1 + sp.Rational(2, 3) and all(v == 0 for v in S.exact[3:])
    T = nk.spectrum(nk.MLP(depth=1, activation="x**2"), 3, kind="ntk", kmax=10)
    assert T.exact[2] == sp.Rational(4, 5)    # NTK = t * 4t + 1 + 2 t^2 = 1 + 6 t^2


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(d=1), ValueError, "d must be >= 2"),
    (dict(d=2.5), TypeError, "d must be an integer"),
    (dict(d=3, kmax=-1), ValueError, "kmax must be >= 0"),
    (dict(d=3, kmax=2.0), TypeError, "kmax must be"),
    (dict(d=3, kind="cntk"), ValueError, "kind must be 'ntk' or 'nngp'"),
    (dict(d=3, radius=0), ValueError, "radius must be positive"),
    (dict(d=3, radius="2"), TypeError, "radius must be"),
])
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        nk.spectrum(nk.MLP(depth=1, activation="relu"), **kwargs)


def test_symbolic_weights_and_non_network():
    w = sp.Symbol("w", positive=True)
    with pytest.raises(TypeError, match="substitute values"):
        nk.spectrum(nk.MLP(depth=1, activation="relu", W_std=w), 3)
    with pytest.raises(TypeError, match="MLP"):
        nk.spectrum("relu", 3)


def test_step_ntk_does_not_exist():
    with pytest.raises(ValueError, match="kind='nngp'"):
        nk.spectrum(nk.MLP(depth=1, activation="step"), 3)
    S = nk.spectrum(nk.MLP(depth=1, activation="step"), 3, kind="nngp", kmax=4)
    assert S.eigenvalues[0] > 0


def test_printing():
    S = nk.spectrum(nk.MLP(depth=1, activation="relu"), 3, kmax=4)
    assert "strictly_pd=False" in repr(S)
    text = str(S)
    assert "N(d,k)" in text and "(exact)" in text
    tex = sp.latex(S)
    assert r"\begin{array}" in tex and r"\mu_k" in tex
    assert nk.latex(S) == tex


def test_tanh_depth_one_numeric_series():
    # no closed form: Hermite coefficients by quadrature; the quadrature path still gives mu_k
    S = nk.spectrum(nk.MLP(depth=1, activation="tanh"), 3, kind="nngp", kmax=4)
    assert S.series_method == "hermite-numeric"
    assert S.strictly_pd is False                 # tanh is odd: no even coefficients
    assert S.exact[0] == 0 and S.exact[2] == 0 and S.eigenvalues[1] > 0
