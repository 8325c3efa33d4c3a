"""What a graded kernel may not reach is not there, by any route.

Each exercise's release names what its graded kernel may not reach
(``metadata.actzoo.unavailable``). These tests start Python in a real
sandbox with those stand-ins laid over the originals and look for the
reference code every way student code could: importing it, reading its
files and its compiled copies, and through the libraries that compute the
same things. What the exercise lets students use must still work.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from actzoo_grader import masking, sandbox
from actzoo_grader.course import REPO

WHY_SKIPPED = sandbox.check()

SEARCH = r"""
import importlib, json, marshal, os, sys
report = {}
def attempt(label, thunk):
    try:
        value = thunk()
    except BaseException as exc:
        report[label] = f"{type(exc).__name__}: {exc}"
    else:
        report[label] = "ok" if value is None else value
for name in sys.argv[2:]:
    attempt("import " + name, lambda: importlib.import_module(name) and None)
package = sys.argv[1]
def files():
    return sorted(os.listdir(package))
attempt("files", files)
def compiled():
    cache = os.path.join(package, "__pycache__")
    return sorted(os.listdir(cache)) if os.path.isdir(cache) else []
attempt("compiled", compiled)
def read(name):
    with open(os.path.join(package, name)) as fh:
        return fh.read()
attempt("activations source", lambda: read("activations.py")[:0] or "read")
attempt("landscapes source", lambda: read("landscapes.py"))
print(json.dumps(report))
"""


def _unavailable(name: str) -> list[str]:
    path = REPO / "exercises" / name / f"{name}.ipynb"
    return list(nbformat.read(path, 4).metadata["actzoo"]["unavailable"])


def _search(tmp_path: Path, unavailable: list[str], imports: list[str]) -> dict:
    """Return what :data:`SEARCH` finds in a sandbox with ``unavailable`` masked."""
    if WHY_SKIPPED:
        pytest.skip(f"sandboxes cannot be made here: {WHY_SKIPPED}")
    uid = os.geteuid() if os.geteuid() != 0 else sandbox.FIRST_UID + 900
    workdir = sandbox.make_workdir(tmp_path / "work", uid, "w")
    binds = masking.masked_view(unavailable, tmp_path / "masks")
    package = str(Path(masking._package_dir("actzoo")))
    limits = sandbox.Limits(memory=2 << 30)
    cmd = sandbox.command(
        [sys.executable, "-c", SEARCH, package, *imports],
        workdir,
        uid,
        limits,
        masks=binds,
    )
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    "name",
    [
        "ex1_activations",
        "ex2_dead_units",
        "ex3_statistics",
        "ex4_gradient_flow",
        "ex6_applications",
    ],
)
def test_the_course_package_and_its_peers_are_gone(tmp_path, name):
    imports = ["actzoo", "actzoo.activations", "torch", "scipy.special", "sklearn"]
    found = _search(
        tmp_path, _unavailable(name), [*imports, "numpy", "actzoo_grader.checks"]
    )
    for module in imports:
        assert found[f"import {module}"].startswith("ImportError: "), (module, found)
        assert "write this yourself" in found[f"import {module}"]
    assert found["import numpy"] == "ok"
    assert found["import actzoo_grader.checks"] == "ok"
    # The package's folder holds the stand-in alone: no source, no
    # compiled copy.
    assert found["files"] == ["__init__.py"], found["files"]
    assert found["compiled"] == []
    assert found["activations source"].startswith("FileNotFoundError")


def test_exercise_5_keeps_the_trainer_and_loses_the_references(tmp_path):
    found = _search(
        tmp_path,
        _unavailable("ex5_landscapes"),
        [
            "actzoo.models",
            "actzoo.training",
            "actzoo.datasets",
            "actzoo.landscapes",
            "torch",
            "actzoo.sharpness",
            "actzoo.smoothing",
            "actzoo.evidence",
        ],
    )
    for allowed in (
        "actzoo.models",
        "actzoo.training",
        "actzoo.datasets",
        "actzoo.landscapes",
        "torch",
    ):
        assert found[f"import {allowed}"] == "ok", (allowed, found)
    for gone in ("actzoo.sharpness", "actzoo.smoothing", "actzoo.evidence"):
        assert found[f"import {gone}"].startswith("ImportError"), (gone, found)
    assert found["compiled"] == []
    source = found["landscapes source"]
    real = (Path(masking._package_dir("actzoo")) / "landscapes.py").read_text()
    # The functions to write are there by name only; what the given cells
    # use is there whole.
    assert "def slice_2d(" in source and "def random_direction(" in source
    for line in ("gen = torch.Generator().manual_seed(int(seed))",):
        assert line in source and line in real
    for body in ("_BatchedMLP(model", "d_rows.norm(dim=1)"):
        assert body in real and body not in source, body


def test_a_masked_function_says_what_to_do():
    source = "def f(x):\n    'Doc.'\n    return x\n\nclass C:\n    def g(self):\n        return 1\n"
    masked = masking.masked_source(source, {"f", "C"}, "m")
    space: dict = {}
    exec(masked, space)
    assert space["f"].__doc__ == "Doc."
    for call in (lambda: space["f"](1), lambda: space["C"]()):
        with pytest.raises(
            RuntimeError, match=r"m\.(f|C) is not available .* write this"
        ):
            call()
    with pytest.raises(ValueError, match="m:h"):
        masking.masked_source(source, {"h"}, "m")
    with pytest.raises(ValueError, match="no_such_package"):
        masking.masked_view(["no_such_package"], Path("/nonexistent"))
