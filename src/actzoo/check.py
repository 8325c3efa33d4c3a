"""Check an exercise notebook before you submit it.

Run it from a terminal, on the notebook you are about to hand in::

    python -m actzoo.check ex1_activations.ipynb

The check runs the notebook from top to bottom in a fresh kernel, as the
grader does, and prints for each part whether its visible tests pass, fail
(with the test's own message) or were not attempted yet, and the points at
stake. When the notebook is graded, hidden tests run as well, so passing
the visible tests is a good sign, not a guarantee. The check also says
whether the file name and every test cell are as released: the grader puts
an edited or deleted test cell back, and that part then scores no points.

It needs the notebook only, not the course's repository: what the released
notebooks look like (each test cell's ID, points and a SHA-256 of its
source, and the source of the read-only cells, which every student has
anyway) ships with ``actzoo``, in ``actzoo/_releases.py``, generated from
``exercises/`` whenever the exercises are released again: the
instructors' release step (``make release``) writes it, and so does
``python -m actzoo.check --write-manifest exercises``.

* :func:`check_notebook` runs the check and returns a :class:`CheckReport`,
  with a :class:`PartResult` per part and a :class:`CellState` per
  read-only cell.
* :func:`release_manifest` describes the released notebooks of a folder,
  and :func:`load_manifest` returns the description shipped with
  ``actzoo``.

Running a notebook needs Jupyter's ``nbclient`` and ``ipykernel`` (both
come with ``pip install jupyter``). The command's exit code is 0 when every
visible test passes and the notebook is intact, 1 otherwise, and 2 when
the notebook could not be checked at all (no such file, not a notebook,
not one of the course's exercises); those problems are reported in one
line starting with ``check:``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import importlib.util
import json
import logging
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from actzoo import _checks
from actzoo._checks import real_param

__all__ = [
    "CellState",
    "CheckReport",
    "PartResult",
    "check_notebook",
    "load_manifest",
    "release_manifest",
]

#: The course whose exercises the manifest describes.
COURSE = "The Activation Zoo"
#: Version of the manifest's layout.
MANIFEST_FORMAT = 1
#: The statuses of a part.
PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted"
#: What a read-only cell can be found to be.
INTACT = "intact"

_MANIFEST_MODULE = Path(__file__).with_name("_releases.py")
_COMMAND = "python -m actzoo.check"
_NIE = "NotImplementedError"


# ------------------------------------------------------------ the results


@dataclass(frozen=True)
class PartResult:
    """The visible test of one part, run top to bottom in a fresh kernel.

    Attributes
    ----------
    grade_id : str
        The test cell's nbgrader ID, for example ``"test_relu"``.
    title : str
        The part's title, from the test cell's first comment line.
    points : float
        The points the part is worth when graded.
    status : {"passed", "failed", "not attempted"}
        ``"not attempted"``: the part's answer cells are as released and its
        test fails on their ``NotImplementedError``.
    message : str
        For a failed test, the last line of its error (the test's own
        message); empty otherwise.
    hint : str
        What else to know: the test cell was not intact (the part then
        scores no points when graded), or the test passes in the saved
        notebook but not top to bottom (cells run out of order).
    """

    grade_id: str
    title: str
    points: float
    status: str
    message: str = ""
    hint: str = ""


@dataclass(frozen=True)
class CellState:
    """Whether a read-only cell (a test or a given cell) is as released.

    Attributes
    ----------
    grade_id : str
        The cell's nbgrader ID.
    role : {"test", "given"}
        A test cell, or a read-only cell of given code.
    state : {"intact", "edited", "missing", "retagged", "duplicated"}
        ``"retagged"``: its nbgrader metadata, cell type or tags changed.
    detail : str
        What was found and what the grader does about it.
    """

    grade_id: str
    role: str
    state: str
    detail: str = ""


@dataclass(frozen=True)
class CheckReport:
    """What :func:`check_notebook` found.

    Attributes
    ----------
    path : str
        The notebook checked.
    assignment : str
        The exercise it belongs to, for example ``"ex1_activations"``.
    title : str
        The exercise's title.
    released_name : str
        The notebook's file name as released.
    parts : tuple of PartResult
        One per graded part, in order.
    cells : tuple of CellState
        One per test cell and given cell, in order.
    cell_errors : tuple of str
        Errors raised by cells other than the tests (not
        ``NotImplementedError``: that is what a part not attempted yet
        raises).
    notes : tuple of str
        Remarks that cost no points (cells saved out of order).
    seconds : float
        How long the run took.
    """

    path: str
    assignment: str
    title: str
    released_name: str
    parts: tuple[PartResult, ...]
    cells: tuple[CellState, ...]
    cell_errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def points(self) -> float:
        """Return the points of all parts."""
        return sum(p.points for p in self.parts)

    @property
    def passed_points(self) -> float:
        """Return the points of the parts that pass and whose test is intact."""
        intact = {
            c.grade_id for c in self.cells if c.role == "test" and c.state == INTACT
        }
        return sum(
            p.points for p in self.parts if p.status == PASSED and p.grade_id in intact
        )

    @property
    def name_ok(self) -> bool:
        """Return True if the file has its released name."""
        return Path(self.path).name == self.released_name

    @property
    def intact(self) -> bool:
        """Return True if the file name and every read-only cell are as released."""
        return self.name_ok and all(c.state == INTACT for c in self.cells)

    @property
    def ok(self) -> bool:
        """Return True if every visible test passes and the notebook is intact."""
        return self.intact and all(p.status == PASSED for p in self.parts)

    @property
    def exit_code(self) -> int:
        """Return the command's exit code: 0 if :attr:`ok`, else 1."""
        return 0 if self.ok else 1

    def text(self) -> str:
        """Return the report as the command prints it."""
        name = Path(self.path).name
        lines = [
            f"{name}: {self.title}",
            f"Ran every cell top to bottom in a fresh kernel, as the "
            f"grader does ({self.seconds:.1f} s).",
            "",
        ]
        width = max([len("part")] + [len(p.grade_id) for p in self.parts])
        status_width = len(NOT_ATTEMPTED)
        lines.append(
            f"  {'part':<{width}}  points  {'status':<{status_width}}  message"
        )
        indent = " " * (2 + width + 2 + 6 + 2 + status_width + 2)
        for p in self.parts:
            row = (
                f"  {p.grade_id:<{width}}  {p.points:>6g}  "
                f"{p.status:<{status_width}}  {p.message}"
            )
            lines.append(row.rstrip())
            if p.hint:
                lines.append(indent + p.hint)
        lines += [
            "",
            f"visible tests: {self.passed_points:g} of "
            f"{self.points:g} points pass; hidden tests also run when "
            "graded, so the final score may be lower",
        ]
        if self.cell_errors:
            lines += ["", "other cells that raised an error:"]
            lines += [f"  {e}" for e in self.cell_errors]
        lines += ["", "integrity:"]
        if self.name_ok:
            lines.append(f"  file name: {name}, as released")
        else:
            lines.append(
                f"  file name: {name} is not the released name "
                f"{self.released_name}; the grader looks for "
                f"{self.released_name}, so rename the file before you submit"
            )
        width = max(len(c.grade_id) for c in self.cells) if self.cells else 0
        for c in self.cells:
            if c.role == "given" and c.state == INTACT:
                continue
            what = "" if c.role == "test" else " (given code)"
            detail = f": {c.detail}" if c.detail else ""
            lines.append(f"  {c.grade_id + what + ':':<{width + 2}} {c.state}{detail}")
        givens = [c for c in self.cells if c.role == "given"]
        if givens and all(c.state == INTACT for c in givens):
            lines.append(f"  given code cells: all {len(givens)} intact")
        lines += [f"note: {n}" for n in self.notes]
        lines.append("")
        if self.ok:
            lines.append(
                "Ready to submit: every visible test passes and the notebook is intact."
            )
        else:
            todo = []
            failing = sum(p.status != PASSED for p in self.parts)
            if failing:
                todo.append(f"{failing} of {len(self.parts)} parts do not pass yet")
            if not self.intact:
                todo.append("the notebook is not as released (see integrity)")
            lines.append("Not ready yet: " + "; ".join(todo) + ".")
        return "\n".join(lines)


