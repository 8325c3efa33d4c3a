"""Return the scores in the course folder's gradebook, and write them as CSV.

Two tables are written. ``grades.csv`` has one row per student and
assignment (``student, assignment, score, max_score``); ``parts.csv`` has
one row per graded cell (``student, assignment, notebook, part, score,
max_score``). A student whose notebook could not be graded scores 0.
Every text cell is written so that no spreadsheet reads it as a formula
(:func:`actzoo_grader.text.csv_cell`).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from actzoo_grader.course import Course, nbgrader_environment
from actzoo_grader.text import csv_cell


@dataclass(frozen=True)
class PartScore:
    """The score of one graded cell of one student's notebook."""

    student: str
    assignment: str
    notebook: str
    part: str
    score: float
    max_score: float


def part_scores(course: Course, assignment: str | None = None) -> list[PartScore]:
    """Return every graded cell's score, sorted by student and assignment.

    Only ``assignment`` is read when it is given.
    """
    from nbgrader.api import Gradebook

    if not course.on_server and not course.gradebook.is_file():
        raise FileNotFoundError(f"no gradebook in {course.root}: autograde first")
    rows: list[PartScore] = []
    with nbgrader_environment(), Gradebook(course.db_url) as gb:
        names = [assignment] if assignment else [a.name for a in gb.assignments]
        for name in names:
            for sub in gb.assignment_submissions(name):
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        if grade.cell.cell_type != "code":
                            continue
                        rows.append(
                            PartScore(
                                sub.student.id,
                                name,
                                nb.name,
                                grade.name,
                                float(grade.score or 0.0),
                                float(grade.max_score),
                            )
                        )
    rows.sort(key=lambda r: (r.student, r.assignment, r.notebook))
    return rows


def late_penalties(
    course: Course, assignment: str | None = None
) -> dict[tuple[str, str], float]:
    """Return ``{(student, assignment): points}`` nbgrader took for lateness.

    Only late submissions with a penalty are listed. nbgrader charges one
    when a submission's ``timestamp.txt`` is after the assignment's due date
    and its ``LateSubmissionPlugin`` says so (:mod:`actzoo_grader.late`).
    """
    from nbgrader.api import Gradebook

    found: dict[tuple[str, str], float] = {}
    with nbgrader_environment(), Gradebook(course.db_url) as gb:
        names = [assignment] if assignment else [a.name for a in gb.assignments]
        for name in names:
            for sub in gb.assignment_submissions(name):
                penalty = float(sub.late_submission_penalty or 0.0)
                if penalty > 0:
                    found[(sub.student.id, name)] = penalty
    return found


def totals(rows: list[PartScore]) -> list[tuple[str, str, float, float]]:
    """Return ``(student, assignment, score, max_score)`` sums of ``rows``."""
    sums: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        acc = sums.setdefault((r.student, r.assignment), [0.0, 0.0])
        acc[0] += r.score
        acc[1] += r.max_score
    return [(s, a, acc[0], acc[1]) for (s, a), acc in sorted(sums.items())]


def write_csv(
    course: Course, out: Path | None = None, assignment: str | None = None
) -> tuple[Path, Path]:
    """Return the paths of ``grades.csv`` and ``parts.csv``, written to ``out``.

    ``out`` defaults to the course folder.
    """
    out = Path(out) if out is not None else course.root
    out.mkdir(parents=True, exist_ok=True)
    rows = part_scores(course, assignment)
    grades_path, parts_path = out / "grades.csv", out / "parts.csv"
    replace_csv(
        grades_path,
        [
            ["student", "assignment", "score", "max_score"],
            *([*row] for row in totals(rows)),
        ],
    )
    replace_csv(
        parts_path,
        [
            ["student", "assignment", "notebook", "part", "score", "max_score"],
            *(
                [r.student, r.assignment, r.notebook, r.part, r.score, r.max_score]
                for r in rows
            ),
        ],
    )
    return grades_path, parts_path


def replace_csv(path: Path, rows: Iterable[Iterable[object]]) -> None:
    """Write ``rows`` as the CSV file ``path``, replacing it only when complete.

    Every cell goes through :func:`actzoo_grader.text.csv_cell`. The table is
    written to a temporary file beside ``path`` that then takes its name, so
    an earlier file is never left half overwritten.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            fh.write(buffer.getvalue())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
