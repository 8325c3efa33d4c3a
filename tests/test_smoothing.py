"""Tests of actzoo.smoothing and the smooth activations' curvature.

The softplus gap is compared with mpmath at 50 digits; second derivatives
with PyTorch's double backward (float64, rtol 1e-8: its GELU double
backward is not reproducible across processes and can be off by 3e-9
relative; ours are held to 1e-12 against mpmath elsewhere) and with central
second differences (step 1e-4: truncation ~1e-9, rounding ~1e-8, so
tolerance 1e-6).
"""

import math

import mpmath
import numpy as np
import pytest
import torch

from actzoo import ACTIVATIONS, relu, smoothing, softplus

BETAS = [0.5, 1.0, 2.0, 5.0, 20.0, 100.0]
SMOOTH = ["softplus", "silu", "gelu"]


@pytest.mark.parametrize("beta", BETAS)
def test_softplus_largest_gap_to_relu_is_ln2_over_beta_at_zero_3197636(beta):
    x = np.linspace(-5.0, 5.0, 2001)  # contains 0 exactly
    gap, where = smoothing.largest_softplus_gap(beta, x)
    assert where == 0.0
    assert gap == pytest.approx(math.log(2) / beta, rel=1e-15)
    # Away from 0 the gap is strictly smaller, and it agrees with the
    # closed form ln(1 + exp(-beta |x|)) / beta evaluated by mpmath.
    gaps = smoothing.softplus_gap(x, beta)
    assert np.all(gaps[x != 0] < gap)
    mpmath.mp.dps = 50
    for xi in [-3.0, -0.7, 0.01, 1.3, 4.9]:
        ref = mpmath.log(1 + mpmath.exp(-beta * abs(mpmath.mpf(xi)))) / beta
        assert float(smoothing.softplus_gap(xi, beta)) == pytest.approx(
            float(ref), rel=1e-12
        )


def test_softplus_tends_to_relu_as_beta_grows_3197636():
    x = np.linspace(-5.0, 5.0, 2001)
    sup = [
        np.max(np.abs(softplus(x, beta=b, threshold=1e308) - relu(x))) for b in BETAS
    ]
    assert np.all(np.diff(sup) < 0)
    np.testing.assert_allclose(np.array(sup) * np.array(BETAS), math.log(2), rtol=1e-14)
    assert sup[-1] < 1e-2


def torch_second_derivative(name, x):
    return ACTIVATIONS[name].torch_derivatives(x)[2]


@pytest.mark.parametrize("name", SMOOTH)
def test_smooth_second_derivatives_are_nonzero_and_correct_3134239(name):
    x = np.linspace(-6.0, 6.0, 1201)
    act = ACTIVATIONS[name]
    ours = act.grad2(x)
    np.testing.assert_allclose(
        ours, torch_second_derivative(name, x), rtol=1e-8, atol=1e-14
    )
    h = 1e-4
    fd = (act.fn(x + h) - 2 * act.fn(x) + act.fn(x - h)) / h**2
    np.testing.assert_allclose(ours, fd, atol=1e-6)
    # Curvature lives on a whole interval around 0, not on a point.
    near = np.abs(x) < 1
    assert np.all(np.abs(ours[near]) > 0.05)


def test_relu_second_derivative_is_zero_almost_everywhere_3134239():
    x = np.linspace(-6.0, 6.0, 1200)  # excludes the kink at 0
    assert np.all(ACTIVATIONS["relu"].grad2(x) == 0)
    assert np.all(torch_second_derivative("relu", x) == 0)
    h = 1e-4
    fd = (relu(x + h) - 2 * relu(x) + relu(x - h)) / h**2
    assert np.max(np.abs(fd)) < 1e-6


THETA = np.array([1.2, -0.7, 0.9, 0.3, 0.5, -0.4, 1.0, -1.5, 0.8])


