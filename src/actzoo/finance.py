r"""Option payoffs as sums of ReLUs, and option prices as smoothed ReLUs.

A call option with strike :math:`K` pays :math:`\max(S - K, 0)` at expiry:
a ReLU of the price :math:`S`. This module builds on that one identity.

* :class:`Payoff` is a piecewise-linear payoff given by its kinks, and
  :func:`replicate` turns it into cash, shares and calls (static
  replication), that is, into a sum of ReLUs.
* :func:`bachelier_call` is the expected call payoff under Gaussian noise,
  :math:`E[\max(S - K + \sigma Z, 0)]`; :func:`expected_relu` gives the
  same smoothing for logistic noise, which is exactly the softplus.
* :func:`fit_payoff_network` fits a one-hidden-layer ReLU network to a
  payoff and :func:`units_as_options` reads each hidden unit as a call or
  a put.

Rates are zero throughout and ``sigma`` is the standard deviation of the
price at expiry (:math:`\sigma_{\text{annual}}\sqrt{T}` in the usual
notation).

Examples
--------
>>> from actzoo import finance
>>> fly = finance.butterfly(90.0, 100.0, 110.0)
>>> rep = finance.replicate(fly)
>>> [(float(k), float(q)) for k, q in zip(rep.strikes, rep.quantities)]
[(90.0, 1.0), (100.0, -2.0), (110.0, 1.0)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from actzoo import _checks
from actzoo._checks import real_param
from actzoo._optional import require_torch
from actzoo.activations import relu, softplus

__all__ = [
    "FittedPayoffNetwork",
    "OptionUnit",
    "Payoff",
    "Replication",
    "bachelier_call",
    "bachelier_put",
    "butterfly",
    "call_payoff",
    "expected_relu",
    "expected_relu_mc",
    "fit_payoff_network",
    "learned_kinks",
    "replicate",
    "straddle",
    "units_as_options",
]

Array = NDArray[np.floating]
Noise = Literal["gaussian", "logistic"]
_SQRT_2PI = math.sqrt(2.0 * math.pi)


_NOISES = ("gaussian", "logistic")


def _prices(S: ArrayLike, func: str, name: str = "S") -> Array:
    # vectorised over prices: an empty array gives an empty result
    return _checks.array(S, name, func, allow_empty=True)


def call_payoff(S: ArrayLike, K: float) -> Array:
    r"""Return the call payoff :math:`\max(S - K, 0)`, a ReLU of ``S - K``."""
    K = real_param(K, "K", "call_payoff")
    return relu(_prices(S, "call_payoff") - K)


# ------------------------------------------------------------ payoffs


@dataclass(frozen=True)
class Payoff:
    r"""A continuous piecewise-linear payoff, given by its kinks.

    Between kinks the payoff is the straight line through the neighbouring
    ``(kink, value)`` points; left of the first kink it has slope
    ``slope_left``, right of the last one ``slope_right``.

    Attributes
    ----------
    kinks : ndarray
        Strictly increasing prices where the slope changes.
    values : ndarray
        Payoff at each kink.
    slope_left, slope_right : float
        Slopes of the two outer pieces.
    name : str
        A name for legends.
    """

    kinks: Array
    values: Array
    slope_left: float = 0.0
    slope_right: float = 0.0
    name: str = "payoff"

    def __post_init__(self) -> None:
        kinks = np.atleast_1d(_checks.array(self.kinks, "kinks", "Payoff", ndim=(0, 1)))
        values = np.atleast_1d(
            _checks.array(self.values, "values", "Payoff", ndim=(0, 1))
        )
        if values.shape != kinks.shape:
            raise ValueError(
                f"Payoff: {kinks.size} kinks but {values.size} values; give "
                "one value per kink"
            )
        _checks.text(self.name, "name", "Payoff")
        if np.any(np.diff(kinks) <= 0):
            raise ValueError("Payoff: kinks must be strictly increasing")
        object.__setattr__(self, "kinks", kinks)
        object.__setattr__(self, "values", values)
        for side in ("slope_left", "slope_right"):
            object.__setattr__(
                self, side, real_param(getattr(self, side), side, "Payoff")
            )

    def slopes(self) -> Array:
        """Return the slopes of all ``len(kinks) + 1`` pieces, left to right."""
        inner = np.diff(self.values) / np.diff(self.kinks)
        return np.concatenate([[self.slope_left], inner, [self.slope_right]])

    def __call__(self, S: ArrayLike) -> Array:
        """Return the payoff at prices ``S`` (linear interpolation, no ReLUs)."""
        S = _prices(S, "Payoff")
        out = np.interp(S, self.kinks, self.values)
        left, right = S < self.kinks[0], S > self.kinks[-1]
        out = np.where(
            left, self.values[0] + self.slope_left * (S - self.kinks[0]), out
        )
        return np.where(
            right, self.values[-1] + self.slope_right * (S - self.kinks[-1]), out
        )


def butterfly(K1: float, K2: float, K3: float) -> Payoff:
    r"""Return the butterfly payoff, a tent on :math:`[K_1, K_3]` peaking at :math:`K_2`.

    It is long one call at :math:`K_1` and one at :math:`K_3`, short two at
    :math:`K_2`, with :math:`K_2` the midpoint, so the tent is symmetric
    and its peak is :math:`K_2 - K_1`.
    """
    K1, K2, K3 = (
        real_param(k, n, "butterfly") for k, n in zip((K1, K2, K3), ("K1", "K2", "K3"))
    )
    if not (K1 < K2 < K3) or not math.isclose(K2 - K1, K3 - K2):
        raise ValueError(
            f"butterfly: need K1 < K2 < K3 with K2 the midpoint, got {K1}, {K2}, {K3}"
        )
    return Payoff(
        np.array([K1, K2, K3]), np.array([0.0, K2 - K1, 0.0]), name="butterfly"
    )


def straddle(K: float) -> Payoff:
    r"""Return the straddle payoff :math:`|S - K|`: a call plus a put at ``K``."""
    K = real_param(K, "K", "straddle")
    return Payoff(
        np.array([K]),
        np.array([0.0]),
        slope_left=-1.0,
        slope_right=1.0,
        name="straddle",
    )


# -------------------------------------------------------- replication


@dataclass(frozen=True)
class Replication:
    r"""A static portfolio: cash, shares and calls.

    Its value at expiry is
    :math:`\text{cash} + \text{shares}\cdot S + \sum_i q_i \max(S - K_i, 0)`.
    """

    cash: float
    shares: float
    strikes: Array
    quantities: Array

    def __call__(self, S: ArrayLike) -> Array:
        """Return the portfolio's value at expiry, as a sum of ReLUs."""
        S = _prices(S, "Replication")
        out = self.cash + self.shares * S
        for K, q in zip(self.strikes, self.quantities):
            out = out + q * relu(S - K)
        return out

    def price(self, S0: ArrayLike, sigma: float) -> Array:
        r"""Return the portfolio's Bachelier price today (zero rates).

        Cash and shares are worth their face value; each call is priced by
        :func:`bachelier_call`, so the price is linear in the holdings.
        """
        S0 = _prices(S0, "Replication.price")
        out = self.cash + self.shares * S0
        for K, q in zip(self.strikes, self.quantities):
            out = out + q * bachelier_call(S0, K, sigma)
        return out


