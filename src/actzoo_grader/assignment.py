"""Return the graded parts of an assignment notebook, with their points.

Every graded (test) cell of an exercise starts with a comment line that
names its part, for example ``# Part (a): ReLU and its derivative``. The
parts, points and titles are read from the notebook's nbgrader metadata,
so the book's exercise pages, the feedback and the grades all show the
numbers the grader uses. What each part asks, for the exercise pages'
tables, is read from the notebook too: the docstring of the function its
answer cell asks for (:func:`summaries`).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Part:
    """One graded cell: its nbgrader ID, its points and its title."""

    grade_id: str
    points: float
    title: str


def _cells(notebook: Path | dict[str, Any]) -> list[dict[str, Any]]:
    if isinstance(notebook, dict):
        return notebook["cells"]
    with open(notebook, encoding="utf-8") as fh:
        return json.load(fh)["cells"]


def source_text(cell: dict[str, Any]) -> str:
    """Return a cell's source as one string (nbformat allows a list)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def title_of(source: str, default: str) -> str:
    """Return the first ``# ...`` comment line of ``source``, without ``#``."""
    for line in source.splitlines():
        if line.startswith("#") and not line.startswith("###"):
            return line.lstrip("#").strip()
    return default


def parts(notebook: Path | dict[str, Any]) -> list[Part]:
    """Return the graded parts of ``notebook`` in order of appearance.

    Raises
    ------
    ValueError
        If a graded cell has no points, or two cells share an ID.
    """
    found: list[Part] = []
    for cell in _cells(notebook):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade"):
            continue
        grade_id = meta.get("grade_id", "")
        if "points" not in meta:
            raise ValueError(f"graded cell {grade_id!r} has no points")
        if any(p.grade_id == grade_id for p in found):
            raise ValueError(f"two graded cells share the ID {grade_id!r}")
        found.append(
            Part(grade_id, float(meta["points"]), title_of(source_text(cell), grade_id))
        )
    return found


#: The longest summary a parts table shows; a longer first sentence is cut
#: at the last word that fits, and ends in an ellipsis.
SUMMARY_CHARS = 80
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
#: Characters Markdown (and MyST's roles and dollar maths) would read as
#: markup in a table cell.
_MARKUP = re.compile(r"([\\`*_\[\]<>|$~{}#])")


def first_sentence(text: str, limit: int = SUMMARY_CHARS) -> str:
    """Return the first sentence of ``text``'s first paragraph, at most ``limit`` long.

    Whitespace is normalised. A sentence ends at ``.``, ``!`` or ``?``
    before a space or the end; a first sentence longer than ``limit`` is
    cut after its last whole word that fits and given an ellipsis.
    """
    paragraph = " ".join(text.strip().split("\n\n")[0].split())
    end = _SENTENCE_END.search(paragraph)
    sentence = paragraph[: end.end()] if end else paragraph
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _functions(source: str) -> list[ast.FunctionDef | ast.ClassDef]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]


def summary_of(cells: list[dict[str, Any]]) -> str:
    """Return a one-line Markdown summary of what the answer ``cells`` ask for.

    The principal function is the one named as the answer cell's
    ``grade_id``, else the cell's first function; the summary is its name
    and the first sentence of its docstring (:func:`first_sentence`,
    Markdown escaped), then the names of the part's other functions. Empty
    when no answer cell defines a documented function.
    """
    found = []
    for cell in cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        defined = _functions(source_text(cell))
        defined.sort(key=lambda node: node.name != grade_id)
        found += defined
    documented = [node for node in found if ast.get_docstring(node)]
    if not documented:
        return ""
    main = documented[0]
    line = _MARKUP.sub(r"\\\1", first_sentence(ast.get_docstring(main) or ""))
    others = [f"`{node.name}`" for node in found if node is not main]
    also = f" Also {', '.join(others)}." if others else ""
    return f"`{main.name}`: {line}{also}"


def summaries(notebook: Path | dict[str, Any]) -> dict[str, str]:
    """Return ``{grade_id: what the part asks}`` for every graded cell.

    A part's answer cells are the solution cells between the previous
    graded cell and its own (:func:`summary_of`).
    """
    found: dict[str, str] = {}
    answers: list[dict[str, Any]] = []
    for cell in _cells(notebook):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell.get("cell_type") == "code":
            answers.append(cell)
        if meta.get("grade"):
            found[meta.get("grade_id", "")] = summary_of(answers)
            answers = []
    return found


def parts_table(notebook: Path) -> str:
    """Return a Markdown table of the parts of ``notebook`` and a total.

    Each part's row says what it asks (:func:`summaries`).
    """
    asks = summaries(notebook)
    rows = [
        f"| {p.title} | {asks.get(p.grade_id, '')} | `{p.grade_id}` | {p.points:g} |"
        for p in parts(notebook)
    ]
    total = sum(p.points for p in parts(notebook))
    return (
        "| part | what it asks | graded cell | points |\n|---|---|---|---|\n"
        + "\n".join(rows)
        + f"\n| **total** | | | **{total:g}** |\n"
    )
