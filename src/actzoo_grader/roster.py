"""Return who each student ID of a course folder is, as ``student_ids.json`` says.

:mod:`actzoo_grader.collect` gives every student an ID and keeps, in the
course folder's ``student_ids.json``, what it learnt of them::

    {
     "canvas-4821": {
      "name": "smithjohn",
      "canvas_id": "4821",
      "assignments": {"ex1_activations": {"late": true}}
     },
     "ann_uni_edu-5d9f04c1": {
      "name": "Ann Lee",
      "moodle": {"email": "ann@uni.edu"},
      "assignments": {
       "ex1_activations": {
        "participant": "102",
        "submitted": "2025-03-01T09:30:00+00:00"
       }
      }
     },
     "ada": {"name": "ada"}
    }

``name`` is the name the submission came under (Canvas writes the
student's sortable name without spaces, ``smithjohn``; Moodle the full
name). ``canvas_id`` is Canvas's user number, the same in every course;
``moodle`` holds the Moodle username, ID number or email address that
Moodle's grading worksheet gave (:func:`read_moodle_worksheet`). Under
``assignments``, per assignment: Canvas's ``late`` flag, Moodle's
``participant`` number (which Moodle gives anew in every assignment), the
``submitted`` time the export carried, the ``due`` date the late flag was
measured against, and the files ``skipped`` with their reasons. An older
file that maps IDs to names only is read as ``{"name": ...}`` entries.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from actzoo_grader.course import read_json_object

#: Moodle's user fields that its grade import can match a row by, with the
#: column titles Moodle gives them (its grading worksheet and its gradebook
#: export use the same titles), in the order a student's key prefers them:
#: a username is unique on a Moodle site, an ID number usually, an email
#: address on most sites.
MOODLE_FIELDS = {
    "username": "Username",
    "idnumber": "ID number",
    "email": "Email address",
}

_PARTICIPANT = re.compile(r"\D*(\d+)\s*")

Roster = dict[str, dict[str, Any]]


def load_roster(path: Path) -> Roster:
    """Return ``{student ID: entry}`` from ``student_ids.json``; empty if none.

    Raises
    ------
    ValueError
        If the file is not such a map (one line naming the file).
    """
    path = Path(path)
    if not path.exists():
        return {}
    data = read_json_object(path, "the roster")
    roster: Roster = {}
    for sid, entry in data.items():
        if isinstance(entry, str):
            entry = {"name": entry}
        if not (
            isinstance(sid, str)
            and isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("canvas_id", ""), str)
            and _str_map(entry.get("moodle", {}))
            and isinstance(entry.get("assignments", {}), dict)
            and all(isinstance(v, dict) for v in entry.get("assignments", {}).values())
        ):
            raise ValueError(
                f"{path}: the entry of {sid!r} is not a student "
                '({"name": ..., "canvas_id": ..., "moodle": {...}, '
                '"assignments": {...}})'
            )
        roster[sid] = entry
    return roster


def _str_map(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def roster_json(roster: Roster) -> bytes:
    """Return ``roster`` as the text of ``student_ids.json``, sorted by ID."""
    text = json.dumps(dict(sorted(roster.items())), indent=1, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def identity(entry: dict[str, Any]) -> tuple[str, ...]:
    """Return who an entry is: its Canvas number, Moodle user field, or name.

    Two entries are the same student exactly when their identities are
    equal; a student ID must never stand for two identities.
    """
    if entry.get("canvas_id"):
        return ("canvas", entry["canvas_id"])
    moodle = entry.get("moodle") or {}
    for field in MOODLE_FIELDS:
        if moodle.get(field):
            return ("moodle", field, moodle[field])
    return ("name", entry["name"])


def describe(identity: tuple[str, ...]) -> str:
    """Return an identity as words: ``Canvas user 4821``, ``'Ann Lee'``."""
    if identity[0] == "canvas":
        return f"Canvas user {identity[1]}"
    if identity[0] == "moodle":
        return f"Moodle {MOODLE_FIELDS[identity[1]].lower()} {identity[2]!r}"
    return repr(identity[1])


def read_moodle_worksheet(path: Path) -> dict[str, dict[str, str]]:
    """Return ``{participant number: {"name": ..., field: value}}`` of a worksheet.

    The worksheet is the CSV file that Moodle's assignment offers beside
    "Download all submissions" as "Download grading worksheet" (offline
    grading worksheets must be enabled among the assignment's feedback
    types). Its ``Identifier`` column holds ``Participant <n>``, the number
    that also names each student's folder in the submissions zip; its
    ``Full name`` column the name; and it has a column for each user field
    the site shows (``Email address`` by default; ``Username`` and ``ID
    number`` where the site shows them, :data:`MOODLE_FIELDS`).

    Raises
    ------
    ValueError
        If the file cannot be read or lacks those columns (one line).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"cannot read the Moodle worksheet {path}: {err}") from None
    rows = list(csv.reader(text.splitlines()))
    header = [h.strip() for h in rows[0]] if rows else []
    fields = {f: header.index(t) for f, t in MOODLE_FIELDS.items() if t in header}
    if "Identifier" not in header or "Full name" not in header or not fields:
        raise ValueError(
            f"{path} is not a Moodle grading worksheet: it needs the columns "
            "Identifier, Full name and one of "
            + ", ".join(MOODLE_FIELDS.values())
            + " (download it from the assignment's submissions page, "
            "Grading action > Download grading worksheet)"
        )
    who, name = header.index("Identifier"), header.index("Full name")
    found: dict[str, dict[str, str]] = {}
    for row in rows[1:]:
        if len(row) <= max(who, name, *fields.values()):
            continue
        number = _PARTICIPANT.fullmatch(row[who])
        if not number:
            continue
        user = {"name": row[name].strip()}
        user.update({f: row[i].strip() for f, i in fields.items() if row[i].strip()})
        found[number.group(1)] = user
    return found
