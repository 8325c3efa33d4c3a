"""From an LMS export to the file that LMS's gradebook imports, losing nothing.

A toy assignment (one answer cell, two graded parts of 3 and 2 points)
is handed in through a Canvas export and through a Moodle export, each
with two students of the same name, a late submission and a student whose
only file is not a notebook. The fast tests check what ``collect`` keeps
(LMS numbers as keys, names beside them, late flags and times, every
skipped file with its reason) and the import files' columns; the slow
ones grade both exports for real and check the files that
``python -m actzoo_grader grades --format canvas`` and ``--format
moodle`` write, cell by cell, with nbgrader's late penalty applied.

The expected columns are those Canvas's gradebook import reads (a header
``Student, ID, SIS User ID, SIS Login ID, Section`` then the assignments,
and an optional ``Points Possible`` row) and those Moodle's CSV grade
import maps (any identifier column matched to a username, ID number or
email address, then a column per grade item).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import struct
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from actzoo_grader import sandbox
from actzoo_grader.__main__ import main
from actzoo_grader.autograde import autograde, prepare
from actzoo_grader.collect import LAYOUTS, collect_folder, collect_zip, student_id
from actzoo_grader.course import REPO, Course, nbgrader_environment
from actzoo_grader.executor import Guarded
from actzoo_grader.lms_grades import (
    CANVAS_COLUMNS,
    Gradesheet,
    canvas_rows,
    moodle_rows,
)
from actzoo_grader.roster import read_moodle_worksheet
from tests.notebooks import with_answers

ASSIGNMENT = "toy"
POINTS = {"test_double": 3.0, "test_negative": 2.0}
FULL, HALF = 5.0, 3.0  # a correct answer; one that fails part (b) only
DUE = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
# An answer that is right for positive x only: part (a) passes, (b) fails.
HALF_ANSWER = "def double(x):\n    return 2 * x if x > 0 else 0\n"


def _cell(source: str, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if nbgrader:
        cell.metadata["nbgrader"] = {
            "schema_version": 3,
            "locked": False,
            "solution": False,
            "grade": False,
            **nbgrader,
        }
    return cell


def _toy_source() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        _cell(
            "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n"
            "    ### END SOLUTION",
            solution=True,
            grade_id="double",
        ),
        _cell(
            "# Part (a): doubling\nassert double(2) == 4\n"
            "### BEGIN HIDDEN TESTS\nassert double(5) == 10\n"
            "### END HIDDEN TESTS",
            grade=True,
            locked=True,
            grade_id="test_double",
            points=POINTS["test_double"],
        ),
        _cell(
            "# Part (b): negative numbers\nassert double(-1) == -2",
            grade=True,
            locked=True,
            grade_id="test_negative",
            points=POINTS["test_negative"],
        ),
    ]
    return nb


def _toy_repo(folder: Path) -> Path:
    """Return a repository with the toy assignment; late work scores 0."""
    repo = folder / "repo"
    (repo / "solutions" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(_toy_source(), repo / "solutions" / ASSIGNMENT / "toy.ipynb")
    (repo / "nbgrader_config.py").write_text(
        (REPO / "nbgrader_config.py").read_text()
        + '\nc.LateSubmissionPlugin.penalty_method = "zero"\n'
    )
    return repo


@pytest.fixture
def course(tmp_path) -> Course:
    return Course(root=tmp_path / "course", repo=_toy_repo(tmp_path))


def _roster(course: Course) -> dict:
    return json.loads(course.student_ids.read_text())


def _stamp(course: Course, sid: str) -> dt.datetime | None:
    """Return the time nbgrader reads from a submission's timestamp.txt."""
    path = course.submitted(ASSIGNMENT, sid) / "timestamp.txt"
    if not path.exists():
        return None
    with nbgrader_environment():
        got = course.config(assignment_id=ASSIGNMENT)
        from nbgrader.coursedir import CourseDirectory

        stamp = CourseDirectory(config=got).get_existing_timestamp(str(path.parent))
    return stamp.replace(tzinfo=dt.UTC)


