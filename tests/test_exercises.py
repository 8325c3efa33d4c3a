"""The exercises: source notebooks, committed student versions, full marks.

* Every graded cell has points, a title and hidden tests (fast).
* No line of a solution or of a hidden test appears in ``exercises/``,
  compared against the source notebooks' text, not only the markers (fast).
* ``exercises/`` is exactly what ``nbgrader generate_assignment`` makes from
  ``solutions/`` (slow: regenerates every assignment).
* A release also writes the students' check's manifest, and the release
  check fails when the manifest is out of step (slow: on a copy).
* Each solution notebook scores full marks and each released notebook 0,
  autograded as a student would be (slow: runs every notebook).
* The hidden tests catch a known wrong answer: exercise 6's interval bounds
  with the ReLU clip of the upper bound mutated lose that part's points
  (slow: runs the notebook twice).

Assignments are discovered from ``solutions/``, so an exercise added later
is checked the same way without editing this file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from actzoo_grader import sandbox
from actzoo_grader.assignment import parts, source_text
from actzoo_grader.autograde import autograde
from actzoo_grader.collect import collect_folder
from actzoo_grader.course import REPO, Course, assignments, manifest_module
from actzoo_grader.executor import Guarded
from actzoo_grader.grades import part_scores, totals
from actzoo_grader.release import release, release_differences
from tests.notebooks import leaked_lines, notebook_text, secret_lines, with_answers

ASSIGNMENTS = assignments(REPO / "solutions")
# Sandboxed where this machine can make sandboxes (as root, with bwrap);
# every other guard is the same either way.
EXECUTOR = Guarded(sandboxed=sandbox.check() is None)


def _source(name: str) -> Path:
    return REPO / "solutions" / name / f"{name}.ipynb"


def _released(name: str) -> Path:
    return REPO / "exercises" / name / f"{name}.ipynb"


def test_the_exercises_exist():
    assert {
        "ex1_activations",
        "ex2_dead_units",
        "ex3_statistics",
        "ex4_gradient_flow",
        "ex6_applications",
    } <= set(ASSIGNMENTS)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_graded_cell_has_points_a_title_and_hidden_tests(name):
    nb = json.loads(_source(name).read_text())
    graded = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert graded, f"{name} has no graded cells"
    for cell in graded:
        meta = cell["metadata"]["nbgrader"]
        text = source_text(cell)
        assert meta.get("points", 0) > 0, meta["grade_id"]
        assert text.startswith("# Part ("), meta["grade_id"]
        assert "### BEGIN HIDDEN TESTS" in text, meta["grade_id"]
    assert [p.grade_id for p in parts(_released(name))] == [
        c["metadata"]["nbgrader"]["grade_id"] for c in graded
    ]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_solution_or_hidden_test_line_reaches_exercises(name):
    released = json.loads(_released(name).read_text())
    text = notebook_text(released)
    assert "### BEGIN" not in text and "### END" not in text
    assert leaked_lines(text, secret_lines(_source(name))) == []
    assert all(not c.get("outputs") for c in released["cells"])


def test_the_leak_check_can_fail():
    name = ASSIGNMENTS[0]
    text = notebook_text(json.loads(_source(name).read_text()))
    assert leaked_lines(text, secret_lines(_source(name)))


@pytest.mark.slow
def test_exercises_are_exactly_a_fresh_release():
    assert release_differences(repo=REPO) == []


@pytest.mark.slow
def test_release_writes_the_manifest_and_the_check_compares_it(tmp_path):
    # A copy of what a release reads and writes: the configuration, the
    # sources, the committed release and the students' check's manifest.
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", repo)
    shutil.copytree(REPO / "solutions", repo / "solutions")
    shutil.copytree(REPO / "exercises", repo / "exercises")
    module = manifest_module(repo)
    module.parent.mkdir(parents=True)
    shipped = manifest_module(REPO).read_text()
    module.write_text(shipped.replace("'points': ", "'points': 1 + ", 1))
    name = ASSIGNMENTS[0]
    assert release_differences([name], repo) == [
        "src/actzoo/_releases.py: out of step with the release (make release writes it)"
    ]
    release([name], repo)
    assert module.read_text() == shipped


@pytest.mark.slow
def test_solutions_score_full_marks_and_released_notebooks_zero(tmp_path):
    inbox = tmp_path / "inbox"
    for name in ASSIGNMENTS:
        for student, text in (
            ("solver", json.dumps(with_answers(_source(name), _released(name)))),
            ("blank", _released(name).read_text()),
        ):
            dest = inbox / student / name / f"{name}.ipynb"
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text)
    course = Course(root=tmp_path / "course")
    collect_folder(course, inbox)
    for name in ASSIGNMENTS:
        result = autograde(course, name, jobs=2, executor=EXECUTOR)
        assert result.graded == ["blank", "solver"], result.failed
        # No false alarms: honest work is never reported as tampering.
        assert result.detections == {"blank": [], "solver": []}
        assert result.wall_seconds < 60.0, (
            f"{name}: {result.wall_seconds:.1f} s to autograde"
        )
        points = sum(p.points for p in parts(_source(name)))
        scores = {s: (got, top) for s, _, got, top in totals(part_scores(course, name))}
        assert scores == {"solver": (points, points), "blank": (0.0, points)}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_exercise_has_a_page_with_a_download_link(name):
    page = REPO / "chapters" / "hands_on" / f"{name}.md"
    assert page.is_file(), f"no page {page.relative_to(REPO)}"
    text = page.read_text()
    assert f"<../../exercises/{name}/{name}.ipynb>" in text
    assert "solutions/" not in text
    toc = (REPO / "_toc.yml").read_text()
    assert f"- file: chapters/hands_on/{name}\n" in toc


# The clip a wrong interval_bounds might use: it keeps a unit that is off
# over the whole box slightly on, so only a hidden test with such a unit
# (bias -10) catches it.
_IBP_CLIP = "np.maximum(z_hi, 0.0)"
_IBP_MUTANT = "np.maximum(z_hi, 0.001)"


@pytest.mark.slow
def test_ex6_hidden_tests_catch_a_wrong_clip_of_an_inactive_unit(tmp_path):
    name = "ex6_applications"
    source = json.loads(_source(name).read_text())
    mutant = json.loads(json.dumps(source))
    (cell,) = [
        c
        for c in mutant["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "interval_bounds"
    ]
    text = source_text(cell)
    assert text.count(_IBP_CLIP) == 1, "the solution's clip line has changed"
    cell["source"] = text.replace(_IBP_CLIP, _IBP_MUTANT)
    inbox = tmp_path / "inbox"
    for student, answers in (("solver", source), ("clipper", mutant)):
        dest = inbox / student / name / f"{name}.ipynb"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(json.dumps(with_answers(answers, _released(name))))
    course = Course(root=tmp_path / "course")
    collect_folder(course, inbox)
    result = autograde(course, name, jobs=2, executor=EXECUTOR)
    assert result.graded == ["clipper", "solver"], result.failed
    assert result.detections == {"clipper": [], "solver": []}
    full = {p.grade_id: p.points for p in parts(_source(name))}
    scores = {s: {} for s in ("clipper", "solver")}
    for row in part_scores(course, name):
        scores[row.student][row.part] = row.score
    assert scores["solver"] == full
    assert scores["clipper"] == {**full, "test_interval_bounds": 0.0}
