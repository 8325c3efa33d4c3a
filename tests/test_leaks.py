"""No leaks: nothing from the solutions reaches the published site.

A line of ``solutions/*/*.ipynb`` that nbgrader withholds from students
(between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, between ``###
BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``, or a whole solution cell
without markers) is a secret unless students see it anyway: the
definition, and that of a leak, are ``tests/notebooks.py``'s
(``secret_lines``, ``leaked_lines``), the ones every leak check of the
suite uses. The scanner looks for every secret in every file of the built
site: pages, their ``_sources/``, downloads, the search index, scripts,
JSON, notebooks and the members of zip archives, as raw text and as the
text a reader or a program would get out of it (tags stripped and entities
decoded for HTML, strings for JSON).
"""

from __future__ import annotations

import html
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from tests.conftest import load_script
from tests.notebooks import (
    MIN_CHARS,
    find_leaks,
    public_text,
    solution_secrets,
    withheld_lines,
)

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
ZH_EXERCISES = ROOT / "zh" / "exercises"


# ------------------------------------------------------------------ tests


@pytest.fixture(scope="module")
def secrets() -> dict[str, str]:
    return solution_secrets()


def a_secret(secrets: dict[str, str], notebook: str) -> str:
    """Return the longest secret of one notebook (a distinctive line)."""
    return max(
        (s for s, origin in secrets.items() if origin.startswith(notebook)), key=len
    )


def test_every_solution_notebook_has_secrets(secrets):
    # Without secrets the scanner would pass anything: each notebook must
    # contribute solution lines and hidden-test lines.
    for path in sorted(SOLUTIONS.glob("*/*.ipynb")):
        mine = [s for s, o in secrets.items() if o.startswith(f"{path.parent.name}/")]
        assert len(mine) >= 10, (path.name, mine)


def test_withheld_lines_follow_the_markers():
    cell = {
        "cell_type": "code",
        "metadata": {"nbgrader": {"solution": True}},
        "source": [
            "def f(x):\n",
            "    ### BEGIN SOLUTION\n",
            "    return secret(x)\n",
            "    ### END SOLUTION\n",
            "# visible\n",
            "### BEGIN HIDDEN TESTS\n",
            "assert hidden()\n",
            "### END HIDDEN TESTS\n",
        ],
    }
    assert withheld_lines(cell) == ["    return secret(x)", "assert hidden()"]
    whole = {
        "cell_type": "markdown",
        "source": "The answer is 42.",
        "metadata": {"nbgrader": {"solution": True}},
    }
    assert withheld_lines(whole) == ["The answer is 42."]
    assert withheld_lines(cell, kinds={"HIDDEN TESTS"}) == ["assert hidden()"]
    assert withheld_lines(whole, kinds={"HIDDEN TESTS"}) == []


def test_shared_lines_are_not_secrets(secrets):
    # Lines students already have cannot leak; short lines are skipped.
    public = public_text()
    assert "import numpy as np" in public.splitlines()
    assert not [s for s in secrets if s in public]
    assert all(len(s.replace(" ", "")) >= MIN_CHARS for s in secrets)


@pytest.mark.parametrize("folder", [EXERCISES, ZH_EXERCISES], ids=["en", "zh"])
def test_released_exercises_hold_no_secret(secrets, tmp_path, folder):
    # The student notebooks are published as downloads, the English ones
    # and the Chinese ones (with their translation files): they must be
    # clean.
    notebooks = sorted(folder.glob("*/*.ipynb"))
    assert [p.name for p in notebooks] == [
        f"{p.parent.name}.ipynb" for p in sorted(SOLUTIONS.glob("*/*.ipynb"))
    ]
    shutil.copytree(folder, tmp_path / folder.name)
    assert find_leaks(tmp_path, secrets) == []


def test_scanner_finds_a_secret_in_a_released_notebook(secrets, tmp_path):
    # The released notebooks are not "what students see" to the scanner
    # (that is read from the sources), so a secret a release let through
    # is found.
    path = EXERCISES / "ex2_dead_units" / "ex2_dead_units.ipynb"
    notebook = json.loads(path.read_text())
    secret = a_secret(secrets, "ex2_dead_units/")
    notebook["cells"][-1]["source"] = f"{secret}\n"
    (tmp_path / path.name).write_text(json.dumps(notebook, indent=1))
    leaks = find_leaks(tmp_path, secrets)
    assert leaks and all(secret in leak for leak in leaks), leaks


