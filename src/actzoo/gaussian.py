r"""Moments of activations of a Gaussian input, :math:`Z \sim N(\mu, \sigma^2)`.

For the piecewise activations (ReLU, Leaky ReLU, ELU, SELU, CELU) the mean
and second moment have closed forms built from truncated Gaussian
integrals; for the smooth ones (softplus, SiLU, GELU, Mish) they are
computed by Gauss-Hermite quadrature, which converges fast for functions
that are analytic near the real line.

Examples
--------
>>> from actzoo import gaussian
>>> round(gaussian.mean("relu"), 6)  # 1 / sqrt(2 pi)
0.398942
>>> round(gaussian.elu_zero_mean_alpha(), 4)
1.6733
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.special import log_ndtr, ndtr

from actzoo import _checks
from actzoo._checks import real_param
from actzoo.activations import SELU_ALPHA, SELU_SCALE
from actzoo.registry import ACTIVATIONS

__all__ = [
    "CLOSED_FORM",
    "Moments",
    "MonteCarloMoments",
    "elu_mean_coefficients",
    "elu_zero_mean_alpha",
    "gauss_hermite_expectation",
    "mean",
    "moments",
    "monte_carlo_moments",
    "variance",
]

#: Activations whose Gaussian moments are computed in closed form.
CLOSED_FORM = frozenset({"relu", "leaky_relu", "elu", "selu", "celu"})

_SQRT_2PI = math.sqrt(2.0 * math.pi)


class Moments(NamedTuple):
    """Mean, second moment and variance of :math:`f(Z)`."""

    mean: float
    second_moment: float
    variance: float


def _check_normal(mu: float, sigma: float, func: str) -> tuple[float, float]:
    mu = real_param(mu, "mu", func)
    sigma = real_param(sigma, "sigma", func, positive=True)
    return mu, sigma


def gauss_hermite_expectation(
    f: Callable[[NDArray[np.float64]], Any],
    mu: float = 0.0,
    sigma: float = 1.0,
    n: int = 120,
) -> float:
    r"""Return :math:`E[f(Z)]`, :math:`Z \sim N(\mu, \sigma^2)`, by Gauss-Hermite quadrature.

    .. math:: E[f(Z)] \approx \frac{1}{\sqrt{\pi}} \sum_{i=1}^{n} w_i\,
              f(\mu + \sqrt{2}\,\sigma\,t_i),

    with nodes :math:`t_i` and weights :math:`w_i` of the physicists'
    Hermite rule. Exact for polynomials of degree up to :math:`2n - 1`;
    for a function with a kink the error decays only algebraically, which
    is why :func:`moments` uses closed forms for the kinked activations.

    Parameters
    ----------
    f : callable
        Vectorised function of a float64 array.
    mu, sigma : float
        Mean and standard deviation (positive) of the input.
    n : int
        Number of nodes, from 1 to 300 (NumPy's Hermite rule overflows
        beyond about 350).
    """
    func = "gauss_hermite_expectation"
    _checks.function(f, "f", func)
    mu, sigma = _check_normal(mu, sigma, func)
    n = _check_nodes(n, func)
    t, w = _hermite_rule(n)
    values = np.asarray(f(mu + math.sqrt(2.0) * sigma * t), dtype=np.float64)
    return float(np.dot(w, values) / math.sqrt(math.pi))


def _check_nodes(n: int, func: str) -> int:
    # NumPy's Hermite rule overflows beyond about 350 nodes
    return _checks.integer(n, "n", func, minimum=1, maximum=300)


@functools.lru_cache(maxsize=16)
def _hermite_rule(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    return np.polynomial.hermite.hermgauss(n)


def _truncated(mu: float, sigma: float) -> dict[str, float]:
    """Return truncated moments of Z on each half line."""
    m = mu / sigma
    pdf = math.exp(-0.5 * m * m) / _SQRT_2PI
    p_pos, p_neg = float(ndtr(m)), float(ndtr(-m))
    return {
        "p_pos": p_pos,
        "p_neg": p_neg,
        "z_pos": mu * p_pos + sigma * pdf,
        "z_neg": mu * p_neg - sigma * pdf,
        "z2_pos": (mu * mu + sigma * sigma) * p_pos + mu * sigma * pdf,
        "z2_neg": (mu * mu + sigma * sigma) * p_neg - mu * sigma * pdf,
    }


def _exp_neg(k: float, mu: float, sigma: float) -> float:
    r"""Return :math:`E[e^{kZ}\,1\{Z \le 0\}] = e^{k\mu + k^2\sigma^2/2}\,\Phi(-\mu/\sigma - k\sigma)`."""
    log = k * mu + 0.5 * (k * sigma) ** 2 + float(log_ndtr(-mu / sigma - k * sigma))
    return math.exp(log)


def _exponential_linear(
    alpha: float, k: float, scale: float, mu: float, sigma: float
) -> tuple[float, float]:
    r"""Return mean and second moment of :math:`\lambda(Z^+ + \alpha(e^{kZ} - 1)1\{Z\le0\})`."""
    t = _truncated(mu, sigma)
    e1, e2 = _exp_neg(k, mu, sigma), _exp_neg(2 * k, mu, sigma)
    neg_mean = alpha * (e1 - t["p_neg"])
    neg_sq = alpha * alpha * (e2 - 2 * e1 + t["p_neg"])
    return scale * (t["z_pos"] + neg_mean), scale * scale * (t["z2_pos"] + neg_sq)


def _closed_form(
    name: str, mu: float, sigma: float, params: dict[str, Any]
) -> tuple[float, float]:
    if name == "relu":
        t = _truncated(mu, sigma)
        return t["z_pos"], t["z2_pos"]
    if name == "leaky_relu":
        t = _truncated(mu, sigma)
        a = params["alpha"]
        return t["z_pos"] + a * t["z_neg"], t["z2_pos"] + a * a * t["z2_neg"]
    if name == "elu":
        return _exponential_linear(params["alpha"], 1.0, 1.0, mu, sigma)
    if name == "celu":
        a = params["alpha"]
        return _exponential_linear(a, 1.0 / a, 1.0, mu, sigma)
    if name == "selu":
        return _exponential_linear(SELU_ALPHA, 1.0, SELU_SCALE, mu, sigma)
    raise KeyError(name)  # pragma: no cover - guarded by CLOSED_FORM


def moments(
    name: str,
    mu: float = 0.0,
    sigma: float = 1.0,
    *,
    method: str = "auto",
    n: int = 120,
    **params: Any,
) -> Moments:
    r"""Return the mean, second moment and variance of :math:`f(Z)`, :math:`Z \sim N(\mu, \sigma^2)`.

    Closed forms, with :math:`m = \mu/\sigma`, use
    :math:`E[Z\,1\{Z>0\}] = \mu\Phi(m) + \sigma\varphi(m)`,
    :math:`E[Z^2 1\{Z>0\}] = (\mu^2 + \sigma^2)\Phi(m) + \mu\sigma\varphi(m)` and
    :math:`E[e^{kZ} 1\{Z\le0\}] = e^{k\mu + k^2\sigma^2/2}\,\Phi(-m - k\sigma)`.
    For standard normal input, ReLU's mean is :math:`1/\sqrt{2\pi}`.

    Parameters
    ----------
    name : str
        An activation of :data:`actzoo.ACTIVATIONS`.
    mu, sigma : float
        Mean and standard deviation (positive) of the input.
    method : {"auto", "closed", "quadrature"}
        ``"auto"`` uses the closed form where there is one
        (:data:`CLOSED_FORM`), Gauss-Hermite quadrature otherwise.
    n : int
        Gauss-Hermite nodes for ``"quadrature"``.
    **params
        Activation parameters, e.g. ``alpha`` for ELU.
    """
    return _moments("moments", name, mu, sigma, method, n, params)


def _moments(
    func: str,
    name: str,
    mu: float,
    sigma: float,
    method: str,
    n: int,
    params: dict[str, Any],
) -> Moments:
    _checks.activation_name(name, func, "name")
    _checks.choice(method, ("auto", "closed", "quadrature"), "method", func)
    mu, sigma = _check_normal(mu, sigma, func)
    n = _check_nodes(n, func)
    act = ACTIVATIONS[name]
    full = _checks.activation_params(name, params, func)
    use_closed = method == "closed" or (method == "auto" and name in CLOSED_FORM)
    if use_closed:
        if name not in CLOSED_FORM:
            raise ValueError(
                f"{func}: no closed form for {name!r}; closed forms exist for "
                f"{sorted(CLOSED_FORM)}"
            )
        m1, m2 = _closed_form(name, mu, sigma, full)
    else:
        m1 = gauss_hermite_expectation(lambda z: act.fn(z, **full), mu, sigma, n)
        m2 = gauss_hermite_expectation(lambda z: act.fn(z, **full) ** 2, mu, sigma, n)
    return Moments(m1, m2, max(m2 - m1 * m1, 0.0))


def mean(name: str, mu: float = 0.0, sigma: float = 1.0, **params: Any) -> float:
    r"""Return :math:`E[f(Z)]`, :math:`Z \sim N(\mu, \sigma^2)` (see :func:`moments`)."""
    # method= and n= reach moments' own options, as they always have
    method, n = params.pop("method", "auto"), params.pop("n", 120)
    return _moments("mean", name, mu, sigma, method, n, params).mean


def variance(name: str, mu: float = 0.0, sigma: float = 1.0, **params: Any) -> float:
    r"""Return :math:`\operatorname{Var} f(Z)`, :math:`Z \sim N(\mu, \sigma^2)` (see :func:`moments`)."""
    method, n = params.pop("method", "auto"), params.pop("n", 120)
    return _moments("variance", name, mu, sigma, method, n, params).variance


class MonteCarloMoments(NamedTuple):
    """Sample mean and variance of :math:`f(Z)`, and the mean's standard error."""

    mean: float
    variance: float
    standard_error: float


