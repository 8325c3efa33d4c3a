"""The instructor workflow end to end, on exercise 1 and four students.

One course folder (a temporary one: no gradebook ever lands in the
repository) receives four submissions, collected from a folder laid out as
``<student>/<assignment>/<notebook>.ipynb``:

* ``ada`` submits the solution notebook: full marks;
* ``ben`` submits the released notebook untouched: 0, and the batch goes on;
* ``cy`` completes parts (a) to (c) only: exactly those parts' points;
* ``dee`` submits the solution with ``relu`` calling PyTorch, which the
  grading kernel does not have: everything but part (a), whose feedback
  says why;
* ``eve`` submits a file that is not a notebook: reported, scores 0, and
  the others are graded all the same.

Expected points are read from the source notebook's metadata, not from the
code under test. Autograding runs real kernels, so the module is slow
(about a minute on two cores).
"""

from __future__ import annotations

import csv
import html
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from actzoo_grader import sandbox
from actzoo_grader.assignment import parts
from actzoo_grader.autograde import autograde
from actzoo_grader.collect import collect_folder
from actzoo_grader.course import REPO, Course
from actzoo_grader.executor import Guarded
from actzoo_grader.feedback import write_feedback
from actzoo_grader.grades import write_csv
from tests.notebooks import leaked_lines, secret_lines, with_answers

pytestmark = pytest.mark.slow

ASSIGNMENT = "ex1_activations"
SOURCE = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASED = REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
# The solution cells each of cy's parts needs, and the tests they pass.
CY_SOLUTIONS = {"relu", "leaky_relu", "elu"}
CY_TESTS = {"test_relu", "test_leaky_relu", "test_elu"}

TORCH_RELU = '''def relu(x):
    """Return max(0, x) elementwise."""
    import torch
    x = np.asarray(x)
    return torch.relu(torch.as_tensor(x)).numpy()
'''


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _points() -> dict[str, float]:
    """Return each graded cell's points, read straight from the source."""
    return {p.grade_id: p.points for p in parts(SOURCE)}


