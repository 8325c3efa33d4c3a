"""Return submission times and due dates as nbgrader's late penalty reads them.

nbgrader measures lateness from two things: the time in a submission
folder's ``timestamp.txt`` (:data:`TIMESTAMP`, written as
:func:`timestamp_text` writes it) and the assignment's due date in the
gradebook (:func:`record_due_date`). During autograding its
``AssignLatePenalties`` step asks the ``LateSubmissionPlugin`` for a
penalty of every late notebook; the plugin's ``penalty_method`` is
``"none"`` unless ``nbgrader_config.py`` sets it (``"zero"`` takes all of
a late notebook's points), and a plugin class of one's own can charge by
the hour.
"""

from __future__ import annotations

import datetime as dt

from actzoo_grader.course import Course, nbgrader_environment

#: The file in a submission's folder that nbgrader reads its time from.
TIMESTAMP = "timestamp.txt"


def timestamp_text(time: dt.datetime) -> str:
    """Return a time as nbgrader writes ``timestamp.txt``, in UTC.

    That is ``2025-03-01 09:30:00.000000 UTC``, which
    ``nbgrader.utils.parse_utc`` reads back exactly.
    """
    return time.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def parse_due(text: str) -> dt.datetime:
    """Return a due date given as text, in UTC; without a zone, local time.

    Raises
    ------
    ValueError
        If ``text`` is not a date (one line, with an example).
    """
    import dateutil.parser

    try:
        time = dateutil.parser.parse(text)
    except (ValueError, OverflowError):
        raise ValueError(
            f"cannot read the due date {text!r}: give it as "
            "'2025-03-01 23:59' (local time) or '2025-03-01 23:59 UTC'"
        ) from None
    return time.astimezone(dt.UTC)


def record_due_date(course: Course, assignment: str, due: dt.datetime) -> None:
    """Store ``assignment``'s due date in the gradebook.

    nbgrader measures each submission's lateness against it, and keeps it
    when autograding records the assignment again.
    """
    from nbgrader.api import Gradebook

    course.root.mkdir(parents=True, exist_ok=True)
    utc = due.astimezone(dt.UTC).replace(tzinfo=None)
    with nbgrader_environment(), Gradebook(course.db_url) as gb:
        gb.update_or_create_assignment(assignment, duedate=utc)


def due_date(
    course: Course, assignment: str, due: dt.datetime | None = None
) -> dt.datetime | None:
    """Return ``assignment``'s due date in UTC: ``due``, else the gradebook's.

    A given ``due`` is stored in the gradebook first
    (:func:`record_due_date`). Without a gradebook there is no due date.

    Raises
    ------
    ValueError
        If the gradebook cannot be read (one line).
    """
    if due is not None:
        record_due_date(course, assignment, due)
        return due.astimezone(dt.UTC)
    if not course.on_server and (
        not course.gradebook.is_file() or course.gradebook.stat().st_size == 0
    ):
        return None
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with nbgrader_environment(), Gradebook(course.db_url) as gb:
            try:
                stored = gb.find_assignment(assignment).duedate
            except MissingEntry:
                return None
    except SQLAlchemyError as err:
        raise ValueError(
            f"cannot read the due date of {assignment} from {course.db_name}: "
            f"{type(err).__name__}"
        ) from None
    return None if stored is None else stored.replace(tzinfo=dt.UTC)
