"""Return the grades as files that Canvas's and Moodle's gradebooks import.

Both files have one row per student and one column per assignment, with
the points the student scored less nbgrader's late penalty
(:func:`actzoo_grader.grades.late_penalties`), as nbgrader's own export
counts them; an assignment the student has no submission of is left
blank, which both gradebooks read as "no change". Every text cell is
written so that no spreadsheet reads it as a formula
(:func:`actzoo_grader.text.csv_cell`).

* **Canvas** (:func:`write_canvas`): the layout of Canvas's gradebook
  export, which its import reads back: the columns ``Student, ID, SIS User
  ID, SIS Login ID, Section``, then one per assignment, and a second row
  ``Points Possible`` with each assignment's maximum. Canvas matches a row
  by ``ID``, its user number, which :mod:`actzoo_grader.collect` keeps from
  a Canvas export; a student collected otherwise has it blank and is
  matched by the name in ``Student``. An assignment column whose title is
  not an assignment of the course becomes a new assignment, or can be
  pointed at an existing one on the import page.
* **Moodle** (:func:`write_moodle`): for "Import > CSV file" of Moodle's
  gradebook: ``Full name``, the user fields Moodle can match a row by
  (``Username``, ``ID number``, ``Email address``, those known), then one
  column per assignment. Moodle's submission export names participants by
  a number that differs from one assignment to the next, so these fields
  come from Moodle's grading worksheet given to ``collect``; students
  without them are left out, and said so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actzoo_grader.course import Course
from actzoo_grader.grades import late_penalties, part_scores, replace_csv, totals
from actzoo_grader.roster import MOODLE_FIELDS, Roster, load_roster

#: The columns before the assignments in Canvas's gradebook import.
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: The file each format is written to, in the output folder.
FILES = {"canvas": "canvas_grades.csv", "moodle": "moodle_grades.csv"}


@dataclass
class Gradesheet:
    """Each student's score per assignment, and each assignment's maximum."""

    assignments: list[str]
    max_scores: dict[str, float]
    #: ``{student ID: {assignment: points less the late penalty}}``.
    scores: dict[str, dict[str, float]]
    roster: Roster


def gradesheet(course: Course, assignment: str | None = None) -> Gradesheet:
    """Return the gradebook's totals per student and assignment."""
    penalties = late_penalties(course, assignment)
    scores: dict[str, dict[str, float]] = {}
    max_scores: dict[str, float] = {}
    for student, name, score, max_score in totals(part_scores(course, assignment)):
        net = max(0.0, score - penalties.get((student, name), 0.0))
        scores.setdefault(student, {})[name] = net
        max_scores[name] = max_score
    return Gradesheet(
        sorted(max_scores), max_scores, scores, load_roster(course.student_ids)
    )


def _name(sheet: Gradesheet, student: str) -> str:
    return str(sheet.roster.get(student, {}).get("name", student))


def _who(sheet: Gradesheet, students: list[str]) -> str:
    return ", ".join(f"{s} ({_name(sheet, s)!r})" for s in students)


def _marks(sheet: Gradesheet, student: str) -> list[Any]:
    mine = sheet.scores[student]
    return [mine.get(a, "") for a in sheet.assignments]


def canvas_rows(sheet: Gradesheet) -> tuple[list[list[Any]], list[str]]:
    """Return the rows of Canvas's import (header first) and notes on them."""
    rows: list[list[Any]] = [[*CANVAS_COLUMNS, *sheet.assignments]]
    blanks = [""] * (len(CANVAS_COLUMNS) - 1)
    rows.append(
        ["Points Possible", *blanks, *(sheet.max_scores[a] for a in sheet.assignments)]
    )
    unnumbered = []
    for student in sorted(sheet.scores):
        number = sheet.roster.get(student, {}).get("canvas_id", "")
        if not number:
            unnumbered.append(student)
        rows.append(
            [_name(sheet, student), number, "", "", "", *_marks(sheet, student)]
        )
    notes = []
    if unnumbered:
        notes.append(
            f"{len(unnumbered)} student(s) have no Canvas user number (they "
            "were not collected from a Canvas export); Canvas matches them by "
            f"the name in the Student column: {_who(sheet, unnumbered)}"
        )
    return rows, notes


def moodle_rows(sheet: Gradesheet) -> tuple[list[list[Any]], list[str]]:
    """Return the rows of Moodle's import (header first) and notes on them.

    Raises
    ------
    ValueError
        If no student has a user field Moodle can match (one line).
    """
    users = {s: sheet.roster.get(s, {}).get("moodle", {}) for s in sheet.scores}
    fields = [f for f in MOODLE_FIELDS if any(u.get(f) for u in users.values())]
    if not fields:
        raise ValueError(
            "no student of the gradebook has a Moodle username, ID number or "
            "email address, which Moodle's grade import matches rows by: "
            "collect the Moodle export again with --worksheet and the "
            "assignment's grading worksheet"
        )
    rows: list[list[Any]] = [
        ["Full name", *(MOODLE_FIELDS[f] for f in fields), *sheet.assignments]
    ]
    left_out = []
    for student in sorted(sheet.scores):
        user = users[student]
        if not any(user.get(f) for f in fields):
            left_out.append(student)
            continue
        rows.append(
            [
                _name(sheet, student),
                *(user.get(f, "") for f in fields),
                *_marks(sheet, student),
            ]
        )
    notes = []
    if left_out:
        notes.append(
            f"{len(left_out)} student(s) left out: Moodle's grade import "
            "cannot match them (no username, ID number or email address; "
            f"collect their export with --worksheet): {_who(sheet, left_out)}"
        )
    return rows, notes


def write_lms_grades(
    course: Course,
    lms: str,
    out: Path | None = None,
    assignment: str | None = None,
) -> tuple[Path, list[str]]:
    """Return the path of ``lms``'s import file, written to ``out``, and notes.

    ``lms`` is ``"canvas"`` or ``"moodle"``; ``out`` defaults to the course
    folder. The file replaces an earlier one only once it is complete.

    Raises
    ------
    ValueError
        If ``lms`` is neither, or (Moodle) no student can be matched.
    """
    if lms not in FILES:
        raise ValueError(f"unknown format {lms!r}; the formats are: {', '.join(FILES)}")
    sheet = gradesheet(course, assignment)
    rows, notes = canvas_rows(sheet) if lms == "canvas" else moodle_rows(sheet)
    out = Path(out) if out is not None else course.root
    out.mkdir(parents=True, exist_ok=True)
    path = out / FILES[lms]
    replace_csv(path, rows)
    return path, notes
