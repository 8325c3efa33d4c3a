"""Tests of actzoo.selfnorm: SELU's fixed point, deep propagation, AlphaDropout.

SELU's constants are compared with the values published by Klambauer et
al. (2017) and with what PyTorch's own selu computes; AlphaDropout with
torch.nn.AlphaDropout, exactly (same mask) and in distribution.
"""

import math

import numpy as np
import pytest
import torch

from actzoo import gaussian, selfnorm

PUBLISHED_ALPHA = 1.6732632423543772
PUBLISHED_SCALE = 1.0507009873554805


@pytest.mark.parametrize("x0", [(1.0, 1.0), (2.5, 0.7), (0.5, 2.0)])
def test_selu_constants_solve_the_fixed_point_equations_3197581(x0):
    alpha, scale = selfnorm.solve_selu_constants(x0)
    assert abs(alpha - PUBLISHED_ALPHA) < 1e-10
    assert abs(scale - PUBLISHED_SCALE) < 1e-10
    np.testing.assert_allclose(
        selfnorm.fixed_point_residuals(alpha, scale), 0, atol=1e-14
    )


def test_selu_constants_agree_with_torch_selu_3197581():
    # selu(1) = scale and selu(-inf) = -scale * alpha, in float64.
    x = torch.tensor([1.0, -800.0], dtype=torch.float64)
    y = torch.nn.functional.selu(x).numpy()
    alpha, scale = selfnorm.solve_selu_constants()
    assert scale == pytest.approx(y[0], rel=1e-12)
    assert alpha == pytest.approx(-y[1] / y[0], rel=1e-12)


def test_selu_alpha_is_the_zero_mean_elu_alpha_3197588():
    # The mean equation does not involve the scale, so it fixes alpha alone.
    alpha, _ = selfnorm.solve_selu_constants()
    assert alpha == pytest.approx(gaussian.elu_zero_mean_alpha(), abs=1e-12)


def test_selu_fixed_point_attracts_the_moment_map_3197581():
    mus, nus = selfnorm.propagate_moments("selu", 0.5, 2.0, 60)
    assert abs(mus[-1]) < 1e-3 and abs(nus[-1] - 1) < 1e-3
    mus, nus = selfnorm.propagate_moments("selu", -0.3, 0.4, 60)
    assert abs(mus[-1]) < 1e-3 and abs(nus[-1] - 1) < 1e-3


def test_moment_map_matches_sampling():
    # One layer: z ~ N(mu omega, nu tau); 4e5 draws, 4 standard errors.
    rng = np.random.default_rng(3)
    mu, nu, omega, tau = 0.4, 1.5, 0.5, 0.8
    z = rng.normal(mu * omega, math.sqrt(nu * tau), 400_000)
    from actzoo import selu

    y = selu(z)
    m, v = selfnorm.moment_map("selu", mu, nu, omega, tau)
    assert abs(y.mean() - m) < 4 * y.std() / math.sqrt(z.size)
    assert y.var() == pytest.approx(v, rel=2e-2)


def test_deep_selu_keeps_mean_and_variance_where_relu_drifts_3197581():
    selu_stats = selfnorm.simulate_network_moments(
        "selu", depth=50, width=256, n_samples=800, seed=0
    )
    # Finite width makes each layer's statistics fluctuate by a few percent.
    assert np.max(np.abs(selu_stats.mean)) < 0.1
    assert np.max(np.abs(selu_stats.variance - 1)) < 0.15
    relu_stats = selfnorm.simulate_network_moments(
        "relu", depth=50, width=256, n_samples=800, seed=0
    )
    # With LeCun weights ReLU halves the second moment at every layer.
    assert relu_stats.variance[50] < 1e-10
    assert np.all(relu_stats.mean[1:] > 0)
    # Mean field: q_(l+1) = q_l / 2, Var ReLU(z_l) = q_l (1/2 - 1/(2 pi)).
    q = 0.5 ** np.arange(8)
    theory = selfnorm.propagate_random_weights("relu", 1.0, 8)
    np.testing.assert_allclose(
        theory.variance, q * (0.5 - 1 / (2 * math.pi)), rtol=1e-13
    )
    np.testing.assert_allclose(theory.mean, np.sqrt(q / (2 * math.pi)), rtol=1e-13)
    # One finite network fluctuates around it by ~sqrt(2/width) per layer.
    np.testing.assert_allclose(relu_stats.variance[1:9], theory.variance, rtol=0.25)


