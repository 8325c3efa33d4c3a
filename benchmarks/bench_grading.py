"""Benchmark: autograding throughput, plain nbgrader against the guarded grader.

One batch of exercise 1 submissions (correct, partly correct and blank, in
a fixed mix) is graded four ways, each from a fresh copy of the same
collected course folder:

1. ``nbgrader autograde``: plain nbgrader's command, one student after
   another, kernels unisolated and unchecked;
2. guarded, without the sandbox, one job: every guard but isolation, to
   measure what the sandbox itself costs;
3. guarded and sandboxed, one job;
4. guarded and sandboxed, two jobs;
5. and 6. the command line run by an ordinary user (made for the
   benchmark when it runs as root), which is how most instructors grade:
   guarded without a sandbox, and guarded in the rootless sandbox, one job
   each, so that the rootless sandbox's cost is measured against the same
   command.

It prints the seconds, submissions per minute and the ratios side by side,
checks that every way gives every student the same score, and writes the
seconds, with the machine and the date, to the section ``guard`` of
``chapters/hands_on/data/grading_scale.json`` (:mod:`record`), which the
grading-at-scale page reads.

Run: ``.venv/bin/python benchmarks/bench_grading.py [--students 20]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from record import record

from actzoo_grader.autograde import autograde, prepare
from actzoo_grader.collect import collect_folder
from actzoo_grader.course import REPO, Course, nbgrader_environment
from actzoo_grader.executor import Guarded
from actzoo_grader.grades import part_scores

# Submissions are made as the tests make them (tests/notebooks.py), found
# from the repository root, which running this file does not put on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests import users
from tests.notebooks import with_answers

ASSIGNMENT = "ex1_activations"
#: The key of each way of grading in the written file, in the order run.
KEYS = (
    "plain",
    "guarded_no_sandbox",
    "sandboxed_1_job",
    "sandboxed_2_jobs",
    "user_no_sandbox",
    "user_rootless",
)


def submissions(inbox: Path, count: int) -> None:
    """Write ``count`` submissions: 2 of 4 correct, 1 partly, 1 blank."""
    source = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    released = REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    mix = [None, None, {"relu", "leaky_relu", "elu"}, set()]
    for i in range(count):
        nb = with_answers(source, released, mix[i % 4])
        folder = inbox / f"student{i:03d}" / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(nb))


def totals(course: Course) -> dict[str, float]:
    """Return each student's total score in the gradebook."""
    out: dict[str, float] = {}
    for part in part_scores(course, ASSIGNMENT):
        out[part.student] = out.get(part.student, 0.0) + part.score
    return out


def plain_nbgrader(course: Course) -> float:
    """Return the seconds ``nbgrader autograde`` takes for the batch."""
    config = course.root / "nbgrader_config.py"
    release = course.release_dir.name
    config.write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course.root)!r}\n"
        f"c.CourseDirectory.source_directory = {str(course.solutions)!r}\n"
        f"c.CourseDirectory.release_directory = {release!r}\n"
        f"c.CourseDirectory.db_url = {course.db_url!r}\n"
        "c.Execute.timeout = 120\n"
    )
    nbgrader = Path(sys.executable).with_name("nbgrader")
    start = time.perf_counter()
    with nbgrader_environment():
        subprocess.run(
            [str(nbgrader), "autograde", ASSIGNMENT, "--force"],
            cwd=course.root,
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - start


def as_user(template: Course, *flags: str) -> tuple[float, dict[str, float]] | None:
    """Return the seconds and totals of grading as an ordinary user, or None.

    ``flags`` go to ``autograde`` (``--no-sandbox``, say). Only root can
    grade as another user here (the tests' user, made when missing); the
    course copy is given to that user.
    """
    import os

    if os.geteuid() != 0:
        return None
    shared = Path(tempfile.mkdtemp(prefix="bench-rootless-"))
    shared.chmod(0o755)
    try:
        with users.ordinary_user() as user:
            course = Course(shared / "course")
            shutil.copytree(template.root, course.root, symlinks=True)
            users.give_to(user, course.root)
            command = [sys.executable, "-m", "actzoo_grader"]
            start = time.perf_counter()
            run = users.run_as(
                user, [*command, "--course", str(course.root), "autograde", *flags]
            )
            seconds = time.perf_counter() - start
            if run.returncode != 0:
                raise SystemExit(run.stdout + run.stderr)
            return seconds, totals(course)
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        submissions(tmp / "inbox", args.students)
        template = Course(tmp / "template")
        collect_folder(template, tmp / "inbox", ASSIGNMENT)
        prepare(template, ASSIGNMENT)

        def fresh(name: str) -> Course:
            shutil.copytree(template.root, tmp / name)
            return Course(tmp / name)

        rows: list[tuple[str, float, dict[str, float]]] = []
        course = fresh("plain")
        seconds = plain_nbgrader(course)
        rows.append(("nbgrader autograde (plain)", seconds, totals(course)))
        for label, executor, jobs in (
            ("guarded, no sandbox, 1 job", Guarded(sandboxed=False), 1),
            ("guarded, sandboxed, 1 job", Guarded(), 1),
            ("guarded, sandboxed, 2 jobs", Guarded(), 2),
        ):
            course = fresh(label.replace(" ", "_").replace(",", ""))
            start = time.perf_counter()
            result = autograde(
                course,
                ASSIGNMENT,
                executor=executor,
                jobs=jobs,
                progress=open("/dev/null", "w"),
            )
            seconds = time.perf_counter() - start
            assert not result.failed, result.failed
            rows.append((label, seconds, totals(course)))
        plain_user = as_user(template, ASSIGNMENT, "--no-sandbox")
        rootless = as_user(template, ASSIGNMENT)
        if plain_user is not None and rootless is not None:
            rows.append(("user: guarded, no sandbox", *plain_user))
            rows.append(("user: guarded, rootless", *rootless))

    n = args.students
    base = rows[0][1]
    print(
        f"Autograding {n} submissions of {ASSIGNMENT} "
        f"(2 of 4 correct, 1 partly, 1 blank)\n"
    )
    print(f"{'grader':<30} {'seconds':>8} {'per min':>8} {'s/sub':>6} {'vs plain':>8}")
    for label, seconds, _ in rows:
        print(
            f"{label:<30} {seconds:8.1f} {60 * n / seconds:8.1f} "
            f"{seconds / n:6.2f} {base / seconds:7.2f}x"
        )
    unsandboxed, sandboxed = rows[1][1], rows[2][1]
    print(
        f"\nthe sandbox adds {100 * (sandboxed / unsandboxed - 1):+.1f}% "
        f"per submission (1 job, guarded with and without it)"
    )
    print(
        f"the guard and sandbox add "
        f"{100 * (sandboxed / base - 1):+.1f}% per submission against "
        f"plain nbgrader (1 job)"
    )
    if len(rows) > 5:
        print(
            f"the rootless sandbox adds {100 * (rows[5][1] / rows[4][1] - 1):+.1f}% "
            "per submission against no sandbox (an ordinary user's command "
            "line, 1 job)"
        )
    else:
        print("(no rootless row: it needs root, to grade as an ordinary user)")
    same = all(r[2] == rows[0][2] for r in rows)
    print(f"every grader gave every student the same score: {same}")
    if not same:
        raise SystemExit("scores differ between graders")
    path = record(
        "guard",
        {
            "assignment": ASSIGNMENT,
            "submissions": n,
            "mix": "2 of 4 correct, 1 partly, 1 blank",
            "seconds": {k: round(r[1], 2) for k, r in zip(KEYS, rows)},
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