def test_scanner_finds_a_highlighted_solution_line(secrets, tmp_path):
    # A leaked code cell is split into Pygments spans and HTML-escaped.
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    secret = a_secret(secrets, "ex1_activations/")
    code = f"def f(x):\n    {secret}\n"
    page = highlight(code, PythonLexer(), HtmlFormatter())
    assert secret not in page, "the test needs a page that hides the line"
    (tmp_path / "page.html").write_text(f"<html><body>{page}</body></html>")
    leaks = find_leaks(tmp_path, secrets)
    assert len(leaks) == 1 and "page.html (text)" in leaks[0], leaks


def test_scanner_finds_secrets_in_notebooks_zips_and_indexes(secrets, tmp_path):
    secret = a_secret(secrets, "ex3_statistics/")
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "source": [f"{secret}\n"],
                "metadata": {},
                "outputs": [],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "_downloads").mkdir()
    (tmp_path / "_downloads" / "ex.ipynb").write_text(json.dumps(notebook, indent=1))
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as archive:
        archive.writestr("inner/ex.ipynb", json.dumps(notebook))
    (tmp_path / "searchindex.js").write_text(
        "Search.setIndex(" + json.dumps({"titles": [secret]}) + ")"
    )
    leaks = find_leaks(tmp_path, secrets)
    files = {leak.split(":")[0].removesuffix(" (strings)") for leak in leaks}
    assert files == {
        "_downloads/ex.ipynb",
        "bundle.zip!inner/ex.ipynb",
        "searchindex.js",
    }, leaks
    # The decoded reading finds the line even where JSON escapes it.
    assert "_downloads/ex.ipynb (strings)" in "".join(leaks)


def test_scanner_finds_markers_in_cells_and_in_prose(tmp_path):
    (tmp_path / "cell.txt").write_text("x = 1\n    ### BEGIN SOLUTION\n")
    (tmp_path / "prose.md").write_text(
        "Solutions sit between `### BEGIN SOLUTION` and `### END SOLUTION`.\n"
        "Hidden tests follow ### BEGIN HIDDEN TESTS.\n"
    )
    (tmp_path / "fine.md").write_text(
        "Each block sits between `### BEGIN` and `### END` markers.\n"
    )
    assert find_leaks(tmp_path, {}) == [
        "cell.txt: marker 'BEGIN SOLUTION'",
        "prose.md: marker 'BEGIN SOLUTION'",
        "prose.md: marker 'END SOLUTION'",
        "prose.md: marker 'BEGIN HIDDEN TESTS'",
    ]


@pytest.mark.slow
def test_scanner_finds_a_line_planted_in_a_built_page(site_html, secrets, tmp_path):
    # A copy of a real exercise page is clean; with one solution line
    # planted as inline code (one span per word, as Sphinx writes it), the
    # scanner reports exactly that line.
    page = site_html / "chapters" / "hands_on" / "ex1_activations.html"
    text = page.read_text()
    (tmp_path / "copy.html").write_text(text)
    assert find_leaks(tmp_path, secrets) == []
    secret = a_secret(secrets, "ex1_activations/")
    words = " ".join(
        f'<span class="pre">{html.escape(word)}</span>' for word in secret.split(" ")
    )
    planted = f'<code class="docutils literal notranslate">{words}</code>'
    assert "</p>" in text and secret not in planted
    (tmp_path / "copy.html").write_text(text.replace("</p>", f" {planted}</p>", 1))
    leaks = find_leaks(tmp_path, secrets)
    assert leaks and all(secret in leak for leak in leaks), leaks


@pytest.mark.slow
def test_the_built_site_leaks_nothing(site_html, secrets, tmp_path):
    # The course's wheel, which students install, ships the code of every
    # module of the package, as the public edition does (the source links
    # of some are withheld from the pages, not from the package): it is
    # scanned as the edition is, and the rest of the site as the site.
    # The Chinese edition (zh/) publishes the same wheel in its _static/.
    wheel = load_script("course_wheel", "_ext").wheel_name(ROOT)
    assert sorted(p.name for p in site_html.glob("_static/*.whl")) == [wheel]
    assert sorted(p.name for p in site_html.glob("zh/_static/*.whl")) == [wheel]
    copies = {f"_static/{wheel}!", f"zh/_static/{wheel}!"}
    leaks = [
        leak
        for leak in find_leaks(site_html, secrets)
        if not any(leak.startswith(copy) for copy in copies)
    ]
    for folder in ("en", "zh"):
        (tmp_path / folder).mkdir()
        source = site_html / ("zh/_static" if folder == "zh" else "_static") / wheel
        shutil.copy(source, tmp_path / folder / wheel)
    leaks += find_leaks(tmp_path, load_script("public_edition").edition_secrets())
    assert not leaks, "\n".join(leaks[:30])
