r"""Smoothing the kink: softplus's gap to ReLU, and the curvature smooth units add.

Examples
--------
>>> import numpy as np
>>> from actzoo import smoothing
>>> gap, x_at = smoothing.largest_softplus_gap(4.0, np.linspace(-3, 3, 601))
>>> round(gap * 4.0, 6), float(x_at)  # ln 2 at x = 0
(0.693147, 0.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from actzoo import _checks
from actzoo._checks import real_param
from actzoo._optional import require_torch
from actzoo.activations import relu, softplus
from actzoo.registry import ACTIVATIONS

#: A softplus threshold no finite ``beta * x`` exceeds.
_NO_THRESHOLD = float(np.finfo(np.float64).max)

__all__ = [
    "kink_crossings",
    "largest_softplus_gap",
    "loss_hessian",
    "network_input_curvature",
    "softplus_gap",
]


def softplus_gap(x: ArrayLike, beta: float = 1.0) -> NDArray[np.float64]:
    r"""Return :math:`\operatorname{softplus}_\beta(x) - \operatorname{ReLU}(x) = \tfrac{1}{\beta}\ln(1 + e^{-\beta|x|})`.

    The linear cut-off of PyTorch's softplus (``threshold``) is moved out of
    reach, so the exact smooth function is compared.
    """
    beta = real_param(beta, "beta", "softplus_gap", positive=True)
    # elementwise: NaN in gives NaN out, empty gives empty
    x = _checks.array(
        x, "x", "softplus_gap", allow_empty=True, allow_nan=True, allow_inf=True
    )
    return softplus(x, beta=beta, threshold=_NO_THRESHOLD) - relu(x)


def largest_softplus_gap(beta: float, x: ArrayLike) -> tuple[float, float]:
    r"""Return the largest :func:`softplus_gap` on the grid ``x`` and where it occurs.

    Analytically the gap is largest at :math:`x = 0`, where it is
    :math:`\ln 2/\beta`.
    """
    beta = real_param(beta, "beta", "largest_softplus_gap", positive=True)
    x = _checks.array(x, "x", "largest_softplus_gap", ndim=1)
    gap = softplus_gap(x, beta)
    i = int(np.argmax(gap))
    return float(gap[i]), float(x[i])


def _unit_params(
    theta: ArrayLike, func: str, name: str = "theta"
) -> tuple[NDArray, NDArray, NDArray]:
    theta = _checks.array(theta, name, func, ndim=1)
    if theta.size % 3:
        raise ValueError(
            f"{func}: {name} must be a 1-D array (w, b, a) of length 3k, "
            f"got shape {theta.shape}"
        )
    w, b, a = np.split(theta, 3)
    return w, b, a


def network_input_curvature(
    name: str, theta: ArrayLike, x: ArrayLike, **params: Any
) -> NDArray[np.float64]:
    r"""Return :math:`u''(x) = \sum_j a_j w_j^2\,\varphi''(w_j x + b_j)` for :math:`u(x) = \sum_j a_j \varphi(w_j x + b_j)`.

    ``theta`` is the concatenation :math:`(w, b, a)` of the :math:`k`
    hidden units' parameters. For ReLU this is 0 wherever it is defined:
    a ReLU network is piecewise linear.
    """
    func = "network_input_curvature"
    _checks.activation_name(name, func, "name")
    params = _checks.activation_params(name, params, func)
    w, b, a = _unit_params(theta, func)
    # elementwise in x: NaN in gives NaN out, empty gives empty
    x = _checks.array(x, "x", func, allow_empty=True, allow_nan=True, allow_inf=True)
    z = np.multiply.outer(x, w) + b
    return ACTIVATIONS[name].grad2(z, **params) @ (a * w * w)


def loss_hessian(
    name: str, theta: ArrayLike, x: ArrayLike, y: ArrayLike, **params: Any
) -> NDArray[np.float64]:
    r"""Return the Hessian in :math:`\theta = (w, b, a)` of :math:`\mathcal{L} = \frac{1}{2N}\sum_i (u(x_i) - y_i)^2`.

    :math:`u(x) = \sum_j a_j \varphi(w_j x + b_j)`. Computed by PyTorch's
    double backward in float64. The Hessian splits into the Gauss-Newton
    part :math:`\frac1N\sum_i \nabla u_i \nabla u_i^\top` and a residual
    part :math:`\frac1N\sum_i r_i \nabla^2 u_i`. For ReLU the terms of
    :math:`\nabla^2 u_i` that involve :math:`\varphi''` vanish, and the
    Hessian jumps wherever a data point crosses a unit's kink
    (:func:`kink_crossings`).
    """
    func = "loss_hessian"
    _checks.activation_name(name, func, "name")
    params = _checks.activation_params(name, params, func)
    _unit_params(theta, func)
    x = _checks.array(x, "x", func, ndim=1)
    y = _checks.array(y, "y", func, ndim=1)
    torch = require_torch("actzoo.smoothing")

    act = ACTIVATIONS[name]
    xt = torch.as_tensor(x)
    yt = torch.as_tensor(y)
    if xt.shape != yt.shape or xt.ndim != 1:
        raise ValueError(
            f"loss_hessian: x and y must be 1-D of one length, got "
            f"{tuple(xt.shape)} and {tuple(yt.shape)}"
        )

    def loss(t: Any) -> Any:
        w, b, a = torch.chunk(t, 3)
        u = act.torch(xt[:, None] * w + b, **params) @ a
        return 0.5 * torch.mean((u - yt) ** 2)

    t0 = torch.as_tensor(np.asarray(theta, dtype=np.float64))
    return torch.autograd.functional.hessian(loss, t0).numpy()


def kink_crossings(
    theta: ArrayLike,
    direction: ArrayLike,
    x: ArrayLike,
    t_range: tuple[float, float] = (-1.0, 1.0),
) -> NDArray[np.float64]:
    r"""Return the sorted :math:`t` in ``t_range`` where some :math:`w_j x_i + b_j` is 0 on :math:`\theta + t\,d`.

    Along the line the pre-activation :math:`z_{ij}(t) = (w_j + t\,d_{w_j})
    x_i + b_j + t\,d_{b_j}` is linear in :math:`t`, so each pair
    :math:`(i, j)` crosses the kink at most once, at
    :math:`t = -z_{ij}(0) / z_{ij}'`. Pairs with :math:`z_{ij}' = 0` never
    cross.
    """
    func = "kink_crossings"
    w, b, _ = _unit_params(theta, func)
    dw, db, _ = _unit_params(direction, func, "direction")
    if w.size != dw.size:
        raise ValueError(f"{func}: theta and direction differ in length")
    lo, hi = _checks.interval(t_range, "t_range", func)
    # the data points; none gives no crossings
    x = _checks.array(x, "x", func, allow_empty=True)
    z0 = np.multiply.outer(x, w) + b
    slope = np.multiply.outer(x, dw) + db
    moving = slope != 0
    t = -z0[moving] / slope[moving]
    return np.sort(t[(t >= lo) & (t <= hi)])
