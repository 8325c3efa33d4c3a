"""The grading package's parts, without running nbgrader: fast.

The slow end-to-end run of the whole workflow is in
``test_grading_workflow.py``.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import stat
import unicodedata
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from actzoo_grader import checks, collect
from actzoo_grader.assignment import first_sentence, parts, parts_table, summaries
from actzoo_grader.collect import collect_folder, collect_zip, student_id
from actzoo_grader.course import REPO, Course, load_repo_config
from actzoo_grader.executor import LocalKernel
from actzoo_grader.feedback import render
from actzoo_grader.grades import PartScore, totals
from tests.notebooks import leaked_lines, notebook_text, secret_lines, with_answers

# ---------------------------------------------------------------- checks


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
        checks.assert_close(
            [0.0, 0.0, 3.0], [0.0, 0.0, 2.0], "entry k", [0.0, 1.0, 2.0], x_name="k"
        )
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
    return {
        "cell_type": "code",
        "source": source,
        "metadata": meta,
        "outputs": [],
        "execution_count": None,
    }


TOY = {
    "cells": [
        _cell(
            "x = np.asarray(x)\n### BEGIN SOLUTION\nx = np.asarray(x)\n"
            "return secret_answer(x)\n### END SOLUTION",
            solution=True,
            grade=False,
            grade_id="f",
        ),
        _cell(
            "# Part (a): the function f\nassert f(1) == 2\n"
            "### BEGIN HIDDEN TESTS\nassert f(3) == 6, 'f(3) is wrong'\n"
            "### END HIDDEN TESTS",
            grade=True,
            grade_id="test_f",
            points=2,
        ),
        _cell(
            "# Part (b): more\nassert g(0) == 0",
            grade=True,
            grade_id="test_g",
            points=1.5,
        ),
    ]
}


def test_with_answers_fills_only_the_named_answer_cells():
    released = {"cells": [dict(c) for c in TOY["cells"]]}
    released["cells"][0] = _cell(
        "raise NotImplementedError()", solution=True, grade=False, grade_id="f"
    )
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
        ("test_g", 1.5, "Part (b): more"),
    ]


def test_parts_table_has_the_total(tmp_path):
    path = tmp_path / "toy.ipynb"
    path.write_text(json.dumps(TOY))
    assert "**3.5**" in parts_table(path)


def test_each_part_says_what_it_asks():
    answer = _cell(
        'def helper(x):\n    """Help."""\n\n\n'
        'def f(x):\n    """Return x * 2 | twice. Then more."""\n'
        "    raise NotImplementedError()",
        solution=True,
        grade=False,
        grade_id="f",
    )
    notebook = {"cells": [answer, *TOY["cells"][1:]]}
    # The function named as the answer cell comes first, its docstring's
    # first sentence Markdown-escaped; a part without an answer says nothing.
    assert summaries(notebook) == {
        "test_f": "`f`: Return x \\* 2 \\| twice. Also `helper`.",
        "test_g": "",
    }


def test_summaries_are_one_short_sentence():
    assert first_sentence("Return x.\n\nMore text.") == "Return x."
    assert first_sentence("Return x.T of the\n  matrix. Next") == (
        "Return x.T of the matrix."
    )
    long = first_sentence("word " * 40 + ".", limit=30)
    assert len(long) <= 30 and long.endswith("word…")


def test_the_exercise_tables_preview_every_part():
    exercises = Path(__file__).resolve().parent.parent / "exercises"
    for path in sorted(exercises.glob("*/*.ipynb")):
        table = parts_table(path)
        rows = table.splitlines()[2:-1]
        assert rows and all(row.count(" | ") == 3 for row in rows), path
        for part, asks in summaries(path).items():
            assert asks.startswith("`") and len(asks) < 200, (path, part, asks)


def test_secret_lines_exclude_lines_also_shown_to_students():
    secrets = secret_lines(TOY)
    assert set(secrets) == {
        "return secret_answer(x)",
        "assert f(3) == 6, 'f(3) is wrong'",
    }
    assert set(secret_lines(TOY, kinds={"HIDDEN TESTS"})) == {
        "assert f(3) == 6, 'f(3) is wrong'"
    }
    assert leaked_lines("  return secret_answer(x)\nother", secrets) == [
        "return secret_answer(x)"
    ]
    # Inside a longer line, with other spacing: found all the same.
    assert leaked_lines("<pre>  return  secret_answer(x)</pre>", secrets) == [
        "return secret_answer(x)"
    ]
    assert leaked_lines("x = np.asarray(x)\nassert f(1) == 2", secrets) == []
    # What students see anyway, or could not learn from, is no secret.
    assert secret_lines(TOY, shown="A hint: return secret_answer(x).") == {
        "assert f(3) == 6, 'f(3) is wrong'": "cell 1"
    }


def test_notebook_text_includes_outputs():
    nb = {
        "cells": [
            dict(
                _cell("a = 1"),
                outputs=[
                    {
                        "output_type": "error",
                        "ename": "E",
                        "evalue": "boom",
                        "traceback": ["line one", "line two"],
                    }
                ],
            )
        ]
    }
    text = notebook_text(nb)
    assert "boom" in text and "line two" in text


# ------------------------------------------------------------ feedback


def test_feedback_shows_messages_not_hidden_source():
    graded = {
        "cells": [
            dict(TOY["cells"][0], source="def f(x):\n    return 2 * x"),
            dict(
                TOY["cells"][1],
                outputs=[
                    {
                        "output_type": "error",
                        "ename": "AssertionError",
                        "evalue": "f(3) is wrong",
                        "traceback": ["\x1b[0;31massert f(3) == 6, 'f(3) is wrong'"],
                    }
                ],
            ),
            TOY["cells"][2],
        ]
    }
    released = {
        "cells": [
            TOY["cells"][0],
            dict(
                TOY["cells"][1], source="# Part (a): the function f\nassert f(1) == 2"
            ),
            TOY["cells"][2],
        ]
    }
    scores = [
        PartScore("ann", "toy", "toy", "test_f", 0.0, 2.0),
        PartScore("ann", "toy", "toy", "test_g", 1.5, 1.5),
    ]
    page = render("ann", "toy", "toy", graded, released, scores)
    text = html.unescape(page)
    assert "AssertionError: f(3) is wrong" in text
    assert "Score: 1.5 / 3.5" in text.replace("<b>", "").replace("</b>", "")
    assert "assert f(1) == 2" in text  # the visible test
    assert "return 2 * x" in text  # the student's own code
    assert leaked_lines(text, secret_lines(TOY)) == []


def test_totals_sum_parts():
    rows = [
        PartScore("a", "x", "x", "p", 1.0, 2.0),
        PartScore("a", "x", "x", "q", 0.5, 1.0),
        PartScore("b", "x", "x", "p", 2.0, 2.0),
    ]
    assert totals(rows) == [("a", "x", 1.5, 3.0), ("b", "x", 2.0, 2.0)]


# ------------------------------------------------------- course, collect


def test_repo_config_has_the_designed_folders():
    config = load_repo_config(REPO)
    assert config.CourseDirectory.source_directory == "solutions"
    assert config.CourseDirectory.release_directory == "exercises"


def test_course_folder_must_be_outside_the_repository():
    with pytest.raises(ValueError, match="outside"):
        Course(root=REPO / "grading-work")


def test_the_course_and_nbgrader_agree_on_every_folder(tmp_path):
    from nbgrader.coursedir import CourseDirectory

    course = Course(root=tmp_path / "course")
    cd = CourseDirectory(config=course.config())

    def nbgrader(step: str, student: str = ".") -> Path:
        return Path(cd.format_path(step, student, "ex1")).resolve()

    assert nbgrader(cd.submitted_directory, "ann") == course.submitted("ex1", "ann")
    assert nbgrader(cd.autograded_directory, "ann") == course.autograded("ex1", "ann")
    assert nbgrader(cd.feedback_directory, "ann") == course.feedback("ex1", "ann")
    assert nbgrader(cd.release_directory) == course.released("ex1")
    assert Path(cd.source_directory) == course.solutions == REPO / "solutions"
    assert cd.db_url == course.db_url == f"sqlite:///{course.gradebook}"
    root = course.root
    assert course.released("ex1") == root / "exercises" / "ex1"
    assert course.gradebook == root / "gradebook.db"
    assert course.report("ex1", "ann") == root / "reports" / "ex1" / "ann.json"
    assert course.student_ids == root / "student_ids.json"


def test_executor_rejects_a_bad_timeout():
    with pytest.raises(ValueError, match="positive"):
        LocalKernel(timeout=0)


@pytest.mark.parametrize(
    "name, sid",
    [
        ("ada", "ada"),
        ("ben_2", "ben_2"),
        ("bob-2", "bob-2"),
        ("  bob-2 ", "bob-2-62eaf4e9"),
        ("Ada Lovelace", "ada_lovelace-76740216"),
        ("o'neil", "o_neil-eb1aed4f"),
        ("Émile", "emile-afb4b674"),
        ("E\u0301mile", "emile-afb4b674"),  # the same name, decomposed
        ("王小明", "student-acf979cc"),
        ("Zoë 🦊", "zoe-c108b85a"),
        ("!!!", "student-e84c538e"),
        ("a/b", "a_b-c14cddc0"),
        ("../etc", "etc-f7f9121f"),
        ("\\\\server\\x", "server_x-7ab2b694"),
        ("a\0b", "a_b-59b271ae"),
        ("con", "con-1143da2b"),
        # A name that looks like a hashed ID is hashed too, so it cannot
        # take the ID of another name.
        ("ada-deadbeef", "ada-deadbeef-e1afd836"),
        ("x" * 300, "x" * 39 + "-0d4e2ca9"),
    ],
)
def test_student_id(name, sid):
    assert student_id(name) == sid


@given(st.text(max_size=80))
def test_student_ids_are_safe_folder_names(name):
    assume(name.strip().strip("."))
    sid = student_id(name)
    assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", sid), sid
    assert len(sid) <= collect.MAX_ID_LENGTH
    assert sid == name or sid.endswith(
        "-"
        + hashlib.sha256(
            unicodedata.normalize("NFC", name).encode("utf-8", "surrogatepass")
        ).hexdigest()[:8]
    )


@pytest.mark.parametrize(
    "name, why",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("\t\n", "empty"),
        (".", "only dots"),
        ("..", "only dots"),
        (" ... ", "only dots"),
    ],
)
def test_student_id_rejects_empty_names(name, why):
    with pytest.raises(
        ValueError,
        match=re.escape(f"cannot make a student ID from {name!r}: the name is {why}"),
    ):
        student_id(name)


@pytest.fixture
def toy_repo(tmp_path):
    """A repository with one assignment ``toy`` of notebook ``toy``."""
    repo = tmp_path / "repo"
    (repo / "solutions" / "toy").mkdir(parents=True)
    (repo / "solutions" / "toy" / "toy.ipynb").write_text(json.dumps(TOY))
    (repo / "nbgrader_config.py").write_text((REPO / "nbgrader_config.py").read_text())
    return repo


@pytest.fixture
def course(toy_repo, tmp_path):
    return Course(root=tmp_path / "course", repo=toy_repo)


def _registry(course):
    """Return ``{student ID: name}`` of the course folder's student_ids.json."""
    entries = json.loads((course.root / "student_ids.json").read_text())
    return {sid: entry["name"] for sid, entry in entries.items()}


