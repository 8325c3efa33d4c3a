"""Return the gradebook's state, checked before a step reads or writes it.

nbgrader's gradebook is an SQLite file in the course folder. A step that
meets a missing, empty or damaged one must say so in one line before it
changes anything: a damaged gradebook found halfway through autograding
would already have cost students their earlier ``autograded/`` output.
Before each autograde the gradebook is copied to ``gradebook.db.bak``,
with SQLite's own backup, so that a run gone wrong can be undone.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from actzoo_grader.course import Course


class GradingError(Exception):
    """A problem with the instructor's input, said in one line with its remedy."""


def backup_path(course: Course) -> Path:
    """Return where the gradebook's copy from before the last autograde is."""
    return course.gradebook.with_name(course.gradebook.name + ".bak")


def check_gradebook(course: Course, *, must_hold_grades: bool) -> None:
    """Raise :class:`GradingError` unless the gradebook is fit to use.

    Parameters
    ----------
    course
        The course folder.
    must_hold_grades
        True for steps that read grades (``grades``, ``feedback``): then
        a missing or empty gradebook is an error too. Autograding starts
        one where there is none.
    """
    path = course.gradebook
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise GradingError(f"{path} is not a plain file; move it away")
    if not path.exists() or path.stat().st_size == 0:
        if must_hold_grades:
            state = (
                "no gradebook" if not path.exists() else "an empty (0-byte) gradebook"
            )
            raise GradingError(f"{course.root} has {state}: autograde first")
        return
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (verdict,) = db.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        verdict, tables = str(exc), set()
    if verdict != "ok" or (tables and "assignment" not in tables):
        why = verdict if verdict != "ok" else "it is not nbgrader's"
        raise GradingError(
            f"the gradebook {path} is damaged ({why}); restore it from "
            f"{backup_path(course).name}, written before each autograde, or "
            "move it away to start afresh"
        )


def backup_gradebook(course: Course) -> Path | None:
    """Copy the gradebook to :func:`backup_path`; return the copy, or None.

    The copy is made with SQLite's backup, into a temporary file that then
    replaces the previous copy, so a backup is always complete.
    """
    path = course.gradebook
    if not path.is_file() or path.stat().st_size == 0:
        return None
    target = backup_path(course)
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    partial.replace(target)
    return target
