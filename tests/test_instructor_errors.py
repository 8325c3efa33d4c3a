"""Bad input gets one line and exit status 2; nothing is lost or scored silently.

Each case is what an instructor meets: a course folder that is not there,
an unknown assignment, a file that is not a zip, an empty or damaged
gradebook, nothing collected, a run as root in someone else's folder, a
submission the grader cannot run (a memory limit too low for the
environment) and Ctrl-C in the middle of a batch.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from actzoo_grader import sandbox
from actzoo_grader.__main__ import main
from actzoo_grader.autograde import autograde
from actzoo_grader.course import REPO, Course
from actzoo_grader.executor import Guarded
from actzoo_grader.gradebook import backup_path
from actzoo_grader.grades import part_scores
from tests import test_attacks as attacks

ASSIGNMENT, solved, blank = attacks.ASSIGNMENT, attacks.solved, attacks.blank

WHY_NO_SANDBOX = sandbox.check()


def _run(capsys, *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out + out.err


def _one_line_error(status: int, text: str, *words: str) -> None:
    assert status == 2, text
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if line.startswith("actzoo_grader:")]
    assert len(lines) == 1, text
    for word in words:
        assert word in lines[0], text


def test_a_missing_course_folder_is_one_line(tmp_path, capsys):
    for step in ("autograde", "grades", "feedback"):
        status, text = _run(capsys, "--course", str(tmp_path / "nope"), step)
        _one_line_error(status, text, "no course folder", "collect")
    assert not (tmp_path / "nope").exists()


def test_an_unknown_assignment_is_one_line(tmp_path, capsys):
    course = tmp_path / "course"
    attacks._write(course / "submitted" / "ana" / ASSIGNMENT, solved())
    for step in ("autograde", "feedback"):
        status, text = _run(capsys, "--course", str(course), step, "ex9_nothing")
        _one_line_error(status, text, "unknown assignment", "ex1_activations")


def test_collect_refuses_what_is_not_a_zip_in_any_case(tmp_path, capsys):
    fake = tmp_path / "export.ZIP"
    fake.write_text("not a zip")
    course = str(tmp_path / "course")
    status, text = _run(capsys, "--course", course, "collect", str(fake))
    _one_line_error(status, text, "is not a zip file")
    status, text = _run(capsys, "--course", course, "collect", str(tmp_path / "x"))
    _one_line_error(status, text, "no such file")


def test_nothing_collected_is_said_not_graded_as_zero(tmp_path, capsys):
    course = tmp_path / "course"
    (course / "submitted").mkdir(parents=True)
    status, text = _run(capsys, "--course", str(course), "autograde", ASSIGNMENT)
    _one_line_error(status, text, "nothing to grade")
    assert "WARNING: no submissions" in text
    assert not (course / "gradebook.db").exists()


def test_an_empty_gradebook_leaves_grades_csv_alone(tmp_path, capsys):
    course = tmp_path / "course"
    course.mkdir()
    (course / "gradebook.db").write_bytes(b"")
    earlier = "student,assignment,score,max_score\nana,ex1_activations,18,18\n"
    (course / "grades.csv").write_text(earlier)
    for step in ("grades", "feedback"):
        status, text = _run(capsys, "--course", str(course), step)
        _one_line_error(status, text, "empty (0-byte) gradebook", "autograde first")
    assert (course / "grades.csv").read_text() == earlier


def test_a_damaged_gradebook_stops_autograde_before_it_touches_anything(
    tmp_path, capsys
):
    course = tmp_path / "course"
    attacks._write(course / "submitted" / "ana" / ASSIGNMENT, solved())
    earlier = course / "autograded" / "ana" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("{}")
    (course / "gradebook.db").write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    for step in ("autograde", "grades"):
        status, text = _run(capsys, "--course", str(course), step)
        _one_line_error(status, text, "is damaged", "gradebook.db.bak")
    assert earlier.read_text() == "{}"


def test_a_gradebook_that_is_not_nbgraders_is_damaged(tmp_path, capsys):
    course = tmp_path / "course"
    course.mkdir()
    db = sqlite3.connect(course / "gradebook.db")
    db.execute("CREATE TABLE photos (name TEXT)")
    db.commit()
    db.close()
    status, text = _run(capsys, "--course", str(course), "grades")
    _one_line_error(status, text, "not nbgrader's")


@pytest.mark.skipif(os.geteuid() != 0, reason="only root writes as another user")
def test_what_root_writes_belongs_to_the_course_folders_owner(tmp_path, capsys):
    source = tmp_path / "in"
    attacks._write(source / "ana" / ASSIGNMENT, solved())
    course = tmp_path / "course"
    course.mkdir()
    os.chown(course, 54321, 54321)
    status, text = _run(capsys, "--course", str(course), "collect", str(source))
    assert status == 0, text
    owners = {p.lstat().st_uid for p in course.rglob("*")}
    assert owners == {54321}, owners


def test_make_passes_every_grading_option():
    out = subprocess.run(
        [
            "make",
            "-n",
            "autograde",
            "COURSE=/tmp/some-course",
            "JOBS=3",
            "MEMORY_MB=6144",
            "TIMEOUT=30",
            "WALL=200",
            "NO_SANDBOX=1",
            f"ASSIGNMENT={ASSIGNMENT}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = " ".join(out.replace("\\\n", " ").split())
    for flag in (
        '--course "/tmp/some-course"',
        "--jobs 3",
        "--memory-mb 6144",
        "--timeout 30",
        "--wall 200",
        "--no-sandbox",
        ASSIGNMENT,
    ):
        assert flag in line, (flag, line)
    assert "install_bubblewrap" not in line and "--plain" not in line
    plain = subprocess.run(
        ["make", "-n", "autograde", "PLAIN=1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--plain" in plain and "--memory-mb" not in plain


@pytest.mark.slow
def test_a_run_the_grader_cannot_make_is_failed_not_zero(tmp_path):
    """A memory limit too low for the environment fails the run, with the fix."""
    if WHY_NO_SANDBOX:
        pytest.skip(f"sandboxes cannot be made here: {WHY_NO_SANDBOX}")
    course = Course(root=tmp_path / "course")
    attacks._write(course.submitted(ASSIGNMENT, "ana"), solved())
    limits = sandbox.Limits(memory=160 << 20, cell_timeout=60, wall=120)
    result = autograde(course, ASSIGNMENT, executor=Guarded(limits=limits))
    assert result.graded == [] and list(result.failed) == ["ana"]
    why = result.failed["ana"]
    assert "memory" in why and "--memory-mb" in why, why
    assert result.detections["ana"] == [], "a failure is no tampering"
    # The student still has a row, of zeros, in the gradebook.
    scores = part_scores(course, ASSIGNMENT)
    assert scores and {p.student for p in scores} == {"ana"}
    assert sum(p.score for p in scores) == 0


@pytest.mark.slow
def test_ctrl_c_stops_new_work_and_a_rerun_finishes(tmp_path):
    if WHY_NO_SANDBOX:
        pytest.skip(f"sandboxes cannot be made here: {WHY_NO_SANDBOX}")
    course = tmp_path / "course"
    names = [f"s{i}" for i in range(6)]
    for name in names:
        attacks._write(course / "submitted" / name / ASSIGNMENT, solved())
    command = attacks.grader_command(course, "autograde", ASSIGNMENT, "--jobs", "1")
    run = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # A shell that runs the tests in the background ignores Ctrl-C in
        # what it starts; the grader must see it as an instructor's would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert run.stdout is not None
    seen = []
    deadline = time.monotonic() + 300
    for line in run.stdout:
        seen.append(line)
        if "1/6 graded" in line or time.monotonic() > deadline:
            break
    began = time.monotonic()
    os.killpg(run.pid, signal.SIGINT)
    rest, _ = run.communicate(timeout=120)
    text = "".join(seen) + rest
    assert run.returncode == 130, text
    assert time.monotonic() - began < 60
    assert "Traceback" not in text
    stopped = [line for line in text.splitlines() if "interrupted:" in line]
    assert len(stopped) == 1 and "run again to finish" in stopped[0], text
    stored = int(stopped[0].split("interrupted: ")[1].split()[0])
    assert 1 <= stored < len(names)
    # A rerun grades everyone, each to full marks.
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    # The gradebook of the first run was backed up before the second.
    assert backup_path(Course(root=course)).is_file()
    assert attacks._totals(Course(root=course)) == dict.fromkeys(names, attacks.FULL)
    reports = course / "reports" / ASSIGNMENT
    assert sorted(p.stem for p in reports.glob("*.json")) == names
    assert all(
        json.loads(p.read_text()).get("failed") is None for p in reports.glob("*.json")
    )


def test_autograded_output_is_replaced_only_when_complete(tmp_path, monkeypatch):
    """A store that fails halfway leaves the earlier autograded/ output whole."""
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import NbGraderException

    from actzoo_grader import autograde as ag

    course = Course(root=tmp_path / "course")
    folder = course.submitted(ASSIGNMENT, "ana")
    attacks._write(folder, solved())
    earlier = course.autograded(ASSIGNMENT, "ana")
    earlier.mkdir(parents=True)
    (earlier / f"{ASSIGNMENT}.ipynb").write_text('{"earlier": true}')

    def half_then_fail(self):
        out = Path(
            self.coursedir.format_path(
                self.coursedir.autograded_directory, "ana", ASSIGNMENT
            )
        )
        out.mkdir(parents=True)
        (out / "partial.ipynb").write_text("{")
        raise NbGraderException("the disk is full")

    monkeypatch.setattr(Autograde, "start", half_then_fail)
    monkeypatch.setattr(ag, "record_zero", lambda *a: None)
    why = ag._store(course, ASSIGNMENT, "ana", course.staging(ASSIGNMENT))
    assert why == "the disk is full"
    assert sorted(p.name for p in earlier.iterdir()) == [f"{ASSIGNMENT}.ipynb"]
    assert (earlier / f"{ASSIGNMENT}.ipynb").read_text() == '{"earlier": true}'
    assert not (course.root / ag.PENDING).exists()

    def complete(self):
        out = Path(
            self.coursedir.format_path(
                self.coursedir.autograded_directory, "ana", ASSIGNMENT
            )
        )
        out.mkdir(parents=True)
        (out / f"{ASSIGNMENT}.ipynb").write_text('{"new": true}')

    monkeypatch.setattr(Autograde, "start", complete)
    assert ag._store(course, ASSIGNMENT, "ana", course.staging(ASSIGNMENT)) is None
    assert (earlier / f"{ASSIGNMENT}.ipynb").read_text() == '{"new": true}'
    assert not earlier.with_name(earlier.name + ".old").exists()