def _ut_field(when: dt.datetime) -> bytes:
    """Return a zip entry's extended-timestamp field holding ``when``."""
    return struct.pack("<HHBi", 0x5455, 5, 1, int(when.timestamp()))


# ------------------------------------------------------------- Canvas


def _canvas_zip(path: Path, good: str, half: str) -> Path:
    """Two "smithjohn"s (one late, one resubmitting), a PDF, a blank."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("smithjohn_101_9001_toy.ipynb", half)
        zf.writestr("smithjohn_101_9001_toy-1.ipynb", good)
        zf.writestr("smithjohn_LATE_102_9002_toy.ipynb", half)
        zf.writestr("leeann_103_9003_toy.pdf", "%PDF-1.4")
        zf.writestr("leeann_103_9003_notes.py", "print('hi')")
    return path


def test_canvas_keys_students_by_user_number(course, tmp_path):
    archive = _canvas_zip(tmp_path / "export.zip", "good", "half")
    result = collect_zip(course, archive, ASSIGNMENT)
    assert result.students == ["canvas-101", "canvas-102", "canvas-103"]
    assert result.names == {
        "canvas-101": "smithjohn",
        "canvas-102": "smithjohn",
        "canvas-103": "leeann",
    }
    # The highest resubmission wins; a student with no notebook still has
    # a folder, so that autograding gives them a row.
    sub = course.submitted_dir
    assert (sub / "canvas-101" / ASSIGNMENT / "toy.ipynb").read_text() == "good"
    assert (sub / "canvas-102" / ASSIGNMENT / "toy.ipynb").read_text() == "half"
    assert list((sub / "canvas-103" / ASSIGNMENT).iterdir()) == []
    assert result.without_notebook == [("canvas-103", ASSIGNMENT)]
    assert sorted(result.skipped) == [
        "leeann_103_9003_notes.py: not a notebook",
        "leeann_103_9003_toy.pdf: not a notebook",
        "smithjohn_101_9001_toy.ipynb: an older resubmission of toy/toy by "
        "'smithjohn'; smithjohn_101_9001_toy-1.ipynb is copied instead",
    ]
    assert result.late == [("canvas-102", ASSIGNMENT)]
    assert _roster(course) == {
        "canvas-101": {
            "name": "smithjohn",
            "canvas_id": "101",
            "assignments": {ASSIGNMENT: {"late": False}},
        },
        "canvas-102": {
            "name": "smithjohn",
            "canvas_id": "102",
            "assignments": {ASSIGNMENT: {"late": True}},
        },
        "canvas-103": {
            "name": "leeann",
            "canvas_id": "103",
            "assignments": {
                ASSIGNMENT: {
                    "late": False,
                    "skipped": [
                        "leeann_103_9003_notes.py: not a notebook",
                        "leeann_103_9003_toy.pdf: not a notebook",
                    ],
                }
            },
        },
    }


def test_canvas_late_flag_reaches_nbgrader_as_a_time_after_the_due_date(
    course, tmp_path
):
    archive = _canvas_zip(tmp_path / "export.zip", "good", "half")
    # Canvas gives no time: without a due date there is nothing to measure.
    first = collect_zip(course, archive, ASSIGNMENT)
    assert first.timestamps == {}
    assert _stamp(course, "canvas-102") is None
    assert "collect again with --due" in first.notes[-1]
    # With one, the late submission is one second late, the others on time.
    second = collect_zip(course, archive, ASSIGNMENT, due=DUE)
    assert _stamp(course, "canvas-102") == DUE + dt.timedelta(seconds=1)
    assert _stamp(course, "canvas-101") is None
    assert second.timestamps == {
        ("canvas-102", ASSIGNMENT): "2025-03-01 12:00:01.000000 UTC"
    }
    # The due date is nbgrader's, in the gradebook; a later collect uses it.
    from nbgrader.api import Gradebook

    with nbgrader_environment(), Gradebook(course.db_url) as gb:
        assert gb.find_assignment(ASSIGNMENT).duedate == DUE.replace(tzinfo=None)
    (course.submitted(ASSIGNMENT, "canvas-102") / "timestamp.txt").unlink()
    collect_zip(course, archive, ASSIGNMENT)
    assert _stamp(course, "canvas-102") == DUE + dt.timedelta(seconds=1)


def test_a_canvas_key_cannot_be_taken_by_a_name():
    assert student_id("canvas-101") != "canvas-101"
    assert student_id("canvas-101").startswith("canvas-101-")


# ------------------------------------------------------------- Moodle


@pytest.fixture
def paris(monkeypatch):
    """Run in Paris time (UTC+1 in March), as the zip's local times are."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _moodle_zip(path: Path, good: str, half: str) -> Path:
    """Two "John Smith"s (103 late), a .py only, one without a time field."""
    on_time = zipfile.ZipInfo("John Smith_102_assignsubmission_file_/toy.ipynb")
    on_time.date_time = (2025, 3, 1, 12, 30, 0)  # Paris: 11:30 UTC
    late = zipfile.ZipInfo("John Smith_103_assignsubmission_file_/toy.ipynb")
    late.date_time = (2025, 3, 1, 9, 0, 0)  # overridden by the UTC field
    late.extra = _ut_field(dt.datetime(2025, 3, 2, 8, 15, tzinfo=dt.UTC))
    script = zipfile.ZipInfo("Ann Lee_104_assignsubmission_file_/toy.py")
    script.date_time = (2025, 2, 28, 10, 0, 0)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(on_time, good)
        zf.writestr(late, half)
        zf.writestr(script, "def double(x): return 2 * x")
        zf.writestr(
            "Ann Lee_104_assignsubmission_onlinetext_onlinetext.html", "<p>hi</p>"
        )
    return path


