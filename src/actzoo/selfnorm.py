r"""Self-normalising networks: SELU's fixed point, deep propagation, AlphaDropout.

If the activations :math:`x_i` of a layer have mean :math:`\mu` and
variance :math:`\nu`, the next pre-activation :math:`z = \sum_i w_i x_i`
is close to :math:`N(\mu\omega, \nu\tau)` with :math:`\omega = \sum_i w_i`,
:math:`\tau = \sum_i w_i^2`. The layer therefore maps :math:`(\mu, \nu)` to
the mean and variance of :math:`f(z)`. SELU's constants are the
:math:`(\alpha, \lambda)` that make :math:`(0, 1)` a fixed point of this
map for :math:`\omega = 0, \tau = 1` (Klambauer et al., 2017).

Examples
--------
>>> from actzoo import selfnorm
>>> alpha, scale = selfnorm.solve_selu_constants()
>>> round(alpha, 10), round(scale, 10)
(1.6732632424, 1.0507009874)
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import root

from actzoo import _checks, gaussian
from actzoo._checks import real_param
from actzoo.activations import SELU_ALPHA, SELU_SCALE
from actzoo.gradient_flow import gaussian_weights
from actzoo.registry import ACTIVATIONS

__all__ = [
    "DropoutMoments",
    "LayerStatistics",
    "alpha_dropout",
    "alpha_dropout_affine",
    "dropout",
    "dropout_moments",
    "fixed_point_residuals",
    "moment_map",
    "propagate_moments",
    "propagate_random_weights",
    "simulate_network_moments",
    "solve_selu_constants",
]


class LayerStatistics(NamedTuple):
    """Mean and variance of a network's activations, one entry per layer."""

    mean: NDArray[np.float64]
    variance: NDArray[np.float64]


def moment_map(
    name: str,
    mu: float,
    nu: float,
    omega: float = 0.0,
    tau: float = 1.0,
    **params: Any,
) -> tuple[float, float]:
    r"""Return the next layer's mean and variance, :math:`(E f(z), \operatorname{Var} f(z))`, :math:`z \sim N(\mu\omega, \nu\tau)`.

    Parameters
    ----------
    name : str
        Activation name in :data:`actzoo.ACTIVATIONS`.
    mu, nu : float
        Mean and variance (positive) of this layer's activations.
    omega, tau : float
        Sum and sum of squares (positive) of a unit's incoming weights;
        LeCun-normal weights have :math:`\omega \approx 0, \tau \approx 1`.
    """
    func = "moment_map"
    _checks.activation_name(name, func, "name")
    mu = real_param(mu, "mu", func)
    nu = real_param(nu, "nu", func, positive=True)
    omega = real_param(omega, "omega", func)
    tau = real_param(tau, "tau", func, positive=True)
    params = _checks.activation_params(name, params, func)
    m = gaussian.moments(name, mu * omega, math.sqrt(nu * tau), **params)
    return m.mean, m.variance


