"""The course package as students install it: Python 3.11 to 3.13, light.

- Every pinned package admits every supported Python from its first
  release on (3.11.0): a pin that needs 3.11.5 breaks Debian 12's 3.11.2.
- The core imports and computes without PyTorch, and each PyTorch feature
  says which extra to install instead of a bare ``ModuleNotFoundError``.
- The wheel holds the package and nothing instructors keep to themselves,
  and installs with plain ``pip`` and its light dependencies into a fresh
  environment on 3.12 and 3.13 (skipped, with the reason, where pyenv has
  no such Python), where the same no-PyTorch checks pass, ``import torch``
  fails, and the NumPy-only exercises (all but 5), their answers filled in,
  pass their visible tests run as plain scripts. The test prints (``-s``)
  how long making that environment took and its size on disk.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from tests.notebooks import cell_source, with_answers

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements-lock.txt"
SUPPORTED = ("3.11.0", "3.12.0", "3.13.0")
#: Interpreters of the light-install test, by the version pyenv names them.
PYENV_VERSIONS = ("3.12.1", "3.13.0")
#: The exercises that need only NumPy (and the light core): they run on a
#: light install. Only exercise 5 trains networks with PyTorch.
LIGHT_EXERCISES = (
    "ex1_activations",
    "ex2_dead_units",
    "ex3_statistics",
    "ex4_gradient_flow",
    "ex6_applications",
)

#: Run in a fresh interpreter in which ``import torch`` fails as it does
#: where PyTorch is not installed (``None`` in ``sys.modules``).
NO_TORCH_CHECK = textwrap.dedent(
    """
    import importlib, sys
    block = "{block}" == "yes"
    if block:
        sys.modules["torch"] = None
    import numpy as np
    import actzoo
    from actzoo import ACTIVATIONS, gelu, relu_grad
    assert list(relu_grad(np.array([-1.0, 0.0, 2.0]))) == [0.0, 0.0, 1.0]
    assert abs(float(gelu(1.0)) - 0.8413447460685429) < 1e-15
    for name in ("kink", "dead_units", "gaussian", "selfnorm",
                 "gradient_flow", "smoothing", "datasets", "plotting",
                 "finance", "verification", "pinn"):
        importlib.import_module("actzoo." + name)
    if not block:
        sys.exit(0)
    extra = 'pip install "actzoo[torch]"'
    def says_extra(call):
        try:
            call()
        except ModuleNotFoundError as err:
            assert extra in str(err), str(err)
            assert err.name == "torch"
        else:
            raise AssertionError("no error without torch")
    for name in ("training", "models", "landscapes", "sharpness"):
        says_extra(lambda: importlib.import_module("actzoo." + name))
    says_extra(lambda: ACTIVATIONS["relu"].torch_fn())
    from actzoo import pinn
    says_extra(lambda: pinn.train_pinn("tanh", adam_steps=1, lbfgs_steps=1))
    print("light ok")
    """
)


def locked() -> list[Requirement]:
    lines = LOCK.read_text().splitlines()
    return [Requirement(s) for s in lines if s and not s.startswith("#")]


def test_every_pin_admits_every_supported_python():
    too_new = []
    for requirement in locked():
        try:
            meta = importlib.metadata.metadata(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            continue
        needs = SpecifierSet(meta.get("Requires-Python") or "")
        bad = [v for v in SUPPORTED if not needs.contains(v)]
        if bad:
            too_new.append(f"{requirement} needs Python {needs}")
    assert not too_new, too_new


def test_requires_python_has_no_upper_cap():
    meta = importlib.metadata.metadata("actzoo")
    needs = SpecifierSet(meta["Requires-Python"])
    assert needs.contains("3.11.0") and needs.contains("3.14.0")
    assert not needs.contains("3.10.13")


def test_torch_is_an_extra_and_the_core_is_light():
    meta = importlib.metadata.metadata("actzoo")
    core = [Requirement(r) for r in meta.get_all("Requires-Dist") or []]
    plain = {r.name for r in core if r.marker is None}
    assert plain == {"numpy", "scipy", "matplotlib"}
    extras = {
        r.name
        for r in core
        if r.marker is not None and r.marker.evaluate({"extra": "torch"})
    }
    assert "torch" in extras


@pytest.mark.parametrize("block", ["yes", "no"])
def test_core_works_without_torch(block):
    proc = subprocess.run(
        [sys.executable, "-c", NO_TORCH_CHECK.format(block=block)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert ("light ok" in proc.stdout) == (block == "yes")


def test_wheel_holds_the_package_and_no_solutions(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "actzoo/__init__.py" in names
    assert "actzoo/activations.py" in names
    tops = {name.split("/")[0] for name in names}
    assert not any(t in ("solutions", "tests", "chapters") for t in tops)
    for name in (n for n in names if n.startswith("actzoo/")):
        text = zipfile.ZipFile(wheel).read(name).decode("utf-8", "replace")
        assert "BEGIN HIDDEN TESTS" not in text, name
        assert "BEGIN SOLUTION" not in text, name


def solved_script(name: str) -> str:
    """Return exercise ``name``'s released code cells, answers filled in.

    The cells are joined into one plain script, so that the visible tests,
    asserts that raise on failure, make it exit non-zero. IPython's syntax
    becomes the calls IPython would make: the install cell's ``%pip``
    would call ``get_ipython()``, which a plain script lacks, so an
    install cell that does not find the package fails the run.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    notebook = with_answers(
        ROOT / "solutions" / name / f"{name}.ipynb",
        ROOT / "exercises" / name / f"{name}.ipynb",
    )
    cells = [
        TransformerManager().transform_cell(cell_source(cell))
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
    ]
    return "\n\n".join(cells) + "\n"


