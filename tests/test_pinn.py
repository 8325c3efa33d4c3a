"""Tests for actzoo.pinn: physics-informed networks for u'' = f on [0, 1]."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from actzoo import pinn


@pytest.fixture(scope="module")
def problem():
    return pinn.sine_problem()


def test_sine_problem_solution_solves_the_equation(problem):
    x, h = np.linspace(0.05, 0.95, 19), 1e-4
    u = problem.exact
    d2 = (u(x + h) - 2 * u(x) + u(x - h)) / h**2
    # central difference: truncation h^2 u''''/12 ~ 1e-7, rounding
    # 4 eps / h^2 ~ 1e-7, against values of size pi^2
    np.testing.assert_allclose(d2, problem.f(x), atol=1e-5)
    assert (u(np.array(0.0)), u(np.array(1.0))) == pytest.approx(
        (problem.u0, problem.u1), abs=1e-15
    )


def test_second_derivative_of_a_known_function():
    x = torch.linspace(-2.0, 2.0, 41, dtype=torch.float64)[:, None]
    y, d2 = pinn.second_derivative(lambda t: torch.sin(3 * t), x)
    np.testing.assert_allclose(
        d2.detach().numpy(), -9 * np.sin(3 * x.numpy()), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(y.detach().numpy(), np.sin(3 * x.numpy()))


@pytest.mark.parametrize("name", ["tanh", "gelu"])
def test_second_derivative_of_a_network_matches_finite_differences(name):
    torch.manual_seed(0)
    act = torch.tanh if name == "tanh" else torch.nn.functional.gelu
    W1 = torch.randn(8, 1, dtype=torch.float64)
    b1 = torch.randn(8, dtype=torch.float64)
    W2 = torch.randn(1, 8, dtype=torch.float64)

    def u(t):
        return act(t @ W1.T + b1) @ W2.T

    x = torch.linspace(0.0, 1.0, 11, dtype=torch.float64)[:, None]
    _, d2 = pinn.second_derivative(u, x)
    h = 1e-4
    fd = (u(x + h) - 2 * u(x) + u(x - h)) / h**2
    # O(h^2) truncation plus 4 eps |u| / h^2 rounding: about 1e-6
    np.testing.assert_allclose(d2.detach().numpy(), fd.numpy(), atol=1e-5)


def test_relu_network_has_zero_curvature_and_no_residual_gradient(problem):
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(1, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 1),
    ).double()
    x = torch.linspace(0.01, 0.99, 50, dtype=torch.float64)[:, None]
    f = torch.tensor(problem.f(x.numpy()))
    _, d2 = pinn.second_derivative(net, x)
    assert torch.count_nonzero(d2) == 0
    residual = torch.mean((d2 - f) ** 2)
    assert residual.item() == pytest.approx(float(torch.mean(f**2)), rel=1e-14)
    grads = torch.autograd.grad(residual, list(net.parameters()), allow_unused=True)
    assert all(g is None or torch.count_nonzero(g) == 0 for g in grads)


@pytest.mark.parametrize("name", ["tanh", "softplus", "silu", "gelu"])
def test_smooth_activations_solve_the_equation(problem, name):
    result = pinn.train_pinn(name, problem, seed=0)
    assert result.max_error < 1e-2
    # the residual is fitted too: over 1000 times below mean(f^2) (about
    # 49), where a network with no curvature is stuck
    x_col = np.linspace(0.0, 1.0, 50)[1:-1]
    assert result.residual_loss < 1e-3 * np.mean(problem.f(x_col) ** 2)
    assert result.seconds < 30


def test_relu_cannot_fit_the_residual(problem):
    result = pinn.train_pinn("relu", problem, seed=0)
    x_col = np.linspace(0.0, 1.0, 50)[1:-1]  # the default 48 collocation points
    floor = float(np.mean(problem.f(x_col) ** 2))
    # the residual term is mean(f^2) exactly, whatever the weights
    assert result.residual_loss == pytest.approx(floor, rel=1e-12)
    assert np.all(result.d2u == 0.0)
    # it meets the boundary values, the only thing training can change,
    # but misses the solution's bump (height 1) in between by half of it
    assert result.boundary_loss < 1e-8
    assert result.max_error > 0.5


def test_training_is_deterministic(problem):
    a = pinn.train_pinn("gelu", problem, adam_steps=20, lbfgs_steps=10, seed=3)
    b = pinn.train_pinn("gelu", problem, adam_steps=20, lbfgs_steps=10, seed=3)
    c = pinn.train_pinn("gelu", problem, adam_steps=20, lbfgs_steps=10, seed=4)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_array_equal(a.u, b.u)
    assert not np.array_equal(a.u, c.u)


def test_bad_input_is_refused(problem):
    with pytest.raises(ValueError, match="unknown activation"):
        pinn.train_pinn("sigmoidish", problem)
    with pytest.raises(ValueError, match="widths"):
        pinn.train_pinn("tanh", problem, widths=(0,))
    with pytest.raises(ValueError, match="k must be at least 1"):
        pinn.sine_problem(0)


def test_sine_problem_k_scales_the_forcing():
    p2 = pinn.sine_problem(2)
    x = np.array([0.25])
    assert p2.f(x)[0] == pytest.approx(-((2 * math.pi) ** 2))
    assert p2.exact(x)[0] == pytest.approx(1.25)
