"""Return the submissions copied into the course folder's ``submitted/``.

Two sources are understood:

* a folder laid out as ``<student>/<assignment>/<notebook>.ipynb``
  (:func:`collect_folder`);
* the zip of files a learning management system exports
  (:func:`collect_zip`). Inside the zip a notebook may sit at
  ``<student>/<assignment>/<notebook>.ipynb`` (any leading folders
  allowed), at ``<Full Name>_<id>_assignsubmission_file_/<notebook>.ipynb``
  or ``<Full Name>_<id>_assignsubmission_file_<notebook>.ipynb`` (Moodle)
  or at ``<student>_[LATE_]<id>_<id>_<notebook>[-<n>].ipynb`` (Canvas,
  where ``-<n>`` numbers a resubmission; the highest wins).

Every student gets an ID (:func:`student_id`) that is a safe folder name
and tells apart any two different names. Canvas's user number is part of
the name (it is the same in every assignment); Moodle's number is not (it
differs from one assignment to the next), unless two participants of one
export share a display name. Two different names that would share an ID
are refused, naming both, before anything is copied; so is a name that
cannot be an ID. The names behind the IDs are kept in the course folder's
``student_ids.json``. Everything not copied (not a notebook, not one of
the assignment's, a symbolic link, unreadable, too large, an unsafe zip
path, an older or second submission of the same notebook) is listed in
:attr:`Collected.skipped` with the reason.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import stat
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from actzoo_grader.course import Course

#: The longest notebook that is copied, in bytes; larger ones are skipped.
MAX_NOTEBOOK_BYTES = 50 * 2**20
#: The longest student ID; longer names are cut, and keep their hash.
MAX_ID_LENGTH = 48

_HASH_LENGTH = 8
_CLEAN = re.compile(r"[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?")
_HASHED = re.compile(rf".*-[0-9a-f]{{{_HASH_LENGTH}}}")
_WINDOWS_RESERVED = re.compile(r"con|prn|aux|nul|com\d|lpt\d")

_MOODLE = re.compile(
    r"(?:.*/)?(?P<student>[^/]+?)_(?P<lms_id>\d+)_assignsubmission_file_/?"
    r"(?P<notebook>[^/]+?)\.ipynb"
)
_CANVAS = re.compile(
    r"(?:.*/)?(?P<student>[^/_]+)_(?i:late_)?(?P<lms_id>\d+)_\d+_"
    r"(?P<notebook>[^/]+?)(?:-(?P<version>\d+))?\.ipynb"
)
_NESTED = re.compile(
    r"(?:.*/)?(?P<student>[^/]+)/(?P<assignment>[^/]+)/"
    r"(?P<notebook>[^/]+?)\.ipynb"
)


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

    @property
    def students(self) -> list[str]:
        """Return the students with at least one copied notebook, sorted."""
        return sorted({p.parents[1].name for p in self.copied})


def student_id(name: str) -> str:
    """Return ``name`` as a student ID, a safe folder name of ``[a-z0-9_-]``.

    A name that already is such an ID (``ada``, ``ben_2``, ``bob-2``) is
    kept. Any other name becomes a readable ASCII slug of it (accents
    dropped, ``Émile`` -> ``emile``; ``student`` if nothing is left) and
    ``-`` and the first 8 hex digits of the SHA-256 of the (NFC) name, so
    two different names get different IDs. IDs are at most
    ``MAX_ID_LENGTH`` characters and never contain ``/``, ``\\`` or ``..``.

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
    """A file that may be a student's notebook, and where it came from."""

    origin: str
    name: str
    assignment: str
    notebook: str
    read: Callable[[], bytes]
    version: int = 0
    moodle_id: str | None = None


