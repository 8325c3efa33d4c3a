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


def parts_table(notebook: Path) -> str:
    """Return a Markdown table of the parts of ``notebook`` and a total."""
    rows = [f"| {p.title} | `{p.grade_id}` | {p.points:g} |" for p in parts(notebook)]
    total = sum(p.points for p in parts(notebook))
    return (
        "| part | graded cell | points |\n|---|---|---|\n"
        + "\n".join(rows)
        + f"\n| **total** | | **{total:g}** |\n"
    )