def _worksheet(path: Path) -> Path:
    """Return Moodle's grading worksheet naming participants 102 to 104."""
    rows = [
        ["Identifier", "Full name", "Email address", "Status", "Grade"],
        ["Participant 102", "John Smith", "john.smith@uni.example", "", ""],
        ["Participant 103", "John Smith", "jsmith2@uni.example", "", ""],
        ["Participant 104", "Ann Lee", "ann.lee@uni.example", "", ""],
    ]
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh).writerows(rows)
    return path


MOODLE_IDS = {
    "john.smith@uni.example": student_id("john.smith@uni.example"),
    "jsmith2@uni.example": student_id("jsmith2@uni.example"),
    "ann.lee@uni.example": student_id("ann.lee@uni.example"),
}


def test_moodle_with_its_worksheet_keys_students_by_email(course, tmp_path, paris):
    archive = _moodle_zip(tmp_path / "export.zip", "good", "half")
    sheet = _worksheet(tmp_path / "worksheet.csv")
    result = collect_zip(course, archive, ASSIGNMENT, worksheet=sheet)
    john, jsmith, ann = MOODLE_IDS.values()
    assert result.students == sorted([john, jsmith, ann])
    assert result.names == {john: "John Smith", jsmith: "John Smith", ann: "Ann Lee"}
    assert result.notes == []
    assert result.without_notebook == [(ann, ASSIGNMENT)]
    assert sorted(result.skipped) == [
        "Ann Lee_104_assignsubmission_file_/toy.py: not a notebook",
        "Ann Lee_104_assignsubmission_onlinetext_onlinetext.html: Moodle's "
        "onlinetext part, not a file",
    ]
    # The zip's local time is read in this machine's zone; a UTC field wins.
    assert _stamp(course, john) == dt.datetime(2025, 3, 1, 11, 30, tzinfo=dt.UTC)
    assert _stamp(course, jsmith) == dt.datetime(2025, 3, 2, 8, 15, tzinfo=dt.UTC)
    roster = _roster(course)
    assert roster[john] == {
        "name": "John Smith",
        "moodle": {"email": "john.smith@uni.example"},
        "assignments": {
            ASSIGNMENT: {
                "participant": "102",
                "submitted": "2025-03-01T11:30:00+00:00",
                "timestamp": "2025-03-01 11:30:00.000000 UTC",
            }
        },
    }
    assert roster[ann]["assignments"][ASSIGNMENT]["participant"] == "104"
    assert len(roster[ann]["assignments"][ASSIGNMENT]["skipped"]) == 2


