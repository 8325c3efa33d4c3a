r"""Many seeds at once: training records and paired tests for the evidence chapter.

The chapter on evidence trains the same small network from many initial
weights (one per seed) and asks which differences between activations
survive the spread between seeds. Three pieces do the work:

* :func:`load_digits_split`: scikit-learn's handwritten digits (8x8 pixel
  images, 1,797 of them, shipped inside the package), split into a
  training and a test set and standardised with the training statistics.
* :class:`SeedBatchMLP` and :func:`train_seeds`: ``S`` copies of one
  multilayer perceptron with independent weights, stored as stacked
  tensors and trained together. The loss is the *sum* of the ``S``
  per-seed mean cross-entropies, so each copy's gradient is its own, and
  Adam and gradient descent act entry by entry: training the stack is
  training ``S`` networks independently, in one batched matrix product
  per layer (the tests check it against :func:`actzoo.training.train`).
  Seed ``s`` starts from the weights of ``actzoo.models.MLP(sizes, ...,
  seed=s)``.
* :func:`paired_test`: the exact sign-flip permutation test on per-seed
  differences, the test behind every "A beats B" of the chapter; with 10
  seeds its smallest possible p-value is :math:`2/2^{10} \approx 0.002`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

try:
    import torch
except ModuleNotFoundError as _err:
    if _err.name != "torch":
        raise
    from actzoo._optional import missing_torch

    raise missing_torch(__name__) from None
from torch import nn

from actzoo import _checks
from actzoo._checks import real_param
from actzoo.beyond_relu import ALL_ACTIVATIONS
from actzoo.models import MLP, as_tensor
from actzoo.prelu import PRELU_INIT
from actzoo.sharpness import _sum
from actzoo.training import as_labels, single_thread

__all__ = [
    "EXTRA_COLORS",
    "Digits",
    "PairedTest",
    "SeedBatchMLP",
    "SeedRuns",
    "color_of",
    "load_digits_split",
    "paired_test",
    "plot_band",
    "quartiles",
    "second_order_seeds",
    "steps_to",
    "top_eigenvalues",
    "train_seeds",
]

_BN_EPS = 1e-5
_DTYPES = (torch.float32, torch.float64)


def _dtype(value: Any, func: str) -> torch.dtype:
    """Return ``value`` if it is ``torch.float32`` or ``torch.float64``."""
    if not isinstance(value, torch.dtype) or value not in _DTYPES:
        raise TypeError(
            f"{func}: dtype must be torch.float32 or torch.float64, got {value!r}"
        )
    return value


def _model(value: Any, func: str) -> SeedBatchMLP:
    return _checks.instance(value, SeedBatchMLP, "model", func)


def _data(
    X: Any, y: Any, sizes: Sequence[int], func: str, names: tuple[str, str] = ("X", "y")
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return inputs (float64, shape (n, sizes[0])) and labels (int64, shape (n,)).

    The labels must be classes of the network's outputs, ``0 .. sizes[-1] - 1``;
    ``names`` are the parameters the messages name.
    """
    Xt = as_tensor(X, names[0], func=func)
    if Xt.shape[1] != sizes[0]:
        raise ValueError(
            f"{func}: {names[0]} must have shape (n, {sizes[0]}), got {tuple(Xt.shape)}"
        )
    try:
        yt = as_labels(y, Xt.shape[0], sizes[-1], func=func)
    except (TypeError, ValueError) as exc:
        if names[1] == "y":
            raise
        message = str(exc).replace(f"{func}: y ", f"{func}: {names[1]} ", 1)
        raise type(exc)(message) from None
    return Xt, yt


# ------------------------------------------------------------------ data


@dataclass(frozen=True)
class Digits:
    """The digits split into training and test sets, as tensors.

    Attributes
    ----------
    X_train, X_test : torch.Tensor, shape (n, 64)
        Pixels standardised with the training mean and standard deviation
        (pixels that are constant on the training set become 0).
    y_train, y_test : torch.Tensor of int64
        Digit labels 0 to 9.
    """

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor


def load_digits_split(
    test_fraction: float = 0.25, seed: int = 0, dtype: torch.dtype = torch.float32
) -> Digits:
    """Return scikit-learn's digits, split (stratified by class) and standardised.

    Parameters
    ----------
    test_fraction : float
        Share of the images held out, strictly between 0 and 1.
    seed : int
        Seed of the split.
    dtype : torch.dtype
        ``torch.float32`` or ``torch.float64``.
    """
    try:
        from sklearn.datasets import load_digits
    except ModuleNotFoundError as err:
        if err.name != "sklearn":
            raise
        raise ModuleNotFoundError(
            "load_digits_split needs scikit-learn (for its bundled digits), "
            'which is not installed; install it with: pip install "actzoo[evidence]"',
            name="sklearn",
        ) from None
    from sklearn.model_selection import train_test_split

    frac = real_param(
        test_fraction, "test_fraction", "load_digits_split", positive=True
    )
    if frac >= 1:
        raise ValueError(
            f"load_digits_split: test_fraction must be below 1, got {frac}"
        )
    seed = _checks.seed(seed, "load_digits_split")
    dtype = _dtype(dtype, "load_digits_split")
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=frac, random_state=seed, stratify=y
    )
    mean, std = X_tr.mean(axis=0), X_tr.std(axis=0)
    std[std == 0] = 1.0

    def t(a: NDArray) -> torch.Tensor:
        return torch.as_tensor((a - mean) / std, dtype=dtype)

    return Digits(t(X_tr), torch.as_tensor(y_tr), t(X_te), torch.as_tensor(y_te))


# ---------------------------------------------------------------- model


