r"""Physics-informed networks for :math:`u''(x) = f(x)` on :math:`[0, 1]`.

A physics-informed network (PINN) :math:`u_\theta` is trained on the
equation itself: at collocation points :math:`x_i` in :math:`(0, 1)` the
residual :math:`u_\theta''(x_i) - f(x_i)` should vanish, and at the ends
:math:`u_\theta(0) = u_0`, :math:`u_\theta(1) = u_1`. The loss is

.. math::
    L(\theta) = \frac{1}{n}\sum_i \bigl(u_\theta''(x_i) - f(x_i)\bigr)^2
    + \lambda\bigl[(u_\theta(0) - u_0)^2 + (u_\theta(1) - u_1)^2\bigr],

with :math:`u_\theta''` from autograd. With ReLU hidden units
:math:`u_\theta` is piecewise linear, autograd returns
:math:`u_\theta'' = 0` at every collocation point, and the residual term
is :math:`\frac{1}{n}\sum_i f(x_i)^2` whatever :math:`\theta` is: the
equation cannot be fitted. Smooth activations have a genuine second
derivative and can.

Examples
--------
>>> from actzoo import pinn
>>> problem = pinn.sine_problem()
>>> result = pinn.train_pinn("tanh", problem, seed=0)  # doctest: +SKIP
>>> result.max_error < 1e-2  # doctest: +SKIP
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from actzoo import _checks
from actzoo._checks import real_param
from actzoo._optional import require_torch
from actzoo.registry import ACTIVATIONS

__all__ = [
    "SUPPORTED_ACTIVATIONS",
    "PinnResult",
    "PoissonProblem",
    "second_derivative",
    "sine_problem",
    "train_pinn",
]

Array = NDArray[np.float64]

#: Activations a PINN here can use: tanh and every member of the zoo.
SUPPORTED_ACTIVATIONS: tuple[str, ...] = ("tanh", *ACTIVATIONS)


@dataclass(frozen=True)
class PoissonProblem:
    r"""The problem :math:`u'' = f` on :math:`[0, 1]`, :math:`u(0) = u_0`, :math:`u(1) = u_1`.

    Attributes
    ----------
    f : callable
        Right-hand side, NumPy array in, array out.
    u0, u1 : float
        Boundary values.
    exact : callable
        The known solution, to measure errors.
    name : str
        A formula for titles.
    """

    f: Callable[[Array], Array]
    u0: float
    u1: float
    exact: Callable[[Array], Array]
    name: str = r"u'' = f"

    def __post_init__(self) -> None:
        func = "PoissonProblem"
        _checks.function(self.f, "f", func)
        object.__setattr__(self, "u0", real_param(self.u0, "u0", func))
        object.__setattr__(self, "u1", real_param(self.u1, "u1", func))
        _checks.function(self.exact, "exact", func)
        _checks.text(self.name, "name", func)


def sine_problem(k: int = 1) -> PoissonProblem:
    r"""Return :math:`u'' = -(k\pi)^2\sin(k\pi x)`, :math:`u(0) = 0`, :math:`u(1) = 1`.

    Its solution is :math:`u(x) = \sin(k\pi x) + x`: a sine bump that
    the network must bend into, on top of the straight line joining the
    boundary values.
    """
    k = _checks.integer(k, "k", "sine_problem", minimum=1)
    w = k * math.pi
    return PoissonProblem(
        f=lambda x: -(w**2) * np.sin(w * np.asarray(x, dtype=np.float64)),
        u0=0.0,
        u1=1.0,
        exact=lambda x: np.sin(w * np.asarray(x, dtype=np.float64)) + x,
        name=rf"u'' = -({k}\pi)^2 \sin({k}\pi x)"
        if k > 1
        else r"u'' = -\pi^2 \sin(\pi x)",
    )


def _activation(name: str) -> Callable[[Any], Any]:
    torch = require_torch("actzoo.pinn")

    if name == "tanh":
        return torch.tanh
    return ACTIVATIONS[name].torch


class _Mlp:
    """A 1 -> width -> ... -> 1 network with explicit float64 parameters."""

    def __init__(self, activation: str, widths: Sequence[int], seed: int) -> None:
        torch = require_torch("actzoo.pinn")

        self.act = _activation(activation)
        gen = torch.Generator().manual_seed(seed)
        sizes = [1, *widths, 1]
        self.params: list[Any] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            # Glorot-normal weights keep tanh-like units out of saturation;
            # biases spread so that kinks/bends cover [0, 1] from the start.
            std = math.sqrt(2.0 / (n_in + n_out))
            W = torch.randn(n_out, n_in, generator=gen, dtype=torch.float64) * std
            b = torch.randn(n_out, generator=gen, dtype=torch.float64) * 0.5
            self.params += [W.requires_grad_(), b.requires_grad_()]

    def __call__(self, x: Any) -> Any:
        h = x
        n = len(self.params) // 2
        for i in range(n):
            W, b = self.params[2 * i], self.params[2 * i + 1]
            h = h @ W.T + b
            if i < n - 1:
                h = self.act(h)
        return h


def second_derivative(u: Callable[[Any], Any], x: Any) -> tuple[Any, Any]:
    r"""Return :math:`u(x)` and :math:`u''(x)` by autograd, keeping the graph.

    ``x`` is a ``(n, 1)`` tensor; it is made to require gradients. Where
    autograd finds no dependence of :math:`u'` on :math:`x` (ReLU: the
    derivative is piecewise constant) the second derivative is zero.
    """
    torch = require_torch("actzoo.pinn")

    _checks.function(u, "u", "second_derivative")
    _checks.instance(x, torch.Tensor, "x", "second_derivative")
    if x.ndim != 2 or x.shape[1] != 1 or not x.is_floating_point():
        raise ValueError(
            "second_derivative: x must be a floating (n, 1) tensor, got "
            f"{x.dtype} of shape {tuple(x.shape)}"
        )
    x = x.detach().requires_grad_(True)
    y = u(x)
    (du,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    (d2u,) = torch.autograd.grad(du.sum(), x, create_graph=True, allow_unused=True)
    if d2u is None:
        d2u = torch.zeros_like(x)
    return y, d2u


@dataclass(frozen=True)
class PinnResult:
    """A trained physics-informed network and how well it solves the problem.

    Attributes
    ----------
    activation : str
        The hidden units' activation.
    x, u, exact : ndarray
        A fine grid on :math:`[0, 1]`, the network's solution and the
        true one there.
    d2u : ndarray
        The network's :math:`u''` on the grid, from autograd.
    max_error : float
        :math:`\\max |u - u^*|` on the grid.
    losses : ndarray
        Total loss after each optimiser iteration.
    residual_loss, boundary_loss : float
        The two terms of the final loss.
    seconds : float
        Training time.
    """

    activation: str
    x: Array
    u: Array
    exact: Array
    d2u: Array
    max_error: float
    losses: Array
    residual_loss: float
    boundary_loss: float
    seconds: float


def train_pinn(
    activation: str,
    problem: PoissonProblem | None = None,
    *,
    widths: Sequence[int] = (16, 16),
    n_collocation: int = 48,
    boundary_weight: float = 100.0,
    adam_steps: int = 300,
    lbfgs_steps: int = 200,
    seed: int = 0,
) -> PinnResult:
    r"""Return a physics-informed network trained on ``problem``.

    Training runs in float64: ``adam_steps`` of Adam (learning rate
    0.01) to leave the initial plateau, then L-BFGS with a strong Wolfe
    line search for up to ``lbfgs_steps`` iterations. Collocation points
    are evenly spaced inside :math:`(0, 1)`. All weights are drawn from a
    generator seeded with ``seed`` and nothing else is random, and torch
    runs on one thread while training (the matrices are tiny, so threads
    cost more than they save, and one thread fixes the order of every
    sum), so the same call returns the same numbers.

    Parameters
    ----------
    activation : str
        ``"tanh"`` or a name in :data:`actzoo.ACTIVATIONS`.
    problem : PoissonProblem, optional
        :func:`sine_problem` by default.
    widths : sequence of int
        Hidden layer widths.
    n_collocation : int
        Number of interior points where the residual is enforced.
    boundary_weight : float
        :math:`\lambda`, the weight of the boundary term.
    adam_steps, lbfgs_steps : int
        Iterations of each optimiser.
    seed : int
        Seed of the initial weights.
    """
    func = "train_pinn"
    _checks.activation_name(activation, func, known=SUPPORTED_ACTIVATIONS)
    if problem is not None:
        _checks.instance(problem, PoissonProblem, "problem", func)
    widths = _checks.integers(widths, "widths", func, minimum=1)
    n_collocation = _checks.integer(n_collocation, "n_collocation", func, minimum=2)
    lam = real_param(boundary_weight, "boundary_weight", func, positive=True)
    adam_steps = _checks.integer(adam_steps, "adam_steps", func, minimum=0)
    lbfgs_steps = _checks.integer(lbfgs_steps, "lbfgs_steps", func, minimum=0)
    seed = _checks.seed(seed, func)
    require_torch("actzoo.pinn")
    from actzoo.training import single_thread

    problem = sine_problem() if problem is None else problem
    with single_thread():
        return _train(
            activation,
            problem,
            widths,
            n_collocation,
            lam,
            adam_steps,
            lbfgs_steps,
            seed,
        )


def _train(
    activation: str,
    problem: PoissonProblem,
    widths: list[int],
    n_collocation: int,
    lam: float,
    adam_steps: int,
    lbfgs_steps: int,
    seed: int,
) -> PinnResult:
    torch = require_torch("actzoo.pinn")

    start = time.perf_counter()
    net = _Mlp(activation, widths, seed)
    x_np = np.linspace(0.0, 1.0, n_collocation + 2)[1:-1]
    x_col = torch.tensor(x_np, dtype=torch.float64)[:, None]
    f_col = torch.tensor(problem.f(x_np), dtype=torch.float64)[:, None]
    x_bc = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    u_bc = torch.tensor([[problem.u0], [problem.u1]], dtype=torch.float64)

    def loss_terms() -> tuple[Any, Any]:
        _, d2u = second_derivative(net, x_col)
        residual = torch.mean((d2u - f_col) ** 2)
        boundary = torch.sum((net(x_bc) - u_bc) ** 2)
        return residual, boundary

    losses: list[float] = []
    adam = torch.optim.Adam(net.params, lr=0.01)
    for _ in range(adam_steps):
        adam.zero_grad()
        residual, boundary = loss_terms()
        loss = residual + lam * boundary
        loss.backward()
        adam.step()
        losses.append(loss.item())

    lbfgs = torch.optim.LBFGS(
        net.params,
        lr=1.0,
        max_iter=lbfgs_steps,
        history_size=50,
        tolerance_grad=1e-12,
        tolerance_change=1e-15,
        line_search_fn="strong_wolfe",
    )

    def closure() -> Any:
        lbfgs.zero_grad()
        residual, boundary = loss_terms()
        loss = residual + lam * boundary
        loss.backward()
        losses.append(loss.item())
        return loss

    if lbfgs_steps > 0:
        lbfgs.step(closure)

    residual, boundary = loss_terms()
    x_fine = np.linspace(0.0, 1.0, 1001)
    u, d2u = second_derivative(net, torch.tensor(x_fine, dtype=torch.float64)[:, None])
    u_np = u.detach().numpy()[:, 0]
    exact = problem.exact(x_fine)
    return PinnResult(
        activation=activation,
        x=x_fine,
        u=u_np,
        exact=exact,
        d2u=d2u.detach().numpy()[:, 0],
        max_error=float(np.max(np.abs(u_np - exact))),
        losses=np.asarray(losses),
        residual_loss=residual.item(),
        boundary_loss=boundary.item(),
        seconds=time.perf_counter() - start,
    )
