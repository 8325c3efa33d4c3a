"""Take the reference implementations out of the graded kernel's view.

An exercise that asks students to write something themselves names, in its
release notebook's metadata, what its graded kernel may not reach::

    "metadata": {"actzoo": {"unavailable": [
        "actzoo", "torch", "scipy",                 # a whole package
        "actzoo.sharpness",                         # one module
        "actzoo.landscapes:filter_normalize",       # one function
    ]}}

:func:`masked_view` writes stand-ins for them into a folder and returns
the bind mounts that lay the stand-ins over the originals inside the
sandbox (:func:`actzoo_grader.sandbox.command`). A package or module
becomes one that raises ``ImportError`` when imported; a function keeps its
name and signature and raises ``RuntimeError`` when called. The package's
``__pycache__`` folders are hidden too, so no compiled copy of the original
code can be read either. Outside the sandbox nothing changes: the trusted
test process and the instructor's own Python see the real package.
"""

from __future__ import annotations

import ast
import importlib.util
import os
from collections import defaultdict
from pathlib import Path

#: What a stand-in module says when imported.
MODULE_MESSAGE = (
    "{name} is not available while this exercise is graded: the exercise "
    "asks you to write this yourself"
)


def _package_dir(name: str) -> Path:
    """Return the folder of the installed top-level package ``name``."""
    spec = importlib.util.find_spec(name)
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        raise ValueError(f"cannot mask {name!r}: it is not an installed package")
    return Path(next(iter(locations))).resolve()


def _module_path(name: str) -> Path:
    """Return the source file (or package folder) of module ``name``."""
    top, *rest = name.split(".")
    path = _package_dir(top)
    for part in rest:
        if (path / part).is_dir():
            path = path / part
        elif (path / f"{part}.py").is_file():
            return path / f"{part}.py"
        else:
            raise ValueError(f"cannot mask {name!r}: there is no such module")
    return path


def _stub(name: str) -> str:
    message = MODULE_MESSAGE.format(name=name)
    return f"raise ImportError({message!r})\n"


def masked_source(source: str, names: set[str], module: str) -> str:
    """Return ``source`` with the bodies of functions and classes ``names`` replaced.

    Each masked function keeps its signature and docstring and raises
    ``RuntimeError`` when called; a masked class keeps only a constructor
    that does the same. Raises ValueError if one of ``names`` is not a
    function or class defined at the module's top level.
    """
    tree = ast.parse(source)
    found = set()
    for node in tree.body:
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        if not isinstance(node, kinds) or node.name not in names:
            continue
        found.add(node.name)
        message = MODULE_MESSAGE.format(name=f"{module}.{node.name}")
        doc = ast.get_docstring(node, clean=False)
        body: list[ast.stmt] = [
            ast.Raise(
                exc=ast.Call(
                    func=ast.Name("RuntimeError", ast.Load()),
                    args=[ast.Constant(message)],
                    keywords=[],
                )
            )
        ]
        if isinstance(node, ast.ClassDef):
            init = ast.parse("def __init__(self, *args, **kwargs): pass").body[0]
            assert isinstance(init, ast.FunctionDef)
            init.body = body
            body = [init]
        if doc is not None:
            body.insert(0, ast.Expr(ast.Constant(doc)))
        node.body = body
        node.decorator_list = []
    missing = sorted(names - found)
    if missing:
        raise ValueError(
            f"cannot mask {', '.join(f'{module}:{m}' for m in missing)}: no such "
            "function or class at the top of the module"
        )
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def masked_view(unavailable: list[str], folder: Path) -> list[tuple[Path, Path]]:
    """Write stand-ins for ``unavailable`` into ``folder``; return the binds.

    Each pair is ``(stand-in, original)``: the stand-in is to be mounted
    read-only at the original's path. Raises ValueError, naming the entry,
    for anything that is not an installed package, module or top-level
    function.
    """
    binds: list[tuple[Path, Path]] = []
    functions: dict[str, set[str]] = defaultdict(set)
    packages: set[Path] = set()
    for entry in unavailable:
        if not isinstance(entry, str) or not entry:
            raise ValueError(f"cannot mask {entry!r}: not a name")
        module, _, function = entry.partition(":")
        if function:
            functions[module].add(function)
            continue
        target = _module_path(module)
        stand_in = folder / f"m{len(binds)}"
        if target.is_dir():
            stand_in.mkdir(parents=True)
            (stand_in / "__init__.py").write_text(_stub(module))
        else:
            stand_in.parent.mkdir(parents=True, exist_ok=True)
            stand_in.write_text(_stub(module))
            packages.add(target.parent)
        binds.append((stand_in, target))
    for module, names in sorted(functions.items()):
        target = _module_path(module)
        if target.is_dir():
            target = target / "__init__.py"
        stand_in = folder / f"m{len(binds)}.py"
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text(masked_source(target.read_text(), names, module))
        binds.append((stand_in, target))
        packages.add(target.parent)
    # Compiled copies of the originals: every __pycache__ of the package
    # is replaced by an empty folder.
    masked_dirs = {t for _, t in binds if t.is_dir()}
    for package in sorted(packages):
        top = package
        while (top.parent / "__init__.py").is_file():
            top = top.parent
        for cache in sorted(top.rglob("__pycache__")):
            if any(d == cache or d in cache.parents for d in masked_dirs):
                continue
            empty = folder / f"e{len(binds)}"
            empty.mkdir(parents=True)
            binds.append((empty, cache))
    for path in folder.rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    os.chmod(folder, 0o755)
    return binds
