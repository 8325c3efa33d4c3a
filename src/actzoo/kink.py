r"""ReLU's kink at zero: which slope to use where there is no derivative.

Three answers, computed here and compared on the page *The kink at zero*:

* the **Clarke subdifferential**, the convex hull of the limits of the
  derivative at nearby points (:func:`clarke_subdifferential`); for ReLU at
  0 it is the whole interval :math:`[0, 1]`;
* the **best constant slope** under symmetric input noise: the slope ``s``
  that minimises the mean squared error against the true, random slope
  :math:`\mathbf 1\{x + \varepsilon > 0\}` (:func:`kink_slope_mse`,
  :func:`optimal_constant_slope`); at 0 it is :math:`1/2` for every
  symmetric noise law;
* what **PyTorch's autograd** returns at exactly 0 for three spellings of
  ReLU (:func:`torch_slopes_at_zero`).

The noise laws (:data:`NOISE_LAWS`) are symmetric about 0 and shared with
:mod:`actzoo.dead_units`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from actzoo import _checks
from actzoo._checks import real_param
from actzoo._optional import require_torch
from actzoo.activations import relu_grad

__all__ = [
    "NOISE_LAWS",
    "TORCH_RELU_SPELLINGS",
    "clarke_subdifferential",
    "kink_slope_mse",
    "kink_slope_mse_mc",
    "optimal_constant_slope",
    "positive_probability",
    "sample_symmetric",
    "torch_slopes_at_zero",
]

#: Symmetric noise laws and what their ``scale`` means.
NOISE_LAWS: dict[str, str] = {
    "normal": "standard deviation",
    "uniform": "half-width: uniform on [-scale, scale]",
    "laplace": "scale b of the density exp(-abs(x) / b) / (2 b)",
    "rademacher": "magnitude: -scale or +scale, each with probability 1/2",
}

#: Three ways of writing ReLU in PyTorch, as the page shows them.
TORCH_RELU_SPELLINGS: tuple[str, ...] = (
    "torch.relu(x)",
    "torch.maximum(x, torch.zeros_like(x))",
    "torch.clamp(x, min=0)",
)


def _check_law(noise: str, func: str) -> str:
    return _checks.choice(noise, NOISE_LAWS, "noise", func)


def _check_noise(noise: str, scale: float, func: str) -> tuple[str, float]:
    noise = _check_law(noise, func)
    return noise, real_param(scale, "scale", func, positive=True)


def _points(x0: ArrayLike, func: str, name: str = "x0") -> NDArray[np.float64]:
    # vectorised: an empty array gives an empty result; +-inf are limits
    return _checks.array(x0, name, func, allow_empty=True, allow_inf=True)


def clarke_subdifferential(
    grad: Callable[[NDArray[np.float64]], ArrayLike],
    x0: float = 0.0,
    *,
    radius: float = 1e-9,
    n: int = 64,
) -> tuple[float, float]:
    r"""Return the Clarke subdifferential of a 1-D function at ``x0``.

    .. math:: \partial_C f(x_0) = \operatorname{conv}\{\lim_k f'(x_k) :
              x_k \to x_0,\ x_k \ne x_0\}

    In one dimension the convex hull of a set of numbers is the interval
    from its smallest to its largest member. The limits are approximated by
    the derivative at ``2 n`` points ``x0 +- radius * t``, ``t`` in
    ``(0, 1]``, on both sides of ``x0`` but never at ``x0`` itself, so the
    convention chosen at the kink plays no part.

    Parameters
    ----------
    grad : callable
        The derivative, valid away from ``x0`` (e.g. ``actzoo.relu_grad``).
    x0 : float
        The point.
    radius : float
        How close the sample points come: small enough that the derivative
        has reached its one-sided limits (for a kink exactly at ``x0``).
    n : int
        Points on each side.

    Returns
    -------
    (lo, hi) : tuple of float
        The interval :math:`[\text{lo}, \text{hi}]`; ``lo == hi`` where the
        function is continuously differentiable.
    """
    func = "clarke_subdifferential"
    _checks.function(grad, "grad", func)
    x0 = real_param(x0, "x0", func)
    radius = real_param(radius, "radius", func, positive=True)
    n = _checks.integer(n, "n", func, minimum=1)
    t = np.linspace(1.0, 1.0 / n, n) * radius
    points = np.concatenate([x0 - t, x0 + t])
    if np.any(points == x0):
        raise ValueError(
            f"{func}: radius {radius} is below the float64 spacing at "
            f"x0 = {x0}; the sample points coincide with x0"
        )
    slopes = np.asarray(grad(points), dtype=np.float64)
    if slopes.shape != points.shape or not np.all(np.isfinite(slopes)):
        raise ValueError(f"{func}: grad must return one finite slope per point near x0")
    return float(slopes.min()), float(slopes.max())


def positive_probability(
    x0: ArrayLike = 0.0, *, noise: str = "normal", scale: float = 1.0
) -> NDArray[np.float64]:
    r"""Return :math:`P(x_0 + \varepsilon > 0)` for symmetric noise ``eps``.

    With :math:`F` the distribution function of :math:`\varepsilon`
    (symmetric, so :math:`P(\varepsilon > -x_0) = F(x_0)` where ``F`` is
    continuous): :math:`\Phi(x_0/\sigma)` for the normal law,
    :math:`\operatorname{clip}((x_0 + a) / 2a, 0, 1)` for the uniform law
    on :math:`[-a, a]`, :math:`1 - \tfrac12 e^{-x_0/b}` (``x0 >= 0``) for
    the Laplace law, and :math:`\tfrac12(\mathbf 1\{x_0 > a\} + \mathbf
    1\{x_0 > -a\})` for the Rademacher law :math:`\pm a`. At
    :math:`x_0 = 0` every one of them is :math:`1/2`.
    """
    func = "positive_probability"
    x = _points(x0, func)
    noise, scale = _check_noise(noise, scale, func)
    u = x / scale
    if noise == "normal":
        p = ndtr(u)
    elif noise == "uniform":
        p = np.clip((u + 1.0) / 2.0, 0.0, 1.0)
    elif noise == "laplace":
        half_tail = 0.5 * np.exp(-np.abs(u))
        p = np.where(u >= 0, 1.0 - half_tail, half_tail)
    else:
        p = 0.5 * ((u > 1.0).astype(np.float64) + (u > -1.0))
    return np.asarray(p, dtype=np.float64)


def sample_symmetric(
    n: int, *, noise: str = "normal", scale: float = 1.0, seed: int = 0
) -> NDArray[np.float64]:
    """Return ``n`` draws of symmetric noise (float64), seeded by ``seed``.

    See :data:`NOISE_LAWS` for what ``scale`` means for each law.
    """
    func = "sample_symmetric"
    n = _checks.integer(n, "n", func, minimum=1)
    noise, scale = _check_noise(noise, scale, func)
    rng = np.random.default_rng(_checks.seed(seed, func))
    if noise == "normal":
        return scale * rng.standard_normal(n)
    if noise == "uniform":
        return rng.uniform(-scale, scale, n)
    if noise == "laplace":
        return rng.laplace(0.0, scale, n)
    return scale * rng.choice(np.array([-1.0, 1.0]), n)


def kink_slope_mse(
    s: ArrayLike, x0: float = 0.0, *, noise: str = "normal", scale: float = 1.0
) -> NDArray[np.float64]:
    r"""Return the mean squared error of a constant slope ``s`` for ReLU near 0.

    The true slope at :math:`x = x_0 + \varepsilon` is
    :math:`\mathbf 1\{x > 0\}`, a Bernoulli variable with
    :math:`p = P(x > 0)` (:func:`positive_probability`), so

    .. math:: \mathrm{MSE}(s) = E\big[(s - \mathbf 1\{x > 0\})^2\big]
              = p\,(1 - s)^2 + (1 - p)\,s^2 ,

    a parabola in ``s`` with its minimum :math:`p(1 - p)` at :math:`s = p`.
    """
    func = "kink_slope_mse"
    s = _points(s, func, "s")
    _points(x0, func)
    _check_noise(noise, scale, func)
    p = positive_probability(x0, noise=noise, scale=scale)
    return p * (1.0 - s) ** 2 + (1.0 - p) * s**2


def optimal_constant_slope(
    x0: ArrayLike = 0.0, *, noise: str = "normal", scale: float = 1.0
) -> NDArray[np.float64]:
    r"""Return the slope minimising :func:`kink_slope_mse`, :math:`s^* = p`.

    Setting :math:`\mathrm{MSE}'(s) = 2(s - p) = 0` gives :math:`s^* = p`;
    at :math:`x_0 = 0` and symmetric noise, :math:`s^* = 1/2`.
    """
    _points(x0, "optimal_constant_slope")
    _check_noise(noise, scale, "optimal_constant_slope")
    return positive_probability(x0, noise=noise, scale=scale)


def kink_slope_mse_mc(
    s: ArrayLike,
    x0: float = 0.0,
    *,
    noise: str = "normal",
    scale: float = 1.0,
    n: int = 100_000,
    seed: int = 0,
) -> NDArray[np.float64]:
    r"""Return a Monte Carlo estimate of :func:`kink_slope_mse`.

    Draws ``n`` noisy inputs :math:`x_0 + \varepsilon`, takes ReLU's slope
    at each (``actzoo.relu_grad``) and averages :math:`(s - \text{slope})^2`
    for every ``s``. Its standard error is at most :math:`1/(2\sqrt n)`
    (the squared error lies in :math:`[0, 1]` for ``s`` in ``[0, 1]``).
    """
    func = "kink_slope_mse_mc"
    s = _points(s, func, "s")
    x0 = real_param(x0, "x0", func)
    _check_noise(noise, scale, func)
    _checks.integer(n, "n", func, minimum=1)
    _checks.seed(seed, func)
    slopes = relu_grad(x0 + sample_symmetric(n, noise=noise, scale=scale, seed=seed))
    out = np.empty(s.shape, dtype=np.float64)
    for index, value in np.ndenumerate(s):
        out[index] = np.mean((value - slopes) ** 2)
    return out


def torch_slopes_at_zero(dtype: Any = None) -> dict[str, float]:
    """Return what PyTorch's autograd gives as ReLU's slope at exactly 0.

    One entry per spelling in :data:`TORCH_RELU_SPELLINGS`, each measured
    by differentiating it at ``x = 0`` with ``torch.autograd.grad``.

    Parameters
    ----------
    dtype : torch.dtype, optional
        ``torch.float64`` by default.
    """
    torch = require_torch("actzoo.kink")

    floating = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
    if dtype is not None and dtype not in floating:
        raise TypeError(
            "torch_slopes_at_zero: dtype must be a floating torch dtype (autograd "
            f"needs one), got {dtype!r}"
        )
    dtype = torch.float64 if dtype is None else dtype
    spellings: dict[str, Callable[[Any], Any]] = {
        "torch.relu(x)": torch.relu,
        "torch.maximum(x, torch.zeros_like(x))": lambda x: torch.maximum(
            x, torch.zeros_like(x)
        ),
        "torch.clamp(x, min=0)": lambda x: torch.clamp(x, min=0),
    }
    slopes = {}
    for name, f in spellings.items():
        x = torch.zeros((), dtype=dtype, requires_grad=True)
        (slope,) = torch.autograd.grad(f(x), x)
        slopes[name] = float(slope)
    return slopes
