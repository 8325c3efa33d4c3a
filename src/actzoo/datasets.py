r"""Small generated data sets for training runs: two spirals and two moons.

Both are two-class problems in the plane, generated from a seed (no
downloads), so every training run of the course sees the same points.

Examples
--------
>>> from actzoo.datasets import two_spirals
>>> X, y = two_spirals(400, noise=0.1, seed=0)
>>> X.shape, X.dtype, y.dtype
((400, 2), dtype('float64'), dtype('int64'))
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from actzoo import _checks
from actzoo._checks import real_param

__all__ = ["two_moons", "two_spirals"]


def _shuffled(
    X: NDArray[np.float64], y: NDArray[np.int64], rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    order = rng.permutation(len(y))
    return X[order], y[order]


def two_spirals(
    n: int = 400, noise: float = 0.1, *, seed: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    r"""Return ``(X, y)``: two interleaved spirals, ``n`` points in all.

    Class 0 follows the arm
    :math:`(x_1, x_2) = \tfrac{t}{3\pi}\,(\cos t, \sin t)`,
    :math:`t = \tfrac{\pi}{2} + 3\pi\sqrt{u}`, :math:`u \sim U(0, 1)`,
    and class 1 is the same arm turned by half a turn, :math:`-(x_1, x_2)`.
    Each point then gets independent Gaussian noise of standard deviation
    ``noise`` in each coordinate. Radii run from about 0.17 to 1.17, so
    the noise is relative to a unit-sized picture.

    Parameters
    ----------
    n : int
        Number of points, at least 2; class 0 gets ``n - n // 2`` of them
        and class 1 gets ``n // 2``.
    noise : float
        Standard deviation of the Gaussian noise, non-negative.
    seed : int
        Seed of the generator; the same seed gives the same points.

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
        The points, in random order.
    y : ndarray of int64, shape (n,)
        Their labels, 0 or 1.
    """
    n = _checks.integer(n, "n", "two_spirals", minimum=2)  # one point per class
    noise = real_param(noise, "noise", "two_spirals", nonnegative=True)
    rng = np.random.default_rng(_checks.seed(seed, "two_spirals"))
    n1 = n // 2
    n0 = n - n1
    # sqrt(u) spreads points evenly along the arm rather than along t.
    t = np.pi / 2 + 3 * np.pi * np.sqrt(rng.uniform(size=n))
    arm = (t / (3 * np.pi))[:, None] * np.column_stack([np.cos(t), np.sin(t)])
    sign = np.concatenate([np.ones(n0), -np.ones(n1)])[:, None]
    X = sign * arm + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return _shuffled(X, y, rng)


def two_moons(
    n: int = 400, noise: float = 0.1, *, seed: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    r"""Return ``(X, y)``: two interleaving half circles, ``n`` points in all.

    Class 0 lies on the upper half of the unit circle,
    :math:`(\cos t, \sin t)`, and class 1 on the lower half circle
    :math:`(1 - \cos t, \tfrac12 - \sin t)`, with
    :math:`t \sim U(0, \pi)` (the usual "moons"); then each coordinate gets
    independent Gaussian noise of standard deviation ``noise``.

    Parameters
    ----------
    n : int
        Number of points, at least 2; class 0 gets ``n - n // 2`` of them
        and class 1 gets ``n // 2``.
    noise : float
        Standard deviation of the Gaussian noise, non-negative.
    seed : int
        Seed of the generator; the same seed gives the same points.

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
        The points, in random order.
    y : ndarray of int64, shape (n,)
        Their labels, 0 or 1.
    """
    n = _checks.integer(n, "n", "two_moons", minimum=2)  # one point per class
    noise = real_param(noise, "noise", "two_moons", nonnegative=True)
    rng = np.random.default_rng(_checks.seed(seed, "two_moons"))
    n1 = n // 2
    n0 = n - n1
    t = np.pi * rng.uniform(size=n)
    upper = np.column_stack([np.cos(t[:n0]), np.sin(t[:n0])])
    lower = np.column_stack([1 - np.cos(t[n0:]), 0.5 - np.sin(t[n0:])])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return _shuffled(X, y, rng)
