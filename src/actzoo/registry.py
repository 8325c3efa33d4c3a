r"""The registry of the zoo: one record per activation.

Pages draw tables and plots from :data:`ACTIVATIONS`, and tests loop over
it, so adding an activation here adds it everywhere.

Examples
--------
>>> from actzoo import ACTIVATIONS
>>> act = ACTIVATIONS["leaky_relu"]
>>> float(act.grad(0.0))  # the slope autograd uses at the kink
0.01
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from actzoo import _checks
from actzoo import activations as _a
from actzoo._optional import require_torch

__all__ = ["ACTIVATIONS", "Activation"]

ArrayFn = Callable[..., NDArray[np.floating]]


@dataclass(frozen=True)
class Activation:
    """An activation function with its derivatives and PyTorch counterpart.

    Attributes
    ----------
    name : str
        Python name, e.g. ``"leaky_relu"``; also the key in the registry.
    label : str
        Name for people, e.g. ``"Leaky ReLU"``.
    fn, grad, grad2 : callable
        NumPy forward, first and second derivative; each takes ``x`` and
        the keyword parameters in ``defaults``.
    latex : str
        The defining formula in LaTeX (without surrounding ``$``).
    defaults : mapping
        Parameter names and default values, e.g. ``{"alpha": 0.01}``.
    torch_name : str
        Name of the counterpart in ``torch.nn.functional``.
    torch_params : mapping
        Our parameter name -> PyTorch's, where they differ.
    smoothness : str
        ``"C0"`` (a kink), ``"C1"`` (a jump in the second derivative) or
        ``"Cinf"`` (smooth), for the default parameters.
    """

    name: str
    label: str
    fn: ArrayFn
    grad: ArrayFn
    grad2: ArrayFn
    latex: str
    defaults: Mapping[str, Any] = field(default_factory=dict)
    torch_name: str = ""
    torch_params: Mapping[str, str] = field(default_factory=dict)
    smoothness: str = "C0"

    def params(self, **overrides: Any) -> dict[str, Any]:
        """Return the default parameters updated with ``overrides``.

        Raises
        ------
        TypeError
            If an override names a parameter this activation does not have.
        """
        unknown = set(overrides) - set(self.defaults)
        if unknown:
            known = ", ".join(sorted(self.defaults)) or "none"
            raise TypeError(
                f"Activation.params: {self.name} has no parameter(s) "
                f"{', '.join(sorted(unknown))}; "
                f"its parameters are: {known}"
            )
        return {**self.defaults, **overrides}

    def derivative(self, x: ArrayLike, order: int = 0, **params: Any) -> NDArray:
        """Return the ``order``-th derivative (0, 1 or 2) at ``x``."""
        func = "Activation.derivative"
        funcs = (self.fn, self.grad, self.grad2)
        order = _checks.integer(order, "order", func, minimum=0, maximum=2)
        _checks.as_real_array(x, func)
        return funcs[order](x, **_checks.activation_params(self, params, func))

    def torch_fn(self) -> Callable[..., Any]:
        """Return the ``torch.nn.functional`` counterpart (imports torch)."""
        F = require_torch("actzoo.registry").nn.functional

        return getattr(F, self.torch_name)

    def torch_derivatives(
        self, x: ArrayLike, **params: Any
    ) -> tuple[NDArray, NDArray, NDArray]:
        """Return PyTorch's value, first and second derivative at ``x``.

        The derivatives are autograd's: backward once, then backward through
        the backward pass (double backward), in the dtype of ``x`` (float32
        or float64). Where the first derivative does not depend on ``x``
        (piecewise-linear members), autograd has no second derivative and
        zeros are returned, as for a function whose curvature is 0.
        """
        torch = require_torch("actzoo.registry")

        arr = np.asarray(x)
        if arr.dtype not in (np.float32, np.float64):
            arr = arr.astype(np.float64)
        t = torch.tensor(arr, requires_grad=True)
        y = self.torch(t, **params)
        (d1,) = torch.autograd.grad(y.sum(), t, create_graph=True)
        d2 = None
        if d1.requires_grad:
            (d2,) = torch.autograd.grad(d1.sum(), t, allow_unused=True)
        if d2 is None:
            d2 = torch.zeros_like(t)
        return tuple(v.detach().numpy() for v in (y, d1, d2))

    def torch(self, x: Any, **params: Any) -> Any:
        """Apply the PyTorch counterpart to the tensor ``x`` with our parameters."""
        kwargs = {
            self.torch_params.get(k, k): v for k, v in self.params(**params).items()
        }
        return self.torch_fn()(x, **kwargs)


def _make(
    name: str,
    label: str,
    latex: str,
    defaults: dict[str, Any] | None = None,
    torch_params: dict[str, str] | None = None,
    smoothness: str = "C0",
) -> Activation:
    return Activation(
        name=name,
        label=label,
        fn=getattr(_a, name),
        grad=getattr(_a, f"{name}_grad"),
        grad2=getattr(_a, f"{name}_grad2"),
        latex=latex,
        defaults=MappingProxyType(defaults or {}),
        torch_name=name,
        torch_params=MappingProxyType(torch_params or {}),
        smoothness=smoothness,
    )


_RECORDS = [
    _make("relu", "ReLU", r"\max(0, x)"),
    _make(
        "leaky_relu",
        "Leaky ReLU",
        r"\max(\alpha x, x)",
        {"alpha": 0.01},
        {"alpha": "negative_slope"},
    ),
    _make(
        "elu",
        "ELU",
        r"\begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
        {"alpha": 1.0},
        smoothness="C1",
    ),
    _make(
        "selu",
        "SELU",
        r"\lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0"
        r" \end{cases}",
    ),
    _make(
        "celu",
        "CELU",
        r"\begin{cases} x & x > 0 \\ \alpha (e^{x/\alpha} - 1) & x \le 0"
        r" \end{cases}",
        {"alpha": 1.0},
        smoothness="C1",
    ),
    _make(
        "softplus",
        "Softplus",
        r"\tfrac{1}{\beta} \ln\left(1 + e^{\beta x}\right)",
        {"beta": 1.0, "threshold": 20.0},
        smoothness="Cinf",
    ),
    _make("silu", "SiLU (Swish)", r"x \, \sigma(x)", smoothness="Cinf"),
    _make(
        "gelu",
        "GELU",
        r"x \, \Phi(x)",
        {"approximate": "none"},
        smoothness="Cinf",
    ),
    _make(
        "mish",
        "Mish",
        r"x \tanh\left(\ln\left(1 + e^{x}\right)\right)",
        smoothness="Cinf",
    ),
]

#: Every activation of the zoo by name, in the order the course meets them.
ACTIVATIONS: Mapping[str, Activation] = MappingProxyType(
    {record.name: record for record in _RECORDS}
)
