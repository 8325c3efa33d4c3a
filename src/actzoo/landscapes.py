r"""Loss landscapes after Li et al. (2018): directions, 1-D lines, 2-D slices.

The loss :math:`L(\theta)` of a network lives in a space of thousands of
dimensions; we look at it along a line or a plane through the weights.

* :func:`filter_normalize` rescales a random direction :math:`d` so that
  each row :math:`i` of every weight matrix has the norm of the matching row
  of the weights, :math:`d_i \leftarrow d_i \,\lVert\theta_i\rVert /
  \lVert d_i\rVert`, and zeroes the bias entries. A step of size 1 along
  :math:`d` then changes every unit by as much as its own weights, so
  plots of networks with different weight scales can be compared.
* :func:`interpolate` gives :math:`L((1 - \alpha)\,\theta_0 + \alpha\,
  \theta_1)`, the line from the initial to the trained weights.
* :func:`slice_2d` gives :math:`L(\theta^* + \alpha\,d_1 + \beta\,d_2)` on
  a grid, evaluating many grid points in one batched pass through an
  :class:`actzoo.models.MLP`; :func:`slice_2d_loop` is the plain
  one-point-at-a-time version, kept as the reference and for the
  benchmark.

Weights and directions are dictionaries of tensors keyed like
``model.named_parameters()`` (the form of ``History.state_dict``). The
model is used as an architecture only; its own weights are never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

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
from actzoo.models import MLP, as_tensor
from actzoo.registry import ACTIVATIONS
from actzoo.training import as_labels

__all__ = [
    "Weights",
    "combine",
    "filter_normalize",
    "filter_normalized_direction",
    "interpolate",
    "loss_at",
    "random_direction",
    "slice_2d",
    "slice_2d_loop",
    "weights_of",
]

#: Weights or a direction: one tensor per parameter name of the model.
Weights = Mapping[str, torch.Tensor]


def weights_of(model: nn.Module) -> dict[str, torch.Tensor]:
    """Return detached float64 copies of the model's parameters, by name."""
    _checks.instance(model, nn.Module, "model", "weights_of")
    return {
        k: p.detach().to(torch.float64).clone() for k, p in model.named_parameters()
    }


def _check_weights(a: Weights, name: str, func: str) -> Weights:
    _checks.mapping(a, name, func)
    for k, v in a.items():
        if not isinstance(v, torch.Tensor):
            raise TypeError(
                f"{func}: {name} must map parameter names to tensors; "
                f"{k!r} is a {type(v).__name__}"
            )
    return a


def _check_like(
    a: Weights, b: Weights, what: str, names: tuple[str, str] = ("", "")
) -> None:
    if names[0]:
        _check_weights(a, names[0], what)
        _check_weights(b, names[1], what)
    pair = f"{names[0]} and {names[1]}" if names[0] else "the two sets of weights"
    if set(a) != set(b):
        raise ValueError(
            f"{what}: {pair} have different parameter names "
            f"({sorted(set(a) ^ set(b))} in only one of them)"
        )
    for k in a:
        if a[k].shape != b[k].shape:
            raise ValueError(
                f"{what}: parameter {k!r} has shape {tuple(a[k].shape)} in one "
                f"and {tuple(b[k].shape)} in the other ({pair})"
            )


def _check_model_weights(
    model: nn.Module, weights: Weights, what: str, name: str = "weights"
) -> None:
    _checks.instance(model, nn.Module, "model", what)
    _check_weights(weights, name, what)
    _check_like(dict(model.named_parameters()), weights, what, ("model", name))


def combine(center: Weights, *terms: tuple[float, Weights]) -> dict[str, torch.Tensor]:
    r"""Return :math:`\theta + \sum_k c_k d_k` for ``terms = ((c_1, d_1), ...)``."""
    _check_weights(center, "center", "combine")
    for term in terms:
        if not isinstance(term, tuple) or len(term) != 2:
            raise TypeError(
                f"combine: terms must be (coefficient, weights) pairs, got {term!r:.60}"
            )
        _checks.real_param(term[0], "terms", "combine")
        _check_like(center, term[1], "combine", ("center", "terms"))
    out = {k: v.clone() for k, v in center.items()}
    for c, d in terms:
        for k in out:
            out[k] += float(c) * d[k]
    return out


def random_direction(
    weights: Weights | nn.Module, *, seed: int
) -> dict[str, torch.Tensor]:
    """Return a direction of independent N(0, 1) entries, shaped like ``weights``.

    Parameters are filled in the order of ``weights`` (that of
    ``model.named_parameters()``) from a generator seeded with ``seed``, so
    the same seed and architecture give the same direction.
    """
    if isinstance(weights, nn.Module):
        weights = weights_of(weights)
    _check_weights(weights, "weights", "random_direction")
    seed = _checks.seed(seed, "random_direction")
    gen = torch.Generator().manual_seed(int(seed))
    return {
        k: torch.randn(weights[k].shape, dtype=torch.float64, generator=gen)
        for k in weights
    }