def replicate(payoff: Payoff) -> Replication:
    r"""Return cash, shares and calls whose sum is exactly ``payoff``.

    The calls sit at the kinks, each in the quantity by which the slope
    changes there: :math:`q_i = s_i - s_{i-1}`. Shares and cash reproduce
    the leftmost piece, :math:`\text{shares} = s_0` and
    :math:`\text{cash} = v_1 - s_0 K_1`. Left of :math:`K_1` every call is
    worth 0; crossing each kink adds the slope change; so the sum equals
    the payoff everywhere.
    """
    _checks.instance(payoff, Payoff, "payoff", "replicate")
    slopes = payoff.slopes()
    shares = float(slopes[0])
    cash = float(payoff.values[0] - shares * payoff.kinks[0])
    return Replication(cash, shares, payoff.kinks.copy(), np.diff(slopes))


# ---------------------------------------------- prices as smoothed ReLUs


def bachelier_call(S: ArrayLike, K: float, sigma: float) -> Array:
    r"""Return the Bachelier call price :math:`\sigma\varphi(d) + (S - K)\Phi(d)`.

    Here :math:`d = (S - K)/\sigma`, :math:`\varphi` and :math:`\Phi` are
    the standard normal density and distribution function. It equals
    :math:`E[\max(S - K + \sigma Z, 0)]` with :math:`Z \sim N(0, 1)`: the
    call payoff (a ReLU) averaged over Gaussian noise in the price. In
    terms of GELU, :math:`\sigma\,(\mathrm{GELU}(d) + \varphi(d))`.

    Parameters
    ----------
    S : array_like
        Price today (the forward price when rates are not zero).
    K : float
        Strike.
    sigma : float
        Standard deviation of the price at expiry, positive.
    """
    K = real_param(K, "K", "bachelier_call")
    real_param(sigma, "sigma", "bachelier_call", positive=True)
    return expected_relu(_prices(S, "bachelier_call") - K, sigma, "gaussian")


