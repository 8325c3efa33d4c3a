"""Notebooks as the tests see them: what a student hands in, what must not leak.

Plain functions, imported by the test modules (``from tests.notebooks
import ...``) and by ``benchmarks/bench_grading.py``; none of the course's
code needs them.

* :func:`with_answers` is a submission: the released notebook with some or
  all answer cells taken from the source notebook.
* :func:`secret_lines` is *the* definition of a secret: the lines of a
  source notebook that nbgrader withholds from students, minus what
  students see anyway. :func:`leaked_lines` is *the* definition of a leak:
  a secret that occurs in a text. Every leak check of the suite is built
  on the two, from one student notebook, feedback page or shipped
  manifest (against that notebook's secrets) to every file of the
  published site (:func:`find_leaks`, against every notebook's secrets,
  minus what the site shows on purpose: :func:`public_text`).
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
CHAPTERS = ROOT / "chapters"
PACKAGE = ROOT / "src" / "actzoo"
CONFIG = ROOT / "_config.yml"

Notebook = Path | dict[str, Any]

#: The blocks nbgrader withholds from the student version.
KINDS = ("SOLUTION", "HIDDEN TESTS", "MARK SCHEME")
_KINDS = "|".join(KINDS)
BEGIN = re.compile(rf"^\s*#+\s*BEGIN ({_KINDS})\s*$")
END = re.compile(rf"^\s*#+\s*END ({_KINDS})\s*$")
#: A marker anywhere, on a line of its own as in a leaked cell or in
#: prose: no page of the site spells them out (the instructor page
#: describes them without doing so), so any occurrence is a leak.
MARKER_LINE = re.compile(rf"(?:BEGIN|END) (?:{_KINDS})")
#: Withheld lines shorter than this (spaces not counted) are not secrets:
#: lines such as ``else:``, ``return out`` or ``x = x.T`` tell nothing
#: about the answer and would match unrelated text (a student's own code,
#: the theme's scripts).
MIN_CHARS = 14
TAG = re.compile(r"<[^>]*>")


# --------------------------------------------------------------- notebooks


def load(notebook: Notebook) -> dict[str, Any]:
    """Return a notebook given as a path or as the decoded JSON itself."""
    if isinstance(notebook, dict):
        return notebook
    return json.loads(Path(notebook).read_text(encoding="utf-8"))


def cell_source(cell: dict[str, Any]) -> str:
    """Return a notebook cell's source as one string (nbformat allows a list)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def with_answers(
    source: Notebook, released: Notebook, answers: set[str] | None = None
) -> dict[str, Any]:
    """Return the released notebook with answers copied from the source.

    This is what a student who solved those parts hands in: every cell is
    the released one, except that the answer cells named in ``answers``
    (every answer cell when None) hold the source notebook's solution.
    Neither argument is changed.

    Raises
    ------
    ValueError
        If ``answers`` names a cell that is not an answer cell.
    """
    solutions = {
        c["metadata"]["nbgrader"]["grade_id"]: c["source"]
        for c in load(source)["cells"]
        if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    wanted = set(solutions) if answers is None else set(answers)
    unknown = sorted(wanted - set(solutions))
    if unknown:
        raise ValueError(
            f"not answer cells: {', '.join(unknown)}; the "
            f"answer cells are {', '.join(sorted(solutions))}"
        )
    notebook = json.loads(json.dumps(load(released)))
    for cell in notebook["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in wanted:
            cell["source"] = solutions[gid]
    return notebook


def notebook_text(notebook: Notebook) -> str:
    """Return every cell source and every text output of a notebook."""
    texts: list[str] = []
    for cell in load(notebook)["cells"]:
        texts.append(cell_source(cell))
        for out in cell.get("outputs", []):
            for value in (
                out.get("text"),
                out.get("evalue"),
                *out.get("data", {}).values(),
                *out.get("traceback", []),
            ):
                if isinstance(value, list):
                    value = "".join(value)
                if isinstance(value, str):
                    texts.append(value)
    return "\n".join(texts)


# ------------------------------------------------------- secrets and leaks


def normalise(text: str) -> str:
    """Return ``text`` with every run of whitespace turned into one space."""
    return " ".join(text.split())


def _read_lines(cell: dict[str, Any]) -> Iterator[tuple[str | None, str]]:
    """Yield ``(kind, line)`` for every line of a source cell but the markers.

    ``kind`` names the block that withholds the line (``SOLUTION`` for
    every line of a solution cell without markers, which nbgrader replaces
    whole), None for a line the student version shows.
    """
    lines = cell_source(cell).splitlines()
    grader = cell.get("metadata", {}).get("nbgrader", {})
    if grader.get("solution") and not any(BEGIN.match(x) for x in lines):
        for line in lines:
            yield "SOLUTION", line
        return
    inside: str | None = None
    for line in lines:
        if begin := BEGIN.match(line):
            inside = begin.group(1)
        elif END.match(line):
            inside = None
        else:
            yield inside, line


def withheld_lines(cell: dict[str, Any], kinds: Iterable[str] = KINDS) -> list[str]:
    """Return the lines of a source cell that the student version does not show.

    Those are the lines between ``### BEGIN <kind>`` and ``### END <kind>``
    for the given kinds (all three by default), and every line of a
    solution cell without markers (kind ``SOLUTION``).
    """
    kinds = set(kinds)
    return [line for kind, line in _read_lines(cell) if kind in kinds]


def shown_lines(notebook: Notebook) -> list[str]:
    """Return the lines of a source notebook that its student version shows.

    Every line of every cell that is neither withheld nor a marker,
    whitespace normalised.
    """
    return [
        normalise(line)
        for cell in load(notebook)["cells"]
        for kind, line in _read_lines(cell)
        if kind is None
    ]


def secret_lines(
    notebook: Notebook, shown: str = "", kinds: Iterable[str] = KINDS
) -> dict[str, str]:
    """Return the secret lines of a source notebook, minus what students see.

    A secret is a withheld line (:func:`withheld_lines`, of the given
    kinds), whitespace normalised, with at least :data:`MIN_CHARS`
    characters other than spaces, that occurs neither in a line the
    notebook's student version shows (:func:`shown_lines`) nor in
    ``shown``, any further text students see anyway (the whole site's:
    :func:`public_text`). "Occurs" is as a substring, as
    :func:`leaked_lines` looks for secrets: a withheld line that is part
    of a shown line gives nothing away.

    Returns ``{secret: id of the cell it comes from}`` (the first, when
    several cells withhold it).
    """
    nb = load(notebook)
    public = "\n".join(shown_lines(nb) + [normalise(x) for x in shown.splitlines()])
    secrets: dict[str, str] = {}
    for number, cell in enumerate(nb["cells"]):
        for line in withheld_lines(cell, kinds):
            text = normalise(line)
            if len(text.replace(" ", "")) < MIN_CHARS or text in public:
                continue
            secrets.setdefault(text, cell.get("id", f"cell {number}"))
    return secrets


def leaked_lines(text: str, secrets: Iterable[str]) -> list[str]:
    """Return the secrets that occur in ``text``, sorted.

    A secret occurs wherever it is part of the text with every run of
    whitespace read as one space: on a line of its own, inside a longer
    line (a traceback, an HTML element) or across a wrapped line. Give a
    notebook as :func:`notebook_text` and a web page with its HTML
    entities decoded (:func:`html_text` also drops the tags), so that the
    text is what a reader would see.
    """
    flat = normalise(text)
    return sorted(s for s in secrets if s in flat)


def html_text(page: str) -> str:
    """Return the text of an HTML page: tags dropped, entities decoded."""
    return html.unescape(TAG.sub("", page))


# ---------------------------------------------------------- the whole site


def public_text() -> str:
    """Return what students and readers see on purpose, whitespace normalised.

    That is every line the student versions of the notebooks show
    (:func:`shown_lines` of every source notebook), every chapter's source
    and the code of every ``actzoo`` module whose highlighted source the
    site publishes (all but those listed under ``source_links_withheld``
    in ``_config.yml``), one line each. A withheld line that occurs
    anywhere in it (``import numpy as np``, ``with torch.no_grad():``, a
    call a chapter shows, an expression a hint spells out) gives nothing
    away, so it is not a secret; without this filter the site scan would
    flag shared boilerplate instead of leaks. The released notebooks are
    read from the sources, not from ``exercises/``, so that a secret the
    release let through stays a secret the scan finds.
    """
    lines: list[str] = []
    for path in sorted(SOLUTIONS.glob("*/*.ipynb")):
        lines += shown_lines(path)
    for path in sorted(CHAPTERS.rglob("*.md")):
        lines += path.read_text(encoding="utf-8").splitlines()
    withheld = set(
        yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["sphinx"]["config"].get(
            "source_links_withheld", []
        )
    )
    for path in sorted(PACKAGE.glob("*.py")):
        if f"actzoo.{path.stem}" not in withheld:
            lines += path.read_text(encoding="utf-8").splitlines()
    return "\n".join(normalise(line) for line in lines)


def solution_secrets(
    solutions: Path = SOLUTIONS, shown: str | None = None
) -> dict[str, str]:
    """Return ``{secret: notebook and cell it comes from}`` of every notebook.

    The secrets are each source notebook's :func:`secret_lines` minus what
    is shown: the whole site's :func:`public_text` unless ``shown`` says
    otherwise.
    """
    public = public_text() if shown is None else shown
    secrets: dict[str, str] = {}
    for path in sorted(solutions.glob("*/*.ipynb")):
        for text, cell_id in secret_lines(path, shown=public).items():
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
    (images, fonts) yield nothing. HTML, XML and SVG are also read as
    :func:`html_text`, JSON (notebooks, source maps, the search index) as
    the strings it holds.
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
        yield f"{name} (text)", html_text(text)
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
    """Return one message per secret or marker found in a file under ``site``.

    ``secrets`` maps each secret to where it comes from
    (:func:`solution_secrets`); every reading of every file
    (:func:`readings`) is searched with :func:`leaked_lines`.
    """
    leaks = []
    for path in sorted(p for p in Path(site).rglob("*") if p.is_file()):
        name = path.relative_to(site).as_posix()
        for where, text in readings(name, path.read_bytes()):
            for marker in MARKER_LINE.findall(text):
                leaks.append(f"{where}: marker {marker.strip()!r}")
            leaks += [
                f"{where}: {secret!r} from {secrets[secret]}"
                for secret in leaked_lines(text, secrets)
            ]
    return leaks