def test_alpha_dropout_matches_torch_exactly_given_the_mask_3197581():
    torch.manual_seed(0)
    p = 0.3
    x = torch.randn(2000, dtype=torch.float64)
    y = torch.nn.AlphaDropout(p).train()(x).numpy()
    a, b, a_prime = selfnorm.alpha_dropout_affine(p)
    dropped_value = a * a_prime + b
    keep = ~np.isclose(y, dropped_value, rtol=0, atol=1e-12)
    assert 0.6 < keep.mean() < 0.8
    np.testing.assert_allclose(
        selfnorm.alpha_dropout(x.numpy(), p, mask=keep), y, rtol=1e-13, atol=1e-13
    )


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5])
def test_alpha_dropout_keeps_moments_plain_dropout_does_not_3197581(p):
    n = 1_000_000
    x = np.random.default_rng(11).standard_normal(n)
    ours = selfnorm.alpha_dropout(x, p, seed=12)
    torch.manual_seed(13)
    theirs = torch.nn.AlphaDropout(p).train()(torch.tensor(x)).numpy()
    plain = selfnorm.dropout(x, p, seed=14)
    exact_alpha = selfnorm.dropout_moments("alpha", p)
    exact_plain = selfnorm.dropout_moments("plain", p)
    assert exact_alpha.mean == pytest.approx(0, abs=1e-15)
    assert exact_alpha.variance == pytest.approx(1, rel=1e-14)
    assert exact_plain.variance == pytest.approx(1 / (1 - p), rel=1e-14)
    for y, exact in [(ours, exact_alpha), (theirs, exact_alpha), (plain, exact_plain)]:
        se = y.std() / math.sqrt(n)
        assert abs(y.mean() - exact.mean) < 4 * se
        # The sample variance has relative standard error about
        # sqrt((kurtosis - 1) / n) < 0.5% here.
        assert y.var() == pytest.approx(exact.variance, rel=1.5e-2)
    assert plain.var() > 1.05


def test_deep_selu_with_alpha_dropout_keeps_moments_3197581():
    kw = dict(depth=30, width=256, n_samples=500, seed=4, p=0.2)
    alpha = selfnorm.simulate_network_moments("selu", dropout_kind="alpha", **kw)
    plain = selfnorm.simulate_network_moments("selu", dropout_kind="plain", **kw)
    assert np.max(np.abs(alpha.mean)) < 0.1
    assert np.max(np.abs(alpha.variance - 1)) < 0.15
    # Plain dropout inflates the variance to 1/(1 - p) = 1.25 at each layer
    # before SELU pulls it back: the network settles away from (0, 1).
    assert np.mean(plain.variance[10:]) > 1.15


def test_dropout_moments_for_general_input():
    rng = np.random.default_rng(5)
    x = rng.normal(0.5, math.sqrt(2.0), 1_000_000)
    for kind, fn in [("alpha", selfnorm.alpha_dropout), ("plain", selfnorm.dropout)]:
        y = fn(x, 0.25, seed=6)
        m = selfnorm.dropout_moments(kind, 0.25, 0.5, 2.0)
        assert abs(y.mean() - m.mean) < 4 * y.std() / math.sqrt(x.size)
        assert y.var() == pytest.approx(m.variance, rel=1.5e-2)


def test_bad_input_gives_clear_errors():
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        selfnorm.alpha_dropout(np.zeros(3), 1.0)
    with pytest.raises(ValueError, match="mask has shape"):
        selfnorm.dropout(np.zeros(3), 0.5, mask=np.ones(4, bool))
    with pytest.raises(ValueError, match="kind must be"):
        selfnorm.dropout_moments("gaussian", 0.5)
    with pytest.raises(ValueError, match="nu must be positive"):
        selfnorm.moment_map("selu", 0.0, 0.0)
