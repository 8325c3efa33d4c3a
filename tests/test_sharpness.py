"""Tests of actzoo.sharpness: Hessians, Hessian-vector products, power iteration."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from actzoo.datasets import two_moons
from actzoo.landscapes import random_direction, weights_of
from actzoo.models import MLP
from actzoo.sharpness import (
    flatten,
    hessian,
    hessian_vector_product,
    top_eigenvalue,
    unflatten,
)
from actzoo.training import train


@pytest.fixture(scope="module")
def moons():
    return two_moons(80, 0.1, seed=0)


@pytest.fixture(scope="module")
def trained(moons):
    """Small trained networks (2-6-2, 32 weights) for each kind of activation."""
    X, y = moons
    out = {}
    for name in ("relu", "elu", "gelu"):
        net = MLP([2, 6, 2], name, seed=0)
        out[name] = (net, train(net, X, y, steps=300).state_dict)
    return out


def test_flatten_round_trip():
    w = weights_of(MLP([2, 5, 3, 2], seed=0))
    flat = flatten(w)
    assert flat.shape == (sum(v.numel() for v in w.values()),)
    back = unflatten(flat, w)
    for k in w:
        torch.testing.assert_close(back[k], w[k], rtol=0, atol=0)
    with pytest.raises(ValueError, match="shape"):
        unflatten(flat[:-1], w)


def test_hessian_of_softmax_regression_has_its_closed_form(moons):
    # Without hidden units, logits = W x + b and the Hessian of the mean
    # cross-entropy is (1/n) sum_i (diag(p_i) - p_i p_i^T) kron (u_i u_i^T)
    # in the order (W row-major, then b), with u_i = (x_i, 1) rearranged.
    # Both sides are float64 sums of ~100 terms of order 1: 1e-12.
    X, y = moons
    net = MLP([2, 2], seed=3)
    w = weights_of(net)
    W, b = w["layers.0.weight"].numpy(), w["layers.0.bias"].numpy()
    logits = X @ W.T + b
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    n = len(X)
    # Derivatives of logit c: d/dW[c, j] = x_j, d/db[c] = 1.
    J = np.zeros((n, 2, 6))
    for c in range(2):
        J[:, c, 2 * c : 2 * c + 2] = X
        J[:, c, 4 + c] = 1.0
    S = np.einsum("ic,cd->icd", p, np.eye(2)) - np.einsum("ic,id->icd", p, p)
    expected = np.einsum("ica,icd,idb->ab", J, S, J) / n
    np.testing.assert_allclose(hessian(net, w, X, y), expected, atol=1e-12)


def test_hessian_matches_finite_differences_of_the_gradient(moons, trained):
    # Central differences of the autograd gradient with step h = 1e-5 err by
    # O(h^2) times third derivatives of order 1, plus rounding
    # (1e-16 / 1e-5): 1e-7 absolute on entries of order 1. GELU is smooth,
    # so the difference quotient converges.
    X, y = moons
    net, w = trained["gelu"]
    H = hessian(net, w, X, y)
    flat = flatten(w)

    def grad_at(theta):
        parts = unflatten(theta.clone(), w)
        params = {k: v.requires_grad_(True) for k, v in parts.items()}
        loss = torch.nn.functional.cross_entropy(
            torch.func.functional_call(net, params, (torch.as_tensor(X),)),
            torch.as_tensor(y),
        )
        grads = torch.autograd.grad(loss, list(params.values()))
        return flatten(dict(zip(params, grads)))

    h = 1e-5
    cols = []
    for i in range(flat.numel()):
        e = torch.zeros_like(flat)
        e[i] = h
        cols.append(((grad_at(flat + e) - grad_at(flat - e)) / (2 * h)).numpy())
    np.testing.assert_allclose(H, np.column_stack(cols), atol=1e-7)
    np.testing.assert_allclose(H, H.T, atol=1e-14)


@pytest.mark.parametrize("name", ["relu", "elu", "gelu"])
def test_hessian_vector_product_is_the_matrix_product(moons, trained, name):
    X, y = moons
    net, w = trained[name]
    v = random_direction(w, seed=5)
    Hv = flatten(hessian_vector_product(net, w, X, y, v)).numpy()
    expected = hessian(net, w, X, y) @ flatten(v).numpy()
    np.testing.assert_allclose(Hv, expected, atol=1e-12)


@pytest.mark.parametrize("name", ["relu", "elu", "gelu"])
def test_power_iteration_finds_the_top_eigenvalue(moons, trained, name):
    # At trained weights the top eigenvalue dominates in magnitude, so power
    # iteration converges to it; with tol 1e-10 on successive Rayleigh
    # quotients the estimate agrees with eigvalsh to 1e-6 relative.
    X, y = moons
    net, w = trained[name]
    ev = np.linalg.eigvalsh(hessian(net, w, X, y))
    assert ev[-1] > abs(ev[0])
    result = top_eigenvalue(net, w, X, y, max_iter=1000, tol=1e-10, seed=1)
    assert result.converged and result.iterations == len(result.estimates)
    assert result.eigenvalue == pytest.approx(ev[-1], rel=1e-6)
    # The vector is a unit eigenvector: |Hv - lambda v| small (1e-3, since
    # eigenvector error goes like the square root of the eigenvalue error).
    v = flatten(result.eigenvector).numpy()
    assert np.linalg.norm(v) == pytest.approx(1.0, rel=1e-12)
    H = hessian(net, w, X, y)
    assert np.linalg.norm(H @ v - ev[-1] * v) < 1e-3 * ev[-1]


def test_power_iteration_is_seeded(moons, trained):
    X, y = moons
    net, w = trained["relu"]
    a = top_eigenvalue(net, w, X, y, max_iter=5, seed=2)
    b = top_eigenvalue(net, w, X, y, max_iter=5, seed=2)
    c = top_eigenvalue(net, w, X, y, max_iter=5, seed=3)
    np.testing.assert_array_equal(a.estimates, b.estimates)
    assert not np.array_equal(a.estimates, c.estimates)


def test_relu_and_linear_parts_have_no_curvature_of_their_own(moons):
    # For a ReLU network, the loss is piecewise a softmax of a function that
    # is linear in each single layer: the Hessian block of the first-layer
    # bias with itself comes only through the softmax, and the block of
    # the output bias equals softmax regression's (1/n) sum diag(p) - p p^T.
    X, y = moons
    net = MLP([2, 4, 2], "relu", seed=0)
    w = weights_of(net)
    H = hessian(net, w, X, y)
    with torch.no_grad():
        p = torch.softmax(net(X), 1).numpy()
    expected = (np.einsum("ic,cd->cd", p, np.eye(2)) - p.T @ p) / len(X)
    np.testing.assert_allclose(H[-2:, -2:], expected, atol=1e-12)


def test_bad_input_is_refused(moons):
    X, y = moons
    net = MLP([2, 3, 2], seed=0)
    w = weights_of(net)
    with pytest.raises(ValueError, match="max_iter"):
        top_eigenvalue(net, w, X, y, max_iter=0)
    with pytest.raises(ValueError, match="tol"):
        top_eigenvalue(net, w, X, y, tol=-1.0)
    with pytest.raises(ValueError, match="shape"):
        hessian(net, weights_of(MLP([2, 4, 2])), X, y)