class SeedBatchMLP(nn.Module):
    r"""``S`` multilayer perceptrons with one architecture, stacked along a seed axis.

    Hidden layer :math:`l` computes :math:`z_l = h_{l-1} W_l + b_l`,
    optionally normalised over the examples of the batch, and
    :math:`h_l = f(z_l)`; the last layer is linear. Centring
    :math:`z_{l+1} = h_l W + b` over the batch is the same as centring
    :math:`h_l`: it removes the bias shift of layer :math:`l` from what
    layer :math:`l + 1` sees.

    Parameters
    ----------
    sizes : sequence of int
        Widths from input to output, as for :class:`actzoo.models.MLP`.
    activation : str
        A key of :data:`actzoo.beyond_relu.ALL_ACTIVATIONS`. For
        ``"prelu"`` every hidden layer of every copy learns its own slope,
        starting from 0.25.
    seeds : sequence of int
        One copy per seed; copy ``s`` starts from ``MLP(sizes, seed=s)``'s
        weights.
    norm : {None, "mean", "batch"}
        ``"mean"``: subtract each unit's batch mean from its pre-activation
        and add a learned shift (mean-only batch normalisation, Salimans
        and Kingma, 2016), which centres without rescaling; ``"batch"``:
        batch normalisation (Ioffe and Szegedy, 2015), which also divides
        by the batch standard deviation and learns a scale.
    dtype : torch.dtype
        ``torch.float32`` (fast) or ``torch.float64``.
    **params
        Parameters of the activation.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str,
        seeds: Sequence[int],
        *,
        norm: str | None = None,
        dtype: torch.dtype = torch.float32,
        **params: Any,
    ) -> None:
        super().__init__()
        func = "SeedBatchMLP"
        sizes = _checks.integers(sizes, "sizes", func, minimum=1, min_length=2)
        activation = _checks.activation_name(activation, func, known=ALL_ACTIVATIONS)
        seeds = _checks.integers(seeds, "seeds", func, minimum=0)
        _checks.choice(norm, (None, "mean", "batch"), "norm", func)
        dtype = _dtype(dtype, func)
        self._act = ALL_ACTIVATIONS[activation]
        self.params = _checks.activation_params(self._act, params, func)
        nets = [MLP(sizes, "relu", seed=s) for s in seeds]
        self.sizes, self.seeds, self.activation = (
            nets[0].sizes,
            tuple(seeds),
            activation,
        )
        self.norm = norm
        layers = [[cast(nn.Linear, layer) for layer in n.layers] for n in nets]
        self.weights = nn.ParameterList(
            nn.Parameter(torch.stack([ls[i].weight.T for ls in layers]).to(dtype))
            for i in range(len(self.sizes) - 1)
        )
        self.biases = nn.ParameterList(
            nn.Parameter(torch.stack([ls[i].bias[None] for ls in layers]).to(dtype))
            for i in range(len(self.sizes) - 1)
        )
        hidden = self.sizes[1:-1]
        S = len(seeds)
        self.alphas = (
            nn.ParameterList(
                nn.Parameter(
                    torch.full(
                        (S, 1, 1),
                        float(self.params.get("alpha", PRELU_INIT)),
                        dtype=dtype,
                    )
                )
                for _ in hidden
            )
            if activation == "prelu"
            else nn.ParameterList()
        )
        self.gammas = (
            nn.ParameterList(
                nn.Parameter(torch.ones(S, 1, w, dtype=dtype)) for w in hidden
            )
            if norm == "batch"
            else nn.ParameterList()
        )
        self.betas = (
            nn.ParameterList(
                nn.Parameter(torch.zeros(S, 1, w, dtype=dtype)) for w in hidden
            )
            if norm
            else nn.ParameterList()
        )

    def _f(self, z: torch.Tensor, layer: int) -> torch.Tensor:
        if self.activation == "prelu":
            return z.clamp(min=0) + self.alphas[layer] * z.clamp(max=0)
        return self._act.torch(z, **self.params)

    def forward_all(
        self,
        X: torch.Tensor,
        stats: list[tuple[torch.Tensor, torch.Tensor]] | None = None,
    ) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor], list[Any]]:
        """Return logits (S, n, classes), pre-activations, activations, BN statistics.

        With ``stats`` (from an earlier call) normalisation uses those
        means and variances instead of the batch's own, as at test time.
        """
        h = X.to(self.weights[0].dtype).expand(len(self.seeds), *X.shape)
        pres, hs, used = [], [], []
        for i in range(len(self.sizes) - 2):
            z = torch.baddbmm(self.biases[i], h, self.weights[i])
            if self.norm:
                if stats is None:
                    mean = z.mean(dim=1, keepdim=True)
                    var = z.var(dim=1, unbiased=False, keepdim=True)
                else:
                    mean, var = stats[i]
                used.append((mean.detach(), var.detach()))
                z = z - mean
                if self.norm == "batch":
                    z = z / torch.sqrt(var + _BN_EPS) * self.gammas[i]
                z = z + self.betas[i]
            pres.append(z)
            h = self._f(z, i)
            hs.append(h)
        logits = torch.baddbmm(self.biases[-1], h, self.weights[-1])
        return logits, pres, hs, used

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Return the logits, shape (S, n, classes)."""
        return self.forward_all(X)[0]


def _per_seed_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    S, n, C = logits.shape
    ce = nn.functional.cross_entropy(
        logits.reshape(S * n, C), y.repeat(S), reduction="none"
    )
    return ce.reshape(S, n).mean(dim=1)


# -------------------------------------------------------------- training


@dataclass
class SeedRuns:
    """The record of :func:`train_seeds`: one row per seed, one column per step.

    Entry ``[s, t]`` is measured at the weights step ``t`` starts from.

    Attributes
    ----------
    loss, accuracy : ndarray (S, steps)
        Training mean cross-entropy and accuracy.
    test_loss, test_accuracy : ndarray (S, len(eval_steps))
        The same on the test set, at ``eval_steps``.
    eval_steps : ndarray of int
    dead_fraction : ndarray (S, steps)
        Hidden units with pre-activation :math:`\\le 0` on every training
        example (after normalisation, if any).
    mean_activation : ndarray (S, steps, layers)
        Mean of :math:`h_l` over examples and units: the bias shift.
    grad_norm : ndarray (S, steps, layers + 1)
        Euclidean norm of the loss gradient in each weight matrix.
    alpha : ndarray (S, steps, layers) or None
        PReLU's learned slopes.
    final_loss, final_accuracy, final_test_accuracy : ndarray (S,)
        After the last update.
    model : SeedBatchMLP
        The trained stack.
    """

    loss: NDArray[np.float64]
    accuracy: NDArray[np.float64]
    test_loss: NDArray[np.float64]
    test_accuracy: NDArray[np.float64]
    eval_steps: NDArray[np.int64]
    dead_fraction: NDArray[np.float64]
    mean_activation: NDArray[np.float64]
    grad_norm: NDArray[np.float64]
    alpha: NDArray[np.float64] | None
    final_loss: NDArray[np.float64]
    final_accuracy: NDArray[np.float64]
    final_test_accuracy: NDArray[np.float64]
    model: SeedBatchMLP = field(repr=False)