def bachelier_put(S: ArrayLike, K: float, sigma: float) -> Array:
    r"""Return the Bachelier put price, :math:`E[\max(K - S - \sigma Z, 0)]`.

    By symmetry of :math:`Z` it is the call price at the mirrored
    moneyness, :math:`\sigma\varphi(d) - (S - K)\Phi(-d)`; put-call parity
    :math:`C - P = S - K` holds exactly.
    """
    K = real_param(K, "K", "bachelier_put")
    real_param(sigma, "sigma", "bachelier_put", positive=True)
    return expected_relu(K - _prices(S, "bachelier_put"), sigma, "gaussian")


def expected_relu(x: ArrayLike, sigma: float, noise: Noise = "gaussian") -> Array:
    r"""Return :math:`E[\max(0, x + \sigma\varepsilon)]`, ReLU smoothed by noise.

    * ``"gaussian"`` (:math:`\varepsilon \sim N(0, 1)`):
      :math:`\sigma\varphi(x/\sigma) + x\,\Phi(x/\sigma)`, the Bachelier
      call price.
    * ``"logistic"`` (:math:`\varepsilon` standard logistic, density
      :math:`e^{-t}/(1 + e^{-t})^2`):
      :math:`\sigma\ln(1 + e^{x/\sigma})`, the softplus with
      :math:`\beta = 1/\sigma`.

    Both follow from one fact: the derivative in :math:`x` is
    :math:`P(x + \sigma\varepsilon > 0)`, the noise's distribution
    function at :math:`x/\sigma`, and the value tends to 0 as
    :math:`x \to -\infty`.
    """
    sigma = real_param(sigma, "sigma", "expected_relu", positive=True)
    x = _prices(x, "expected_relu", "x")
    _checks.choice(noise, _NOISES, "noise", "expected_relu")
    d = x / sigma
    if noise == "gaussian":
        return sigma * np.exp(-0.5 * d * d) / _SQRT_2PI + x * ndtr(d)
    if noise == "logistic":
        # threshold above any finite d/sigma of interest: no linear cut-off
        return np.asarray(sigma * softplus(d, threshold=800.0), dtype=np.float64)
    raise ValueError(
        f"expected_relu: noise must be 'gaussian' or 'logistic', got {noise!r}"
    )


def expected_relu_mc(
    x: ArrayLike,
    sigma: float,
    noise: Noise = "gaussian",
    *,
    n_samples: int = 200_000,
    seed: int = 0,
) -> tuple[Array, Array]:
    r"""Return a Monte Carlo estimate of :func:`expected_relu` and its standard error.

    The same ``n_samples`` noise draws are used for every ``x`` (common
    random numbers), so the estimate is a smooth curve in ``x``. The
    standard error is the sample standard deviation over
    :math:`\sqrt{n}`.
    """
    func = "expected_relu_mc"
    sigma = real_param(sigma, "sigma", func, positive=True)
    n_samples = _checks.integer(n_samples, "n_samples", func, minimum=2)
    x = _prices(x, func, "x")
    _checks.choice(noise, _NOISES, "noise", func)
    seed = _checks.seed(seed, func)
    rng = np.random.default_rng(seed)
    if noise == "gaussian":
        eps = rng.standard_normal(n_samples)
    elif noise == "logistic":
        eps = rng.logistic(size=n_samples)
    else:
        raise ValueError(
            f"expected_relu_mc: noise must be 'gaussian' or 'logistic', got {noise!r}"
        )
    flat = x.reshape(-1)
    mean = np.empty_like(flat)
    stderr = np.empty_like(flat)
    for i, xi in enumerate(flat):
        samples = np.maximum(xi + sigma * eps, 0.0)
        mean[i] = samples.mean()
        stderr[i] = samples.std(ddof=1) / math.sqrt(n_samples)
    return mean.reshape(x.shape), stderr.reshape(x.shape)


