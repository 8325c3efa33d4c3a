"""Tests for actzoo.verification: regions, interval bounds, exact MILP bounds."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from actzoo import verification as ver

BOX = (np.array([-1.0, -1.0]), np.array([1.0, 1.0]))


def exact_extreme_by_regions(net, lo, hi, sense="max"):
    """Independent exact bound: an affine map peaks at a vertex of its region."""
    vals = [r.vertices @ r.C[0] + r.d[0] for r in ver.linear_regions(net, lo, hi)]
    return max(v.max() for v in vals) if sense == "max" else min(v.min() for v in vals)


# ------------------------------------------------------------ the network


def test_forward_matches_hand_computation():
    net = ver.ReluNetwork(
        (np.array([[1.0, -1.0], [2.0, 0.0]]), np.array([[1.0, 3.0]])),
        (np.array([0.0, -1.0]), np.array([0.5])),
    )
    # z1 = (1 - 2, 2 - 1) = (-1, 1) -> a1 = (0, 1) -> y = 3 + 0.5
    assert net([1.0, 2.0]).tolist() == [3.5]
    assert net.activation_pattern([1.0, 2.0]).tolist() == [False, True]
    assert net.layer_sizes == [2, 2, 1]


def test_bad_networks_and_boxes_are_refused():
    with pytest.raises(ValueError, match="inputs"):
        ver.ReluNetwork((np.ones((3, 2)), np.ones((1, 4))), (np.ones(3), np.ones(1)))
    net = ver.random_network([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match="lower bound"):
        ver.interval_bounds(net, [1.0, 0.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="2 lower"):
        ver.milp_bound(net, [0.0], [1.0])
    with pytest.raises(ValueError, match="2-D"):
        ver.linear_regions(ver.random_network([3, 2, 1]), -np.ones(3), np.ones(3))


def test_random_network_is_seeded():
    a, b = ver.random_network([2, 5, 1], seed=4), ver.random_network([2, 5, 1], seed=4)
    c = ver.random_network([2, 5, 1], seed=5)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])
    assert not np.array_equal(a.weights[0], c.weights[0])


# ------------------------------------------------------- linear regions


@pytest.mark.parametrize("n_hidden", [3, 6, 10])
def test_one_layer_regions_follow_the_line_arrangement_formula(n_hidden):
    # n lines in general position cut the plane into 1 + n + n(n-1)/2
    # regions (Zaslavsky); a box holding every crossing sees all of them.
    net = ver.random_network([2, n_hidden, 1], seed=n_hidden)
    W, b = net.weights[0], net.biases[0]
    crossings = np.array(
        [
            np.linalg.solve(W[[i, j]], -b[[i, j]])
            for i, j in itertools.combinations(range(n_hidden), 2)
        ]
    )
    lo = crossings.min(axis=0) - 1.0
    hi = crossings.max(axis=0) + 1.0
    regions = ver.linear_regions(net, lo, hi)
    assert len(regions) == 1 + n_hidden + math.comb(n_hidden, 2)


@pytest.mark.parametrize("sizes", [[2, 8, 1], [2, 8, 8, 1], [2, 10, 10, 10, 1]])
def test_regions_tile_the_box_and_the_network_is_affine_on_each(sizes):
    net = ver.random_network(sizes, seed=1)
    regions = ver.linear_regions(net, *BOX)
    # the pieces partition the box: areas add up to its area, 4
    assert sum(r.area for r in regions) == pytest.approx(4.0, rel=1e-9)
    rng = np.random.default_rng(0)
    patterns = set()
    for r in regions:
        # random interior points: convex combinations of the corners
        weights = rng.dirichlet(np.ones(len(r.vertices)), size=5)
        X = weights @ r.vertices
        # rounding only: outputs of order 1 through a few layers
        np.testing.assert_allclose(net(X), X @ r.C.T + r.d, atol=1e-10)
        assert (net.activation_pattern(X) == r.pattern).all()
        patterns.add(r.pattern.tobytes())
    assert len(patterns) == len(regions)  # one pattern per region


def test_grid_sampling_never_finds_more_regions_than_exist():
    net = ver.random_network([2, 12, 12, 1], seed=3)
    n_exact = len(ver.linear_regions(net, *BOX))
    counts = []
    for n in (21, 101, 401):  # nested grids
        g = np.linspace(-1.0, 1.0, n)
        _, count = ver.pattern_ids(net, np.stack(np.meshgrid(g, g), axis=-1))
        counts.append(count)
    assert counts == sorted(counts)
    assert counts[-1] <= n_exact
    # a fine grid misses only slivers: within 10% of the exact count
    assert counts[-1] >= 0.9 * n_exact


def test_pattern_ids_label_equal_patterns_equally():
    net = ver.random_network([2, 6, 1], seed=2)
    X = np.random.default_rng(1).uniform(-1, 1, (500, 2))
    ids, count = ver.pattern_ids(net, X)
    pat = net.activation_pattern(X)
    assert count == len({p.tobytes() for p in pat})
    for i in range(0, 500, 37):
        same = (pat == pat[i]).all(axis=1)
        np.testing.assert_array_equal(ids == ids[i], same)


# ------------------------------------------------------- interval bounds


def test_interval_bounds_are_exact_for_an_affine_map():
    net = ver.ReluNetwork((np.array([[2.0, -3.0]]),), (np.array([1.0]),))
    ((l, u),) = ver.interval_bounds(net, [-1.0, 0.0], [1.0, 2.0])
    corners = np.array(list(itertools.product([-1.0, 1.0], [0.0, 2.0])))
    y = net(corners)[:, 0]
    assert (l[0], u[0]) == (y.min(), y.max())


@pytest.mark.parametrize("sizes", [[2, 8, 8, 1], [4, 10, 10, 10, 2]])
def test_interval_bounds_contain_every_pre_activation(sizes):
    net = ver.random_network(sizes, seed=0)
    n = sizes[0]
    lo, hi = -np.ones(n), np.ones(n)
    X = np.random.default_rng(2).uniform(lo, hi, (20_000, n))
    for (l, u), z in zip(ver.interval_bounds(net, lo, hi), net.pre_activations(X)):
        assert np.all(z >= l - 1e-12) and np.all(z <= u + 1e-12)


# ----------------------------------------------------------- exact (MILP)


@pytest.mark.parametrize("sizes", [[2, 8, 1], [2, 8, 8, 1], [2, 10, 10, 10, 1]])
@pytest.mark.parametrize("sense", ["max", "min"])
def test_sampled_le_milp_le_interval_and_milp_is_exact(sizes, sense):
    net = ver.random_network(sizes, seed=5)
    sampled = ver.sampled_bound(net, *BOX, sense=sense, seed=0)
    exact = ver.milp_bound(net, *BOX, sense=sense)
    l, u = ver.interval_bounds(net, *BOX)[-1]
    sign = 1.0 if sense == "max" else -1.0
    # attained by a sample <= optimum <= interval bound (1e-9: solver slack)
    assert sign * sampled.value <= sign * exact.value + 1e-9
    assert sign * exact.value <= sign * (u[0] if sense == "max" else l[0]) + 1e-9
    # the maximiser is in the box and attains the optimum: HiGHS' primal
    # feasibility tolerance is 1e-7 on values of order 1
    assert np.all(exact.x >= BOX[0]) and np.all(exact.x <= BOX[1])
    assert net(exact.x)[0] == pytest.approx(exact.value, abs=1e-6)
    # and it equals the exact extreme from the region enumeration
    assert exact.value == pytest.approx(
        exact_extreme_by_regions(net, *BOX, sense), abs=1e-6
    )


def test_milp_in_higher_dimension_beats_dense_sampling():
    net = ver.random_network([4, 8, 8, 2], seed=11)
    lo, hi = -np.ones(4), np.ones(4)
    for out in (0, 1):
        exact = ver.milp_bound(net, lo, hi, output=out)
        sampled = ver.sampled_bound(net, lo, hi, output=out, n_samples=50_000)
        assert sampled.value <= exact.value + 1e-9
        assert net(exact.x)[out] == pytest.approx(exact.value, abs=1e-6)
        # a sample-based local refinement cannot beat the optimum either
        rng = np.random.default_rng(0)
        X = np.clip(exact.x + 1e-3 * rng.standard_normal((2000, 4)), lo, hi)
        assert net(X)[:, out].max() <= exact.value + 1e-6


def test_milp_on_a_network_whose_maximum_is_known():
    # y = relu(x1) + relu(-x1) - relu(x2 - 0.5) = |x1| - relu(x2 - 0.5)
    net = ver.ReluNetwork(
        (np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 1.0, -1.0]])),
        (np.array([0.0, 0.0, -0.5]), np.array([0.0])),
    )
    top = ver.milp_bound(net, [-2.0, -1.0], [1.0, 1.0])
    bottom = ver.milp_bound(net, [-2.0, -1.0], [1.0, 1.0], sense="min")
    assert top.value == pytest.approx(2.0, abs=1e-9)
    assert top.x[0] == pytest.approx(-2.0) and top.x[1] <= 0.5 + 1e-9
    assert bottom.value == pytest.approx(-0.5, abs=1e-9)
    # interval arithmetic cannot see that the two first units cancel
    l, u = ver.interval_bounds(net, [-2.0, -1.0], [1.0, 1.0])[-1]
    assert (l[0], u[0]) == (-0.5, 3.0)


def test_interval_bounds_loosen_with_depth():
    ratios = ver.interval_looseness([1, 2, 4], seeds=(0, 1))
    assert np.all(ratios >= 1.0 - 1e-9)  # sound
    med = np.median(ratios, axis=0)
    assert med[0] < med[1] < med[2]
