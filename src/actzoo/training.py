r"""A deterministic full-batch trainer that records what happens at each step.

:func:`train` minimises the mean cross-entropy
:math:`L(\theta) = -\tfrac1n \sum_i
\log \operatorname{softmax}(f_\theta(x_i))_{y_i}`
with full-batch Adam or plain gradient descent, and returns a
:class:`History` of the loss, the accuracy and the fraction of dead hidden
units at every step, plus the initial and final weights.

Examples
--------
>>> from actzoo.datasets import two_moons
>>> from actzoo.models import MLP
>>> from actzoo.training import train
>>> X, y = two_moons(200, 0.1, seed=0)
>>> history = train(MLP([2, 16, 2], "relu", seed=0), X, y, steps=50)
>>> history.loss.shape
(50,)
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

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

from actzoo import _checks
from actzoo._checks import real_param
from actzoo.models import MLP, as_tensor, dead_units

__all__ = ["History", "as_labels", "set_seed", "single_thread", "train"]

_OPTIMIZERS = ("adam", "sgd")


@dataclass
class History:
    """The record of one training run, one entry per optimisation step.

    Entry ``t`` of ``loss``, ``accuracy`` and ``dead_fraction`` is measured
    at the weights that step ``t`` starts from, i.e. before its update, so
    entry 0 describes the initial network.

    Attributes
    ----------
    loss : ndarray of float64, shape (steps,)
        Mean cross-entropy on the training set.
    accuracy : ndarray of float64, shape (steps,)
        Fraction of training points whose largest logit is the true class.
    dead_fraction : ndarray of float64, shape (steps,)
        Fraction of hidden units whose pre-activation is :math:`\\le 0` on
        every training point (see :func:`actzoo.models.dead_fraction`).
    state_dict : dict of str to torch.Tensor
        The weights after the last step (copies, detached).
    initial_state_dict : dict of str to torch.Tensor
        The weights before the first step (copies, detached).
    final_loss, final_accuracy, final_dead_fraction : float
        The three measurements at ``state_dict``, after the last update.
    """

    loss: NDArray[np.float64]
    accuracy: NDArray[np.float64]
    dead_fraction: NDArray[np.float64]
    state_dict: dict[str, torch.Tensor]
    initial_state_dict: dict[str, torch.Tensor] = field(default_factory=dict)
    final_loss: float = float("nan")
    final_accuracy: float = float("nan")
    final_dead_fraction: float = float("nan")


def set_seed(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's global generators with ``seed``.

    Code of the course takes explicit seeds; this is for code that draws
    from the global generators (for example ``nn.Dropout``).
    """
    seed = _checks.seed(seed, "set_seed")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run PyTorch on one thread inside the block, then restore the count.

    Summation order depends on how work is split between threads; with one
    thread, the same inputs give bit-identical results.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def as_labels(
    y: ArrayLike | torch.Tensor, n: int, classes: int, *, func: str = "as_labels"
) -> torch.Tensor:
    """Return class labels as an int64 tensor of shape (n,), after checks.

    ``func`` is the public function the messages name.

    Raises
    ------
    TypeError
        If ``y`` is not made of numbers, or ``n`` or ``classes`` are not
        integers.
    ValueError
        If ``y`` has the wrong shape, non-integer values, or labels outside
        ``0 .. classes - 1``.
    """
    _checks.text(func, "func", "as_labels")
    n = _checks.integer(n, "n", func, minimum=1)
    classes = _checks.integer(classes, "classes", func, minimum=1)
    if isinstance(y, torch.Tensor):
        t = y
    else:
        arr = np.asarray(y)
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"{func}: y must hold integer class labels, got dtype {arr.dtype}"
            )
        t = torch.as_tensor(arr)
    if t.shape != (n,):
        raise ValueError(f"{func}: y must have shape ({n},), got {tuple(t.shape)}")
    if t.is_floating_point():
        if not torch.equal(t, t.round()):
            raise ValueError(f"{func}: y must hold integer class labels")
    elif t.is_complex() or t.dtype == torch.bool:
        raise ValueError(f"{func}: y must hold integer class labels, got {t.dtype}")
    t = t.to(torch.int64)
    if n and (int(t.min()) < 0 or int(t.max()) >= classes):
        raise ValueError(
            f"{func}: y must hold labels in 0..{classes - 1} (one per output of "
            f"the network), got values from {int(t.min())} to {int(t.max())}"
        )
    return t


