r"""Sharpness: the top eigenvalue of the loss Hessian, by power iteration.

The Hessian :math:`H = \nabla^2 L(\theta)` of a network has as many rows as
the network has weights, too many to form. Power iteration needs only
Hessian-vector products :math:`Hv = \nabla_\theta (\nabla_\theta L \cdot
v)`, which autograd computes at the cost of about two backward passes: the
gradient is computed once with its graph kept (``create_graph=True``, as
PyHessian does) and differentiated again against each new :math:`v`.

:func:`hessian` forms the full matrix for small networks; the tests use it
to check :func:`top_eigenvalue` against ``numpy.linalg.eigvalsh``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

try:
    import torch
except ModuleNotFoundError as _err:
    if _err.name != "torch":
        raise
    from actzoo._optional import missing_torch

    raise missing_torch(__name__) from None
from numpy.typing import ArrayLike, NDArray
from torch import nn
from torch.func import functional_call

from actzoo import _checks
from actzoo._checks import real_param
from actzoo.landscapes import Weights, _check_model_weights, _check_weights, _classes
from actzoo.models import as_tensor
from actzoo.training import as_labels

__all__ = [
    "TopEigenvalue",
    "flatten",
    "hessian",
    "hessian_vector_product",
    "top_eigenvalue",
    "unflatten",
]


def _sum(terms: list[torch.Tensor]) -> torch.Tensor:
    """Return the sum of ``terms``, added left to right as Python's ``sum``."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def flatten(weights: Weights) -> torch.Tensor:
    """Return all entries of ``weights`` as one float64 vector, in key order.

    Every function of :mod:`actzoo.landscapes` and this module returns
    weights in the order of ``model.named_parameters()``, so their
    flattened vectors line up.
    """
    _check_weights(weights, "weights", "flatten")
    return torch.cat([w.reshape(-1).to(torch.float64) for w in weights.values()])


def unflatten(vector: torch.Tensor, like: Weights) -> dict[str, torch.Tensor]:
    """Return ``vector`` cut into tensors with the names and shapes of ``like``.

    The inverse of :func:`flatten`.
    """
    _checks.instance(vector, torch.Tensor, "vector", "unflatten")
    _check_weights(like, "like", "unflatten")
    size = sum(w.numel() for w in like.values())
    if vector.shape != (size,):
        raise ValueError(
            f"unflatten: vector must have shape ({size},), got {tuple(vector.shape)}"
        )
    out, start = {}, 0
    for k, w in like.items():
        out[k] = vector[start : start + w.numel()].reshape(w.shape)
        start += w.numel()
    return out


def _loss_fn(
    model: nn.Module,
    X: ArrayLike | torch.Tensor,
    y: ArrayLike | torch.Tensor,
    func: str,
):
    Xt = as_tensor(X, func=func)
    yt = as_labels(y, Xt.shape[0], _classes(model), func=func)

    def loss(weights: Weights) -> torch.Tensor:
        logits = functional_call(model, dict(weights), (Xt,))
        return nn.functional.cross_entropy(logits, yt)

    return loss


def _leaf_copy(model: nn.Module, weights: Weights) -> dict[str, torch.Tensor]:
    names = [k for k, _ in model.named_parameters()]
    return {
        k: weights[k].detach().to(torch.float64).clone().requires_grad_(True)
        for k in names
    }


def hessian_vector_product(
    model: nn.Module,
    weights: Weights,
    X: ArrayLike | torch.Tensor,
    y: ArrayLike | torch.Tensor,
    v: Weights,
) -> dict[str, torch.Tensor]:
    r"""Return :math:`Hv = \nabla_\theta(\nabla_\theta L(\theta) \cdot v)`.

    :math:`L` is the mean cross-entropy of ``model`` at ``weights`` on
    ``(X, y)``; ``v`` has the names and shapes of the weights.
    """
    func = "hessian_vector_product"
    _check_model_weights(model, weights, func)
    _check_model_weights(model, v, func, "v")
    loss_fn = _loss_fn(model, X, y, func)
    params = _leaf_copy(model, weights)
    loss = loss_fn(params)
    grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
    vs = [v[k].to(torch.float64) for k in params]
    hv = torch.autograd.grad(grads, list(params.values()), grad_outputs=vs)
    return {k: t.detach() for k, t in zip(params, hv, strict=True)}