def _accuracy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (logits.argmax(dim=2) == y).to(torch.float64).mean(dim=1)


def train_seeds(
    model: SeedBatchMLP,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    X_test: torch.Tensor | None = None,
    y_test: torch.Tensor | None = None,
    optimizer: str = "adam",
    lr: float = 1e-2,
    steps: int = 100,
    eval_every: int = 10,
) -> SeedRuns:
    """Return the :class:`SeedRuns` of full-batch training of every copy in ``model``.

    Full-batch Adam (default betas) or plain gradient descent on the sum
    of the per-seed mean cross-entropies, which trains each copy on its
    own loss. Deterministic: one thread, no randomness after the
    initialisation. The model is trained in place.
    """
    func = "train_seeds"
    model = _model(model, func)
    X, y = _data(X, y, model.sizes, func)
    if (X_test is None) != (y_test is None):
        given, other = ("X_test", "y_test") if y_test is None else ("y_test", "X_test")
        raise ValueError(f"{func}: {given} is given without {other}")
    has_test = X_test is not None
    if has_test:
        X_test, y_test = _data(X_test, y_test, model.sizes, func, ("X_test", "y_test"))
    _checks.choice(optimizer, ("adam", "sgd"), "optimizer", func)
    lr = real_param(lr, "lr", func, positive=True)
    steps = _checks.integer(steps, "steps", func, minimum=1)
    eval_every = _checks.integer(eval_every, "eval_every", func, minimum=1)
    params = list(model.parameters())
    opt: torch.optim.Optimizer = (
        torch.optim.Adam(params, lr=lr, foreach=True)
        if optimizer == "adam"
        else torch.optim.SGD(params, lr=lr, foreach=True)
    )
    S, L = len(model.seeds), len(model.sizes) - 2
    loss, acc, dead = (np.empty((S, steps)) for _ in range(3))
    means, gnorm = np.empty((S, steps, L)), np.empty((S, steps, L + 1))
    alpha = np.empty((S, steps, L)) if model.activation == "prelu" else None
    eval_steps = np.arange(0, steps + 1, eval_every)
    test_loss, test_acc = (np.full((S, len(eval_steps)), np.nan) for _ in range(2))

    def evaluate(k: int, stats: list[Any]) -> None:
        if X_test is not None and y_test is not None:
            with torch.no_grad():
                logits = model.forward_all(X_test, stats or None)[0]
                test_loss[:, k] = _per_seed_loss(logits, y_test).numpy()
                test_acc[:, k] = _accuracy(logits, y_test).numpy()

    with single_thread():
        for t in range(steps + 1):
            opt.zero_grad(set_to_none=True)
            logits, pres, hs, stats = model.forward_all(X)
            per_seed = _per_seed_loss(logits, y)
            if t % eval_every == 0:
                evaluate(t // eval_every, stats)
            if t == steps:
                break
            per_seed.sum().backward()
            with torch.no_grad():
                loss[:, t] = per_seed.numpy()
                acc[:, t] = _accuracy(logits, y).numpy()
                # z <= 0 on every example, as "the largest z is <= 0": a max
                # over examples is many times faster than all() over them.
                dead_units = torch.cat([z.amax(dim=1) <= 0 for z in pres], dim=1)
                dead[:, t] = dead_units.to(torch.float64).mean(dim=1).numpy()
                means[:, t] = torch.stack([h.mean(dim=(1, 2)) for h in hs], 1).numpy()
                gnorm[:, t] = torch.stack(
                    [w.grad.flatten(1).norm(dim=1) for w in model.weights], 1
                ).numpy()
                if alpha is not None:
                    alpha[:, t] = torch.stack(
                        [a.reshape(S) for a in model.alphas], 1
                    ).numpy()
            opt.step()
    with torch.no_grad():
        final = per_seed.detach().numpy().astype(np.float64)
        final_acc = _accuracy(logits, y).numpy()
    return SeedRuns(
        loss=loss,
        accuracy=acc,
        test_loss=test_loss,
        test_accuracy=test_acc,
        eval_steps=eval_steps,
        dead_fraction=dead,
        mean_activation=means,
        grad_norm=gnorm,
        alpha=alpha,
        final_loss=final,
        final_accuracy=final_acc,
        final_test_accuracy=test_acc[:, -1]
        if has_test and eval_steps[-1] == steps
        else np.full(S, np.nan),
        model=model,
    )


# ------------------------------------------------------ second order


_SECOND_ORDER = ("L-BFGS-B", "Newton-CG")


def second_order_seeds(
    sizes: Sequence[int],
    activation: str,
    seeds: Sequence[int],
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    method: str = "L-BFGS-B",
    iterations: int = 50,
) -> NDArray[np.float64]:
    """Return the training loss of second-order runs, shape (len(seeds), iterations + 1).

    One float64 network per seed, initialised as :class:`SeedBatchMLP`
    (so as :class:`actzoo.models.MLP`), minimised on the full batch by
    ``scipy.optimize.minimize`` with gradients from autograd:

    * ``"L-BFGS-B"``: a quasi-Newton method, whose step comes from a
      low-rank model of the Hessian built from recent gradient changes;
    * ``"Newton-CG"``: Newton steps solved by conjugate gradients with
      exact Hessian-vector products (autograd's double backward), so the
      activation's second derivative enters every step.

    Entry ``[s, k]`` is the loss after ``k`` iterations; a run that stops
    early (converged, or no progress possible) keeps its last loss.
    """
    func = "second_order_seeds"
    sizes = _checks.integers(sizes, "sizes", func, minimum=1, min_length=2)
    activation = _checks.activation_name(activation, func, known=ALL_ACTIVATIONS)
    seeds = _checks.integers(seeds, "seeds", func, minimum=0)
    X, y = _data(X, y, sizes, func)
    _checks.choice(method, _SECOND_ORDER, "method", func)
    iterations = _checks.integer(iterations, "iterations", func, minimum=1)
    out = np.empty((len(seeds), iterations + 1))
    with single_thread():
        for row, seed in enumerate(seeds):
            net = SeedBatchMLP(sizes, activation, [seed], dtype=torch.float64)
            out[row] = _second_order_run(net, X, y, method, iterations)
    return out


def _second_order_run(
    net: SeedBatchMLP, X: torch.Tensor, y: torch.Tensor, method: str, iterations: int
) -> list[float]:
    """Return the loss at the start and after each of ``iterations`` steps.

    A run that stops early (converged, or no progress) keeps its last loss
    for the remaining steps.
    """
    from scipy.optimize import minimize

    params = list(net.parameters())
    theta0 = nn.utils.parameters_to_vector(params).detach().numpy().copy()

    def loss_of(theta: NDArray[np.float64]) -> torch.Tensor:
        nn.utils.vector_to_parameters(torch.as_tensor(theta), params)
        return _per_seed_loss(net(X), y).sum()

    def fun(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        value = loss_of(theta)
        grads = torch.autograd.grad(value, params)
        flat = torch.cat([g.reshape(-1) for g in grads])
        return value.item(), flat.numpy().copy()

    def hessp(theta: NDArray[np.float64], v: NDArray[np.float64]) -> NDArray:
        value = loss_of(theta)
        grads = torch.autograd.grad(value, params, create_graph=True)
        flat = torch.cat([g.reshape(-1) for g in grads])
        hv = torch.autograd.grad(flat @ torch.as_tensor(v), params)
        return torch.cat([h.reshape(-1) for h in hv]).numpy().copy()

    trace = [fun(theta0)[0]]

    def record(intermediate_result: Any) -> None:
        # The loss the method computed at its new iterate (SciPy passes it
        # to a callback whose parameter has this name): the same number a
        # new evaluation would give, without the cost.
        trace.append(float(intermediate_result.fun))

    minimize(
        fun,
        theta0,
        jac=True,
        method=method,
        callback=record,
        hessp=hessp if method == "Newton-CG" else None,
        options={"maxiter": iterations},
    )
    trace += [trace[-1]] * (iterations + 1 - len(trace))
    return trace[: iterations + 1]


def top_eigenvalues(
    model: SeedBatchMLP,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    iterations: int = 100,
    seed: int = 0,
) -> NDArray[np.float64]:
    """Return each copy's top Hessian eigenvalue of its training loss, shape (S,).

    Power iteration on all copies at once: the Hessian of the summed loss
    is block diagonal, one block per copy, so one Hessian-vector product
    serves every copy, and each block's vector is normalised on its own.
    """
    func = "top_eigenvalues"
    model = _model(model, func)
    X, y = _data(X, y, model.sizes, func)
    iterations = _checks.integer(iterations, "iterations", func, minimum=1)
    seed = _checks.seed(seed, func)
    params = [p for p in model.parameters()]
    S = len(model.seeds)
    gen = torch.Generator().manual_seed(seed)
    with single_thread():
        loss = _per_seed_loss(model(X), y).sum()
        grads = torch.autograd.grad(loss, params, create_graph=True)
        v = [torch.randn(p.shape, generator=gen, dtype=p.dtype) for p in params]

        def per_seed_dot(a: list[torch.Tensor], b: list[torch.Tensor]) -> torch.Tensor:
            return _sum([(x * z).flatten(1).sum(dim=1) for x, z in zip(a, b)])

        def normalise(u: list[torch.Tensor]) -> list[torch.Tensor]:
            norm = per_seed_dot(u, u).sqrt()
            return [x / norm.reshape(S, *([1] * (x.ndim - 1))) for x in u]

        v = normalise(v)
        lam = torch.zeros(S, dtype=params[0].dtype)
        for _ in range(iterations):
            hv = torch.autograd.grad(grads, params, grad_outputs=v, retain_graph=True)
            lam = per_seed_dot(v, list(hv))
            v = normalise(list(hv))
    return lam.detach().numpy().astype(np.float64)


# ------------------------------------------------------------ statistics


def quartiles(values: ArrayLike, axis: int = 0) -> NDArray[np.float64]:
    """Return the 25th, 50th and 75th percentiles along ``axis`` (stacked first).

    ``values`` may hold NaN (a diverged run; its quartiles are NaN, as
    NumPy's) and infinities (steps to a threshold never reached, from
    :func:`steps_to`); ``axis`` may be negative, counting from the end.
    """
    v = _checks.array(values, "values", "quartiles", allow_nan=True, allow_inf=True)
    if v.ndim == 0:
        raise ValueError("quartiles: values must be at least 1-D, got a scalar")
    axis = _checks.integer(
        axis, "axis", "quartiles", minimum=-v.ndim, maximum=v.ndim - 1
    )
    return np.percentile(v, [25, 50, 75], axis=axis)


def steps_to(curves: ArrayLike, threshold: float) -> NDArray[np.float64]:
    """Return, per row, the first step at which the curve is at or below ``threshold``.

    ``inf`` for a row that never gets there (a NaN entry, from a diverged
    run, is never at or below it).
    """
    # NaN or infinite losses (a diverged run) are never at or below the
    # threshold: such a run never gets there.
    c = _checks.array(
        curves, "curves", "steps_to", ndim=2, allow_nan=True, allow_inf=True
    )
    threshold = real_param(threshold, "threshold", "steps_to")
    hit = c <= threshold
    first = np.argmax(hit, axis=1).astype(np.float64)
    first[~hit.any(axis=1)] = np.inf
    return first


@dataclass(frozen=True)
class PairedTest:
    """The exact sign-flip test on paired per-seed differences ``a - b``.

    Attributes
    ----------
    median_difference : float
        Median of ``a - b`` over seeds.
    below : int
        Seeds where ``a < b``.
    above : int
        Seeds where ``a > b``.
    p_value : float
        Two-sided p-value of "the differences are symmetric about 0".
    """

    median_difference: float
    below: int
    above: int
    p_value: float

    def differs(self, level: float = 0.05) -> bool:
        """Return whether the test rejects "no difference" at ``level``."""
        level = _checks.probability(level, "level", "PairedTest.differs")
        return self.p_value < level


def paired_test(a: ArrayLike, b: ArrayLike) -> PairedTest:
    r"""Return the exact sign-flip permutation test of paired samples ``a``, ``b``.

    Under the null hypothesis each difference :math:`d_s = a_s - b_s` is
    as likely to have either sign, so all :math:`2^n` sign patterns of
    :math:`|d|` are equally likely; the p-value is the share of them whose
    mean is at least as far from 0 as the observed mean. Infinite values
    (a run that never reached a threshold) are replaced by a common
    finite value larger than every finite entry, so that the test ranks
    them last. At most 20 pairs (about a million patterns).
    """
    x = _checks.array(a, "a", "paired_test", allow_inf=True)
    z = _checks.array(b, "b", "paired_test", allow_inf=True)
    if x.shape != z.shape or x.ndim != 1 or not 1 <= x.size <= 20:
        raise ValueError(
            "paired_test: a and b must be 1-D of the same length, 1 to 20, "
            f"got shapes {x.shape} and {z.shape}"
        )
    both = np.concatenate([x, z])
    finite = both[np.isfinite(both)]
    cap = finite.max() + 1.0 + np.ptp(finite) if finite.size else 1.0
    x, z = np.where(np.isinf(x), cap, x), np.where(np.isinf(z), cap, z)
    d = x - z
    signs = np.array(list(itertools.product([1.0, -1.0], repeat=d.size)))
    means = np.abs(signs @ np.abs(d))
    observed = abs(d.sum())
    # Compare with a relative slack so that ties in floating point count.
    p = float(np.mean(means >= observed * (1 - 1e-12)))
    return PairedTest(float(np.median(d)), int((d < 0).sum()), int((d > 0).sum()), p)


# -------------------------------------------------------------- figures

#: Colours of the members that :data:`actzoo.plotting.COLORS` does not cover.
EXTRA_COLORS = {"prelu": "#B07AA1", "tanh": "#59A14F", "sigmoid": "#9C755F"}


def color_of(name: str) -> str:
    """Return the colour of ``name``: the course's, or one of :data:`EXTRA_COLORS`."""
    from actzoo.plotting import color_of as course_color

    _checks.text(name, "name", "color_of")
    return EXTRA_COLORS.get(name, course_color(name))


def plot_band(
    ax: Any, x: ArrayLike, curves: ArrayLike, name: str, label: str | None = None
) -> None:
    """Draw the median of ``curves`` (seeds, points) over ``x``, shading the IQR.

    NaN in ``curves`` (a diverged run, a step without a measurement)
    leaves a gap, as matplotlib draws NaN.
    """
    from matplotlib.axes import Axes

    func = "plot_band"
    _checks.instance(ax, Axes, "ax", func)
    points = _checks.array(x, "x", func, ndim=1)
    c = _checks.array(curves, "curves", func, ndim=2, allow_nan=True)
    if c.shape[1] != points.size:
        raise ValueError(
            f"{func}: curves must have one column per point of x, got "
            f"{c.shape[1]} columns and {points.size} points"
        )
    _checks.text(name, "name", func)
    if label is not None:
        _checks.text(label, "label", func)
    lo, mid, hi = quartiles(c, axis=0)
    color = color_of(name)
    ax.plot(x, mid, color=color, label=label)
    ax.fill_between(x, lo, hi, color=color, alpha=0.2, linewidth=0)
