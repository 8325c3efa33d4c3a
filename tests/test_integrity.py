"""Tamper detection and sandbox commands, checked without running a kernel."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

from actzoo_grader import rebuild, sandbox
from actzoo_grader.course import REPO

RELEASED = REPO / "exercises" / "ex1_activations" / "ex1_activations.ipynb"


@pytest.fixture
def release():
    return rebuild.read_notebook(RELEASED)


def _by_id(nb):
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}


def _tests(nb):
    return [c for c in nb.cells if rebuild.is_test(c)]


def test_an_untouched_release_is_clean(release):
    clean, findings = rebuild.sanitize(release, release)
    assert findings == []
    assert [c.source for c in clean.cells] == [c.source for c in release.cells]
    assert not any(c.metadata[rebuild.KEY].get("tampered") for c in clean.cells)
    nbformat.validate(clean)


def test_tags_and_foreign_metadata_are_stripped(release):
    sub = nbformat.from_dict(release)
    test = _tests(sub)[0]
    test.metadata["tags"] = ["skip-execution"]
    sub.cells[1].metadata["tags"] = ["raises-exception"]
    sub.cells[1].metadata["custom"] = {"x": 1}
    sub.metadata["widgets"] = {}
    clean, findings = rebuild.sanitize(sub, release)
    assert all(
        "tags" not in c.metadata and "custom" not in c.metadata for c in clean.cells
    )
    assert "widgets" not in clean.metadata
    kinds = {(f.kind, f.tampering) for f in findings}
    assert ("tags", True) in kinds and ("tags", False) in kinds
    gid = test.metadata["nbgrader"]["grade_id"]
    assert "tags" in _by_id(clean)[gid].metadata[rebuild.KEY]["tampered"]


def test_deleted_tests_come_back_in_place_and_are_voided(release):
    sub = nbformat.from_dict(release)
    gone = _tests(sub)[1].metadata["nbgrader"]["grade_id"]
    sub.cells = [
        c for c in sub.cells if c.metadata.get("nbgrader", {}).get("grade_id") != gone
    ]
    clean, findings = rebuild.sanitize(sub, release)
    order = [c.metadata.get("nbgrader", {}).get("grade_id") for c in clean.cells]
    assert order == [
        c.metadata.get("nbgrader", {}).get("grade_id") for c in release.cells
    ]
    assert _by_id(clean)[gone].metadata[rebuild.KEY]["tampered"] == "it was deleted"
    assert [f.kind for f in findings if f.tampering] == ["deleted"]


def test_edited_retagged_and_duplicated_tests_are_voided(release):
    sub = nbformat.from_dict(release)
    first, second, third = _tests(sub)[:3]
    first.source = "pass"
    second.metadata["nbgrader"]["points"] = 100
    sub.cells.append(nbformat.from_dict(dict(third)))
    clean, _ = rebuild.sanitize(sub, release)
    cells = _by_id(clean)
    for cell, why in ((first, "edited"), (second, "metadata"), (third, "duplicated")):
        gid = cell.metadata["nbgrader"]["grade_id"]
        assert why in cells[gid].metadata[rebuild.KEY]["tampered"]
    # Released points and source are used, never the student's.
    gid = second.metadata["nbgrader"]["grade_id"]
    original = _by_id(release)[gid]
    assert (
        cells[gid].metadata["nbgrader"]["points"]
        == original.metadata["nbgrader"]["points"]
    )
    gid = first.metadata["nbgrader"]["grade_id"]
    assert cells[gid].source == _by_id(release)[gid].source
    # The duplicate stays, as the student's own code.
    assert clean.cells[-1].metadata[rebuild.KEY]["role"] == "student"


def test_a_test_that_lost_its_metadata_is_found_by_its_source(release):
    sub = nbformat.from_dict(release)
    test = _tests(sub)[0]
    gid = test.metadata["nbgrader"]["grade_id"]
    test.metadata = {}
    clean, findings = rebuild.sanitize(sub, release)
    assert [f.kind for f in findings if f.tampering] == ["retagged"]
    assert "metadata" in _by_id(clean)[gid].metadata[rebuild.KEY]["tampered"]


def test_answers_keep_the_students_source_and_released_metadata(release):
    sub = nbformat.from_dict(release)
    answer = next(
        c for c in sub.cells if c.metadata.get("nbgrader", {}).get("solution")
    )
    answer.source = "def relu(x):\n    return x * (x > 0)\n"
    answer.metadata["nbgrader"]["points"] = 50
    clean, findings = rebuild.sanitize(sub, release)
    gid = answer.metadata["nbgrader"]["grade_id"]
    assert _by_id(clean)[gid].source == answer.source
    assert (
        "points" not in _by_id(clean)[gid].metadata["nbgrader"]
        or _by_id(clean)[gid].metadata["nbgrader"]["points"] != 50
    )
    assert findings == []


def test_limits_reject_nonsense():
    for bad in (0, -5, 1.5, True, None):
        with pytest.raises(ValueError, match="cell_timeout"):
            sandbox.Limits(cell_timeout=bad)


def test_the_sandbox_command_isolates(tmp_path):
    if sandbox.bwrap() is None:
        pytest.skip("bubblewrap is not installed")
    limits = sandbox.Limits(memory=1 << 30, processes=32)
    cmd = sandbox.command(["python", "-c", "pass"], tmp_path, 61234, limits)
    text = " ".join(cmd)
    for flag in (
        "--unshare-net",
        "--unshare-pid",
        "--die-with-parent",
        "--clearenv",
        "--reuid=61234",
        "--no-new-privs",
        f"--as={1 << 30}",
        "--nproc=32",
    ):
        assert flag in text, flag
    binds = [cmd[i + 1] for i, a in enumerate(cmd) if a in ("--bind", "--ro-bind")]
    writable = [cmd[i + 1] for i, a in enumerate(cmd) if a == "--bind"]
    assert writable == [str(tmp_path)]
    assert not any(
        Path(b) == REPO
        or Path(b) in REPO.parents
        or (REPO / "solutions").is_relative_to(Path(b))
        for b in binds
        if b != "/usr"
    ), binds


def test_the_address_space_allows_for_a_cuda_build(tmp_path, monkeypatch):
    limits = sandbox.Limits(memory=4 << 30)
    assert sandbox.address_space(limits, cuda=False) == 4 << 30
    assert sandbox.address_space(limits, cuda=True) == (4 << 30) + sandbox.CUDA_RESERVE
    # A CUDA build is found by its libraries, without importing it.
    fake = tmp_path / "site" / "torch"
    (fake / "lib").mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('never imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    assert not sandbox.cuda_torch()
    (fake / "lib" / "libtorch_cuda.so").write_bytes(b"")
    assert sandbox.cuda_torch()
    cmd = " ".join(sandbox.command(["true"], tmp_path, 61234, limits))
    assert f"--as={(4 << 30) + sandbox.CUDA_RESERVE}" in cmd


def test_the_instructor_page_states_the_default_limits():
    page = (REPO / "chapters" / "hands_on" / "instructors.md").read_text()
    rows = {}
    for line in page.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3:
            rows[cells[0]] = cells[1]
    limits = sandbox.Limits()
    assert rows["time per cell"] == f"{limits.cell_timeout} s"
    assert rows["time for the whole notebook"] == f"{limits.wall} s"
    assert rows["memory for the sandbox as a whole"] == f"{limits.memory >> 30} GiB"
    assert rows["processes"] == str(limits.processes)
    assert rows["size of any file it writes"] == f"{limits.file_size >> 20} MiB"
    assert (
        rows["disk it writes in all, folder and `/tmp`"] == f"{limits.disk >> 20} MiB"
    )
    assert rows["output kept"] == f"{limits.output >> 20} MiB"
