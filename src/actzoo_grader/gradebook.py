"""Return the gradebook's state, checked before a step reads or writes it.

nbgrader's gradebook is an SQLite file in the course folder. A step that
meets a missing, empty or damaged one must say so in one line before it
changes anything: a damaged gradebook found halfway through autograding
would already have cost students their earlier ``autograded/`` output.
Before each autograde the gradebook is copied to ``gradebook.db.bak``,
with SQLite's own backup, so that a run gone wrong can be undone.

A gradebook on a database server (``--db postgresql://...``) is checked
only for being reachable, and for holding grades where a step reads them;
its backups are the server's own tools' (``pg_dump``), not the grader's.
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
    if course.on_server:
        _check_server(course, must_hold_grades=must_hold_grades)
        return
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


def _check_server(course: Course, *, must_hold_grades: bool) -> None:
    """Raise :class:`GradingError` unless the server's gradebook can be used."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    url = make_url(course.db_url)
    where = (
        f"database {url.database or '(default)'} on "
        f"{url.host or 'the local socket'} port {url.port or '(default)'}"
    )
    try:
        engine = create_engine(url, connect_args=_timeout(url.get_backend_name()))
    except ImportError as exc:
        raise GradingError(
            f"the driver of the gradebook {course.db_name} is not installed "
            f"({exc.name}): for PostgreSQL, pip install 'actzoo[postgres]'"
        ) from None
    except SQLAlchemyError as exc:
        raise GradingError(
            f"cannot use the gradebook {course.db_name}: {_first_line(exc, url)}"
        ) from None
    try:
        with engine.connect() as db:
            tables = set(inspect(db).get_table_names())
    except SQLAlchemyError as exc:
        raise GradingError(
            f"cannot reach the gradebook ({where}): {_first_line(exc, url)}"
        ) from None
    finally:
        engine.dispose()
    if must_hold_grades and "assignment" not in tables:
        raise GradingError(f"the gradebook ({where}) holds no grades: autograde first")


def _timeout(backend: str) -> dict[str, int]:
    """Return the driver's arguments that make an unreachable server fail fast."""
    return {"connect_timeout": 10} if backend in {"postgresql", "mysql"} else {}


def _first_line(exc: BaseException, url: object) -> str:
    """Return the first line of the driver's own message, without a password."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines() or [type(cause).__name__]
    line = lines[0].strip()
    password = getattr(url, "password", None)
    return line.replace(password, "***") if password else line


def backup_gradebook(course: Course) -> Path | None:
    """Copy the gradebook to :func:`backup_path`; return the copy, or None.

    The copy is made with SQLite's backup, into a temporary file that then
    replaces the previous copy, so a backup is always complete. A gradebook
    on a database server is not copied (None): its backups are the
    server's own tools'.
    """
    if course.on_server:
        return None
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
