"""Return the submissions copied into the course folder's ``submitted/``.

Two sources are understood:

* a folder laid out as ``<student>/<assignment>/<notebook>.ipynb``
  (:func:`collect_folder`);
* the zip of files a learning management system exports
  (:func:`collect_zip`). Inside the zip a notebook may sit at
  ``<student>/<assignment>/<notebook>.ipynb`` (any leading folders
  allowed), at ``<Full Name>_<id>_assignsubmission_file_/<notebook>.ipynb``
  (Moodle) or at ``<student>_[LATE_]<id>_<id>_<notebook>[-<n>].ipynb``
  (Canvas, where ``-<n>`` numbers a resubmission; the highest wins).

Student names become IDs of lower-case letters, digits, ``_`` and ``-``.
Notebooks whose name is not one of the assignment's are skipped and
reported, never copied.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grading.course import Course

_MOODLE = re.compile(
    r"(?:.*/)?(?P<student>[^/]+?)_\d+_assignsubmission_file_/"
    r"(?P<notebook>[^/]+?)\.ipynb$")
_CANVAS = re.compile(
    r"(?:.*/)?(?P<student>[^/_]+)_(?:LATE_)?\d+_\d+_"
    r"(?P<notebook>[^/]+?)(?:-(?P<version>\d+))?\.ipynb$")
_NESTED = re.compile(
    r"(?:.*/)?(?P<student>[^/]+)/(?P<assignment>[^/]+)/"
    r"(?P<notebook>[^/]+?)\.ipynb$")


@dataclass
class Collected:
    """What a collection copied, and what it skipped and why."""

    copied: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def students(self) -> list[str]:
        """Return the students with at least one copied notebook, sorted."""
        return sorted({p.parents[1].name for p in self.copied})


def student_id(name: str) -> str:
    """Return ``name`` as a student ID: lower case, ``[a-z0-9_-]`` only.

    Raises
    ------
    ValueError
        If nothing of the name is left.
    """
    sid = re.sub(r"[^a-z0-9_-]+", "_", name.strip().lower()).strip("_")
    if not sid:
        raise ValueError(f"cannot make a student ID from {name!r}")
    return sid


def collect_folder(course: Course, folder: Path,
                   assignment: str | None = None) -> Collected:
    """Return what was copied from ``folder/<student>/<assignment>/*.ipynb``.

    Only ``assignment`` is collected when it is given, else every
    assignment of the course.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no submissions folder at {folder}")
    wanted = [assignment] if assignment else course.assignments()
    result = Collected()
    for path in sorted(folder.glob("*/*/*.ipynb")):
        name = path.parent.name
        if name not in wanted:
            result.skipped.append(f"{path}: not an assignment being collected")
            continue
        _store(course, path.read_bytes(), student_id(path.parents[1].name),
               name, path.stem, str(path), result)
    return result


def collect_zip(course: Course, archive: Path, assignment: str) -> Collected:
    """Return what was copied from an LMS export zip for ``assignment``."""
    course.notebooks(assignment)  # a clear error for an unknown name
    best: dict[tuple[str, str], tuple[int, str]] = {}
    result = Collected()
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if info.is_dir() or not info.filename.endswith(".ipynb"):
                continue
            key = _parse_entry(info.filename, assignment)
            if key is None:
                result.skipped.append(
                    f"{info.filename}: not a recognised submission name")
                continue
            student, notebook, version = key
            previous = best.get((student, notebook))
            if previous is None or version > previous[0]:
                best[(student, notebook)] = (version, info.filename)
        for (student, notebook), (_, entry) in sorted(best.items()):
            _store(course, zf.read(entry), student, assignment, notebook,
                   entry, result)
    return result


def _parse_entry(entry: str, assignment: str) -> tuple[str, str, int] | None:
    entry = entry.replace("\\", "/")
    if "__MACOSX/" in entry:
        return None
    match = _MOODLE.fullmatch(entry)
    if match:
        return student_id(match["student"]), match["notebook"], 0
    match = _NESTED.fullmatch(entry)
    if match and match["assignment"] == assignment:
        return student_id(match["student"]), match["notebook"], 0
    match = _CANVAS.fullmatch(entry)
    if match:
        return (student_id(match["student"]), match["notebook"],
                int(match["version"] or 0))
    return None


def _store(course: Course, data: bytes, student: str, assignment: str,
           notebook: str, origin: str, result: Collected) -> None:
    known = course.notebooks(assignment)
    if notebook not in known:
        result.skipped.append(
            f"{origin}: {assignment} has no notebook {notebook!r} "
            f"(expected {', '.join(known)})")
        return
    dest = course.root / "submitted" / student / assignment / f"{notebook}.ipynb"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    result.copied.append(dest)