# ------------------------------------------- a ReLU network as options


@dataclass(frozen=True)
class OptionUnit:
    r"""One hidden unit :math:`a\,\max(0, wS + b)` read as an option.

    For :math:`w > 0` it is :math:`a w` calls struck at :math:`-b/w`; for
    :math:`w < 0` it is :math:`a|w|` puts struck there.
    """

    kind: Literal["call", "put"]
    strike: float
    quantity: float


@dataclass(frozen=True)
class FittedPayoffNetwork:
    r"""A one-hidden-layer ReLU network fitted to a payoff.

    It computes :math:`c + \sum_j a_j \max(0, w_j S + b_j)` in price units.

    Attributes
    ----------
    w, b, a : ndarray
        Input weights, biases and output weights of the hidden units.
    c : float
        Output bias.
    losses : ndarray
        Training loss (mean squared error) after each step.
    """

    w: Array
    b: Array
    a: Array
    c: float
    losses: Array

    def __call__(self, S: ArrayLike) -> Array:
        """Return the network's output at prices ``S``."""
        S = _prices(S, "FittedPayoffNetwork")
        hidden = np.maximum(np.multiply.outer(S, self.w) + self.b, 0.0)
        return hidden @ self.a + self.c


def fit_payoff_network(
    payoff: Payoff,
    S: ArrayLike,
    *,
    n_hidden: int = 12,
    steps: int = 3000,
    lr: float = 0.02,
    seed: int = 0,
) -> FittedPayoffNetwork:
    r"""Return a one-hidden-layer ReLU network fitted to ``payoff`` on prices ``S``.

    Training minimises the mean squared error with Adam in float64, its
    step size decaying from ``lr`` to ``lr / 100`` on a cosine. Prices
    are standardised inside (:math:`u = (S - m)/s` with the mean and
    half-range of ``S``) so the step size does not depend on their scale;
    the returned weights are converted back to price units. The initial
    kinks are spread evenly over the range of ``S``, which is what a
    practitioner would do and keeps every unit alive. Torch runs on one
    thread while training, so the result does not depend on the machine.

    Parameters
    ----------
    payoff : Payoff
        Target.
    S : array_like
        Training prices (1-D, at least two distinct values).
    n_hidden : int
        Number of hidden ReLU units.
    steps : int
        Adam steps (full batch).
    lr : float
        Adam learning rate.
    seed : int
        Seed for the initial weights; same seed, same network.
    """
    func = "fit_payoff_network"
    _checks.instance(payoff, Payoff, "payoff", func)
    S = _prices(S, func).reshape(-1)
    if S.size < 2 or np.ptp(S) == 0:
        raise ValueError(f"{func}: S needs at least two distinct prices")
    n_hidden = _checks.integer(n_hidden, "n_hidden", func, minimum=1)
    steps = _checks.integer(steps, "steps", func, minimum=1)
    lr = real_param(lr, "lr", func, positive=True)
    seed = _checks.seed(seed, func)
    require_torch("actzoo.finance")
    from actzoo.training import single_thread

    with single_thread():  # tiny matrices: one thread is faster
        return _fit(payoff, S, int(n_hidden), int(steps), lr, seed)