# ------------------------------------------------------------ the manifest


def _normalise(source: Any) -> str:
    """Return cell source with trailing spaces and blank ends removed."""
    if isinstance(source, list):
        source = "".join(str(s) for s in source)
    source = str(source)
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _sha(source: Any) -> str:
    return hashlib.sha256(_normalise(source).encode("utf-8")).hexdigest()


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _nbgrader(cell: Any) -> dict[str, Any]:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def _flags(cell: dict[str, Any]) -> list[Any]:
    meta = _nbgrader(cell)
    return [meta.get(k) for k in ("grade", "solution", "locked", "points", "task")]


def _role(cell: dict[str, Any]) -> str | None:
    meta = _nbgrader(cell)
    if not meta.get("grade_id"):
        return None
    if meta.get("solution"):
        return "answer"
    if meta.get("grade") and cell.get("cell_type") == "code":
        return "test"
    if meta.get("locked"):
        return "given"
    return None


def _title_of(source: str, default: str) -> str:
    for line in source.splitlines():
        if line.startswith("#") and not line.startswith("###"):
            return line.lstrip("#").strip()
    return default


def _describe(nb: dict[str, Any], notebook: str) -> dict[str, Any]:
    """Return the manifest entry of one released notebook."""
    title = notebook
    for cell in nb["cells"]:
        if cell.get("cell_type") == "markdown":
            title = _title_of(_source(cell), notebook)
            break
    cells: list[dict[str, Any]] = []
    answers: list[str] = []
    for cell in nb["cells"]:
        role = _role(cell)
        if role is None:
            continue
        gid = str(_nbgrader(cell)["grade_id"])
        entry: dict[str, Any] = {
            "grade_id": gid,
            "role": role,
            "sha256": _sha(cell.get("source", "")),
        }
        if role == "answer":
            answers.append(gid)
        else:
            entry["cell_type"] = cell.get("cell_type")
            entry["flags"] = _flags(cell)
            entry["source"] = _source(cell)
        if role == "test":
            entry["points"] = _nbgrader(cell).get("points", 0)
            entry["title"] = _title_of(_source(cell), gid)
            entry["answers"] = answers
            answers = []
        cells.append(entry)
    return {"notebook": notebook, "title": title, "cells": cells}


