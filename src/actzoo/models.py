r"""A multilayer perceptron whose hidden activation comes from the registry.

:class:`MLP` computes, for hidden layers :math:`l = 1, \dots, L - 1`,
:math:`z_l = W_l h_{l-1} + b_l` and :math:`h_l = f(z_l)`, with
:math:`h_0 = x` and ``f`` taken from :data:`actzoo.ACTIVATIONS`; the last
layer is linear and returns the logits. :func:`dead_fraction` counts the
hidden units that are switched off on a whole data set.

Examples
--------
>>> import torch
>>> from actzoo.models import MLP
>>> net = MLP([2, 16, 2], "leaky_relu", alpha=0.1, seed=0)
>>> net(torch.zeros(3, 2, dtype=torch.float64)).shape
torch.Size([3, 2])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

try:
    import torch
except ModuleNotFoundError as _err:
    if _err.name != "torch":
        raise
    from actzoo._optional import missing_torch

    raise missing_torch(__name__) from None
from numpy.typing import ArrayLike
from torch import nn

from actzoo import _checks
from actzoo.registry import ACTIVATIONS

__all__ = ["MLP", "as_tensor", "dead_fraction", "dead_units"]


def as_tensor(
    X: ArrayLike | torch.Tensor, name: str = "X", *, func: str = "as_tensor"
) -> torch.Tensor:
    """Return ``X`` as a float64 tensor of shape (n, d) (no copy if it is one).

    ``func`` is the public function the messages name.

    Raises
    ------
    TypeError
        If ``X`` is not made of real numbers.
    ValueError
        If ``X`` is not two-dimensional, is empty or holds NaN or infinities.
    """
    _checks.text(func, "func", "as_tensor")
    _checks.text(name, "name", func)
    if isinstance(X, torch.Tensor):
        if X.is_complex() or X.dtype == torch.bool:
            raise TypeError(f"{func}: {name} must hold real numbers, got {X.dtype}")
        t = X.to(torch.float64)
    else:
        t = torch.as_tensor(
            _checks.array(
                X, name, func, allow_empty=True, allow_nan=True, allow_inf=True
            )
        )
    if t.ndim != 2:
        raise ValueError(
            f"{func}: {name} must be 2-D (one row per example), got shape "
            f"{tuple(t.shape)}"
        )
    if t.numel() == 0:
        raise ValueError(f"{func}: {name} is empty, shape {tuple(t.shape)}")
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{func}: {name} contains NaN or infinite values")
    return t


class MLP(nn.Module):
    r"""A float64 multilayer perceptron with a registry activation.

    Parameters
    ----------
    sizes : sequence of int
        Widths from input to output, e.g. ``[2, 64, 64, 2]`` for two
        inputs, two hidden layers of 64 units and two logits. At least two
        entries, all positive.
    activation : str
        Key of :data:`actzoo.ACTIVATIONS` used after every hidden layer.
    seed : int, keyword-only
        Seed of the initial weights (PyTorch's default ``nn.Linear``
        initialisation, :math:`U(-1/\sqrt{\text{fan-in}},
        1/\sqrt{\text{fan-in}})` for weights and biases). The same seed
        gives the same initial weights for every activation, so runs that
        differ only in the activation start from the same point. PyTorch's
        global generator is left untouched.
    **params
        Parameters of the activation, e.g. ``alpha=0.01`` for Leaky ReLU.

    Attributes
    ----------
    layers : torch.nn.ModuleList
        The ``nn.Linear`` layers, input to output.
    sizes : tuple of int
    activation : str
    params : dict
        The activation's parameters, defaults filled in.

    Raises
    ------
    TypeError, ValueError
        If ``sizes``, ``activation`` (a name not in the registry is a
        ValueError), ``seed`` or ``params`` are not valid.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "relu",
        *,
        seed: int = 0,
        **params: Any,
    ) -> None:
        super().__init__()
        sizes = _checks.integers(sizes, "sizes", "MLP", minimum=1, min_length=2)
        _checks.activation_name(activation, "MLP")
        seed = _checks.seed(seed, "MLP")
        self.sizes = tuple(sizes)
        self.activation = activation
        self._act = ACTIVATIONS[activation]
        self.params = _checks.activation_params(activation, params, "MLP")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            self.layers = nn.ModuleList(
                nn.Linear(a, b, dtype=torch.float64)
                for a, b in zip(self.sizes[:-1], self.sizes[1:], strict=True)
            )

    def act(self, z: torch.Tensor) -> torch.Tensor:
        """Return the hidden activation applied to ``z``."""
        return self._act.torch(z, **self.params)

    def forward_with_pre_activations(
        self, X: ArrayLike | torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Return the logits and the pre-activations of every hidden layer."""
        h = as_tensor(X, func="MLP")
        if h.shape[1] != self.sizes[0]:
            raise ValueError(
                f"MLP: X has {h.shape[1]} columns, the network expects {self.sizes[0]}"
            )
        pre = []
        for layer in self.layers[:-1]:
            z = layer(h)
            pre.append(z)
            h = self.act(z)
        return self.layers[-1](h), pre

    def forward(self, X: ArrayLike | torch.Tensor) -> torch.Tensor:
        """Return the logits, shape (n, sizes[-1])."""
        return self.forward_with_pre_activations(X)[0]

    def pre_activations(self, X: ArrayLike | torch.Tensor) -> list[torch.Tensor]:
        r"""Return :math:`z_l = W_l h_{l-1} + b_l` for each hidden layer.

        One tensor of shape (n, width) per hidden layer; empty for a
        network without hidden layers.
        """
        return self.forward_with_pre_activations(X)[1]

    def extra_repr(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"activation={self.activation}" + (f"({params})" if params else "")


def dead_units(pre_activations: Sequence[torch.Tensor]) -> torch.Tensor:
    r"""Return a boolean mask of dead hidden units, all layers concatenated.

    A unit is dead on a data set when its pre-activation is :math:`\le 0`
    on every row: a ReLU unit then outputs 0 and gets no gradient.
    """
    # no hidden layers: no units
    pre_activations = _checks.sequence(
        pre_activations, "pre_activations", "dead_units", min_length=0
    )
    for z in pre_activations:
        _checks.instance(z, torch.Tensor, "pre_activations", "dead_units")
    if not pre_activations:
        return torch.zeros(0, dtype=torch.bool)
    return torch.cat([(z <= 0).all(dim=0) for z in pre_activations])


def dead_fraction(model: MLP, X: ArrayLike | torch.Tensor) -> float:
    r"""Return the fraction of hidden units with :math:`z \le 0` on all of ``X``.

    Such a unit would be dead under ReLU: its output and its gradient are
    zero on the whole data set. For other activations the fraction counts
    the same units, which are merely in their negative regime. A network
    without hidden layers has no units and gives 0.
    """
    _checks.instance(model, MLP, "model", "dead_fraction")
    as_tensor(X, func="dead_fraction")
    with torch.no_grad():
        mask = dead_units(model.pre_activations(X))
    return float(mask.float().mean()) if mask.numel() else 0.0
