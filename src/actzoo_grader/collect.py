"""Return the submissions copied into the course folder's ``submitted/``.

Two sources are understood:

* a folder laid out as ``<student>/<assignment>/<notebook>.ipynb``
  (:func:`collect_folder`), where nbgrader's own ``timestamp.txt`` beside
  the notebooks is kept;
* the zip of files a learning management system exports
  (:func:`collect_zip`). Inside the zip a notebook may sit at
  ``<student>/<assignment>/<notebook>.ipynb`` (any leading folders
  allowed), at ``<Full Name>_<n>_assignsubmission_file_/<notebook>.ipynb``
  or ``<Full Name>_<n>_assignsubmission_file_<notebook>.ipynb`` (Moodle,
  ``<n>`` its participant number) or at
  ``<name>_[LATE_]<user>_<submission>_<notebook>[-<k>].ipynb`` (Canvas,
  ``<user>`` its user number; ``-<k>`` numbers a resubmission, and the
  highest wins).

Every student gets an ID that is a safe folder name and tells apart any
two students. Where the export names the student by an LMS number that
stays the same from one assignment to the next, that number is the key:
Canvas's user number gives ``canvas-<user>``; Moodle's username, ID
number or email address, when Moodle's grading worksheet is given
(:func:`actzoo_grader.roster.read_moodle_worksheet`), gives
:func:`student_id` of it. Otherwise the name is (:func:`student_id`),
with Moodle's participant number added when two participants of one
export share a name (Moodle numbers participants anew in every
assignment). Two students who would share an ID are refused, naming both,
before anything is copied; so is a name that cannot be an ID. What is
known of each student (the name beside the key, the LMS numbers, Canvas's
``LATE`` flag, the time the export gives the submission, the files
skipped) is kept in the course folder's ``student_ids.json``
(:mod:`actzoo_grader.roster`).

The submission time reaches nbgrader's late penalty as nbgrader's
``timestamp.txt`` in the submission's folder: Moodle's zip gives each
file the time Moodle stored it; Canvas gives no time (its zip entries
carry the time the zip was made) but marks late work ``LATE``, which is
recorded as one second after the assignment's due date in the gradebook
(:func:`actzoo_grader.late.record_due_date`), the least lateness it can mean.

Everything not copied (not a notebook, not one of the assignment's, at
the wrong depth, a symbolic link, unreadable, too large, an unsafe zip
path, an older or second submission of the same notebook) is listed in
:attr:`Collected.skipped` with the reason. A student whose files were
all skipped still gets a submission folder, without a notebook, so that
autograding gives them a row of zeros with the reason, not nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import stat
import struct
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actzoo_grader.course import Course
from actzoo_grader.late import TIMESTAMP, due_date, timestamp_text
from actzoo_grader.roster import (
    MOODLE_FIELDS,
    describe,
    identity,
    load_roster,
    read_moodle_worksheet,
    roster_json,
)

#: The longest notebook that is copied, in bytes; larger ones are skipped.
MAX_NOTEBOOK_BYTES = 50 * 2**20
#: The longest student ID; longer names are cut, and keep their hash.
MAX_ID_LENGTH = 48
#: What collect understands, said when it found nothing to copy.
LAYOUTS = (
    "a folder <student>/<assignment>/<notebook>.ipynb, or an LMS export "
    "zip (with --assignment) holding Moodle's "
    "'<Full Name>_<n>_assignsubmission_file_/<notebook>.ipynb', Canvas's "
    "'<name>_<user>_<submission>_<notebook>.ipynb' or "
    "<student>/<assignment>/<notebook>.ipynb"
)

_HASH_LENGTH = 8
_CLEAN = re.compile(r"[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?")
_HASHED = re.compile(rf".*-[0-9a-f]{{{_HASH_LENGTH}}}")
_WINDOWS_RESERVED = re.compile(r"con|prn|aux|nul|com\d|lpt\d")
_CANVAS_KEY = re.compile(r"canvas-\d+")

_MOODLE = re.compile(
    r"(?:.*/)?(?P<student>[^/]+?)_(?P<lms_id>\d+)_assignsubmission_"
    r"(?P<plugin>[a-z]+)_(?P<rest>.*)"
)
_CANVAS = re.compile(
    r"(?:.*/)?(?P<student>[^/_]+)_(?P<late>(?i:late)_)?(?P<lms_id>\d+)_\d+_"
    r"(?P<file>[^/]+)"
)
_VERSIONED = re.compile(r"(?P<notebook>.+?)(?:-(?P<version>\d+))?")
_NESTED = re.compile(
    r"(?:.*/)?(?P<student>[^/]+)/(?P<assignment>[^/]+)/"
    r"(?P<notebook>[^/]+?)\.ipynb"
)
# The extended-timestamp field of a zip entry: the time in UTC, to the
# second (Info-ZIP's "UT" field).
_UT_FIELD = 0x5455


@dataclass
class Collected:
    """What a collection copied, and what it skipped and why."""

    copied: list[Path] = field(default_factory=list)
    #: One ``"<file>: <reason>"`` line for every file that was not copied.
    skipped: list[str] = field(default_factory=list)
    #: The name behind each student ID of this collection.
    names: dict[str, str] = field(default_factory=dict)
    #: What the instructor should know that is not a skipped file.
    notes: list[str] = field(default_factory=list)
    #: ``(student ID, assignment)`` of each student whose files were all
    #: skipped: they get a folder without a notebook, graded as 0.
    without_notebook: list[tuple[str, str]] = field(default_factory=list)
    #: ``(student ID, assignment)`` of each submission Canvas marked late.
    late: list[tuple[str, str]] = field(default_factory=list)
    #: What each submission's ``timestamp.txt`` now says, where it has one.
    timestamps: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def students(self) -> list[str]:
        """Return the students with a submission folder now, sorted."""
        return sorted(
            {p.parents[1].name for p in self.copied}
            | {sid for sid, _ in self.without_notebook}
        )


def student_id(name: str) -> str:
    """Return ``name`` as a student ID, a safe folder name of ``[a-z0-9_-]``.

    A name that already is such an ID (``ada``, ``ben_2``, ``bob-2``) is
    kept. Any other name becomes a readable ASCII slug of it (accents
    dropped, ``Émile`` -> ``emile``; ``student`` if nothing is left) and
    ``-`` and the first 8 hex digits of the SHA-256 of the (NFC) name, so
    two different names get different IDs. IDs are at most
    ``MAX_ID_LENGTH`` characters and never contain ``/``, ``\\`` or ``..``.
    A name that looks like a hashed ID or a Canvas key (``canvas-4821``) is
    hashed too, so that it cannot take another student's ID.

    Raises
    ------
    ValueError
        If the name is empty, only white space or only dots.
    """
    if not name.strip():
        raise ValueError(f"cannot make a student ID from {name!r}: the name is empty")
    if not name.strip().strip("."):
        raise ValueError(
            f"cannot make a student ID from {name!r}: the name is only dots"
        )
    if (
        _CLEAN.fullmatch(name)
        and len(name) <= MAX_ID_LENGTH
        and not _HASHED.fullmatch(name)
        and not _WINDOWS_RESERVED.fullmatch(name)
        and not _CANVAS_KEY.fullmatch(name)
    ):
        return name
    nfc = unicodedata.normalize("NFC", name)
    digest = hashlib.sha256(nfc.encode("utf-8", "surrogatepass")).hexdigest()
    ascii_name = (
        unicodedata.normalize("NFKD", nfc)
        .encode("ascii", "ignore")
        .decode("ascii")
        .lower()
    )
    slug = re.sub(r"[^a-z0-9_-]+", "_", ascii_name)
    slug = re.sub(r"_{2,}", "_", slug).strip("_-")
    slug = slug[: MAX_ID_LENGTH - _HASH_LENGTH - 1].rstrip("_-") or "student"
    return f"{slug}-{digest[:_HASH_LENGTH]}"


class _Skip(Exception):
    """A file is not copied, for the reason given."""


@dataclass
class _Candidate:
    """A file of a student's submission, and where it came from.

    A file that is not copied but whose student is known has a ``skipped``
    reason: it gives the student a row even when nothing else does.
    """

    origin: str
    name: str
    assignment: str
    notebook: str
    read: Callable[[], bytes]
    version: int = 0
    moodle_id: str | None = None
    canvas_id: str | None = None
    moodle_user: dict[str, str] | None = None
    late: bool = False
    time: dt.datetime | None = None
    skipped: str | None = None


def _no_read() -> bytes:
    raise _Skip("not read")


def collect_folder(
    course: Course,
    folder: Path,
    assignment: str | None = None,
    *,
    due: dt.datetime | None = None,
) -> Collected:
    """Return what was copied from ``folder/<student>/<assignment>/*.ipynb``.

    Only ``assignment`` is collected when it is given, else every
    assignment of the course. Symbolic links are never followed. A
    ``timestamp.txt`` that nbgrader can read, beside the notebooks, is
    kept as the submission's time; ``due`` is as for :func:`collect_zip`.

    Raises
    ------
    ValueError
        If a student folder's name cannot be an ID, or two different names
        would share one; nothing is copied then.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no submissions folder at {folder}")
    if assignment:
        course.notebooks(assignment)  # a clear error for an unknown name
    elif due is not None:
        raise ValueError("a due date needs --assignment: whose due date is it?")
    wanted = [assignment] if assignment else course.assignments()
    owner_of = {nb: a for a in wanted for nb in course.notebooks(a)}
    result = Collected()
    candidates: list[_Candidate] = []
    for student in _listdir(folder, result):
        if student.is_symlink():
            result.skipped.append(f"{student}: a symbolic link, not followed")
        elif not student.is_dir():
            result.skipped.append(
                f"{student}: a notebook outside any student folder; it belongs "
                f"in <student>/<assignment>/{student.name}"
                if student.suffix == ".ipynb"
                else f"{student}: not a student folder"
            )
        else:
            candidates += _student_folder(student, wanted, owner_of, result)
    _finish(course, candidates, result, due)
    return result


def _student_folder(
    student: Path, wanted: list[str], owner_of: dict[str, str], result: Collected
) -> list[_Candidate]:
    """Return the candidates in one student's folder; list what is skipped."""
    found = []
    for path in _listdir(student, result):
        if path.is_symlink() and path.name in wanted:
            found.append(
                _skipped(path, student.name, path.name, "a symbolic link, not followed")
            )
        elif path.is_symlink():
            result.skipped.append(f"{path}: a symbolic link, not followed")
        elif path.is_dir() and path.name in wanted:
            found += _assignment_folder(student.name, path, result)
        elif path.is_dir():
            _skip_tree(path, "not an assignment being collected", result)
        elif path.suffix == ".ipynb" and (len(wanted) == 1 or path.stem in owner_of):
            work = wanted[0] if len(wanted) == 1 else owner_of[path.stem]
            found.append(
                _skipped(
                    path,
                    student.name,
                    work,
                    "a notebook directly in the student folder; it belongs in "
                    f"{student.name}/{work}/{path.name}",
                )
            )
        elif path.suffix == ".ipynb":
            result.skipped.append(
                f"{path}: a notebook directly in a student folder, of no "
                f"assignment being collected; expected "
                f"{student.name}/<assignment>/{path.name}"
            )
        else:
            result.skipped.append(f"{path}: not an assignment folder")
    return found


def _assignment_folder(student: str, work: Path, result: Collected) -> list[_Candidate]:
    """Return the candidates of ``<student>/<assignment>/``; a file each."""
    time: dt.datetime | None = None
    found = []
    for path in _listdir(work, result):
        if path.is_symlink():
            found.append(
                _skipped(path, student, work.name, "a symbolic link, not followed")
            )
        elif path.is_dir():
            found += [
                _skipped(
                    inner,
                    student,
                    work.name,
                    "in a sub-folder of the assignment folder",
                )
                for inner in _files_under(path, result)
            ]
        elif path.name == TIMESTAMP:
            try:
                time = _read_timestamp(path)
            except _Skip as why:
                found.append(_skipped(path, student, work.name, str(why)))
        elif path.suffix != ".ipynb":
            found.append(_skipped(path, student, work.name, "not a notebook"))
        else:
            found.append(
                _Candidate(
                    str(path),
                    student,
                    work.name,
                    path.stem,
                    functools.partial(_read_file, path),
                )
            )
    for c in found:
        c.time = time
    return found


def _skipped(path: Path, student: str, assignment: str, why: str) -> _Candidate:
    """Return a file of ``student``'s that is not copied, and why."""
    return _Candidate(str(path), student, assignment, "", _no_read, skipped=why)


def collect_zip(
    course: Course,
    archive: Path,
    assignment: str,
    *,
    worksheet: Path | None = None,
    due: dt.datetime | None = None,
) -> Collected:
    """Return what was copied from an LMS export zip for ``assignment``.

    Nothing is extracted: each chosen entry is read, at most
    ``MAX_NOTEBOOK_BYTES`` of it, and written under the student's ID.

    Parameters
    ----------
    worksheet
        Moodle's grading worksheet of the same assignment: it names each
        participant's username, ID number or email address, which then
        keys the student and lets Moodle's grade import match them.
    due
        The assignment's due date, stored in the gradebook for nbgrader's
        late penalty (a time without a zone is this machine's local time).
        Without it, a due date stored before is used.

    Raises
    ------
    ValueError
        As :func:`collect_folder`; also if ``archive`` is not a zip file or
        ``worksheet`` not a Moodle grading worksheet.
    """
    course.notebooks(assignment)  # a clear error for an unknown name
    users = read_moodle_worksheet(worksheet) if worksheet is not None else None
    result = Collected()
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise ValueError(
            f"{archive} is not a zip file; give an LMS export or a folder "
            "<student>/<assignment>/<notebook>.ipynb"
        ) from None
    with zf:
        candidates = []
        for info in zf.infolist():
            if info.is_dir():
                continue
            try:
                candidates.append(_zip_candidate(zf, info, assignment))
            except _Skip as why:
                result.skipped.append(f"{info.filename}: {why}")
        if users is not None:
            _name_moodle_users(candidates, users, worksheet, result)
        _tell_namesakes_apart(candidates, result)
        _finish(course, candidates, result, due)
    return result


def _files_under(top: Path, result: Collected) -> list[Path]:
    """Return everything under ``top`` that is not a folder; follow no link."""
    if top.is_symlink() or not top.is_dir():
        return [top]
    found = []
    for path in _listdir(top, result):
        found += _files_under(path, result)
    return found


def _skip_tree(top: Path, reason: str, result: Collected) -> None:
    """Skip every file under ``top``, without following links."""
    for path in _files_under(top, result):
        result.skipped.append(f"{path}: {reason}")


def _listdir(folder: Path, result: Collected) -> list[Path]:
    """Return what ``folder`` holds, sorted; skip it if it cannot be read."""
    try:
        return sorted(folder.iterdir())
    except OSError as err:
        result.skipped.append(
            f"{folder}: unreadable folder ({err.strerror}), not searched"
        )
        return []


def _read_file(path: Path, limit: int | None = None) -> bytes:
    """Return a regular file's bytes; never follow a link, never block."""
    limit = MAX_NOTEBOOK_BYTES if limit is None else limit
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_BINARY", 0)
    )
    try:
        fd = os.open(path, flags)
    except OSError as err:
        if path.is_symlink():
            raise _Skip("a symbolic link, not followed") from None
        raise _Skip(f"unreadable ({err.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _Skip("not a regular file")
        if info.st_size > limit:
            raise _Skip(_too_large(info.st_size, limit))
        try:
            data = fh.read(limit + 1)
        except OSError as err:
            raise _Skip(f"unreadable ({err.strerror})") from None
    if len(data) > limit:
        raise _Skip(_too_large(len(data), limit))
    return data


def _too_large(size: int, limit: int | None = None) -> str:
    limit = MAX_NOTEBOOK_BYTES if limit is None else limit
    return f"too large ({size} bytes; the limit is {limit} bytes)"


def _read_timestamp(path: Path) -> dt.datetime:
    """Return the time in nbgrader's ``timestamp.txt``, or raise :class:`_Skip`."""
    from nbgrader.utils import parse_utc

    text = _read_file(path, 1024).decode("utf-8", "replace").strip()
    try:
        time = parse_utc(text)
    except (ValueError, OverflowError, TypeError):
        raise _Skip(f"not a time nbgrader can read ({text[:40]!r})") from None
    if time is None:
        raise _Skip("an empty timestamp")
    return time.replace(tzinfo=dt.UTC)


def _zip_time(info: zipfile.ZipInfo) -> dt.datetime | None:
    """Return the time a zip entry carries, in UTC.

    The extended-timestamp field, where the zip has one, gives UTC; the
    entry's own date and time have no zone, and are read as this machine's
    local time, as ``unzip`` does.
    """
    extra = info.extra
    while len(extra) >= 4:
        kind, size = struct.unpack("<HH", extra[:4])
        body = extra[4 : 4 + size]
        if kind == _UT_FIELD and len(body) >= 5 and body[0] & 1:
            (seconds,) = struct.unpack("<i", body[1:5])
            return dt.datetime.fromtimestamp(seconds, dt.UTC)
        extra = extra[4 + size :]
    try:
        local = dt.datetime(*info.date_time)
    except ValueError:  # a zip may hold no valid date (month 0)
        return None
    return local.astimezone().astimezone(dt.UTC)


def _zip_candidate(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, assignment: str
) -> _Candidate:
    """Return what a zip entry is, or raise :class:`_Skip` if no one's."""
    entry = info.filename.replace("\\", "/")
    parts = entry.split("/")
    if "__MACOSX" in parts or parts[-1].startswith("._"):
        raise _Skip("macOS metadata, not a submission")
    if (
        entry.startswith("/")
        or re.match(r"[A-Za-z]:", entry)
        or any(part in (".", "..") for part in parts)
        or "\0" in entry
    ):
        raise _Skip("unsafe path (absolute or with '..'), not read")
    link = stat.S_ISLNK(info.external_attr >> 16)

    def read() -> bytes:
        try:
            with zf.open(info) as fh:
                data = fh.read(MAX_NOTEBOOK_BYTES + 1)
        except (
            zipfile.BadZipFile,
            RuntimeError,
            OSError,
            ValueError,
            NotImplementedError,
            EOFError,
        ) as err:
            raise _Skip(f"unreadable ({err})") from None
        if len(data) > MAX_NOTEBOOK_BYTES:
            raise _Skip(_too_large(len(data)))
        return data

    def found(name: str, file: str, **lms: Any) -> _Candidate:
        c = _Candidate(info.filename, name, assignment, "", read, **lms)
        if link:
            c.skipped = "a symbolic link, not followed"
        elif not file.endswith(".ipynb"):
            c.skipped = "not a notebook"
        elif info.file_size > MAX_NOTEBOOK_BYTES:
            c.skipped = _too_large(info.file_size)
        else:
            c.notebook = file[: -len(".ipynb")]
        return c

    moodle = _MOODLE.fullmatch(entry)
    if moodle:
        file = moodle["rest"].removeprefix("/")
        c = found(
            moodle["student"], file, moodle_id=moodle["lms_id"], time=_zip_time(info)
        )
        if link:
            pass
        elif moodle["plugin"] != "file":
            c.notebook, c.skipped = "", f"Moodle's {moodle['plugin']} part, not a file"
        elif "/" in file:
            c.notebook = ""
            c.skipped = (
                "in a sub-folder of the Moodle submission; only notebooks at "
                "its top are collected"
            )
        return c
    dirs = parts[:-1]
    if assignment in dirs:
        at = len(dirs) - 1 - dirs[::-1].index(assignment)
        if at == 0:
            raise _Skip(
                f"in a folder {assignment}/ with no student folder above it; "
                f"expected <student>/{assignment}/{parts[-1]}"
            )
        c = found(parts[at - 1], parts[-1])
        if at < len(dirs) - 1 and not link:
            c.notebook = ""
            c.skipped = "in a sub-folder of the assignment folder"
        return c
    canvas = _CANVAS.fullmatch(entry)
    if canvas:
        c = found(
            canvas["student"],
            canvas["file"],
            canvas_id=canvas["lms_id"],
            late=bool(canvas["late"]),
        )
        if c.notebook:
            versioned = _VERSIONED.fullmatch(c.notebook)
            assert versioned is not None  # it matches any name
            c.notebook = versioned["notebook"]
            c.version = int(versioned["version"] or 0)
        return c
    nested = _NESTED.fullmatch(entry)
    if link:
        raise _Skip("a symbolic link, not followed")
    if nested:
        raise _Skip(
            f"in a folder of {nested['assignment']!r}, not of the "
            "assignment being collected"
        )
    if not entry.endswith(".ipynb"):
        raise _Skip("not a notebook")
    raise _Skip("not a recognised submission name")


def _name_moodle_users(
    candidates: list[_Candidate],
    users: dict[str, dict[str, str]],
    worksheet: Path | None,
    result: Collected,
) -> None:
    """Give each Moodle participant their user fields from the worksheet."""
    missing = set()
    for c in candidates:
        if c.moodle_id is None:
            continue
        user = users.get(c.moodle_id)
        if user is None:
            missing.add((c.name, c.moodle_id))
            continue
        c.moodle_user = {f: v for f, v in user.items() if f in MOODLE_FIELDS}
    for name, number in sorted(missing, key=lambda m: int(m[1])):
        result.notes.append(
            f"participant {number} ({name!r}) is not in the worksheet "
            f"{worksheet}: their ID comes from the name, and Moodle's grade "
            "import cannot match them"
        )


def _tell_namesakes_apart(candidates: list[_Candidate], result: Collected) -> None:
    """Add Moodle's number to display names that several participants share.

    Moodle numbers participants anew in every assignment, so the number is
    used only when the name alone would merge two students, and only for
    participants the worksheet did not name.
    """
    numbers: dict[str, set[str]] = {}
    for c in candidates:
        if c.moodle_id is not None and not c.moodle_user:
            numbers.setdefault(_nfc(c.name), set()).add(c.moodle_id)
    shared = {name: ids for name, ids in numbers.items() if len(ids) > 1}
    for c in candidates:
        if c.moodle_id is not None and not c.moodle_user and _nfc(c.name) in shared:
            c.name = f"{c.name}_{c.moodle_id}"
    for name, ids in sorted(shared.items()):
        result.notes.append(
            f"{len(ids)} Moodle participants are named {name!r} "
            f"({', '.join(sorted(ids, key=int))}); their IDs include "
            "Moodle's number, which differs from one assignment to the "
            "next (give Moodle's grading worksheet to key them by user)"
        )


def _key(c: _Candidate) -> tuple[str, dict[str, Any]]:
    """Return a candidate's student ID and what its roster entry says of them."""
    if c.canvas_id is not None:
        return f"canvas-{c.canvas_id}", {"name": c.name, "canvas_id": c.canvas_id}
    if c.moodle_user:
        entry = {"name": c.name, "moodle": dict(c.moodle_user)}
        value = identity(entry)[-1]
        return student_id(value), entry
    return student_id(c.name), {"name": _nfc(c.name)}


def _finish(
    course: Course,
    candidates: list[_Candidate],
    result: Collected,
    due: dt.datetime | None,
) -> None:
    """Check, choose, read and copy the candidates; copy nothing on error."""
    known = {a: course.notebooks(a) for a in sorted({c.assignment for c in candidates})}
    registry_path = course.student_ids
    registry = load_roster(registry_path)
    owners: dict[str, tuple[tuple[str, ...], str]] = {
        sid: (identity(entry), str(registry_path)) for sid, entry in registry.items()
    }
    entries: dict[str, dict[str, Any]] = {}
    offers: dict[tuple[str, str, str], list[_Candidate]] = {}
    files: dict[tuple[str, str], list[_Candidate]] = {}
    for c in sorted(candidates, key=lambda c: c.origin):
        notebooks = known[c.assignment]
        if c.skipped is None and c.notebook not in notebooks:
            full = f"{c.notebook}-{c.version}"
            if c.version and full in notebooks:
                c.notebook, c.version = full, 0
            else:
                c.skipped = (
                    f"{c.assignment} has no notebook {c.notebook!r} "
                    f"(expected {', '.join(notebooks)})"
                )
        try:
            sid, entry = _key(c)
        except ValueError as err:
            raise ValueError(
                f"{c.origin}: {err}; rename it and collect again (nothing was copied)"
            ) from None
        who = identity(entry)
        owner, where = owners.setdefault(sid, (who, c.origin))
        if owner != who:
            raise ValueError(
                f"students {describe(owner)} ({where}) and {describe(who)} "
                f"({c.origin}) would both get the ID {sid!r}; rename one and "
                "collect again (nothing was copied)"
            )
        result.names[sid] = entry["name"]
        entries[sid] = entry
        files.setdefault((sid, c.assignment), []).append(c)
        if c.skipped is not None:
            result.skipped.append(f"{c.origin}: {c.skipped}")
        else:
            offers.setdefault((sid, c.assignment, c.notebook), []).append(c)
    chosen = {}
    for key, offered in offers.items():
        # The highest resubmission wins; of equals, the first by file name.
        winner = max(offered, key=lambda c: c.version)
        chosen[key] = winner
        for c in offered:
            if c is not winner:
                why = (
                    "an older resubmission"
                    if c.version < winner.version
                    else "a second submission"
                )
                result.skipped.append(
                    f"{c.origin}: {why} of {c.assignment}/{c.notebook} by "
                    f"{result.names[key[0]]!r}; {winner.origin} is copied "
                    "instead"
                )
    data = {}
    for key, c in sorted(chosen.items()):
        try:
            data[key] = c.read()
        except _Skip as why:
            result.skipped.append(f"{c.origin}: {why}")
    if not files:
        return
    # The gradebook is read only when a due date matters: given, or needed
    # for a late flag that comes without a time.
    needs_due = {
        a for (_, a), cs in files.items() if any(c.late and c.time is None for c in cs)
    }
    dues = {
        a: due_date(course, a, due) if due is not None or a in needs_due else None
        for a in sorted({a for _, a in files})
    }
    for (sid, assignment, notebook), blob in sorted(data.items()):
        dest = course.submitted(assignment, sid) / f"{notebook}.ipynb"
        _write(dest, blob)
        result.copied.append(dest)
    for (sid, assignment), mine in sorted(files.items()):
        folder = course.submitted(assignment, sid)
        kept = [
            c for k, c in chosen.items() if k[:2] == (sid, assignment) and k in data
        ]
        if not kept:
            folder.mkdir(parents=True, exist_ok=True)
            if not any(folder.glob("*.ipynb")):
                result.without_notebook.append((sid, assignment))
        facts = _facts(mine, kept, dues[assignment])
        stamp = folder / TIMESTAMP
        if "timestamp" in facts:
            _write(stamp, (facts["timestamp"] + "\n").encode())
            result.timestamps[(sid, assignment)] = facts["timestamp"]
        elif stamp.is_file() or stamp.is_symlink():
            stamp.unlink()  # an earlier export's time is not this one's
        if facts.get("late"):
            result.late.append((sid, assignment))
        earlier = registry.get(sid, {})
        entry = {**earlier, **entries[sid]}
        if "moodle" in entries[sid]:
            entry["moodle"] = {**earlier.get("moodle", {}), **entries[sid]["moodle"]}
        entry["assignments"] = {**earlier.get("assignments", {}), assignment: facts}
        registry[sid] = entry
    _write(registry_path, roster_json(registry))
    _note_late(result, dues)


def _facts(
    mine: list[_Candidate], kept: list[_Candidate], due: dt.datetime | None
) -> dict[str, Any]:
    """Return what an export says of one student's submission of one assignment.

    ``mine`` are all the student's files of it, ``kept`` those copied. The
    copied files speak for the submission; when none was copied, all do.
    """
    speaking = kept or mine
    facts: dict[str, Any] = {}
    numbers = sorted({c.moodle_id for c in mine if c.moodle_id is not None})
    if numbers:
        facts["participant"] = ", ".join(numbers)
    if any(c.canvas_id is not None for c in mine):
        facts["late"] = any(c.late for c in speaking)
    times = [c.time for c in speaking if c.time is not None]
    if times:
        facts["submitted"] = max(times).isoformat()
        facts["timestamp"] = timestamp_text(max(times))
    elif facts.get("late") and due is not None:
        facts["timestamp"] = timestamp_text(due + dt.timedelta(seconds=1))
    skipped = [f"{c.origin}: {c.skipped}" for c in mine if c.skipped is not None]
    if skipped:
        facts["skipped"] = skipped
    return facts


def _note_late(result: Collected, dues: dict[str, dt.datetime | None]) -> None:
    """Say which submissions are late and what nbgrader will make of it."""
    for assignment, due in sorted(dues.items()):
        late = [sid for sid, a in result.late if a == assignment]
        if not late:
            continue
        whom = ", ".join(f"{sid} ({result.names[sid]!r})" for sid in late)
        if due is None:
            result.notes.append(
                f"Canvas marks {len(late)} submission(s) of {assignment} "
                f"LATE: {whom}; Canvas gives no time, and the gradebook has "
                "no due date, so nbgrader's late penalty cannot apply: "
                "collect again with --due"
            )
        else:
            result.notes.append(
                f"Canvas marks {len(late)} submission(s) of {assignment} "
                f"LATE: {whom}; recorded as submitted one second after the "
                f"due date, {timestamp_text(due)}"
            )


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def _write(dest: Path, data: bytes) -> None:
    """Replace ``dest`` by ``data`` at once; a link there is replaced too."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".collect-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