def test_moodle_without_its_worksheet_keys_namesakes_by_number(course, tmp_path, paris):
    archive = _moodle_zip(tmp_path / "export.zip", "good", "half")
    result = collect_zip(course, archive, ASSIGNMENT)
    assert result.names == {
        "john_smith_102-bac9d78c": "John Smith_102",
        "john_smith_103-5e2f2f79": "John Smith_103",
        "ann_lee-a36e143c": "Ann Lee",
    }
    assert "give Moodle's grading worksheet" in result.notes[0]
    facts = _roster(course)["john_smith_103-5e2f2f79"]["assignments"][ASSIGNMENT]
    assert facts["participant"] == "103"


def test_a_participant_missing_from_the_worksheet_is_said(course, tmp_path):
    archive = _moodle_zip(tmp_path / "export.zip", "good", "half")
    sheet = tmp_path / "worksheet.csv"
    sheet.write_text(
        "Identifier,Full name,Email address\nParticipant 102,John Smith,js@x\n"
    )
    result = collect_zip(course, archive, ASSIGNMENT, worksheet=sheet)
    assert result.names[student_id("js@x")] == "John Smith"
    assert [n.split(" (")[0] for n in result.notes] == [
        "participant 103",
        "participant 104",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Full name,Email address\nJohn,j@x\n",
        "Identifier,Full name,Status\nParticipant 1,John,\n",
        "",
    ],
)
def test_a_file_that_is_not_a_worksheet_is_one_line(tmp_path, text):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(text)
    with pytest.raises(ValueError, match="is not a Moodle grading worksheet") as err:
        read_moodle_worksheet(sheet)
    assert "\n" not in str(err.value)


def test_the_worksheet_reads_each_user_field(tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "\ufeffIdentifier,Full name,Username,ID number,Email address\n"
        "Participant 7,Ada L,ada,S-1,ada@x\nParticipant 8,Bo,,,bo@x\n"
    )
    assert read_moodle_worksheet(sheet) == {
        "7": {"name": "Ada L", "username": "ada", "idnumber": "S-1", "email": "ada@x"},
        "8": {"name": "Bo", "email": "bo@x"},
    }


# ------------------------------------------- what is skipped, and why


def test_every_skipped_file_of_a_folder_has_its_reason(course, tmp_path):
    src = tmp_path / "in"
    (src / "ann" / ASSIGNMENT).mkdir(parents=True)
    (src / "ann" / ASSIGNMENT / "toy.ipynb").write_text("ann")
    (src / "ann" / ASSIGNMENT / "timestamp.txt").write_text(
        "2025-03-01 10:00:00.000000 UTC"
    )
    (src / "bob" / ASSIGNMENT).mkdir(parents=True)
    (src / "bob" / ASSIGNMENT / "report.pdf").write_text("pdf")
    (src / "bob" / ASSIGNMENT / "toy.py").write_text("py")
    (src / "cy").mkdir()
    (src / "cy" / "toy.ipynb").write_text("cy, one level too high")
    (src / "dee" / ASSIGNMENT).mkdir(parents=True)
    (src / "dee" / ASSIGNMENT / "toy.ipynb").write_text("dee")
    (src / "dee" / ASSIGNMENT / "timestamp.txt").write_text("yesterday-ish")
    (src / "toy.ipynb").write_text("whose?")
    result = collect_folder(course, src)
    assert sorted(result.skipped) == sorted(
        [
            f"{src}/bob/{ASSIGNMENT}/report.pdf: not a notebook",
            f"{src}/bob/{ASSIGNMENT}/toy.py: not a notebook",
            f"{src}/cy/toy.ipynb: a notebook directly in the student folder; "
            f"it belongs in cy/{ASSIGNMENT}/toy.ipynb",
            f"{src}/dee/{ASSIGNMENT}/timestamp.txt: not a time nbgrader can "
            "read ('yesterday-ish')",
            f"{src}/toy.ipynb: a notebook outside any student folder; it "
            "belongs in <student>/<assignment>/toy.ipynb",
        ]
    )
    # bob and cy handed in nothing gradable: each gets a row.
    assert result.without_notebook == [("bob", ASSIGNMENT), ("cy", ASSIGNMENT)]
    assert result.students == ["ann", "bob", "cy", "dee"]
    # nbgrader's own timestamp.txt is kept as the submission's time.
    assert _stamp(course, "ann") == dt.datetime(2025, 3, 1, 10, tzinfo=dt.UTC)
    assert _stamp(course, "dee") is None


