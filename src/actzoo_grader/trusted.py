"""The trusted test process: where every verdict is decided.

The grader starts one such process per notebook (``python -m
actzoo_grader.trusted``), beside the student's sandboxed kernel, and runs
in it the notebook's given cells and its test cells, hidden tests included,
with the course's reference implementations. Student code never runs here.
A name a test reads that the given cells and earlier tests did not bind is
the student's: it is fetched from the kernel, through the grader, as plain
data (:mod:`actzoo_grader.wire`) or as a :class:`Remote` handle, and every
use of a handle (a call, an attribute, an item, a conversion) is a request
to the kernel whose answer is again plain data. What the student's code
raises arrives as an exception of the same built-in type.

The process speaks to the grader in JSON lines on its standard input and
output:

- the grader sends ``{"op": "run", "kind": "given"|"test", "index": i,
  "source": text}`` and receives ``{"op": "done", "status": "ok"|"error",
  "stdout": ..., "stderr": ..., "ename": ..., "evalue": ...}``;
- while a cell runs, the process sends ``{"op": "kernel", "request": r}``
  and waits for ``{"op": "answer", "reply": text}``; meanwhile the grader
  may send ``{"op": "callback", ...}`` (the student's code called a function
  a test passed in), answered with ``{"op": "callback_done", ...}``;
- ``{"op": "restart"}`` says the kernel was replaced: every handle is void.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
import sys
import traceback
from typing import Any, BinaryIO

from actzoo_grader import wire

#: The most characters of printed text kept per cell and stream.
MAX_PRINTED = 200_000


class RemoteError(Exception):
    """An exception the student's code raised in the kernel."""

    ename = "Error"

    def __init__(self, ename: str, evalue: str) -> None:
        super().__init__(evalue)
        self.ename = ename
        self.evalue = evalue


_ERROR_TYPES: dict[str, type[RemoteError]] = {}


def remote_error(ename: str, evalue: str) -> RemoteError:
    """Return a :class:`RemoteError` that is also the built-in ``ename``.

    A test that expects ``ValueError`` from the student's function catches
    it with ``except ValueError``, as it would in the kernel.
    """
    ename = str(ename)[:100]
    cls = _ERROR_TYPES.get(ename)
    if cls is None:
        base = getattr(builtins, ename, None)
        cls = RemoteError
        if isinstance(base, type) and issubclass(base, Exception):
            try:
                cls = type(ename, (RemoteError, base), {"__str__": Exception.__str__})
            except TypeError:  # a base with its own layout (OSError, ...)
                cls = RemoteError
        _ERROR_TYPES[ename] = cls
    error = cls.__new__(cls)
    RemoteError.__init__(error, ename, str(evalue)[: wire.MAX_MESSAGE])
    return error