def release_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Return the description of the released notebooks in ``folder``.

    Parameters
    ----------
    folder : str or path
        A folder holding one sub-folder per assignment, each with the
        released notebook ``<name>/<name>.ipynb`` (the course's
        ``exercises/``).

    Returns
    -------
    dict
        ``{"course", "format", "assignments"}``; each assignment gives its
        notebook's file name, its title and its nbgrader cells in order:
        every cell's ID, role (``"test"``, ``"given"`` or ``"answer"``)
        and the SHA-256 of its source with trailing spaces and blank ends
        removed; test cells also their points, title and the answer cells
        of their part; test and given cells their source and nbgrader
        flags. Nothing here is secret: it is all in the released
        notebooks.

    Raises
    ------
    ValueError
        If ``folder`` is not a folder or holds no released notebook.
    """
    func = "release_manifest"
    _checks.instance(folder, (str, os.PathLike), "folder", func)
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"{func}: folder {str(folder)!r} is not a folder")
    assignments = {}
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        notebook = sub / f"{sub.name}.ipynb"
        if notebook.is_file():
            nb = json.loads(notebook.read_text(encoding="utf-8"))
            assignments[sub.name] = _describe(nb, notebook.name)
    if not assignments:
        raise ValueError(
            f"{func}: folder {str(folder)!r} holds no released "
            "notebook <name>/<name>.ipynb"
        )
    return {"course": COURSE, "format": MANIFEST_FORMAT, "assignments": assignments}


def write_manifest(
    folder: str | os.PathLike[str], module: str | os.PathLike[str] | None = None
) -> Path:
    """(Instructors) Write the manifest module from the released notebooks.

    What ``python -m actzoo.check --write-manifest FOLDER`` runs, and the
    grader's release step (``python -m actzoo_grader release``) after it
    writes ``exercises/``: the module holds :func:`release_manifest` of
    ``folder``. Returns the path written, ``module`` or by default this
    package's ``actzoo/_releases.py``.
    """
    path = _MANIFEST_MODULE if module is None else Path(module)
    path.write_text(_manifest_module(release_manifest(folder)), encoding="utf-8")
    return path


def manifest_is_current(
    folder: str | os.PathLike[str], module: str | os.PathLike[str] | None = None
) -> bool:
    """(Instructors) Return whether the manifest module is in step with ``folder``.

    It is when it holds exactly what :func:`write_manifest` would write
    from ``folder``; a missing module is not.
    """
    path = _MANIFEST_MODULE if module is None else Path(module)
    if not path.is_file():
        return False
    written = _manifest_module(release_manifest(folder))
    return path.read_text(encoding="utf-8") == written


def load_manifest() -> dict[str, Any]:
    """Return the description of the released notebooks shipped with actzoo.

    It is :func:`release_manifest` of the course's ``exercises/`` when this
    version of ``actzoo`` was made.
    """
    from actzoo._releases import RELEASES

    return copy.deepcopy(RELEASES)


def _literal(value: Any, indent: int = 0) -> str:
    """Return ``value`` (JSON-like data) as a readable Python literal."""
    pad, inner = " " * indent, " " * (indent + 4)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{k!r}: {_literal(v, indent + 4)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        if all(not isinstance(v, (dict, list, str)) for v in value):
            return repr(value)
        items = [f"{inner}{_literal(v, indent + 4)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    # Lines of source stay lines; only a line too long for the linters'
    # 132 columns is cut (the pieces are adjacent literals).
    if isinstance(value, str) and (
        "\n" in value.rstrip("\n") or len(repr(value)) + indent > 110
    ):
        width = max(40, 110 - len(inner))
        pieces = [
            p for line in value.splitlines(keepends=True) for p in _cut(line, width)
        ]
        return "(\n" + "\n".join(f"{inner}{p!r}" for p in pieces) + f"\n{pad})"
    return repr(value)


def _cut(text: str, width: int) -> list[str]:
    """Return ``text`` in pieces of at most about ``width``, cut after spaces."""
    pieces = []
    while len(text) > width:
        at = text.rfind(" ", 0, width) + 1 or width
        pieces.append(text[:at])
        text = text[at:]
    return [*pieces, text] if text else pieces


def _manifest_module(manifest: dict[str, Any]) -> str:
    """Return the text of ``actzoo/_releases.py`` holding ``manifest``."""
    return (
        '"""The released exercise notebooks, as :mod:`actzoo.check` knows '
        "them.\n\nGenerated from ``exercises/`` by ``python -m "
        "actzoo.check --write-manifest\nexercises``; do not edit. "
        "Everything here is in the released notebooks.\n"
        '"""\n\n# fmt: off\nRELEASES = ' + _literal(manifest) + "\n"
    )


