"""No leaks: nothing from the solutions reaches the published site.

Every line of ``solutions/*/*.ipynb`` that nbgrader withholds from students
(between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, between ``###
BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``, or a whole solution cell
without markers) is a secret. The scanner looks for every secret in every
file of the built site: pages, their ``_sources/``, downloads, the search
index, scripts, JSON, notebooks and the members of zip archives, as raw
text and as the text a reader or a program would get out of it (tags
stripped and entities decoded for HTML, strings for JSON).
"""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
CHAPTERS = ROOT / "chapters"
PACKAGE = ROOT / "src" / "actzoo"
CONFIG = ROOT / "_config.yml"

_KINDS = r"(?:SOLUTION|HIDDEN TESTS|MARK SCHEME)"
BEGIN = re.compile(rf"^\s*#+\s*BEGIN {_KINDS}\s*$")
END = re.compile(rf"^\s*#+\s*END {_KINDS}\s*$")
#: A marker anywhere, on a line of its own as in a leaked cell or in
#: prose: no page of the site spells them out (the instructor page
#: describes them without doing so), so any occurrence is a leak.
MARKER_LINE = re.compile(rf"(?:BEGIN|END) {_KINDS}")
#: Secrets shorter than this (spaces not counted) are skipped: lines such
#: as ``else:``, ``return out`` or ``x = x.T`` tell nothing about the answer
#: and would match unrelated text in the theme's scripts.
MIN_CHARS = 14
TAG = re.compile(r"<[^>]*>")


def normalise(text: str) -> str:
    """Return ``text`` with every run of whitespace turned into one space."""
    return " ".join(text.split())


def cell_source(cell: dict) -> str:
    """Return a notebook cell's source as one string."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def withheld_lines(cell: dict) -> list[str]:
    """Return the lines of a cell that the student version does not show."""
    lines = cell_source(cell).splitlines()
    grader = cell.get("metadata", {}).get("nbgrader", {})
    if grader.get("solution") and not any(BEGIN.match(x) for x in lines):
        return lines  # nbgrader replaces the whole cell
    withheld, inside = [], False
    for line in lines:
        if BEGIN.match(line):
            inside = True
        elif END.match(line):
            inside = False
        elif inside:
            withheld.append(line)
    return withheld


def public_text() -> str:
    """Return what students and readers already see, whitespace normalised.

    That is every cell of the released exercise notebooks, every
    chapter's source and the code of every ``actzoo`` module whose
    highlighted source the site publishes (all but those listed under
    ``source_links_withheld`` in ``_config.yml``), one line each. A withheld line that occurs anywhere in
    it (``import numpy as np``, ``with torch.no_grad():``, a call a chapter
    shows, an expression a hint spells out) gives nothing away, so it is not
    a secret; without this filter the test would flag shared boilerplate
    instead of leaks.
    """
    lines: list[str] = []
    for path in sorted(EXERCISES.glob("*/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            lines += cell_source(cell).splitlines()
    for path in sorted(CHAPTERS.rglob("*.md")):
        lines += path.read_text().splitlines()
    withheld = set(
        yaml.safe_load(CONFIG.read_text())["sphinx"]["config"].get(
            "source_links_withheld", []
        )
    )
    for path in sorted(PACKAGE.glob("*.py")):
        if f"actzoo.{path.stem}" not in withheld:
            lines += path.read_text().splitlines()
    return "\n".join(normalise(line) for line in lines)


def solution_secrets(solutions: Path = SOLUTIONS) -> dict[str, str]:
    """Return ``{normalised secret line: notebook and cell it comes from}``."""
    public = public_text()
    secrets: dict[str, str] = {}
    for path in sorted(solutions.glob("*/*.ipynb")):
        for number, cell in enumerate(json.loads(path.read_text())["cells"]):
            for line in withheld_lines(cell):
                text = normalise(line)
                if len(text.replace(" ", "")) < MIN_CHARS or text in public:
                    continue
                cell_id = cell.get("id", f"cell {number}")
                secrets.setdefault(text, f"{path.relative_to(solutions)} [{cell_id}]")
    return secrets


def json_strings(value: object) -> Iterator[str]:
    """Yield every string inside a decoded JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def readings(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """Yield ``(where, text)`` for every way a file's content can be read.

    Zip archives are opened and their members read in turn; binary files
    (images, fonts) yield nothing.
    """
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield from readings(f"{name}!{member}", archive.read(member))
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    yield name, text
    suffix = Path(name).suffix.lower()
    if suffix in {".html", ".htm", ".xml", ".svg"}:
        yield f"{name} (text)", html.unescape(TAG.sub("", text))
    payload = text
    if suffix == ".js" and "setIndex(" in text:
        payload = text[text.index("setIndex(") + 9 : text.rindex(")")]
    if suffix in {".json", ".ipynb", ".map", ".js"}:
        try:
            decoded = json.loads(payload)
        except ValueError:
            return
        yield f"{name} (strings)", "\n".join(json_strings(decoded))


def find_leaks(site: Path, secrets: dict[str, str]) -> list[str]:
    """Return one message per secret or marker line found under ``site``."""
    leaks = []
    for path in sorted(p for p in Path(site).rglob("*") if p.is_file()):
        name = path.relative_to(site).as_posix()
        for where, text in readings(name, path.read_bytes()):
            for marker in MARKER_LINE.findall(text):
                leaks.append(f"{where}: marker {marker.strip()!r}")
            flat = normalise(text)
            for secret, origin in secrets.items():
                if secret in flat:
                    leaks.append(f"{where}: {secret!r} from {origin}")
    return leaks


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


def test_shared_lines_are_not_secrets(secrets):
    # Lines students already have cannot leak; short lines are skipped.
    public = public_text()
    assert "import numpy as np" in public.splitlines()
    assert not [s for s in secrets if s in public]
    assert all(len(s.replace(" ", "")) >= MIN_CHARS for s in secrets)


def test_released_exercises_hold_no_secret(secrets, tmp_path):
    # The student notebooks are published as downloads: they must be clean.
    for path in EXERCISES.glob("*/*.ipynb"):
        shutil.copy(path, tmp_path / path.name)
    assert find_leaks(tmp_path, secrets) == []


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
def test_the_built_site_leaks_nothing(site_html, secrets):
    leaks = find_leaks(site_html, secrets)
    assert not leaks, "\n".join(leaks[:30])
