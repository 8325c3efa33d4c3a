"""Tests of actzoo.dead_units: zero gradients, the stuck unit and its revival.

Problem ids: [3197617] zero-gradient probability, [3197628] [3197639] the
thought experiment and the smallest leak.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import optimize, stats

from actzoo.datasets import two_moons
from actzoo.dead_units import (
    min_alpha_for_update,
    preactivation_change,
    train_unit,
    zero_gradient_fraction,
    zero_gradient_probability,
)
from actzoo.kink import NOISE_LAWS, sample_symmetric
from actzoo.models import MLP, dead_units
from actzoo.training import train

N = 200_000
# A fraction estimated from N draws has standard error <= 1 / (2 sqrt(N))
# = 1.1e-3; five of them is a false-alarm rate below 1e-6.
TOL = 5 / (2 * np.sqrt(N))

# A unit switched off on its one example: z = w.x + b = -0.75 + 0.25 - 0.5.
W0 = np.array([0.5, -0.25])
B0 = -0.5
X0 = np.array([-1.5, -1.0])
TARGET = 1.0


# ------------------------------------------------- zero-gradient probability


@pytest.mark.parametrize("noise", sorted(NOISE_LAWS))
def test_relu_zero_gradient_probability_is_one_half_3197617(noise):
    assert zero_gradient_probability("relu", noise=noise) == 0.5
    z = sample_symmetric(N, noise=noise, scale=0.7, seed=5)
    assert abs(zero_gradient_fraction("relu", z) - 0.5) < TOL


@pytest.mark.parametrize("noise", sorted(NOISE_LAWS))
@pytest.mark.parametrize("alpha", [1e-4, 0.01, 0.3])
def test_leaky_relu_zero_gradient_probability_is_zero_3197617(noise, alpha):
    assert zero_gradient_probability("leaky_relu", noise=noise, alpha=alpha) == 0.0
    # Exact zeros included: the leak's slope at the kink is alpha, not 0.
    z = np.concatenate([sample_symmetric(N, noise=noise, seed=6), [0.0, -0.0]])
    assert zero_gradient_fraction("leaky_relu", z, alpha=alpha) == 0.0


def test_zero_gradient_fraction_agrees_with_torch_autograd_3197617():
    # Count the zero entries of autograd's gradient of sum(f(z)) directly.
    z = np.concatenate([sample_symmetric(10_001, seed=7), [0.0]])
    t = torch.tensor(z, requires_grad=True)
    for name, f, params in [
        ("relu", torch.relu, {}),
        (
            "leaky_relu",
            lambda u: torch.nn.functional.leaky_relu(u, 0.01),
            {"alpha": 0.01},
        ),
        ("elu", torch.nn.functional.elu, {}),
    ]:
        (g,) = torch.autograd.grad(f(t).sum(), t)
        expected = float((g == 0).double().mean())
        assert zero_gradient_fraction(name, z, **params) == expected


@pytest.mark.parametrize("loc", [-1.0, -0.2, 0.3, 2.0])
def test_shifted_zero_gradient_probability_is_the_normal_cdf_3197617(loc):
    # P(z <= 0) for z ~ N(loc, 0.5^2) is Phi(-loc / 0.5) (scipy), and a
    # leak of 0 is ReLU again.
    expected = stats.norm.cdf(-loc / 0.5)
    got = zero_gradient_probability("relu", loc=loc, scale=0.5)
    assert got == pytest.approx(expected, abs=1e-15)
    assert zero_gradient_probability("leaky_relu", loc=loc, scale=0.5, alpha=0.0) == got
    assert zero_gradient_probability("elu", loc=loc, scale=0.5) == 0.0
    z = loc + sample_symmetric(N, scale=0.5, seed=8)
    assert abs(zero_gradient_fraction("relu", z) - expected) < TOL


def test_zero_gradient_input_errors():
    with pytest.raises(ValueError, match="closed form"):
        zero_gradient_probability("gelu")
    with pytest.raises(ValueError, match="non-negative"):
        zero_gradient_probability("leaky_relu", alpha=-0.1)
    with pytest.raises(ValueError, match="unknown activation"):
        zero_gradient_fraction("tanh", [0.0])
    with pytest.raises(ValueError, match="empty"):
        zero_gradient_fraction("relu", [])


# ------------------------------------------------------ thought experiment


def _torch_unit_run(alpha: float, lr: float, steps: int) -> np.ndarray:
    """The same gradient descent written with autograd, returns z per step."""
    w = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(B0, dtype=torch.float64, requires_grad=True)
    x = torch.tensor(X0)
    zs = []
    for _ in range(steps + 1):
        z = w @ x + b
        zs.append(z.item())
        a = torch.nn.functional.leaky_relu(z, alpha)
        loss = 0.5 * (a - TARGET) ** 2
        gw, gb = torch.autograd.grad(loss, (w, b))
        with torch.no_grad():
            w -= lr * gw
            b -= lr * gb
    return np.array(zs)


def test_relu_unit_with_negative_pre_activation_never_moves_3197628():
    run = train_unit(W0, B0, X0, TARGET, activation="relu", lr=0.5, steps=10_000)
    assert run.z[0] == pytest.approx(-1.0, abs=1e-15)
    # Bit-identical weights after ten thousand steps: the update is 0.0.
    assert np.array_equal(run.w, np.broadcast_to(W0, run.w.shape))
    assert np.all(run.b == B0)
    assert np.all(run.loss == 0.5 * TARGET**2)
    assert run.revival_step is None


@pytest.mark.parametrize("alpha", [0.0, 0.01, 0.2])
def test_train_unit_matches_torch_autograd_3197628(alpha):
    # Agreement to 1e-12: both do the same float64 arithmetic up to
    # rounding order, over 300 steps of a contracting iteration.
    run = train_unit(
        W0, B0, X0, TARGET, activation="leaky_relu", alpha=alpha, lr=0.05, steps=300
    )
    np.testing.assert_allclose(
        run.z, _torch_unit_run(alpha, 0.05, 300), rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("alpha", [1e-3, 0.01, 0.1])
def test_any_positive_leak_moves_and_revives_the_unit_3197639(alpha):
    run = train_unit(
        W0, B0, X0, TARGET, activation="leaky_relu", alpha=alpha, lr=0.05, steps=20_000
    )
    assert not np.array_equal(run.w[1], run.w[0])
    # z rises monotonically while negative, crosses 0, then the unit learns
    # with slope 1 and fits the target.
    k = run.revival_step
    assert k is not None and k > 1
    assert np.all(np.diff(run.z[: k + 1]) > 0)
    assert run.loss[-1] < 1e-12


def test_revival_time_shrinks_with_the_leak_3197639():
    steps = [
        train_unit(
            W0, B0, X0, TARGET, activation="leaky_relu", alpha=a, lr=0.05, steps=20_000
        ).revival_step
        for a in (0.003, 0.01, 0.03, 0.1)
    ]
    assert all(s is not None for s in steps)
    assert steps == sorted(steps, reverse=True) and len(set(steps)) == 4


@pytest.mark.parametrize("alpha", [0.003, 0.01])
def test_revival_time_matches_the_linearised_estimate_3197639(alpha):
    # While alpha * z is small next to t, z rises by about
    # lr (|x|^2 + 1) alpha t per step, so it needs |z0| / that many steps
    # to reach 0. The neglected alpha^2 |z| term and the drift of z make
    # the estimate good to about alpha |z0| / t relative: 2% here.
    lr = 0.05
    z0 = float(W0 @ X0 + B0)
    estimate = abs(z0) / (lr * (X0 @ X0 + 1) * alpha * TARGET)
    run = train_unit(
        W0, B0, X0, TARGET, activation="leaky_relu", alpha=alpha, lr=lr, steps=5_000
    )
    assert run.revival_step == pytest.approx(estimate, rel=0.02)


@pytest.mark.parametrize("alpha", [1e-3, 0.05, 0.5])
def test_one_step_pre_activation_change_matches_simulation_3197628(alpha):
    z0 = float(W0 @ X0 + B0)
    run = train_unit(
        W0, B0, X0, TARGET, activation="leaky_relu", alpha=alpha, lr=0.1, steps=1
    )
    expected = run.z[1] - run.z[0]
    got = preactivation_change(alpha, z0, X0, TARGET, 0.1)
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("delta", [1e-3, 0.05, 1.0])
@pytest.mark.parametrize("lr", [0.01, 0.3])
def test_smallest_alpha_closed_form_matches_simulation_3197628(delta, lr):
    z0 = float(W0 @ X0 + B0)

    def simulated_gain(alpha: float) -> float:
        run = train_unit(
            W0, B0, X0, TARGET, activation="leaky_relu", alpha=alpha, lr=lr, steps=1
        )
        return float(run.z[1] - run.z[0]) - delta

    # Root of the simulated one-step gain, found by Brent's method to 1e-15.
    root = optimize.brentq(simulated_gain, 1e-12, 50.0, xtol=1e-15)
    alpha_star = min_alpha_for_update(z0, X0, TARGET, lr, delta)
    assert alpha_star == pytest.approx(root, rel=1e-9)
    # Smallest: 0.1% less leak falls short, the answer itself suffices.
    assert simulated_gain(alpha_star * 0.999) < 0
    assert simulated_gain(alpha_star) > -1e-12 * delta


def test_smallest_alpha_revives_the_unit_in_one_step_3197628():
    z0 = float(W0 @ X0 + B0)
    alpha = min_alpha_for_update(z0, X0, TARGET, 0.1, -z0)
    after = train_unit(
        W0,
        B0,
        X0,
        TARGET,
        activation="leaky_relu",
        alpha=alpha * (1 + 1e-9),
        lr=0.1,
        steps=1,
    ).z[1]
    before = train_unit(
        W0,
        B0,
        X0,
        TARGET,
        activation="leaky_relu",
        alpha=alpha * (1 - 1e-6),
        lr=0.1,
        steps=1,
    ).z[1]
    assert after >= 0 > before


def test_min_alpha_input_errors():
    with pytest.raises(ValueError, match="switched off"):
        min_alpha_for_update(0.5, X0, TARGET, 0.1, 1.0)
    with pytest.raises(ValueError, match="positive"):
        min_alpha_for_update(-1.0, X0, -1.0, 0.1, 1.0)
    with pytest.raises(ValueError, match="positive"):
        min_alpha_for_update(-1.0, X0, TARGET, 0.1, 0.0)
    with pytest.raises(ValueError, match="shape"):
        train_unit([1.0, 2.0, 3.0], 0.0, X0, TARGET)
    with pytest.raises(ValueError, match="steps"):
        train_unit(W0, B0, X0, TARGET, steps=-1)


# --------------------------------------------------- a network, high lr


def _first_layer_dead(net: MLP, X: np.ndarray) -> torch.Tensor:
    with torch.no_grad():
        return dead_units(net.pre_activations(X)[:1])


def test_dead_first_layer_relu_units_are_frozen_under_sgd_3197628():
    # Plain gradient descent with a large step kills first-layer units;
    # their input is the fixed data, so their gradient is exactly zero and
    # their weights never change again. Under Leaky ReLU the same units move.
    X, y = two_moons(200, 0.1, seed=0)
    for name, params in [("relu", {}), ("leaky_relu", {"alpha": 0.01})]:
        net = MLP([2, 32, 32, 2], name, seed=0, **params)
        train(net, X, y, optimizer="sgd", lr=5.0, steps=20)
        dead = _first_layer_dead(net, X)
        assert dead.any()
        before = net.layers[0].weight.detach().clone()
        train(net, X, y, optimizer="sgd", lr=0.1, steps=50)
        after = net.layers[0].weight.detach()
        frozen = torch.equal(before[dead], after[dead])
        assert frozen == (name == "relu")


def test_large_learning_rate_leaves_more_dead_relu_units_3197628():
    # Averaged over three initialisations, Adam with a large step leaves a
    # larger share of units switched off on the whole data set with ReLU
    # than with Leaky ReLU (alpha = 0.01), whose units can come back.
    X, y = two_moons(200, 0.1, seed=0)
    final = {}
    for name, params in [("relu", {}), ("leaky_relu", {"alpha": 0.01})]:
        final[name] = np.mean(
            [
                train(
                    MLP([2, 32, 32, 2], name, seed=s, **params),
                    X,
                    y,
                    optimizer="adam",
                    lr=0.1,
                    steps=150,
                ).final_dead_fraction
                for s in range(3)
            ]
        )
    assert final["relu"] > final["leaky_relu"] + 0.05