class Link:
    """The channel to the grader, and through it to the student's kernel."""

    def __init__(self, reader: BinaryIO, writer: BinaryIO) -> None:
        self.reader = reader
        self.writer = writer
        #: Bumped when the kernel is replaced: older handles are void.
        self.generation = 0
        self.callbacks: dict[int, Any] = {}
        self.callback_ids: dict[int, int] = {}

    def send(self, message: dict[str, Any]) -> None:
        self.writer.write(json.dumps(message).encode() + b"\n")
        self.writer.flush()

    def receive(self) -> dict[str, Any]:
        line = self.reader.readline()
        if not line:
            raise SystemExit(0)
        message = json.loads(line)
        if not isinstance(message, dict):
            raise SystemExit("the grader sent something that is not a message")
        return message

    # values ------------------------------------------------------------
    def refer(self, value: Any) -> dict[str, Any] | None:
        """Return the reference the kernel uses for ``value``, or None."""
        if isinstance(value, Remote):
            if value._generation != self.generation:
                raise remote_error(
                    "RuntimeError", "the kernel was restarted after this value was made"
                )
            return {"t": "kh", "id": value._ident}
        recipe = _model_recipe(value, self)
        if recipe is not None:
            return recipe
        if callable(value):
            ident = self.callback_ids.get(id(value))
            if ident is None:
                ident = len(self.callbacks) + 1
                self.callbacks[ident] = value
                self.callback_ids[id(value)] = ident
            name = getattr(value, "__name__", "f")
            return {
                "t": "cb",
                "id": ident,
                "name": name if isinstance(name, str) else "f",
            }
        return None

    def resolve(self, tree: dict[str, Any]) -> Any:
        tag = tree["t"]
        if tag == "kh":
            try:
                ident = int(tree["id"])
            except (KeyError, TypeError, ValueError):
                raise wire.WireError("a handle without a number") from None
            return Remote(self, ident, tree)
        # A reference to one of this process's own functions ("cb") never
        # comes back as the student's value: only plain data and handles.
        raise wire.WireError(f"an unknown tag {tag!r}")

    def tree(self, value: Any) -> Any:
        return wire.to_tree(value, self.refer)

    # requests ----------------------------------------------------------
    def request(self, request: dict[str, Any]) -> Any:
        """Return what the kernel answers to ``request``, as a value.

        Raises the student's exception (:func:`remote_error`) when their
        code raised, and ``RemoteError`` when the answer cannot be read.
        """
        reply = self.exchange(request)
        if not isinstance(reply, dict):
            raise remote_error("RuntimeError", "the kernel's answer cannot be read")
        if "raised" in reply:
            raised = reply["raised"]
            if not isinstance(raised, dict):
                raise remote_error("RuntimeError", "the kernel's answer cannot be read")
            raise remote_error(
                str(raised.get("ename", "Error")), str(raised.get("evalue", ""))
            )
        if "value" not in reply:
            raise remote_error("RuntimeError", "the kernel's answer holds no value")
        try:
            value = wire.from_tree(reply["value"], self.resolve)
            after = reply.get("after")
            after = (
                [None if a is None else wire.from_tree(a, self.resolve) for a in after]
                if isinstance(after, list)
                else None
            )
        except (wire.WireError, RecursionError) as exc:
            raise remote_error(
                "RuntimeError", f"the kernel's answer cannot be read: {exc}"
            ) from None
        if request.get("op") == "call" and after is not None:
            sent = [*request["_args"], *request["_kwargs"].values()]
            for original, new in zip(sent, after, strict=False):
                if new is not None:
                    _write_back(original, new)
        return value

    def exchange(self, request: dict[str, Any]) -> Any:
        """Send ``request`` to the kernel; serve callbacks until it answers."""
        wire_request = {k: v for k, v in request.items() if not k.startswith("_")}
        self.send({"op": "kernel", "request": wire_request})
        while True:
            message = self.receive()
            op = message.get("op")
            if op == "answer":
                text = message.get("reply")
                if text is None:
                    raise remote_error(
                        str(message.get("ename", "RuntimeError")),
                        str(message.get("evalue", "the kernel did not answer")),
                    )
                try:
                    return json.loads(text)
                except (ValueError, RecursionError):
                    return None
            if op == "callback":
                self.send(self.run_callback(message))
            else:
                raise SystemExit(f"unexpected message {op!r} while waiting")

    def run_callback(self, message: dict[str, Any]) -> dict[str, Any]:
        """Run a function a test passed in, for the student's code."""
        try:
            fn = self.callbacks[int(message["id"])]
            args = wire.from_tree(message["args"], self.resolve)
            kwargs = wire.from_tree(message["kwargs"], self.resolve)
            if not isinstance(args, list) or not isinstance(kwargs, dict):
                raise wire.WireError("a call without arguments")
            value = fn(*args, **{str(k): v for k, v in kwargs.items()})
            return {"op": "callback_done", "value": self.tree(value)}
        except Exception as exc:
            return {
                "op": "callback_done",
                "raised": f"{type(exc).__name__}: {exc}"[: wire.MAX_MESSAGE],
            }


def _model_recipe(value: Any, link: Link) -> dict[str, Any] | None:
    """Return the recipe of a course model, which the kernel rebuilds."""
    models = sys.modules.get("actzoo.models")
    if models is None or not isinstance(value, models.MLP):
        return None
    return {
        "t": "module",
        "sizes": link.tree(list(value.sizes)),
        "activation": value.activation,
        "params": link.tree(dict(value.params)),
        "state": link.tree(dict(value.state_dict())),
    }