def filter_normalize(direction: Weights, weights: Weights) -> dict[str, torch.Tensor]:
    r"""Return ``direction`` rescaled filter-wise to the norms of ``weights``.

    The result has the names in the order of ``weights``.

    For a weight matrix (2-D or more) every row :math:`i` (one output unit,
    the "filter") becomes
    :math:`d_i \,\lVert\theta_i\rVert / \lVert d_i\rVert` (a zero row stays
    zero); one-dimensional parameters (biases) are set to zero, as Li et
    al. do.

    Parameters
    ----------
    direction, weights : mapping of str to torch.Tensor
        Same names and shapes.
    """
    _check_like(direction, weights, "filter_normalize", ("direction", "weights"))
    out = {}
    for k, w in weights.items():
        w = w.to(torch.float64)
        d = direction[k].to(torch.float64)
        if d.ndim <= 1:
            out[k] = torch.zeros_like(d)
            continue
        d_rows = d.reshape(d.shape[0], -1)
        w_rows = w.reshape(w.shape[0], -1)
        d_norm = d_rows.norm(dim=1)
        safe = torch.where(d_norm > 0, d_norm, torch.ones_like(d_norm))
        scale = torch.where(d_norm > 0, w_rows.norm(dim=1) / safe, 0.0)
        out[k] = (d_rows * scale[:, None]).reshape(d.shape)
    return out


def filter_normalized_direction(
    weights: Weights | nn.Module, *, seed: int
) -> dict[str, torch.Tensor]:
    """Return a random direction, filter-normalised to ``weights``.

    The composition ``filter_normalize(random_direction(weights, seed=seed),
    weights)``.
    """
    if isinstance(weights, nn.Module):
        weights = weights_of(weights)
    _check_weights(weights, "weights", "filter_normalized_direction")
    _checks.seed(seed, "filter_normalized_direction")
    return filter_normalize(random_direction(weights, seed=seed), weights)


def _data(
    X: ArrayLike | torch.Tensor,
    y: ArrayLike | torch.Tensor,
    classes: int,
    func: str,
) -> tuple[torch.Tensor, torch.Tensor]:
    Xt = as_tensor(X, func=func)
    return Xt, as_labels(y, Xt.shape[0], classes, func=func)


def _classes(model: nn.Module) -> int:
    if isinstance(model, MLP):
        return model.sizes[-1]
    return int(list(model.parameters())[-1].shape[0])


def loss_at(
    model: nn.Module,
    weights: Weights,
    X: ArrayLike | torch.Tensor,
    y: ArrayLike | torch.Tensor,
) -> float:
    r"""Return the mean cross-entropy :math:`L(\theta)` at ``weights``."""
    _check_model_weights(model, weights, "loss_at")
    Xt, yt = _data(X, y, _classes(model), "loss_at")
    with torch.no_grad():
        logits = functional_call(model, dict(weights), (Xt,))
        return nn.functional.cross_entropy(logits, yt).item()


def _as_grid(values: ArrayLike, name: str, func: str) -> NDArray[np.float64]:
    return _checks.array(values, name, func, ndim=1)


def interpolate(
    model: nn.Module,
    start: Weights,
    end: Weights,
    alphas: ArrayLike,
    X: ArrayLike | torch.Tensor,
    y: ArrayLike | torch.Tensor,
) -> NDArray[np.float64]:
    r"""Return :math:`L((1 - \alpha)\,\theta_0 + \alpha\,\theta_1)` for each alpha.

    With ``start`` the initial and ``end`` the trained weights,
    :math:`\alpha = 0` is the initial loss, :math:`\alpha = 1` the final
    one, and values outside :math:`[0, 1]` extrapolate along the same line.
    """
    _check_model_weights(model, start, "interpolate", "start")
    _check_like(start, end, "interpolate", ("start", "end"))
    alphas = _as_grid(alphas, "alphas", "interpolate")
    _data(X, y, _classes(model), "interpolate")
    delta = combine(end, (-1.0, start))
    return np.array([loss_at(model, combine(start, (a, delta)), X, y) for a in alphas])


