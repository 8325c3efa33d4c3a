"""Return what a submission did to its tests, and notebooks safe to run.

Plain nbgrader trusts the submitted notebook more than it should: a
``skip-execution`` tag makes a test cell run nothing and score full marks,
a deleted or re-tagged test cell is silently missing, and code in an
earlier cell can rewrite later cells (an IPython input transformer) or
what the tests rely on (``np.allclose``, the course's ``assert_close``, an
object whose ``==`` is always true). This module closes those holes in
three layers, all decided *outside* the kernel:

1. :func:`sanitize` rebuilds the notebook from the release: every tag and
   every piece of metadata but nbgrader's own is dropped, every test cell
   and every given cell comes back from the release (deleted ones are put
   back in place), and edited, re-tagged, duplicated or deleted test cells
   are recorded as tampering.
2. :func:`static_findings` reads the student's own cells (never runs them)
   and records code that reaches for the test machinery: IPython
   transformers and hooks, trace functions, rebinding a name the given
   cells define (``assert_close``), assigning to an attribute of a module
   (``np.allclose = ...``), dynamic code (``exec``, ``globals()``), and
   comparison dunders such as an ``__eq__`` that is always true.
3. At run time (:mod:`grading.preprocessors`), a *probe* before every test
   cell reports the kernel's hooks and the identity of every function of
   the modules the tests use; the grader compares each report with the one
   taken before any student code ran. Each test cell also ends with a
   random *canary* that the grader looks for in the cell's output: a cell
   that was skipped, rewritten or cut short does not print it.

A test cell that runs after tampering scores no points, and the grader's
report names what was detected.
"""

from __future__ import annotations

import ast
import copy
import json
import re
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import nbformat
from nbformat import NotebookNode

#: Metadata key where the grader keeps its own notes on a sanitized cell.
KEY = "actzoo"

#: Names whose use in a student's cell reaches for the test machinery.
HOOK_NAMES = frozenset(
    {
        "input_transformers_cleanup",
        "input_transformers_post",
        "ast_transformers",
        "set_custom_exc",
        "custom_exceptions",
        "showtraceback",
        "_showtraceback",
        "showsyntaxerror",
        "excepthook",
        "displayhook",
        "settrace",
        "setprofile",
        "run_cell",
        "run_cell_async",
        "transform_cell",
        "register_magic_function",
        "audit",
        "addaudithook",
        "set_next_input",
        "__builtins__",
        "builtins",
        "modules",
        "meta_path",
        "path_hooks",
        "_getframe",
    }
)

#: Calls that run or reach code the grader cannot read.
DYNAMIC_CALLS = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "globals",
        "vars",
        "locals",
        "__import__",
        "setattr",
        "delattr",
        "get_ipython",
    }
)

#: Modules whose import in a student's cell reaches for the machinery.
DYNAMIC_MODULES = frozenset(
    {
        "ctypes",
        "importlib",
        "gc",
        "builtins",
        "IPython",
        "ipykernel",
        "inspect",
        "atexit",
        "signal",
        "threading",
        "_thread",
    }
)

#: Methods that change what ``==``, ``bool`` or NumPy see in an object.
COMPARISON_DUNDERS = frozenset(
    {
        "__eq__",
        "__ne__",
        "__lt__",
        "__le__",
        "__gt__",
        "__ge__",
        "__bool__",
        "__len__",
        "__array__",
        "__array_ufunc__",
        "__array_function__",
        "__array_interface__",
        "__float__",
        "__abs__",
        "__sub__",
        "__rsub__",
        "__instancecheck__",
    }
)


@dataclass(frozen=True)
class Finding:
    """Something the grader noticed about a submission.

    ``tampering`` findings cost the points of the test cells they affect;
    the others are reported only.
    """

    kind: str
    cell: str
    detail: str
    tampering: bool

    def as_dict(self) -> dict[str, Any]:
        """Return the finding as a JSON-ready dictionary."""
        return asdict(self)


def read_notebook(path: Any) -> NotebookNode:
    """Return the notebook at ``path`` as nbformat 4, every cell with an id.

    Notebooks written before nbformat 4.5 have no cell ids; nbformat warns
    about them, and here they get ids instead.
    """
    from nbformat.warnings import MissingIDFieldWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingIDFieldWarning)
        nb = nbformat.read(path, as_version=4)
    for number, cell in enumerate(nb.get("cells", [])):
        if isinstance(cell, dict) and not isinstance(cell.get("id"), str):
            cell["id"] = f"cell-{number}"
    return nb


def _nbgrader(cell: dict[str, Any]) -> dict[str, Any]:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def is_test(cell: dict[str, Any]) -> bool:
    """Return True if ``cell`` is an autograded test cell."""
    meta = _nbgrader(cell)
    return (
        cell.get("cell_type") == "code"
        and bool(meta.get("grade"))
        and not meta.get("solution")
    )


def is_given(cell: dict[str, Any]) -> bool:
    """Return True if ``cell`` is given by the release (locked, no answer)."""
    meta = _nbgrader(cell)
    return bool(meta.get("locked")) and not meta.get("solution")