def _fit(
    payoff: Payoff, S: Array, n_hidden: int, steps: int, lr: float, seed: int
) -> FittedPayoffNetwork:
    torch = require_torch("actzoo.finance")

    m, s = float(S.mean()), float(np.ptp(S) / 2)
    u = torch.tensor((S - m) / s, dtype=torch.float64)[:, None]
    y = torch.tensor(payoff(S) / s, dtype=torch.float64)

    gen = torch.Generator().manual_seed(seed)
    sign = torch.where(torch.rand(n_hidden, generator=gen) < 0.5, -1.0, 1.0)
    w = (sign * (0.5 + torch.rand(n_hidden, generator=gen))).double()
    kinks = torch.linspace(-0.9, 0.9, n_hidden, dtype=torch.float64)
    b = -w * kinks
    a = 0.1 * torch.randn(n_hidden, generator=gen, dtype=torch.float64)
    c = torch.zeros((), dtype=torch.float64)
    params = [p.requires_grad_() for p in (w, b, a, c)]
    opt = torch.optim.Adam(params, lr=lr)
    # cosine decay to lr/100: a constant step keeps kicking the kinks off
    # the strikes once the fit is close
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=max(steps, 1), eta_min=lr / 100
    )
    losses = np.empty(steps)
    for step in range(steps):
        opt.zero_grad()
        pred = torch.relu(u * w + b) @ a + c
        loss = torch.mean((pred - y) ** 2)
        loss.backward()
        opt.step()
        sched.step()
        losses[step] = loss.item() * s * s
    w, b, a, c = (p.detach().numpy().copy() for p in params)
    # u = (S - m)/s and output scaled by s: back to price units.
    return FittedPayoffNetwork(
        w=w / s, b=b - w * m / s, a=a * s, c=float(c) * s, losses=losses
    )


def units_as_options(
    net: FittedPayoffNetwork,
    S_range: tuple[float, float] | None = None,
    *,
    min_quantity: float = 0.0,
) -> list[OptionUnit]:
    r"""Return the network's hidden units as calls and puts, sorted by strike.

    Units whose kink lies outside ``S_range`` are linear (or zero) on it
    and are left out, as are units with ``|quantity| <= min_quantity``.
    """
    func = "units_as_options"
    _checks.instance(net, FittedPayoffNetwork, "net", func)
    lo, hi = (
        (-np.inf, np.inf)
        if S_range is None
        else _checks.interval(S_range, "S_range", func)
    )
    min_quantity = real_param(min_quantity, "min_quantity", func, nonnegative=True)
    units = []
    for w, b, a in zip(net.w, net.b, net.a):
        if w == 0:
            continue
        strike = -b / w
        quantity = a * abs(w)
        if not lo < strike < hi or abs(quantity) <= min_quantity:
            continue
        kind: Literal["call", "put"] = "call" if w > 0 else "put"
        units.append(OptionUnit(kind, float(strike), float(quantity)))
    return sorted(units, key=lambda unit: unit.strike)


def learned_kinks(
    units: list[OptionUnit], *, merge_tol: float = 1.0, min_change: float = 0.1
) -> tuple[Array, Array]:
    r"""Return the kinks of a fitted network and the slope change at each.

    A call :math:`q\max(S - K, 0)` and a put :math:`q\max(K - S, 0)` both
    raise the slope by :math:`q` at :math:`K`, so units whose strikes lie
    within ``merge_tol`` of each other act as one kink: their strikes are
    averaged (weighted by :math:`|q|`) and their quantities added. Merged
    kinks whose slope change is at most ``min_change`` in size are
    dropped. For a fitted payoff these should be its own kinks and slope
    changes, the quantities of :func:`replicate`.
    """
    func = "learned_kinks"
    units = _checks.sequence(units, "units", func, min_length=0)
    for unit in units:
        _checks.instance(unit, OptionUnit, "units", func)
    merge_tol = real_param(merge_tol, "merge_tol", func, nonnegative=True)
    min_change = real_param(min_change, "min_change", func, nonnegative=True)
    strikes: list[list[float]] = []
    changes: list[list[float]] = []
    for unit in sorted(units, key=lambda u: u.strike):
        if strikes and unit.strike - strikes[-1][-1] <= merge_tol:
            strikes[-1].append(unit.strike)
            changes[-1].append(unit.quantity)
        else:
            strikes.append([unit.strike])
            changes.append([unit.quantity])
    out_k, out_q = [], []
    for ks, qs in zip(strikes, changes):
        total = float(np.sum(qs))
        if abs(total) <= min_change:
            continue
        weights = np.abs(qs)
        out_k.append(float(np.sum(weights * np.asarray(ks)) / np.sum(weights)))
        out_q.append(total)
    return np.asarray(out_k), np.asarray(out_q)