def _measure(
    model: MLP, X: torch.Tensor, y: torch.Tensor
) -> tuple[torch.Tensor, float, float]:
    logits, pre = model.forward_with_pre_activations(X)
    loss = nn.functional.cross_entropy(logits, y)
    accuracy = float((logits.argmax(dim=1) == y).double().mean())
    mask = dead_units([z.detach() for z in pre])
    dead = float(mask.double().mean()) if mask.numel() else 0.0
    return loss, accuracy, dead


def _copy_state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def train(
    model: MLP,
    X: ArrayLike | torch.Tensor,
    y: ArrayLike | torch.Tensor,
    *,
    optimizer: str = "adam",
    lr: float = 1e-2,
    steps: int = 500,
    seed: int = 0,
) -> History:
    r"""Return the :class:`History` of full-batch training of ``model``.

    Each step computes the mean cross-entropy of the logits on all of
    ``X`` and takes one step of Adam (default betas) or of plain gradient
    descent, :math:`\theta \leftarrow \theta - \eta \nabla L(\theta)`.
    The model is trained in place.

    The run is deterministic: the same model, data and arguments give
    bit-identical histories. It runs on one thread (summation order is
    then fixed) and seeds PyTorch's generator with ``seed`` for anything
    random inside the model; the *initial weights* are the model's own
    (for :class:`actzoo.models.MLP`, set by its ``seed``), and PyTorch's
    global generator is restored afterwards.

    Parameters
    ----------
    model : MLP
        A float64 network with a ``forward_with_pre_activations(X)`` method
        returning ``(logits, [z_1, ...])``, such as
        :class:`actzoo.models.MLP`.
    X : array_like, shape (n, d)
        Inputs.
    y : array_like of int, shape (n,)
        Class labels in ``0 .. classes - 1``.
    optimizer : {"adam", "sgd"}
        Full-batch Adam, or plain gradient descent without momentum.
    lr : float
        Learning rate, positive.
    steps : int
        Number of updates, at least 1.
    seed : int
        Seed for randomness during training.

    Returns
    -------
    History
        Loss, accuracy and dead fraction before each update, the final
        measurements and the initial and final weights.
    """
    if not hasattr(model, "forward_with_pre_activations"):
        raise TypeError(
            "train: model must have a forward_with_pre_activations(X) method, "
            "such as actzoo.models.MLP"
        )
    _checks.choice(optimizer, _OPTIMIZERS, "optimizer", "train")
    lr = real_param(lr, "lr", "train", positive=True)
    steps = _checks.integer(steps, "steps", "train", minimum=1)
    seed = _checks.seed(seed, "train")
    Xt = as_tensor(X, func="train")
    with torch.no_grad():
        classes = model.forward_with_pre_activations(Xt[:1])[0].shape[1]
    yt = as_labels(y, Xt.shape[0], classes, func="train")

    params = [p for p in model.parameters() if p.requires_grad]
    opt: torch.optim.Optimizer
    # foreach: one fused kernel per update for all parameters, which
    # matters for small networks where per-tensor overhead dominates.
    if optimizer == "adam":
        opt = torch.optim.Adam(params, lr=lr, foreach=True)
    else:
        opt = torch.optim.SGD(params, lr=lr, foreach=True)

    loss_hist = np.empty(steps)
    acc_hist = np.empty(steps)
    dead_hist = np.empty(steps)
    initial = _copy_state(model)
    model.train()
    with single_thread(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for t in range(steps):
            opt.zero_grad(set_to_none=True)
            loss, acc_hist[t], dead_hist[t] = _measure(model, Xt, yt)
            loss.backward()
            opt.step()
            loss_hist[t] = loss.item()
        with torch.no_grad():
            final_loss, final_acc, final_dead = _measure(model, Xt, yt)
    return History(
        loss=loss_hist,
        accuracy=acc_hist,
        dead_fraction=dead_hist,
        state_dict=_copy_state(model),
        initial_state_dict=initial,
        final_loss=final_loss.item(),
        final_accuracy=final_acc,
        final_dead_fraction=final_dead,
    )