def _submitted(course):
    """Return ``{relative path: text}`` of every notebook in ``submitted/``.

    The submission times beside them (``timestamp.txt``) are checked in
    ``test_lms_roundtrip.py``.
    """
    sub = course.root / "submitted"
    return (
        {
            str(p.relative_to(sub)): p.read_text()
            for p in sorted(sub.rglob("*"))
            if p.is_file() and p.name != "timestamp.txt"
        }
        if sub.exists()
        else {}
    )


def test_collect_folder(course, tmp_path):
    src = tmp_path / "in"
    for student in ("ann", "Bob Smith"):
        (src / student / "toy").mkdir(parents=True)
        (src / student / "toy" / "toy.ipynb").write_text(student)
    (src / "ann" / "toy" / "notes.ipynb").write_text("{}")
    (src / "ann" / "other").mkdir()
    (src / "ann" / "other" / "toy.ipynb").write_text("{}")
    result = collect_folder(course, src)
    assert result.students == ["ann", "bob_smith-7e3d8981"]
    assert _submitted(course) == {
        "ann/toy/toy.ipynb": "ann",
        "bob_smith-7e3d8981/toy/toy.ipynb": "Bob Smith",
    }
    assert result.skipped == [
        f"{src}/ann/other/toy.ipynb: not an assignment being collected",
        f"{src}/ann/toy/notes.ipynb: toy has no notebook 'notes' (expected toy)",
    ]
    assert result.names == {"ann": "ann", "bob_smith-7e3d8981": "Bob Smith"}
    assert _registry(course) == result.names


