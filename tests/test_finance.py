"""Tests for actzoo.finance: payoffs as ReLU sums, prices as smoothed ReLUs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from actzoo import finance, gelu, softplus

S_GRID = np.linspace(50.0, 150.0, 2001)


# ------------------------------------------------------------- payoffs


def test_call_payoff_is_relu_of_moneyness():
    S = np.array([80.0, 100.0, 100.5, 130.0])
    np.testing.assert_array_equal(finance.call_payoff(S, 100.0), [0, 0, 0.5, 30])


def test_payoff_interpolates_and_extrapolates():
    p = finance.Payoff([0.0, 1.0], [1.0, 3.0], slope_left=-1.0, slope_right=0.5)
    np.testing.assert_array_equal(p([-2.0, 0.5, 3.0]), [3.0, 2.0, 4.0])
    np.testing.assert_array_equal(p.slopes(), [-1.0, 2.0, 0.5])


@pytest.mark.parametrize(
    "payoff",
    [
        finance.butterfly(90.0, 100.0, 110.0),
        finance.straddle(100.0),
        finance.Payoff([80.0, 96.0, 120.0], [5.0, -3.0, 9.0], 0.25, -2.0),
    ],
    ids=["butterfly", "straddle", "irregular"],
)
def test_replication_reproduces_payoff_exactly(payoff):
    # Integer kinks and values with dyadic slopes: every float operation in
    # both evaluations is exact, so the two must agree bit for bit.
    S = np.arange(40.0, 161.0, 0.25)
    rep = finance.replicate(payoff)
    np.testing.assert_array_equal(rep(S), payoff(S))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-50, 50), min_size=1, max_size=6, unique=True),
    st.data(),
)
def test_replication_matches_any_piecewise_linear_payoff(kinks, data):
    kinks = sorted(kinks)
    if np.any(np.diff(kinks) < 1e-3):
        return
    values = data.draw(
        st.lists(st.floats(-20, 20), min_size=len(kinks), max_size=len(kinks))
    )
    sl, sr = data.draw(st.floats(-3, 3)), data.draw(st.floats(-3, 3))
    payoff = finance.Payoff(kinks, values, sl, sr)
    rep = finance.replicate(payoff)
    S = np.linspace(-80.0, 80.0, 1601)
    # Rounding only: slopes up to 40/1e-3 = 4e4 times prices up to 130,
    # summed over 6 terms, in float64 (eps 2.2e-16): about 1e-9 absolute.
    np.testing.assert_allclose(rep(S), payoff(S), rtol=0, atol=1e-8)
    # the call quantities are the slope changes
    np.testing.assert_allclose(rep.quantities, np.diff(payoff.slopes()))


def test_butterfly_holdings_are_one_minus_two_one_calls():
    rep = finance.replicate(finance.butterfly(90.0, 100.0, 110.0))
    assert (rep.cash, rep.shares) == (0.0, 0.0)
    np.testing.assert_array_equal(rep.strikes, [90.0, 100.0, 110.0])
    np.testing.assert_array_equal(rep.quantities, [1.0, -2.0, 1.0])


def test_bad_payoffs_are_refused():
    with pytest.raises(ValueError, match="strictly increasing"):
        finance.Payoff([1.0, 1.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="one value per kink"):
        finance.Payoff([1.0, 2.0], [0.0])
    with pytest.raises(ValueError, match="midpoint"):
        finance.butterfly(90.0, 95.0, 110.0)
    with pytest.raises(TypeError, match="Payoff"):
        finance.replicate([1.0, 2.0])


# -------------------------------------------------- Bachelier pricing


@pytest.mark.parametrize("d", [-1.5, 0.0, 1.2])
@pytest.mark.parametrize("sigma", [2.0, 10.0])
def test_bachelier_matches_monte_carlo_within_three_standard_errors(d, sigma):
    S = 100.0 + d * sigma
    mc, se = finance.expected_relu_mc(S - 100.0, sigma, n_samples=400_000, seed=7)
    closed = finance.bachelier_call(S, 100.0, sigma)
    assert abs(mc - closed) <= 3 * se


def test_bachelier_matches_numerical_integral():
    # Independent route: integrate the payoff against the normal density.
    S, K, sigma = 103.0, 100.0, 7.0
    val, _ = integrate.quad(
        lambda z: max(S - K + sigma * z, 0.0) * stats.norm.pdf(z),
        -12,
        12,
        points=[-(S - K) / sigma],
    )
    assert finance.bachelier_call(S, K, sigma) == pytest.approx(val, rel=1e-10)


@pytest.mark.parametrize("d", [-2.0, -0.3, 0.0, 1.1])
def test_bachelier_is_the_gaussian_mean_of_relu(d):
    # Part 1's closed form for E[relu(Z)], Z ~ N(mu, sigma^2), written
    # independently in actzoo.gaussian: the same number to rounding
    from actzoo import gaussian

    sigma = 4.0
    assert finance.bachelier_call(100.0 + d * sigma, 100.0, sigma) == pytest.approx(
        gaussian.mean("relu", d * sigma, sigma), rel=1e-13, abs=1e-15
    )


def test_bachelier_at_the_money_is_sigma_over_root_two_pi():
    assert finance.bachelier_call(100.0, 100.0, 8.0) == pytest.approx(
        8.0 / math.sqrt(2 * math.pi), rel=1e-15
    )


def test_put_call_parity():
    sigma = 6.0
    c = finance.bachelier_call(S_GRID, 100.0, sigma)
    p = finance.bachelier_put(S_GRID, 100.0, sigma)
    # float64 rounding of prices up to 50: 1e-12 absolute is ample
    np.testing.assert_allclose(c - p, S_GRID - 100.0, rtol=0, atol=1e-12)


def test_bachelier_tends_to_the_payoff_as_sigma_vanishes():
    S = np.array([90.0, 99.0, 101.0, 110.0])
    np.testing.assert_allclose(
        finance.bachelier_call(S, 100.0, 1e-3), np.maximum(S - 100.0, 0.0), atol=1e-12
    )
    assert finance.bachelier_call(100.0, 100.0, 1e-3) == pytest.approx(
        1e-3 / math.sqrt(2 * math.pi)
    )


def test_bachelier_is_sigma_times_gelu_plus_density():
    sigma = 5.0
    d = (S_GRID - 100.0) / sigma
    np.testing.assert_allclose(
        finance.bachelier_call(S_GRID, 100.0, sigma),
        sigma * (gelu(d) + stats.norm.pdf(d)),
        rtol=1e-13,
        atol=1e-13,
    )


def test_bachelier_delta_and_gamma_by_finite_differences():
    sigma, h = 5.0, 1e-4
    S = np.linspace(85.0, 115.0, 61)
    C = lambda s: finance.bachelier_call(s, 100.0, sigma)  # noqa: E731
    delta = (C(S + h) - C(S - h)) / (2 * h)
    gamma = (C(S + h) - 2 * C(S) + C(S - h)) / h**2
    d = (S - 100.0) / sigma
    # central differences: O(h^2) truncation, rounding eps*C/h (1e-11) for
    # delta and eps*C/h^2 (1e-7 relative to C ~ 10) for gamma
    np.testing.assert_allclose(delta, stats.norm.cdf(d), atol=1e-8)
    np.testing.assert_allclose(gamma, stats.norm.pdf(d) / sigma, atol=2e-5)


@pytest.mark.parametrize("sigma", [0.5, 2.0])
def test_logistic_smoothing_is_softplus(sigma):
    x = np.linspace(-6.0, 6.0, 13)
    mc, se = finance.expected_relu_mc(x, sigma, "logistic", n_samples=400_000, seed=3)
    closed = sigma * softplus(x / sigma)
    assert np.all(np.abs(mc - closed) <= 3 * se + 1e-12)
    np.testing.assert_allclose(
        finance.expected_relu(x, sigma, "logistic"), closed, rtol=1e-12
    )


def test_monte_carlo_is_reproducible_and_seeded():
    a = finance.expected_relu_mc([0.0, 1.0], 1.0, n_samples=1000, seed=5)
    b = finance.expected_relu_mc([0.0, 1.0], 1.0, n_samples=1000, seed=5)
    c = finance.expected_relu_mc([0.0, 1.0], 1.0, n_samples=1000, seed=6)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_replication_price_is_sum_of_call_prices():
    fly = finance.replicate(finance.butterfly(90.0, 100.0, 110.0))
    price = fly.price(100.0, 5.0)
    ref = sum(
        q * finance.bachelier_call(100.0, k, 5.0)
        for k, q in [(90, 1), (100, -2), (110, 1)]
    )
    assert price == pytest.approx(ref, rel=1e-14)


def test_bad_pricing_inputs_are_refused():
    with pytest.raises(ValueError, match="positive"):
        finance.bachelier_call(100.0, 100.0, 0.0)
    with pytest.raises(ValueError, match="noise"):
        finance.expected_relu(0.0, 1.0, "cauchy")
    with pytest.raises(ValueError, match="finite"):
        finance.bachelier_call(np.nan, 100.0, 1.0)


# ------------------------------------------- a ReLU network as options


@pytest.fixture(scope="module")
def fitted_butterfly():
    fly = finance.butterfly(90.0, 100.0, 110.0)
    S = np.linspace(70.0, 130.0, 121)
    return fly, S, finance.fit_payoff_network(fly, S, seed=0)


def test_network_fits_the_butterfly(fitted_butterfly):
    fly, S, net = fitted_butterfly
    # the tent's peak is 10: a fit within 1% of it everywhere
    assert np.max(np.abs(net(S) - fly(S))) < 0.1
    assert net.losses[-1] < 1e-2 * net.losses[0]


def test_learned_kinks_land_on_the_strikes(fitted_butterfly):
    _, S, net = fitted_butterfly
    units = finance.units_as_options(net, (S[0], S[-1]))
    kinks, changes = finance.learned_kinks(units)
    # the grid spacing is 0.5, so a kink is pinned down to about that
    np.testing.assert_allclose(kinks, [90.0, 100.0, 110.0], atol=0.5)
    np.testing.assert_allclose(changes, [1.0, -2.0, 1.0], atol=0.05)


def test_units_as_options_reads_calls_and_puts():
    net = finance.FittedPayoffNetwork(
        w=np.array([2.0, -0.5, 1.0]),
        b=np.array([-180.0, 55.0, -500.0]),
        a=np.array([0.5, 4.0, 1.0]),
        c=0.0,
        losses=np.array([]),
    )
    units = finance.units_as_options(net, (0.0, 200.0))
    assert [(u.kind, u.strike, u.quantity) for u in units] == [
        ("call", 90.0, 1.0),
        ("put", 110.0, 2.0),
    ]
    S = np.linspace(0.0, 200.0, 9)
    ref = 1.0 * np.maximum(S - 90, 0) + 2.0 * np.maximum(110 - S, 0)
    np.testing.assert_allclose(net(S), ref, atol=1e-12)


def test_fit_is_deterministic():
    fly = finance.butterfly(90.0, 100.0, 110.0)
    S = np.linspace(70.0, 130.0, 31)
    a = finance.fit_payoff_network(fly, S, steps=50, seed=1)
    b = finance.fit_payoff_network(fly, S, steps=50, seed=1)
    np.testing.assert_array_equal(a.w, b.w)
    np.testing.assert_array_equal(a.losses, b.losses)
