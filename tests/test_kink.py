"""Tests of actzoo.kink: ReLU's kink at 0 [3197686]."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import integrate, optimize, stats

from actzoo import elu_grad, leaky_relu_grad, relu, relu_grad, softplus_grad
from actzoo.kink import (
    NOISE_LAWS,
    TORCH_RELU_SPELLINGS,
    clarke_subdifferential,
    kink_slope_mse,
    kink_slope_mse_mc,
    optimal_constant_slope,
    positive_probability,
    sample_symmetric,
    torch_slopes_at_zero,
)

LAWS = sorted(NOISE_LAWS)


# ------------------------------------------------ Clarke subdifferential


def _autograd_relu_slope(points: np.ndarray) -> np.ndarray:
    x = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(torch.relu(x).sum(), x)
    return g.numpy()


def test_clarke_subdifferential_of_relu_at_zero_is_unit_interval_3197686():
    # One-sided difference quotients of max(0, x) at 0 are exactly 0 and 1
    # in float64 for h a power of two: an independent value of the limits.
    h = 2.0**-30
    left = (relu(0.0) - relu(-h)) / h
    right = (relu(h) - relu(0.0)) / h
    assert (left, right) == (0.0, 1.0)
    assert clarke_subdifferential(relu_grad) == (left, right)
    assert clarke_subdifferential(_autograd_relu_slope) == (0.0, 1.0)


def test_clarke_subdifferential_ignores_the_slope_chosen_at_the_kink_3197686():
    # Whatever slope is chosen *at* 0, the hull comes from nearby points.
    def grad_with_odd_convention(x):
        return np.where(x == 0, 7.0, relu_grad(x))

    assert clarke_subdifferential(grad_with_odd_convention) == (0.0, 1.0)


@pytest.mark.parametrize("alpha", [0.01, 0.2, 0.5])
def test_clarke_subdifferential_of_leaky_relu_at_zero_is_alpha_to_one_3197686(alpha):
    lo, hi = clarke_subdifferential(lambda x: leaky_relu_grad(x, alpha))
    assert (lo, hi) == (alpha, 1.0)


def test_clarke_subdifferential_is_a_point_where_smooth_3197686():
    # Softplus' slope is sigmoid(x): at 0 it is 1/2, and within 1e-9 of 0
    # it changes by at most 1e-9 / 4 (sigmoid' <= 1/4).
    lo, hi = clarke_subdifferential(softplus_grad)
    assert lo == pytest.approx(0.5, abs=1e-9)
    assert hi == pytest.approx(0.5, abs=1e-9)
    # ELU with alpha = 1 is C1: both one-sided slopes are 1.
    lo, hi = clarke_subdifferential(elu_grad)
    assert hi == 1.0 and lo == pytest.approx(1.0, abs=1e-8)
    # Away from the kink, ReLU is linear: a single slope.
    assert clarke_subdifferential(relu_grad, 0.5) == (1.0, 1.0)
    assert clarke_subdifferential(relu_grad, -0.5) == (0.0, 0.0)


def test_clarke_subdifferential_rejects_bad_input():
    with pytest.raises(ValueError, match="radius"):
        clarke_subdifferential(relu_grad, radius=-1.0)
    with pytest.raises(ValueError, match="n must be"):
        clarke_subdifferential(relu_grad, n=0)
    with pytest.raises(ValueError, match="spacing"):
        clarke_subdifferential(relu_grad, 1.0, radius=1e-20)
    with pytest.raises(ValueError, match="one finite slope"):
        clarke_subdifferential(lambda x: np.full_like(x, np.nan))


# ----------------------------------------------------- best constant slope


def _scipy_law(noise: str, scale: float):
    return {
        "normal": stats.norm(scale=scale),
        "uniform": stats.uniform(loc=-scale, scale=2 * scale),
        "laplace": stats.laplace(scale=scale),
    }[noise]


@pytest.mark.parametrize("noise", ["normal", "uniform", "laplace"])
@pytest.mark.parametrize("x0", [-0.7, -0.1, 0.0, 0.25, 1.3])
def test_positive_probability_matches_scipy(noise, x0):
    # scipy's survival function of the noise at -x0; agreement to 1e-14
    # (a few float64 ulps on numbers of size <= 1).
    expected = _scipy_law(noise, 0.5).sf(-x0)
    got = positive_probability(x0, noise=noise, scale=0.5)
    assert got == pytest.approx(expected, abs=1e-14)


def test_positive_probability_rademacher():
    # x0 +- 1 with probability 1/2 each: count the positive outcomes.
    for x0, expected in [(-2.0, 0.0), (-0.5, 0.5), (0.0, 0.5), (0.5, 0.5), (1.5, 1.0)]:
        assert positive_probability(x0, noise="rademacher") == expected


@pytest.mark.parametrize("noise", LAWS)
@pytest.mark.parametrize("scale", [1e-3, 0.1, 1.0])
def test_optimal_slope_at_zero_is_one_half_for_symmetric_noise_3197686(noise, scale):
    # Minimise the analytic curve numerically, without using its formula
    # for the minimiser: bounded Brent search on [0, 1], tolerance 1e-10.
    res = optimize.minimize_scalar(
        lambda s: float(kink_slope_mse(s, noise=noise, scale=scale)),
        bounds=(0.0, 1.0),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert res.x == pytest.approx(0.5, abs=1e-8)
    assert res.fun == pytest.approx(0.25, abs=1e-12)
    assert optimal_constant_slope(0.0, noise=noise, scale=scale) == 0.5


@pytest.mark.parametrize("noise", ["normal", "uniform", "laplace"])
@pytest.mark.parametrize("s", [0.0, 0.3, 0.5, 1.0])
def test_kink_slope_mse_matches_quadrature_3197686(noise, s):
    # E[(s - 1{x > 0})^2] by numerical integration of the noise density,
    # split at the kink; quad's error on these smooth pieces is < 1e-10.
    x0, scale = 0.2, 0.5
    law = _scipy_law(noise, scale)
    lo, hi = law.support()
    lo, hi = max(lo, -50.0), min(hi, 50.0)
    neg, _ = integrate.quad(lambda e: s**2 * law.pdf(e), lo, -x0)
    pos, _ = integrate.quad(lambda e: (s - 1) ** 2 * law.pdf(e), -x0, hi)
    assert float(kink_slope_mse(s, x0, noise=noise, scale=scale)) == (
        pytest.approx(neg + pos, abs=1e-9)
    )


@pytest.mark.parametrize("noise", LAWS)
def test_kink_slope_mse_matches_monte_carlo_3197686(noise):
    # 200 000 draws: the squared error lies in [0, 1], so the standard error
    # is below 1 / (2 sqrt(n)) = 1.1e-3; allow 5 of them.
    n = 200_000
    s = np.linspace(0.0, 1.0, 11)
    analytic = kink_slope_mse(s, noise=noise, scale=0.01)
    mc = kink_slope_mse_mc(s, noise=noise, scale=0.01, n=n, seed=1)
    assert np.max(np.abs(mc - analytic)) < 5 / (2 * np.sqrt(n))
    # The simulated minimiser on a fine grid is 1/2 up to the grid and noise:
    # MSE(s) - MSE(1/2) = (s - 1/2)^2, so a Monte Carlo error of 5.6e-3
    # can move the minimiser by at most sqrt(2 * 5.6e-3) ~ 0.11.
    grid = np.linspace(0.0, 1.0, 201)
    best = grid[
        np.argmin(kink_slope_mse_mc(grid, noise=noise, scale=0.01, n=n, seed=2))
    ]
    assert abs(best - 0.5) < 0.11


def test_optimal_slope_away_from_zero_is_the_probability_of_firing():
    # Far right the slope is surely 1, far left surely 0, in between it
    # rises monotonically: the noise-averaged ReLU is smooth.
    x0 = np.linspace(-3.0, 3.0, 61)
    s = optimal_constant_slope(x0, noise="normal", scale=0.5)
    assert s[0] < 1e-8 and s[-1] > 1 - 1e-8
    assert np.all(np.diff(s) > 0)

    # d/dx0 E[relu(x0 + eps)] = P(x0 + eps > 0): compare with a central
    # difference of the closed-form Gaussian mean of ReLU
    # E[relu(x0 + s eps)] = x0 Phi(x0/s) + s phi(x0/s), step 1e-5 -> 1e-9.
    def mean_relu(m):
        return m * stats.norm.cdf(m / 0.5) + 0.5 * stats.norm.pdf(m / 0.5)

    h = 1e-5
    fd = (mean_relu(x0 + h) - mean_relu(x0 - h)) / (2 * h)
    np.testing.assert_allclose(s, fd, atol=1e-8)


def test_sample_symmetric_is_seeded_and_symmetric():
    for noise in LAWS:
        a = sample_symmetric(50_000, noise=noise, scale=2.0, seed=3)
        b = sample_symmetric(50_000, noise=noise, scale=2.0, seed=3)
        assert np.array_equal(a, b)
        # Half the mass on each side of 0: the fraction of positive draws
        # has standard error 1 / (2 sqrt(n)) = 2.2e-3; allow 5 of them.
        assert abs(np.mean(a > 0) - 0.5) < 0.012
        # Variances of the laws with scale 2: 4, 4/3, 2 * 4, 4; the sample
        # variance is within 5% for n = 50 000 (relative SE below 1.1%).
        expected = {"normal": 4.0, "uniform": 4 / 3, "laplace": 8.0, "rademacher": 4.0}[
            noise
        ]
        assert np.var(a) == pytest.approx(expected, rel=0.05)
        assert not np.array_equal(
            a, sample_symmetric(50_000, noise=noise, scale=2.0, seed=4)
        )


def test_bad_noise_law_and_scale_are_refused():
    with pytest.raises(ValueError, match="noise must be one of"):
        kink_slope_mse(0.5, noise="cauchy-ish")
    with pytest.raises(ValueError, match="positive"):
        positive_probability(0.0, scale=0.0)
    with pytest.raises(ValueError, match="n must be"):
        sample_symmetric(0)


# ------------------------------------------------------- PyTorch at 0


def _slope_at_zero(f) -> float:
    x = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(f(x).sum(), x)
    return float(g[0])


def test_torch_slopes_at_zero_match_autograd_for_every_spelling_3197686():
    # Measured again here with a 1-element tensor (the module uses a 0-d
    # tensor) and through torch.nn.functional / the method spelling.
    measured = {
        "torch.relu(x)": _slope_at_zero(torch.nn.functional.relu),
        "torch.maximum(x, torch.zeros_like(x))": _slope_at_zero(
            lambda x: torch.maximum(x, torch.tensor(0.0, dtype=x.dtype))
        ),
        "torch.clamp(x, min=0)": _slope_at_zero(lambda x: x.clamp(min=0)),
    }
    slopes = torch_slopes_at_zero()
    assert tuple(slopes) == TORCH_RELU_SPELLINGS
    assert slopes == measured
    assert torch_slopes_at_zero(torch.float32) == measured


def test_torch_slopes_are_the_conventions_the_page_explains_3197686():
    # The page explains: relu passes gradient only where x > 0; maximum
    # splits it evenly between tied arguments; clamp passes it wherever x is
    # inside [min, inf), bound included. All three lie in the Clarke
    # interval, and maximum's tie rule is the mean-squared-error optimum.
    slopes = torch_slopes_at_zero()
    assert slopes["torch.relu(x)"] == float(relu_grad(0.0)) == 0.0
    assert slopes["torch.maximum(x, torch.zeros_like(x))"] == float(
        optimal_constant_slope(0.0)
    )
    assert slopes["torch.clamp(x, min=0)"] == 1.0
    lo, hi = clarke_subdifferential(relu_grad)
    assert all(lo <= s <= hi for s in slopes.values())


def test_torch_spellings_agree_away_from_zero():
    for x0, expected in [(-1e-300, 0.0), (-0.3, 0.0), (1e-300, 1.0), (0.3, 1.0)]:
        x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        for f in (
            torch.relu,
            lambda t: torch.maximum(t, torch.zeros_like(t)),
            lambda t: torch.clamp(t, min=0),
        ):
            (g,) = torch.autograd.grad(f(x), x)
            assert float(g) == expected