def _with_solutions(answers: set[str] | None = None) -> dict:
    """Return the released notebook with answer cells (all) filled in."""
    return with_answers(SOURCE, RELEASED, answers)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("workflow")
    inbox = tmp / "inbox"
    # What students hand in: the released notebook with their answers.
    dee = _with_solutions()
    for cell in dee["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "relu":
            text = "".join(cell["source"])
            # Keep relu_grad; replace only relu.
            cell["source"] = TORCH_RELU + text[text.index("\n\ndef relu_grad") :]
    notebooks = {
        "ada": _with_solutions(),
        "ben": _load(RELEASED),
        "cy": _with_solutions(CY_SOLUTIONS),
        "dee": dee,
    }
    for student, nb in notebooks.items():
        folder = inbox / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(nb))
    (inbox / "eve" / ASSIGNMENT).mkdir(parents=True)
    (inbox / "eve" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_text("oops")
    course = Course(root=tmp / "course")
    collected = collect_folder(course, inbox)
    start = time.perf_counter()
    result = autograde(
        course, ASSIGNMENT, executor=Guarded(sandboxed=sandbox.check() is None)
    )
    elapsed = time.perf_counter() - start
    grades_csv, parts_csv = write_csv(course)
    pages = write_feedback(course, ASSIGNMENT)
    return dict(
        course=course,
        collected=collected,
        result=result,
        elapsed=elapsed,
        grades=grades_csv,
        parts=parts_csv,
        pages=pages,
    )


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_submission_is_collected_and_graded(graded):
    assert graded["collected"].students == ["ada", "ben", "cy", "dee", "eve"]
    assert graded["result"].graded == ["ada", "ben", "cy", "dee"]
    assert list(graded["result"].failed) == ["eve"]


def test_a_correct_submission_grades_within_a_minute(graded):
    assert graded["result"].seconds["ada"] < 60.0


def test_grades_csv_holds_the_expected_totals(graded):
    points = _points()
    total = sum(points.values())
    expected = {
        "ada": total,
        "ben": 0.0,
        "cy": sum(points[t] for t in CY_TESTS),
        "dee": total - points["test_relu"],
        "eve": 0.0,
    }
    rows = _csv(graded["grades"])
    assert {r["student"]: float(r["score"]) for r in rows} == expected
    assert {float(r["max_score"]) for r in rows} == {total}
    assert {r["assignment"] for r in rows} == {ASSIGNMENT}


def test_parts_csv_holds_each_parts_points(graded):
    points = _points()
    rows = _csv(graded["parts"])
    cy = {r["part"]: float(r["score"]) for r in rows if r["student"] == "cy"}
    assert cy == {p: (points[p] if p in CY_TESTS else 0.0) for p in points}
    assert len(rows) == 5 * len(points)


def test_feedback_explains_without_showing_hidden_tests(graded):
    pages = {p.parents[1].name: html.unescape(p.read_text()) for p in graded["pages"]}
    assert sorted(pages) == ["ada", "ben", "cy", "dee"]
    # The student's own code may repeat solution lines (ada's is the
    # solution); the secrets of the hidden test blocks must never appear.
    hidden = secret_lines(SOURCE, kinds={"HIDDEN TESTS"})
    assert hidden  # the check below can find something
    for student, text in pages.items():
        shown = leaked_lines(text, hidden)
        assert not shown, (student, shown[:3])
    assert "torch is not available while this exercise is graded" in pages["dee"]
    assert "NotImplementedError" in pages["ben"]


def test_the_makefile_targets_grade_three_students(tmp_path):
    """``make collect autograde grades feedback`` give the expected CSV and pages."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    if sandbox.check():
        pytest.skip(f"make autograde needs sandboxes: {sandbox.check()}")
    inbox = tmp_path / "inbox"
    notebooks = {
        "ada": _with_solutions(),
        "ben": _load(RELEASED),
        "cy": _with_solutions(CY_SOLUTIONS),
    }
    for student, nb in notebooks.items():
        folder = inbox / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(nb))
    course = tmp_path / "course"
    args = [f"COURSE={course}", f"SUBMISSIONS={inbox}", f"ASSIGNMENT={ASSIGNMENT}"]
    for target in ("collect", "autograde", "grades", "feedback"):
        done = subprocess.run(
            [make, "--no-print-directory", "-C", str(REPO), target, *args],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, (target, done.stdout, done.stderr[-2000:])
    points = _points()
    rows = _csv(course / "grades.csv")
    assert {r["student"]: float(r["score"]) for r in rows} == {
        "ada": sum(points.values()),
        "ben": 0.0,
        "cy": sum(points[t] for t in CY_TESTS),
    }
    pages = sorted(course.glob(f"feedback/*/{ASSIGNMENT}/{ASSIGNMENT}.html"))
    assert [p.parents[1].name for p in pages] == ["ada", "ben", "cy"]


def test_the_summary_counts_the_batch(graded, capsys):
    """``summary`` agrees with autograde's own counts and with the points."""
    from actzoo_grader.__main__ import main
    from actzoo_grader.grades import part_scores
    from actzoo_grader.summary import load_reports, summarise

    course, result = graded["course"], graded["result"]
    s = summarise(ASSIGNMENT, part_scores(course), load_reports(course, ASSIGNMENT))
    assert sorted(s.scores) == result.graded == ["ada", "ben", "cy", "dee"]
    assert list(s.failed) == list(result.failed) == ["eve"]
    assert sorted(s.flagged) == sorted(
        st for st, lines in result.detections.items() if lines and st != "eve"
    )
    points = _points()
    total = sum(points.values())
    cy = sum(points[t] for t in CY_TESTS)
    assert s.max_points == total
    assert s.mean == pytest.approx((2 * total + cy - points["test_relu"]) / 4)
    # relu fails for ben and dee, (a) to (c) pass for all but ben, and the
    # later parts only for ada and dee: relu ties with those at 2 of 4.
    rates = {r.part: r.passed for r in s.rates}
    assert rates == {p: 3 if p in CY_TESTS - {"test_relu"} else 2 for p in points}
    assert {r.part for r in s.hardest} == set(points) - CY_TESTS | {"test_relu"}
    assert main(["--course", str(course.root), "summary", ASSIGNMENT]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{ASSIGNMENT}: 5 student(s): 4 graded, 1 failed, ")
    assert (course.root / "summary" / f"{ASSIGNMENT}.png").stat().st_size > 0
