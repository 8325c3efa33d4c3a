"""Tests of actzoo.training: the trainer's arithmetic, records, determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from actzoo.datasets import two_moons, two_spirals
from actzoo.models import MLP, dead_fraction
from actzoo.training import History, set_seed, train


@pytest.fixture(scope="module")
def moons():
    return two_moons(200, 0.1, seed=0)


def test_history_shapes_and_ranges(moons):
    X, y = moons
    h = train(MLP([2, 16, 2], "relu", seed=0), X, y, steps=40)
    assert isinstance(h, History)
    for arr in (h.loss, h.accuracy, h.dead_fraction):
        assert arr.shape == (40,) and arr.dtype == np.float64
    assert (h.accuracy >= 0).all() and (h.accuracy <= 1).all()
    assert (h.dead_fraction >= 0).all() and (h.dead_fraction <= 1).all()
    assert set(h.state_dict) == set(h.initial_state_dict)


def test_first_entry_describes_the_initial_network(moons):
    # Cross-entropy and accuracy recomputed by hand, in NumPy, from the
    # untouched copy of the network: float64 both ways, so 1e-12.
    X, y = moons
    net = MLP([2, 16, 2], "silu", seed=2)
    fresh = MLP([2, 16, 2], "silu", seed=2)
    h = train(net, X, y, steps=5)
    with torch.no_grad():
        logits = fresh(X).numpy()
    logp = logits - np.logaddexp(logits[:, 0], logits[:, 1])[:, None]
    assert h.loss[0] == pytest.approx(-logp[np.arange(len(y)), y].mean(), rel=1e-12)
    assert h.accuracy[0] == np.mean(logits.argmax(axis=1) == y)
    assert h.dead_fraction[0] == dead_fraction(fresh, X)
    for k, v in fresh.state_dict().items():
        torch.testing.assert_close(h.initial_state_dict[k], v, rtol=0, atol=0)


def test_one_sgd_step_is_theta_minus_lr_times_gradient(moons):
    # Plain gradient descent: theta_1 = theta_0 - lr * grad L(theta_0), the
    # gradient taken independently with autograd; agreement to 1e-13.
    X, y = moons
    lr = 0.3
    ref = MLP([2, 8, 2], "elu", seed=1)
    loss = torch.nn.functional.cross_entropy(ref(X), torch.as_tensor(y))
    grads = torch.autograd.grad(loss, list(ref.parameters()))
    net = MLP([2, 8, 2], "elu", seed=1)
    h = train(net, X, y, optimizer="sgd", lr=lr, steps=1)
    for (name, p), g in zip(ref.named_parameters(), grads):
        torch.testing.assert_close(
            h.state_dict[name], p.detach() - lr * g, rtol=1e-13, atol=1e-13
        )
    assert h.loss[0] == pytest.approx(loss.item(), rel=1e-13)


def test_first_adam_step_moves_every_weight_by_lr(moons):
    # Adam's first update is lr * g / (|g| + eps) per coordinate after bias
    # correction: each weight with a gradient well above eps = 1e-8 moves by
    # lr (to 1e-6 relative, the size of eps / |g| for |g| > 1e-2).
    X, y = moons
    lr = 1e-3
    ref = MLP([2, 8, 2], "gelu", seed=4)
    loss = torch.nn.functional.cross_entropy(ref(X), torch.as_tensor(y))
    grads = torch.autograd.grad(loss, list(ref.parameters()))
    h = train(MLP([2, 8, 2], "gelu", seed=4), X, y, lr=lr, steps=1)
    for (name, p), g in zip(ref.named_parameters(), grads):
        step = (p.detach() - h.state_dict[name]).numpy()
        big = g.abs().numpy() > 1e-2
        expected = lr * np.sign(g.numpy()[big])
        np.testing.assert_allclose(step[big], expected, rtol=1e-6)


def test_training_is_deterministic_and_leaves_global_state(moons):
    X, y = moons
    threads = torch.get_num_threads()
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    h1 = train(MLP([2, 32, 2], "gelu", seed=0), X, y, steps=30, seed=3)
    torch.testing.assert_close(torch.rand(2), expected, rtol=0, atol=0)
    h2 = train(MLP([2, 32, 2], "gelu", seed=0), X, y, steps=30, seed=3)
    np.testing.assert_array_equal(h1.loss, h2.loss)
    for k in h1.state_dict:
        torch.testing.assert_close(h1.state_dict[k], h2.state_dict[k], rtol=0, atol=0)
    assert torch.get_num_threads() == threads


def test_training_fits_the_spirals():
    # Qualitative outcome that holds for every seed tried (data and weights
    # seeds 0..4, accuracy 0.96 to 0.98): a 2-64-64-2
    # network reaches at least 90% training accuracy on the spirals within
    # 400 Adam steps, and the loss falls by more than a factor of 3.
    X, y = two_spirals(400, 0.1, seed=0)
    h = train(MLP([2, 64, 64, 2], "leaky_relu", seed=0), X, y, steps=400)
    assert h.final_accuracy >= 0.9
    assert h.final_loss < h.loss[0] / 3
    assert h.loss[-1] < h.loss[0]


def test_final_measurements_match_the_final_weights(moons):
    X, y = moons
    net = MLP([2, 16, 2], "relu", seed=0)
    h = train(net, X, y, steps=20)
    with torch.no_grad():
        loss = torch.nn.functional.cross_entropy(net(X), torch.as_tensor(y))
    assert h.final_loss == pytest.approx(loss.item(), rel=1e-12)
    assert h.final_dead_fraction == dead_fraction(net, X)


def test_set_seed_reseeds_the_global_generators():
    set_seed(11)
    a = (np.random.rand(), torch.rand(1).item())
    set_seed(11)
    assert (np.random.rand(), torch.rand(1).item()) == a


def test_bad_input_is_refused(moons):
    X, y = moons
    net = MLP([2, 4, 2])
    with pytest.raises(ValueError, match="optimizer"):
        train(net, X, y, optimizer="lbfgs")
    with pytest.raises(ValueError, match="positive"):
        train(net, X, y, lr=0.0)
    with pytest.raises(ValueError, match="at least 1"):
        train(net, X, y, steps=0)
    with pytest.raises(ValueError, match="shape"):
        train(net, X, y[:-1])
    with pytest.raises(ValueError, match=r"labels in 0\.\.1"):
        train(net, X, y + 1)
    with pytest.raises(ValueError, match="integer class labels"):
        train(net, X, y + 0.5)
    with pytest.raises(TypeError, match="forward_with_pre_activations"):
        train(torch.nn.Linear(2, 2), X, y)
