"""Every public function of actzoo refuses bad input with the promised error.

The README promises: "Bad input raises a clear TypeError or ValueError
naming the function and the parameter". This module holds it to that,
for every public function and class of every module (found from the
modules' ``__all__``, so a new function without an entry here fails
:func:`test_every_public_callable_has_an_entry`).

Each entry gives valid, fast arguments; parameters with a default take it
from the signature unless the entry overrides it. From each valid value
the sweep derives bad ones by its kind:

* integer: ``True``, ``2.5``, ``"1"``, ``None``, the opposite sign;
* real number: ``True``, ``"1"``, ``None``, NaN, the opposite sign;
* string (an option or an activation name): ``1``, ``None``, an unknown name;
* array: ``"a"``, ``None``, an empty array, an array holding NaN;
* sequence of integers: ``"a"``, ``None``, ``[]``, a ``True``, a ``2.5``
  or a negative entry;
* other sequences, mappings, callables and objects: ``"a"``, ``None``
  (and an empty one for sequences and mappings);
* ``**params`` of an activation: an unknown keyword.

Each bad call must raise TypeError or ValueError whose message starts with
the function's name and a colon and names the parameter. Where a derived
value is legitimately accepted, the entry says so in ``accept``, with the
reason in a comment.
"""

from __future__ import annotations

import importlib
import inspect
import math
import numbers
import pkgutil
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import actzoo
from actzoo import activations

# ------------------------------------------------------------ the sweep


@dataclass
class Case:
    """Valid arguments of one public callable, and what it may accept.

    ``valid`` is a dict of keyword arguments, or a function returning one
    (for arguments that need PyTorch or a figure, built only when the case
    runs). ``accept`` maps a parameter to the derived kinds (``"sign"``,
    ``"nan"``, ``"empty"``, ``"unknown"``, ...) it legitimately accepts.
    ``args`` are positional arguments (for ``*args`` parameters), which
    are not swept.
    """

    valid: dict[str, Any] | Callable[[], dict[str, Any]] = field(default_factory=dict)
    accept: dict[str, set[str]] = field(default_factory=dict)
    args: tuple[Any, ...] = ()


