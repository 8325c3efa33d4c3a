"""The book: builds from scratch with zero warnings; its cache never goes stale."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import load_script, toc_docs

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_book.py"


def load_build_script():
    return load_script("build_book")


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
    # The numbers a page reads from a data file are inputs too.
    pinned = bb.source_key(tmp_path)
    data = tmp_path / "chapters" / "hands_on" / "data" / "grading_scale.json"
    data.parent.mkdir(parents=True)
    data.write_text('{"seconds": 1.0}\n')
    measured = bb.source_key(tmp_path)
    assert measured != pinned
    data.write_text('{"seconds": 2.0}\n')
    assert bb.source_key(tmp_path) not in (pinned, measured)


MINI_CONFIG = """\
title: mini
only_build_toc_files: true
execute:
  execute_notebooks: cache
sphinx:
  config:
    nb_execution_raise_on_error: true
"""
#: The top matter that makes a Markdown file a notebook myst-nb executes.
NOTEBOOK_HEADER = """\
---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
"""
MINI_PAGE = (
    NOTEBOOK_HEADER
    + """\
# Mini

```{code-cell} ipython3
import sys
sys.path.insert(0, "src")
import minipkg
print(f"VALUE={minipkg.VALUE}")
```
"""
)


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


@pytest.mark.slow
def test_the_chinese_edition_runs_nothing_and_stops_on_other_code(tmp_path):
    """zh/ is built from the English cache; a page with other code stops it."""
    make_mini_book(tmp_path)
    zh = tmp_path / "zh"
    zh.mkdir()
    (zh / "_config.yml").write_text(
        "title: 迷你\nsphinx:\n  config:\n    language: zh_CN\n"
    )
    (zh / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    page = MINI_PAGE.replace("# Mini", "# 迷你书")
    (zh / "index.md").write_text(page)
    build = [sys.executable, str(SCRIPT), "--root", str(tmp_path)]
    proc = subprocess.run(build, capture_output=True, text=True)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-2000:]
    assert "no page executed" in proc.stdout
    html = (tmp_path / "_build" / "html" / "zh" / "index.html").read_text()
    assert "VALUE=first" in html and "迷你书" in html
    assert '<html lang="zh-CN"' in html

    # A Chinese page whose code is not its English page's: nothing runs it.
    (zh / "index.md").write_text(page.replace('f"VALUE=', 'f"VALUE:'))
    proc = subprocess.run(build, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "the Chinese edition was not built" in proc.stderr
    assert "zh/index.md" in proc.stderr

    # Without zh/_config.yml the English book builds alone.
    (zh / "_config.yml").unlink()
    proc = subprocess.run(build, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Chinese edition" not in proc.stdout


# ------------------------------------------------ pages run side by side

#: The mini book's settings, with stderr a warning as in the book, and the
#: book's extension that keeps the executed notebooks.
SIDE_CONFIG = (
    MINI_CONFIG
    + """\
    nb_output_stderr: warn
  local_extensions:
    notebook_downloads: EXT
"""
)
#: Shows what a page's result may depend on: the folder it runs in, the
#: hash seed, the thread settings and the interpreter.
SIDE_PAGE = (
    NOTEBOOK_HEADER
    + """\
# Page NAME

```{code-cell} ipython3
import os, sys
from myst_nb import glue
glue("name", "NAME", display=False)
print(f"CWD={os.path.basename(os.getcwd())} HASH={hash('zoo')}")
print(f"THREADS={os.environ.get('OMP_NUM_THREADS')} PY={sys.executable}")
```

