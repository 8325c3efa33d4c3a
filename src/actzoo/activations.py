r"""The activations of the zoo, with their first and second derivatives.

Every function takes a real number or array ``x`` and returns an array of
the same shape and floating dtype (float32 in, float32 out; integers give
float64; a scalar or 0-d array gives a NumPy scalar). They never warn:
exponentials are taken only of arguments that cannot overflow.

Conventions, chosen to match PyTorch's autograd:

* At a kink the derivative is the one autograd returns: ReLU'(0) = 0,
  Leaky ReLU'(0) = alpha, ELU'(0) = alpha, SELU'(0) = scale * alpha,
  CELU'(0) = 1.
* NaN in gives NaN out, for values and derivatives alike.
* At +-inf the result is the limit of the function (or derivative), also
  where PyTorch's own formula gives ``inf * 0 = nan``.

Where PyTorch's formula loses precision to cancellation (``1 + erf(x)``
for very negative ``x``, ``1 - sigmoid(x)`` for large ``x``) these
functions use forms that keep full relative accuracy, so they can differ
from PyTorch by a few units of float64 roundoff in absolute terms.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from actzoo._checks import as_real_array, finish, real_param

__all__ = [
    "SELU_ALPHA",
    "SELU_SCALE",
    "celu",
    "celu_grad",
    "celu_grad2",
    "elu",
    "elu_grad",
    "elu_grad2",
    "gelu",
    "gelu_grad",
    "gelu_grad2",
    "leaky_relu",
    "leaky_relu_grad",
    "leaky_relu_grad2",
    "mish",
    "mish_grad",
    "mish_grad2",
    "relu",
    "relu_grad",
    "relu_grad2",
    "selu",
    "selu_grad",
    "selu_grad2",
    "silu",
    "silu_grad",
    "silu_grad2",
    "softplus",
    "softplus_grad",
    "softplus_grad2",
]

Array = NDArray[np.floating]

#: SELU's alpha (Klambauer et al., 2017), as in PyTorch.
SELU_ALPHA = 1.6732632423543772848170429916717
#: SELU's scale lambda (Klambauer et al., 2017), as in PyTorch.
SELU_SCALE = 1.0507009873554804934193349852946

# Beyond |x| = 1000, exp(-|x|) is exactly 0 in float32 and float64, so every
# logistic or Gaussian factor has reached its limit. Clipping to this bound
# gives exact results and keeps inf * 0 (= nan) out of products.
_BIG = 1000.0
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_GELU_TANH_K = math.sqrt(2.0 / math.pi)
_GELU_TANH_C = 0.044715

Approximate = Literal["none", "tanh"]


# --------------------------------------------------------------- helpers


def _logistic_parts(t: Array) -> tuple[Array, Array, Array]:
    """Return ``sigmoid(t)``, ``sigmoid(-t)`` and ``sigmoid'(t)``, stably.

    With ``e = exp(-|t|)`` all three are ratios of ``1`` and ``e`` to
    ``1 + e``, so none suffers cancellation and none overflows.
    """
    e = np.abs(t)
    np.negative(e, out=e)
    np.exp(e, out=e)
    inv = e + 1
    np.reciprocal(inv, out=inv)  # 1 / (1 + e): sigmoid(|t|)
    small = e * inv  # e / (1 + e): sigmoid(-|t|)
    # Select by the sign of t with arithmetic rather than np.where, which is
    # several times slower on an unpredictable mask. Adding 0 * diff keeps
    # the small branch exact.
    pos = (t >= 0).astype(t.dtype)
    diff = inv - small
    s = small + pos * diff
    np.subtract(1, pos, out=pos)
    s_neg = small + pos * diff
    small *= inv
    return s, s_neg, small


def _sigmoid(t: Array) -> Array:
    """Return ``sigmoid(t)`` without overflow or cancellation (see above)."""
    e = np.abs(t)
    np.negative(e, out=e)
    np.exp(e, out=e)
    den = e + 1
    # numerator 1 where t >= 0, e where t < 0, as e + (t >= 0) * (1 - e)
    num = 1 - e
    num *= t >= 0
    num += e
    return np.divide(num, den, out=num)


def _select(cond: NDArray[np.bool_], a: Array | float, b: Array) -> Array:
    """Return ``a`` where ``cond`` holds, else ``b``; both must be finite.

    Computed as ``a * c + b * (1 - c)`` with ``c`` 0 or 1: one of the two
    terms is exactly 0, so the result is exact, and it runs in fast
    vectorised passes where ``np.where`` on an unpredictable mask is
    several times slower.
    """
    c = cond.astype(b.dtype)
    out = np.subtract(1, c)
    out *= b
    if not (np.isscalar(a) and a == 0):
        c *= a
        out += c
    return out


def _keep_nan(out: Array, x: Array) -> Array:
    """Put NaN wherever ``x`` is NaN (comparisons would map it to a branch)."""
    np.copyto(out, x, where=np.isnan(x))
    return out


def _zeros_keep_nan(x: Array) -> Array:
    out = np.zeros_like(x)
    return _keep_nan(out, x)


def _check_approximate(approximate: object, func: str) -> Approximate:
    if approximate not in ("none", "tanh"):
        raise ValueError(
            f"{func}: approximate must be 'none' or 'tanh', got {approximate!r}"
        )
    return "tanh" if approximate == "tanh" else "none"


# ------------------------------------------------------------------ ReLU


def relu(x: ArrayLike) -> Array:
    r"""Return the rectified linear unit, :math:`\max(0, x)`."""
    z, dtype, shape = as_real_array(x, "relu")
    return finish(np.maximum(z, 0), dtype, shape)


def relu_grad(x: ArrayLike) -> Array:
    r"""Return ReLU's derivative: 1 for :math:`x > 0`, else 0 (0 at the kink)."""
    z, dtype, shape = as_real_array(x, "relu_grad")
    out = (z > 0).astype(z.dtype)
    return finish(_keep_nan(out, z), dtype, shape)