def _is_int(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


def _is_real(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _flip(v: Any) -> Any:
    return -v if v else -1


def derived(value: Any) -> list[tuple[str, Any]]:
    """Return ``(kind, bad value)`` pairs derived from a valid value."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return []
    if _is_int(value):
        return [
            ("bool", True),
            ("float", 2.5),
            ("str", "1"),
            ("None", None),
            ("sign", _flip(value)),
        ]
    if _is_real(value):
        return [
            ("bool", True),
            ("str", "1"),
            ("None", None),
            ("nan", math.nan),
            ("sign", _flip(float(value))),
        ]
    if isinstance(value, str):
        return [("int", 1), ("None", None), ("unknown", "no_such_option")]
    if isinstance(value, (list, tuple)) and value and all(_is_int(v) for v in value):
        rest = list(value[1:])
        return [
            ("str", "a"),
            ("None", None),
            ("empty", []),
            ("bool", [True, *rest]),
            ("float", [2.5, *rest]),
            ("sign", [-1, *rest]),
        ]
    if isinstance(value, np.ndarray) or (
        isinstance(value, (list, tuple)) and value and all(_is_real(v) for v in value)
    ):
        arr = np.asarray(value)
        nan = arr.astype(np.float64)
        nan.flat[0] = math.nan
        empty = np.empty((0, *arr.shape[1:]), dtype=arr.dtype)
        return [("str", "a"), ("None", None), ("empty", empty), ("nan", nan)]
    if isinstance(value, (list, tuple)):
        return [("str", "a"), ("None", None), ("empty", [])]
    if isinstance(value, Mapping):
        return [("str", "a"), ("None", None), ("empty", {})]
    return [("str", "a"), ("None", None)]


def _names(message: str, func: str, param: str) -> bool:
    return (
        message.startswith(f"{func}:")
        and re.search(rf"(?<![\w.]){re.escape(param)}(?![\w])", message) is not None
    )


def sweep(fn: Callable[..., Any], func: str, case: Case) -> list[str]:
    """Return what ``fn`` gets wrong: bad values let through or badly reported."""
    problems: list[str] = []
    sig = inspect.signature(fn)
    try:
        valid = case.valid() if callable(case.valid) else dict(case.valid)
    except ModuleNotFoundError as exc:  # the light install, without PyTorch
        if exc.name != "torch":
            raise
        pytest.skip(f"{func}'s valid arguments need PyTorch")
    kwargs: dict[str, Any] = {}
    none_default = set()  # None is the documented default: accepted
    has_params = False
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            has_params = True
        elif p.kind is p.VAR_POSITIONAL:
            continue
        elif p.name in valid:
            kwargs[p.name] = valid[p.name]
            if p.default is None:
                none_default.add(p.name)
        elif p.default is not p.empty and p.default is not None:
            kwargs[p.name] = p.default
        elif p.default is p.empty:
            problems.append(f"{func}: the table has no valid value for {p.name}")
    extra = set(valid) - set(kwargs)
    if has_params:
        kwargs.update({k: valid[k] for k in extra})
    elif extra:
        problems.append(f"{func}: the table names unknown parameters {extra}")
    if problems:
        return problems

    def call(**kw: Any) -> None:
        try:
            fn(*case.args, **kw)
        finally:
            plt.close("all")

    try:
        call(**kwargs)
    except ModuleNotFoundError as exc:  # the light install, without PyTorch
        if exc.name != "torch":
            raise
        pytest.skip(f"{func} needs PyTorch")
    except Exception as exc:  # the table itself must be valid
        return [f"{func}: the valid arguments raise {type(exc).__name__}: {exc}"]

    bad: list[tuple[str, str, Any]] = [
        (name, kind, value)
        for name, good in kwargs.items()
        for kind, value in derived(good)
        if name not in extra
        and kind not in case.accept.get(name, set())
        and not (kind == "None" and name in none_default)
    ]
    if has_params and "params" not in case.accept:
        bad.append(("no_such_param", "keyword", 1))
    for name, kind, value in bad:
        try:
            call(**{**kwargs, name: value})
        except (TypeError, ValueError) as exc:
            if not _names(str(exc), func, name):
                problems.append(
                    f"{func}({name}={value!r:.40}) [{kind}]: the message does "
                    f"not start with '{func}:' and name {name!r}: {exc}"
                )
        except Exception as exc:
            problems.append(
                f"{func}({name}={value!r:.40}) [{kind}]: {type(exc).__name__} "
                f"instead of TypeError or ValueError: {exc}"
            )
        else:
            problems.append(f"{func}({name}={value!r:.40}) [{kind}]: accepted")
    return problems


# --------------------------------------------------------------- valid data

#: The released exercise notebooks, which actzoo.check reads.
EXERCISES = Path(__file__).resolve().parent.parent / "exercises"
X2 = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, -0.5], [-1.0, 0.2]])
Y2 = np.array([0, 1, 0, 1])
GRID = np.array([-0.5, 0.0, 0.5])


def _mlp():
    from actzoo.models import MLP

    return MLP([2, 3, 2], "relu", seed=0)


def _model_weights() -> dict[str, Any]:
    from actzoo import landscapes

    model = _mlp()
    w = landscapes.weights_of(model)
    return {"model": model, "weights": w, "X": X2, "y": Y2}


def _plane() -> dict[str, Any]:
    from actzoo import landscapes

    model = _mlp()
    w = landscapes.weights_of(model)
    return {
        "model": model,
        "center": w,
        "d1": landscapes.random_direction(w, seed=1),
        "d2": landscapes.random_direction(w, seed=2),
        "alphas": GRID,
        "betas": GRID,
        "X": X2,
        "y": Y2,
    }


def _net():
    from actzoo.verification import random_network

    return random_network([2, 3, 1], seed=0)


def _box(**extra: Any) -> Callable[[], dict[str, Any]]:
    return lambda: {"net": _net(), "lo": [-1.0, -1.0], "hi": [1.0, 1.0], **extra}


def _payoff():
    from actzoo.finance import butterfly

    return butterfly(90.0, 100.0, 110.0)


def _fitted() -> dict[str, Any]:
    from actzoo.finance import fit_payoff_network

    net = fit_payoff_network(
        _payoff(), np.linspace(80.0, 120.0, 9), n_hidden=3, steps=2
    )
    return {"net": net, "S_range": (80.0, 120.0)}


def _units() -> dict[str, Any]:
    from actzoo.finance import OptionUnit

    return {"units": [OptionUnit("call", 90.0, 1.0), OptionUnit("put", 100.0, -2.0)]}


def _axes() -> dict[str, Any]:
    _fig, axes = plt.subplots(1, 3)
    return {"ax_row": list(axes), "name": "elu", "x": GRID}


def _figure() -> dict[str, Any]:
    return {"name": "validation-figure", "fig": plt.figure()}


def _tensor_x() -> dict[str, Any]:
    import torch

    return {"u": torch.sin, "x": torch.zeros(3, 1, dtype=torch.float64)}


def _flatten() -> dict[str, Any]:
    from actzoo import landscapes

    return {"weights": landscapes.weights_of(_mlp())}


def _unflatten() -> dict[str, Any]:
    from actzoo import landscapes, sharpness

    w = landscapes.weights_of(_mlp())
    return {"vector": sharpness.flatten(w), "like": w}


def _hvp() -> dict[str, Any]:
    out = _model_weights()
    out["v"] = {k: t.clone() for k, t in out["weights"].items()}
    return out


def _combine() -> dict[str, Any]:
    from actzoo import landscapes

    return {"center": landscapes.weights_of(_mlp())}


def _dead() -> dict[str, Any]:
    import torch

    return {"pre_activations": [torch.tensor([[1.0, -1.0], [0.5, -2.0]])]}


def _poisson() -> dict[str, Any]:
    return {"f": np.sin, "u0": 0.0, "u1": 1.0, "exact": np.sin}


def _data_tensors() -> tuple[Any, Any]:
    import torch

    return torch.as_tensor(X2), torch.as_tensor(Y2)


def _stack():
    import torch

    from actzoo.evidence import SeedBatchMLP

    return SeedBatchMLP([2, 3, 2], "relu", [0], dtype=torch.float64)


def _stack_data() -> dict[str, Any]:
    X, y = _data_tensors()
    return {"model": _stack(), "X": X, "y": y}


def _differs() -> Callable[..., Any]:
    from actzoo.evidence import paired_test

    return paired_test([1.0, 2.0], [2.0, 3.0]).differs


def _band() -> dict[str, Any]:
    _, ax = plt.subplots()
    return {
        "ax": ax,
        "x": np.arange(3.0),
        "curves": np.array([[1.0, 2.0, 3.0], [2.0, 3.0, 5.0]]),
        "name": "relu",
        "label": "ReLU",
    }


# Reasons for accepting a derived value, used in the tables below.
ANY_SIGN = {"sign"}  # a location, slope, strike or weight: any sign is meaningful
# vectorised elementwise: NaN in, NaN out; empty in, empty out
ELEMENTWISE = {"nan", "empty"}
FREE_TEXT = {"unknown"}  # a label or figure name, not an option: any string is fine

_ACT_X = np.array([-1.0, 0.0, 2.0])


def _activation_cases() -> dict[str, Case]:
    cases = {}
    for name in activations.__all__:
        fn = getattr(activations, name)
        if not inspect.isfunction(fn):
            continue
        # x: activations are elementwise (NaN in gives NaN out, an empty
        # array an empty result); leaky_relu's alpha may be negative, as in
        # PyTorch; softplus's threshold is a cut-off of any sign.
        accept = {"x": ELEMENTWISE}
        if name.startswith("leaky_relu"):
            accept["alpha"] = ANY_SIGN
        if name.startswith("softplus"):
            accept["threshold"] = ANY_SIGN
        cases[f"activations.{name}"] = Case({"x": _ACT_X}, accept)
    return cases


CASES: dict[str, Case] = {
    **_activation_cases(),
    # --------------------------------------------------------------- check
    # The valid call runs the blank exercise 1 in a kernel (a few seconds).
    "check.check_notebook": Case(
        {
            "path": str(EXERCISES / "ex1_activations" / "ex1_activations.ipynb"),
            "timeout": 60.0,
        },
    ),
    "check.load_manifest": Case(),
    "check.release_manifest": Case({"folder": str(EXERCISES)}),
    # --------------------------------------------------------------- claims
    "claims.largest": Case(
        {"values": {"a": 1.0, "b": 2.0, "c": 3.0}, "n": 1, "margin": 0.1}
    ),
    "claims.smallest": Case(
        {"values": {"a": 1.0, "b": 2.0, "c": 3.0}, "n": 2, "margin": 0.1}
    ),
    "claims.ranked": Case({"values": {"a": 1.0, "b": 2.0, "c": 3.0}}),
    # ------------------------------------------------------------ datasets
    "datasets.two_spirals": Case({"n": 10}),
    "datasets.two_moons": Case({"n": 10}),
    # ---------------------------------------------------------- dead_units
    "dead_units.zero_gradient_probability": Case(
        {"activation": "leaky_relu", "alpha": 0.0},
        # loc: the centre of the pre-activation, any sign
        {"loc": ANY_SIGN},
    ),
    "dead_units.zero_gradient_fraction": Case(
        {"activation": "relu", "z": GRID},
    ),
    "dead_units.train_unit": Case(
        {"w": [1.0, -1.0], "b": -0.5, "x": [1.0, 2.0], "target": 1.0, "steps": 2},
        # w, b: initial weights; target: any output; of any sign
        {"b": ANY_SIGN, "target": ANY_SIGN},
    ),
    "dead_units.preactivation_change": Case(
        {
            "alpha": np.array([0.0, 0.1]),
            "z": -1.0,
            "x": [1.0, 2.0],
            "target": 1.0,
            "lr": 0.1,
        },
        # alpha: vectorised over leaks, so an empty array gives an empty
        # result; target: any output the unit should reach
        {"alpha": {"empty"}, "target": ANY_SIGN},
    ),
    "dead_units.min_alpha_for_update": Case(
        {"z": -1.0, "x": [1.0, 2.0], "target": 1.0, "lr": 0.1, "delta": 1.0},
    ),
    # ------------------------------------------------------------ evidence
    "evidence.color_of": Case(
        {"name": "relu"},
        # anything that is not an activation is drawn grey
        {"name": FREE_TEXT},
    ),
    "evidence.load_digits_split": Case({"test_fraction": 0.25}),
    "evidence.paired_test": Case(
        {"a": np.array([1.0, 2.0, 3.0]), "b": np.array([1.5, 2.5, 2.0])},
    ),
    "evidence.plot_band": Case(
        _band,
        # curves: NaN (a diverged run, a step without a measurement) leaves
        # a gap in the band; name, label: legend text, any string
        {"curves": {"nan"}, "name": FREE_TEXT, "label": FREE_TEXT},
    ),
    "evidence.quartiles": Case(
        {"values": np.array([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]])},
        # values: a diverged run's NaN gives NaN quartiles, as in NumPy;
        # axis: a negative axis counts from the end, as in NumPy
        {"values": {"nan"}, "axis": {"sign"}},
    ),
    "evidence.SeedBatchMLP": Case(
        lambda: {
            "sizes": [2, 3, 2],
            "activation": "relu",
            "seeds": [0, 1],
            "norm": "mean",
            "dtype": __import__("torch").float64,
        },
    ),
    "evidence.second_order_seeds": Case(
        lambda: {
            "sizes": [2, 3, 2],
            "activation": "relu",
            "seeds": [0],
            "X": _data_tensors()[0],
            "y": _data_tensors()[1],
            "iterations": 1,
        },
    ),
    "evidence.steps_to": Case(
        {"curves": np.array([[3.0, 2.0, 1.0], [3.0, 3.0, 3.0]]), "threshold": 1.5},
        # curves: a diverged run (NaN loss) never reaches the threshold;
        # threshold: a level of any curve (a log-loss, a score), of any sign
        {"curves": {"nan"}, "threshold": ANY_SIGN},
    ),
    "evidence.top_eigenvalues": Case(
        lambda: {**_stack_data(), "iterations": 2},
    ),
    "evidence.train_seeds": Case(
        lambda: {
            **_stack_data(),
            "X_test": _data_tensors()[0],
            "y_test": _data_tensors()[1],
            "steps": 2,
            "eval_every": 1,
        },
    ),
    # ------------------------------------------------------------- finance
    "finance.call_payoff": Case(
        {"S": GRID + 100.0, "K": 100.0},
        # S: elementwise in prices; K: a strike of any sign is a shifted ReLU
        {"S": {"empty"}, "K": ANY_SIGN},
    ),
    "finance.Payoff": Case(
        {
            "kinks": [1.0, 2.0],
            "values": [0.0, 1.0],
            "slope_left": 0.5,
            "slope_right": 1.0,
        },
        {"slope_left": ANY_SIGN, "slope_right": ANY_SIGN, "name": FREE_TEXT},
    ),
    "finance.butterfly": Case({"K1": 90.0, "K2": 100.0, "K3": 110.0}),
    "finance.straddle": Case({"K": 100.0}, {"K": ANY_SIGN}),
    "finance.replicate": Case(lambda: {"payoff": _payoff()}),
    "finance.bachelier_call": Case(
        {"S": GRID + 100.0, "K": 100.0, "sigma": 5.0},
        {"S": {"empty"}, "K": ANY_SIGN},
    ),
    "finance.bachelier_put": Case(
        {"S": GRID + 100.0, "K": 100.0, "sigma": 5.0},
        {"S": {"empty"}, "K": ANY_SIGN},
    ),
    "finance.expected_relu": Case({"x": GRID, "sigma": 1.0}, {"x": {"empty"}}),
    "finance.expected_relu_mc": Case(
        {"x": GRID, "sigma": 1.0, "n_samples": 50},
        {"x": {"empty"}},
    ),
    "finance.fit_payoff_network": Case(
        lambda: {
            "payoff": _payoff(),
            "S": np.linspace(80.0, 120.0, 9),
            "n_hidden": 3,
            "steps": 2,
        },
    ),
    "finance.units_as_options": Case(_fitted),
    "finance.learned_kinks": Case(
        _units,
        # no units give no kinks
        {"units": {"empty"}},
    ),
    # --------------------------------------------------------------- gated
    **{
        f"gated.{unit}{suffix}": Case(
            {"a": _ACT_X, "b": _ACT_X[::-1].copy()},
            # a, b: elementwise in both halves (NaN in gives NaN out, empty
            # halves give an empty result)
            {"a": ELEMENTWISE, "b": ELEMENTWISE},
        )
        for unit in ("geglu", "glu", "swiglu")
        for suffix in ("", "_grad", "_grad2")
    },
    # ------------------------------------------------------------ gaussian
    "gaussian.gauss_hermite_expectation": Case(
        {"f": np.cos, "n": 20},
        {"mu": ANY_SIGN},
    ),
    "gaussian.moments": Case({"name": "elu"}, {"mu": ANY_SIGN}),
    "gaussian.mean": Case({"name": "elu"}, {"mu": ANY_SIGN}),
    "gaussian.variance": Case({"name": "elu"}, {"mu": ANY_SIGN}),
    "gaussian.monte_carlo_moments": Case(
        {"name": "elu", "n_samples": 100},
        {"mu": ANY_SIGN},
    ),
    "gaussian.elu_mean_coefficients": Case({}, {"mu": ANY_SIGN}),
    "gaussian.elu_zero_mean_alpha": Case({}, {"mu": ANY_SIGN}),
    # ------------------------------------------------------- gradient_flow
    "gradient_flow.gaussian_weights": Case({"widths": [3, 2]}),
    "gradient_flow.forward_preactivations": Case(
        {
            "x": np.array([1.0, -1.0]),
            "weights": [np.eye(2), np.ones((1, 2))],
            "name": "elu",
            "biases": [np.zeros(2), np.zeros(1)],
        },
    ),
    "gradient_flow.layer_jacobians": Case(
        {
            "weights": [np.eye(2), np.ones((1, 2))],
            "preacts": [np.array([1.0, -1.0]), np.array([0.5])],
            "name": "elu",
        },
    ),
    "gradient_flow.jacobian_product": Case({"jacobians": [np.eye(2), np.eye(2)]}),
    "gradient_flow.backprop_norms": Case(
        {"jacobians": [np.eye(2)], "grad_out": np.array([1.0, 2.0])},
        # no Jacobians: a network of one layer
        {"jacobians": {"empty"}},
    ),
    "gradient_flow.random_network_gradient_norms": Case(
        {"name": "elu", "width": 3, "layers": 2, "input_seed": 1, "grad_seed": 2},
    ),
    "gradient_flow.relu_norm_factor": Case({"gain": 1.0}),
    "gradient_flow.chain_bias_for_fixed_point": Case(
        {"w": 1.5, "s": 0.5, "name": "elu"},
        # the chain's weight and fixed point can have any sign
        {"w": ANY_SIGN, "s": ANY_SIGN},
    ),
    "gradient_flow.chain_gradient": Case(
        {"w": 1.5, "b": 0.1, "z0": 0.5, "depth": 3, "name": "elu"},
        {"w": ANY_SIGN, "b": ANY_SIGN, "z0": ANY_SIGN},
    ),
    # ---------------------------------------------------------------- kink
    "kink.clarke_subdifferential": Case(
        {"grad": activations.relu_grad, "n": 4},
        {"x0": ANY_SIGN},
    ),
    "kink.positive_probability": Case({"x0": GRID}, {"x0": {"empty"}}),
    "kink.sample_symmetric": Case({"n": 5}),
    "kink.kink_slope_mse": Case(
        {"s": GRID, "x0": GRID},
        {"s": {"empty"}, "x0": {"empty"}},
    ),
    "kink.optimal_constant_slope": Case({"x0": GRID}, {"x0": {"empty"}}),
    "kink.kink_slope_mse_mc": Case(
        {"s": GRID, "n": 50},
        {"s": {"empty"}, "x0": ANY_SIGN},
    ),
    "kink.torch_slopes_at_zero": Case(
        lambda: {"dtype": __import__("torch").float64},
        # None means the default, float64
        {"dtype": {"None"}},
    ),
    # ---------------------------------------------------------- landscapes
    "landscapes.weights_of": Case(lambda: {"model": _mlp()}),
    "landscapes.combine": Case(_combine),
    "landscapes.random_direction": Case(
        lambda: {"weights": _flatten()["weights"], "seed": 0}
    ),
    "landscapes.filter_normalize": Case(
        lambda: {"direction": _flatten()["weights"], "weights": _flatten()["weights"]},
    ),
    "landscapes.filter_normalized_direction": Case(
        lambda: {"weights": _flatten()["weights"], "seed": 0},
    ),
    "landscapes.loss_at": Case(_model_weights),
    "landscapes.interpolate": Case(
        lambda: {
            "model": _mlp(),
            "start": _flatten()["weights"],
            "end": _flatten()["weights"],
            "alphas": GRID,
            "X": X2,
            "y": Y2,
        },
    ),
    "landscapes.slice_2d_loop": Case(_plane),
    "landscapes.slice_2d": Case(lambda: {**_plane(), "chunk": 4}),
    # -------------------------------------------------------------- models
    "models.as_tensor": Case(
        {"X": X2, "name": "X"},
        # name, func: the names to report, any strings
        {"name": FREE_TEXT, "func": FREE_TEXT},
    ),
    "models.MLP": Case({"sizes": [2, 3, 2], "activation": "elu"}),
    "models.dead_units": Case(
        _dead,
        # no hidden layers: no units
        {"pre_activations": {"empty"}},
    ),
    "models.dead_fraction": Case(lambda: {"model": _mlp(), "X": X2}),
    # ---------------------------------------------------------------- pinn
    "pinn.PoissonProblem": Case(
        _poisson,
        # u0, u1: boundary values of any sign; name: a formula for titles
        {"u0": ANY_SIGN, "u1": ANY_SIGN, "name": FREE_TEXT},
    ),
    "pinn.sine_problem": Case({"k": 2}),
    "pinn.second_derivative": Case(_tensor_x),
    "pinn.train_pinn": Case(
        {
            "activation": "tanh",
            "widths": (2,),
            "n_collocation": 2,
            "adam_steps": 1,
            "lbfgs_steps": 1,
        },
    ),
    # ------------------------------------------------------------ plotting
    "plotting.use_style": Case(),
    "plotting.style": Case(),
    "plotting.glue_figure": Case(_figure, {"name": FREE_TEXT}),
    "plotting.color_of": Case(
        {"name": "relu"},
        # anything that is not an activation is drawn grey
        {"name": FREE_TEXT},
    ),
    "plotting.plot_derivatives": Case(_axes),
    "plotting.plot_zoo": Case({"names": ["relu"], "x": GRID, "ncols": 2}),
    # --------------------------------------------------------------- prelu
    **{
        f"prelu.{name}": Case(
            {"x": _ACT_X},
            # x: elementwise; alpha: a learned slope, which may leave [0, 1]
            # and take any sign
            {"x": ELEMENTWISE, "alpha": ANY_SIGN},
        )
        for name in ("prelu", "prelu_grad", "prelu_grad2", "prelu_grad_alpha")
    },
    # ----------------------------------------------------------- reference
    "reference.reference": Case({"name": "elu", "x": GRID}, {"x": {"empty"}}),
    "reference.relative_error": Case(
        {"approx": GRID, "exact": GRID + 1.0},
        {"approx": ELEMENTWISE, "exact": ELEMENTWISE},
    ),
    # ---------------------------------------------------------- saturating
    **{
        # x: elementwise (NaN in gives NaN out, an empty array an empty result)
        f"saturating.{name}": Case({"x": _ACT_X}, {"x": ELEMENTWISE})
        for name in (
            "sigmoid",
            "sigmoid_grad",
            "sigmoid_grad2",
            "tanh",
            "tanh_grad",
            "tanh_grad2",
        )
    },
    # ------------------------------------------------------------ selfnorm
    "selfnorm.moment_map": Case(
        {"name": "selu", "mu": 0.1, "nu": 1.0},
        # mu, omega: a mean and a sum of weights, of any sign
        {"mu": ANY_SIGN, "omega": ANY_SIGN},
    ),
    "selfnorm.propagate_moments": Case(
        {"name": "selu", "mu0": 0.1, "nu0": 1.0, "depth": 2},
        {"mu0": ANY_SIGN, "omega": ANY_SIGN},
    ),
    "selfnorm.propagate_random_weights": Case(
        {"name": "relu", "q0": 1.0, "depth": 2},
    ),
    "selfnorm.fixed_point_residuals": Case(
        {"alpha": 1.5, "scale": 1.0},
        # the residuals are defined for either sign of both, and the solver
        # steps through negative values on its way to the root
        {"alpha": ANY_SIGN, "scale": ANY_SIGN},
    ),
    "selfnorm.solve_selu_constants": Case({"xtol": 1e-12}),
    "selfnorm.simulate_network_moments": Case(
        {
            "name": "selu",
            "depth": 2,
            "width": 4,
            "n_samples": 8,
            "dropout_kind": "alpha",
            "p": 0.1,
        },
    ),
    "selfnorm.alpha_dropout_affine": Case(
        {"p": 0.1},
        # alpha, scale: the saturation value -scale * alpha can be any number
        {"alpha": ANY_SIGN, "scale": ANY_SIGN},
    ),
    "selfnorm.alpha_dropout": Case(
        {"x": GRID, "p": 0.1, "mask": np.array([True, False, True])},
        {"x": ELEMENTWISE},
    ),
    "selfnorm.dropout": Case(
        {"x": GRID, "p": 0.1, "mask": np.array([True, False, True])},
        {"x": ELEMENTWISE},
    ),
    "selfnorm.dropout_moments": Case({"kind": "alpha", "p": 0.1}, {"mu": ANY_SIGN}),
    # ----------------------------------------------------------- sharpness
    "sharpness.flatten": Case(_flatten),
    "sharpness.unflatten": Case(_unflatten),
    "sharpness.hessian_vector_product": Case(_hvp),
    "sharpness.hessian": Case(_model_weights),
    "sharpness.top_eigenvalue": Case(lambda: {**_model_weights(), "max_iter": 3}),
    # ----------------------------------------------------------- smoothing
    "smoothing.softplus_gap": Case({"x": GRID}, {"x": ELEMENTWISE}),
    "smoothing.largest_softplus_gap": Case({"beta": 2.0, "x": GRID}),
    "smoothing.network_input_curvature": Case(
        {"name": "gelu", "theta": np.array([1.0, -1.0, 0.5, 0.0, 2.0, 1.0]), "x": GRID},
        {"x": ELEMENTWISE},
    ),
    "smoothing.loss_hessian": Case(
        {
            "name": "gelu",
            "theta": np.array([1.0, -1.0, 0.5, 0.0, 2.0, 1.0]),
            "x": GRID,
            "y": GRID,
        },
    ),
    "smoothing.kink_crossings": Case(
        {
            "theta": np.array([1.0, -1.0, 0.5, 0.0, 2.0, 1.0]),
            "direction": np.array([0.5, 1.0, 0.0, 1.0, 0.0, 0.0]),
            "x": GRID,
        },
        # no data points: no crossings
        {"x": {"empty"}},
    ),
    # ------------------------------------------------------------ training
    "training.set_seed": Case({"seed": 3}),
    "training.single_thread": Case(),
    "training.as_labels": Case(
        {"y": Y2, "n": 4, "classes": 2},
        # func: the name to report, any string
        {"func": FREE_TEXT},
    ),
    "training.train": Case(lambda: {"model": _mlp(), "X": X2, "y": Y2, "steps": 2}),
    # -------------------------------------------------------- verification
    "verification.ReluNetwork": Case(
        {"weights": (np.eye(2), np.ones((1, 2))), "biases": (np.zeros(2), np.zeros(1))},
    ),
    "verification.random_network": Case({"layer_sizes": [2, 3, 1]}),
    "verification.interval_bounds": Case(_box()),
    "verification.milp_bound": Case(_box()),
    "verification.sampled_bound": Case(_box(n_samples=20)),
    "verification.interval_looseness": Case(
        {"depths": [1], "width": 2, "seeds": (0,)},
    ),
    "verification.linear_regions": Case(_box()),
    "verification.pattern_ids": Case(
        lambda: {"net": _net(), "X": X2},
        # no inputs, no labels
        {"X": {"empty"}},
    ),
}

# Methods whose arguments users pass (found by hand, not from __all__).
METHODS: dict[str, tuple[Callable[[], Callable[..., Any]], Case]] = {
    "Activation.derivative": (
        lambda: actzoo.ACTIVATIONS["elu"].derivative,
        Case({"x": _ACT_X, "order": 1}, {"x": ELEMENTWISE}),
    ),
    "Activation.params": (lambda: actzoo.ACTIVATIONS["elu"].params, Case()),
    "PairedTest.differs": (_differs, Case({"level": 0.05})),
}

# Public classes that are records of results, built by actzoo and not by
# users: their fields are not arguments to check.
RECORDS = {
    "beyond_relu.TorchFnActivation",  # the records of MORE_ACTIVATIONS
    "check.CellState",  # returned by check_notebook, in its report
    "check.CheckReport",  # returned by check_notebook
    "check.PartResult",  # returned by check_notebook, in its report
    "dead_units.UnitRun",
    "evidence.Digits",  # returned by load_digits_split
    "evidence.PairedTest",  # returned by paired_test
    "evidence.SeedRuns",  # returned by train_seeds
    "finance.FittedPayoffNetwork",
    "finance.OptionUnit",
    "finance.Replication",
    "gated.GatedUnit",  # the records of GATED_UNITS
    "gaussian.Moments",
    "gaussian.MonteCarloMoments",
    "pinn.PinnResult",
    "registry.Activation",  # built from the activations by the registry
    "selfnorm.DropoutMoments",
    "selfnorm.LayerStatistics",
    "sharpness.TopEigenvalue",
    "training.History",
    "verification.BoundResult",
    "verification.LinearRegion",
}

_NEEDS_TORCH: set[str] = set()


def public_modules() -> list[types.ModuleType]:
    """Return actzoo's public modules (those importable here)."""
    out = []
    for info in pkgutil.iter_modules(actzoo.__path__):
        if info.name.startswith("_"):
            continue
        try:
            out.append(importlib.import_module(f"actzoo.{info.name}"))
        except ModuleNotFoundError as err:  # the light install: no PyTorch
            if err.name != "torch":
                raise
            _NEEDS_TORCH.add(info.name)
    return out


def public_callables(module: types.ModuleType) -> dict[str, Callable[..., Any]]:
    """Return the functions and classes in ``module.__all__``, by qualified name."""
    short = module.__name__.removeprefix("actzoo.")
    out = {}
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            out[f"{short}.{name}"] = obj
    return out


def missing_entries(
    modules: list[types.ModuleType], cases: Mapping[str, Case], records: set[str]
) -> list[str]:
    """Return the public callables of ``modules`` that have no entry."""
    found = {}
    for module in modules:
        found.update(public_callables(module))
    return sorted(set(found) - set(cases) - records)


MODULES = public_modules()
ALL = {k: v for m in MODULES for k, v in public_callables(m).items()}


def test_every_public_callable_has_an_entry():
    missing = missing_entries(MODULES, CASES, RECORDS)
    assert not missing, (
        "public functions without an entry in tests/test_validation.py "
        f"(add valid arguments to CASES, or the class to RECORDS): {missing}"
    )
    module_names = {m.__name__.removeprefix("actzoo.") for m in MODULES}
    stale = [
        k
        for k in [*CASES, *RECORDS]
        if k.split(".")[0] in module_names and k not in ALL
    ]
    assert not stale, f"entries for names that are not public: {stale}"


@pytest.mark.parametrize("qualname", sorted(CASES))
def test_bad_input_is_refused_with_a_clear_error(qualname):
    if qualname.split(".")[0] in _NEEDS_TORCH:
        pytest.skip("needs PyTorch")
    fn = ALL[qualname]
    problems = sweep(fn, fn.__name__, CASES[qualname])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("qualname", sorted(METHODS))
def test_methods_refuse_bad_input(qualname):
    factory, case = METHODS[qualname]
    try:
        method = factory()
    except ModuleNotFoundError as exc:  # the light install, without PyTorch
        if exc.name != "torch":
            raise
        pytest.skip(f"{qualname} needs PyTorch")
    problems = sweep(method, qualname, case)
    assert not problems, "\n".join(problems)


# ------------------------------------------------ the sweep can fail


def _unchecked(n: int = 3, scale: float = 1.0, x: Any = GRID) -> Any:
    """Planted: no checks at all, so NumPy fails late or not at all."""
    return np.ones(n) * scale * np.asarray(x).sum()


def _checked(n: int = 3, scale: float = 1.0, x: Any = GRID) -> Any:
    """Planted: checks each argument with actzoo's checks."""
    from actzoo import _checks

    n = _checks.integer(n, "n", "_checked", minimum=1)
    scale = _checks.real_param(scale, "scale", "_checked", positive=True)
    x = _checks.array(x, "x", "_checked")
    return np.ones(n) * scale * x.sum()


def test_sweep_reports_a_function_without_checks():
    problems = sweep(_unchecked, "_unchecked", Case())
    text = "\n".join(problems)
    # True is taken as 1, a NaN scale and an empty x go through, and the
    # errors NumPy does raise do not name the function
    for expected in (
        "scale=True) [bool]: accepted",
        "scale=nan) [nan]: accepted",
        "x=array([], dtype=float64)) [empty]: accepted",
        "n=2.5) [float]: the message does not start",
    ):
        assert expected in text, text


def test_sweep_passes_a_function_with_checks():
    assert sweep(_checked, "_checked", Case()) == []


def test_sweep_reports_a_wrong_name_in_the_message():
    def misnamed(n: int = 3) -> None:
        from actzoo import _checks

        _checks.integer(n, "count", "misnamed", minimum=1)

    problems = sweep(misnamed, "misnamed", Case())
    assert problems and all("name 'n'" in p for p in problems), problems


def test_sweep_reports_invalid_tables():
    assert "the valid arguments raise" in sweep(_checked, "_checked", Case({"n": 0}))[0]
    assert "no valid value for" in sweep(lambda a: a, "f", Case())[0]


def test_missing_entries_are_reported():
    planted = types.ModuleType("actzoo.planted")
    planted.__all__ = ["new_function", "CONSTANT"]
    planted.new_function = _unchecked
    planted.CONSTANT = 3
    assert missing_entries([planted], CASES, RECORDS) == ["planted.new_function"]
