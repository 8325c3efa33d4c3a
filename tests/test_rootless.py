"""Grading as an ordinary user: the sandbox without root, with the same guarantees.

An instructor grades on a laptop or a department server, not as root. The
grader then runs each kernel in a user namespace of its own (bubblewrap
without privileges): its own process, network, IPC and host-name
namespaces, no capabilities, ``no_new_privs``, the same read-only view
and throwaway folder, and limits counted per sandbox. A small batch of
correct, blank and hostile submissions is graded here by an ordinary
user, created for the test.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest

from actzoo_grader import sandbox
from actzoo_grader.course import REPO, Course
from tests import test_attacks as attacks
from tests.users import USER, give_to, run_as, running_processes

ASSIGNMENT, FULL = attacks.ASSIGNMENT, attacks.FULL


# Memory taken by many processes, each within its own address-space limit:
# 12 x 400 MB, well past the 2 GiB the sandbox may hold in all.
SPREAD_MEMORY = """\
import os, time
for _ in range(12):
    if os.fork() == 0:
        hoard = bytearray(400 << 20)
        for i in range(0, len(hoard), 4096):
            hoard[i] = 1
        time.sleep(60)
        os._exit(0)
time.sleep(30)
"""


def test_the_rootless_command_makes_a_user_namespace(tmp_path, monkeypatch):
    if sandbox.bwrap() is None:
        pytest.skip("bubblewrap is not installed")
    monkeypatch.setattr(os, "geteuid", lambda: 4321)
    limits = sandbox.Limits(memory=1 << 30, processes=32)
    cmd = sandbox.command(["python", "-c", "pass"], tmp_path, 4321, limits)
    text = " ".join(cmd)
    for flag in ("--unshare-user", "--unshare-pid", "--unshare-net", "--nproc=32"):
        assert flag in text, flag
    assert "--reuid" not in text and "setpriv" not in text
    assert f"nice -n {sandbox.NICENESS} python" in text
    assert sandbox.isolation(4321).startswith("rootless: user+pid+net")
    assert sandbox.isolation(None).startswith("none")


def test_a_refusal_names_its_cause_and_remedy(monkeypatch, tmp_path):
    switch = tmp_path / "apparmor_restrict_unprivileged_userns"
    switch.write_text("1\n")
    monkeypatch.setattr(os, "geteuid", lambda: 4321)
    monkeypatch.setattr(
        sandbox,
        "USERNS_SWITCHES",
        ((str(switch), "1", "AppArmor forbids it: sudo sysctl x=0"),),
    )
    assert sandbox._userns_remedy() == "AppArmor forbids it: sudo sysctl x=0"
    switch.write_text("0\n")
    assert "seccomp" in sandbox._userns_remedy()


@pytest.fixture(scope="module")
def teacher(ordinary_user):
    """Return the ordinary user who grades here (made for the tests)."""
    return ordinary_user


@pytest.fixture
def shared_tmp(shared_folder):
    """Return a folder that the ordinary user may enter."""
    return shared_folder


@pytest.mark.slow
def test_an_ordinary_user_grades_in_sandboxes(teacher, shared_tmp):
    course = shared_tmp / "course"
    secret = Path(teacher.pw_dir) / "private-notes.txt"
    secret.write_text("the teacher's own file\n")
    shutil.chown(secret, teacher.pw_uid, teacher.pw_gid)
    ok, blank = attacks.solved(), attacks.blank()
    steal = attacks.STEAL.format(
        targets=[
            str(course / "gradebook.db"),
            str(REPO / "solutions"),
            str(secret),
            str(Path(teacher.pw_dir)),
        ]
    )
    batch = {
        "correct": (ok, FULL),
        "blank": (blank, 0.0),
        "fork_bomb": (attacks.with_cell(ok, attacks.FORK_BOMB, after=None), FULL),
        "memory_bomb": (
            attacks.with_cell(ok, attacks.MEMORY_BOMB, after="elu"),
            FULL,
        ),
        "setsid_child": (attacks.with_cell(ok, attacks.SETSID), FULL),
        "spread_memory": (attacks.with_cell(ok, SPREAD_MEMORY, after="elu"), FULL),
        "network": (attacks.with_cell(ok, attacks.NETWORK.format(port=9)), FULL),
        "steals": (attacks.with_cell(ok, steal, after=None), FULL),
    }
    for student, (nb, _) in batch.items():
        attacks._write(course / "submitted" / student / ASSIGNMENT, nb)
    give_to(teacher, course)
    run = run_as(
        teacher,
        attacks.grader_command(
            course,
            "autograde",
            ASSIGNMENT,
            "--jobs",
            "2",
            "--timeout",
            "20",
            "--memory-mb",
            "2048",
        ),
    )
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "sandbox: rootless: user+pid+net+ipc+uts namespaces" in out, out
    totals = attacks._totals(Course(root=course))
    assert totals == {s: want for s, (_, want) in batch.items()}, out
    spread = json.loads(
        (course / "reports" / ASSIGNMENT / "spread_memory.json").read_text()
    )
    assert spread["notebooks"][ASSIGNMENT]["memory_stops"] == 1, spread
    # Each report records the isolation it was graded under.
    for student in batch:
        report = json.loads(
            (course / "reports" / ASSIGNMENT / f"{student}.json").read_text()
        )
        assert report["isolation"].startswith("rootless"), report
    graded = course / "autograded" / "steals" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    text = "".join(
        "".join(o.get("text", ""))
        for c in json.loads(graded.read_text())["cells"]
        for o in c.get("outputs", [])
    )
    assert "FOUND []\n" in text and "WROTE" not in text, text
    assert secret.read_text() == "the teacher's own file\n"
    # Everything the grader wrote is the teacher's, and nothing of theirs
    # keeps running.
    assert {p.lstat().st_uid for p in course.rglob("*")} == {teacher.pw_uid}
    assert running_processes(USER) == []


@pytest.mark.slow
def test_an_ordinary_user_grades_without_a_sandbox_too(teacher, shared_tmp):
    """--no-sandbox as an ordinary user scores honestly, never 0 for all."""
    course = shared_tmp / "course"
    batch = {"correct": (attacks.solved(), FULL), "blank": (attacks.blank(), 0.0)}
    for student, (nb, _) in batch.items():
        attacks._write(course / "submitted" / student / ASSIGNMENT, nb)
    give_to(teacher, course)
    run = run_as(
        teacher,
        attacks.grader_command(course, "autograde", ASSIGNMENT, "--no-sandbox"),
        timeout=600,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "NO SANDBOX" in out and "2 graded, 0 failed" in out, out
    assert attacks._totals(Course(root=course)) == {"correct": FULL, "blank": 0.0}


@pytest.mark.slow
def test_make_autograde_and_grades_as_an_ordinary_user(teacher, shared_tmp):
    """The make targets of the README's grading section work as that user."""
    course = shared_tmp / "course"
    partial = attacks.solved({"relu", "elu"})
    batch = {
        "correct": (attacks.solved(), FULL),
        "partial": (partial, attacks.POINTS["test_relu"] + attacks.POINTS["test_elu"]),
        "blank": (attacks.blank(), 0.0),
    }
    for student, (nb, _) in batch.items():
        attacks._write(course / "submitted" / student / ASSIGNMENT, nb)
    give_to(teacher, course)
    # The interpreter the course environment was built with, as make wants.
    built = json.loads((REPO / ".venv" / ".installed").read_text())
    make = [
        "make",
        "-C",
        str(REPO),
        f"COURSE={course}",
        f"PYTHON={built['executable']}",
    ]
    for target in ("autograde", "grades"):
        run = run_as(teacher, [*make, target, f"ASSIGNMENT={ASSIGNMENT}"])
        out = run.stdout + run.stderr
        assert run.returncode == 0, out
    with open(course / "grades.csv", newline="") as fh:
        rows = {r["student"]: float(r["score"]) for r in csv.DictReader(fh)}
    assert rows == {s: want for s, (_, want) in batch.items()}
    assert (course / "grades.csv").stat().st_uid == teacher.pw_uid
