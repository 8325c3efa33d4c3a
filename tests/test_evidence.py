"""The many-seed machinery of the evidence chapter.

The stacked network must be exactly as many independent networks: each
copy is checked against :func:`actzoo.training.train` on the same seed
(float64: the two differ only in summation order, relative 1e-9 over 40
Adam steps), against a stack without the other copies, and its sharpness
against :func:`actzoo.sharpness.top_eigenvalue`. The paired test is
checked against SciPy's exact permutation test.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import torch

from actzoo import evidence as E
from actzoo.datasets import two_moons
from actzoo.models import MLP
from actzoo.sharpness import top_eigenvalue
from actzoo.training import train

X_NP, Y_NP = two_moons(120, 0.1, seed=3)
X, Y = torch.as_tensor(X_NP), torch.as_tensor(Y_NP)
SIZES = [2, 16, 16, 2]


@pytest.mark.parametrize("name", ["relu", "elu", "gelu"])
def test_each_copy_trains_as_the_single_network_does(name):
    stack = E.SeedBatchMLP(SIZES, name, [0, 5], dtype=torch.float64)
    runs = E.train_seeds(stack, X, Y, steps=40, lr=1e-2)
    for row, seed in enumerate([0, 5]):
        single = train(MLP(SIZES, name, seed=seed), X_NP, Y_NP, steps=40, lr=1e-2)
        np.testing.assert_allclose(runs.loss[row], single.loss, rtol=1e-9)
        np.testing.assert_array_equal(runs.dead_fraction[row], single.dead_fraction)
        assert runs.final_loss[row] == pytest.approx(single.final_loss, rel=1e-9)


def test_copies_do_not_interact_and_sgd_works():
    both = E.train_seeds(
        E.SeedBatchMLP(SIZES, "silu", [1, 2], dtype=torch.float64),
        X,
        Y,
        steps=25,
        optimizer="sgd",
        lr=0.5,
    )
    alone = E.train_seeds(
        E.SeedBatchMLP(SIZES, "silu", [2], dtype=torch.float64),
        X,
        Y,
        steps=25,
        optimizer="sgd",
        lr=0.5,
    )
    np.testing.assert_allclose(both.loss[1], alone.loss[0], rtol=1e-12)
    assert both.loss[0, -1] < both.loss[0, 0]


def test_recorded_means_and_gradient_norms_are_the_networks():
    stack = E.SeedBatchMLP(SIZES, "relu", [4], dtype=torch.float64)
    runs = E.train_seeds(stack, X, Y, steps=1)
    net = MLP(SIZES, "relu", seed=4)
    h1 = torch.relu(net.layers[0](X))
    h2 = torch.relu(net.layers[1](h1))
    assert runs.mean_activation[0, 0, 0] == pytest.approx(h1.mean().item(), rel=1e-12)
    assert runs.mean_activation[0, 0, 1] == pytest.approx(h2.mean().item(), rel=1e-12)
    loss = torch.nn.functional.cross_entropy(net(X), Y)
    grads = torch.autograd.grad(loss, [layer.weight for layer in net.layers])
    np.testing.assert_allclose(
        runs.grad_norm[0, 0], [g.norm().item() for g in grads], rtol=1e-12
    )


def test_batchnorm_centres_and_scales_each_unit_and_test_uses_training_stats():
    stack = E.SeedBatchMLP(SIZES, "elu", [0, 1], norm="batch", dtype=torch.float64)
    _, pres, _, stats = stack.forward_all(X)
    for z, (_, raw_var) in zip(pres, stats):
        np.testing.assert_allclose(z.mean(dim=1).detach(), 0, atol=1e-12)
        # variance v / (v + eps), eps = 1e-5 keeping 1/sqrt finite
        np.testing.assert_allclose(
            z.var(dim=1, unbiased=False).detach(),
            (raw_var / (raw_var + 1e-5))[:, 0],
            rtol=1e-12,
        )
    # One example alone, normalised with the batch's statistics, gives the
    # same output as inside the batch.
    whole = stack.forward_all(X, stats)[0]
    one = stack.forward_all(X[:1], stats)[0]
    np.testing.assert_allclose(one.detach(), whole[:, :1].detach(), rtol=1e-12)


def test_mean_centring_removes_the_mean_and_keeps_the_spread():
    plain = E.SeedBatchMLP(SIZES, "relu", [3], dtype=torch.float64)
    centred = E.SeedBatchMLP(SIZES, "relu", [3], norm="mean", dtype=torch.float64)
    z_plain = plain.forward_all(X)[1][0]
    z_centred = centred.forward_all(X)[1][0]
    np.testing.assert_allclose(z_centred.mean(dim=1).detach(), 0, atol=1e-12)
    np.testing.assert_allclose(
        z_centred.detach(),
        (z_plain - z_plain.mean(dim=1, keepdim=True)).detach(),
        rtol=1e-12,
        atol=1e-15,
    )


def test_prelu_learns_its_slope_from_the_initial_quarter():
    stack = E.SeedBatchMLP(SIZES, "prelu", [0, 1, 2], dtype=torch.float64)
    runs = E.train_seeds(stack, X, Y, steps=30, lr=1e-2)
    np.testing.assert_array_equal(runs.alpha[:, 0], 0.25)
    assert np.all(runs.alpha[:, -1] != 0.25)
    # With alpha fixed at its start, PReLU is a leaky ReLU of slope 0.25.
    z = torch.linspace(-2, 2, 9, dtype=torch.float64)[None, :, None]
    fresh = E.SeedBatchMLP(SIZES, "prelu", [0], dtype=torch.float64)
    expected = torch.nn.functional.leaky_relu(z, 0.25)
    np.testing.assert_allclose(fresh._f(z, 0).detach(), expected, rtol=1e-15)


def test_batched_sharpness_matches_power_iteration_per_network():
    stack = E.SeedBatchMLP(SIZES, "gelu", [0, 7], dtype=torch.float64)
    E.train_seeds(stack, X, Y, steps=60)
    lam = E.top_eigenvalues(stack, X, Y, iterations=300)
    for row, seed in enumerate([0, 7]):
        net = MLP(SIZES, "gelu", seed=seed)
        state = {}
        for i in range(len(net.layers)):
            state[f"layers.{i}.weight"] = stack.weights[i][row].T.detach().clone()
            state[f"layers.{i}.bias"] = stack.biases[i][row, 0].detach().clone()
        ref = top_eigenvalue(net, state, X, Y, max_iter=300, tol=1e-10)
        assert lam[row] == pytest.approx(ref.eigenvalue, rel=1e-4)


@pytest.mark.parametrize("method", ["L-BFGS-B", "Newton-CG"])
def test_second_order_runs_start_at_the_initial_loss_and_descend(method):
    out = E.second_order_seeds(SIZES, "silu", [0, 1], X, Y, method=method, iterations=8)
    assert out.shape == (2, 9)
    net = MLP(SIZES, "silu", seed=1)
    start = torch.nn.functional.cross_entropy(net(X), Y).item()
    assert out[1, 0] == pytest.approx(start, rel=1e-12)
    assert np.all(out[:, -1] < 0.5 * out[:, 0])
    assert np.all(np.diff(out, axis=1) <= 1e-12)  # both methods never go up


def test_second_order_losses_are_the_losses_at_the_iterates():
    # The runs record the loss SciPy computed at each iterate; evaluating
    # the loss again at the iterates SciPy reports gives the same numbers.
    from scipy.optimize import minimize

    net = E.SeedBatchMLP(SIZES, "silu", [1], dtype=torch.float64)
    params = list(net.parameters())
    theta0 = torch.nn.utils.parameters_to_vector(params).detach().numpy().copy()

    def fun(theta):
        torch.nn.utils.vector_to_parameters(torch.as_tensor(theta), params)
        value = torch.nn.functional.cross_entropy(net(X)[0], Y)
        grads = torch.autograd.grad(value, params)
        return value.item(), torch.cat([g.reshape(-1) for g in grads]).numpy()

    losses = [fun(theta0)[0]]
    minimize(
        fun,
        theta0,
        jac=True,
        method="L-BFGS-B",
        callback=lambda xk: losses.append(fun(xk)[0]),
        options={"maxiter": 8},
    )
    out = E.second_order_seeds(SIZES, "silu", [1], X, Y, iterations=8)
    np.testing.assert_allclose(out[0, : len(losses)], losses, rtol=1e-12)


def test_paired_test_is_the_exact_permutation_test():
    rng = np.random.default_rng(0)
    for n in (6, 10):
        a, b = rng.normal(size=n), rng.normal(size=n) + 0.6
        ours = E.paired_test(a, b)
        ref = scipy.stats.permutation_test(
            (a, b),
            lambda u, v, axis: np.mean(u - v, axis=axis),
            permutation_type="samples",
            n_resamples=np.inf,
        )
        assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    ten = E.paired_test(np.arange(10.0), np.arange(10.0) + 1)
    assert ten.p_value == pytest.approx(2 / 2**10) and ten.below == 10
    assert ten.differs() and ten.median_difference == -1.0
    same = E.paired_test([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert same.p_value == 1.0 and not same.differs()
    # A run that never reaches a threshold ranks last.
    never = E.paired_test([np.inf] * 10, np.arange(10.0))
    assert never.above == 10 and never.p_value == pytest.approx(2 / 2**10)


def test_steps_to_and_quartiles():
    curves = np.array([[3.0, 2.0, 1.0, 0.5], [3.0, 3.0, 3.0, 3.0]])
    np.testing.assert_array_equal(E.steps_to(curves, 1.0), [2, np.inf])
    q = E.quartiles(np.arange(1.0, 6.0)[:, None], axis=0)
    np.testing.assert_array_equal(q[:, 0], [2.0, 3.0, 4.0])


def test_digits_split_is_stratified_and_standardised():
    d = E.load_digits_split(0.25, seed=0, dtype=torch.float64)
    assert d.X_train.shape == (1347, 64) and d.X_test.shape == (450, 64)
    from sklearn.datasets import load_digits

    share = np.bincount(load_digits().target) / 1797
    counts = np.bincount(d.y_test.numpy(), minlength=10)
    assert np.all(np.abs(counts - 450 * share) <= 1)
    std = d.X_train.std(dim=0, unbiased=False)
    live = std > 0
    np.testing.assert_allclose(d.X_train.mean(dim=0), 0, atol=1e-12)
    np.testing.assert_allclose(std[live], 1, rtol=1e-12)
    assert E.load_digits_split().X_train.dtype == torch.float32


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: E.SeedBatchMLP(SIZES, "swish", [0]), ValueError, "unknown activation"),
        (lambda: E.SeedBatchMLP(SIZES, "relu", []), ValueError, "seeds"),
        (lambda: E.SeedBatchMLP(SIZES, "relu", [0], norm="layer"), ValueError, "norm"),
        (lambda: E.SeedBatchMLP(SIZES, "relu", [-1]), ValueError, "seeds"),
        (
            lambda: E.train_seeds(
                E.SeedBatchMLP(SIZES, "relu", [0]), X, Y, optimizer="lbfgs"
            ),
            ValueError,
            "optimizer",
        ),
        (
            lambda: E.train_seeds(E.SeedBatchMLP(SIZES, "relu", [0]), X[:, :1], Y),
            ValueError,
            "X must have shape",
        ),
        (
            lambda: E.second_order_seeds(SIZES, "relu", [0], X, Y, method="BFGS"),
            ValueError,
            "method",
        ),
        (lambda: E.paired_test([1.0], [1.0, 2.0]), ValueError, "same length"),
        (lambda: E.paired_test([np.nan], [1.0]), ValueError, "NaN"),
        (lambda: E.load_digits_split(1.5), ValueError, "test_fraction"),
        (lambda: E.load_digits_split(dtype=torch.int64), TypeError, "dtype"),
        (lambda: E.steps_to([1.0, 2.0], 1.0), ValueError, "2-D"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
