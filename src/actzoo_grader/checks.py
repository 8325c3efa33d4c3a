"""Return verdicts on students' functions, for the exercises' tests.

The exercises' test cells call these helpers so that every failure says,
in words a student understands, what was wrong: which input, what came
out, what was expected.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np


def call_quietly(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Return ``fn(*args, **kwargs)``, failing on any warning it raises.

    Overflow, division by zero and invalid operations in NumPy count as
    warnings here; underflow to zero does not (it is harmless and usual
    for ``exp`` of large negative numbers).
    """
    name = getattr(fn, "__name__", "the function")
    remote = getattr(fn, "__actzoo_call__", None)
    if remote is not None:
        # A function in the student's kernel: the warnings are raised there.
        try:
            return remote(args, kwargs, quiet=True)
        except Exception as exc:
            if getattr(exc, "ename", "") in ("FloatingPointError", "RuntimeWarning"):
                raise AssertionError(
                    f"{name} raised a numerical warning ({exc}). Compute "
                    "exponentials only of arguments that cannot overflow, "
                    "for example with np.minimum(x, 0) or np.abs(x)."
                ) from None
            raise
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            try:
                return fn(*args, **kwargs)
            except (FloatingPointError, RuntimeWarning) as exc:
                raise AssertionError(
                    f"{name} raised a numerical warning ({exc}). Compute "
                    "exponentials only of arguments that cannot overflow, "
                    "for example with np.minimum(x, 0) or np.abs(x)."
                ) from None


def assert_close(
    actual: Any,
    expected: Any,
    what: str,
    x: Any = None,
    rtol: float = 1e-10,
    atol: float = 1e-12,
    x_name: str = "x",
) -> None:
    """Raise ``AssertionError`` unless ``actual`` matches ``expected``.

    The check is ``|actual - expected| <= atol + rtol * |expected|``
    elementwise, with NaN matching NaN; shapes must agree. The message
    names ``what`` and the first input ``x`` where it failed, calling it
    ``x_name``.
    """
    actual_arr = np.asarray(actual)
    expected_arr = np.asarray(expected)
    if actual_arr.shape != expected_arr.shape:
        raise AssertionError(
            f"{what}: the result has shape {actual_arr.shape}, "
            f"expected shape {expected_arr.shape}"
        )
    try:
        a = actual_arr.astype(np.float64)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{what}: the result is not numeric ({actual_arr.dtype})"
        ) from None
    e = expected_arr.astype(np.float64)
    with np.errstate(invalid="ignore"):
        ok = (np.abs(a - e) <= atol + rtol * np.abs(e)) | (np.isnan(a) & np.isnan(e))
        ok |= a == e
    if not np.all(ok):
        i = np.unravel_index(np.argmin(ok), ok.shape) if ok.ndim else ()
        where = ""
        if x is not None:
            value = float(np.asarray(x, dtype=np.float64)[i])
            where = f" at {x_name} = {value!r}"
        raise AssertionError(
            f"{what} is wrong{where}: got {float(a[i])!r}, "
            f"expected {float(e[i])!r} "
            f"(allowed error {atol:g} + {rtol:g} * |expected|)"
        )


def assert_dtype_shape(result: Any, x: np.ndarray, what: str) -> None:
    """Raise ``AssertionError`` unless ``result`` has ``x``'s dtype and shape."""
    result = np.asarray(result)
    if result.shape != x.shape:
        raise AssertionError(
            f"{what}: an input of shape {x.shape} gave a result of shape "
            f"{result.shape}; the shape must be kept"
        )
    if result.dtype != x.dtype:
        raise AssertionError(
            f"{what}: a {x.dtype} input gave a {result.dtype} result; the "
            "dtype must be kept (watch for float64 arrays or NumPy "
            "float64 scalars mixed into float32 computations)"
        )
