"""The public edition: the student path needs no repository and holds no solution.

``scripts/public_edition.py`` (``make public``) exports the committed tree
without what only instructors keep (``solutions/``, ``tests/``, ...). The
edition, and the wheel and the sdist built from it, pass the leak scan of
``tests/notebooks.py``: no marker of nbgrader's and no secret of the
solutions, where what the edition shows on purpose (the site's public text
and the code of every ``actzoo`` module) is not secret. A hidden-test line
planted into a copy is found, and the script would remove its file.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import pip_wheel
from tests.notebooks import (
    MARKER_LINE,
    PACKAGE,
    find_leaks,
    normalise,
    readings,
    secret_lines,
)

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "public_edition", ROOT / "scripts" / "public_edition.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("public_edition", module)
    spec.loader.exec_module(module)
    return module


public_edition = _script()


@pytest.fixture(scope="module")
def secrets() -> dict[str, str]:
    return public_edition.edition_secrets()


@pytest.fixture(scope="module")
def edition(tmp_path_factory, secrets) -> Path:
    out = tmp_path_factory.mktemp("edition") / "public"
    made = public_edition.make_edition(out, secrets=secrets)
    # The rules leave nothing for the scan's safety net to remove.
    assert made.leaking == []
    return out


def files_of(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_the_edition_is_the_committed_tree_without_instructor_files(edition):
    committed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-tree", "-r", "--name-only", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    public = {p for p in committed if not public_edition.is_instructor_only(p)}
    assert files_of(edition) == public
    for folder in ("solutions", "tests", ".ci"):
        assert not (edition / folder).exists(), folder
    assert not (edition / "benchmarks" / "bench_grading.py").exists()
    # The student path is there: the package, the grader's checks, the
    # released notebooks (English and Chinese) and the chapters.
    for path in (
        "pyproject.toml",
        "src/actzoo/activations.py",
        "src/actzoo_grader/checks.py",
        "exercises/ex1_activations/ex1_activations.ipynb",
        "zh/exercises/ex1_activations/ex1_activations.ipynb",
        "chapters/hands_on/ex1_activations.md",
    ):
        assert (edition / path).is_file(), path


def test_no_file_of_the_edition_holds_a_marker(edition):
    found = [
        f"{where}: {marker}"
        for name in sorted(files_of(edition))
        for where, text in readings(name, (edition / name).read_bytes())
        for marker in MARKER_LINE.findall(text)
    ]
    assert found == []


def test_the_edition_leaks_nothing(edition, secrets):
    assert len(secrets) > 300
    leaks = find_leaks(edition, secrets)
    assert leaks == [], "\n".join(leaks[:30])


def test_the_package_code_is_shown_not_secret(secrets):
    # actzoo.activations' source is withheld from the site's source links
    # but ships in the edition and the wheel: its lines are no secrets.
    code = normalise((PACKAGE / "activations.py").read_text(encoding="utf-8"))
    assert not [s for s in secrets if s in code]
    whole = public_edition.edition_shown()
    assert "def relu_grad(x" in whole


def hidden_test_line(secrets: dict[str, str]) -> str:
    """Return the longest hidden-test line of exercise 1 that is a secret."""
    hidden = secret_lines(
        SOLUTIONS / "ex1_activations" / "ex1_activations.ipynb",
        shown=public_edition.edition_shown(),
        kinds=("HIDDEN TESTS",),
    )
    return max((s for s in hidden if s in secrets), key=len)


def test_a_planted_hidden_test_line_is_found(edition, secrets, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(edition, copy)
    line = hidden_test_line(secrets)
    page = copy / "chapters" / "hands_on" / "ex1_activations.md"
    page.write_text(page.read_text() + f"\n```python\n{line}\n```\n")
    module = copy / "src" / "actzoo" / "kink.py"
    module.write_text(module.read_text() + f"\n# {line}\n")
    leaks = find_leaks(copy, secrets)
    assert leaks and all(line in leak for leak in leaks), leaks
    assert {leak.split(":")[0] for leak in leaks} == {
        "chapters/hands_on/ex1_activations.md",
        "src/actzoo/kink.py",
    }
    # The script's safety net removes exactly those files.
    removed = public_edition.remove_leaking(copy, secrets)
    assert sorted(removed) == [
        "chapters/hands_on/ex1_activations.md",
        "src/actzoo/kink.py",
    ]
    assert find_leaks(copy, secrets) == []


def test_the_command_replaces_only_an_earlier_edition(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    assert public_edition.main([str(mine), "--replace"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (mine / "notes.txt").read_text() == "mine"
    # A clone of the development tree looks like an edition but is not one.
    clone = tmp_path / "clone"
    (clone / "exercises").mkdir(parents=True)
    (clone / "solutions").mkdir()
    (clone / "pyproject.toml").write_text("")
    assert not public_edition.looks_like_edition(clone)
    assert not public_edition.looks_like_edition(ROOT)
    (clone / "solutions").rmdir()
    assert public_edition.looks_like_edition(clone)
    assert public_edition.main([str(clone), "--replace"]) == 0
    assert "public edition of HEAD" in capsys.readouterr().out
    assert (clone / "src" / "actzoo" / "__init__.py").is_file()


def released_imports() -> set[str]:
    """Return the course modules the released notebooks import."""
    found: set[str] = set()
    for path in sorted((ROOT / "exercises").glob("*/*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                found |= set(
                    re.findall(r"^\s*(?:from|import) (actzoo\S*)", source, re.M)
                )
    return found


@pytest.fixture(scope="module")
def archives(edition, tmp_path_factory) -> tuple[Path, Path]:
    """Return the wheel and the sdist built from a copy of the edition."""
    source = tmp_path_factory.mktemp("build") / "public"
    shutil.copytree(edition, source)
    dist = tmp_path_factory.mktemp("dist")
    pip_wheel(source, dist)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from setuptools import build_meta as b; "
            "b.build_sdist(sys.argv[1])",
            str(dist),
        ],
        check=True,
        capture_output=True,
        cwd=source,
    )
    (wheel,) = dist.glob("actzoo-*.whl")
    (sdist,) = dist.glob("actzoo-*.tar.gz")
    return wheel, sdist


def test_the_wheel_ships_what_the_notebooks_import_and_no_secret(
    archives, secrets, tmp_path
):
    wheel, _ = archives
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = released_imports()
    assert {"actzoo.models", "actzoo_grader.checks"} <= modules
    for module in modules:
        path = module.replace(".", "/")
        assert f"{path}.py" in names or f"{path}/__init__.py" in names, module
    assert {n.split("/")[0] for n in names} >= {"actzoo", "actzoo_grader"}
    shutil.copy(wheel, tmp_path)
    leaks = find_leaks(tmp_path, secrets)
    assert leaks == [], "\n".join(leaks[:30])


def test_the_sdist_holds_no_solution_and_no_secret(archives, secrets, tmp_path):
    _, sdist = archives
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
        archive.extractall(tmp_path, filter="data")
    tops = {name.split("/")[1] for name in names if name.count("/") >= 1}
    assert "src" in tops
    assert not tops & {"solutions", "tests", "exercises", "chapters", "zh"}
    assert any(name.endswith("src/actzoo_grader/checks.py") for name in names)
    leaks = find_leaks(tmp_path, secrets)
    assert leaks == [], "\n".join(leaks[:30])
