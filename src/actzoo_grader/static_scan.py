"""Return what a student's cells do to the test machinery, read, never run.

Code in an earlier cell can rewrite later cells (an IPython input
transformer) or what the tests rely on (``np.allclose``, the course's
``assert_close``, an object whose ``==`` is always true).
:func:`static_findings` reads each of the student's own cells as Python
source and records code that reaches for the test machinery: IPython
transformers and hooks, trace functions, rebinding a name the given cells
define (``assert_close``), assigning to an attribute of a module
(``np.allclose = ...``), dynamic code (``exec``, ``globals()``), and
comparison dunders such as an ``__eq__`` that is always true.
:func:`bound_names` and :func:`imported_modules` tell it which names the
given cells define and which modules the tests use.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from actzoo_grader.findings import Finding

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


#: IPython magics an honest notebook uses: plots, timing, printing, help
#: (``np.where?`` is ``pinfo``). Their calls
#: (``get_ipython().run_line_magic(...)``) are not flagged; the code that
#: ``time`` and ``timeit`` run is read like the cell's own.
SAFE_MAGICS = frozenset(
    {
        "matplotlib",
        "time",
        "timeit",
        "precision",
        "pprint",
        "who",
        "whos",
        "capture",
        "pinfo",
        "pinfo2",
    }
)
#: The magics among them that run code given as their argument or body.
CODE_MAGICS = frozenset({"time", "timeit", "capture"})


#: The one module of IPython a student's cell may import from: it holds
#: ``display`` (which the kernel provides anyway), ``Markdown``, ``HTML``
#: and the like, and no way to the shell.
DISPLAY_MODULE = "IPython.display"


def _plot_setting(text: str) -> bool:
    """Return whether ``%config`` text only sets the inline backend, to a literal.

    ``%config`` can change any configurable and evaluates its value in the
    user's namespace; ``InlineBackend.figure_format = "retina"`` and the
    like only change how figures are drawn.
    """
    try:
        tree = ast.parse(text.strip())
    except SyntaxError:
        return False
    statement = tree.body[0] if len(tree.body) == 1 else None
    if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
        return False
    target = statement.targets[0]
    if not (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "InlineBackend"
    ):
        return False
    try:
        ast.literal_eval(statement.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _display_import(node: ast.Import | ast.ImportFrom) -> bool:
    """Return whether ``node`` binds only :data:`DISPLAY_MODULE` or its names."""
    if isinstance(node, ast.ImportFrom):
        return node.module == DISPLAY_MODULE and not node.level
    return all(a.name == DISPLAY_MODULE and a.asname for a in node.names)


def _magic_code(magic: str, text: str) -> str:
    """Return the Python that a line magic's argument runs (options dropped)."""
    words = text.split()
    for start in range(len(words) + 1):
        candidate = " ".join(words[start:])
        try:
            ast.parse(candidate)
        except SyntaxError:
            continue
        return candidate
    return text


def _safe_magics(tree: ast.AST) -> tuple[set[int], list[str]]:
    """Return the ``get_ipython()`` calls of safe magics and the code they run.

    The first item holds the ``id()`` of each ``get_ipython()`` call node
    that only serves a magic of :data:`SAFE_MAGICS`; the second, the code
    the ``time``, ``timeit`` and ``capture`` magics run, to be read too.
    """
    calls: set[int] = set()
    code: list[str] = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("run_line_magic", "run_cell_magic")
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "get_ipython"
            and not node.func.value.args
        ):
            continue
        values = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if not values or len(values) != len(node.args):
            continue
        name = values[0]
        plot_setting = (
            name == "config"
            and node.func.attr == "run_line_magic"
            and len(values) == 2
            and _plot_setting(str(values[1]))
        )
        if name not in SAFE_MAGICS and not plot_setting:
            continue
        calls.add(id(node.func.value))
        texts = [str(v) for v in values[1:]]
        if name in CODE_MAGICS and texts:
            if node.func.attr == "run_line_magic":
                code.append(_magic_code(name, texts[0]))
            else:
                code += [_magic_code(name, texts[0]), *texts[1:]]
    return calls, code


def python_source(source: str) -> str:
    """Return IPython cell source as plain Python (magics become calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _style_setting(node: ast.AST) -> bool:
    """Return whether ``node`` stores one of matplotlib's style settings.

    ``matplotlib.rcParams["figure.dpi"] = 100`` (or ``plt.rcParams[...]``)
    changes how figures are drawn, nothing the tests rely on.
    """
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.ctx, ast.Store)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "rcParams"
    )


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


def import_specs(source: str) -> dict[str, str]:
    """Return ``{name: what}`` for the names a cell's top-level imports bind.

    ``what`` is the module or module attribute the name is bound to:
    ``import numpy as np`` gives ``{"np": "numpy"}``, ``from m import f``
    gives ``{"f": "m.f"}``.
    """
    try:
        tree = ast.parse(python_source(source))
    except SyntaxError:
        return {}
    specs: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    specs[alias.asname] = alias.name
                else:
                    specs[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                specs[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return specs


def static_findings(
    source: str,
    label: str,
    protected: set[str],
    modules: set[str],
    imports: dict[str, str] | None = None,
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
    imports
        What the given cells' imports bind (:func:`import_specs`): a
        student cell that imports the same thing under the same name
        (``import numpy as np`` again) rebinds nothing.
    """
    found = _findings(source, protected, modules, imports or {})
    unique = list(dict.fromkeys(found))
    if not unique:
        return []
    return [Finding("static", label, "; ".join(unique), True)]


def _findings(
    source: str, protected: set[str], modules: set[str], imports: dict[str, str]
) -> list[str]:
    try:
        tree = ast.parse(python_source(source))
    except SyntaxError:
        return []
    found: list[str] = []
    magic_calls, magic_code = _safe_magics(tree)
    for code in magic_code:
        found += _findings(code, protected, modules, imports)
    same = {
        name
        for name, what in import_specs(ast.unparse(tree)).items()
        if imports.get(name) == what
    }
    bound: set[str] = set()
    for statement in tree.body:
        binds = _binds(statement)
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            binds -= same
        bound |= binds
    rebound = sorted(bound & protected)
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
            and id(node) not in magic_calls
        ):
            found.append(f"calls {node.func.id}()")
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and not _display_import(
            node
        ):
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
                    if _style_setting(sub):
                        continue
                    if isinstance(sub, (ast.Attribute, ast.Subscript)) and isinstance(
                        sub.ctx, (ast.Store, ast.Del)
                    ):
                        root = _root_name(sub)
                        if root in modules or root in protected:
                            found.append("assigns to " + ast.unparse(sub).strip())
    return found