def slice_2d_loop(
    model: nn.Module,
    center: Weights,
    d1: Weights,
    d2: Weights,
    alphas: ArrayLike,
    betas: ArrayLike,
    X: ArrayLike | torch.Tensor,
    y: ArrayLike | torch.Tensor,
) -> NDArray[np.float64]:
    r"""Return :math:`L(\theta^* + \alpha d_1 + \beta d_2)` on a grid, pointwise.

    Entry ``[j, i]`` is at ``(alphas[i], betas[j])``, the layout
    ``matplotlib.pyplot.contour(alphas, betas, Z)`` expects. Works for any
    model; :func:`slice_2d` gives the same numbers faster for an MLP.
    """
    func = "slice_2d_loop"
    _check_model_weights(model, center, func, "center")
    _check_like(center, d1, func, ("center", "d1"))
    _check_like(center, d2, func, ("center", "d2"))
    alphas = _as_grid(alphas, "alphas", func)
    betas = _as_grid(betas, "betas", func)
    Xt, yt = _data(X, y, _classes(model), func)
    Z = np.empty((betas.size, alphas.size))
    names = list(center)
    with torch.no_grad():
        for j, b in enumerate(betas):
            for i, a in enumerate(alphas):
                w = {k: center[k] + a * d1[k] + b * d2[k] for k in names}
                logits = functional_call(model, w, (Xt,))
                Z[j, i] = nn.functional.cross_entropy(logits, yt).item()
    return Z


# Activations whose torch.nn.functional version takes ``inplace=True``.
_INPLACE = frozenset({"relu", "leaky_relu", "elu", "selu", "celu", "silu", "mish"})


def _inplace_activation(model: MLP) -> Callable[[torch.Tensor], torch.Tensor]:
    """Return a function that applies the model's activation to ``z`` in place.

    Writing in place saves one pass over the largest tensors of
    :func:`slice_2d` (chunk x n x width) per hidden layer.
    """
    act = ACTIVATIONS[model.activation]
    fn = act.torch_fn()
    kwargs = {act.torch_params.get(k, k): v for k, v in model.params.items()}
    if model.activation in _INPLACE:
        return lambda z: fn(z, inplace=True, **kwargs)
    return lambda z: z.copy_(fn(z, **kwargs))


class _BatchedMLP:
    """The loss of an MLP at many points of a plane of weights, in chunks.

    A grid point with coordinates (a, b) has the weights C + a D1 + b D2 in
    every layer. Each layer keeps its three matrices stacked as rows of a
    (3, size) matrix, so the weights of G grid points are one product with
    the (G, 3) rows (1, a, b).
    """

    def __init__(
        self,
        model: MLP,
        center: Weights,
        d1: Weights,
        d2: Weights,
        Xt: torch.Tensor,
        yt: torch.Tensor,
        chunk: int,
    ) -> None:
        self.n = n = Xt.shape[0]
        self.yt = yt
        self.sign = 1.0 - 2.0 * yt.to(torch.float64)  # +1 for class 0, -1 for 1
        self.act = _inplace_activation(model)
        self.sizes = sizes = model.sizes
        dirs = (center, d1, d2)

        def stacked(name: str, transform: Callable[[torch.Tensor], torch.Tensor]):
            return torch.stack(
                [transform(d[name].to(torch.float64)).reshape(-1) for d in dirs]
            )

        # First layer: the input is shared by every grid point, so X W^T + b
        # is computed once per direction and mixed. A last column (1, 0, 0)
        # mixes to exactly 1 for every grid point: it carries the next
        # layer's bias through that layer's batched product.
        pre = [
            Xt @ d["layers.0.weight"].to(torch.float64).T + d["layers.0.bias"]
            for d in dirs
        ]
        pad = len(sizes) > 2  # only when a later layer has a bias to carry
        ones = [
            torch.full((n, int(pad)), float(k == 0), dtype=torch.float64)
            for k in range(3)
        ]
        self.first = torch.stack(
            [torch.cat([p, o], dim=1).reshape(-1) for p, o in zip(pre, ones)]
        )
        # Later layers: W^T (in, out), with the bias as an extra last row for
        # the layer that reads the first layer's padded output.
        self.later = []
        for idx in range(1, len(model.layers)):
            w, b = f"layers.{idx}.weight", f"layers.{idx}.bias"
            if idx == 1:
                W = torch.stack(
                    [
                        torch.cat(
                            [d[w].to(torch.float64).T, d[b].to(torch.float64)[None]]
                        ).reshape(-1)
                        for d in dirs
                    ]
                )
                self.later.append((W, None))
            else:
                self.later.append((stacked(w, lambda t: t.T), stacked(b, lambda t: t)))
        # Buffers reused by every chunk: no fresh allocation (and page
        # faults) per chunk for the big tensors.
        widths = [sizes[1] + 1, *sizes[2:-1]] if pad else []
        self.buffers = [
            torch.empty(chunk * n * width, dtype=torch.float64) for width in widths
        ]

    def losses(self, coeffs: torch.Tensor) -> torch.Tensor:
        """Return the loss at each grid point; ``coeffs`` rows are (1, a, b)."""
        G, n, sizes = coeffs.shape[0], self.n, self.sizes
        if len(sizes) == 2:
            return self._cross_entropy((coeffs @ self.first).view(G, n, sizes[1]))
        width = sizes[1] + 1
        z = self.buffers[0][: G * n * width].view(G, n * width)
        torch.mm(coeffs, self.first, out=z)
        h = z.view(G, n, width)
        self.act(h[:, :, :-1])  # the padding column of ones stays 1
        last = len(self.later) - 1
        for k, (W3, b3) in enumerate(self.later):
            in_f, out_f = h.shape[2], sizes[k + 2]
            W = (coeffs @ W3).view(G, in_f, out_f)
            if k == last:
                z = torch.bmm(h, W)
            else:
                z = self.buffers[k + 1][: G * n * out_f].view(G, n, out_f)
                torch.bmm(h, W, out=z)
            if b3 is not None:
                z += (coeffs @ b3).view(G, 1, out_f)
            if k != last:
                self.act(z)
            h = z
        return self._cross_entropy(h)

    def _cross_entropy(self, logits: torch.Tensor) -> torch.Tensor:
        G, n, C = logits.shape
        if C == 2:
            # Two classes: the loss of a point is softplus(m) with the margin
            # m = l_other - l_true, in elementwise passes (a reduction over a
            # last dimension of length 2 costs more than the last layer's
            # product). log(1 + e^{-|m|}) rather than log1p, which PyTorch
            # does not vectorise; its error is below 2.3e-16 absolute.
            m = (logits[..., 1] - logits[..., 0]) * self.sign
            loss = m.clamp_min(0) + torch.log(1 + torch.exp(-m.abs()))
            return loss.mean(dim=1)
        picked = logits.gather(2, self.yt.view(1, n, 1).expand(G, n, 1))
        return (torch.logsumexp(logits, dim=2) - picked[..., 0]).mean(dim=1)