def test_every_skipped_entry_of_a_zip_has_its_reason(course, tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("export/ann/toy/toy.ipynb", "ann")
        zf.writestr("export/ann/toy/.ipynb_checkpoints/toy-checkpoint.ipynb", "old")
        zf.writestr("export/bob/toy/toy.py", "py")
        zf.writestr("toy/toy.ipynb", "whose?")
        zf.writestr("Cy Doe_5_assignsubmission_file_/sub/toy.ipynb", "deep")
        zf.writestr("toy.ipynb", "whose?")
    result = collect_zip(course, archive, ASSIGNMENT)
    assert sorted(result.skipped) == [
        "Cy Doe_5_assignsubmission_file_/sub/toy.ipynb: in a sub-folder of "
        "the Moodle submission; only notebooks at its top are collected",
        "export/ann/toy/.ipynb_checkpoints/toy-checkpoint.ipynb: in a "
        "sub-folder of the assignment folder",
        "export/bob/toy/toy.py: not a notebook",
        "toy.ipynb: not a recognised submission name",
        "toy/toy.ipynb: in a folder toy/ with no student folder above it; "
        "expected <student>/toy/toy.ipynb",
    ]
    assert result.without_notebook == [
        ("bob", ASSIGNMENT),
        ("cy_doe-eeaff5cd", ASSIGNMENT),
    ]


def test_a_zip_is_recognised_in_any_case(tmp_path, capsys, monkeypatch):
    repo = _toy_repo(tmp_path)
    archive = tmp_path / "EXPORT.ZIP"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("smithjohn_101_9001_toy.ipynb", "work")
    course = tmp_path / "course"
    args = ["--course", str(course), "collect", str(archive)]
    assert _main(monkeypatch, repo, [*args, "--assignment", ASSIGNMENT]) == 0
    assert (course / "submitted" / "canvas-101" / ASSIGNMENT / "toy.ipynb").exists()
    assert "collected 1 notebook(s) from 1 student(s)" in capsys.readouterr().out


def test_a_file_that_is_not_a_zip_is_one_line(course, tmp_path):
    fake = tmp_path / "export.zip"
    fake.write_text("not a zip")
    with pytest.raises(ValueError, match="is not a zip file"):
        collect_zip(course, fake, ASSIGNMENT)


def test_an_empty_folder_collects_nothing_and_says_what_was_expected(
    tmp_path, capsys, monkeypatch
):
    repo = _toy_repo(tmp_path)
    (tmp_path / "empty").mkdir()
    args = ["--course", str(tmp_path / "course"), "collect", str(tmp_path / "empty")]
    assert _main(monkeypatch, repo, args) == 1
    captured = capsys.readouterr()
    assert "collected 0 notebook(s) from 0 student(s)" in captured.out
    assert f"nothing collected from {tmp_path / 'empty'}: expected {LAYOUTS}" in (
        captured.err.replace("\n", " ")
    )


def _main(monkeypatch, repo: Path, args: list[str]) -> int:
    """Run the command line on a course of the toy repository."""
    import actzoo_grader.__main__ as cli

    monkeypatch.setattr(
        cli, "Course", lambda root, **kw: Course(root=root, repo=repo, **kw)
    )
    return main(args)


# ---------------------------------------------------- the import files


def _sheet(**roster) -> Gradesheet:
    return Gradesheet(
        assignments=["ex1", "ex2"],
        max_scores={"ex1": 5.0, "ex2": 10.0},
        scores={
            "canvas-7": {"ex1": 5.0, "ex2": 7.5},
            "canvas-8": {"ex1": 0.0},
            "ada": {"ex2": 10.0},
        },
        roster=roster,
    )


def test_canvas_rows_are_canvas_gradebook_columns():
    sheet = _sheet(
        **{
            "canvas-7": {"name": "smithjohn", "canvas_id": "7"},
            "canvas-8": {"name": "=HYPERLINK(1)", "canvas_id": "8"},
        }
    )
    rows, notes = canvas_rows(sheet)
    assert rows[0] == [*CANVAS_COLUMNS, "ex1", "ex2"]
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[1] == ["Points Possible", "", "", "", "", 5.0, 10.0]
    assert rows[2:] == [
        ["ada", "", "", "", "", "", 10.0],
        ["smithjohn", "7", "", "", "", 5.0, 7.5],
        ["=HYPERLINK(1)", "8", "", "", "", 0.0, ""],
    ]
    assert notes == [
        "1 student(s) have no Canvas user number (they were not collected "
        "from a Canvas export); Canvas matches them by the name in the "
        "Student column: ada ('ada')"
    ]


def test_moodle_rows_have_an_identifier_column_and_leave_out_the_unmatched():
    sheet = _sheet(
        **{
            "canvas-7": {"name": "John Smith", "moodle": {"email": "js@x"}},
            "ada": {"name": "Ada", "moodle": {"username": "ada", "email": "a@x"}},
        }
    )
    rows, notes = moodle_rows(sheet)
    assert rows == [
        ["Full name", "Username", "Email address", "ex1", "ex2"],
        ["Ada", "ada", "a@x", "", 10.0],
        ["John Smith", "", "js@x", 5.0, 7.5],
    ]
    assert notes == [
        "1 student(s) left out: Moodle's grade import cannot match them (no "
        "username, ID number or email address; collect their export with "
        "--worksheet): canvas-8 ('canvas-8')"
    ]
    with pytest.raises(ValueError, match="collect the Moodle export again"):
        moodle_rows(_sheet())


# ---------------------------------------------- the whole round trip


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory) -> dict[str, str]:
    """Return what students hand in: a correct and a half-correct notebook."""
    tmp = tmp_path_factory.mktemp("release")
    repo = _toy_repo(tmp)
    scratch = Course(root=tmp / "scratch", repo=repo)
    prepare(scratch, ASSIGNMENT)
    released = json.loads((scratch.released(ASSIGNMENT) / "toy.ipynb").read_text())
    source = json.loads((repo / "solutions" / ASSIGNMENT / "toy.ipynb").read_text())
    good = with_answers(source, released)
    half = json.loads(json.dumps(good))
    for cell in half["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "double":
            cell["source"] = HALF_ANSWER
    return {"good": json.dumps(good), "half": json.dumps(half)}


def _grade(course: Course, graded: set[str]) -> None:
    """Autograde the toy assignment; ``graded`` must all be graded."""
    result = autograde(
        course,
        ASSIGNMENT,
        executor=Guarded(sandboxed=sandbox.check() is None),
        jobs=2,
    )
    assert graded <= set(result.graded), result.failed


def _penalties(course: Course) -> dict[str, tuple[float, float]]:
    """Return ``{student: (seconds late, penalty)}`` from the gradebook."""
    from nbgrader.api import Gradebook

    with nbgrader_environment(), Gradebook(course.db_url) as gb:
        return {
            sub.student.id: (sub.total_seconds_late, sub.late_submission_penalty)
            for sub in gb.assignment_submissions(ASSIGNMENT)
        }


@pytest.mark.slow
def test_a_canvas_export_round_trips_to_canvas_gradebook_import(
    tmp_path, notebooks, capsys, monkeypatch
):
    repo = _toy_repo(tmp_path)
    course = Course(root=tmp_path / "course", repo=repo)
    archive = _canvas_zip(tmp_path / "export.zip", notebooks["good"], notebooks["half"])
    due = "2025-03-01 12:00 UTC"
    collect = ["collect", str(archive), "--assignment", ASSIGNMENT, "--due", due]
    assert _main(monkeypatch, repo, ["--course", str(course.root), *collect]) == 0
    _grade(course, {"canvas-101", "canvas-102"})
    grades = ["--course", str(course.root), "grades", "--format", "canvas"]
    assert _main(monkeypatch, repo, grades) == 0
    out = capsys.readouterr().out
    assert f"wrote {course.root / 'canvas_grades.csv'}" in out
    # nbgrader measured the late flag against the due date, and charged it.
    penalties = _penalties(course)
    assert penalties["canvas-102"] == (1.0, HALF)
    assert penalties["canvas-101"] == (0.0, 0.0)
    rows = _read_csv(course.root / "canvas_grades.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "toy"]
    assert rows[1] == ["Points Possible", "", "", "", "", "5"]
    assert rows[2:] == [
        ["smithjohn", "101", "", "", "", "5"],  # the resubmission, correct
        ["smithjohn", "102", "", "", "", "0"],  # 3 points, late: 0
        ["leeann", "103", "", "", "", "0"],  # a PDF: a row of 0
    ]
    # The long table stays, before the penalty, as nbgrader scored it.
    long = {r[0]: r[2] for r in _read_csv(course.root / "grades.csv")[1:]}
    assert long == {"canvas-101": "5", "canvas-102": "3", "canvas-103": "0"}


@pytest.mark.slow
def test_a_moodle_export_round_trips_to_moodle_grade_import(
    tmp_path, notebooks, capsys, paris, monkeypatch
):
    repo = _toy_repo(tmp_path)
    course = Course(root=tmp_path / "course", repo=repo)
    archive = _moodle_zip(tmp_path / "export.zip", notebooks["good"], notebooks["half"])
    sheet = _worksheet(tmp_path / "worksheet.csv")
    collect = ["collect", str(archive), "--assignment", ASSIGNMENT]
    collect += ["--worksheet", str(sheet), "--due", "2025-03-01 13:00"]  # Paris
    assert _main(monkeypatch, repo, ["--course", str(course.root), *collect]) == 0
    john, jsmith, ann = MOODLE_IDS.values()
    _grade(course, {john, jsmith})
    grades = ["--course", str(course.root), "grades", "--format", "moodle"]
    assert _main(monkeypatch, repo, grades) == 0
    out = capsys.readouterr().out
    assert f"wrote {course.root / 'moodle_grades.csv'}" in out
    # 103 handed in at 08:15 UTC the next day: 20 h 15 min after 12:00 UTC.
    penalties = _penalties(course)
    assert penalties[jsmith] == (20 * 3600 + 15 * 60.0, HALF)
    assert penalties[john] == (0.0, 0.0)
    rows = _read_csv(course.root / "moodle_grades.csv")
    assert rows[0] == ["Full name", "Email address", "toy"]
    assert sorted(rows[1:]) == sorted(
        [
            ["John Smith", "john.smith@uni.example", "5"],
            ["John Smith", "jsmith2@uni.example", "0"],  # 3 points, late: 0
            ["Ann Lee", "ann.lee@uni.example", "0"],  # a .py file: a row of 0
        ]
    )
    long = {r[0]: r[2] for r in _read_csv(course.root / "grades.csv")[1:]}
    assert long == {john: "5", jsmith: "3", ann: "0"}
