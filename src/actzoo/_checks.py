"""Input checks shared by every public function of :mod:`actzoo`.

They turn bad input into one clear error at the boundary, so that nothing
fails later with a traceback from deep inside NumPy. In the spirit of
scikit-learn's ``validate_params``, each kind of parameter has one check
and one wording, and every public function calls them on its arguments
before any work:

* the wrong *type* (a string for a number, ``True`` for an integer, a float
  for an integer, ``None`` where a value is needed) raises ``TypeError``;
* the right type with a wrong *value* (out of range, NaN, an empty array,
  an unknown option or activation name) raises ``ValueError``;
* every message starts with the public function's name and a colon and
  names the parameter: ``"two_moons: n must be at least 2, got 1"``.

Booleans are never integers or real numbers here, although Python counts
them as such: ``n=True`` is a mistake, not 1. An unknown activation name is
a ``ValueError`` (a bad value of a string parameter) that lists the known
names; looking a name up in :data:`actzoo.ACTIVATIONS` directly is still
the mapping's ``KeyError``.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

# float16 has too little range for exp() of moderate inputs; it is computed
# in float32 and the result is cast back.
_COMPUTE_DTYPE: dict[np.dtype, np.dtype] = {
    np.dtype(np.float16): np.dtype(np.float32),
    np.dtype(np.float32): np.dtype(np.float32),
    np.dtype(np.float64): np.dtype(np.float64),
}


def as_real_array(
    x: ArrayLike, func: str
) -> tuple[NDArray[np.floating], np.dtype, tuple[int, ...]]:
    """Return ``x`` as a floating array to compute with, the output dtype and shape.

    Floating arrays keep their dtype (float16 is computed in float32);
    integers and booleans become float64, as in NumPy's own ufuncs. The
    array to compute with has at least one dimension, so that NumPy
    operations on it return arrays, never scalars; :func:`finish` restores
    the shape. The caller must not write into it: it may be ``x`` itself.

    Raises
    ------
    TypeError
        If ``x`` is not made of real numbers (strings, objects, complex).
    """
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError, RuntimeError) as exc:
        raise TypeError(
            f"{func}: x must be a real number or an array of real numbers; "
            f"it could not be converted to an array ({exc})"
        ) from None
    kind = arr.dtype.kind
    if kind == "f":
        compute = _COMPUTE_DTYPE.get(arr.dtype)
        if compute is None:
            raise TypeError(
                f"{func}: dtype {arr.dtype} is not supported; use float16, "
                "float32 or float64"
            )
        return _at_least_1d(arr.astype(compute, copy=False)), arr.dtype, arr.shape
    if kind in "biu":
        return _at_least_1d(arr.astype(np.float64)), np.dtype(np.float64), arr.shape
    if kind == "c":
        raise TypeError(
            f"{func}: x is complex ({arr.dtype}); activations are defined "
            "for real numbers only"
        )
    raise TypeError(
        f"{func}: x must contain real numbers, got an array of dtype "
        f"{arr.dtype} (for example {_first(arr)!r})"
    )


def _at_least_1d(arr: np.ndarray) -> np.ndarray:
    return arr.reshape(1) if arr.ndim == 0 else arr


def _first(arr: np.ndarray) -> Any:
    if not arr.size:
        return None
    item = arr.flat[0]
    return item.item() if isinstance(item, np.generic) else item


def finish(out: np.ndarray, out_dtype: np.dtype, shape: tuple[int, ...]) -> Any:
    """Cast to the output dtype and shape; a 0-d result becomes a NumPy scalar."""
    if out.dtype != out_dtype:
        out = out.astype(out_dtype)
    if shape == ():
        return out.reshape(())[()]
    return out


def real_param(
    value: Any,
    name: str,
    func: str,
    *,
    positive: bool = False,
    nonnegative: bool = False,
    allow_inf: bool = False,
) -> float:
    """Return a scalar parameter as a float after checking it.

    Raises
    ------
    TypeError
        If ``value`` is not a real number (booleans are refused too).
    ValueError
        If it is NaN, infinite (unless ``allow_inf``), or breaks the sign
        requirement.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{func}: {name} must be a real number, got {value!r} "
            f"of type {type(value).__name__}"
        )
    v = float(value)
    if np.isnan(v) or (np.isinf(v) and not allow_inf):
        raise ValueError(f"{func}: {name} must be finite, got {v}")
    if positive and not v > 0:
        raise ValueError(f"{func}: {name} must be positive, got {v}")
    if nonnegative and not v >= 0:
        raise ValueError(f"{func}: {name} must be non-negative, got {v}")
    return v