@pytest.mark.parametrize("name", ["relu", *SMOOTH])
def test_network_curvature_matches_autograd_3134239(name):
    x = np.linspace(-3.0, 3.0, 301) + 1e-3  # avoid the kinks of the ReLU units
    ours = smoothing.network_input_curvature(name, THETA, x)
    w, b, a = (torch.tensor(v) for v in np.split(THETA, 3))
    xt = torch.tensor(x, requires_grad=True)
    u = ACTIVATIONS[name].torch(xt[:, None] * w + b) @ a
    (du,) = torch.autograd.grad(u.sum(), xt, create_graph=True)
    (d2u,) = torch.autograd.grad(du.sum(), xt, allow_unused=True)
    ref = np.zeros_like(x) if d2u is None else d2u.detach().numpy()
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-14)
    if name == "relu":
        assert np.all(ours == 0)
    else:
        assert np.max(np.abs(ours)) > 0.1


@pytest.mark.parametrize("name", ["relu", *SMOOTH])
def test_loss_hessian_matches_finite_differences_3134239(name):
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 40)
    y = np.sin(2 * x)
    act = ACTIVATIONS[name]

    def loss(theta):
        w, b, a = np.split(theta, 3)
        return 0.5 * np.mean((act.fn(np.multiply.outer(x, w) + b) @ a - y) ** 2)

    H = smoothing.loss_hessian(name, THETA, x, y)
    np.testing.assert_allclose(H, H.T, atol=1e-14)
    # Central differences with step 1e-4; ReLU's loss is piecewise quadratic
    # in (w, b) and no data point sits within 1e-3 of a kink here.
    h, n = 1e-4, THETA.size
    E = np.eye(n) * h
    fd = np.array(
        [
            [
                (
                    loss(THETA + E[i] + E[j])
                    - loss(THETA + E[i] - E[j])
                    - loss(THETA - E[i] + E[j])
                    + loss(THETA - E[i] - E[j])
                )
                / (4 * h * h)
                for j in range(n)
            ]
            for i in range(n)
        ]
    )
    np.testing.assert_allclose(H, fd, atol=1e-5)


def test_relu_loss_curvature_has_no_second_derivative_term_3134239():
    # For the (w, w) block: H = GN + (1/N) sum_i r_i a_j phi''(z_ij) x_i^2 on
    # the diagonal. ReLU leaves exactly the Gauss-Newton part; softplus not.
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, 40)
    y = np.sin(2 * x)
    w, b, a = np.split(THETA, 3)
    for name, equal in [("relu", True), ("softplus", False)]:
        act = ACTIVATIONS[name]
        z = np.multiply.outer(x, w) + b
        J = act.grad(z) * a * x[:, None]  # d u_i / d w_j
        gauss_newton = J.T @ J / x.size
        H_ww = smoothing.loss_hessian(name, THETA, x, y)[:3, :3]
        assert np.allclose(H_ww, gauss_newton, rtol=1e-12, atol=1e-14) is equal


def test_relu_hessian_jumps_at_kink_crossings_smooth_ones_do_not_3134239():
    rng = np.random.default_rng(2)
    x = rng.uniform(-2, 2, 30)
    y = np.sin(2 * x)
    d = rng.standard_normal(THETA.size)
    crossings = smoothing.kink_crossings(THETA, d, x)
    assert crossings.size > 0
    w, b, _ = np.split(THETA + crossings[0] * d, 3)
    assert np.min(np.abs(np.multiply.outer(x, w) + b)) < 1e-12
    eps = 1e-7
    for name, jumps in [("relu", True), ("softplus", False), ("gelu", False)]:
        gaps = [
            np.max(
                np.abs(
                    smoothing.loss_hessian(name, THETA + (t + eps) * d, x, y)
                    - smoothing.loss_hessian(name, THETA + (t - eps) * d, x, y)
                )
            )
            for t in crossings[:5]
        ]
        # A continuous Hessian moves by O(eps) across 2 eps; ReLU's jumps by
        # (a_j x_i)^2 / N-sized amounts.
        assert bool(min(gaps) > 1e-3) is jumps, name
        if not jumps:
            assert max(gaps) < 1e-5


def test_bad_input_gives_clear_errors():
    with pytest.raises(ValueError, match="beta must be positive"):
        smoothing.softplus_gap(1.0, beta=0.0)
    with pytest.raises(ValueError, match="length 3k"):
        smoothing.network_input_curvature("relu", np.ones(4), 0.0)
    with pytest.raises(ValueError, match="x must be 1-D"):
        smoothing.largest_softplus_gap(1.0, np.zeros((2, 2)))