def test_collect_zip_understands_lms_exports(course, tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Ann Lee_123_assignsubmission_file_/toy.ipynb", "moodle")
        zf.writestr("Cy Doe_9_assignsubmission_file_toy.ipynb", "moodle flat")
        zf.writestr("bobs_4_5_toy.ipynb", "canvas old")
        zf.writestr("bobs_LATE_4_5_toy-2.ipynb", "canvas newest")
        zf.writestr("bobs_4_5_toy-1.ipynb", "canvas middle")
        zf.writestr("export/cy/toy/toy.ipynb", "nested")
        zf.writestr("readme.txt", "not a notebook")
        zf.writestr("random.ipynb", "unrecognised")
    result = collect_zip(course, archive, "toy")
    assert result.students == ["ann_lee-a36e143c", "canvas-4", "cy", "cy_doe-eeaff5cd"]
    assert _submitted(course) == {
        "ann_lee-a36e143c/toy/toy.ipynb": "moodle",
        "canvas-4/toy/toy.ipynb": "canvas newest",
        "cy/toy/toy.ipynb": "nested",
        "cy_doe-eeaff5cd/toy/toy.ipynb": "moodle flat",
    }
    assert sorted(result.skipped) == [
        "bobs_4_5_toy-1.ipynb: an older resubmission of toy/toy by "
        "'bobs'; bobs_LATE_4_5_toy-2.ipynb is copied instead",
        "bobs_4_5_toy.ipynb: an older resubmission of toy/toy by "
        "'bobs'; bobs_LATE_4_5_toy-2.ipynb is copied instead",
        "random.ipynb: not a recognised submission name",
        "readme.txt: not a notebook",
    ]
    # Canvas's late flag, without a due date to measure it against.
    assert result.late == [("canvas-4", "toy")]
    assert result.notes == [
        "Canvas marks 1 submission(s) of toy LATE: canvas-4 ('bobs'); "
        "Canvas gives no time, and the gradebook has no due date, so "
        "nbgrader's late penalty cannot apply: collect again with --due"
    ]


def test_collect_rejects_unknown_assignments(course, tmp_path):
    with pytest.raises(ValueError, match="unknown assignment 'nope'"):
        collect_zip(course, tmp_path / "missing.zip", "nope")
    (tmp_path / "in").mkdir()
    with pytest.raises(ValueError, match="unknown assignment 'nope'"):
        collect_folder(course, tmp_path / "in", "nope")


# Each source lays out the same submission of ``name``'s ``text`` its own way.
SOURCES = ["folder", "nested zip", "moodle zip", "moodle flat zip", "canvas zip"]


def _submit(source, tmp_path, course, submissions):
    """Collect ``[(name, text, lms number)]`` from ``source``; return it."""
    if source == "folder":
        src = tmp_path / "in"
        for name, text, _ in submissions:
            (src / name / "toy").mkdir(parents=True, exist_ok=True)
            (src / name / "toy" / "toy.ipynb").write_text(text)
        return lambda: collect_folder(course, src)
    entry = {
        "nested zip": "export/{name}/toy/toy.ipynb",
        "moodle zip": "{name}_{n}_assignsubmission_file_/toy.ipynb",
        "moodle flat zip": "{name}_{n}_assignsubmission_file_toy.ipynb",
        "canvas zip": "{name}_{n}_88_toy.ipynb",
    }[source]
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, text, number in submissions:
            zf.writestr(entry.format(name=name, n=number), text)
    return lambda: collect_zip(course, archive, "toy")


# name: its ID (in Canvas, the user number 7 gives "canvas-7" whatever the name)
NAMES = {
    "ada": "ada",
    "Émile": "emile-afb4b674",
    "王小明": "student-acf979cc",
    "Zoë 🦊": "zoe-c108b85a",
    "x" * 200: "x" * 39 + "-aa20c23e",
}


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", NAMES, ids=lambda n: n[:8])
def test_collect_keeps_every_name(course, tmp_path, source, name):
    result = _submit(source, tmp_path, course, [(name, "work", 7)])()
    sid = "canvas-7" if source == "canvas zip" else NAMES[name]
    assert result.students == [sid]
    assert result.names == {sid: name}
    assert result.skipped == []
    assert _submitted(course) == {f"{sid}/toy/toy.ipynb": "work"}
    assert _registry(course) == {sid: name}


@pytest.mark.parametrize("source", SOURCES)
def test_collect_keeps_names_apart_that_used_to_merge(course, tmp_path, source):
    # Before, all four became "mile"; with Canvas, "emile_1" and "emile_2".
    names = ["Émile", "émile", "mile", "Emile"]
    result = _submit(
        source, tmp_path, course, [(n, n, i) for i, n in enumerate(names, 1)]
    )()
    assert len(result.students) == 4
    assert sorted(_submitted(course).values()) == sorted(names)
    assert result.skipped == []


@pytest.mark.parametrize(
    "source", ["folder", "nested zip", "moodle zip", "moodle flat zip"]
)
@pytest.mark.parametrize("name, why", [("   ", "empty"), ("...", "only dots")])
def test_collect_refuses_names_that_cannot_be_ids(course, tmp_path, source, name, why):
    run = _submit(source, tmp_path, course, [("ann", "ann", 1), (name, "bad", 2)])
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"cannot make a student ID from {name!r}: the name is {why}; "
            "rename it and collect again (nothing was copied)"
        ),
    ) as err:
        run()
    assert name + ("/" if source == "folder" else "") in str(err.value)
    assert _submitted(course) == {}


