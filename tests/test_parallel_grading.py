"""Grading with several jobs gives exactly what grading one at a time gives."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pytest

from actzoo_grader import sandbox
from actzoo_grader.autograde import Progress, autograde
from actzoo_grader.course import Course
from actzoo_grader.grades import part_scores

# The submissions are built as in the attack suite.
_spec = importlib.util.spec_from_file_location(
    "attack_suite", Path(__file__).with_name("test_attacks.py")
)
attacks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(attacks)
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


@pytest.mark.slow
def test_two_jobs_and_one_job_give_identical_gradebooks(tmp_path):
    if WHY_SKIPPED:
        pytest.skip(f"sandboxes cannot be made here: {WHY_SKIPPED}")
    results, scores = {}, {}
    for jobs in (1, 2):
        course = _batch(tmp_path / f"jobs{jobs}")
        bar = io.StringIO()
        results[jobs] = autograde(course, ASSIGNMENT, jobs=jobs, progress=bar)
        scores[jobs] = [
            (p.student, p.part, p.score, p.max_score)
            for p in part_scores(course, ASSIGNMENT)
        ]
        # The progress bar counted every submission and the flagged ones.
        last = bar.getvalue().strip().splitlines()[-1]
        assert "6/6 graded, 0 failed, 3 flagged" in last, last
    assert scores[1] == scores[2]
    assert results[1].detections == results[2].detections
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