def _write_back(original: Any, new: Any) -> None:
    """Make ``original`` what the student's code left it as (``new``)."""
    import numpy as np

    torch = sys.modules.get("torch")
    if isinstance(original, np.ndarray) and isinstance(new, np.ndarray):
        if original.shape == new.shape and not np.array_equal(
            original, new, equal_nan=True
        ):
            if original.flags.writeable:
                original[...] = new
    elif torch is not None and isinstance(original, torch.Tensor):
        if isinstance(new, torch.Tensor) and original.shape == new.shape:
            new = new.to(original.dtype)
            if not torch.equal(original.detach(), new.detach()):
                with torch.no_grad():
                    original.copy_(new)
    elif isinstance(original, dict) and isinstance(new, dict):
        for key in list(original):
            if key not in new:
                del original[key]
        for key, value in new.items():
            same = key in original and type(original[key]) is type(value)
            if same or (
                key in original
                and torch is not None
                and isinstance(original[key], torch.Tensor)
            ):
                _write_back(original[key], value)
            else:
                original[key] = value
    elif isinstance(original, list) and isinstance(new, list):
        if len(original) == len(new):
            for i, value in enumerate(new):
                if type(original[i]) is type(value) and isinstance(
                    value, (list, dict, np.ndarray)
                ):
                    _write_back(original[i], value)
                else:
                    original[i] = value
        else:
            original[:] = new