def hessian(
    model: nn.Module,
    weights: Weights,
    X: ArrayLike | torch.Tensor,
    y: ArrayLike | torch.Tensor,
) -> NDArray[np.float64]:
    r"""Return the full Hessian :math:`\nabla^2_\theta L(\theta)`, shape (p, p).

    Rows and columns follow :func:`flatten` of the weights in the order of
    ``model.named_parameters()``. Memory and time grow like :math:`p^2`:
    for small networks (a few hundred weights) only.
    """
    _check_model_weights(model, weights, "hessian")
    loss = _loss_fn(model, X, y, "hessian")
    params = _leaf_copy(model, weights)

    def of_vector(theta: torch.Tensor) -> torch.Tensor:
        return loss(unflatten(theta, params))

    flat = flatten(params).detach()
    H = torch.autograd.functional.hessian(of_vector, flat)
    return H.numpy()


@dataclass
class TopEigenvalue:
    """The result of :func:`top_eigenvalue`.

    Attributes
    ----------
    eigenvalue : float
        The Rayleigh quotient :math:`v^\\top H v` at the last iterate.
    eigenvector : dict of str to torch.Tensor
        The last iterate :math:`Hv_k / \\lVert Hv_k \\rVert` (norm 1 over
        all entries), shaped like the weights.
    iterations : int
        Hessian-vector products used.
    converged : bool
        Whether the relative change of the estimate fell below ``tol``.
    estimates : ndarray of float64
        The Rayleigh quotient after each iteration.
    """

    eigenvalue: float
    eigenvector: dict[str, torch.Tensor]
    iterations: int
    converged: bool
    estimates: NDArray[np.float64]


def top_eigenvalue(
    model: nn.Module,
    weights: Weights,
    X: ArrayLike | torch.Tensor,
    y: ArrayLike | torch.Tensor,
    *,
    max_iter: int = 100,
    tol: float = 1e-6,
    seed: int = 0,
) -> TopEigenvalue:
    r"""Return the Hessian eigenvalue of largest magnitude, by power iteration.

    Starting from a seeded random unit vector :math:`v_0`, iterate
    :math:`v_{k+1} = Hv_k / \lVert Hv_k \rVert` and estimate
    :math:`\lambda_k = v_k^\top H v_k`; stop when
    :math:`|\lambda_k - \lambda_{k-1}| \le \text{tol}\,|\lambda_k|`. The
    gradient graph is built once and reused for every product.

    Near a minimum the Hessian's largest eigenvalue is positive and larger
    in magnitude than any negative one, and this is the *sharpness*. Far
    from a minimum a negative eigenvalue can dominate; the result is then
    negative, which says so.

    Parameters
    ----------
    model : torch.nn.Module
        The architecture (its own weights are not used).
    weights : mapping of str to torch.Tensor
        The point :math:`\theta` at which the Hessian is taken.
    X, y : array_like
        Data: inputs (n, d) and class labels (n,).
    max_iter : int
        Largest number of Hessian-vector products.
    tol : float
        Relative tolerance on successive estimates.
    seed : int
        Seed of the starting vector.
    """
    func = "top_eigenvalue"
    _check_model_weights(model, weights, func)
    max_iter = _checks.integer(max_iter, "max_iter", func, minimum=1)
    tol = real_param(tol, "tol", func, positive=True)
    seed = _checks.seed(seed, func)
    loss_fn = _loss_fn(model, X, y, func)

    params = _leaf_copy(model, weights)
    leaves = list(params.values())
    loss = loss_fn(params)
    grads = torch.autograd.grad(loss, leaves, create_graph=True)

    gen = torch.Generator().manual_seed(int(seed))
    v = [torch.randn(p.shape, dtype=torch.float64, generator=gen) for p in leaves]
    norm = torch.sqrt(_sum([(t * t).sum() for t in v]))
    v = [t / norm for t in v]
    estimates: list[float] = []
    converged = False
    for _ in range(int(max_iter)):
        hv = torch.autograd.grad(grads, leaves, grad_outputs=v, retain_graph=True)
        estimate = float(sum((a * b).sum() for a, b in zip(v, hv, strict=True)))
        estimates.append(estimate)
        norm = torch.sqrt(_sum([(t * t).sum() for t in hv]))
        if norm == 0:
            converged = True  # H v = 0: v is an eigenvector of eigenvalue 0
            break
        v = [t.detach() / norm for t in hv]
        if len(estimates) > 1 and abs(estimates[-1] - estimates[-2]) <= tol * abs(
            estimates[-1]
        ):
            converged = True
            break
    return TopEigenvalue(
        eigenvalue=estimates[-1],
        eigenvector=dict(zip(params, v, strict=True)),
        iterations=len(estimates),
        converged=converged,
        estimates=np.array(estimates),
    )
