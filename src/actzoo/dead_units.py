r"""Dead units: when ReLU passes back no gradient, and how a leak revives them.

* :func:`zero_gradient_probability` is the chance that a unit's slope is
  exactly 0 when its pre-activation is random, in closed form, and
  :func:`zero_gradient_fraction` measures the same on samples: 1/2 for
  ReLU under any symmetric law, 0 for Leaky ReLU with :math:`\alpha > 0`.
* :func:`train_unit` replays the thought experiment of one unit
  :math:`a = f(\mathbf w^\top \mathbf x + b)` trained by gradient descent
  on one example: under ReLU a unit with negative pre-activation never
  moves; with a leak it does.
* :func:`preactivation_change` is the change of the pre-activation after one
  step in closed form, and :func:`min_alpha_for_update` solves it for the
  smallest leak that gives a required change.

Counting dead units in a trained network is :func:`actzoo.models.dead_fraction`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from actzoo import _checks
from actzoo._checks import real_param
from actzoo.kink import NOISE_LAWS, positive_probability
from actzoo.registry import ACTIVATIONS

__all__ = [
    "UnitRun",
    "min_alpha_for_update",
    "preactivation_change",
    "train_unit",
    "zero_gradient_fraction",
    "zero_gradient_probability",
]

# Activations whose slope is 0 exactly on z <= 0 when their leak parameter
# is 0, and positive everywhere otherwise.
_LEAK_PARAM = {"relu": None, "leaky_relu": "alpha", "elu": "alpha"}


def zero_gradient_probability(
    activation: str = "relu",
    *,
    loc: float = 0.0,
    noise: str = "normal",
    scale: float = 1.0,
    **params: Any,
) -> float:
    r"""Return :math:`P(f'(z) = 0)` for :math:`z = \text{loc} + \varepsilon` random.

    ReLU's slope is 0 exactly on :math:`z \le 0`, so

    .. math:: P(f'(z) = 0) = P(z \le 0) = 1 - P(\text{loc} + \varepsilon > 0),

    which is :math:`1/2` for ``loc = 0`` and any symmetric law without an
    atom at 0. Leaky ReLU (slope :math:`\alpha`) and ELU (slope
    :math:`\alpha e^{z}`) have no zero slope when :math:`\alpha > 0`, so
    the probability is 0; with :math:`\alpha = 0` they are ReLU on the
    negative side.

    Parameters
    ----------
    activation : {"relu", "leaky_relu", "elu"}
    loc : float
        Centre of the pre-activation.
    noise, scale : str, float
        Symmetric law of :math:`\varepsilon`; see
        :data:`actzoo.kink.NOISE_LAWS`.
    **params
        The activation's parameters (``alpha``), defaults from the registry.
    """
    func = "zero_gradient_probability"
    _checks.activation_name(
        activation,
        func,
        known=_LEAK_PARAM,
        why="the closed form is known for these only",
    )
    loc = real_param(loc, "loc", func)
    _checks.choice(noise, NOISE_LAWS, "noise", func)
    real_param(scale, "scale", func, positive=True)
    resolved = _checks.activation_params(activation, params, func)
    leak_name = _LEAK_PARAM[activation]
    if leak_name is not None:
        leak = real_param(resolved[leak_name], leak_name, func, nonnegative=True)
        if leak > 0:
            return 0.0
    return float(1.0 - positive_probability(loc, noise=noise, scale=scale))


def zero_gradient_fraction(activation: str, z: ArrayLike, **params: Any) -> float:
    """Return the fraction of entries of ``z`` where the slope is exactly 0.

    The slope is the registry's (``ACTIVATIONS[activation].grad``), which
    follows PyTorch's autograd at kinks.
    """
    func = "zero_gradient_fraction"
    _checks.activation_name(activation, func)
    _checks.array(z, "z", func, allow_inf=True)  # a NaN slope is neither 0 nor not
    params = _checks.activation_params(activation, params, func)
    slopes = np.asarray(ACTIVATIONS[activation].grad(z, **params))
    return float(np.mean(slopes == 0))


@dataclass(frozen=True)
class UnitRun:
    r"""One unit trained by gradient descent on one example, step by step.

    Row ``k`` of each array is the state before step ``k`` (row 0 is the
    start, the last row the end).

    Attributes
    ----------
    w : ndarray, shape (steps + 1, d)
        Weights.
    b : ndarray, shape (steps + 1,)
        Bias.
    z : ndarray, shape (steps + 1,)
        Pre-activation :math:`\mathbf w^\top \mathbf x + b` on the example.
    loss : ndarray, shape (steps + 1,)
        :math:`\tfrac12 (f(z) - t)^2`.
    """

    w: NDArray[np.float64]
    b: NDArray[np.float64]
    z: NDArray[np.float64]
    loss: NDArray[np.float64]

    @property
    def revival_step(self) -> int | None:
        """Return the first step at which ``z > 0``, or None if it never is."""
        alive = np.flatnonzero(self.z > 0)
        return int(alive[0]) if alive.size else None


def _as_example(x: ArrayLike, func: str, name: str = "x") -> NDArray[np.float64]:
    return _checks.array(x, name, func, ndim=1)


def train_unit(
    w: ArrayLike,
    b: float,
    x: ArrayLike,
    target: float,
    *,
    activation: str = "relu",
    lr: float = 0.1,
    steps: int = 100,
    **params: Any,
) -> UnitRun:
    r"""Return the trajectory of one unit under gradient descent on one example.

    The loss is :math:`L = \tfrac12 (f(z) - t)^2` with
    :math:`z = \mathbf w^\top \mathbf x + b`, and each step is

    .. math:: \mathbf w \leftarrow \mathbf w - \eta\,(f(z) - t)\,f'(z)\,
              \mathbf x, \qquad
              b \leftarrow b - \eta\,(f(z) - t)\,f'(z).

    Under ReLU, :math:`z < 0` gives :math:`f'(z) = 0`: the update is
    exactly zero and the weights never change.

    Parameters
    ----------
    w : array_like, shape (d,)
        Initial weights.
    b : float
        Initial bias.
    x : array_like, shape (d,)
        The training example.
    target : float
        The output the unit should produce, :math:`t`.
    activation : str
        Key of :data:`actzoo.ACTIVATIONS`.
    lr : float
        Learning rate :math:`\eta > 0`.
    steps : int
        Number of gradient steps.
    **params
        The activation's parameters, e.g. ``alpha=0.01``.
    """
    func = "train_unit"
    x = _as_example(x, func)
    w = _as_example(w, func, "w")
    if w.shape != x.shape:
        raise ValueError(f"{func}: w has shape {w.shape}, x has {x.shape}")
    b = real_param(b, "b", func)
    target = real_param(target, "target", func)
    lr = real_param(lr, "lr", func, positive=True)
    steps = _checks.integer(steps, "steps", func, minimum=0)
    _checks.activation_name(activation, func)
    act = ACTIVATIONS[activation]
    params = _checks.activation_params(activation, params, func)

    ws = np.empty((steps + 1, x.size))
    bs = np.empty(steps + 1)
    zs = np.empty(steps + 1)
    losses = np.empty(steps + 1)
    for k in range(steps + 1):
        z = float(w @ x + b)
        residual = float(act.fn(z, **params)) - target
        ws[k], bs[k], zs[k], losses[k] = w, b, z, 0.5 * residual**2
        if k == steps:
            break
        delta = residual * float(act.grad(z, **params))
        w = w - lr * delta * x
        b = b - lr * delta
    return UnitRun(w=ws, b=bs, z=zs, loss=losses)


def _one_step_setup(
    z: float,
    x: ArrayLike,
    target: float,
    lr: float,
    func: str,
    *,
    positive_target: bool,
) -> tuple[float, float, float]:
    """Check a switched-off unit's inputs; return z, eta (|x|^2 + 1), target."""
    z = real_param(z, "z", func)
    if not z < 0:
        raise ValueError(f"{func}: the unit must be switched off, z < 0; got {z}")
    x = _as_example(x, func)
    target = real_param(target, "target", func, positive=positive_target)
    lr = real_param(lr, "lr", func, positive=True)
    return z, float(lr * (x @ x + 1.0)), target


def preactivation_change(
    alpha: ArrayLike, z: float, x: ArrayLike, target: float, lr: float
) -> NDArray[np.float64]:
    r"""Return the change of a switched-off Leaky ReLU unit's :math:`z` in one step.

    With :math:`f(z) = \alpha z` and :math:`f'(z) = \alpha` on the negative
    side, the step of :func:`train_unit` changes :math:`\mathbf w` by
    :math:`-\eta(\alpha z - t)\alpha\mathbf x` and :math:`b` by
    :math:`-\eta(\alpha z - t)\alpha`, so on the same example

    .. math:: \Delta z = \eta\,(\lVert\mathbf x\rVert^2 + 1)\,
              \alpha\,(t - \alpha z)
              = \eta\,(\lVert\mathbf x\rVert^2 + 1)\,
              (\alpha t + \alpha^2 \lvert z\rvert).
    """
    func = "preactivation_change"
    alpha = _checks.array(alpha, "alpha", func, allow_empty=True)
    z, gain, target = _one_step_setup(z, x, target, lr, func, positive_target=False)
    return gain * alpha * (target - alpha * z)


def min_alpha_for_update(
    z: float, x: ArrayLike, target: float, lr: float, delta: float
) -> float:
    r"""Return the smallest leak :math:`\alpha` whose first step adds ``delta`` to z.

    Solving :func:`preactivation_change` :math:`= \delta` for
    :math:`\alpha > 0`, with :math:`c = \delta / (\eta(\lVert\mathbf
    x\rVert^2 + 1))`:

    .. math:: \lvert z\rvert\,\alpha^2 + t\,\alpha - c = 0, \qquad
              \alpha^* = \frac{2c}{t + \sqrt{t^2 + 4\lvert z\rvert c}} .

    (This is the positive root written without cancellation.) For
    :math:`t > 0` the change grows with :math:`\alpha`, so every
    :math:`\alpha \ge \alpha^*` meets the requirement and none below does.
    ``delta = -z`` asks for revival in a single step.

    Raises
    ------
    ValueError
        If ``z >= 0`` (the unit is not switched off), ``target <= 0`` (a
        switched-off unit already moves towards it, nothing to revive) or
        ``delta <= 0``.
    """
    func = "min_alpha_for_update"
    z, gain, target = _one_step_setup(z, x, target, lr, func, positive_target=True)
    delta = real_param(delta, "delta", func, positive=True)
    c = delta / gain
    return float(2.0 * c / (target + np.sqrt(target**2 + 4.0 * abs(z) * c)))