class Remote:
    """An object in the student's kernel, used through requests.

    Calls, attributes, items, lengths, iteration, conversions to an array
    or a number and comparisons are answered by the kernel; the answers are
    plain data or further handles.
    """

    __actzoo_remote__ = True

    def __init__(
        self,
        link: Link,
        ident: int | None,
        meta: dict[str, Any],
        name: str | None = None,
    ) -> None:
        object.__setattr__(self, "_link", link)
        object.__setattr__(self, "_ident", ident)
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_generation", link.generation)
        label = meta.get("name") if isinstance(meta.get("name"), str) else None
        object.__setattr__(
            self, "_label", name or label or str(meta.get("type", "object"))
        )

    def _ask(self, op: str, **fields: Any) -> Any:
        link: Link = self._link
        if self._generation != link.generation:
            raise remote_error(
                "RuntimeError", "the kernel was restarted after this value was made"
            )
        request: dict[str, Any] = {"op": op, **fields}
        if self._name is not None:
            request["name"] = self._name
        else:
            request["handle"] = self._ident
        return link.request(request)

    def __actzoo_call__(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], quiet: bool = False
    ) -> Any:
        link: Link = self._link
        return self._ask(
            "call",
            args=link.tree(list(args)),
            kwargs=link.tree(dict(kwargs)),
            quiet=quiet,
            _args=list(args),
            _kwargs=dict(kwargs),
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__actzoo_call__(args, kwargs)

    def __getattr__(self, attr: str) -> Any:
        if attr in ("__name__", "__qualname__") and self._name is not None:
            # The name the test reads it by: for messages, and no request.
            return self._name
        if attr.startswith("__") and attr not in (
            "__name__",
            "__qualname__",
            "__doc__",
        ):
            raise AttributeError(attr)
        if attr.startswith("_") and attr in (
            "_link",
            "_ident",
            "_name",
            "_generation",
            "_label",
        ):
            raise AttributeError(attr)
        return self._ask("getattr", attr=attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError("the student's objects are read, not changed")

    def __getitem__(self, key: Any) -> Any:
        return self._ask("getitem", key=self._link.tree(key))

    def __len__(self) -> int:
        value = self._ask("len")
        if type(value) is not int or value < 0:
            raise remote_error(
                "TypeError", "len() of the student's object is not a count"
            )
        return value

    def __iter__(self) -> Any:
        items = self._ask("iter")
        if not isinstance(items, list):
            raise remote_error("TypeError", "the student's object did not iterate")
        return iter(items)

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        import numpy as np

        value = self._ask("array")
        if not isinstance(value, (np.ndarray, np.generic)):
            raise remote_error("TypeError", "the student's object is not an array")
        array = np.asarray(value)
        return array if dtype is None else array.astype(dtype)

    def __float__(self) -> float:
        value = self._ask("float")
        if type(value) is not float:
            raise remote_error("TypeError", "the student's object is not a number")
        return value

    def __int__(self) -> int:
        value = self._ask("int")
        if type(value) is not int:
            raise remote_error("TypeError", "the student's object is not an integer")
        return value

    def __index__(self) -> int:
        return self.__int__()

    def __bool__(self) -> bool:
        return self._ask("bool") is True

    def __repr__(self) -> str:
        try:
            text = self._ask("repr")
        except Exception:
            text = None
        return text if isinstance(text, str) else f"<{self._label}>"

    def __str__(self) -> str:
        try:
            text = self._ask("str")
        except Exception:
            text = None
        return text if isinstance(text, str) else f"<{self._label}>"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec) if not spec else format(float(self), spec)

    def __hash__(self) -> int:
        return hash((id(self._link), self._ident, self._name))


def _binop(method: str) -> Any:
    def op(self: Remote, other: Any) -> Any:
        return self._ask("binop", method=method, other=self._link.tree(other))

    op.__name__ = method
    return op


for _method in (
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__add__",
    "__radd__",
    "__sub__",
    "__rsub__",
    "__mul__",
    "__rmul__",
    "__truediv__",
    "__rtruediv__",
    "__matmul__",
    "__rmatmul__",
    "__pow__",
):
    setattr(Remote, _method, _binop(_method))


class Namespace(dict[str, Any]):
    """The tests' globals: trusted names first, then the student's."""

    def __init__(self, link: Link) -> None:
        super().__init__()
        self.link = link
        #: Names the student's notebook binds, fetched for the current cell.
        self.fetched: dict[str, Any] = {}

    def __missing__(self, name: str) -> Any:
        if name in self.fetched:
            return self.fetched[name]
        if hasattr(builtins, name) or name.startswith("__"):
            raise KeyError(name)
        value = self.link.request({"op": "get", "name": name})
        if isinstance(value, Remote):
            # A function or object of the student's: every use asks the
            # kernel for the value the name has then, and passed back to
            # the student's code it is the object fetched.
            value = Remote(self.link, value._ident, {"name": name}, name=name)
        self.fetched[name] = value
        return value


class _NoMagics:
    """What ``get_ipython()`` is in the trusted process: magics do nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def _transformed(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython comes with nbgrader
        return source
    return TransformerManager().transform_cell(source)


class _Capped(io.StringIO):
    def write(self, text: str) -> int:
        if self.tell() < MAX_PRINTED:
            super().write(text[: MAX_PRINTED - self.tell()])
        return len(text)


def run_cell(ns: Namespace, message: dict[str, Any]) -> dict[str, Any]:
    """Run one given or test cell in ``ns``; return the ``done`` message."""
    index = int(message.get("index", -1))
    source = str(message.get("source", ""))
    ns.fetched.clear()
    out, err = _Capped(), _Capped()
    result: dict[str, Any] = {"op": "done", "status": "ok"}
    try:
        code = compile(_transformed(source), f"<cell {index + 1}>", "exec")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            exec(code, ns)
    except BaseException as exc:  # every failure is a verdict
        if isinstance(exc, RemoteError):
            result.update(status="error", ename=exc.ename, evalue=exc.evalue)
        else:
            result.update(
                status="error",
                ename=type(exc).__name__,
                evalue=str(exc)[: wire.MAX_MESSAGE],
            )
        if message.get("kind") == "given":
            result["traceback"] = traceback.format_exc()[-5000:]
    result["stdout"] = out.getvalue()
    result["stderr"] = err.getvalue()
    return result


def main() -> None:
    """Serve the grader on standard input and output until it closes them."""
    # What every exercise's cells use, loaded while the kernel starts.
    import actzoo  # noqa: F401
    import actzoo_grader.checks  # noqa: F401

    _transformed("")
    reader = sys.stdin.buffer
    writer = os.fdopen(os.dup(1), "wb")
    # Whatever the tests' libraries print goes to standard error, never
    # into the channel.
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    link = Link(reader, writer)
    ns = Namespace(link)
    ns["get_ipython"] = _NoMagics
    while True:
        message = link.receive()
        op = message.get("op")
        if op == "run":
            link.send(run_cell(ns, message))
        elif op == "restart":
            link.generation += 1
        elif op == "stop":
            return
        else:
            raise SystemExit(f"unknown message {op!r}")


if __name__ == "__main__":
    main()