# ------------------------------------------------------- scalar parameters


def _type_name(value: Any) -> str:
    return type(value).__name__


def integer(
    value: Any,
    name: str,
    func: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    """Return an integer parameter as an ``int`` after checking it.

    Raises
    ------
    TypeError
        If ``value`` is not an integer (booleans and floats such as 3.0 are
        refused too).
    ValueError
        If it is below ``minimum`` or above ``maximum``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{func}: {name} must be an integer, got {value!r} of type "
            f"{_type_name(value)}"
        )
    v = int(value)
    if minimum is not None and v < minimum:
        raise ValueError(f"{func}: {name} must be at least {minimum}, got {v}")
    if maximum is not None and v > maximum:
        raise ValueError(f"{func}: {name} must be at most {maximum}, got {v}")
    return v


def seed(value: Any, func: str, name: str = "seed") -> int:
    """Return a seed: a non-negative integer (what NumPy's generators take)."""
    return integer(value, name, func, minimum=0)


def probability(value: Any, name: str, func: str, *, below_one: bool = False) -> float:
    """Return a real parameter in [0, 1] (or [0, 1) with ``below_one``)."""
    v = real_param(value, name, func)
    if not 0 <= v <= 1 or (below_one and v == 1):
        interval = "[0, 1)" if below_one else "[0, 1]"
        raise ValueError(f"{func}: {name} must be in {interval}, got {v}")
    return v


def choice(value: Any, options: Collection[Any], name: str, func: str) -> Any:
    """Return ``value`` if it is one of ``options`` (strings, or None).

    Raises
    ------
    TypeError
        If ``value`` is neither a string nor None.
    ValueError
        If it is not one of ``options``.
    """
    shown = ", ".join(repr(o) for o in options)
    if value is not None and not isinstance(value, str):
        raise TypeError(
            f"{func}: {name} must be one of {shown}, got {value!r} of type "
            f"{_type_name(value)}"
        )
    if value not in options:
        raise ValueError(f"{func}: {name} must be one of {shown}, got {value!r}")
    return value


def text(value: Any, name: str, func: str) -> str:
    """Return a free-text parameter (a label, a name for legends)."""
    if not isinstance(value, str):
        raise TypeError(
            f"{func}: {name} must be a string, got {value!r} of type "
            f"{_type_name(value)}"
        )
    return value


def activation_name(
    value: Any,
    func: str,
    name: str = "activation",
    *,
    known: Iterable[str] | None = None,
    why: str = "",
) -> str:
    """Return an activation's name after checking it is known.

    ``known`` defaults to the keys of :data:`actzoo.ACTIVATIONS`; functions
    that support fewer (or more, such as ``"tanh"``) pass their own, and
    ``why`` says what limits them.

    Raises
    ------
    TypeError
        If ``value`` is not a string.
    ValueError
        If it is not a known name; the message lists the known ones.
    """
    if known is None:
        from actzoo.registry import ACTIVATIONS  # the registry imports this module

        known = ACTIVATIONS
    known = list(known)
    if not isinstance(value, str):
        raise TypeError(
            f"{func}: {name} must be the name of an activation (a string), "
            f"got {value!r} of type {_type_name(value)}"
        )
    if value not in known:
        reason = f" ({why})" if why else ""
        which = "" if name == "activation" else f" (parameter {name})"
        raise ValueError(
            f"{func}: unknown activation {value!r}{which}; known: "
            f"{', '.join(known)}{reason}"
        )
    return value


def activation_params(act: Any, params: Mapping[str, Any], func: str) -> dict[str, Any]:
    """Return the parameters of activation ``act``, defaults filled in, after checks.

    ``act`` is a name in :data:`actzoo.ACTIVATIONS` or an
    :class:`~actzoo.Activation` record itself (the members of other
    registries, such as :data:`actzoo.beyond_relu.MORE_ACTIVATIONS`).

    Unknown parameter names raise ``TypeError``; each value is checked by
    the activation itself (evaluating it once on ``[0, 0]``), and an error
    that names one of the parameters is raised again with ``func`` in
    front, so the message names both the public function and the
    parameter. (An error that names none, say a shape rule the probe does
    not meet, is left to the real call.)
    """
    from actzoo.registry import ACTIVATIONS, Activation

    record = act if isinstance(act, Activation) else ACTIVATIONS[act]
    act = record.name
    unknown = set(params) - set(record.defaults)
    if unknown:
        names = ", ".join(sorted(record.defaults)) or "none"
        raise TypeError(
            f"{func}: {act} has no parameter(s) {', '.join(sorted(unknown))}; "
            f"its parameters are: {names}"
        )
    full = record.params(**params)
    try:
        record.fn(np.zeros(2), **full)
    except (TypeError, ValueError) as exc:
        message = str(exc)
        if any(re.search(rf"\b{re.escape(p)}\b", message) for p in full):
            raise type(exc)(f"{func}: {message}") from None
    return full


def function(value: Any, name: str, func: str) -> Callable[..., Any]:
    """Return ``value`` if it can be called."""
    if not callable(value):
        raise TypeError(
            f"{func}: {name} must be callable, got {value!r} of type "
            f"{_type_name(value)}"
        )
    return value


def instance(value: Any, types: type | tuple[type, ...], name: str, func: str) -> Any:
    """Return ``value`` if it is an instance of ``types``."""
    if not isinstance(value, types):
        wanted = (
            " or ".join(t.__name__ for t in types)
            if isinstance(types, tuple)
            else types.__name__
        )
        raise TypeError(f"{func}: {name} must be a {wanted}, got {_type_name(value)}")
    return value


def mapping(value: Any, name: str, func: str, *, allow_empty: bool = False) -> Mapping:
    """Return a mapping parameter (weights by name), non-empty unless allowed."""
    instance(value, Mapping, name, func)
    if not allow_empty and not value:
        raise ValueError(f"{func}: {name} is empty")
    return value


# ------------------------------------------------------------------ arrays


def array(
    value: Any,
    name: str,
    func: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    allow_empty: bool = False,
    allow_nan: bool = False,
    allow_inf: bool = False,
    dtype: Any = np.float64,
) -> NDArray:
    """Return an array parameter, converted to ``dtype``, after checking it.

    Raises
    ------
    TypeError
        If ``value`` is not made of real numbers (strings, None, objects,
        complex numbers).
    ValueError
        If it has the wrong number of dimensions, is empty (unless
        ``allow_empty``), or holds NaN or infinities that are not allowed.
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError, RuntimeError) as exc:
        raise TypeError(
            f"{func}: {name} must be an array of real numbers; it could not be "
            f"converted ({exc})"
        ) from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{func}: {name} must hold real numbers, got {value!r:.60} "
            f"(dtype {arr.dtype})"
        )
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if ndim is not None:
        dims = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in dims:
            wanted = " or ".join(f"{d}-D" for d in dims)
            raise ValueError(f"{func}: {name} must be {wanted}, got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{func}: {name} is empty")
    if arr.dtype.kind == "f":
        if not allow_nan and np.isnan(arr).any():
            need = "" if allow_inf else " must be finite; it"
            raise ValueError(f"{func}: {name}{need} contains NaN")
        if not allow_inf and np.isinf(arr).any():
            raise ValueError(f"{func}: {name} must be finite; it contains infinities")
    return arr


def integers(
    value: Any,
    name: str,
    func: str,
    *,
    minimum: int | None = None,
    min_length: int = 1,
) -> list[int]:
    """Return a sequence of integers (layer widths, depths, seeds) as a list.

    Each entry is checked as :func:`integer` would, and the sequence must
    have at least ``min_length`` entries.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(
            f"{func}: {name} must be a sequence of integers, got {value!r} "
            f"of type {_type_name(value)}"
        )
    items = list(value)
    for i, item in enumerate(items):
        integer(item, f"{name}[{i}]", func, minimum=minimum)
    if len(items) < min_length:
        raise ValueError(
            f"{func}: {name} needs at least {min_length} entries, got {items}"
        )
    return [int(v) for v in items]


def sequence(value: Any, name: str, func: str, *, min_length: int = 1) -> list[Any]:
    """Return a sequence parameter (of matrices, units, axes) as a list."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise TypeError(
            f"{func}: {name} must be a sequence, got {value!r:.60} of type "
            f"{_type_name(value)}"
        )
    items = list(value)
    if len(items) < min_length:
        raise ValueError(
            f"{func}: {name} needs at least {min_length} entries, got {len(items)}"
        )
    return items


def interval(value: Any, name: str, func: str) -> tuple[float, float]:
    """Return a pair ``(lo, hi)`` of real numbers with ``lo <= hi``."""
    items = sequence(value, name, func, min_length=2)
    if len(items) != 2:
        raise ValueError(f"{func}: {name} must be a pair (lo, hi), got {value!r}")
    lo = real_param(items[0], name, func, allow_inf=True)
    hi = real_param(items[1], name, func, allow_inf=True)
    if lo > hi:
        raise ValueError(f"{func}: {name} must have lo <= hi, got {value!r}")
    return lo, hi
