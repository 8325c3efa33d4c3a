"""Return the graded parts of an assignment notebook, with their points.

Every graded (test) cell of an exercise starts with a comment line that
names its part, for example ``# Part (a): ReLU and its derivative``. The
parts, points and titles are read from the notebook's nbgrader metadata,
so the book's exercise pages, the feedback and the grades all show the
numbers the grader uses.
"""

from __future__ import annotations

import json
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


def with_answers(
    source: Path | dict[str, Any],
    released: Path | dict[str, Any],
    answers: set[str] | None = None,
) -> dict[str, Any]:
    """Return the released notebook with answers copied from the source.

    This is what a student who solved those parts hands in: every cell is
    the released one, except that the answer cells named in ``answers``
    (every answer cell when None) hold the source notebook's solution.

    Raises
    ------
    ValueError
        If ``answers`` names a cell that is not an answer cell.
    """
    solutions = {
        c["metadata"]["nbgrader"]["grade_id"]: c["source"]
        for c in _cells(source)
        if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    wanted = set(solutions) if answers is None else set(answers)
    unknown = sorted(wanted - set(solutions))
    if unknown:
        raise ValueError(
            f"not answer cells: {', '.join(unknown)}; the "
            f"answer cells are {', '.join(sorted(solutions))}"
        )
    if isinstance(released, dict):
        notebook = json.loads(json.dumps(released))
    else:
        with open(released, encoding="utf-8") as fh:
            notebook = json.load(fh)
    for cell in notebook["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in wanted:
            cell["source"] = solutions[gid]
    return notebook


def parts_table(notebook: Path) -> str:
    """Return a Markdown table of the parts of ``notebook`` and a total."""
    rows = [f"| {p.title} | `{p.grade_id}` | {p.points:g} |" for p in parts(notebook)]
    total = sum(p.points for p in parts(notebook))
    return (
        "| part | graded cell | points |\n|---|---|---|\n"
        + "\n".join(rows)
        + f"\n| **total** | | **{total:g}** |\n"
    )


_SECRET = {
    "### BEGIN SOLUTION": "### END SOLUTION",
    "### BEGIN HIDDEN TESTS": "### END HIDDEN TESTS",
}


def secret_lines(notebook: Path | dict[str, Any]) -> set[str]:
    """Return the lines of a source notebook that students must never see.

    These are the lines inside ``### BEGIN SOLUTION`` and ``### BEGIN
    HIDDEN TESTS`` blocks, stripped of surrounding spaces, except blank
    lines and lines that also occur outside such blocks (those are shown to
    students anyway). A student notebook, feedback page or web page that
    contains one of them as a line has leaked a solution or a hidden test.
    """
    secret: set[str] = set()
    public: set[str] = set()
    for cell in _cells(notebook):
        end = None
        for line in source_text(cell).splitlines():
            text = line.strip()
            if end is None and text in _SECRET:
                end = _SECRET[text]
            elif end is not None and text == end:
                end = None
            elif text:
                (secret if end is not None else public).add(text)
    return secret - public


def leaked_lines(text: str, notebook: Path | dict[str, Any]) -> list[str]:
    """Return the secret lines of ``notebook`` that occur as lines of ``text``.

    Give a notebook as :func:`notebook_text` and a web page with its HTML
    entities unescaped, so that lines compare as the student would read
    them.
    """
    lines = {line.strip() for line in text.splitlines()}
    return sorted(secret_lines(notebook) & lines)


def notebook_text(notebook: Path | dict[str, Any]) -> str:
    """Return every cell source and every text output of a notebook."""
    parts_: list[str] = []
    for cell in _cells(notebook):
        parts_.append(source_text(cell))
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
                    parts_.append(value)
    return "\n".join(parts_)
