"""Plain data between the student's kernel and the grader's trusted process.

Values cross as JSON text, never as a pickle: numbers, strings, lists,
tuples, dicts and sets, NumPy arrays and scalars of numeric or boolean
dtype and PyTorch tensors (as dtype, shape and bytes). Anything else
crosses as a reference that the sending side resolves: an object in the
kernel (a *handle*) or a function of the trusted process (a *callback*).

Reading is bounded: text longer than :data:`MAX_CHARS`, nesting deeper than
:data:`MAX_DEPTH`, an unknown tag, a dtype that is not numeric or an array
whose bytes do not match its shape raise :class:`WireError`, whatever the
other side sent.

The module imports only the standard library and NumPy at its top: the
kernel runs its source as is (:mod:`actzoo_grader.agent`).
"""

from __future__ import annotations

import base64
import collections
import json
import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

#: The longest message read, in characters (base64 takes 4 per 3 bytes).
MAX_CHARS = 96 << 20

#: The deepest nesting of containers read or written.
MAX_DEPTH = 40

#: The most entries a container may have.
MAX_ITEMS = 1_000_000

#: The most characters of an error message that cross.
MAX_MESSAGE = 20_000

#: NumPy dtype kinds that cross: booleans, integers, floats, complexes.
KINDS = "biufc"


class WireError(ValueError):
    """A message that is not plain data of the kinds this module knows."""


Tree = Any
#: Turns a value the module cannot write into a reference tree, or None.
Refer = Callable[[Any], "dict[str, Any] | None"]
#: Turns a reference tree back into a value.
Resolve = Callable[[dict[str, Any]], Any]


def _array_tree(tag: str, array: np.ndarray) -> dict[str, Any]:
    if array.nbytes > MAX_CHARS // 4 * 3:
        raise WireError(f"an array of {array.nbytes:,} bytes, more than may cross")
    array = np.asarray(array, order="C")
    return {
        "t": tag,
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "b64": base64.b64encode(array.tobytes()).decode("ascii"),
    }


def _torch_of(value: Any) -> Any:
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return torch
    return None


def to_tree(value: Any, refer: Refer, depth: int = 0) -> Tree:
    """Return ``value`` as a JSON-ready tree; ``refer`` names the rest."""
    if depth > MAX_DEPTH:
        raise WireError(f"nested deeper than {MAX_DEPTH} levels")
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        if math.isfinite(value):
            return value
        return {"t": "float", "v": repr(value)}
    if kind is complex:
        return {
            "t": "complex",
            "re": to_tree(value.real, refer),
            "im": to_tree(value.imag, refer),
        }
    if kind is bytes:
        return {"t": "bytes", "b64": base64.b64encode(value).decode("ascii")}
    if kind in (list, tuple, set, frozenset):
        if len(value) > MAX_ITEMS:
            raise WireError(f"a {kind.__name__} of more than {MAX_ITEMS} items")
        items = [to_tree(v, refer, depth + 1) for v in value]
        return {"t": kind.__name__, "v": items}
    if kind in (dict, collections.OrderedDict, collections.defaultdict):
        if len(value) > MAX_ITEMS:
            raise WireError(f"a dict of more than {MAX_ITEMS} items")
        return {
            "t": "dict",
            "v": [
                [to_tree(k, refer, depth + 1), to_tree(v, refer, depth + 1)]
                for k, v in value.items()
            ],
        }
    if kind is np.ndarray and value.dtype.kind in KINDS:
        return _array_tree("nd", value)
    if isinstance(value, np.generic) and value.dtype.kind in KINDS:
        return _array_tree("np", np.asarray(value))
    torch = _torch_of(value)
    if torch is not None and kind is torch.Tensor:
        array = value.detach().cpu().resolve_conj().resolve_neg().numpy()
        if array.dtype.kind in KINDS:
            tree = _array_tree("torch", array)
            tree["grad"] = bool(value.requires_grad)
            return tree
    reference = refer(value)
    if reference is None:
        raise WireError(f"a {kind.__name__} cannot cross as plain data")
    return reference