def relu_grad2(x: ArrayLike) -> Array:
    r"""Return ReLU's second derivative, 0 everywhere (as autograd gives)."""
    z, dtype, shape = as_real_array(x, "relu_grad2")
    return finish(_zeros_keep_nan(z), dtype, shape)


# ------------------------------------------------------------ Leaky ReLU


def leaky_relu(x: ArrayLike, alpha: float = 0.01) -> Array:
    r"""Return the leaky ReLU: :math:`x` for :math:`x > 0`, else :math:`\alpha x`.

    Parameters
    ----------
    x : array_like
        Pre-activations.
    alpha : float, default 0.01
        Slope on the negative half line (PyTorch's ``negative_slope``).
    """
    alpha = real_param(alpha, "alpha", "leaky_relu")
    z, dtype, shape = as_real_array(x, "leaky_relu")
    out = np.maximum(z, 0)
    if alpha != 0:  # (0 * -inf would be NaN)
        # max(x, 0) + alpha min(x, 0): exact in each branch, and alpha is
        # never multiplied into a positive x, so nothing can overflow.
        neg = np.minimum(z, 0)
        neg *= alpha
        out += neg
    return finish(out, dtype, shape)


def leaky_relu_grad(x: ArrayLike, alpha: float = 0.01) -> Array:
    r"""Return the leaky ReLU's derivative: 1 for :math:`x > 0`, else :math:`\alpha`."""
    alpha = real_param(alpha, "alpha", "leaky_relu_grad")
    z, dtype, shape = as_real_array(x, "leaky_relu_grad")
    out = _select(z > 0, 1, np.full_like(z, alpha))
    return finish(_keep_nan(out, z), dtype, shape)


def leaky_relu_grad2(x: ArrayLike, alpha: float = 0.01) -> Array:
    """Return the leaky ReLU's second derivative, 0 everywhere."""
    real_param(alpha, "alpha", "leaky_relu_grad2")
    z, dtype, shape = as_real_array(x, "leaky_relu_grad2")
    return finish(_zeros_keep_nan(z), dtype, shape)


# ------------------------------------------------------- ELU, SELU, CELU


def elu(x: ArrayLike, alpha: float = 1.0) -> Array:
    r"""Return the exponential linear unit.

    .. math:: \mathrm{ELU}(x) = x \text{ for } x > 0, \quad
              \alpha\,(e^{x} - 1) \text{ for } x \le 0.
    """
    alpha = real_param(alpha, "alpha", "elu", nonnegative=True)
    z, dtype, shape = as_real_array(x, "elu")
    # max(x, 0) + alpha (e^min(x, 0) - 1): each branch exact, no selection.
    out = np.expm1(np.minimum(z, 0))
    out *= alpha
    out += np.maximum(z, 0)
    return finish(out, dtype, shape)


