"""Tests of actzoo.gradient_flow: layer Jacobians against PyTorch autograd.

Jacobian products are compared with torch.autograd.functional.jacobian of
the same float64 network (relative tolerance 1e-10: the products involve
at most a few hundred roundings); growth rates with their analytic values.
"""

import math

import numpy as np
import pytest
import torch

from actzoo import ACTIVATIONS
from actzoo import gradient_flow as gf


def torch_top_from_first(weights, z1, name):
    """Return d z_L / d z_1 by autograd."""
    act = ACTIVATIONS[name]
    Ws = [torch.tensor(W) for W in weights]

    def top(z):
        for W in Ws[1:]:
            z = W @ act.torch(z)
        return z

    return torch.autograd.functional.jacobian(top, torch.tensor(z1)).numpy()


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "gelu", "silu"])
def test_jacobian_product_matches_autograd_3185011(name):
    W = gf.gaussian_weights([6, 8, 7, 8, 5], gain=1.5, seed=2)
    x = np.random.default_rng(3).standard_normal(6)
    z = gf.forward_preactivations(x, W, name)
    prod = gf.jacobian_product(gf.layer_jacobians(W, z, name))
    assert prod.shape == (8, 5)
    np.testing.assert_allclose(
        prod.T, torch_top_from_first(W, z[0], name), rtol=1e-10, atol=1e-13
    )


def test_relu_gradients_explode_like_w_to_the_L_3185011():
    # Scaled permutation matrices have every singular value equal to w; with
    # a positive input every ReLU is active, so D_l = I and the product's
    # norm must be exactly w^(L-1).
    rng = np.random.default_rng(0)
    n, depth, w = 10, 30, 1.3
    W = [w * np.eye(n)[rng.permutation(n)] for _ in range(depth)]
    z = gf.forward_preactivations(np.abs(rng.standard_normal(n)) + 0.1, W, "relu")
    prod = gf.jacobian_product(gf.layer_jacobians(W, z, "relu"))
    assert np.linalg.norm(prod, 2) == pytest.approx(w ** (depth - 1), rel=1e-12)
    auto = torch_top_from_first(W, z[0], "relu")
    assert np.linalg.norm(auto, 2) == pytest.approx(w ** (depth - 1), rel=1e-12)
    norms = gf.backprop_norms(gf.layer_jacobians(W, z, "relu"), np.ones(n))
    np.testing.assert_allclose(norms, math.sqrt(n) * w ** np.arange(depth), rtol=1e-12)


@pytest.mark.parametrize("gain", [1.0, math.sqrt(2.0), 2.0])
def test_random_relu_network_grows_by_gain_over_sqrt2_3185011(gain):
    # Width 400: each layer's squared-norm ratio fluctuates by about
    # sqrt(2/400) ~ 7%; the log-slope over 30 layers is accurate to ~2%.
    depth, width = 30, 400
    slopes = []
    for seed in range(3):
        norms = gf.random_network_gradient_norms("relu", width, depth, gain, seed=seed)
        slopes.append(np.polyfit(np.arange(depth), np.log(norms), 1)[0])
    assert np.mean(slopes) == pytest.approx(
        math.log(gf.relu_norm_factor(gain)), abs=0.04
    )


def test_elu_negative_regime_gives_three_quarters_per_layer_3197622():
    w, s = 1.5, -math.log(2.0)  # ELU'(s) = e^s = 1/2
    b = gf.chain_bias_for_fixed_point(w, s, "elu")
    grads = gf.chain_gradient(w, b, s, 40, "elu")
    np.testing.assert_allclose(grads, 0.75 ** np.arange(41), rtol=1e-12)
    # The same chain through PyTorch autograd.
    z0 = torch.tensor(s, dtype=torch.float64, requires_grad=True)
    z = z0
    for _ in range(40):
        z = w * torch.nn.functional.elu(z) + b
    (g,) = torch.autograd.grad(z, z0)
    assert g.item() == pytest.approx(0.75**40, rel=1e-12)


def test_relu_chain_with_the_same_weight_explodes_3197622():
    w, s = 1.5, 1.0
    b = gf.chain_bias_for_fixed_point(w, s, "relu")
    grads = gf.chain_gradient(w, b, s, 40, "relu")
    np.testing.assert_allclose(grads, 1.5 ** np.arange(41), rtol=1e-12)


def test_weight_scale_decides_between_vanishing_and_exploding_3197622():
    # ELU at s = -ln 2 multiplies by w/2: below w = 2 it vanishes, above it
    # explodes, at w = 2 the gradient is carried unchanged.
    s = -math.log(2.0)
    finals = {}
    for w in [1.5, 2.0, 3.0]:
        b = gf.chain_bias_for_fixed_point(w, s, "elu")
        finals[w] = gf.chain_gradient(w, b, s, 20, "elu")[-1]
    assert finals[1.5] == pytest.approx(0.75**20, rel=1e-12)
    assert finals[2.0] == pytest.approx(1.0, rel=1e-12)
    assert finals[3.0] == pytest.approx(1.5**20, rel=1e-12)


def test_bad_input_gives_clear_errors():
    with pytest.raises(ValueError, match="receives an input of length"):
        gf.forward_preactivations(np.ones(3), [np.ones((2, 4))], "relu")
    with pytest.raises(ValueError, match="widths needs at least 2 entries"):
        gf.gaussian_weights([3])
    with pytest.raises(ValueError, match="unknown activation"):
        gf.layer_jacobians([], [], "tanh")
    with pytest.raises(ValueError, match="depth must be"):
        gf.chain_gradient(1.0, 0.0, 0.0, -1, "relu")