def dumps(value: Any, refer: Refer) -> str:
    """Return ``value`` as JSON text (:func:`to_tree`)."""
    text = json.dumps(to_tree(value, refer), separators=(",", ":"))
    if len(text) > MAX_CHARS:
        raise WireError(f"{len(text):,} characters, more than {MAX_CHARS:,}")
    return text


def _array(tree: dict[str, Any]) -> np.ndarray:
    try:
        dtype = np.dtype(str(tree["dtype"]))
        shape = tuple(int(n) for n in tree["shape"])
        raw = base64.b64decode(str(tree["b64"]), validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise WireError(f"an array that cannot be read ({exc})") from None
    if dtype.kind not in KINDS or dtype.fields is not None or dtype.subdtype:
        raise WireError(f"an array of dtype {dtype} (only numbers cross)")
    if len(shape) > 32 or any(n < 0 for n in shape):
        raise WireError(f"an array of shape {shape}")
    if math.prod(shape) * dtype.itemsize != len(raw):
        raise WireError(f"an array of shape {shape} with {len(raw)} bytes")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _hashable(key: Any) -> Any:
    try:
        hash(key)
    except TypeError:
        raise WireError(f"a dict key of type {type(key).__name__}") from None
    return key


def from_tree(tree: Tree, resolve: Resolve, depth: int = 0) -> Any:
    """Return the value ``tree`` describes; ``resolve`` turns references back."""
    if depth > MAX_DEPTH:
        raise WireError(f"nested deeper than {MAX_DEPTH} levels")
    if tree is None or type(tree) in (bool, int, float, str):
        return tree
    if type(tree) is not dict or not isinstance(tree.get("t"), str):
        raise WireError(f"an item of type {type(tree).__name__}")
    tag = tree["t"]
    if tag in ("list", "tuple", "set", "frozenset"):
        items = tree.get("v")
        if type(items) is not list:
            raise WireError(f"a {tag} without items")
        values = [from_tree(v, resolve, depth + 1) for v in items]
        if tag == "list":
            return values
        if tag == "tuple":
            return tuple(values)
        return (set if tag == "set" else frozenset)(_hashable(v) for v in values)
    if tag == "dict":
        pairs = tree.get("v")
        if type(pairs) is not list or any(
            type(p) is not list or len(p) != 2 for p in pairs
        ):
            raise WireError("a dict without key-value pairs")
        return {
            _hashable(from_tree(k, resolve, depth + 1)): from_tree(
                v, resolve, depth + 1
            )
            for k, v in pairs
        }
    if tag == "float":
        text = tree.get("v")
        if text not in ("nan", "inf", "-inf"):
            raise WireError(f"a float written {text!r}")
        return float(text)
    if tag == "complex":
        re, im = (
            from_tree(tree.get("re"), resolve, depth + 1),
            from_tree(tree.get("im"), resolve, depth + 1),
        )
        if type(re) is not float or type(im) is not float:
            raise WireError("a complex number without float parts")
        return complex(re, im)
    if tag == "bytes":
        try:
            return base64.b64decode(str(tree.get("b64")), validate=True)
        except ValueError:
            raise WireError("bytes that cannot be read") from None
    if tag == "nd":
        return _array(tree)
    if tag == "np":
        array = _array(tree)
        if array.shape != ():
            raise WireError("a NumPy scalar with a shape")
        return array[()]
    if tag == "torch":
        import torch

        tensor = torch.from_numpy(_array(tree))
        if tree.get("grad") is True:
            tensor.requires_grad_(True)
        return tensor
    return resolve(tree)


def loads(text: str, resolve: Resolve) -> Any:
    """Return the value JSON ``text`` describes (:func:`from_tree`)."""
    if not isinstance(text, str) or len(text) > MAX_CHARS:
        raise WireError("a message that is not text, or too long")
    try:
        tree = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise WireError(f"text that is not JSON ({str(exc)[:80]})") from None
    try:
        return from_tree(tree, resolve)
    except RecursionError:
        raise WireError("nested too deeply") from None
