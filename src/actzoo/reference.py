"""High-precision reference values of the activations, computed with mpmath.

These are slow (pure Python, 100 significant digits) and exist to measure
how accurate a float64 implementation is, ours or PyTorch's.

Examples
--------
>>> from actzoo.reference import reference
>>> float(reference("gelu", [-10.0])[0])  # doctest: +ELLIPSIS
-7.6198...e-23
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
from numpy.typing import ArrayLike, NDArray

from actzoo import _checks
from actzoo.activations import SELU_ALPHA, SELU_SCALE

__all__ = ["reference", "relative_error"]

# Enough digits that a derivative 1e-60 times smaller than the function is
# still resolved by numerical differentiation.
_DIGITS = 100


def _formulas(p: dict[str, Any]) -> dict[str, Callable[[Any], Any]]:
    mp = mpmath.mp
    k = mp.sqrt(2 / mp.pi)

    def softplus(x):
        t = p.get("beta", 1) * x
        if t > p.get("threshold", 20):
            return x
        return mp.log1p(mp.exp(t)) / p.get("beta", 1)

    def gelu(x):
        if p.get("approximate", "none") == "tanh":
            return x / 2 * (1 + mp.tanh(k * (x + mp.mpf("0.044715") * x**3)))
        return x * mp.ncdf(x)

    alpha = mp.mpf(p.get("alpha", 1))
    return {
        "relu": lambda x: max(x, 0),
        "leaky_relu": lambda x: x if x > 0 else mp.mpf(p.get("alpha", 0.01)) * x,
        "elu": lambda x: x if x > 0 else alpha * mp.expm1(x),
        "selu": lambda x: (
            mp.mpf(SELU_SCALE) * (x if x > 0 else mp.mpf(SELU_ALPHA) * mp.expm1(x))
        ),
        "celu": lambda x: x if x > 0 else alpha * mp.expm1(x / alpha),
        "softplus": softplus,
        "silu": lambda x: x / (1 + mp.exp(-x)),
        "gelu": gelu,
        "mish": lambda x: x * mp.tanh(mp.log1p(mp.exp(x))),
    }


def reference(name: str, x: ArrayLike, order: int = 0, **params: Any) -> NDArray:
    """Return the ``order``-th derivative of activation ``name`` at ``x``, to 100 digits.

    Derivatives come from mpmath's numerical differentiation at high
    working precision, so they are exact to float64 away from kinks; at a
    kink the one-sided limit is not defined and the result is meaningless.
    """
    func = "reference"
    _checks.activation_name(name, func, "name")
    # vectorised: an empty x gives an empty result; NaN has no reference
    xs = _checks.array(x, "x", func, allow_empty=True, allow_inf=True)
    order = _checks.integer(order, "order", func, minimum=0)
    params = _checks.activation_params(name, params, func)
    with mpmath.workdps(_DIGITS):
        f = _formulas(params)[name]
        out = [
            float(
                f(mpmath.mpf(v)) if order == 0 else mpmath.diff(f, mpmath.mpf(v), order)
            )
            for v in xs.ravel()
        ]
    return np.array(out).reshape(xs.shape)


def relative_error(approx: ArrayLike, exact: ArrayLike) -> NDArray:
    """Return ``|approx - exact| / |exact|`` (0 where both are 0)."""
    func = "relative_error"
    # elementwise: NaN in gives NaN out, empty gives empty
    approx = _checks.array(
        approx, "approx", func, allow_empty=True, allow_nan=True, allow_inf=True
    )
    exact = _checks.array(
        exact, "exact", func, allow_empty=True, allow_nan=True, allow_inf=True
    )
    try:
        np.broadcast_shapes(approx.shape, exact.shape)
    except ValueError:
        raise ValueError(
            f"{func}: approx of shape {approx.shape} and exact of shape "
            f"{exact.shape} do not broadcast"
        ) from None
    diff = np.abs(approx - exact)
    scale = np.abs(exact)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1), diff)
    return np.where(diff == 0, 0.0, rel)