def test_canvas_numbers_name_an_empty_login(course, tmp_path):
    # Canvas's user number identifies the student even without a name.
    result = _submit(
        "canvas zip", tmp_path, course, [("   ", "a", 7), ("...", "b", 8)]
    )()
    assert result.names == {"canvas-7": "   ", "canvas-8": "..."}


@pytest.mark.parametrize("source", [s for s in SOURCES if s != "canvas zip"])
def test_collect_refuses_two_names_with_one_id(course, tmp_path, source, monkeypatch):
    # Only a SHA-256 prefix collision can do this: force one.
    monkeypatch.setattr(
        collect,
        "hashlib",
        SimpleNamespace(sha256=lambda _: SimpleNamespace(hexdigest=lambda: "0" * 64)),
    )
    run = _submit(source, tmp_path, course, [("Émile", "a", 1), ("Emile!", "b", 2)])
    with pytest.raises(
        ValueError,
        match=(
            r"students '(Émile|Emile!)' \(.*\) and "
            r"'(Émile|Emile!)' \(.*\) would both get the ID "
            r"'emile-00000000'; rename one and collect again "
            r"\(nothing was copied\)"
        ),
    ) as err:
        run()
    assert "'Émile'" in str(err.value)
    assert "'Emile!'" in str(err.value)
    assert _submitted(course) == {}


