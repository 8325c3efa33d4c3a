r"""Gated linear units: a linear path multiplied by a gate, :math:`a \odot g(b)`.

A gated linear unit splits its pre-activations into two halves of equal
size, a *value* :math:`a` and a *gate* :math:`b` (two separate linear maps
of the same input), and returns :math:`a \odot g(b)` (Dauphin et al.,
2017). The gate decides, unit by unit and input by input, how much of the
linear value passes. The three members differ only in :math:`g`:

* ``glu``: the logistic sigmoid :math:`\sigma` (Dauphin et al., 2017);
* ``geglu``: GELU (Shazeer, 2020);
* ``swiglu``: SiLU, also called Swish (Shazeer, 2020; used in PaLM and
  LLaMA).

With *tied* halves, :math:`a = b = x`, the sigmoid-gated unit is SiLU,
:math:`x\,\sigma(x)`, and the Gaussian-gated unit :math:`x\,\Phi(x)` is
GELU: SiLU and GELU are gated units that gate their input by itself.

Each unit has the derivatives in both halves,

.. math:: \partial_a = g(b), \quad \partial_b = a\,g'(b), \quad
          \partial_a^2 = 0, \quad \partial_a\partial_b = g'(b), \quad
          \partial_b^2 = a\,g''(b),

computed from the gate's own functions in :mod:`actzoo.activations` (so
they inherit their accuracy and their limits at :math:`\pm\infty`). The
product is NaN where an infinite :math:`a` meets a gate of exactly 0,
as in PyTorch.

PyTorch has ``torch.nn.functional.glu`` for the first (it splits one
tensor in two along a dimension, value first); GEGLU and SwiGLU are
written as ``a * F.gelu(b)`` and ``a * F.silu(b)``, as in transformer
code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from actzoo import _checks
from actzoo import activations as _a
from actzoo import saturating as _s
from actzoo._checks import as_real_array, finish

__all__ = [
    "GATED_UNITS",
    "GatedUnit",
    "geglu",
    "geglu_grad",
    "geglu_grad2",
    "glu",
    "glu_grad",
    "glu_grad2",
    "swiglu",
    "swiglu_grad",
    "swiglu_grad2",
]

Array = NDArray[np.floating]
_GATES: dict[str, tuple[Callable[..., Any], ...]] = {
    "glu": (_s.sigmoid, _s.sigmoid_grad, _s.sigmoid_grad2),
    "geglu": (_a.gelu, _a.gelu_grad, _a.gelu_grad2),
    "swiglu": (_a.silu, _a.silu_grad, _a.silu_grad2),
}


def _half(v: ArrayLike, name: str, func: str) -> tuple[Array, Any, Any]:
    """Return one half as :func:`~actzoo._checks.as_real_array` does, naming it.

    Elementwise, so NaN, infinities and empty arrays are accepted.
    """
    _checks.array(
        v, name, func, allow_empty=True, allow_nan=True, allow_inf=True, dtype=None
    )
    try:
        return as_real_array(v, func)
    except TypeError as exc:  # a floating dtype other than float16/32/64
        message = str(exc).removeprefix(f"{func}: ")
        raise TypeError(f"{func}: {name}: {message}") from None


def _halves(a: ArrayLike, b: ArrayLike, func: str) -> tuple[Array, Array, Any, Any]:
    """Return ``a`` and ``b`` as arrays of one shape, the dtype and shape."""
    za, dtype_a, shape_a = _half(a, "a", func)
    zb, dtype_b, shape_b = _half(b, "b", func)
    if shape_a != shape_b:
        raise ValueError(
            f"{func}: a and b must have the same shape (the two halves of one "
            f"layer), got {shape_a} and {shape_b}"
        )
    dtype = np.result_type(dtype_a, dtype_b)
    work = np.result_type(za.dtype, zb.dtype)
    return za.astype(work, copy=False), zb.astype(work, copy=False), dtype, shape_a


def _times(a: Array, b: Array) -> Array:
    """Return ``a * b``, NaN (without a warning) where it is ``inf * 0``."""
    with np.errstate(invalid="ignore"):
        return np.multiply(a, b)


def _value(name: str, a: ArrayLike, b: ArrayLike) -> Array:
    za, zb, dtype, shape = _halves(a, b, name)
    return finish(_times(za, _GATES[name][0](zb)), dtype, shape)


def _grad(name: str, a: ArrayLike, b: ArrayLike) -> tuple[Array, Array]:
    za, zb, dtype, shape = _halves(a, b, f"{name}_grad")
    g, dg = _GATES[name][0](zb), _GATES[name][1](zb)
    g = np.where(np.isnan(za), np.nan, g)
    return finish(g, dtype, shape), finish(_times(za, dg), dtype, shape)


def _grad2(name: str, a: ArrayLike, b: ArrayLike) -> tuple[Array, Array, Array]:
    za, zb, dtype, shape = _halves(a, b, f"{name}_grad2")
    dg, d2g = _GATES[name][1](zb), _GATES[name][2](zb)
    nan = np.isnan(za) | np.isnan(zb)
    # d^2/da^2 is 0 (NaN where an input is NaN).
    zero = np.where(nan, np.nan, np.zeros_like(za))
    return (
        finish(zero, dtype, shape),
        finish(np.where(nan, np.nan, dg), dtype, shape),
        finish(_times(za, d2g), dtype, shape),
    )


def glu(a: ArrayLike, b: ArrayLike) -> Array:
    r"""Return the gated linear unit, :math:`a\,\sigma(b)`."""
    return _value("glu", a, b)


def glu_grad(a: ArrayLike, b: ArrayLike) -> tuple[Array, Array]:
    r"""Return GLU's derivatives in both halves, :math:`(\sigma(b),\ a\,\sigma'(b))`."""
    return _grad("glu", a, b)


def glu_grad2(a: ArrayLike, b: ArrayLike) -> tuple[Array, Array, Array]:
    r"""Return GLU's second derivatives :math:`(0,\ \sigma'(b),\ a\,\sigma''(b))`.

    In the order :math:`\partial_a^2, \partial_a\partial_b, \partial_b^2`.
    """
    return _grad2("glu", a, b)


def geglu(a: ArrayLike, b: ArrayLike) -> Array:
    r"""Return GEGLU, :math:`a\,\mathrm{GELU}(b)`, with the exact GELU."""
    return _value("geglu", a, b)


def geglu_grad(a: ArrayLike, b: ArrayLike) -> tuple[Array, Array]:
    r"""Return GEGLU's derivatives in both halves, :math:`(\mathrm{GELU}(b),\ a\,\mathrm{GELU}'(b))`."""
    return _grad("geglu", a, b)


def geglu_grad2(a: ArrayLike, b: ArrayLike) -> tuple[Array, Array, Array]:
    r"""Return GEGLU's second derivatives :math:`(0,\ \mathrm{GELU}'(b),\ a\,\mathrm{GELU}''(b))`."""
    return _grad2("geglu", a, b)


def swiglu(a: ArrayLike, b: ArrayLike) -> Array:
    r"""Return SwiGLU, :math:`a\,\mathrm{SiLU}(b) = a\,b\,\sigma(b)`."""
    return _value("swiglu", a, b)


def swiglu_grad(a: ArrayLike, b: ArrayLike) -> tuple[Array, Array]:
    r"""Return SwiGLU's derivatives in both halves, :math:`(\mathrm{SiLU}(b),\ a\,\mathrm{SiLU}'(b))`."""
    return _grad("swiglu", a, b)


def swiglu_grad2(a: ArrayLike, b: ArrayLike) -> tuple[Array, Array, Array]:
    r"""Return SwiGLU's second derivatives :math:`(0,\ \mathrm{SiLU}'(b),\ a\,\mathrm{SiLU}''(b))`."""
    return _grad2("swiglu", a, b)


@dataclass(frozen=True)
class GatedUnit:
    """A gated linear unit with its derivatives and PyTorch counterpart.

    Attributes
    ----------
    name, label : str
        Python name (the key in :data:`GATED_UNITS`) and name for people.
    gate : str
        The gate's key in :data:`actzoo.ACTIVATIONS` (``"silu"``,
        ``"gelu"``) or ``"sigmoid"``.
    fn, grad, grad2 : callable
        Value, derivatives in both halves, second derivatives, each
        taking ``(a, b)``.
    latex : str
        The defining formula in LaTeX.
    """

    name: str
    label: str
    gate: str
    fn: Callable[..., Any]
    grad: Callable[..., Any]
    grad2: Callable[..., Any]
    latex: str

    def torch(self, a: Any, b: Any) -> Any:
        """Apply the PyTorch counterpart to the tensors ``a`` (value) and ``b`` (gate)."""
        import torch
        import torch.nn.functional as F

        if self.name == "glu":
            return F.glu(torch.cat([a, b], dim=-1), dim=-1)
        gate = F.gelu if self.name == "geglu" else F.silu
        return a * gate(b)

    def torch_derivatives(
        self, a: ArrayLike, b: ArrayLike
    ) -> tuple[NDArray, tuple[NDArray, NDArray], tuple[NDArray, NDArray, NDArray]]:
        """Return PyTorch's value, gradient and second derivatives at ``(a, b)``.

        Pointwise, as :meth:`fn`, :meth:`grad` and :meth:`grad2` return
        them; the second derivatives come from double backward.
        """
        import torch

        arrs = [np.ascontiguousarray(np.atleast_1d(v)) for v in (a, b)]
        arrs = [
            v if v.dtype in (np.float32, np.float64) else v.astype(np.float64)
            for v in arrs
        ]
        ta, tb = (torch.tensor(v, requires_grad=True) for v in arrs)
        y = self.torch(ta, tb)
        da, db = torch.autograd.grad(y.sum(), (ta, tb), create_graph=True)
        daa, dab = torch.autograd.grad(
            da.sum(), (ta, tb), retain_graph=True, allow_unused=True
        )
        (dbb,) = torch.autograd.grad(db.sum(), (tb,))
        daa = torch.zeros_like(ta) if daa is None else daa
        out = [v.detach().numpy() for v in (y, da, db, daa, dab, dbb)]
        return out[0], (out[1], out[2]), (out[3], out[4], out[5])


def _unit(name: str, label: str, gate: str, latex: str) -> GatedUnit:
    module = globals()
    return GatedUnit(
        name,
        label,
        gate,
        module[name],
        module[f"{name}_grad"],
        module[f"{name}_grad2"],
        latex,
    )


#: The gated linear units by name.
GATED_UNITS = MappingProxyType(
    {
        u.name: u
        for u in [
            _unit("glu", "GLU", "sigmoid", r"a \, \sigma(b)"),
            _unit("geglu", "GEGLU", "gelu", r"a \, \mathrm{GELU}(b)"),
            _unit("swiglu", "SwiGLU", "silu", r"a \, \mathrm{SiLU}(b)"),
        ]
    }
)
