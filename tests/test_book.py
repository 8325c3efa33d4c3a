"""The book: builds from scratch with zero warnings; its cache never goes stale."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import toc_docs

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_book.py"


def load_build_script():
    spec = importlib.util.spec_from_file_location("build_book", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------ cache key


def test_source_key_tracks_src_and_pins_but_not_caches(tmp_path):
    bb = load_build_script()
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    module = tmp_path / "src" / "pkg" / "mod.py"
    module.write_text("A = 1\n")
    (tmp_path / "requirements-lock.txt").write_text("numpy==2.0\n")
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    key = bb.source_key(tmp_path)

    (tmp_path / "src" / "pkg" / "__pycache__").mkdir()
    (tmp_path / "src" / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"x")
    assert bb.source_key(tmp_path) == key, "bytecode must not invalidate"

    module.write_text("A = 2\n")
    changed = bb.source_key(tmp_path)
    assert changed != key
    (tmp_path / "requirements-lock.txt").write_text("numpy==2.1\n")
    assert bb.source_key(tmp_path) not in (key, changed)


MINI_CONFIG = """\
title: mini
only_build_toc_files: true
execute:
  execute_notebooks: cache
sphinx:
  config:
    nb_execution_raise_on_error: true
"""
MINI_PAGE = """\
---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
# Mini

```{code-cell} ipython3
import sys
sys.path.insert(0, "src")
import minipkg
print(f"VALUE={minipkg.VALUE}")
```
"""


def make_mini_book(root: Path) -> None:
    (root / "src" / "minipkg").mkdir(parents=True)
    (root / "src" / "minipkg" / "__init__.py").write_text("VALUE = 'first'\n")
    (root / "requirements-lock.txt").write_text("numpy==2.0\n")
    (root / "pyproject.toml").write_text("[project]\nname = 'mini'\n")
    (root / "_config.yml").write_text(MINI_CONFIG)
    (root / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    (root / "index.md").write_text(MINI_PAGE)


def shown_value(root: Path) -> str:
    html = (root / "_build" / "html" / "index.html").read_text()
    return re.search(r"VALUE=(\w+)", html).group(1)


def jupyter_book(*args: str) -> None:
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jb), *args], check=True, capture_output=True)


@pytest.mark.slow
def test_build_reexecutes_pages_when_src_changes(tmp_path):
    make_mini_book(tmp_path)
    build = [sys.executable, str(SCRIPT), "--root", str(tmp_path)]
    subprocess.run(build, check=True, capture_output=True)
    assert shown_value(tmp_path) == "first"

    # The problem the script solves: plain Jupyter Book keeps the stale
    # output, because the page's own cells did not change.
    (tmp_path / "src" / "minipkg" / "__init__.py").write_text("VALUE = 'second'\n")
    jupyter_book("build", str(tmp_path))
    assert shown_value(tmp_path) == "first"

    subprocess.run(build, check=True, capture_output=True)
    assert shown_value(tmp_path) == "second"

    # Nothing changed: the cache is kept and the page is not re-executed.
    out = subprocess.run(build, check=True, capture_output=True, text=True).stdout
    assert "cache was emptied" not in out

    # A changed pin empties the cache too.
    (tmp_path / "requirements-lock.txt").write_text("numpy==2.1\n")
    out = subprocess.run(build, check=True, capture_output=True, text=True).stdout
    assert "cache was emptied" in out
    assert shown_value(tmp_path) == "second"


# ---------------------------------------------------------- the real book
# ``built_book`` (one from-scratch build per session) is in conftest.py.


@pytest.mark.slow
def test_book_builds_from_scratch_with_zero_warnings(built_book):
    proc, html = built_book
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    sphinx_warnings = re.findall(r"(?:WARNING|ERROR): .*", log)
    assert not sphinx_warnings, sphinx_warnings
    for page in toc_docs():
        assert (html / f"{page}.html").is_file(), page
    assert (html / "index.html").is_file()


@pytest.mark.slow
def test_built_pages_show_no_errors_and_no_solutions(built_book):
    proc, html = built_book
    assert proc.returncode == 0
    pages = list(html.rglob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text(errors="replace")
        assert "Traceback (most recent call last)" not in text, page
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    assert not (html / "solutions").exists()
    assert not list(html.rglob("*solution*")), "solutions/ must never be built"


@pytest.mark.slow
def test_every_glued_number_was_rendered(built_book):
    # A {glue:text} whose value failed to format leaves an empty span.
    proc, html = built_book
    assert proc.returncode == 0
    for page in html.rglob("*.html"):
        text = page.read_text(errors="replace")
        assert 'class="pasted-text"></span>' not in text, page


@pytest.mark.slow
def test_figures_are_images_not_reprs(built_book):
    # A figure glued under a non-inline backend shows as "<Figure size ...>".
    proc, html = built_book
    assert proc.returncode == 0
    for page in html.rglob("*.html"):
        text = page.read_text(errors="replace")
        assert "<Figure size" not in text and "&lt;Figure size" not in text, page
    zoo = (html / "chapters" / "principles" / "zoo.html").read_text()
    assert zoo.count("<img") >= 2


@pytest.mark.slow
def test_glued_figures_are_shown_once(built_book):
    # A cell that glues a figure must not also display it as its output.
    import json

    proc, html = built_book
    assert proc.returncode == 0
    executed = list((html.parent / "jupyter_execute").rglob("*.ipynb"))
    assert executed
    for path in executed:
        for cell in json.loads(path.read_text()).get("cells", []):
            outputs = cell.get("outputs", [])
            glued = any(
                "application/papermill.record/image/png" in o.get("data", {})
                for o in outputs
            )
            shown = any("image/png" in o.get("data", {}) for o in outputs)
            assert not (glued and shown), (path.name, cell.get("source", "")[:80])
