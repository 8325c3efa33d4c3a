"""The grading package's parts, without running nbgrader: fast.

The slow end-to-end run of the whole workflow is in
``test_grading_workflow.py``.
"""

from __future__ import annotations

import html
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest
import scipy.special
import torch

import actzoo
from grading import checks
from grading.assignment import (leaked_lines, notebook_text, parts,
                                parts_table, secret_lines, with_answers)
from grading.collect import collect_folder, collect_zip, student_id
from grading.course import REPO, Course, load_repo_config
from grading.executor import LocalKernel
from grading.feedback import render
from grading.grades import PartScore, totals


# ---------------------------------------------------------------- checks


def uses_torch(x):
    return torch.relu(torch.as_tensor(x)).numpy()


def uses_scipy_ufunc(x):
    return x * scipy.special.ndtr(x)


erf_alias = scipy.special.erf


def uses_scipy_alias(x):
    return erf_alias(x)


def uses_actzoo(x):
    return actzoo.relu(x)


def imports_torch_inside(x):
    import torch.nn.functional as F  # noqa: N812

    return F.relu(x)


def helper_with_torch(x):
    return torch.tanh(x)


def calls_helper(x):
    return helper_with_torch(x) + 1


def numpy_only(x):
    e = np.exp(-np.abs(x))
    return np.where(x > 0, 1 / (1 + e), e / (1 + e)) + math.pi


@pytest.mark.parametrize("fn, package", [
    (uses_torch, "torch"), (uses_scipy_ufunc, "scipy"),
    (uses_scipy_alias, "scipy"), (uses_actzoo, "actzoo"),
    (imports_torch_inside, "torch"), (calls_helper, "torch"),
])
def test_forbidden_uses_are_found(fn, package):
    uses = checks.forbidden_uses(fn)
    assert uses and any(f"from {package}" in u for u in uses), uses
    with pytest.raises(AssertionError, match="implement it yourself"):
        checks.assert_own_implementation(fn)


def test_numpy_and_math_are_allowed():
    assert checks.forbidden_uses(numpy_only) == []


def test_allowed_helpers_are_not_inspected():
    assert checks.forbidden_uses(calls_helper,
                                 allowed=["helper_with_torch"]) == []


def test_call_quietly_turns_overflow_into_a_clear_failure():
    with pytest.raises(AssertionError, match="numerical warning"):
        checks.call_quietly(np.exp, np.array([1000.0]))
    # Underflow to zero is not a failure.
    assert checks.call_quietly(np.exp, np.array([-1000.0]))[0] == 0.0


def test_assert_close_names_the_input_that_failed():
    x = np.array([-1.0, 0.0, 2.0])
    checks.assert_close([0.0, 0.0, 2.0], [0.0, 0.0, 2.0 + 1e-13], "f", x)
    with pytest.raises(AssertionError, match=r"f is wrong at x = 0\.0: got 1\.0"):
        checks.assert_close([0.0, 1.0, 2.0], [0.0, 0.0, 2.0], "f", x)
    with pytest.raises(AssertionError, match=r"entry k is wrong at k = 2\.0"):
        checks.assert_close([0.0, 0.0, 3.0], [0.0, 0.0, 2.0], "entry k",
                            [0.0, 1.0, 2.0], x_name="k")
    with pytest.raises(AssertionError, match="shape"):
        checks.assert_close([0.0, 1.0], [0.0, 0.0, 2.0], "f")
    # NaN matches NaN, and only NaN.
    checks.assert_close([np.nan], [np.nan], "f")
    with pytest.raises(AssertionError):
        checks.assert_close([1.0], [np.nan], "f")


def test_assert_dtype_shape():
    x = np.zeros((2, 3), dtype=np.float32)
    checks.assert_dtype_shape(x + np.float32(1), x, "f")
    with pytest.raises(AssertionError, match="float32 input gave a float64"):
        checks.assert_dtype_shape(x.astype(np.float64), x, "f")
    with pytest.raises(AssertionError, match="shape"):
        checks.assert_dtype_shape(x.ravel(), x, "f")


