r"""Gradient flow through depth: layer Jacobians and their products.

A bias-free multilayer perceptron with weights :math:`W_1, \dots, W_L`
computes :math:`z_1 = W_1 x`, :math:`h_l = \varphi(z_l)`,
:math:`z_{l+1} = W_{l+1} h_l`. Backpropagation sends the gradient
:math:`\delta_l = \partial \mathcal{L} / \partial z_l` down one layer by

.. math:: \delta_l = J_l\, \delta_{l+1}, \qquad
          J_l = D_l W_{l+1}^\top, \qquad D_l = \operatorname{diag}\varphi'(z_l),

so :math:`\delta_1 = J_1 J_2 \cdots J_{L-1}\, \delta_L` and the product is
the transpose of :math:`\partial z_L / \partial z_1`.

Examples
--------
>>> import numpy as np
>>> from actzoo import gradient_flow as gf
>>> W = gf.gaussian_weights([4, 4, 4], gain=1.0, seed=0)
>>> z = gf.forward_preactivations(np.ones(4), W, "relu")
>>> len(gf.layer_jacobians(W, z, "relu"))
1
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from actzoo import _checks
from actzoo._checks import real_param
from actzoo.registry import ACTIVATIONS

__all__ = [
    "backprop_norms",
    "chain_bias_for_fixed_point",
    "chain_gradient",
    "forward_preactivations",
    "gaussian_weights",
    "jacobian_product",
    "layer_jacobians",
    "random_network_gradient_norms",
    "relu_norm_factor",
]

Matrix = NDArray[np.float64]


def _activation(name: str, func: str) -> Any:
    return ACTIVATIONS[_checks.activation_name(name, func, "name")]


def _matrices(weights: Any, name: str, func: str) -> list[Matrix]:
    items = _checks.sequence(weights, name, func)
    return [_checks.array(W, name, func, ndim=2) for W in items]


def gaussian_weights(
    widths: Sequence[int], gain: float = 1.0, seed: int = 0
) -> list[Matrix]:
    r"""Return weights :math:`W_l \in \mathbb{R}^{n_l \times n_{l-1}}` with entries :math:`N(0, g^2/n_{l-1})`.

    ``gain`` :math:`g = 1` is LeCun's normal initialisation (used with
    SELU), :math:`g = \sqrt 2` is He's (used with ReLU).

    Parameters
    ----------
    widths : sequence of int
        :math:`n_0, n_1, \dots, n_L`: input width, then each layer's width.
    gain : float
        Positive scale :math:`g`.
    seed : int
        Seed of the NumPy generator; the same seed gives the same weights.
    """
    func = "gaussian_weights"
    gain = real_param(gain, "gain", func, positive=True)
    # the input's width and at least one layer's
    widths = _checks.integers(widths, "widths", func, minimum=1, min_length=2)
    rng = np.random.default_rng(_checks.seed(seed, func))
    return [
        rng.normal(0.0, gain / math.sqrt(n_in), size=(n_out, n_in))
        for n_in, n_out in zip(widths[:-1], widths[1:])
    ]


def forward_preactivations(
    x: ArrayLike,
    weights: Sequence[ArrayLike],
    name: str,
    biases: Sequence[ArrayLike] | None = None,
    **params: Any,
) -> list[Matrix]:
    r"""Return the pre-activations :math:`z_1, \dots, z_L` of the network on ``x``.

    :math:`z_1 = W_1 x + b_1`, :math:`z_{l+1} = W_{l+1}\varphi(z_l) + b_{l+1}`.
    ``x`` is one input vector of shape ``(n_0,)`` or a batch of shape
    ``(n_0, batch)``; every :math:`z_l` then has the same trailing shape.
    """
    func = "forward_preactivations"
    act = _activation(name, func)
    params = _checks.activation_params(name, params, func)
    Ws = _matrices(weights, "weights", func)
    if biases is not None:
        biases = [
            _checks.array(b, "biases", func)
            for b in _checks.sequence(biases, "biases", func)
        ]
    if biases is not None and len(biases) != len(Ws):
        raise ValueError(
            f"forward_preactivations: {len(Ws)} weight matrices but "
            f"{len(biases)} biases"
        )
    h = _checks.array(x, "x", func, ndim=(1, 2))
    zs: list[Matrix] = []
    for l, W in enumerate(Ws):
        if W.ndim != 2 or W.shape[1] != h.shape[0]:
            raise ValueError(
                f"forward_preactivations: layer {l + 1} has weights of shape "
                f"{W.shape} but receives an input of length {h.shape[0]}"
            )
        z = W @ h
        if biases is not None:
            b = np.asarray(biases[l], dtype=np.float64)
            z = z + (b.reshape(-1, *([1] * (z.ndim - 1))) if b.ndim else b)
        zs.append(z)
        h = act.fn(z, **params)
    return zs


def layer_jacobians(
    weights: Sequence[ArrayLike],
    preacts: Sequence[ArrayLike],
    name: str,
    **params: Any,
) -> list[Matrix]:
    r"""Return :math:`J_l = D_l W_{l+1}^\top` for :math:`l = 1, \dots, L-1`.

    :math:`D_l = \operatorname{diag}\varphi'(z_l)` uses the activation's
    derivative (PyTorch's convention at kinks). ``preacts`` are those of
    a single input vector, as returned by :func:`forward_preactivations`.
    """
    func = "layer_jacobians"
    act = _activation(name, func)
    params = _checks.activation_params(name, params, func)
    weights = _matrices(weights, "weights", func)
    preacts = [
        _checks.array(z, "preacts", func, ndim=1)
        for z in _checks.sequence(preacts, "preacts", func)
    ]
    if len(preacts) != len(weights):
        raise ValueError(
            f"layer_jacobians: {len(weights)} weight matrices but "
            f"{len(preacts)} pre-activation vectors"
        )
    out = []
    for z, W_next in zip(preacts[:-1], weights[1:]):
        z = np.asarray(z, dtype=np.float64)
        if z.ndim != 1:
            raise ValueError(
                "layer_jacobians: pre-activations must be of one input vector "
                f"(1-D), got shape {z.shape}"
            )
        d = act.grad(z, **params)
        out.append(d[:, None] * np.asarray(W_next, dtype=np.float64).T)
    return out


def jacobian_product(jacobians: Sequence[ArrayLike]) -> Matrix:
    r"""Return :math:`J_1 J_2 \cdots J_{L-1} = (\partial z_L / \partial z_1)^\top`."""
    jacobians = _matrices(jacobians, "jacobians", "jacobian_product")
    prod = np.asarray(jacobians[0], dtype=np.float64)
    for J in jacobians[1:]:
        prod = prod @ np.asarray(J, dtype=np.float64)
    return prod


def backprop_norms(jacobians: Sequence[ArrayLike], grad_out: ArrayLike) -> Matrix:
    r"""Return :math:`\|\delta_l\|_2` for :math:`l = L, L-1, \dots, 1`, starting from :math:`\delta_L`.

    :math:`\delta_l = J_l \delta_{l+1}`: entry ``k`` of the result is the
    gradient norm ``k`` layers below the output.
    """
    func = "backprop_norms"
    # no Jacobians (a one-layer network): only the output's gradient
    jacobians = [
        _checks.array(J, "jacobians", func, ndim=2)
        for J in _checks.sequence(jacobians, "jacobians", func, min_length=0)
    ]
    delta = _checks.array(grad_out, "grad_out", func, ndim=1)
    norms = [float(np.linalg.norm(delta))]
    for J in reversed(jacobians):
        delta = np.asarray(J, dtype=np.float64) @ delta
        norms.append(float(np.linalg.norm(delta)))
    return np.array(norms)


def random_network_gradient_norms(
    name: str,
    width: int,
    layers: int,
    gain: float = 1.0,
    *,
    seed: int = 0,
    input_seed: int | None = None,
    grad_seed: int | None = None,
    **params: Any,
) -> Matrix:
    r"""Return :math:`\|\delta_L\|, \dots, \|\delta_1\|` backpropagated through a random network.

    The network is bias-free, ``layers`` layers of width ``width``, with
    weights from :func:`gaussian_weights` (entries :math:`N(0, g^2/n)`;
    :math:`g = \sqrt 2` is He's scale for ReLU). A standard normal input
    :math:`x` goes forward (:func:`forward_preactivations`), and a
    standard normal output gradient :math:`\delta_L` goes back through
    the layer Jacobians (:func:`layer_jacobians`, :func:`backprop_norms`).

    Parameters
    ----------
    name : str
        Activation name in :data:`actzoo.ACTIVATIONS`.
    width : int
        Width :math:`n` of the input and of every layer.
    layers : int
        Number :math:`L` of weight matrices (at least 1).
    gain : float
        Positive scale :math:`g` of the weights.
    seed : int
        Seed of the weights.
    input_seed, grad_seed : int, optional
        Seeds of the input :math:`x` and of the output gradient
        :math:`\delta_L`; by default ``seed + 100`` and ``seed + 200``.
    **params
        The activation's parameters.

    Returns
    -------
    ndarray of shape (layers,)
        Entry ``k`` is :math:`\|\delta_{L-k}\|_2`, the gradient norm
        ``k`` layers below the output.

    Examples
    --------
    >>> norms = random_network_gradient_norms("relu", 64, 5, gain=2.0)
    >>> norms.shape
    (5,)
    """
    func = "random_network_gradient_norms"
    _checks.activation_name(name, func, "name")
    width = _checks.integer(width, "width", func, minimum=1)
    layers = _checks.integer(layers, "layers", func, minimum=1)
    gain = real_param(gain, "gain", func, positive=True)
    seed = _checks.seed(seed, func)
    input_seed = (
        seed + 100
        if input_seed is None
        else _checks.seed(input_seed, func, "input_seed")
    )
    grad_seed = (
        seed + 200 if grad_seed is None else _checks.seed(grad_seed, func, "grad_seed")
    )
    params = _checks.activation_params(name, params, func)
    weights = gaussian_weights([width] * (layers + 1), gain=gain, seed=seed)
    x = np.random.default_rng(input_seed).standard_normal(width)
    delta = np.random.default_rng(grad_seed).standard_normal(width)
    preacts = forward_preactivations(x, weights, name, **params)
    return backprop_norms(layer_jacobians(weights, preacts, name, **params), delta)


def relu_norm_factor(gain: float) -> float:
    r"""Return :math:`g/\sqrt{2}`, the typical growth of :math:`\|\delta_l\|` per ReLU layer.

    With :math:`W_{l+1}` entries :math:`N(0, g^2/n)`, half the units active
    and :math:`n` large, :math:`E\|J_l \delta\|^2 = \tfrac{g^2}{2}\|\delta\|^2`:
    gradients explode for :math:`g > \sqrt 2` and vanish for :math:`g < \sqrt 2`.
    """
    gain = real_param(gain, "gain", "relu_norm_factor", positive=True)
    return gain / math.sqrt(2.0)


def chain_bias_for_fixed_point(w: float, s: float, name: str, **params: Any) -> float:
    r"""Return :math:`b = s - w\,\varphi(s)`, the bias that keeps a scalar chain at :math:`z_k = s`.

    In the chain :math:`z_{k+1} = w\,\varphi(z_k) + b`, starting at
    :math:`z_0 = s` every pre-activation stays :math:`s`, so each layer
    multiplies the gradient by the same factor :math:`w\,\varphi'(s)`.
    """
    act = _activation(name, "chain_bias_for_fixed_point")
    params = _checks.activation_params(name, params, "chain_bias_for_fixed_point")
    w = real_param(w, "w", "chain_bias_for_fixed_point")
    s = real_param(s, "s", "chain_bias_for_fixed_point")
    return s - w * float(act.fn(s, **params))


def chain_gradient(
    w: float, b: float, z0: float, depth: int, name: str, **params: Any
) -> NDArray[np.float64]:
    r"""Return :math:`\partial z_k / \partial z_0` for :math:`k = 0, \dots, L` in a scalar chain.

    The chain is :math:`z_{k+1} = w\,\varphi(z_k) + b`, so
    :math:`\partial z_L / \partial z_0 = \prod_{k=0}^{L-1} w\,\varphi'(z_k)`.
    """
    act = _activation(name, "chain_gradient")
    params = _checks.activation_params(name, params, "chain_gradient")
    w = real_param(w, "w", "chain_gradient")
    b = real_param(b, "b", "chain_gradient")
    z = real_param(z0, "z0", "chain_gradient")
    depth = _checks.integer(depth, "depth", "chain_gradient", minimum=0)
    grads = [1.0]
    for _ in range(int(depth)):
        grads.append(grads[-1] * w * float(act.grad(z, **params)))
        z = w * float(act.fn(z, **params)) + b
    return np.array(grads)
