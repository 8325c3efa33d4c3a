r"""The registry of the members beyond the ReLU family: sigmoid, tanh, PReLU.

:data:`actzoo.ACTIVATIONS` holds the ReLU family that the principles pages
compare with one another; the pointwise activations met on the pages
about saturation, learned leaks and the evidence on real data are
recorded here, as :class:`actzoo.Activation` records with the same
interface, so that code written for one registry works for the other.
:data:`ALL_ACTIVATIONS` joins the two. The gated units take two inputs and
have their own records, :data:`actzoo.gated.GATED_UNITS`.

Examples
--------
>>> from actzoo.beyond_relu import MORE_ACTIVATIONS
>>> float(MORE_ACTIVATIONS["sigmoid"].grad(0.0))
0.25
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from actzoo import prelu as _p
from actzoo import saturating as _s
from actzoo.registry import ACTIVATIONS, Activation

__all__ = ["ALL_ACTIVATIONS", "MORE_ACTIVATIONS", "TorchFnActivation"]


@dataclass(frozen=True)
class TorchFnActivation(Activation):
    """An :class:`~actzoo.Activation` whose PyTorch counterpart is a callable.

    For counterparts that ``torch.nn.functional`` does not offer under our
    name and parameters (``torch.sigmoid``; ``F.prelu``, which takes its
    slope as a tensor).
    """

    torch_callable: Callable[..., Any] | None = None

    def torch_fn(self) -> Callable[..., Any]:
        """Return the PyTorch counterpart (imports torch)."""
        assert self.torch_callable is not None
        return self.torch_callable


def _torch_sigmoid(x: Any) -> Any:
    import torch

    return torch.sigmoid(x)


def _torch_tanh(x: Any) -> Any:
    import torch

    return torch.tanh(x)


def _torch_prelu(x: Any, alpha: float = _p.PRELU_INIT) -> Any:
    import torch
    import torch.nn.functional as F

    return F.prelu(x, torch.tensor([alpha], dtype=x.dtype))


def _record(
    module: Any,
    name: str,
    label: str,
    latex: str,
    fn: Callable[..., Any],
    smoothness: str,
    defaults: dict[str, Any] | None = None,
) -> TorchFnActivation:
    return TorchFnActivation(
        name=name,
        label=label,
        fn=getattr(module, name),
        grad=getattr(module, f"{name}_grad"),
        grad2=getattr(module, f"{name}_grad2"),
        latex=latex,
        defaults=MappingProxyType(defaults or {}),
        torch_name=name,
        smoothness=smoothness,
        torch_callable=fn,
    )


#: Sigmoid, tanh and PReLU (with its initial slope 0.25 as the default).
MORE_ACTIVATIONS: Mapping[str, Activation] = MappingProxyType(
    {
        r.name: r
        for r in [
            _record(
                _s,
                "sigmoid",
                "Sigmoid",
                r"\frac{1}{1 + e^{-x}}",
                _torch_sigmoid,
                "Cinf",
            ),
            _record(_s, "tanh", "tanh", r"\tanh x", _torch_tanh, "Cinf"),
            _record(
                _p,
                "prelu",
                "PReLU",
                r"\max(\alpha x, x),\ \alpha\ \text{learned}",
                _torch_prelu,
                "C0",
                {"alpha": _p.PRELU_INIT},
            ),
        ]
    }
)

#: The ReLU family of :data:`actzoo.ACTIVATIONS` and :data:`MORE_ACTIVATIONS`.
ALL_ACTIVATIONS: Mapping[str, Activation] = MappingProxyType(
    {**ACTIVATIONS, **MORE_ACTIVATIONS}
)