# ------------------------------------------------------- notebooks' parts


def _cell(source, **nbgrader):
    meta = {"nbgrader": nbgrader} if nbgrader else {}
    return {"cell_type": "code", "source": source, "metadata": meta,
            "outputs": [], "execution_count": None}


TOY = {"cells": [
    _cell("x = np.asarray(x)\n### BEGIN SOLUTION\nx = np.asarray(x)\n"
          "return secret_answer(x)\n### END SOLUTION", solution=True,
          grade=False, grade_id="f"),
    _cell("# Part (a): the function f\nassert f(1) == 2\n"
          "### BEGIN HIDDEN TESTS\nassert f(3) == 6, 'f(3) is wrong'\n"
          "### END HIDDEN TESTS", grade=True, grade_id="test_f", points=2),
    _cell("# Part (b): more\nassert g(0) == 0", grade=True,
          grade_id="test_g", points=1.5),
]}


def test_with_answers_fills_only_the_named_answer_cells():
    released = {"cells": [dict(c) for c in TOY["cells"]]}
    released["cells"][0] = _cell("raise NotImplementedError()",
                                 solution=True, grade=False, grade_id="f")
    assert with_answers(TOY, released, set())["cells"] == released["cells"]
    full = with_answers(TOY, released)
    assert full["cells"][0]["source"] == TOY["cells"][0]["source"]
    # Test cells stay as released, and the input is not changed.
    assert full["cells"][1:] == released["cells"][1:]
    assert released["cells"][0]["source"] == "raise NotImplementedError()"
    with pytest.raises(ValueError, match="test_f"):
        with_answers(TOY, released, {"test_f"})


def test_parts_read_points_and_titles():
    assert [(p.grade_id, p.points, p.title) for p in parts(TOY)] == [
        ("test_f", 2.0, "Part (a): the function f"),
        ("test_g", 1.5, "Part (b): more")]


def test_parts_table_has_the_total(tmp_path):
    path = tmp_path / "toy.ipynb"
    path.write_text(json.dumps(TOY))
    assert "**3.5**" in parts_table(path)


def test_secret_lines_exclude_lines_also_shown_to_students():
    assert secret_lines(TOY) == {"return secret_answer(x)",
                                 "assert f(3) == 6, 'f(3) is wrong'"}
    assert leaked_lines("  return secret_answer(x)\nother", TOY) == [
        "return secret_answer(x)"]
    assert leaked_lines("x = np.asarray(x)\nassert f(1) == 2", TOY) == []


def test_notebook_text_includes_outputs():
    nb = {"cells": [dict(_cell("a = 1"), outputs=[
        {"output_type": "error", "ename": "E", "evalue": "boom",
         "traceback": ["line one", "line two"]}])]}
    text = notebook_text(nb)
    assert "boom" in text and "line two" in text


# ------------------------------------------------------------ feedback


def test_feedback_shows_messages_not_hidden_source():
    graded = {"cells": [
        dict(TOY["cells"][0], source="def f(x):\n    return 2 * x"),
        dict(TOY["cells"][1], outputs=[{
            "output_type": "error", "ename": "AssertionError",
            "evalue": "f(3) is wrong",
            "traceback": ["\x1b[0;31massert f(3) == 6, 'f(3) is wrong'"]}]),
        TOY["cells"][2],
    ]}
    released = {"cells": [
        TOY["cells"][0],
        dict(TOY["cells"][1], source="# Part (a): the function f\n"
             "assert f(1) == 2"),
        TOY["cells"][2],
    ]}
    scores = [PartScore("ann", "toy", "toy", "test_f", 0.0, 2.0),
              PartScore("ann", "toy", "toy", "test_g", 1.5, 1.5)]
    page = render("ann", "toy", "toy", graded, released, scores)
    text = html.unescape(page)
    assert "AssertionError: f(3) is wrong" in text
    assert "Score: 1.5 / 3.5" in text.replace("<b>", "").replace("</b>", "")
    assert "assert f(1) == 2" in text          # the visible test
    assert "return 2 * x" in text              # the student's own code
    assert leaked_lines(text, TOY) == []


