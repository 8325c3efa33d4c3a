r"""The saturating activations ReLU replaced: the logistic sigmoid and tanh.

Both squash the real line into a bounded interval, :math:`(0, 1)` and
:math:`(-1, 1)`, and their derivatives vanish at both ends: a unit whose
pre-activation is far from 0 passes almost no gradient. The functions
follow the conventions of :mod:`actzoo.activations` (dtype and shape
preserved, NaN in gives NaN out, limits at :math:`\pm\infty`, no NumPy
warnings). The derivatives are written with :math:`\sigma(t)\,\sigma(-t)`,
which keeps full relative accuracy in the tails, where the textbook forms
:math:`\sigma(1 - \sigma)` and :math:`1 - \tanh^2` cancel to 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from actzoo._checks import as_real_array, finish
from actzoo.activations import Array, _logistic_parts, _sigmoid

__all__ = [
    "sigmoid",
    "sigmoid_grad",
    "sigmoid_grad2",
    "tanh",
    "tanh_grad",
    "tanh_grad2",
]


def sigmoid(x: ArrayLike) -> Array:
    r"""Return the logistic sigmoid, :math:`\sigma(x) = 1 / (1 + e^{-x})`."""
    z, dtype, shape = as_real_array(x, "sigmoid")
    return finish(_sigmoid(z), dtype, shape)


def sigmoid_grad(x: ArrayLike) -> Array:
    r"""Return the sigmoid's derivative, :math:`\sigma(x)\,\sigma(-x)`.

    It is at most 1/4 (at 0), so every sigmoid layer shrinks a gradient by
    at least a factor of 4.
    """
    z, dtype, shape = as_real_array(x, "sigmoid_grad")
    _, _, ds = _logistic_parts(z)
    return finish(ds, dtype, shape)


def sigmoid_grad2(x: ArrayLike) -> Array:
    r"""Return the sigmoid's second derivative, :math:`\sigma'(x)\,(\sigma(-x) - \sigma(x))`."""
    z, dtype, shape = as_real_array(x, "sigmoid_grad2")
    s, s_neg, ds = _logistic_parts(z)
    return finish(ds * (s_neg - s), dtype, shape)


def tanh(x: ArrayLike) -> Array:
    r"""Return the hyperbolic tangent, :math:`\tanh x = 2\sigma(2x) - 1`."""
    z, dtype, shape = as_real_array(x, "tanh")
    return finish(np.tanh(z), dtype, shape)


def tanh_grad(x: ArrayLike) -> Array:
    r"""Return tanh's derivative, :math:`1 - \tanh^2 x = 4\,\sigma(2x)\,\sigma(-2x)`."""
    z, dtype, shape = as_real_array(x, "tanh_grad")
    _, _, ds = _logistic_parts(2 * z)
    return finish(4 * ds, dtype, shape)


def tanh_grad2(x: ArrayLike) -> Array:
    r"""Return tanh's second derivative, :math:`-2 \tanh x\,(1 - \tanh^2 x)`."""
    z, dtype, shape = as_real_array(x, "tanh_grad2")
    _, _, ds = _logistic_parts(2 * z)
    return finish(-8 * np.tanh(z) * ds, dtype, shape)
