"""Serve the trusted test process from inside the student's kernel.

The grader runs the test cells in a process of its own
(:mod:`actzoo_grader.trusted`). When a test needs something of the
student's (a function, a constant, a result), the grader asks the agent in
the kernel, one request at a time, and the agent answers with plain data
(:mod:`actzoo_grader.wire`): it looks a name up, calls a function, reads an
attribute or an item. Objects that are not plain data stay in the kernel
and are named by a handle; functions of the trusted process that a test
passes in arrive as callbacks, which ask the grader to run them through
the kernel's standard input.

Nothing here is trusted: student code can replace the agent, and whatever
comes back is read as the student's answer, bounded and checked by the
trusted process. The agent only makes honest answers easy to read.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np

from actzoo_grader import wire

#: How the agent's prompt for its next request begins; the reply to the
#: last request follows it.
READY = "actzoo-agent:"


class Callback:
    """A function of the trusted process, called through standard input."""

    def __init__(self, ident: int, name: str, agent: Agent) -> None:
        self.ident = ident
        self.__name__ = self.__qualname__ = name
        self._agent = agent

    def __repr__(self) -> str:
        return f"<grader function {self.__name__}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = {
            "callback": self.ident,
            "args": self._agent.tree(list(args)),
            "kwargs": self._agent.tree(kwargs),
        }
        answer = json.loads(input(json.dumps(request)))
        if "raised" in answer:
            raise RuntimeError(
                f"the grader's function {self.__name__} raised: {answer['raised']}"
            )
        return wire.from_tree(answer["value"], self._agent.resolve)


class Agent:
    """Answers the grader's requests in the kernel's namespace."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        self.handles: dict[int, Any] = {}

    # references --------------------------------------------------------
    def refer(self, value: Any) -> dict[str, Any]:
        if isinstance(value, Callback):
            return {"t": "cb", "id": value.ident}
        ident = len(self.handles) + 1
        self.handles[ident] = value
        name = getattr(value, "__name__", None)
        return {
            "t": "kh",
            "id": ident,
            "type": type(value).__name__,
            "name": name if isinstance(name, str) else None,
            "callable": callable(value),
        }

    def resolve(self, tree: dict[str, Any]) -> Any:
        tag = tree["t"]
        if tag == "kh":
            return self.handles[int(tree["id"])]
        if tag == "cb":
            return Callback(int(tree["id"]), str(tree.get("name", "f")), self)
        if tag == "module":
            return self.rebuild(tree)
        raise wire.WireError(f"an unknown tag {tag!r}")

    def rebuild(self, tree: dict[str, Any]) -> Any:
        """Return a course model rebuilt from its recipe."""
        from actzoo.models import MLP

        params = wire.from_tree(tree["params"], self.resolve)
        model = MLP(
            wire.from_tree(tree["sizes"], self.resolve),
            tree["activation"],
            seed=0,
            **params,
        )
        model.load_state_dict(wire.from_tree(tree["state"], self.resolve))
        return model

    def tree(self, value: Any) -> Any:
        return wire.to_tree(value, self.refer)

    def target(self, request: dict[str, Any]) -> Any:
        if "handle" in request:
            return self.handles[int(request["handle"])]
        name = request["name"]
        if name not in self.namespace:
            raise NameError(f"name {name!r} is not defined")
        return self.namespace[name]

    # requests ----------------------------------------------------------
    def session(self) -> None:
        """Serve requests read from standard input until told to stop.

        One session serves one cell's requests. Each request arrives as the
        answer to an input prompt, and the prompt that asks for the next
        one carries the reply to the last: one message each way, in order.
        """
        text = input(READY)
        while text != "end":
            text = input(READY + self.serve(text))

    def serve(self, text: str) -> str:
        """Return the reply to one request, as JSON text."""
        try:
            reply = self.answer(json.loads(text))
        except Exception as exc:  # the student's code raised
            reply = {
                "raised": {
                    "ename": type(exc).__name__,
                    "evalue": str(exc)[: wire.MAX_MESSAGE],
                }
            }
        try:
            body = json.dumps(reply, separators=(",", ":"))
            if len(body) > wire.MAX_CHARS:
                raise ValueError(f"a reply of {len(body):,} characters")
        except (TypeError, ValueError) as exc:
            body = json.dumps({"raised": {"ename": "WireError", "evalue": str(exc)}})
        return body

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request["op"]
        if op == "get":
            return {"value": self.tree(self.target(request))}
        if op == "call":
            return self.call(request)
        obj = self.target(request)
        if op == "getattr":
            return {"value": self.tree(getattr(obj, str(request["attr"])))}
        if op == "getitem":
            key = wire.from_tree(request["key"], self.resolve)
            return {"value": self.tree(obj[key])}
        if op == "len":
            return {"value": len(obj)}
        if op == "iter":
            return {"value": self.tree(list(obj))}
        if op == "array":
            array = np.asarray(obj)
            if array.dtype.kind not in wire.KINDS:
                raise TypeError(f"a {type(obj).__name__} is not an array of numbers")
            return {"value": self.tree(array)}
        if op in ("repr", "str"):
            return {"value": (repr if op == "repr" else str)(obj)[:10_000]}
        if op == "bool":
            return {"value": bool(obj)}
        if op == "float":
            return {"value": self.tree(float(obj))}
        if op == "int":
            return {"value": int(obj)}
        if op == "binop":
            other = wire.from_tree(request["other"], self.resolve)
            return {"value": self.tree(getattr(obj, str(request["method"]))(other))}
        raise ValueError(f"unknown request {op!r}")

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        fn = self.target(request)
        args = wire.from_tree(request["args"], self.resolve)
        kwargs = wire.from_tree(request["kwargs"], self.resolve)
        if request.get("quiet"):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                with np.errstate(
                    over="raise", divide="raise", invalid="raise", under="ignore"
                ):
                    value = fn(*args, **kwargs)
        else:
            value = fn(*args, **kwargs)
        reply: dict[str, Any] = {"value": self.tree(value)}
        # What the call did to the data it was given, for the trusted
        # process to see (a test may check that its inputs were kept).
        after = []
        for arg in [*args, *kwargs.values()]:
            mutable = isinstance(arg, (np.ndarray, list, dict)) or (
                type(arg).__module__ == "torch" and type(arg).__name__ == "Tensor"
            )
            after.append(self.tree(arg) if mutable else None)
        reply["after"] = after
        return reply