def elu_grad(x: ArrayLike, alpha: float = 1.0) -> Array:
    r"""Return ELU's derivative: 1 for :math:`x > 0`, else :math:`\alpha e^{x}`.

    At the kink it is :math:`\alpha` (the left-hand value), as in PyTorch.
    """
    alpha = real_param(alpha, "alpha", "elu_grad", nonnegative=True)
    z, dtype, shape = as_real_array(x, "elu_grad")
    neg = alpha * np.exp(np.minimum(z, 0))
    return finish(_select(z > 0, 1, neg), dtype, shape)


def elu_grad2(x: ArrayLike, alpha: float = 1.0) -> Array:
    r"""Return ELU's second derivative: :math:`\alpha e^{x}` for :math:`x < 0`, else 0.

    At the kink it is 0, as PyTorch's double backward gives.
    """
    alpha = real_param(alpha, "alpha", "elu_grad2", nonnegative=True)
    z, dtype, shape = as_real_array(x, "elu_grad2")
    neg = alpha * np.exp(np.minimum(z, 0))
    return finish(_select(z >= 0, 0, neg), dtype, shape)


def selu(x: ArrayLike) -> Array:
    r"""Return the scaled ELU, :math:`\lambda\,\mathrm{ELU}_\alpha(x)`.

    :math:`\alpha \approx 1.6733` and :math:`\lambda \approx 1.0507` are the
    constants that make zero mean and unit variance a stable fixed point
    (:data:`SELU_ALPHA`, :data:`SELU_SCALE`).
    """
    z, dtype, shape = as_real_array(x, "selu")
    out = np.expm1(np.minimum(z, 0))
    out *= SELU_SCALE * SELU_ALPHA
    out += SELU_SCALE * np.maximum(z, 0)
    return finish(out, dtype, shape)


def selu_grad(x: ArrayLike) -> Array:
    r"""Return SELU's derivative: :math:`\lambda` for :math:`x > 0`, else :math:`\lambda\alpha e^{x}`."""
    z, dtype, shape = as_real_array(x, "selu_grad")
    neg = (SELU_SCALE * SELU_ALPHA) * np.exp(np.minimum(z, 0))
    return finish(_select(z > 0, SELU_SCALE, neg), dtype, shape)


def selu_grad2(x: ArrayLike) -> Array:
    r"""Return SELU's second derivative: :math:`\lambda\alpha e^{x}` for :math:`x < 0`, else 0."""
    z, dtype, shape = as_real_array(x, "selu_grad2")
    neg = (SELU_SCALE * SELU_ALPHA) * np.exp(np.minimum(z, 0))
    return finish(_select(z >= 0, 0, neg), dtype, shape)


def celu(x: ArrayLike, alpha: float = 1.0) -> Array:
    r"""Return the continuously differentiable ELU.

    .. math:: \mathrm{CELU}(x) = x \text{ for } x > 0, \quad
              \alpha\,(e^{x/\alpha} - 1) \text{ for } x \le 0.
    """
    alpha = real_param(alpha, "alpha", "celu", positive=True)
    z, dtype, shape = as_real_array(x, "celu")
    out = np.expm1(np.minimum(z, 0) / alpha)
    out *= alpha
    out += np.maximum(z, 0)
    return finish(out, dtype, shape)


def celu_grad(x: ArrayLike, alpha: float = 1.0) -> Array:
    r"""Return CELU's derivative: 1 for :math:`x > 0`, else :math:`e^{x/\alpha}`."""
    alpha = real_param(alpha, "alpha", "celu_grad", positive=True)
    z, dtype, shape = as_real_array(x, "celu_grad")
    neg = np.exp(np.minimum(z, 0) / alpha)
    return finish(_select(z > 0, 1, neg), dtype, shape)


def celu_grad2(x: ArrayLike, alpha: float = 1.0) -> Array:
    r"""Return CELU's second derivative: :math:`e^{x/\alpha}/\alpha` for :math:`x < 0`, else 0."""
    alpha = real_param(alpha, "alpha", "celu_grad2", positive=True)
    z, dtype, shape = as_real_array(x, "celu_grad2")
    neg = np.exp(np.minimum(z, 0) / alpha) / alpha
    return finish(_select(z >= 0, 0, neg), dtype, shape)


# -------------------------------------------------------------- softplus


def _softplus_params(beta: float, threshold: float, func: str) -> tuple[float, float]:
    beta = real_param(beta, "beta", func, positive=True)
    threshold = real_param(threshold, "threshold", func)
    return beta, threshold


