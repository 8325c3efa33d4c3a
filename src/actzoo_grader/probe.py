"""Return the kernel probe: code that reports the test machinery's state.

Whatever the reading of the cells (:mod:`actzoo_grader.static_scan`) misses is
caught at run time: :func:`actzoo_grader.run.run_notebook` runs the code of
:func:`probe_source` in the kernel before any student code and before
every test cell. It prints, after a random tag, the kernel's IPython
hooks and transformers, ``sys`` hooks, threads, and the identity of every
function of the modules the tests use; :func:`read_probe` reads it back
and :func:`compare_probes` says what changed since the first report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

_PROBE = r"""
def _actzoo_probe_{tag}():
    import json, sys, threading
    out = {{}}
    try:
        ip = get_ipython()
    except NameError:
        ip = None
    def q(f):
        return "%s.%s" % (getattr(f, "__module__", None),
                          getattr(f, "__qualname__", type(f).__qualname__))
    roots = tuple(p for p in {{sys.prefix, sys.base_prefix,
                               sys.exec_prefix}} if p)
    def library(value):
        code = getattr(value, "__code__", None)
        if code is None:
            code = getattr(getattr(value, "__func__", None), "__code__", None)
        return code is not None and code.co_filename.startswith(roots)
    def own(key, value):
        # A library may replace one of its functions by a wrapper of the
        # same name (PyTorch does); code from the notebook never counts.
        code = getattr(value, "__code__", None)
        if code is None:
            code = getattr(getattr(value, "__func__", None), "__code__", None)
        name_ok = getattr(value, "__name__", None) == key
        if code is None:
            return name_ok
        return name_ok and code.co_filename.startswith(roots)
    for name in {modules!r}:
        try:
            __import__(name)
        except Exception:
            pass
    if ip is not None:
        out["cleanup"] = [q(f) for f in ip.input_transformers_cleanup]
        out["post"] = [q(f) for f in ip.input_transformers_post]
        out["ast"] = [q(f) for f in ip.ast_transformers]
        out["custom_exc"] = repr(ip.custom_exceptions)
        # Libraries register callbacks as they load (matplotlib's inline
        # backend does); only callbacks from elsewhere are reported.
        out["events"] = {{k: [q(f) for f in v if not library(f)]
                          for k, v in ip.events.callbacks.items()}}
        out["instance"] = sorted(k for k in vars(ip)
                                 if k in ("showtraceback", "_showtraceback",
                                          "run_cell", "run_cell_async",
                                          "transform_cell", "run_ast_nodes",
                                          "run_code", "showsyntaxerror"))
        out["class"] = [q(getattr(type(ip), k)) for k in (
            "showtraceback", "_showtraceback", "run_cell", "run_cell_async",
            "transform_cell", "run_ast_nodes", "run_code")]
    out["excepthook"] = q(sys.excepthook)
    out["displayhook"] = type(sys.displayhook).__qualname__
    out["stdout"] = q(type(sys.stdout)) + "/" + q(type(sys.stderr))
    out["trace"] = [sys.gettrace() is not None, sys.getprofile() is not None]
    # pyzmq starts its garbage collector thread when it first needs it.
    out["threads"] = sorted(q(type(t)) for t in threading.enumerate()
                            if not type(t).__module__.startswith("zmq."))
    ids = {{}}
    for name in sorted(set({modules!r}) | {{"builtins"}}):
        module = sys.modules.get(name)
        if module is None:
            continue
        # ipykernel swaps input() in and out around every request.
        ids[name] = {{k: [id(v), own(k, v)]
                      for k, v in list(vars(module).items())
                      if not k.startswith("_") and callable(v)
                      and not (name == "builtins" and k == "input")}}
    out["ids"] = ids
    sys.__stdout__.flush()
    print("{tag}" + json.dumps(out, sort_keys=True), flush=True)
_actzoo_probe_{tag}()
del _actzoo_probe_{tag}
"""


def probe_source(tag: str, modules: Iterable[str]) -> str:
    """Return code that prints ``tag`` and the kernel's hook state as JSON."""
    if not re.fullmatch(r"[A-Za-z0-9_]+", tag):
        raise ValueError(f"a probe tag must be an identifier, got {tag!r}")
    return _PROBE.format(tag=tag, modules=tuple(sorted(set(modules))))


def read_probe(text: str, tag: str) -> dict[str, Any] | None:
    """Return the state a probe printed in ``text``, or None if it did not."""
    for line in text.splitlines():
        if line.startswith(tag):
            try:
                return json.loads(line[len(tag) :])
            except json.JSONDecodeError:
                return None
    return None


def compare_probes(baseline: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """Return how the kernel's test machinery changed since ``baseline``.

    Hooks must be as they were; every function of a watched module that
    existed at the baseline must be the same object. Functions a module
    gained since (lazily imported submodules) are not a change.
    """
    changes = []
    for key in (
        "cleanup",
        "post",
        "ast",
        "custom_exc",
        "events",
        "instance",
        "class",
        "excepthook",
        "displayhook",
        "stdout",
        "trace",
        "threads",
    ):
        if baseline.get(key) != now.get(key):
            changes.append(
                f"{key} changed from {baseline.get(key)!r} to {now.get(key)!r}"
            )
    for module, ids in baseline.get("ids", {}).items():
        current = now.get("ids", {}).get(module, {})
        # Each entry is [id, whether the object is the library's own code
        # under the same name]; a library re-wrapping itself is no change.
        replaced = sorted(
            name
            for name, (ident, _) in ids.items()
            if name in current and current[name][0] != ident and not current[name][1]
        )
        removed = sorted(name for name in ids if name not in current)
        if replaced:
            changes.append(f"{module}: replaced " + ", ".join(replaced[:8]))
        if removed:
            changes.append(f"{module}: removed " + ", ".join(removed[:8]))
    return changes