def test_totals_sum_parts():
    rows = [PartScore("a", "x", "x", "p", 1.0, 2.0),
            PartScore("a", "x", "x", "q", 0.5, 1.0),
            PartScore("b", "x", "x", "p", 2.0, 2.0)]
    assert totals(rows) == [("a", "x", 1.5, 3.0), ("b", "x", 2.0, 2.0)]


# ------------------------------------------------------- course, collect


def test_repo_config_has_the_designed_folders():
    config = load_repo_config(REPO)
    assert config.CourseDirectory.source_directory == "solutions"
    assert config.CourseDirectory.release_directory == "exercises"


def test_course_folder_must_be_outside_the_repository():
    with pytest.raises(ValueError, match="outside"):
        Course(root=REPO / "grading-work")


def test_executor_rejects_a_bad_timeout():
    with pytest.raises(ValueError, match="positive"):
        LocalKernel(timeout=0)


@pytest.mark.parametrize("name, sid", [
    ("Ada Lovelace", "ada_lovelace"), ("  bob-2 ", "bob-2"),
    ("Émile", "mile"), ("o'neil", "o_neil")])
def test_student_id(name, sid):
    assert student_id(name) == sid


def test_student_id_rejects_empty_names():
    with pytest.raises(ValueError, match="student ID"):
        student_id("!!!")


@pytest.fixture
def toy_repo(tmp_path):
    """A repository with one assignment ``toy`` of notebook ``toy``."""
    repo = tmp_path / "repo"
    (repo / "solutions" / "toy").mkdir(parents=True)
    (repo / "solutions" / "toy" / "toy.ipynb").write_text(json.dumps(TOY))
    (repo / "nbgrader_config.py").write_text(
        (REPO / "nbgrader_config.py").read_text())
    return repo


def test_collect_folder(toy_repo, tmp_path):
    course = Course(root=tmp_path / "course", repo=toy_repo)
    src = tmp_path / "in"
    for student in ("ann", "Bob Smith"):
        (src / student / "toy").mkdir(parents=True)
        (src / student / "toy" / "toy.ipynb").write_text(student)
    (src / "ann" / "toy" / "notes.ipynb").write_text("{}")
    (src / "ann" / "other").mkdir()
    (src / "ann" / "other" / "toy.ipynb").write_text("{}")
    result = collect_folder(course, src)
    assert result.students == ["ann", "bob_smith"]
    sub = course.root / "submitted"
    assert (sub / "bob_smith" / "toy" / "toy.ipynb").read_text() == "Bob Smith"
    assert len(result.skipped) == 2


def test_collect_zip_understands_lms_exports(toy_repo, tmp_path):
    course = Course(root=tmp_path / "course", repo=toy_repo)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Ann Lee_123_assignsubmission_file_/toy.ipynb", "moodle")
        zf.writestr("bobs_4_5_toy.ipynb", "canvas old")
        zf.writestr("bobs_LATE_4_5_toy-2.ipynb", "canvas newest")
        zf.writestr("bobs_4_5_toy-1.ipynb", "canvas middle")
        zf.writestr("export/cy/toy/toy.ipynb", "nested")
        zf.writestr("readme.txt", "not a notebook")
        zf.writestr("random.ipynb", "unrecognised")
    result = collect_zip(course, archive, "toy")
    assert result.students == ["ann_lee", "bobs", "cy"]
    sub = course.root / "submitted"
    assert (sub / "bobs" / "toy" / "toy.ipynb").read_text() == "canvas newest"
    assert (sub / "ann_lee" / "toy" / "toy.ipynb").read_text() == "moodle"
    assert (sub / "cy" / "toy" / "toy.ipynb").read_text() == "nested"
    assert result.skipped == ["random.ipynb: not a recognised submission name"]


def test_collect_rejects_unknown_assignments(toy_repo, tmp_path):
    course = Course(root=tmp_path / "course", repo=toy_repo)
    with pytest.raises(ValueError, match="unknown assignment 'nope'"):
        collect_zip(course, tmp_path / "missing.zip", "nope")