def propagate_moments(
    name: str,
    mu0: float,
    nu0: float,
    depth: int,
    omega: float = 0.0,
    tau: float = 1.0,
    **params: Any,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Return means and variances after :math:`0, 1, \dots, L` layers, iterating :func:`moment_map`."""
    func = "propagate_moments"
    _checks.activation_name(name, func, "name")
    mu0 = real_param(mu0, "mu0", func)
    nu0 = real_param(nu0, "nu0", func, positive=True)
    depth = _checks.integer(depth, "depth", func, minimum=0)
    real_param(omega, "omega", func)
    real_param(tau, "tau", func, positive=True)
    params = _checks.activation_params(name, params, func)
    mus, nus = [mu0], [nu0]
    for _ in range(int(depth)):
        mu, nu = moment_map(name, mus[-1], nus[-1], omega, tau, **params)
        mus.append(mu)
        nus.append(nu)
    return np.array(mus), np.array(nus)


def propagate_random_weights(
    name: str, q0: float, depth: int, gain: float = 1.0, **params: Any
) -> LayerStatistics:
    r"""Return the mean-field mean and variance of activations after :math:`1, \dots, L` layers of random weights.

    With weights :math:`N(0, g^2/n)` drawn afresh for every unit, a unit's
    pre-activation is :math:`N(0, q_l)` whatever the previous layer's mean:
    :math:`q_1 = q_0` (the input's second moment) and
    :math:`q_{l+1} = g^2 E[\varphi(z)^2]`, :math:`z \sim N(0, q_l)`. For
    ReLU :math:`q_{l+1} = \tfrac{g^2}{2} q_l`: LeCun weights (:math:`g = 1`)
    halve it at every layer, He weights (:math:`g = \sqrt2`) keep it.
    Entry :math:`l - 1` of the result describes layer :math:`l`.
    """
    func = "propagate_random_weights"
    _checks.activation_name(name, func, "name")
    q = real_param(q0, "q0", func, positive=True)
    depth = _checks.integer(depth, "depth", func, minimum=1)
    gain = real_param(gain, "gain", func, positive=True)
    params = _checks.activation_params(name, params, func)
    means, variances = [], []
    for _ in range(int(depth)):
        m = gaussian.moments(name, 0.0, math.sqrt(q), **params)
        means.append(m.mean)
        variances.append(m.variance)
        q = gain * gain * m.second_moment
        if not q > 0:
            raise ValueError("propagate_random_weights: the variance underflowed to 0")
    return LayerStatistics(np.array(means), np.array(variances))


def fixed_point_residuals(alpha: float, scale: float) -> NDArray[np.float64]:
    r"""Return :math:`(E[s(z)],\ E[s(z)^2] - 1)` for :math:`s = \lambda\,\mathrm{ELU}_\alpha`, :math:`z \sim N(0, 1)`.

    Both vanish exactly at SELU's constants: the activations of a layer
    then have mean 0 and variance 1 whenever its pre-activations are
    standard normal.
    """
    # any real alpha: the solver may step through negative values, where
    # the closed form still holds (ELU itself takes alpha >= 0 only)
    alpha = real_param(alpha, "alpha", "fixed_point_residuals")
    scale = real_param(scale, "scale", "fixed_point_residuals")
    mean, second_moment = gaussian._exponential_linear(alpha, 1.0, 1.0, 0.0, 1.0)
    return np.array([scale * mean, scale * scale * second_moment - 1.0])


def solve_selu_constants(
    x0: tuple[float, float] = (1.0, 1.0), xtol: float = 1e-15
) -> tuple[float, float]:
    r"""Return :math:`(\alpha, \lambda)` solving :func:`fixed_point_residuals` ``= 0`` numerically.

    Powell's hybrid method on the two equations, from ``x0``. The solution
    is :math:`\alpha \approx 1.6732632423543772`,
    :math:`\lambda \approx 1.0507009873554805`.

    Raises
    ------
    RuntimeError
        If the solver does not converge.
    """
    func = "solve_selu_constants"
    start = _checks.array(x0, "x0", func, ndim=1)
    if start.shape != (2,):
        raise ValueError(f"{func}: x0 must be a pair (alpha, scale), got {start.shape}")
    xtol = real_param(xtol, "xtol", func, positive=True)
    sol = root(
        lambda v: fixed_point_residuals(v[0], v[1]),
        start,
        method="hybr",
        options={"xtol": xtol},
    )
    if not sol.success:
        raise RuntimeError(f"solve_selu_constants: no convergence ({sol.message})")
    alpha, scale = (float(v) for v in sol.x)
    return alpha, abs(scale)


def simulate_network_moments(
    name: str,
    depth: int = 50,
    width: int = 256,
    n_samples: int = 2000,
    *,
    gain: float = 1.0,
    seed: int = 0,
    dropout_kind: str | None = None,
    p: float = 0.0,
    **params: Any,
) -> LayerStatistics:
    r"""Return the empirical mean and variance of the activations after each layer.

    Inputs are standard normal, shape ``(width, n_samples)``; weights are
    :math:`N(0, g^2/n)` (``gain`` :math:`g = 1`: LeCun normal), no biases.
    Entry 0 describes the input, entry :math:`l` the activations
    :math:`\varphi(z_l)`, after dropout if ``dropout_kind`` is
    ``"alpha"`` (:func:`alpha_dropout`) or ``"plain"`` (:func:`dropout`)
    with drop probability ``p``; statistics pool all units and samples.
    """
    func = "simulate_network_moments"
    _checks.activation_name(name, func, "name")
    depth = _checks.integer(depth, "depth", func, minimum=1)
    width = _checks.integer(width, "width", func, minimum=1)
    n_samples = _checks.integer(n_samples, "n_samples", func, minimum=1)
    gain = real_param(gain, "gain", func, positive=True)
    seed = _checks.seed(seed, func)
    _checks.choice(dropout_kind, (None, "alpha", "plain"), "dropout_kind", func)
    p = _check_p(p, func)
    params = _checks.activation_params(name, params, func)
    drop = {"alpha": alpha_dropout, "plain": dropout}.get(dropout_kind or "")
    act = ACTIVATIONS[name]
    rng = np.random.default_rng(seed)
    h: NDArray[np.floating] = rng.standard_normal((int(width), int(n_samples)))
    weights = gaussian_weights([width] * (depth + 1), gain=gain, seed=seed + 1)
    means, variances = [float(h.mean())], [float(h.var())]
    for l, W in enumerate(weights):
        h = act.fn(W @ h, **params)
        if drop is not None:
            h = drop(h, p, seed=seed + 2 + l)
        means.append(float(h.mean()))
        variances.append(float(h.var()))
    return LayerStatistics(np.array(means), np.array(variances))


def _check_p(p: float, func: str) -> float:
    # the drop probability
    return _checks.probability(p, "p", func, below_one=True)


def alpha_dropout_affine(
    p: float, alpha: float = SELU_ALPHA, scale: float = SELU_SCALE
) -> tuple[float, float, float]:
    r"""Return :math:`(a, b, \alpha')` of AlphaDropout with drop probability :math:`p`.

    Dropped units are set to SELU's saturation value
    :math:`\alpha' = -\lambda\alpha`, then :math:`y \mapsto a y + b` with

    .. math:: a = \bigl((1-p)(1 + p\,\alpha'^2)\bigr)^{-1/2}, \qquad
              b = -a\,p\,\alpha',

    which restores mean 0 and variance 1 for inputs of mean 0, variance 1.
    """
    p = _check_p(p, "alpha_dropout_affine")
    alpha = real_param(alpha, "alpha", "alpha_dropout_affine")
    scale = real_param(scale, "scale", "alpha_dropout_affine")
    a_prime = -scale * alpha
    a = 1.0 / math.sqrt((1 - p) * (1 + p * a_prime**2))
    return a, -a * p * a_prime, a_prime


def _mask(
    shape: tuple[int, ...], p: float, seed: int, mask: ArrayLike | None, func: str
) -> NDArray[np.bool_]:
    if mask is None:
        return np.random.default_rng(seed).random(shape) >= p
    m = _checks.array(mask, "mask", func, allow_empty=True, dtype=None)
    if m.shape != shape:
        raise ValueError(f"{func}: mask has shape {m.shape}, x has shape {shape}")
    if not np.isin(m, (0, 1)).all():
        raise ValueError(f"{func}: mask must hold True/False (or 1/0) only")
    return m.astype(bool)


def alpha_dropout(
    x: ArrayLike, p: float, *, seed: int = 0, mask: ArrayLike | None = None
) -> NDArray[np.float64]:
    r"""Return AlphaDropout of ``x``: :math:`a\,(m x + (1 - m)\alpha') + b`, :math:`m \sim \text{Bernoulli}(1 - p)`.

    ``mask`` (True = kept) replaces the random mask drawn from ``seed``.
    Constants from :func:`alpha_dropout_affine`; the same as
    ``torch.nn.AlphaDropout`` in training mode.
    """
    p = _check_p(p, "alpha_dropout")
    # elementwise: NaN passes through, empty gives empty
    x = _checks.array(
        x, "x", "alpha_dropout", allow_empty=True, allow_nan=True, allow_inf=True
    )
    seed = _checks.seed(seed, "alpha_dropout")
    keep = _mask(x.shape, p, seed, mask, "alpha_dropout")
    a, b, a_prime = alpha_dropout_affine(p)
    return a * np.where(keep, x, a_prime) + b


def dropout(
    x: ArrayLike, p: float, *, seed: int = 0, mask: ArrayLike | None = None
) -> NDArray[np.float64]:
    r"""Return plain (inverted) dropout of ``x``: :math:`m x / (1 - p)`, :math:`m \sim \text{Bernoulli}(1 - p)`."""
    p = _check_p(p, "dropout")
    # elementwise: NaN passes through, empty gives empty
    x = _checks.array(
        x, "x", "dropout", allow_empty=True, allow_nan=True, allow_inf=True
    )
    seed = _checks.seed(seed, "dropout")
    keep = _mask(x.shape, p, seed, mask, "dropout")
    return np.where(keep, x, 0.0) / (1 - p)


class DropoutMoments(NamedTuple):
    """Mean and variance of a dropout layer's output."""

    mean: float
    variance: float


def dropout_moments(
    kind: str, p: float, mu: float = 0.0, nu: float = 1.0
) -> DropoutMoments:
    r"""Return the exact output mean and variance of dropout for inputs of mean :math:`\mu`, variance :math:`\nu`.

    With :math:`q = 1 - p` and :math:`m \sim \text{Bernoulli}(q)`
    independent of the input:

    * ``"plain"``: mean :math:`\mu`, variance :math:`(\nu + \mu^2)/q - \mu^2`
      (for :math:`\nu = 1, \mu = 0`: :math:`1/q > 1`);
    * ``"alpha"``: mean :math:`a(q\mu + p\alpha') + b`, variance
      :math:`a^2\bigl(q(\nu + \mu^2) + p\alpha'^2 - (q\mu + p\alpha')^2\bigr)`.
    """
    func = "dropout_moments"
    _checks.choice(kind, ("plain", "alpha"), "kind", func)
    p = _check_p(p, func)
    mu = real_param(mu, "mu", func)
    nu = real_param(nu, "nu", func, nonnegative=True)
    q = 1.0 - p
    if kind == "plain":
        return DropoutMoments(mu, (nu + mu * mu) / q - mu * mu)
    if kind == "alpha":
        a, b, ap = alpha_dropout_affine(p)
        m1 = q * mu + p * ap
        m2 = q * (nu + mu * mu) + p * ap * ap
        return DropoutMoments(a * m1 + b, a * a * (m2 - m1 * m1))
    raise ValueError(f"dropout_moments: kind must be 'plain' or 'alpha', got {kind!r}")