def normalise(source: str | list[str]) -> str:
    """Return cell source with trailing spaces and blank ends removed."""
    if isinstance(source, list):
        source = "".join(source)
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _label(cell: dict[str, Any], index: int) -> str:
    grade_id = _nbgrader(cell).get("grade_id")
    return str(grade_id) if grade_id else f"cell {index + 1}"


def sanitize(
    submitted: NotebookNode, release: NotebookNode
) -> tuple[NotebookNode, list[Finding]]:
    """Return the notebook to grade, rebuilt on ``release``, and findings.

    Parameters
    ----------
    submitted
        The student's notebook, as read (any metadata, tags, cell order).
    release
        The notebook the student was given (test cells without hidden
        tests; nbgrader puts those back afterwards).

    Returns
    -------
    notebook, findings
        The student's own cells (their source only) in their order, every
        given and test cell as released (deleted ones put back after the
        given cell that precedes them in the release), and the findings.
        Test cells carry ``metadata.actzoo.tampered`` when they were
        edited, re-tagged, duplicated or deleted.
    """
    findings: list[Finding] = []
    released = {
        (_nbgrader(c).get("grade_id")): c
        for c in release.cells
        if _nbgrader(c).get("grade_id")
    }
    order = [
        gid for gid in (_nbgrader(c).get("grade_id") for c in release.cells) if gid
    ]
    test_sources = {
        normalise(c.source): gid for gid, c in released.items() if is_test(c)
    }
    out = nbformat.v4.new_notebook()
    out.metadata = copy.deepcopy(
        {
            k: v
            for k, v in release.metadata.items()
            if k in ("kernelspec", "language_info")
        }
    )
    extra = sorted(set(submitted.get("metadata", {})) - set(out.metadata))
    if extra:
        findings.append(
            Finding(
                "metadata",
                "notebook",
                "notebook metadata removed: " + ", ".join(extra),
                False,
            )
        )
    tampered: dict[str, str] = {}
    placed: dict[str, NotebookNode] = {}
    cells: list[NotebookNode] = []
    for index, cell in enumerate(submitted.get("cells", [])):
        if not isinstance(cell, dict) or "cell_type" not in cell:
            findings.append(
                Finding(
                    "malformed",
                    f"cell {index + 1}",
                    "a cell without a type was dropped",
                    False,
                )
            )
            continue
        label = _label(cell, index)
        meta = cell.get("metadata", {}) or {}
        tags = meta.get("tags") or []
        gid = str(_nbgrader(cell).get("grade_id") or "")
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if tags:
            findings.append(
                Finding(
                    "tags",
                    label,
                    "tags removed: " + ", ".join(map(str, tags)),
                    gid in released and is_test(released[gid]),
                )
            )
            if gid in released and is_test(released[gid]):
                tampered.setdefault(
                    gid, "its tags were changed (" + ", ".join(map(str, tags)) + ")"
                )
        if gid in released and gid not in placed:
            original = released[gid]
            if is_test(original) or is_given(original):
                if cell.get("cell_type") != original.cell_type or _flags(
                    cell
                ) != _flags(original):
                    if is_test(original):
                        tampered.setdefault(
                            gid, "its nbgrader metadata or type was changed"
                        )
                    findings.append(
                        Finding(
                            "retagged",
                            gid,
                            "nbgrader metadata or cell type "
                            "changed; the released cell is used",
                            is_test(original),
                        )
                    )
                if normalise(source) != normalise(original.source):
                    if is_test(original):
                        tampered.setdefault(gid, "its source was edited")
                    findings.append(
                        Finding(
                            "edited",
                            gid,
                            "a read-only cell was edited; the released cell is used",
                            is_test(original),
                        )
                    )
                new = _copy_released(original)
            else:
                # The student's answer, with the released cell's metadata
                # (points, flags, id): only the source is theirs.
                new = _copy_released(original)
                new.source = source
            placed[gid] = new
            cells.append(new)
            continue
        if gid in placed:
            if is_test(released[gid]):
                tampered.setdefault(gid, "it was duplicated")
            findings.append(
                Finding(
                    "duplicate",
                    gid,
                    "a second cell with this id is treated as the student's own code",
                    is_test(released[gid]),
                )
            )
        elif gid:
            findings.append(
                Finding(
                    "unknown",
                    label,
                    "nbgrader metadata of an unknown cell removed",
                    False,
                )
            )
        if cell.get("cell_type") == "code":
            twin = test_sources.get(normalise(source))
            if twin and twin not in placed and twin not in tampered:
                tampered[twin] = "its nbgrader metadata was removed or changed"
                findings.append(
                    Finding(
                        "retagged",
                        twin,
                        "a copy of this test cell lost its nbgrader metadata",
                        True,
                    )
                )
            new = nbformat.v4.new_code_cell(source)
        elif cell.get("cell_type") == "markdown":
            new = nbformat.v4.new_markdown_cell(source)
        else:
            new = nbformat.v4.new_raw_cell(source)
        new.metadata[KEY] = {"role": "student"}
        cells.append(new)

    # Put back the given and test cells the submission lacks.
    for position, gid in enumerate(order):
        if gid in placed:
            continue
        original = released[gid]
        if not (is_test(original) or is_given(original)):
            continue
        if is_test(original):
            if gid not in tampered:
                tampered[gid] = "it was deleted"
                findings.append(
                    Finding(
                        "deleted", gid, "a test cell was missing and was put back", True
                    )
                )
        else:
            findings.append(
                Finding(
                    "deleted", gid, "a given cell was missing and was put back", False
                )
            )
        new = _copy_released(original)
        before = [placed[g] for g in order[:position] if g in placed]
        at = cells.index(before[-1]) + 1 if before else 0
        cells.insert(at, new)
        placed[gid] = new

    for gid, why in tampered.items():
        placed[gid].metadata[KEY]["tampered"] = why
    seen: set[str] = set()
    for number, cell in enumerate(cells):
        if (
            not isinstance(cell.get("id"), str)
            or cell["id"] in seen
            or not re.fullmatch(r"[a-zA-Z0-9-_]{1,64}", cell["id"])
        ):
            cell["id"] = f"cell-{number}"
        seen.add(cell["id"])
    out.cells = cells
    return out, findings


