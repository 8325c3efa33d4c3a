"""Tests of actzoo.models: the MLP's arithmetic, its seed, dead units."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from actzoo import ACTIVATIONS
from actzoo.models import MLP, dead_fraction


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_forward_matches_numpy_formula(name):
    # The network is h_l = f(W_l h_{l-1} + b_l), logits = W_L h + b_L, with
    # f the registry's NumPy function: both sides in float64, so they agree
    # to rounding (1e-12 relative on values of order 1).
    net = MLP([3, 5, 4, 2], name, seed=1)
    X = np.random.default_rng(0).standard_normal((7, 3))
    h = X
    Ws = [(l.weight.detach().numpy(), l.bias.detach().numpy()) for l in net.layers]
    for W, b in Ws[:-1]:
        h = ACTIVATIONS[name].fn(h @ W.T + b)
    expected = h @ Ws[-1][0].T + Ws[-1][1]
    with torch.no_grad():
        got = net(X).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_activation_parameters_reach_the_network():
    # A one-hidden-unit net with weight 1, bias 0 and output weight 1 is the
    # activation itself: Leaky ReLU with alpha = 0.2 maps -1 to -0.2.
    net = MLP([1, 1, 1], "leaky_relu", alpha=0.2)
    with torch.no_grad():
        for layer in net.layers:
            layer.weight.fill_(1.0)
            layer.bias.zero_()
        out = net(np.array([[-1.0], [2.0]]))
    np.testing.assert_allclose(out.numpy().ravel(), [-0.2, 2.0], rtol=1e-15)
    assert net.params == {"alpha": 0.2}


def test_seed_fixes_initial_weights_across_activations():
    a = MLP([2, 8, 2], "relu", seed=3)
    b = MLP([2, 8, 2], "gelu", seed=3)
    c = MLP([2, 8, 2], "relu", seed=4)
    for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters()):
        assert pa.dtype == torch.float64
        torch.testing.assert_close(pa, pb, rtol=0, atol=0)
        assert not torch.equal(pa, pc)


def test_seed_leaves_global_generator_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    MLP([2, 16, 2], seed=9)
    torch.testing.assert_close(torch.rand(3), expected, rtol=0, atol=0)


def test_default_initialisation_bounds():
    # PyTorch's nn.Linear draws weights and biases from U(-1/sqrt(fan_in),
    # 1/sqrt(fan_in)).
    net = MLP([16, 64, 2], seed=0)
    for layer in net.layers:
        bound = 1 / np.sqrt(layer.in_features)
        for p in (layer.weight, layer.bias):
            assert p.abs().max() <= bound
    assert net.layers[0].weight.abs().max() > 0.9 / 4


def test_pre_activations_are_the_affine_maps():
    net = MLP([2, 4, 3, 2], "elu", seed=0)
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(5, 2, dtype=torch.float64, generator=gen)
    z1, z2 = net.pre_activations(X)
    torch.testing.assert_close(z1, net.layers[0](X), rtol=0, atol=0)
    torch.testing.assert_close(z2, net.layers[1](torch.nn.functional.elu(z1)))
    assert MLP([2, 2]).pre_activations(X) == []


def test_dead_fraction_counts_units_negative_on_every_row():
    net = MLP([1, 4, 1], "relu")
    with torch.no_grad():
        net.layers[0].weight.copy_(torch.tensor([[1.0], [-1.0], [0.0], [0.0]]))
        net.layers[0].bias.copy_(torch.tensor([0.0, 0.0, -1.0, 0.0]))
    X = np.array([[1.0], [2.0]])
    # Unit 0: z = x > 0 (alive); unit 1: z = -x < 0 (dead); unit 2: z = -1
    # (dead); unit 3: z = 0 on every row (dead: zero output, zero gradient).
    assert dead_fraction(net, X) == 0.75
    X_mixed = np.array([[1.0], [-2.0]])  # now unit 1 is alive on one row
    assert dead_fraction(net, X_mixed) == 0.5
    assert dead_fraction(MLP([2, 2]), np.zeros((3, 2))) == 0.0


def test_dead_fraction_of_a_unit_that_cannot_fire():
    # A unit with bias -10 and weights bounded by 1/sqrt(2) cannot fire on
    # inputs in the unit square: sum |w| |x| <= sqrt(2) < 10.
    net = MLP([2, 10, 2], seed=0)
    with torch.no_grad():
        net.layers[0].bias[:3] = -10.0
        net.layers[0].bias[3:] = 10.0
    X = np.random.default_rng(0).uniform(-1, 1, (50, 2))
    assert dead_fraction(net, X) == pytest.approx(0.3)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="unknown activation"):
        MLP([2, 2, 2], "sigmoid")
    with pytest.raises(ValueError, match="at least 2"):
        MLP([2])
    with pytest.raises(ValueError, match=r"sizes\[1\] must be at least 1"):
        MLP([2, 0, 2])
    with pytest.raises(TypeError, match="no parameter"):
        MLP([2, 3, 2], "relu", alpha=0.1)
    net = MLP([2, 3, 2])
    with pytest.raises(ValueError, match="columns"):
        net(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="2-D"):
        net(np.zeros(2))
    with pytest.raises(TypeError, match="real numbers"):
        net(np.array([["a", "b"]]))