@pytest.mark.parametrize("name", LIGHT_EXERCISES)
def test_light_exercises_import_no_torch(name):
    released = json.loads(
        (ROOT / "exercises" / name / f"{name}.ipynb").read_text(encoding="utf-8")
    )
    code = "\n".join(
        cell_source(c) for c in released["cells"] if c["cell_type"] == "code"
    )
    assert "torch" not in code
    assert "import numpy as np" in solved_script(name)


def disk_usage(path: Path) -> int:
    """Return the bytes the files under ``path`` take, as ``du -s`` counts."""
    return sum(p.lstat().st_blocks * 512 for p in path.rglob("*") if not p.is_symlink())


def pyenv_python(version: str) -> Path | None:
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    path = root / "versions" / version / "bin" / "python"
    return path if path.exists() else None


@pytest.mark.slow
@pytest.mark.parametrize("version", PYENV_VERSIONS)
def test_wheel_installs_light_on_newer_python(version, wheel, tmp_path):
    python = pyenv_python(version)
    if python is None:
        pytest.skip(f"pyenv has no Python {version} on this machine")
    venv = tmp_path / "venv"
    started = time.perf_counter()
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True)
    vpy = venv / "bin" / "python"
    install = subprocess.run(
        [
            str(vpy),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(wheel),
        ],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    seconds = time.perf_counter() - started
    print(
        f"\nlight environment on Python {version}: created and installed in "
        f"{seconds:.1f} s, {disk_usage(venv) / 2**20:.0f} MiB on disk"
    )
    listed = subprocess.run(
        [str(vpy), "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.lower()
    assert "torch==" not in listed, "the light install pulled in PyTorch"
    # Not blocked: torch really is absent, so the check runs as on a
    # student's light install, from a folder with no source tree.
    script = NO_TORCH_CHECK.format(block="yes").replace(
        'sys.modules["torch"] = None', "pass"
    )
    proc = subprocess.run(
        [str(vpy), "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "light ok" in proc.stdout
    no_torch = subprocess.run(
        [str(vpy), "-c", "import torch"], capture_output=True, text=True, cwd=tmp_path
    )
    assert no_torch.returncode != 0 and "torch" in no_torch.stderr
    # The NumPy-only exercises, solved, from a folder with no source tree:
    # the visible tests pass with nothing but the wheel and its light
    # dependencies.
    work = tmp_path / "work"
    work.mkdir()
    for name in LIGHT_EXERCISES:
        script = work / f"{name}.py"
        script.write_text(solved_script(name), encoding="utf-8")
        run = subprocess.run(
            [str(vpy), script.name],
            capture_output=True,
            text=True,
            cwd=work,
            env={**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": ""},
            timeout=600,
        )
        assert run.returncode == 0, (name, run.stderr[-3000:])
    shutil.rmtree(venv)
