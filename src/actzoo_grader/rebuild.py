"""Return a submitted notebook rebuilt on its release, and what was changed.

Plain nbgrader trusts the submitted notebook's structure: a
``skip-execution`` tag makes a test cell run nothing and score full marks,
and a deleted or re-tagged test cell is silently missing. :func:`sanitize`
rebuilds the notebook from the release instead: every tag and every piece
of metadata but nbgrader's own is dropped, every test cell and every given
cell comes back from the release (deleted ones are put back in place), and
edited, re-tagged, duplicated or deleted test cells are recorded as
tampering. Each rebuilt cell carries its :func:`role` (``test``,
``given`` or ``student``) under the metadata key :data:`KEY`, which the
later layers (:mod:`actzoo_grader.run`) read.
"""

from __future__ import annotations

import copy
import re
import warnings
from typing import Any

import nbformat
from nbformat import NotebookNode

from actzoo_grader.findings import Finding

#: Metadata key where the grader keeps its own notes on a sanitized cell.
KEY = "actzoo"


def read_notebook(path: Any) -> NotebookNode:
    """Return the notebook at ``path`` as nbformat 4, every cell with an id.

    Notebooks written before nbformat 4.5 have no cell ids; nbformat warns
    about them, and here they get ids instead.
    """
    from nbformat.warnings import MissingIDFieldWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingIDFieldWarning)
        nb = nbformat.read(path, as_version=4)
    for number, cell in enumerate(nb.get("cells", [])):
        if isinstance(cell, dict) and not isinstance(cell.get("id"), str):
            cell["id"] = f"cell-{number}"
    return nb


def _nbgrader(cell: dict[str, Any]) -> dict[str, Any]:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def is_test(cell: dict[str, Any]) -> bool:
    """Return True if ``cell`` is an autograded test cell."""
    meta = _nbgrader(cell)
    return (
        cell.get("cell_type") == "code"
        and bool(meta.get("grade"))
        and not meta.get("solution")
    )


def is_given(cell: dict[str, Any]) -> bool:
    """Return True if ``cell`` is given by the release (locked, no answer)."""
    meta = _nbgrader(cell)
    return bool(meta.get("locked")) and not meta.get("solution")


def role(cell: dict[str, Any]) -> str:
    """Return ``"test"``, ``"given"`` or ``"student"`` for a sanitized cell."""
    return cell.get("metadata", {}).get(KEY, {}).get("role", "student")


def normalise(source: str | list[str]) -> str:
    """Return cell source with trailing spaces and blank ends removed."""
    if isinstance(source, list):
        source = "".join(source)
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def cell_label(cell: dict[str, Any], index: int) -> str:
    """Return how reports name a cell: its grade id, else its position."""
    grade_id = _nbgrader(cell).get("grade_id")
    return str(grade_id) if grade_id else f"cell {index + 1}"


