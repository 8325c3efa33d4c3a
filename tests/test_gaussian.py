"""Tests of actzoo.gaussian: Gaussian moments of activations.

Closed forms are checked against adaptive quadrature (scipy.integrate.quad,
split at the kink, tolerance 1e-12) and Monte Carlo (within 3 standard
errors, a bound that a correct formula fails 0.3% of the time per check;
the seeds are fixed, so the tests are deterministic).
"""

import math

import numpy as np
import pytest
from scipy import integrate

from actzoo import ACTIVATIONS, SELU_ALPHA, gaussian

CASES = [(0.0, 1.0), (0.7, 0.5), (-1.3, 2.0), (2.0, 0.3)]
PARAMS = {"leaky_relu": {"alpha": 0.2}, "elu": {"alpha": 1.7}, "celu": {"alpha": 0.6}}


def quad_moment(name, mu, sigma, power, **params):
    """E[f(Z)^power] by adaptive quadrature, split at the kink at 0."""
    f = ACTIVATIONS[name].fn

    def g(z):
        density = math.exp(-0.5 * ((z - mu) / sigma) ** 2) / (
            sigma * math.sqrt(2 * math.pi)
        )
        return float(f(z, **params)) ** power * density

    lo, hi = mu - 40 * sigma, mu + 40 * sigma
    pts = sorted({lo, min(max(0.0, lo), hi), hi})
    total = 0.0
    for a, b in zip(pts[:-1], pts[1:]):
        if b > a:
            total += integrate.quad(g, a, b, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
    return total


def test_relu_mean_is_one_over_sqrt_2pi_3197588():
    # The closed form must equal the textbook value to rounding.
    assert gaussian.mean("relu") == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-15)
    assert gaussian.mean("relu") > 0


def test_relu_mean_matches_monte_carlo_3197588():
    mc = gaussian.monte_carlo_moments("relu", n_samples=1_000_000, seed=1)
    assert abs(mc.mean - 1 / math.sqrt(2 * math.pi)) < 3 * mc.standard_error
    # Var ReLU(Z) = 1/2 - 1/(2 pi); the sample variance of 1e6 draws has a
    # relative standard error of about 0.2%.
    assert mc.variance == pytest.approx(0.5 - 1 / (2 * math.pi), rel=1e-2)


@pytest.mark.parametrize("name", sorted(gaussian.CLOSED_FORM))
@pytest.mark.parametrize("mu,sigma", CASES)
def test_closed_forms_match_quadrature(name, mu, sigma):
    params = PARAMS.get(name, {})
    m = gaussian.moments(name, mu, sigma, **params)
    assert m.mean == pytest.approx(
        quad_moment(name, mu, sigma, 1, **params), rel=1e-9, abs=1e-12
    )
    assert m.second_moment == pytest.approx(
        quad_moment(name, mu, sigma, 2, **params), rel=1e-9, abs=1e-12
    )
    assert m.variance == pytest.approx(m.second_moment - m.mean**2, abs=1e-12)


@pytest.mark.parametrize("name", ["softplus", "silu", "gelu", "mish"])
@pytest.mark.parametrize("mu,sigma", CASES)
def test_quadrature_for_smooth_activations(name, mu, sigma):
    # These functions are analytic near the real axis: 120 Gauss-Hermite
    # nodes reach the quadrature's own 1e-12 accuracy.
    m = gaussian.moments(name, mu, sigma)
    assert m.mean == pytest.approx(quad_moment(name, mu, sigma, 1), rel=1e-9, abs=1e-12)
    assert m.second_moment == pytest.approx(
        quad_moment(name, mu, sigma, 2), rel=1e-9, abs=1e-12
    )


def test_hermite_rule_is_exact_for_polynomials():
    mu, sigma = 0.4, 1.3
    fourth = gaussian.gauss_hermite_expectation(lambda z: z**4, mu, sigma, n=3)
    assert fourth == pytest.approx(
        mu**4 + 6 * mu**2 * sigma**2 + 3 * sigma**4, rel=1e-13
    )


def test_elu_mean_matches_monte_carlo_for_several_alpha_3197588():
    for alpha in [0.0, 0.5, 1.0, 1.6733, 3.0]:
        mc = gaussian.monte_carlo_moments("elu", n_samples=400_000, seed=7, alpha=alpha)
        exact = gaussian.mean("elu", alpha=alpha)
        assert abs(mc.mean - exact) < 3 * mc.standard_error, alpha


def test_elu_mean_is_linear_and_decreasing_in_alpha_3197588():
    c0, c1 = gaussian.elu_mean_coefficients()
    assert c0 == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-15)
    # c1 = E[(e^Z - 1) 1{Z <= 0}] = sqrt(e) Phi(-1) - 1/2, written with erfc.
    assert c1 == pytest.approx(
        math.sqrt(math.e) * 0.5 * math.erfc(1 / math.sqrt(2)) - 0.5, rel=1e-14
    )
    assert c1 < 0
    for alpha in [0.0, 0.3, 2.5]:
        assert gaussian.mean("elu", alpha=alpha) == pytest.approx(
            c0 + alpha * c1, abs=1e-15
        )


def test_elu_zero_mean_alpha_is_selu_alpha_3197588():
    alpha = gaussian.elu_zero_mean_alpha()
    # Independent derivation: alpha = phi(0) / (1/2 - sqrt(e) Phi(-1)).
    by_hand = (1 / math.sqrt(2 * math.pi)) / (
        0.5 - math.sqrt(math.e) * 0.5 * math.erfc(1 / math.sqrt(2))
    )
    assert alpha == pytest.approx(by_hand, rel=1e-13)
    assert round(alpha, 4) == 1.6733
    # SELU's published constant (Klambauer et al., 2017, also PyTorch's).
    assert alpha == pytest.approx(SELU_ALPHA, abs=1e-12)
    assert abs(gaussian.mean("elu", alpha=alpha)) < 1e-15
    # Unique: the mean changes sign around the root.
    assert (
        gaussian.mean("elu", alpha=alpha - 1e-3)
        > 0
        > gaussian.mean("elu", alpha=alpha + 1e-3)
    )


def test_zero_mean_alpha_for_other_inputs():
    for mu, sigma in [(0.2, 1.0), (-0.1, 0.5)]:
        alpha = gaussian.elu_zero_mean_alpha(mu, sigma)
        assert abs(quad_moment("elu", mu, sigma, 1, alpha=alpha)) < 1e-10


def test_bad_input_gives_clear_errors():
    with pytest.raises(ValueError, match="sigma must be positive"):
        gaussian.moments("relu", 0.0, 0.0)
    with pytest.raises(ValueError, match="unknown activation"):
        gaussian.moments("tanh")
    with pytest.raises(ValueError, match="no closed form"):
        gaussian.moments("gelu", method="closed")
    with pytest.raises(ValueError, match="n must be at least 1"):
        gaussian.gauss_hermite_expectation(np.sin, n=0)
    with pytest.raises(ValueError, match="no positive root"):
        gaussian.elu_zero_mean_alpha(mu=-50.0)
