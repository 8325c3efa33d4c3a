"""Return verdicts on students' functions, for the exercises' tests.

The exercises' test cells call these helpers so that every failure says,
in words a student understands, what was wrong: which input, what came
out, what was expected.
"""

from __future__ import annotations

import ast
import builtins
import dis
import inspect
import sys
import textwrap
import types
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

#: Packages whose functions a student may not call where the task is to
#: implement something: they would do the work for them.
FORBIDDEN = ("torch", "scipy", "actzoo", "jax", "tensorflow", "sklearn")


def _root(module: str | None) -> str:
    return (module or "").split(".")[0]


def _origin(value: Any) -> str | None:
    """Return the forbidden package ``value`` comes from, or None."""
    if isinstance(value, types.ModuleType):
        root = _root(value.__name__)
        return root if root in FORBIDDEN else None
    if isinstance(value, np.ufunc):
        # SciPy's special functions are NumPy ufuncs with no __module__.
        special = sys.modules.get("scipy.special")
        name = value.__name__
        if special is not None and getattr(special, name, None) is value:
            return "scipy"
        return None
    root = _root(getattr(value, "__module__", None))
    return root if root in FORBIDDEN else None


def _imports_in(fn: Callable[..., Any]) -> list[str]:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
    return [name for name in found if _root(name) in FORBIDDEN]


#: The instructions that read a name from a function's globals (and, for
#: code run at module level or in a class body, from its namespace).
GLOBAL_READS = frozenset({"LOAD_GLOBAL", "LOAD_NAME", "LOAD_FROM_DICT_OR_GLOBALS"})


def _code_names(code: types.CodeType) -> set[str]:
    """Return the global names ``code`` and the code nested in it read.

    Only names read as globals count: an attribute (``math.erfc``, a
    method ``x.norm()``) lives in ``co_names`` too, but it is not the
    global of that name, which may be something else entirely.
    """
    names = {
        instruction.argval
        for instruction in dis.get_instructions(code)
        if instruction.opname in GLOBAL_READS and isinstance(instruction.argval, str)
    }
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def forbidden_uses(fn: Callable[..., Any], allowed: Iterable[str] = ()) -> list[str]:
    """Return what ``fn`` uses from PyTorch, SciPy, actzoo and the like.

    The function's code is inspected, not run: every global name it reads
    is looked up, and imports inside it are read from its source. Helper
    functions it calls that were written in the same notebook are inspected
    the same way. Names in ``allowed`` (helpers the exercise provides) are
    not inspected. Each entry reads ``"<name> (from <package>)"``.
    """
    allowed = set(allowed)
    seen: set[int] = set()
    found: list[str] = []

    def visit(f: Callable[..., Any]) -> None:
        if id(f) in seen:
            return
        seen.add(id(f))
        found.extend(f"import {m} (from {_root(m)})" for m in _imports_in(f))
        code = getattr(f, "__code__", None)
        if code is None:
            return
        scope = getattr(f, "__globals__", {})
        for name in sorted(_code_names(code)):
            if name in allowed or name not in scope:
                continue
            value = scope[name]
            origin = _origin(value)
            if origin:
                found.append(f"{name} (from {origin})")
            elif (
                isinstance(value, types.FunctionType)
                and value.__module__ == f.__module__
                and not hasattr(builtins, name)
            ):
                visit(value)

    visit(fn)
    return found


def assert_own_implementation(
    fn: Callable[..., Any], allowed: Iterable[str] = ()
) -> None:
    """Raise ``AssertionError`` if ``fn`` calls a library for its answer."""
    uses = forbidden_uses(fn, allowed)
    if uses:
        raise AssertionError(
            f"{fn.__name__} uses {', '.join(uses)}. This part asks you to "
            "implement it yourself with NumPy, so it scores no points while "
            "it calls PyTorch, SciPy or actzoo. Rewrite it without them."
        )


def call_quietly(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Return ``fn(*args, **kwargs)``, failing on any warning it raises.

    Overflow, division by zero and invalid operations in NumPy count as
    warnings here; underflow to zero does not (it is harmless and usual
    for ``exp`` of large negative numbers).
    """
    name = getattr(fn, "__name__", "the function")
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