def sanitize(
    submitted: NotebookNode, release: NotebookNode
) -> tuple[NotebookNode, list[Finding]]:
    """Return the notebook to grade, rebuilt on ``release``, and findings.

    Parameters
    ----------
    submitted
        The student's notebook, as read (any metadata, tags, cell order).
    release
        The notebook the student was given (test cells without hidden
        tests; nbgrader puts those back afterwards).

    Returns
    -------
    notebook, findings
        The student's own cells (their source only) in their order, every
        given and test cell as released (deleted ones put back after the
        given cell that precedes them in the release), and the findings.
        Test cells carry ``metadata.actzoo.tampered`` when they were
        edited, re-tagged, duplicated or deleted.
    """
    findings: list[Finding] = []
    released = {
        (_nbgrader(c).get("grade_id")): c
        for c in release.cells
        if _nbgrader(c).get("grade_id")
    }
    order = [
        gid for gid in (_nbgrader(c).get("grade_id") for c in release.cells) if gid
    ]
    test_sources = {
        normalise(c.source): gid for gid, c in released.items() if is_test(c)
    }
    out = nbformat.v4.new_notebook()
    out.metadata = copy.deepcopy(
        {
            k: v
            for k, v in release.metadata.items()
            if k in ("kernelspec", "language_info")
        }
    )
    extra = sorted(set(submitted.get("metadata", {})) - set(release.metadata))
    if extra:
        findings.append(
            Finding(
                "metadata",
                "notebook",
                "notebook metadata removed: " + ", ".join(extra),
                False,
            )
        )
    tampered: dict[str, str] = {}
    placed: dict[str, NotebookNode] = {}
    cells: list[NotebookNode] = []
    for index, cell in enumerate(submitted.get("cells", [])):
        if not isinstance(cell, dict) or "cell_type" not in cell:
            findings.append(
                Finding(
                    "malformed",
                    f"cell {index + 1}",
                    "a cell without a type was dropped",
                    False,
                )
            )
            continue
        label = cell_label(cell, index)
        meta = cell.get("metadata", {}) or {}
        tags = meta.get("tags") or []
        gid = str(_nbgrader(cell).get("grade_id") or "")
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if tags:
            findings.append(
                Finding(
                    "tags",
                    label,
                    "tags removed: " + ", ".join(map(str, tags)),
                    gid in released and is_test(released[gid]),
                )
            )
            if gid in released and is_test(released[gid]):
                tampered.setdefault(
                    gid, "its tags were changed (" + ", ".join(map(str, tags)) + ")"
                )
        if gid in released and gid not in placed:
            original = released[gid]
            if is_test(original) or is_given(original):
                if cell.get("cell_type") != original.cell_type or _flags(
                    cell
                ) != _flags(original):
                    if is_test(original):
                        tampered.setdefault(
                            gid, "its nbgrader metadata or type was changed"
                        )
                    findings.append(
                        Finding(
                            "retagged",
                            gid,
                            "nbgrader metadata or cell type "
                            "changed; the released cell is used",
                            is_test(original),
                        )
                    )
                if normalise(source) != normalise(original.source):
                    if is_test(original):
                        tampered.setdefault(gid, "its source was edited")
                    findings.append(
                        Finding(
                            "edited",
                            gid,
                            "a read-only cell was edited; the released cell is used",
                            is_test(original),
                        )
                    )
                new = _copy_released(original)
            else:
                # The student's answer, with the released cell's metadata
                # (points, flags, id): only the source is theirs.
                new = _copy_released(original)
                new.source = source
            placed[gid] = new
            cells.append(new)
            continue
        if gid in placed:
            if is_test(released[gid]):
                tampered.setdefault(gid, "it was duplicated")
            findings.append(
                Finding(
                    "duplicate",
                    gid,
                    "a second cell with this id is treated as the student's own code",
                    is_test(released[gid]),
                )
            )
        elif gid:
            findings.append(
                Finding(
                    "unknown",
                    label,
                    "nbgrader metadata of an unknown cell removed",
                    False,
                )
            )
        if cell.get("cell_type") == "code":
            twin = test_sources.get(normalise(source))
            if twin and twin not in placed and twin not in tampered:
                tampered[twin] = "its nbgrader metadata was removed or changed"
                findings.append(
                    Finding(
                        "retagged",
                        twin,
                        "a copy of this test cell lost its nbgrader metadata",
                        True,
                    )
                )
            new = nbformat.v4.new_code_cell(source)
        elif cell.get("cell_type") == "markdown":
            new = nbformat.v4.new_markdown_cell(source)
        else:
            new = nbformat.v4.new_raw_cell(source)
        new.metadata[KEY] = {"role": "student"}
        cells.append(new)

    # Put back the given and test cells the submission lacks.
    for position, gid in enumerate(order):
        if gid in placed:
            continue
        original = released[gid]
        if not (is_test(original) or is_given(original)):
            continue
        if is_test(original):
            if gid not in tampered:
                tampered[gid] = "it was deleted"
                findings.append(
                    Finding(
                        "deleted", gid, "a test cell was missing and was put back", True
                    )
                )
        else:
            findings.append(
                Finding(
                    "deleted", gid, "a given cell was missing and was put back", False
                )
            )
        new = _copy_released(original)
        before = [placed[g] for g in order[:position] if g in placed]
        at = cells.index(before[-1]) + 1 if before else 0
        cells.insert(at, new)
        placed[gid] = new

    for gid, why in tampered.items():
        placed[gid].metadata[KEY]["tampered"] = why
    seen: set[str] = set()
    for number, cell in enumerate(cells):
        if (
            not isinstance(cell.get("id"), str)
            or cell["id"] in seen
            or not re.fullmatch(r"[a-zA-Z0-9-_]{1,64}", cell["id"])
        ):
            cell["id"] = f"cell-{number}"
        seen.add(cell["id"])
    out.cells = cells
    return out, findings


def _flags(cell: dict[str, Any]) -> tuple[Any, ...]:
    meta = _nbgrader(cell)
    return tuple(meta.get(k) for k in ("grade", "solution", "locked", "points", "task"))


def _copy_released(cell: NotebookNode) -> NotebookNode:
    new = copy.deepcopy(cell)
    new.metadata = {"nbgrader": copy.deepcopy(cell.metadata["nbgrader"])}
    if new.cell_type == "code":
        new.outputs = []
        new.execution_count = None
    role = "test" if is_test(cell) else ("given" if is_given(cell) else "student")
    new.metadata[KEY] = {"role": role}
    return new


def visible_part(source: str) -> str:
    """Return a test cell's source without its hidden tests, as released.

    The hidden regions are removed by nbgrader's own preprocessor, with its
    own markers, as when the assignment is released.
    """
    from nbgrader.preprocessors import ClearHiddenTests

    cell = nbformat.v4.new_code_cell(source)
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return str(cell.source)