def collect_folder(
    course: Course, folder: Path, assignment: str | None = None
) -> Collected:
    """Return what was copied from ``folder/<student>/<assignment>/*.ipynb``.

    Only ``assignment`` is collected when it is given, else every
    assignment of the course. Symbolic links are never followed.

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
    wanted = [assignment] if assignment else course.assignments()
    result = Collected()
    candidates = []
    for student in _entries(folder, result, "not a student folder"):
        for work in _entries(student, result, "not an assignment folder"):
            if work.name not in wanted:
                _skip_tree(work, "not an assignment being collected", result)
                continue
            for path in _listdir(work, result):
                if path.is_symlink():
                    result.skipped.append(f"{path}: a symbolic link, not followed")
                elif path.is_dir():
                    _skip_tree(path, "in a sub-folder of the assignment folder", result)
                elif path.suffix != ".ipynb":
                    result.skipped.append(f"{path}: not a notebook")
                else:
                    candidates.append(
                        _Candidate(
                            str(path),
                            student.name,
                            work.name,
                            path.stem,
                            functools.partial(_read_file, path),
                        )
                    )
    _finish(course, candidates, result)
    return result


def collect_zip(course: Course, archive: Path, assignment: str) -> Collected:
    """Return what was copied from an LMS export zip for ``assignment``.

    Nothing is extracted: each chosen entry is read, at most
    ``MAX_NOTEBOOK_BYTES`` of it, and written under the student's ID.

    Raises
    ------
    ValueError
        As :func:`collect_folder`.
    """
    course.notebooks(assignment)  # a clear error for an unknown name
    result = Collected()
    with zipfile.ZipFile(archive) as zf:
        candidates = []
        for info in zf.infolist():
            if info.is_dir():
                continue
            try:
                candidates.append(_zip_candidate(zf, info, assignment))
            except _Skip as why:
                result.skipped.append(f"{info.filename}: {why}")
        _tell_namesakes_apart(candidates, result)
        _finish(course, candidates, result)
    return result


def _entries(folder: Path, result: Collected, not_a_folder: str) -> list[Path]:
    """Return the real sub-folders of ``folder``; skip everything else."""
    found = []
    for path in _listdir(folder, result):
        if path.is_symlink():
            result.skipped.append(f"{path}: a symbolic link, not followed")
        elif path.is_dir():
            found.append(path)
        else:
            result.skipped.append(f"{path}: {not_a_folder}")
    return found


def _skip_tree(top: Path, reason: str, result: Collected) -> None:
    """Skip every file under ``top``, without following links."""
    if top.is_symlink() or not top.is_dir():
        result.skipped.append(f"{top}: {reason}")
        return
    for path in _listdir(top, result):
        _skip_tree(path, reason, result)


def _listdir(folder: Path, result: Collected) -> list[Path]:
    """Return what ``folder`` holds, sorted; skip it if it cannot be read."""
    try:
        return sorted(folder.iterdir())
    except OSError as err:
        result.skipped.append(
            f"{folder}: unreadable folder ({err.strerror}), not searched"
        )
        return []


def _read_file(path: Path) -> bytes:
    """Return a regular file's bytes; never follow a link, never block."""
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
        if info.st_size > MAX_NOTEBOOK_BYTES:
            raise _Skip(_too_large(info.st_size))
        try:
            data = fh.read(MAX_NOTEBOOK_BYTES + 1)
        except OSError as err:
            raise _Skip(f"unreadable ({err.strerror})") from None
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise _Skip(_too_large(len(data)))
    return data


def _too_large(size: int) -> str:
    return f"too large ({size} bytes; the limit is {MAX_NOTEBOOK_BYTES} bytes)"


