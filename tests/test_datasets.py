"""Tests of actzoo.datasets: shapes, balance, determinism and geometry."""

from __future__ import annotations

import numpy as np
import pytest

from actzoo.datasets import two_moons, two_spirals

GENERATORS = [two_spirals, two_moons]


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("n", [2, 3, 400, 1001])
def test_shapes_dtypes_and_balance(make, n):
    X, y = make(n, 0.1, seed=1)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert set(np.unique(y)) <= {0, 1}
    assert (y == 0).sum() == n - n // 2 and (y == 1).sum() == n // 2


@pytest.mark.parametrize("make", GENERATORS)
def test_same_seed_same_points_other_seed_other_points(make):
    X1, y1 = make(300, 0.2, seed=7)
    X2, y2 = make(300, 0.2, seed=7)
    X3, _ = make(300, 0.2, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("make", GENERATORS)
def test_order_is_shuffled(make):
    # Full-batch training does not care, but anyone slicing X[:k] should get
    # both classes; a sorted order would give one class only.
    _, y = make(400, 0.1, seed=0)
    assert 0 < y[:100].sum() < 100


def test_spiral_arms_without_noise():
    # With no noise every point lies on its arm: radius r = t / (3 pi) and
    # angle t (class 0) or t + pi (class 1), for t in [pi/2, 7 pi/2].
    X, y = two_spirals(500, 0.0, seed=3)
    r = np.hypot(X[:, 0], X[:, 1])
    t = 3 * np.pi * r
    assert r.min() >= 1 / 6 - 1e-12 and r.max() <= 7 / 6 + 1e-12
    angle = np.where(y == 0, t, t + np.pi)
    # Points rebuilt from (r, angle) must equal X to rounding (1e-12).
    rebuilt = r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    np.testing.assert_allclose(rebuilt, X, atol=1e-12)


def test_spiral_classes_are_point_reflections():
    # Class 1 is class 0 turned by 180 degrees: with no noise, the mean of
    # each class is the negative of the other's in distribution; with 20000
    # points the means agree to a few standard errors (~0.7/sqrt(1e4)).
    X, y = two_spirals(20000, 0.0, seed=0)
    m0, m1 = X[y == 0].mean(axis=0), X[y == 1].mean(axis=0)
    np.testing.assert_allclose(m0, -m1, atol=0.04)


def test_moons_without_noise_lie_on_their_circles():
    X, y = two_moons(500, 0.0, seed=2)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-12)
    assert (upper[:, 1] >= 0).all()
    centre = np.array([1.0, 0.5])
    np.testing.assert_allclose(np.hypot(*(lower - centre).T), 1.0, atol=1e-12)
    assert (lower[:, 1] <= 0.5 + 1e-12).all()


@pytest.mark.parametrize("make", GENERATORS)
def test_noise_has_the_requested_standard_deviation(make):
    # Same seed, so the same t: the difference is the Gaussian noise alone.
    # Its sample std over 2 * 20000 draws is within 2% of sigma (the
    # standard error is sigma / sqrt(2 * 40000) = 0.35%).
    clean, _ = make(20000, 0.0, seed=5)
    noisy, _ = make(20000, 0.3, seed=5)
    assert abs((noisy - clean).std() / 0.3 - 1) < 0.02


@pytest.mark.parametrize("make", GENERATORS)
def test_bad_input_is_refused(make):
    with pytest.raises(ValueError, match="at least 2"):
        make(1, 0.1, seed=0)
    with pytest.raises(TypeError, match="integer"):
        make(10.5, 0.1, seed=0)
    with pytest.raises(ValueError, match="non-negative"):
        make(10, -0.1, seed=0)
    with pytest.raises(TypeError, match="seed"):
        make(10, 0.1, seed=None)
