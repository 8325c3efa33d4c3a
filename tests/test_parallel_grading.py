"""Grading with several jobs gives exactly what grading one at a time gives."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from actzoo_grader import sandbox
from actzoo_grader.autograde import Progress, autograde
from actzoo_grader.course import Course
from actzoo_grader.grades import part_scores
from tests import test_attacks as attacks

ASSIGNMENT, POINTS = attacks.ASSIGNMENT, attacks.POINTS
blank, deleted, solved = attacks.blank, attacks.deleted, attacks.solved
tagged, with_cell = attacks.tagged, attacks.with_cell

WHY_SKIPPED = sandbox.check()


def _batch(root):
    course = Course(root=root)
    notebooks = {
        "correct": solved(),
        "partial": solved({"relu", "elu"}),
        "blank": blank(),
        "tagged": tagged(solved()),
        "deleted": deleted(solved(), {"test_gelu"}),
        "exits": with_cell(solved(), attacks.EXIT_IN_SOFTPLUS, after="softplus"),
    }
    for student, nb in notebooks.items():
        attacks._write(course.root / "submitted" / student / ASSIGNMENT, nb)
    return course


def _grade_at_once(courses: dict[int, Course]) -> dict[int, str]:
    """Grade every course at the same time, each with its number of jobs.

    Each run is its own ``python -m actzoo_grader`` process, as two
    instructors' commands would be; their terminal output is returned.
    """
    runs = {
        jobs: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "actzoo_grader",
                "--course",
                str(course.root),
                "autograde",
                ASSIGNMENT,
                "--jobs",
                str(jobs),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for jobs, course in courses.items()
    }
    return {jobs: run.communicate(timeout=900)[0] for jobs, run in runs.items()}


@pytest.mark.slow
def test_runs_at_once_and_any_number_of_jobs_give_identical_gradebooks(tmp_path):
    """One job and two jobs, graded at the same time on one machine.

    Two runs at once used to share sandbox user ids: the sweep of one
    killed the other's kernels, and an honest submission scored 0.
    """
    if WHY_SKIPPED:
        pytest.skip(f"sandboxes cannot be made here: {WHY_SKIPPED}")
    courses = {jobs: _batch(tmp_path / f"jobs{jobs}") for jobs in (1, 2)}
    outputs = _grade_at_once(courses)
    scores = {}
    for jobs, course in courses.items():
        assert "6 graded, 0 failed" in outputs[jobs], outputs[jobs]
        scores[jobs] = [
            (p.student, p.part, p.score, p.max_score)
            for p in part_scores(course, ASSIGNMENT)
        ]
        # The progress bar counted every submission and the flagged ones.
        bars = [line for line in outputs[jobs].splitlines() if "/6 graded" in line]
        assert "6/6 graded, 0 failed, 3 flagged" in bars[-1], outputs[jobs]
    assert scores[1] == scores[2]
    detected = {
        jobs: sorted(line for line in out.splitlines() if ": DETECTED " in line)
        for jobs, out in outputs.items()
    }
    assert detected[1] == detected[2] and len(detected[1]) >= 3
    totals = {}
    for student, _, score, _ in scores[2]:
        totals[student] = totals.get(student, 0.0) + score
    full = sum(POINTS.values())
    assert totals == {
        "correct": full,
        "blank": 0.0,
        "tagged": 0.0,
        "partial": POINTS["test_relu"] + POINTS["test_elu"],
        "deleted": full - POINTS["test_gelu"],
        "exits": full - POINTS["test_softplus"],
    }


def test_uid_leases_are_exclusive_until_released(tmp_path):
    """Each claim holds its own user id, across processes, until it is freed."""
    # Ids beyond the grader's range: claiming one sweeps its processes.
    base = sandbox.FIRST_UID + sandbox.UID_COUNT

    def claim():
        return sandbox.UidLease.claim(tmp_path, first=base, count=8)

    first = claim()
    second = claim()
    assert first.uid == base and second.uid == base + 1
    # Another process cannot take either; it gets the next free one.
    probe = (
        "import sys; from pathlib import Path; from actzoo_grader import sandbox; "
        "print(sandbox.UidLease.claim(Path(sys.argv[1]), first=int(sys.argv[2])).uid)"
    )
    taken = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path), str(base)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(taken.stdout) == first.uid + 2
    first.release()
    again = claim()
    assert again.uid == base
    # The other process ended: its id is free again without a release.
    third = claim()
    assert third.uid == first.uid + 2
    for lease in (second, again, third):
        lease.release()


def test_uid_leases_refuse_a_folder_others_can_write(tmp_path):
    folder = tmp_path / "leases"
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.raises(RuntimeError, match="writable by it alone"):
        sandbox.UidLease.claim(folder)


def test_progress_bar_counts_and_estimates():
    out = io.StringIO()
    bar = Progress(4, "ex", out, width=8)
    bar.update("a", True, False)
    bar.update("b", False, True)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("ex [##......] 1/4 graded, 0 failed, 0 flagged")
    assert lines[1].startswith("ex [####....] 2/4 graded, 1 failed, 1 flagged")
    assert lines[1].endswith("(b)")


def test_jobs_must_be_a_positive_integer(tmp_path):
    course = Course(root=tmp_path / "c")
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="jobs"):
            autograde(course, ASSIGNMENT, jobs=bad)