# ------------------------------------------------------------ reading


class _BadInput(ValueError):
    """A notebook that cannot be checked; ``line`` is what the command says."""

    def __init__(self, func: str, path: str, why: str) -> None:
        super().__init__(f"{func}: path {path!r} {why}")
        self.line = f"{path} {why}"


def _read(path: Path, shown: str, func: str) -> dict[str, Any]:
    """Return the notebook at ``path`` as parsed JSON, checked for shape."""
    if not path.exists():
        raise _BadInput(func, shown, "does not exist")
    if path.is_dir():
        raise _BadInput(
            func, shown, "is a folder, not a notebook; give the .ipynb file"
        )
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise _BadInput(
            func, shown, f"cannot be read ({err.strerror or err})"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _BadInput(
            func,
            shown,
            "is not a notebook: it is not text (a notebook is a JSON text file)",
        ) from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as err:
        raise _BadInput(
            func,
            shown,
            "is not a notebook that parses: invalid "
            f"JSON at line {err.lineno}, column {err.colno} "
            f"({err.msg}); Jupyter cannot open it either",
        ) from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        old = isinstance(nb, dict) and "worksheets" in nb
        raise _BadInput(
            func,
            shown,
            "is not a Jupyter notebook of format 4 "
            + (
                "(it is an old format 3 notebook)"
                if old
                else "(its JSON has no list of cells)"
            ),
        )
    for number, cell in enumerate(cells, 1):
        source = cell.get("source", "") if isinstance(cell, dict) else None
        if (
            not isinstance(cell, dict)
            or cell.get("cell_type") not in ("code", "markdown", "raw")
            or not (
                isinstance(source, str)
                or (
                    isinstance(source, list) and all(isinstance(s, str) for s in source)
                )
            )
        ):
            raise _BadInput(
                func,
                shown,
                f"is not a valid notebook: cell {number} has no cell type or no source",
            )
    return nb


def _identify(
    nb: dict[str, Any], name: str, manifest: dict[str, Any], shown: str, func: str
) -> str:
    """Return the assignment ``nb`` belongs to, by content, else by file name.

    A notebook's content decides (its nbgrader IDs and its read-only cells'
    sources), so that a renamed notebook is still recognised; the file name
    decides where the content does not (every nbgrader cell removed).
    """
    assignments = manifest["assignments"]
    ids = {
        str(_nbgrader(c).get("grade_id"))
        for c in nb["cells"]
        if _nbgrader(c).get("grade_id")
    }
    shas = {
        _sha(c.get("source", "")) for c in nb["cells"] if c.get("cell_type") == "code"
    }
    scores = {}
    for assignment, release in assignments.items():
        score = sum(
            (c["grade_id"] in ids) + (c["role"] != "answer" and c["sha256"] in shas)
            for c in release["cells"]
        )
        if score:
            scores[assignment] = score
    by_name = [a for a, r in assignments.items() if r["notebook"] == name]
    if not scores:
        if by_name:
            return by_name[0]
        known = ", ".join(r["notebook"] for r in assignments.values())
        raise _BadInput(
            func, shown, f"is not one of {COURSE}'s exercises: no cell matches {known}"
        )
    best = max(scores.values())
    winners = [a for a, s in scores.items() if s == best]
    if by_name and by_name[0] in winners:
        return by_name[0]
    if len(winners) > 1:
        raise _BadInput(
            func,
            shown,
            "matches several exercises ("
            + ", ".join(winners)
            + "); give it its released name",
        )
    return winners[0]


# ------------------------------------------------------------ integrity


@dataclass
class _Cell:
    """A cell of the notebook to run."""

    cell_type: str
    source: str
    role: str  # test, given, answer, student
    grade_id: str = ""
    number: int | None = None  # 1-based position in the submitted notebook


def _audit(
    nb: dict[str, Any], release: dict[str, Any]
) -> tuple[list[_Cell], list[CellState], dict[str, bool]]:
    """Return the notebook to run, the read-only cells' states, answers.

    As the grader does, every test and given cell comes from the release
    (deleted ones are put back after the cell that precedes them in the
    release); everything else is the student's. The last value maps each
    answer cell's ID to whether it is present and unchanged.
    """
    released = {c["grade_id"]: c for c in release["cells"]}
    order = [c["grade_id"] for c in release["cells"]]
    by_sha = {
        c["sha256"]: c["grade_id"] for c in release["cells"] if c["role"] == "test"
    }
    problems: dict[str, list[tuple[str, str]]] = {}
    placed: dict[str, _Cell] = {}
    cells: list[_Cell] = []
    unchanged: dict[str, bool] = {}
    twins: dict[str, int] = {}
    for number, cell in enumerate(nb["cells"], 1):
        meta = cell.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        gid = _nbgrader(cell).get("grade_id")
        gid = str(gid) if gid else ""
        source = _source(cell)
        original = released.get(gid)
        if original is not None and gid not in placed:
            role = original["role"]
            if role == "answer":
                unchanged[gid] = _sha(source) == original["sha256"]
                new = _Cell(cell["cell_type"], source, "answer", gid, number)
            else:
                found = problems.setdefault(gid, [])
                tags = meta.get("tags")
                if tags and role == "test":
                    found.append(
                        ("retagged", "tags added (" + ", ".join(map(str, tags)) + ")")
                    )
                if (
                    cell["cell_type"] != original["cell_type"]
                    or _flags(cell) != original["flags"]
                ):
                    found.append(
                        ("retagged", "its nbgrader metadata or cell type was changed")
                    )
                if _sha(source) != original["sha256"]:
                    found.append(("edited", "its source was changed"))
                new = _Cell(
                    original["cell_type"], original["source"], role, gid, number
                )
            placed[gid] = new
            cells.append(new)
            continue
        if original is not None and original["role"] != "answer":
            problems.setdefault(gid, []).append(
                ("duplicated", f"a second copy is cell {number}")
            )
        if cell["cell_type"] == "code" and by_sha.get(_sha(source)):
            twins.setdefault(by_sha[_sha(source)], number)
        cells.append(_Cell(cell["cell_type"], source, "student", "", number))

    for position, gid in enumerate(order):
        original = released[gid]
        if gid in placed or original["role"] == "answer":
            continue
        if gid in twins:
            problems.setdefault(gid, []).append(
                (
                    "retagged",
                    f"cell {twins[gid]} is a copy of it without its nbgrader metadata",
                )
            )
        else:
            problems.setdefault(gid, []).append(("missing", "it was deleted"))
        new = _Cell(original["cell_type"], original["source"], original["role"], gid)
        before = [placed[g] for g in order[:position] if g in placed]
        at = cells.index(before[-1]) + 1 if before else 0
        cells.insert(at, new)
        placed[gid] = new

    states = []
    for gid in order:
        original = released[gid]
        if original["role"] == "answer":
            continue
        found = problems.get(gid, [])
        if not found:
            states.append(CellState(gid, original["role"], INTACT))
            continue
        detail = "; ".join(d for _, d in found)
        if original["role"] == "test":
            detail += (
                "; the grader puts the released cell back (so did "
                "this check) and this part scores no points"
            )
        else:
            detail += "; the grader uses the released cell (so did this check)"
        states.append(CellState(gid, original["role"], found[0][0], detail))
    return cells, states, unchanged


def _saved_order_note(nb: dict[str, Any]) -> str:
    counts = [
        c.get("execution_count") for c in nb["cells"] if c.get("cell_type") == "code"
    ]
    counts = [n for n in counts if isinstance(n, int)]
    if any(b <= a for a, b in zip(counts, counts[1:])):
        return (
            "the saved outputs come from cells run out of order; this "
            "check ran them top to bottom, as the grader does"
        )
    return ""


def _saved_pass(cell: dict[str, Any]) -> bool:
    """Return True if the saved outputs show ``cell`` run without an error."""
    outputs = cell.get("outputs")
    return (
        isinstance(cell.get("execution_count"), int)
        and isinstance(outputs, list)
        and not any(
            isinstance(o, dict) and o.get("output_type") == "error" for o in outputs
        )
    )


# ------------------------------------------------------------ running


def _jupyter_missing() -> list[str]:
    return [
        m
        for m in ("nbformat", "nbclient", "jupyter_client", "ipykernel")
        if importlib.util.find_spec(m) is None
    ]


@dataclass
class _Outcome:
    ran: bool = False
    ename: str = ""
    evalue: str = ""


def _run(
    cells: list[_Cell], folder: Path, timeout: float, func: str
) -> tuple[list[_Outcome], int | None, float]:
    """Run the code cells in a fresh kernel of this Python, in ``folder``.

    Returns each cell's outcome, the index of the cell during which the
    kernel died (None if it did not) and the seconds the run took.
    """
    import nbformat
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    from traitlets import default

    class ThisPython(KernelSpecManager):
        """The kernel of the Python that runs the check, not a kernelspec."""

        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(
                argv=[
                    sys.executable,
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                display_name="Python (actzoo check)",
                language="python",
                resource_dir="",
            )

    class ThisPythonKernel(AsyncKernelManager):
        """A kernel manager that starts :class:`ThisPython`'s kernel."""

        @default("kernel_spec_manager")
        def _this_python(self) -> KernelSpecManager:
            return ThisPython(data_dir=self.data_dir)

    log = logging.getLogger("actzoo.check.kernel")
    log.propagate = False
    if not log.handlers:
        log.addHandler(logging.NullHandler())
    nb = nbformat.v4.new_notebook()
    for cell in cells:
        if cell.cell_type == "code":
            nb.cells.append(nbformat.v4.new_code_cell(cell.source))
        elif cell.cell_type == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(cell.source))
        else:
            nb.cells.append(nbformat.v4.new_raw_cell(cell.source))
    seconds = max(1, round(timeout))  # nbclient counts whole seconds
    client = NotebookClient(
        nb,
        kernel_manager_class=ThisPythonKernel,
        kernel_name="python3",
        timeout=seconds,
        allow_errors=True,
        interrupt_on_timeout=True,
        startup_timeout=60,
        shutdown_kernel="immediate",
        log=log,
        error_on_timeout={
            "ename": "CellTimeoutError",
            "evalue": f"the cell ran longer than {seconds} s and was stopped",
            "traceback": [],
        },
        resources={"metadata": {"path": str(folder)}},
    )
    outcomes = [_Outcome() for _ in cells]
    replies: dict[int, dict[str, Any]] = {}

    def keep(**kwargs: Any) -> None:
        replies[kwargs["cell_index"]] = kwargs["execute_reply"]

    client.on_cell_executed = keep
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.pop("JPY_PARENT_PID", None)
    died: int | None = None
    start = time.monotonic()
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(
                client.setup_kernel(
                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            )
        except (RuntimeError, OSError, TimeoutError) as err:
            raise RuntimeError(
                f"{func}: could not start a Python kernel with {sys.executable} ({err})"
            ) from None
        try:
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                try:
                    client.execute_cell(cell, index)
                except DeadKernelError:
                    died = index
                    break
                outcomes[index] = _outcome(cell, replies.get(index))
        finally:
            # A dead kernel cannot be shut down politely; that is no error.
            with contextlib.suppress(DeadKernelError, RuntimeError):
                stack.close()
    return outcomes, died, time.monotonic() - start


def _outcome(cell: Any, reply: dict[str, Any] | None) -> _Outcome:
    """Return what running ``cell`` gave: the kernel's reply, or its output."""
    content = (reply or {}).get("content", {})
    if content.get("status") == "error":
        return _Outcome(
            True, str(content.get("ename", "Error")), str(content.get("evalue", ""))
        )
    for out in cell.outputs:
        if out.get("output_type") == "error":
            return _Outcome(
                True, str(out.get("ename", "Error")), str(out.get("evalue", ""))
            )
    return _Outcome(True)


def _message(outcome: _Outcome) -> str:
    """Return an error as one line: its name and message (the test's own)."""
    evalue = " ".join(outcome.evalue.split())
    # A syntax error names the kernel's file for the cell: only the line counts.
    evalue = re.sub(r"\(\d+\.py, (line \d+)\)", r"(\1)", evalue)
    text = f"{outcome.ename}: {evalue}" if evalue else outcome.ename
    return text if len(text) <= 300 else text[:297] + "..."


# ------------------------------------------------------------ the check


def check_notebook(
    path: str | os.PathLike[str], *, timeout: float = 120.0
) -> CheckReport:
    """Return what the visible tests and the integrity check say of a notebook.

    The notebook is run from top to bottom in a fresh kernel of the Python
    that runs the check, in the notebook's own folder, with every test
    cell and given cell as released (as the grader does: an edited or
    deleted one is put back). The file itself is never changed.

    Parameters
    ----------
    path : str or path
        The exercise notebook, for example ``"ex1_activations.ipynb"``.
    timeout : float
        Seconds a cell may run before it is stopped (and its part fails).

    Returns
    -------
    CheckReport
        Per part: passed, failed with the test's message, or not attempted;
        the points; whether the file name and read-only cells are intact.

    Raises
    ------
    ValueError
        If ``path`` does not exist, is a folder, is not a notebook (not
        JSON, or JSON without cells), or is not one of the course's
        exercises; or ``timeout`` is not positive.
    ModuleNotFoundError
        If Jupyter's ``nbclient`` or ``ipykernel`` is not installed.
    RuntimeError
        If no kernel could be started.
    """
    func = "check_notebook"
    _checks.instance(path, (str, os.PathLike), "path", func)
    timeout = real_param(timeout, "timeout", func, positive=True)
    file = Path(path)
    shown = str(path)
    nb = _read(file, shown, func)
    manifest = load_manifest()
    assignment = _identify(nb, file.name, manifest, shown, func)
    release = manifest["assignments"][assignment]
    missing = _jupyter_missing()
    if missing:
        raise ModuleNotFoundError(
            f"{func}: running the notebook needs Jupyter ("
            + ", ".join(missing)
            + " missing); install it with: "
            "pip install jupyter",
            name=missing[0],
        )
    cells, states, unchanged = _audit(nb, release)
    outcomes, died, seconds = _run(cells, file.resolve().parent, timeout, func)

    tests = {c["grade_id"]: c for c in release["cells"] if c["role"] == "test"}
    state_of = {s.grade_id: s for s in states}
    index_of = {
        c.grade_id: i for i, c in enumerate(cells) if c.role in ("test", "answer")
    }
    submitted = {
        str(_nbgrader(c).get("grade_id")): c
        for c in nb["cells"]
        if _nbgrader(c).get("grade_id")
    }
    died_at = ""
    if died is not None:
        where = cells[died]
        died_at = (
            f"not run: the kernel stopped while running "
            f"{_label(where)} (it crashed or exited)"
        )
    parts = []
    for gid, test in tests.items():
        outcome = outcomes[index_of[gid]]
        status, message, hint = PASSED, "", ""
        if not outcome.ran:
            status, message = FAILED, died_at or "not run"
        elif outcome.ename:
            answers = test["answers"]
            stub = bool(answers) and all(unchanged.get(a, False) for a in answers)
            nie = outcome.ename == _NIE or any(
                outcomes[index_of[a]].ename == _NIE for a in answers if a in index_of
            )
            if stub and nie:
                status = NOT_ATTEMPTED
            else:
                status, message = FAILED, _message(outcome)
                if outcome.ename == _NIE:
                    message += (
                        " (code this test calls still raises it: "
                        "replace raise NotImplementedError() with "
                        "your code)"
                    )
                if (
                    state_of[gid].state == INTACT
                    and gid in submitted
                    and _saved_pass(submitted[gid])
                ):
                    hint = (
                        "passes in the saved notebook but not top to "
                        "bottom in a fresh kernel: it works only when "
                        "cells run out of order"
                    )
        if state_of[gid].state != INTACT:
            hint = (
                f"its test cell is {state_of[gid].state}, so this part "
                "scores no points when graded"
            )
        parts.append(
            PartResult(gid, test["title"], float(test["points"]), status, message, hint)
        )

    errors = []
    for cell, outcome in zip(cells, outcomes):
        # NotImplementedError is what a part not attempted yet raises, in
        # its answer cell and in every cell that calls it.
        if cell.role == "test" or outcome.ename in ("", _NIE):
            continue
        errors.append(f"{_label(cell)}: {_message(outcome)}")
    if died is not None:
        errors.append(
            f"{_label(cells[died])}: the kernel stopped while "
            "running it; later cells did not run"
        )
    note = _saved_order_note(nb)
    return CheckReport(
        path=shown,
        assignment=assignment,
        title=release["title"],
        released_name=release["notebook"],
        parts=tuple(parts),
        cells=tuple(states),
        cell_errors=tuple(errors),
        notes=(note,) if note else (),
        seconds=seconds,
    )


def _label(cell: _Cell) -> str:
    where = f"cell {cell.number}" if cell.number else "a restored cell"
    if cell.role == "answer":
        return f"{where} (your answer {cell.grade_id})"
    if cell.role in ("test", "given"):
        return f"{where} ({cell.grade_id})"
    return where


# ------------------------------------------------------------ the command


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line starting with check:."""

    def error(self, message: str) -> NoReturn:
        print(
            f"check: {message} (usage: {_COMMAND} NOTEBOOK.ipynb [--timeout SECONDS])",
            file=sys.stderr,
        )
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return its exit code (0, 1 or 2)."""
    parser = _Parser(
        prog=_COMMAND,
        description="Run an exercise notebook top to bottom in a fresh "
        "kernel with its visible tests, and check that its file "
        "name and test cells are as released.",
    )
    parser.add_argument(
        "notebook", nargs="?", help="the exercise notebook, e.g. ex1_activations.ipynb"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="seconds a cell may run (default 120)",
    )
    parser.add_argument(
        "--write-manifest",
        metavar="FOLDER",
        help="(instructors) write actzoo/_releases.py from "
        "the released notebooks in FOLDER",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    try:
        if args.write_manifest is not None:
            path = write_manifest(args.write_manifest)
            count = len(release_manifest(args.write_manifest)["assignments"])
            print(f"check: wrote {path} ({count} assignments)")
            return 0
        if args.notebook is None:
            parser.error("give the notebook to check")
        report = check_notebook(args.notebook, timeout=args.timeout)
    except SystemExit as stop:
        return int(stop.code or 0)
    except _BadInput as err:
        print(f"check: {err.line}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, ModuleNotFoundError, RuntimeError) as err:
        print("check: " + re.sub(r"^\w+: ", "", str(err)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("check: interrupted", file=sys.stderr)
        return 2
    except Exception as err:  # never a traceback for students
        print(
            f"check: the check itself failed ({type(err).__name__}: {err}); "
            "please tell your instructor",
            file=sys.stderr,
        )
        return 2
    try:
        print(report.text())
        sys.stdout.flush()
    except BrokenPipeError:  # piped into head, say: the rest is not wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
