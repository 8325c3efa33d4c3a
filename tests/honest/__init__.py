"""Correct submissions in many styles, one module per exercise.

Each module (``ex2``, ``ex3``, ...) names its ``ASSIGNMENT`` and holds:

* ``HONEST``: correct submissions by name, each differing from the course's
  answers in one or more cells (except ``as_given``), written the ways
  students write: loops or vectorised code, helpers and classes, their own
  imports and names, prints, plots, timings and extra cells;
* ``WRONG``: ``(name, notebook)`` of one submission with a mistake, and
  ``WRONG_LOSES``, the graded cells it must lose.

The helpers here build a submission as a student hands it in: the released
notebook with the course's answers, some answer cells in the student's own
words, and cells of their own inserted after a given cell.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from actzoo_grader.assignment import parts
from actzoo_grader.course import REPO
from tests.notebooks import with_answers

Notebook = dict[str, Any]


def source_path(assignment: str) -> Path:
    """Return the instructor's source notebook of ``assignment``."""
    return REPO / "solutions" / assignment / f"{assignment}.ipynb"


def released_path(assignment: str) -> Path:
    """Return the student notebook of ``assignment``."""
    return REPO / "exercises" / assignment / f"{assignment}.ipynb"


def points(assignment: str) -> dict[str, float]:
    """Return ``{graded cell: points}`` of ``assignment``."""
    return {p.grade_id: p.points for p in parts(source_path(assignment))}


def full_marks(assignment: str) -> float:
    return sum(points(assignment).values())


@cache
def _solved(assignment: str) -> str:
    return json.dumps(with_answers(source_path(assignment), released_path(assignment)))


def solved(assignment: str) -> Notebook:
    """Return the release with every answer cell holding the course's answer."""
    return json.loads(_solved(assignment))


def grade_id(cell: Notebook) -> str | None:
    return cell["metadata"].get("nbgrader", {}).get("grade_id")


def markdown(text: str) -> Notebook:
    """Return a Markdown cell of the student's own."""
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(text: str) -> Notebook:
    """Return a code cell of the student's own."""
    return {
        "cell_type": "code",
        "metadata": {},
        "source": text,
        "outputs": [],
        "execution_count": None,
    }


def answered(
    assignment: str,
    overrides: dict[str, str],
    extras: tuple[tuple[str | None, str | Notebook], ...] = (),
) -> Notebook:
    """Return a submission of ``assignment`` in the student's own words.

    ``overrides`` maps answer cells (grade ids) to their new source;
    ``extras`` holds ``(after, cell)`` pairs: the student's cell (code when
    a string) goes after the cell with grade id ``after`` (at the end when
    None), behind the extras already put there.
    """
    nb = solved(assignment)
    answers = {grade_id(c) for c in nb["cells"] if _is_answer(c)}
    unknown = sorted(set(overrides) - answers)
    if unknown:
        raise ValueError(f"not answer cells of {assignment}: {unknown}")
    for cell in nb["cells"]:
        if grade_id(cell) in overrides:
            cell["source"] = overrides[grade_id(cell)]
    placed: dict[str | None, int] = {}
    for after, cell in extras:
        new = code(cell) if isinstance(cell, str) else copy.deepcopy(cell)
        if after is None:
            at = len(nb["cells"])
        else:
            anchor = next(i for i, c in enumerate(nb["cells"]) if grade_id(c) == after)
            at = anchor + 1 + placed.get(after, 0)
        placed[after] = placed.get(after, 0) + 1
        nb["cells"].insert(at, new)
    return nb


def _is_answer(cell: Notebook) -> bool:
    return bool(cell["metadata"].get("nbgrader", {}).get("solution"))


def with_imports(nb: Notebook, imports: str) -> Notebook:
    """Return ``nb`` with every answer cell starting with ``imports``."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if _is_answer(cell):
            cell["source"] = imports + "\n\n" + "".join(cell["source"])
    return nb