def test_collect_refuses_a_name_taken_by_an_earlier_collection(
    course, tmp_path, monkeypatch
):
    monkeypatch.setattr(
        collect,
        "hashlib",
        SimpleNamespace(sha256=lambda _: SimpleNamespace(hexdigest=lambda: "0" * 64)),
    )
    _submit("folder", tmp_path / "first", course, [("Émile", "a", 1)])()
    run = _submit("nested zip", tmp_path, course, [("Emile!", "b", 1)])
    with pytest.raises(
        ValueError,
        match=(
            r"students 'Émile' \(.*student_ids.json\) and 'Emile!' "
            r"\(export/Emile!/toy/toy.ipynb\) would both get the ID "
            r"'emile-00000000'"
        ),
    ):
        run()
    assert _submitted(course) == {"emile-00000000/toy/toy.ipynb": "a"}


def test_moodle_namesakes_stay_two_students(course, tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("John Smith_102_assignsubmission_file_/toy.ipynb", "a")
        zf.writestr("John Smith_103_assignsubmission_file_/toy.ipynb", "b")
        zf.writestr("Ann Lee_104_assignsubmission_file_/toy.ipynb", "c")
    result = collect_zip(course, archive, "toy")
    assert _submitted(course) == {
        "ann_lee-a36e143c/toy/toy.ipynb": "c",
        "john_smith_102-bac9d78c/toy/toy.ipynb": "a",
        "john_smith_103-5e2f2f79/toy/toy.ipynb": "b",
    }
    assert result.notes == [
        "2 Moodle participants are named 'John Smith' (102, 103); their "
        "IDs include Moodle's number, which differs from one assignment "
        "to the next (give Moodle's grading worksheet to key them by user)"
    ]
    assert result.skipped == []


def test_a_second_submission_is_reported_not_merged(course, tmp_path):
    src = tmp_path / "in"
    for name in ("Émile", "E\u0301mile"):  # one name, two spellings
        (src / name / "toy").mkdir(parents=True)
        (src / name / "toy" / "toy.ipynb").write_text(name)
    result = collect_folder(course, src)
    first, second = sorted([src / "Émile", src / "E\u0301mile"], key=str)
    assert result.students == ["emile-afb4b674"]
    assert _submitted(course) == {"emile-afb4b674/toy/toy.ipynb": first.name}
    assert result.skipped == [
        f"{second}/toy/toy.ipynb: a second submission of toy/toy by "
        f"'Émile'; {first}/toy/toy.ipynb is copied instead"
    ]


def test_collect_folder_reports_every_skipped_file(course, tmp_path, monkeypatch):
    monkeypatch.setattr(collect, "MAX_NOTEBOOK_BYTES", 10)
    src, secret = tmp_path / "in", tmp_path / "secret.ipynb"
    secret.write_text("secret")
    work = src / "ann" / "toy"
    (work / ".ipynb_checkpoints").mkdir(parents=True)
    (work / ".ipynb_checkpoints" / "toy-checkpoint.ipynb").write_text("old")
    (work / "toy.ipynb").write_text("ann")
    (work / "notes.txt").write_text("notes")
    (src / "ann" / "other").mkdir()
    (src / "ann" / "other" / "x.ipynb").write_text("x")
    (src / "README.txt").write_text("hello")
    (src / "bob" / "toy").mkdir(parents=True)
    (src / "bob" / "toy" / "toy.ipynb").symlink_to(secret)
    (src / "cy").symlink_to(tmp_path / "elsewhere")
    (src / "dee" / "toy").mkdir(parents=True)
    os.mkfifo(src / "dee" / "toy" / "toy.ipynb")
    (src / "eve" / "toy").mkdir(parents=True)
    (src / "eve" / "toy" / "toy.ipynb").write_text("x" * 11)
    (src / "fay").mkdir()
    (src / "fay" / "toy").symlink_to(work)
    result = collect_folder(course, src)
    assert _submitted(course) == {"ann/toy/toy.ipynb": "ann"}
    # Those whose files were all skipped still get a row (of zeros).
    assert result.without_notebook == [(s, "toy") for s in ("bob", "dee", "eve", "fay")]
    assert sorted(result.skipped) == sorted(
        [
            f"{src}/README.txt: not a student folder",
            f"{src}/cy: a symbolic link, not followed",
            f"{src}/ann/other/x.ipynb: not an assignment being collected",
            f"{work}/.ipynb_checkpoints/toy-checkpoint.ipynb: in a sub-folder "
            "of the assignment folder",
            f"{work}/notes.txt: not a notebook",
            f"{src}/bob/toy/toy.ipynb: a symbolic link, not followed",
            f"{src}/fay/toy: a symbolic link, not followed",
            f"{src}/dee/toy/toy.ipynb: not a regular file",
            f"{src}/eve/toy/toy.ipynb: too large (11 bytes; the limit is 10 bytes)",
        ]
    )


def test_collect_zip_reports_every_skipped_file(course, tmp_path, monkeypatch):
    monkeypatch.setattr(collect, "MAX_NOTEBOOK_BYTES", 10)
    archive = tmp_path / "export.zip"
    link = zipfile.ZipInfo("bob/toy/toy.ipynb")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ann/toy/toy.ipynb", "ann")
        zf.writestr("readme.txt", "not a notebook")
        zf.writestr("__MACOSX/ann/toy/._toy.ipynb", "resource fork")
        zf.writestr(link, "/etc/passwd")
        zf.writestr("eve/toy/toy.ipynb", "x" * 11)
        zf.writestr("cy/other/toy.ipynb", "other assignment")
        zf.writestr("Dee Roe_1_assignsubmission_file_/notes.ipynb", "notes")
        zf.writestr("fay/toy/toy.ipynb", "CORRUPTME")
    data = archive.read_bytes()
    archive.write_bytes(data.replace(b"CORRUPTME", b"CORRUPTMF"))
    result = collect_zip(course, archive, "toy")
    assert _submitted(course) == {"ann/toy/toy.ipynb": "ann"}
    assert result.without_notebook == [
        (s, "toy") for s in ("bob", "dee_roe-a5e068d0", "eve", "fay")
    ]
    assert sorted(result.skipped) == sorted(
        [
            "readme.txt: not a notebook",
            "__MACOSX/ann/toy/._toy.ipynb: macOS metadata, not a submission",
            "bob/toy/toy.ipynb: a symbolic link, not followed",
            "eve/toy/toy.ipynb: too large (11 bytes; the limit is 10 bytes)",
            "cy/other/toy.ipynb: in a folder of 'other', not of the assignment "
            "being collected",
            "Dee Roe_1_assignsubmission_file_/notes.ipynb: toy has no notebook "
            "'notes' (expected toy)",
            "fay/toy/toy.ipynb: unreadable (Bad CRC-32 for file 'fay/toy/toy.ipynb')",
        ]
    )


@pytest.mark.parametrize(
    "entry",
    [
        "../ann/toy/toy.ipynb",
        "x/../../ann/toy/toy.ipynb",
        "/abs/ann/toy/toy.ipynb",
        "C:/ann/toy/toy.ipynb",
        "..\\ann\\toy\\toy.ipynb",
        "./ann/toy/toy.ipynb",
        "../Ann Lee_1_assignsubmission_file_/toy.ipynb",
        "../ann_1_2_toy.ipynb",
    ],
)
def test_collect_zip_never_uses_unsafe_paths(course, tmp_path, entry):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(entry, "escaped")
    before = sorted(tmp_path.rglob("*"))
    result = collect_zip(course, archive, "toy")
    assert result.copied == []
    assert result.skipped == [f"{entry}: unsafe path (absolute or with '..'), not read"]
    assert sorted(tmp_path.rglob("*")) == before
