r"""The parametric ReLU (PReLU): a leaky ReLU whose slope is learned.

:math:`\mathrm{PReLU}_\alpha(x) = x` for :math:`x > 0` and
:math:`\alpha x` otherwise, as the leaky ReLU, but :math:`\alpha` is a
weight of the network, trained with the others (He et al., 2015). Besides
the derivatives in :math:`x`, training needs the derivative in
:math:`\alpha`, :func:`prelu_grad_alpha`. PyTorch's counterpart is
``torch.nn.functional.prelu(x, weight)`` with ``weight`` a tensor; its
``nn.PReLU`` starts from :math:`\alpha = 0.25`, the default here.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from actzoo._checks import as_real_array, finish, real_param
from actzoo.activations import (
    Array,
    _keep_nan,
    _select,
    leaky_relu,
    leaky_relu_grad,
    leaky_relu_grad2,
)

__all__ = [
    "PRELU_INIT",
    "prelu",
    "prelu_grad",
    "prelu_grad2",
    "prelu_grad_alpha",
]

#: PyTorch's initial slope for ``nn.PReLU`` (He et al., 2015).
PRELU_INIT = 0.25


def _alpha(alpha: float, func: str) -> float:
    # A learned slope may leave [0, 1]: any finite value is allowed.
    return real_param(alpha, "alpha", func)


def prelu(x: ArrayLike, alpha: float = PRELU_INIT) -> Array:
    r"""Return PReLU: :math:`x` for :math:`x > 0`, else :math:`\alpha x`."""
    alpha = _alpha(alpha, "prelu")
    as_real_array(x, "prelu")
    return leaky_relu(x, alpha)


def prelu_grad(x: ArrayLike, alpha: float = PRELU_INIT) -> Array:
    r"""Return PReLU's derivative in :math:`x`: 1 for :math:`x > 0`, else :math:`\alpha`."""
    alpha = _alpha(alpha, "prelu_grad")
    as_real_array(x, "prelu_grad")
    return leaky_relu_grad(x, alpha)


def prelu_grad2(x: ArrayLike, alpha: float = PRELU_INIT) -> Array:
    """Return PReLU's second derivative in ``x``, 0 everywhere."""
    alpha = _alpha(alpha, "prelu_grad2")
    as_real_array(x, "prelu_grad2")
    return leaky_relu_grad2(x, alpha)


def prelu_grad_alpha(x: ArrayLike, alpha: float = PRELU_INIT) -> Array:
    r"""Return PReLU's derivative in :math:`\alpha`, :math:`\min(x, 0)`.

    It does not depend on :math:`\alpha`; the argument is checked and
    accepted so that every PReLU function takes the same parameters.
    """
    _alpha(alpha, "prelu_grad_alpha")
    z, dtype, shape = as_real_array(x, "prelu_grad_alpha")
    out = _select(z > 0, 0, np.minimum(z, 0))
    return finish(_keep_nan(out, z), dtype, shape)