def softplus(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> Array:
    r"""Return the softplus, a smooth ReLU: :math:`\frac{1}{\beta}\ln(1 + e^{\beta x})`.

    Where :math:`\beta x > \text{threshold}` it returns :math:`x` itself,
    as PyTorch does. Its largest gap to ReLU is :math:`\ln 2/\beta`, at 0.

    Parameters
    ----------
    x : array_like
        Pre-activations.
    beta : float, default 1.0
        Sharpness, positive; softplus tends to ReLU as beta grows.
    threshold : float, default 20.0
        Above ``beta * x > threshold`` the function is taken as linear.
    """
    beta, threshold = _softplus_params(beta, threshold, "softplus")
    z, dtype, shape = as_real_array(x, "softplus")
    t = z * beta if beta != 1 else z
    # ln(1 + e^t) = max(t, 0) + ln(1 + e^{-|t|}): never overflows.
    smooth = np.maximum(t, 0) + np.log1p(np.exp(-np.abs(t)))
    if beta != 1:
        smooth /= beta
    return finish(np.where(t > threshold, z, smooth), dtype, shape)


def softplus_grad(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> Array:
    r"""Return softplus's derivative, the logistic :math:`\sigma(\beta x)` (1 above the threshold)."""
    beta, threshold = _softplus_params(beta, threshold, "softplus_grad")
    z, dtype, shape = as_real_array(x, "softplus_grad")
    t = z * beta if beta != 1 else z
    s = _sigmoid(t)
    return finish(_select(t > threshold, 1, s), dtype, shape)


def softplus_grad2(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> Array:
    r"""Return softplus's second derivative, :math:`\beta\,\sigma'(\beta x)`.

    It is 0 where ``beta * x >= threshold``, as PyTorch's double backward
    gives.
    """
    beta, threshold = _softplus_params(beta, threshold, "softplus_grad2")
    z, dtype, shape = as_real_array(x, "softplus_grad2")
    t = z * beta if beta != 1 else z
    _, _, ds = _logistic_parts(t)
    if beta != 1:
        ds *= beta
    out = _select(t >= threshold, 0, ds)
    return finish(_keep_nan(out, z), dtype, shape)


# ------------------------------------------------------------------ SiLU


def silu(x: ArrayLike) -> Array:
    r"""Return the sigmoid-weighted linear unit (Swish), :math:`x\,\sigma(x)`."""
    z, dtype, shape = as_real_array(x, "silu")
    s = _sigmoid(z)
    # sigmoid(-inf) is exactly 0; keep -inf * 0 out of the product.
    return finish(np.maximum(z, -_BIG) * s, dtype, shape)


def silu_grad(x: ArrayLike) -> Array:
    r"""Return SiLU's derivative, :math:`\sigma(x)\,(1 + x\,(1 - \sigma(x)))`."""
    z, dtype, shape = as_real_array(x, "silu_grad")
    zc = np.clip(z, -_BIG, _BIG)
    s, _, ds = _logistic_parts(zc)
    return finish(s + zc * ds, dtype, shape)


def silu_grad2(x: ArrayLike) -> Array:
    r"""Return SiLU's second derivative, :math:`\sigma'(x)\,(2 + x\,(1 - 2\sigma(x)))`."""
    z, dtype, shape = as_real_array(x, "silu_grad2")
    zc = np.clip(z, -_BIG, _BIG)
    s, s_neg, ds = _logistic_parts(zc)
    # 1 - 2 sigma(x) = sigma(-x) - sigma(x), computed without cancellation
    # against 1.
    return finish(ds * (2 + zc * (s_neg - s)), dtype, shape)


# ------------------------------------------------------------------ GELU


def _gelu_tanh_parts(zc: Array) -> tuple[Array, Array, Array, Array]:
    """Return ``t = sigmoid(2u)``, ``t(1-t)``, ``u'`` and ``tanh(u)``.

    ``u = k (x + c x^3)``; the tanh form of GELU is ``x * sigmoid(2u)``,
    which avoids the cancellation in PyTorch's ``1 + tanh(u)``.
    """
    z2 = zc * zc
    u = _GELU_TANH_K * zc * (1 + _GELU_TANH_C * z2)
    t, _, dt = _logistic_parts(2 * u)
    du = _GELU_TANH_K * (1 + 3 * _GELU_TANH_C * z2)
    return t, dt, du, u


def gelu(x: ArrayLike, approximate: Approximate = "none") -> Array:
    r"""Return the Gaussian error linear unit, :math:`x\,\Phi(x)`.

    Parameters
    ----------
    x : array_like
        Pre-activations.
    approximate : {"none", "tanh"}
        ``"none"`` uses the normal CDF :math:`\Phi`; ``"tanh"`` uses
        :math:`\tfrac12\bigl(1 + \tanh(\sqrt{2/\pi}(x + 0.044715 x^3))\bigr)`.
    """
    approximate = _check_approximate(approximate, "gelu")
    z, dtype, shape = as_real_array(x, "gelu")
    zf = np.maximum(z, -_BIG)
    if approximate == "none":
        cdf = ndtr(z)
    else:
        cdf, _, _, _ = _gelu_tanh_parts(np.clip(z, -_BIG, _BIG))
    return finish(zf * cdf, dtype, shape)


def gelu_grad(x: ArrayLike, approximate: Approximate = "none") -> Array:
    r"""Return GELU's derivative, :math:`\Phi(x) + x\,\varphi(x)` (exact form)."""
    approximate = _check_approximate(approximate, "gelu_grad")
    z, dtype, shape = as_real_array(x, "gelu_grad")
    zc = np.clip(z, -_BIG, _BIG)
    if approximate == "none":
        pdf = np.exp(-0.5 * zc * zc) / _SQRT_2PI
        out = ndtr(zc) + zc * pdf
    else:
        t, dt, du, _ = _gelu_tanh_parts(zc)
        out = t + 2 * zc * du * dt
    return finish(out, dtype, shape)


def gelu_grad2(x: ArrayLike, approximate: Approximate = "none") -> Array:
    r"""Return GELU's second derivative, :math:`\varphi(x)\,(2 - x^2)` (exact form)."""
    approximate = _check_approximate(approximate, "gelu_grad2")
    z, dtype, shape = as_real_array(x, "gelu_grad2")
    zc = np.clip(z, -_BIG, _BIG)
    z2 = zc * zc
    if approximate == "none":
        out = np.exp(-0.5 * z2) / _SQRT_2PI * (2 - z2)
    else:
        _, dt, du, u = _gelu_tanh_parts(zc)
        d2u = 6 * _GELU_TANH_K * _GELU_TANH_C * zc
        # d/dx [t + 2x u' t(1-t)], with (1 - 2t) = -tanh(u).
        out = dt * (4 * du + 2 * zc * d2u - 4 * zc * du * du * np.tanh(u))
    return finish(out, dtype, shape)


# ------------------------------------------------------------------ Mish


def _mish_parts(zc: Array) -> tuple[Array, Array, Array, Array]:
    r"""Return ``g = tanh(softplus(x))``, ``1 - g**2``, ``sigmoid(x)``, ``sigmoid(-x)``.

    With ``w = exp(-|x|)``, ``tanh(ln(1 + e^x))`` is a ratio of low-degree
    polynomials in ``w`` (separately for each sign of x), which neither
    overflows nor cancels.
    """
    w = np.exp(-np.abs(zc))
    pos = zc > 0
    a = (1 + w) ** 2
    w2 = w * w
    # x > 0: g = (1 + 2w) / (1 + 2w + 2w^2); x <= 0: g = w(w+2) / (w(w+2) + 2)
    den = _select(pos, a + w2, a + 1)
    num = _select(pos, 1 + 2 * w, w * (w + 2))
    g = num / den
    one_minus_g2 = 4 * a * _select(pos, w2, np.ones_like(w2)) / (den * den)
    s, s_neg, _ = _logistic_parts(zc)
    return g, one_minus_g2, s, s_neg


def mish(x: ArrayLike) -> Array:
    r"""Return Mish, :math:`x \tanh(\operatorname{softplus}(x))`."""
    z, dtype, shape = as_real_array(x, "mish")
    g, _, _, _ = _mish_parts(np.clip(z, -_BIG, _BIG))
    return finish(np.maximum(z, -_BIG) * g, dtype, shape)


def mish_grad(x: ArrayLike) -> Array:
    r"""Return Mish's derivative, :math:`g + x\,(1 - g^2)\,\sigma(x)` with :math:`g = \tanh(\operatorname{softplus}(x))`."""
    z, dtype, shape = as_real_array(x, "mish_grad")
    zc = np.clip(z, -_BIG, _BIG)
    g, h, s, _ = _mish_parts(zc)
    return finish(g + zc * h * s, dtype, shape)


def mish_grad2(x: ArrayLike) -> Array:
    r"""Return Mish's second derivative, :math:`(1 - g^2)\,\sigma\,(2 + x(1 - \sigma - 2g\sigma))`."""
    z, dtype, shape = as_real_array(x, "mish_grad2")
    zc = np.clip(z, -_BIG, _BIG)
    g, h, s, s_neg = _mish_parts(zc)
    return finish(h * s * (2 + zc * (s_neg - 2 * g * s)), dtype, shape)