def _flags(cell: dict[str, Any]) -> tuple[Any, ...]:
    meta = _nbgrader(cell)
    return tuple(meta.get(k) for k in ("grade", "solution", "locked", "points", "task"))


def _copy_released(cell: NotebookNode) -> NotebookNode:
    new = copy.deepcopy(cell)
    new.metadata = {"nbgrader": copy.deepcopy(cell.metadata["nbgrader"])}
    if new.cell_type == "code":
        new.outputs = []
        new.execution_count = None
    role = "test" if is_test(cell) else ("given" if is_given(cell) else "student")
    new.metadata[KEY] = {"role": role}
    return new


def role(cell: dict[str, Any]) -> str:
    """Return ``"test"``, ``"given"`` or ``"student"`` for a sanitized cell."""
    return cell.get("metadata", {}).get(KEY, {}).get("role", "student")


# ------------------------------------------------------------ static scan


def python_source(source: str) -> str:
    """Return IPython cell source as plain Python (magics become calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def bound_names(source: str) -> set[str]:
    """Return the names a cell binds at top level (imports, defs, assignments)."""
    try:
        tree = ast.parse(python_source(source))
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        names |= _binds(node)
    return names


def _binds(node: ast.AST) -> set[str]:
    names: set[str] = set()
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            names.add((alias.asname or alias.name).split(".")[0])
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        names.add(node.name)
    else:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
                names.add(sub.id)
            elif isinstance(sub, (ast.Global, ast.Nonlocal)):
                names.update(sub.names)
            elif isinstance(sub, (ast.Import, ast.ImportFrom)):
                for alias in sub.names:
                    names.add((alias.asname or alias.name).split(".")[0])
    return names


def imported_modules(sources: Iterable[str]) -> list[str]:
    """Return the modules that ``import`` statements in ``sources`` load."""
    found: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(python_source(source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
    return sorted(found)


def static_findings(
    source: str, label: str, protected: set[str], modules: set[str]
) -> list[Finding]:
    """Return what one student cell does to the test machinery.

    Parameters
    ----------
    source
        The cell's source (IPython syntax allowed).
    label
        How the report names the cell.
    protected
        Names the given cells bind (``np``, ``assert_close``, ...): the
        tests rely on them, so a student cell must not rebind them.
    modules
        Names bound to modules anywhere in the notebook: assigning to
        their attributes patches a library.
    """
    try:
        tree = ast.parse(python_source(source))
    except SyntaxError:
        return []
    found: list[str] = []
    rebound = sorted(set().union(*(_binds(n) for n in tree.body)) & protected)
    if rebound:
        found.append("rebinds " + ", ".join(rebound) + ", which the given cells define")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in HOOK_NAMES:
            found.append(f"uses .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in HOOK_NAMES:
            found.append(f"uses {node.id}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in DYNAMIC_CALLS
        ):
            found.append(f"calls {node.func.id}()")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for name in names:
                if name.split(".")[0] in DYNAMIC_MODULES:
                    found.append(f"imports {name}")
        elif (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name in COMPARISON_DUNDERS
        ):
            found.append(f"defines {node.name}")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = (
                node.targets
                if isinstance(node, (ast.Assign, ast.Delete))
                else [node.target]
            )
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, (ast.Attribute, ast.Subscript)) and isinstance(
                        sub.ctx, (ast.Store, ast.Del)
                    ):
                        root = _root_name(sub)
                        if root in modules or root in protected:
                            found.append("assigns to " + ast.unparse(sub).strip())
    unique = list(dict.fromkeys(found))
    if not unique:
        return []
    return [Finding("static", label, "; ".join(unique), True)]


# ------------------------------------------------------------ run-time probe

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


def cell_label(cell: dict[str, Any], index: int) -> str:
    """Return how reports name a cell: its grade id, else its position."""
    return _label(cell, index)