def _zip_candidate(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, assignment: str
) -> _Candidate:
    """Return what a zip entry is, or raise :class:`_Skip`."""
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
    if stat.S_ISLNK(info.external_attr >> 16):
        raise _Skip("a symbolic link, not followed")
    if not entry.endswith(".ipynb"):
        raise _Skip("not a notebook")

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

    moodle = _MOODLE.fullmatch(entry)
    nested = _NESTED.fullmatch(entry)
    canvas = _CANVAS.fullmatch(entry)
    if moodle:
        found = _Candidate(
            info.filename,
            moodle["student"],
            assignment,
            moodle["notebook"],
            read,
            moodle_id=moodle["lms_id"],
        )
    elif nested and nested["assignment"] == assignment:
        found = _Candidate(
            info.filename, nested["student"], assignment, nested["notebook"], read
        )
    elif canvas:
        found = _Candidate(
            info.filename,
            f"{canvas['student']}_{canvas['lms_id']}",
            assignment,
            canvas["notebook"],
            read,
            version=int(canvas["version"] or 0),
        )
    elif nested:
        raise _Skip(
            f"in a folder of {nested['assignment']!r}, not of the "
            "assignment being collected"
        )
    else:
        raise _Skip("not a recognised submission name")
    if info.file_size > MAX_NOTEBOOK_BYTES:
        raise _Skip(_too_large(info.file_size))
    return found


def _tell_namesakes_apart(candidates: list[_Candidate], result: Collected) -> None:
    """Add Moodle's number to display names that several participants share.

    Moodle numbers participants anew in every assignment, so the number is
    used only when the name alone would merge two students.
    """
    numbers: dict[str, set[str]] = {}
    for c in candidates:
        if c.moodle_id is not None:
            numbers.setdefault(_nfc(c.name), set()).add(c.moodle_id)
    shared = {name: ids for name, ids in numbers.items() if len(ids) > 1}
    for c in candidates:
        if c.moodle_id is not None and _nfc(c.name) in shared:
            c.name = f"{c.name}_{c.moodle_id}"
    for name, ids in sorted(shared.items()):
        result.notes.append(
            f"{len(ids)} Moodle participants are named {name!r} "
            f"({', '.join(sorted(ids, key=int))}); their IDs include "
            "Moodle's number, which differs from one assignment to the next"
        )


def _finish(course: Course, candidates: list[_Candidate], result: Collected) -> None:
    """Check, choose, read and copy the candidates; copy nothing on error."""
    known = {a: course.notebooks(a) for a in sorted({c.assignment for c in candidates})}
    registry_path = course.student_ids
    registry = _load_registry(registry_path)
    owners: dict[str, tuple[str, str]] = {
        sid: (name, str(registry_path)) for sid, name in registry.items()
    }
    offers: dict[tuple[str, str, str], list[_Candidate]] = {}
    for c in sorted(candidates, key=lambda c: c.origin):
        notebooks = known[c.assignment]
        if c.notebook not in notebooks:
            full = f"{c.notebook}-{c.version}"
            if c.version and full in notebooks:
                c.notebook, c.version = full, 0
            else:
                result.skipped.append(
                    f"{c.origin}: {c.assignment} has no notebook "
                    f"{c.notebook!r} (expected {', '.join(notebooks)})"
                )
                continue
        try:
            sid = student_id(c.name)
        except ValueError as err:
            raise ValueError(
                f"{c.origin}: {err}; rename it and collect again (nothing was copied)"
            ) from None
        name = _nfc(c.name)
        owner, where = owners.setdefault(sid, (name, c.origin))
        if owner != name:
            raise ValueError(
                f"students {owner!r} ({where}) and {name!r} ({c.origin}) "
                f"would both get the ID {sid!r}; rename one and collect "
                "again (nothing was copied)"
            )
        result.names[sid] = name
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
    for (sid, assignment, notebook), blob in data.items():
        dest = course.submitted(assignment, sid) / f"{notebook}.ipynb"
        _write(dest, blob)
        result.copied.append(dest)
    if data:
        registry.update({sid: result.names[sid] for sid, _, _ in data})
        _write(
            registry_path,
            (
                json.dumps(dict(sorted(registry.items())), indent=1, ensure_ascii=False)
                + "\n"
            ).encode("utf-8"),
        )


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def _load_registry(path: Path) -> dict[str, str]:
    """Return the course folder's ``{student ID: name}``, empty if none."""
    if not path.exists():
        return {}
    registry = json.loads(path.read_text(encoding="utf-8"))
    if not (
        isinstance(registry, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in registry.items())
    ):
        raise ValueError(f"{path} is not a map of student IDs to names")
    return registry


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