def slice_2d(
    model: MLP,
    center: Weights,
    d1: Weights,
    d2: Weights,
    alphas: ArrayLike,
    betas: ArrayLike,
    X: ArrayLike | torch.Tensor,
    y: ArrayLike | torch.Tensor,
    *,
    chunk: int = 32,
) -> NDArray[np.float64]:
    r"""Return :math:`L(\theta^* + \alpha d_1 + \beta d_2)` on a grid, in batches.

    Same result as :func:`slice_2d_loop` (to rounding, about 1e-12
    relative in float64) for an :class:`actzoo.models.MLP`. Instead of one
    forward pass per grid point, ``chunk`` grid points go through the
    network together: each layer's weights :math:`C + \alpha D_1 + \beta
    D_2` are built for all of them by one matrix product with the rows
    :math:`(1, \alpha, \beta)`, the first layer's :math:`X W^T` is
    computed once per direction and mixed, and later layers use one
    batched matrix product per chunk, with the bias folded into it.
    ``benchmarks/bench_landscape.py`` measures the gain.

    Parameters
    ----------
    model : actzoo.models.MLP
        The architecture and activation.
    center, d1, d2 : mapping of str to torch.Tensor
        The point :math:`\theta^*` and the two directions.
    alphas, betas : array_like, 1-D
        Grid coordinates along ``d1`` and ``d2``.
    X, y : array_like
        Data: inputs (n, d) and class labels (n,).
    chunk : int
        Grid points per batch; memory grows like ``chunk * n * width``.

    Returns
    -------
    ndarray, shape (len(betas), len(alphas))
        Entry ``[j, i]`` is the loss at ``(alphas[i], betas[j])``.
    """
    if not isinstance(model, MLP):
        raise TypeError(
            "slice_2d: the batched evaluation needs an actzoo.models.MLP as "
            "model; use slice_2d_loop for other models"
        )
    _check_model_weights(model, center, "slice_2d", "center")
    _check_like(center, d1, "slice_2d", ("center", "d1"))
    _check_like(center, d2, "slice_2d", ("center", "d2"))
    chunk = _checks.integer(chunk, "chunk", "slice_2d", minimum=1)
    alphas = _as_grid(alphas, "alphas", "slice_2d")
    betas = _as_grid(betas, "betas", "slice_2d")
    Xt, yt = _data(X, y, model.sizes[-1], "slice_2d")
    A, B = np.meshgrid(alphas, betas)
    coeffs = torch.as_tensor(np.column_stack([np.ones(A.size), A.ravel(), B.ravel()]))
    out = torch.empty(coeffs.shape[0], dtype=torch.float64)
    with torch.no_grad():
        batched = _BatchedMLP(model, center, d1, d2, Xt, yt, int(chunk))
        for start in range(0, coeffs.shape[0], chunk):
            part = coeffs[start : start + chunk]
            out[start : start + part.shape[0]] = batched.losses(part)
    return out.numpy().reshape(betas.size, alphas.size)
