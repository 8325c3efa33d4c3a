"""Input checks shared by every public function of :mod:`actzoo`.

They turn bad input into one clear error at the boundary, so that nothing
fails later with a traceback from deep inside NumPy.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

# float16 has too little range for exp() of moderate inputs; it is computed
# in float32 and the result is cast back.
_COMPUTE_DTYPE = {
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