def monte_carlo_moments(
    name: str,
    mu: float = 0.0,
    sigma: float = 1.0,
    *,
    n_samples: int = 1_000_000,
    seed: int = 0,
    **params: Any,
) -> MonteCarloMoments:
    r"""Return the sample mean, variance and standard error of :math:`f(Z)` from ``n_samples`` draws.

    The standard error of the mean is :math:`s/\sqrt{N}`, with :math:`s`
    the sample standard deviation; the same ``seed`` gives the same numbers.
    """
    func = "monte_carlo_moments"
    _checks.activation_name(name, func, "name")
    mu, sigma = _check_normal(mu, sigma, func)
    n_samples = _checks.integer(n_samples, "n_samples", func, minimum=2)
    seed = _checks.seed(seed, func)
    params = _checks.activation_params(name, params, func)
    z = np.random.default_rng(seed).normal(mu, sigma, int(n_samples))
    y = ACTIVATIONS[name].derivative(z, 0, **params)
    var = float(np.var(y, ddof=1))
    return MonteCarloMoments(float(np.mean(y)), var, math.sqrt(var / n_samples))


def elu_mean_coefficients(mu: float = 0.0, sigma: float = 1.0) -> tuple[float, float]:
    r"""Return :math:`(c_0, c_1)` with :math:`E[\mathrm{ELU}_\alpha(Z)] = c_0 + \alpha c_1`.

    :math:`c_0 = E[Z\,1\{Z>0\}]` is ReLU's mean and
    :math:`c_1 = E[(e^{Z} - 1)\,1\{Z\le0\}] < 0`, so the mean falls
    linearly in :math:`\alpha` and crosses zero exactly once.
    """
    mu, sigma = _check_normal(mu, sigma, "elu_mean_coefficients")
    t = _truncated(mu, sigma)
    return t["z_pos"], _exp_neg(1.0, mu, sigma) - t["p_neg"]


def elu_zero_mean_alpha(mu: float = 0.0, sigma: float = 1.0) -> float:
    r"""Return the :math:`\alpha > 0` with :math:`E[\mathrm{ELU}_\alpha(Z)] = 0`.

    The mean is linear in :math:`\alpha`, :math:`c_0 + \alpha c_1`
    (:func:`elu_mean_coefficients`), so the root is
    :math:`\alpha = -c_0 / c_1`. For :math:`Z \sim N(0, 1)` it is
    :math:`\approx 1.6733`, SELU's :math:`\alpha`.

    Raises
    ------
    ValueError
        If ReLU's part of the mean is already :math:`\le 0`, or the slope
        :math:`c_1` underflows to 0 (no positive root).
    """
    mu, sigma = _check_normal(mu, sigma, "elu_zero_mean_alpha")
    c0, c1 = elu_mean_coefficients(mu, sigma)
    if not (c0 > 0 and c1 < 0):
        raise ValueError(
            "elu_zero_mean_alpha: no positive root; the mean is "
            f"{c0} + alpha * {c1} (mu = {mu}, sigma = {sigma})"
        )
    return float(-c0 / c1)
