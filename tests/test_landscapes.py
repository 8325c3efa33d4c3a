"""Tests of actzoo.landscapes: filter normalisation, 1-D lines, 2-D slices."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from actzoo.datasets import two_moons, two_spirals
from actzoo.landscapes import (
    combine,
    filter_normalize,
    filter_normalized_direction,
    interpolate,
    loss_at,
    random_direction,
    slice_2d,
    slice_2d_loop,
    weights_of,
)
from actzoo.models import MLP
from actzoo.training import train


@pytest.fixture(scope="module")
def data():
    return two_spirals(120, 0.1, seed=0)


def test_filter_normalize_by_hand():
    # Rows (3, 4) and (0, 2) of d get the norms 1 and 5 of the rows of w:
    # (0.6, 0.8) and (0, 5); a zero row stays zero; the bias is zeroed.
    d = {
        "w": torch.tensor([[3.0, 4.0], [0.0, 2.0], [0.0, 0.0]]),
        "b": torch.tensor([1.0, 2.0, 3.0]),
    }
    w = {
        "w": torch.tensor([[1.0, 0.0], [0.0, 5.0], [1.0, 1.0]]),
        "b": torch.tensor([7.0, 8.0, 9.0]),
    }
    out = filter_normalize(d, w)
    expected = torch.tensor([[0.6, 0.8], [0.0, 5.0], [0.0, 0.0]])
    torch.testing.assert_close(out["w"], expected.double())
    torch.testing.assert_close(out["b"], torch.zeros(3, dtype=torch.float64))


def test_filter_normalized_rows_have_the_weight_norms():
    net = MLP([2, 32, 16, 2], "relu", seed=0)
    w = weights_of(net)
    raw = random_direction(w, seed=4)
    d = filter_normalize(raw, w)
    for k, t in d.items():
        if t.ndim == 1:
            assert torch.count_nonzero(t) == 0
            continue
        # Norms equal to rounding (1e-12); rows stay parallel to the random
        # direction (cosine 1 to 1e-12).
        torch.testing.assert_close(t.norm(dim=1), w[k].norm(dim=1), rtol=1e-12, atol=0)
        cos = (t * raw[k]).sum(1) / (t.norm(dim=1) * raw[k].norm(dim=1))
        torch.testing.assert_close(cos, torch.ones_like(cos), rtol=1e-12, atol=0)


def test_filter_normalize_ignores_the_scale_of_the_direction():
    w = weights_of(MLP([2, 8, 2], seed=1))
    d = random_direction(w, seed=0)
    scaled = {k: 1e3 * v for k, v in d.items()}
    a, b = filter_normalize(d, w), filter_normalize(scaled, w)
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-12, atol=1e-15)


def test_random_direction_is_seeded_standard_normal():
    w = weights_of(MLP([2, 64, 64, 2], seed=0))
    d1, d1b, d2 = (random_direction(w, seed=s) for s in (1, 1, 2))
    flat = torch.cat([v.reshape(-1) for v in d1.values()])
    assert list(d1) == list(w)  # same order, so flattened vectors line up
    for k in d1:
        torch.testing.assert_close(d1[k], d1b[k], rtol=0, atol=0)
        assert d1[k].shape == w[k].shape
    assert not torch.equal(d1["layers.1.weight"], d2["layers.1.weight"])
    # 4,482 entries: mean within 4 standard errors (4 / sqrt(4482) = 0.06)
    # of 0 and standard deviation within 5% of 1.
    assert abs(flat.mean()) < 0.06 and abs(flat.std() - 1) < 0.05


def test_filter_normalised_line_is_invariant_to_relu_rescaling(data):
    # ReLU is positively homogeneous: multiplying the first layer (weights
    # and bias) by c and the second layer's weights by 1/c leaves the
    # network unchanged. Filter-normalised directions scale the same way,
    # so the loss along them is unchanged too (float64 rounding: 1e-12);
    # the raw random direction is not scale-aware and changes the curve.
    X, y = data
    net = MLP([2, 16, 2], "relu", seed=0)
    w = weights_of(net)
    c = 4.0
    w_scaled = dict(w)
    w_scaled["layers.0.weight"] = c * w["layers.0.weight"]
    w_scaled["layers.0.bias"] = c * w["layers.0.bias"]
    w_scaled["layers.1.weight"] = w["layers.1.weight"] / c
    raw = random_direction(w, seed=3)
    alphas = np.linspace(-1, 1, 9)

    def line(weights, d):
        end = combine(weights, (1.0, d))
        return interpolate(net, weights, end, alphas, X, y)

    np.testing.assert_allclose(
        line(w_scaled, filter_normalize(raw, w_scaled)),
        line(w, filter_normalize(raw, w)),
        rtol=1e-12,
    )
    assert not np.allclose(line(w_scaled, raw), line(w, raw), rtol=1e-3)


def test_interpolation_ends_are_the_initial_and_trained_losses(data):
    X, y = data
    net = MLP([2, 16, 2], "elu", seed=0)
    h = train(net, X, y, steps=60)
    line = interpolate(net, h.initial_state_dict, h.state_dict, [0.0, 1.0], X, y)
    assert line[0] == pytest.approx(h.loss[0], rel=1e-12)
    assert line[1] == pytest.approx(h.final_loss, rel=1e-12)


def test_interpolation_of_a_linear_model_is_convex(data):
    # Without hidden layers the loss is a convex function of the weights
    # (softmax regression), so along any line its second differences are
    # non-negative (allowing 1e-12 for rounding).
    X, y = data
    net = MLP([2, 2], seed=0)
    start = weights_of(net)
    end = combine(start, (3.0, random_direction(start, seed=1)))
    line = interpolate(net, start, end, np.linspace(-1, 2, 31), X, y)
    assert (np.diff(line, 2) >= -1e-12).all()


@pytest.mark.parametrize(
    "name, sizes",
    [
        ("relu", [2, 16, 2]),
        ("leaky_relu", [2, 16, 8, 2]),
        ("gelu", [2, 8, 8, 8, 3]),
        ("selu", [2, 12, 2]),
        ("softplus", [2, 8, 6, 2]),
    ],
)
def test_batched_slice_equals_the_loop(data, name, sizes):
    # Same sums in a different order: float64 results agree to 1e-12
    # relative. The chunk of 5 does not divide the 7 x 4 grid, so a partial
    # last chunk is exercised too.
    X, y = data
    if sizes[-1] == 3:
        y = np.arange(len(y)) % 3
    net = MLP(sizes, name, seed=2)
    w = weights_of(net)
    d1, d2 = random_direction(w, seed=1), random_direction(w, seed=2)
    a, b = np.linspace(-1, 1, 7), np.linspace(-0.5, 1, 4)
    loop = slice_2d_loop(net, w, d1, d2, a, b, X, y)
    batched = slice_2d(net, w, d1, d2, a, b, X, y, chunk=5)
    np.testing.assert_allclose(batched, loop, rtol=1e-12)


def test_slice_layout_and_centre(data):
    # Entry [j, i] is the loss at centre + alphas[i] d1 + betas[j] d2, and
    # swapping the two directions transposes the grid.
    X, y = data
    net = MLP([2, 16, 2], "silu", seed=0)
    w = weights_of(net)
    d1 = filter_normalized_direction(w, seed=1)
    d2 = filter_normalized_direction(net, seed=2)
    a, b = np.array([-0.5, 0.0, 0.25]), np.array([0.0, 0.75])
    Z = slice_2d(net, w, d1, d2, a, b, X, y)
    assert Z.shape == (2, 3)
    expected = loss_at(net, combine(w, (0.25, d1), (0.75, d2)), X, y)
    assert Z[1, 2] == pytest.approx(expected, rel=1e-12)
    assert Z[0, 1] == pytest.approx(loss_at(net, w, X, y), rel=1e-12)
    Zt = slice_2d(net, w, d2, d1, b, a, X, y)
    np.testing.assert_allclose(Zt, Z.T, rtol=1e-12)


def test_trained_weights_sit_in_a_valley():
    # After training the centre of a filter-normalised slice is lower than
    # the corners (distance sqrt(2) in units of the weights' own norms):
    # true for every case tried (relu, leaky_relu, elu, gelu, softplus;
    # data, weight and direction seeds 0..2).
    X, y = two_moons(200, 0.1, seed=0)
    net = MLP([2, 16, 2], "relu", seed=0)
    h = train(net, X, y, steps=200)
    d1 = filter_normalized_direction(h.state_dict, seed=0)
    d2 = filter_normalized_direction(h.state_dict, seed=1)
    grid = np.array([-1.0, 0.0, 1.0])
    Z = slice_2d(net, h.state_dict, d1, d2, grid, grid, X, y)
    assert Z[1, 1] < Z[[0, 0, 2, 2], [0, 2, 0, 2]].min()


def test_model_weights_are_left_alone(data):
    X, y = data
    net = MLP([2, 8, 2], seed=0)
    before = weights_of(net)
    d = random_direction(before, seed=0)
    slice_2d(net, before, d, d, [1.0], [1.0], X, y)
    slice_2d_loop(net, before, d, d, [1.0], [1.0], X, y)
    for k, v in net.named_parameters():
        torch.testing.assert_close(v.detach(), before[k], rtol=0, atol=0)


def test_bad_input_is_refused(data):
    X, y = data
    net = MLP([2, 8, 2], seed=0)
    w = weights_of(net)
    other = weights_of(MLP([2, 9, 2]))
    with pytest.raises(ValueError, match="shape"):
        filter_normalize(other, w)
    with pytest.raises(ValueError, match="names"):
        combine(w, (1.0, {"x": torch.zeros(1)}))
    with pytest.raises(ValueError, match="shape"):
        slice_2d(net, other, other, other, [0.0], [0.0], X, y)
    with pytest.raises(TypeError, match="MLP"):
        lin = torch.nn.Linear(2, 2, dtype=torch.float64)
        lw = weights_of(lin)
        slice_2d(lin, lw, lw, lw, [0.0], [0.0], X, y)
    with pytest.raises(ValueError, match="chunk"):
        slice_2d(net, w, w, w, [0.0], [0.0], X, y, chunk=0)
    with pytest.raises(ValueError, match="alphas"):
        slice_2d(net, w, w, w, [], [0.0], X, y)
    with pytest.raises(ValueError, match="seed"):
        random_direction(w, seed=-1)
