"""A gradebook on PostgreSQL: ``--db URL`` names it, and every step uses it.

The gradebook is SQLite in the course folder unless ``--db`` (or the
``ACTZOO_DB`` environment variable) gives another SQLAlchemy URL. Here a
private PostgreSQL server is started for the tests (``postgres`` of
conftest: its own data folder, port and socket, run by an ordinary user
because PostgreSQL refuses root),
a correct and a blank submission are graded into it, and the scores are
read back from PostgreSQL itself, by ``grades`` and by ``summary``.
"""

from __future__ import annotations

import csv
import os
import socket
import subprocess

import pytest

from actzoo_grader import sandbox
from actzoo_grader.course import REPO, Course
from tests import test_attacks as attacks

ASSIGNMENT, FULL = attacks.ASSIGNMENT, attacks.FULL

SCORES_SQL = """
SELECT sa.student_id, SUM(COALESCE(g.manual_score, g.auto_score, 0))
FROM grade g
JOIN submitted_notebook sn ON g.notebook_id = sn.id
JOIN submitted_assignment sa ON sn.assignment_id = sa.id
GROUP BY sa.student_id
"""


def test_config_keeps_the_url_given(tmp_path):
    url = "postgresql://grader@dbhost:5432/actzoo"
    course = Course(root=tmp_path / "course", db=url)
    assert course.config().CourseDirectory.db_url == url
    assert Course(root=tmp_path / "course", db=url).db_url == url
    assert course.on_server
    # The default stays the SQLite file in the course folder.
    plain = Course(root=tmp_path / "course")
    assert plain.config().CourseDirectory.db_url == (
        f"sqlite:///{tmp_path / 'course' / 'gradebook.db'}"
    )
    assert not plain.on_server


def test_an_sqlite_url_elsewhere_is_that_file(tmp_path):
    course = Course(root=tmp_path / "course", db=f"sqlite:///{tmp_path}/gb.db")
    assert course.gradebook == tmp_path / "gb.db"
    assert not course.on_server


def test_an_unreachable_database_is_one_line(tmp_path):
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://grader:s3cret-pw@127.0.0.1:{port}/actzoo"
    course = tmp_path / "course"
    course.mkdir()
    for args in (["grades"], ["--db", url, "grades"]):
        env = {**os.environ, "ACTZOO_DB": url} if args == ["grades"] else None
        run = subprocess.run(
            attacks.grader_command(course, *args),
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        lines = (run.stdout + run.stderr).strip().splitlines()
        assert run.returncode == 2, lines
        assert len(lines) == 1, lines
        line = lines[0]
        assert "127.0.0.1" in line and str(port) in line and "actzoo" in line
        assert "s3cret-pw" not in line and "Traceback" not in line
        assert not (course / "gradebook.db").exists()


def test_a_url_that_is_none_is_one_line(tmp_path):
    run = subprocess.run(
        attacks.grader_command(tmp_path / "c", "--db", "not a url", "grades"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = (run.stdout + run.stderr).strip().splitlines()
    assert run.returncode == 2 and len(lines) == 1, lines
    assert "SQLAlchemy URL" in lines[0]


def _make_dry_run(*args: str) -> str:
    """Return the commands ``make`` would run, without running them."""
    return subprocess.run(
        ["make", "-n", "--no-print-directory", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_make_passes_the_database():
    url = "postgresql://grader@dbhost:5432/actzoo"
    for step in ("collect SUBMISSIONS=/tmp/s", "autograde", "grades", "feedback"):
        made = _make_dry_run(*step.split(), f"DB={url}")
        assert f'--db "{url}"' in made, (step, made)
    plain = _make_dry_run("summary")
    assert "actzoo_grader" in plain and "--db" not in plain


@pytest.mark.slow
def test_a_batch_is_graded_into_postgresql(postgres, tmp_path):
    why = sandbox.check()
    if why:
        pytest.skip(f"sandboxes cannot be made here: {why}")
    from sqlalchemy import create_engine, text

    server = postgres.url()
    root = tmp_path / "course"
    attacks._write(root / "submitted" / "ana" / ASSIGNMENT, attacks.solved())
    attacks._write(root / "submitted" / "ben" / ASSIGNMENT, attacks.blank())
    graded = subprocess.run(
        attacks.grader_command(root, "--db", server, "autograde", ASSIGNMENT),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert "backed up" not in graded.stdout + graded.stderr
    want = {"ana": float(FULL), "ben": 0.0}
    # The scores are in PostgreSQL, and no SQLite gradebook was made.
    engine = create_engine(server)
    try:
        with engine.connect() as db:
            stored = {s: float(v) for s, v in db.execute(text(SCORES_SQL))}
    finally:
        engine.dispose()
    assert stored == want
    assert not (root / "gradebook.db").exists()
    assert attacks._totals(Course(root=root, db=server)) == want
    # grades and summary read the same scores, from ACTZOO_DB this time.
    env = {**os.environ, "ACTZOO_DB": server}
    for step in ("grades", "summary"):
        done = subprocess.run(
            attacks.grader_command(root, step),
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    with (root / "grades.csv").open(newline="") as f:
        rows = {r["student"]: float(r["score"]) for r in csv.DictReader(f)}
    assert rows == want
    summary = (root / "summary" / f"{ASSIGNMENT}.txt").read_text()
    assert f"out of {FULL:g} points: mean {FULL / 2:.2f}" in summary
    assert not (root / "gradebook.db").exists()