```{code-cell} ipython3
CELL
```
"""
)


def make_side_book(root: Path, cells: dict[str, str]) -> None:
    """Write a book whose pages (in ``pages/``) end with the given cells."""
    (root / "pages").mkdir(parents=True)
    (root / "_config.yml").write_text(SIDE_CONFIG.replace("EXT", str(ROOT / "_ext")))
    (root / "index.md").write_text("# Side by side\n")
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nchapters:\n"
        + "".join(f"  - file: pages/{name}\n" for name in cells)
    )
    for name, cell in cells.items():
        page = SIDE_PAGE.replace("NAME", name).replace("CELL", cell)
        (root / "pages" / f"{name}.md").write_text(page)


def executed_notebooks(build: Path) -> dict[str, dict]:
    """Return the notebooks a build leaves in ``jupyter_execute``, without cell ids.

    MyST-NB gives the cells new random ids each time it reads a page.
    """
    import json

    notebooks = {}
    for path in (build / "_build" / "jupyter_execute" / "pages").glob("*.ipynb"):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            cell.pop("id", None)
        notebooks[path.stem] = nb
    return notebooks


def cached_outputs(build: Path) -> dict[str, list]:
    """Return the code-cell outputs of each page in a build's execution cache."""
    from jupyter_cache import get_cache

    cache = get_cache(str(build / "_build" / ".jupyter_cache"))
    return {
        Path(record.uri).stem: [
            cell["outputs"] for cell in cache.get_cache_bundle(record.pk).nb.cells
        ]
        for record in cache.list_cache_records()
    }


@pytest.mark.slow
def test_pages_run_side_by_side_and_myst_nb_finds_each_in_the_cache(tmp_path):
    bb = load_build_script()
    book = tmp_path / "book"
    cells = {f"p{k}": f"print({k} ** 2)" for k in range(3)}
    make_side_book(book, cells)
    build = [sys.executable, str(SCRIPT), "--root", str(book), "--jobs", "2"]
    proc = subprocess.run(build, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert "executing 3 of 3 pages, 2 at a time" in proc.stdout
    assert "myst-nb executed no page itself" in proc.stdout
    assert "Executing notebook" not in log  # myst-nb's own words when it runs one
    assert log.count("Using cached notebook") == 3

    # myst-nb running the pages itself, in the environment the script gives
    # Sphinx, shows exactly the same outputs: same folder, kernel, settings.
    direct = tmp_path / "direct"
    env = dict(os.environ, PYTHONHASHSEED="0", **bb.KERNEL_THREADS)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    jb = Path(sys.executable).with_name("jupyter-book")
    mine = subprocess.run(
        [str(jb), "build", str(book), "--path-output", str(direct)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert mine.returncode == 0 and "Executing notebook" in mine.stdout
    ours, theirs = cached_outputs(book), cached_outputs(direct)
    assert sorted(ours) == ["p0", "p1", "p2"]
    assert ours == theirs
    # The executed notebooks left beside the site are the same too, although
    # myst-nb only reads ours from the cache (the download extension puts
    # the outputs back).
    assert executed_notebooks(book) == executed_notebooks(direct)
    shown = ours["p1"][0][-1]["text"]
    assert "CWD=pages " in shown and "THREADS=1" in shown
    assert ours["p2"][1][0]["text"] == "4\n"

    # A second build finds everything in the cache and executes nothing.
    again = subprocess.run(build, capture_output=True, text=True)
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    assert "executing" not in again.stdout
    assert "myst-nb executed no page itself" in again.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("raise ValueError('no such activation')", "ValueError: no such activation"),
        ("print('a warning', file=sys.stderr)", "stderr"),
    ],
    ids=["cell-error", "stderr"],
)
def test_a_failing_or_noisy_page_fails_the_build_naming_the_page(
    tmp_path, cell, expected
):
    make_side_book(tmp_path, {"good": "print('fine')", "bad": cell})
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, log[-3000:]
    named = [line for line in log.splitlines() if "pages/bad" in line]
    assert named, log[-3000:]
    assert expected in log
    # Only the bad page is blamed (a failure, or a warning, naming it).
    blamed = [line for line in log.splitlines() if "WARNING" in line]
    blamed += [line for line in proc.stderr.splitlines() if " failed" in line]
    assert not [line for line in blamed if "pages/good" in line], blamed


# ---------------------------------------------------------- the real book
# ``built_book`` (one from-scratch build per session) is in conftest.py.


@pytest.mark.slow
def test_book_builds_from_scratch_with_zero_warnings(built_book):
    proc, html = built_book
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    sphinx_warnings = re.findall(r"(?:WARNING|ERROR): .*", log)
    assert not sphinx_warnings, sphinx_warnings
    # Every page was executed side by side before Sphinx, none by myst-nb.
    assert re.search(r"build_book: executing (\d+) of \1 pages", proc.stdout)
    assert "myst-nb executed no page itself" in proc.stdout
    assert "Executing notebook" not in log
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
