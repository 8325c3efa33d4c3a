"""The instructor's command line: ``python -m actzoo_grader <step> ...``.

Steps, in the order of a term:

``release``    regenerate ``exercises/`` from ``solutions/``, then the
               students' check's manifest from ``exercises/`` (``--check``
               only reports differences and fails if there are any)
``collect``    copy submissions into the course folder, from a folder
               ``<student>/<assignment>/<notebook>.ipynb`` or an LMS zip
``autograde``  run the hidden tests on the collected submissions, each in
               a sandbox, ``--jobs N`` at once here, or on the workers of
               a Dask scheduler (``--scheduler tcp://HOST:PORT``)
``grades``     write ``grades.csv`` and ``parts.csv`` (``--format canvas`` or
               ``moodle``: also the file that LMS's gradebook imports)
``feedback``   write one HTML page per student and notebook
``summary``    per assignment: the score distribution, each part's pass
               rate, failures and detections (text and a PNG)

Every step but ``release`` works in a course folder outside the repository,
given by ``--course`` (default: the ``ACTZOO_COURSE`` environment variable).
Its gradebook is ``gradebook.db`` there, or the database that ``--db URL``
(default: the ``ACTZOO_DB`` environment variable) names, such as
``postgresql://USER@HOST:PORT/DATABASE``.
"""

from __future__ import annotations

import argparse
import os
import sys
import zipfile
from pathlib import Path
from typing import TextIO

from actzoo_grader import sandbox
from actzoo_grader.autograde import Interrupted
from actzoo_grader.cluster import TIMEOUT
from actzoo_grader.course import REPO, Course, manifest_module
from actzoo_grader.gradebook import GradingError, backup_gradebook, check_gradebook
from actzoo_grader.sandbox import Limits
from actzoo_grader.text import inert


def say(line: str, file: TextIO | None = None) -> None:
    """Print one line; what students chose in it cannot steer the terminal."""
    print(inert(line), file=file)


def _course(args: argparse.Namespace) -> Course:
    if not args.course:
        raise SystemExit(
            "actzoo_grader: give the course folder with --course DIR "
            "or the ACTZOO_COURSE environment variable"
        )
    try:
        return Course(root=Path(args.course), db=args.db or None)
    except ValueError as exc:
        say(f"actzoo_grader: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _assignments(course: Course, names: list[str]) -> list[str]:
    return names or course.assignments()


def _autograde(course: Course, args: argparse.Namespace) -> int:
    from actzoo_grader.autograde import (
        SandboxUnavailable,
        autograde,
        submitted_students,
    )
    from actzoo_grader.executor import Executor, Guarded, LocalKernel

    executor: Executor
    if args.scheduler is not None:
        if args.plain:
            raise GradingError(
                "--plain is nbgrader's own execution on this machine; it "
                "cannot go to a Dask scheduler: drop one of them"
            )
        if args.jobs is not None:
            raise GradingError(
                "--jobs is for this machine; with --scheduler the workers' "
                "threads decide how many run at once: drop --jobs"
            )
        from actzoo_grader.cluster import Scheduler

        with Scheduler(args.scheduler, args.scheduler_timeout) as engine:
            say(f"engine: {engine.describe()}")
    if args.plain:
        executor = LocalKernel(timeout=args.timeout)
        say(
            "actzoo_grader: PLAIN nbgrader execution: student code runs "
            "unisolated and unchecked",
            file=sys.stderr,
        )
    else:
        executor = Guarded(
            limits=Limits(
                cell_timeout=args.timeout, wall=args.wall, memory=args.memory_mb << 20
            ),
            sandboxed=not args.no_sandbox,
        )
        if args.no_sandbox:
            say(
                "actzoo_grader: WARNING: NO SANDBOX. Student code runs as "
                f"{os.environ.get('USER', 'this user')} and can read and "
                "change everything this user can, the gradebook and "
                "solutions/ included. Tampering with the tests is still "
                "detected.",
                file=sys.stderr,
            )
        elif args.scheduler is not None:
            say(
                "sandbox: each worker's own, rootless where the worker is not "
                'root; each report says which ("isolation")'
            )
        elif not sandbox.check():
            # What the grader can do here, measured before anything runs.
            own = os.geteuid()
            say(f"sandbox: {sandbox.isolation(sandbox.FIRST_UID if own == 0 else own)}")
    check_gradebook(course, must_hold_grades=False)
    names = _assignments(course, args.assignments)
    for name in names:
        course.notebooks(name)  # an unknown name is an error, not 0 graded
    waiting = {name: submitted_students(course, name) for name in names}
    for name, students in waiting.items():
        if not students:
            say(
                f"{name}: WARNING: no submissions in {course.submitted_dir}; "
                "collect them first (make collect SUBMISSIONS=...)",
                file=sys.stderr,
            )
    if not any(waiting.values()):
        raise GradingError(
            f"nothing to grade: {course.submitted_dir} holds no submission of "
            f"{', '.join(names)}"
        )
    saved = backup_gradebook(course)
    if saved:
        say(f"actzoo_grader: the gradebook is backed up in {saved}")
    status = 0
    for name in (n for n in names if waiting[n]):
        try:
            result = autograde(
                course,
                name,
                args.students,
                executor,
                jobs=1 if args.jobs is None else args.jobs,
                scheduler=args.scheduler,
                scheduler_timeout=args.scheduler_timeout,
            )
        except SandboxUnavailable as exc:
            say(f"actzoo_grader: cannot make sandboxes: {exc}.", file=sys.stderr)
            say(
                "Follow the remedy above, or pass --no-sandbox to grade "
                "without isolation.",
                file=sys.stderr,
            )
            return 2
        for student in result.graded:
            say(f"{name}: graded {student} in {result.seconds[student]:.1f} s")
        for student, why in result.failed.items():
            say(f"{name}: FAILED {student}: {why}")
            status = 1
        if result.failed:
            say(
                f"{name}: {len(result.failed)} FAILED submission(s) were not "
                "scored (a row of zeros marks them): fix the cause given for "
                "each and autograde them again (--student ID)"
            )
        for student, lines in sorted(result.detections.items()):
            for line in lines:
                say(f"{name}: DETECTED {student}: {line}")
        say(
            f"{name}: {len(result.graded)} graded, {len(result.failed)} "
            f"failed in {result.wall_seconds:.0f} s; reports in "
            f"{course.reports(name)}"
        )
    return status


def _summary(course: Course, names: list[str]) -> int:
    """Print and write the summary of each assignment (``names``: all graded)."""
    from actzoo_grader.grades import part_scores
    from actzoo_grader.summary import write_summary

    for name in names:
        course.notebooks(name)  # an unknown name is an error
    check_gradebook(course, must_hold_grades=True)
    scores = part_scores(course)
    graded = sorted({r.assignment for r in scores})
    for name in names or graded:
        if name not in graded and not course.reports(name).is_dir():
            raise GradingError(f"nothing of {name} is graded yet: autograde first")
    if not (names or graded):
        raise GradingError(f"nothing is graded in {course.root}: autograde first")
    for name in names or graded:
        lines, txt, png = write_summary(course, name, scores)
        for line in lines.splitlines():
            say(line)
        say(f"{name}: wrote {txt} and {png}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one step of the workflow; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m actzoo_grader", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--course",
        default=os.environ.get("ACTZOO_COURSE"),
        help="the course folder (outside the repository)",
    )
    parser.add_argument(
        "--db",
        default=os.environ.get("ACTZOO_DB"),
        metavar="URL",
        help="the gradebook's SQLAlchemy URL, such as "
        "postgresql://USER@HOST:PORT/DATABASE (default: the ACTZOO_DB "
        "environment variable, else gradebook.db in the course folder)",
    )
    steps = parser.add_subparsers(dest="step", required=True)

    p = steps.add_parser(
        "release", help="regenerate exercises/ and the students' check's manifest"
    )
    p.add_argument("assignments", nargs="*")
    p.add_argument(
        "--check",
        action="store_true",
        help="only report how exercises/ and the manifest differ from a release",
    )

    p = steps.add_parser("collect", help="copy submissions in")
    p.add_argument("source", type=Path, help="a folder or an LMS zip")
    p.add_argument("--assignment", help="needed for a zip")
    p.add_argument(
        "--worksheet",
        type=Path,
        help="Moodle's grading worksheet of the same assignment (CSV): keys "
        "students by their Moodle user, which Moodle's grade import needs",
    )
    p.add_argument(
        "--due",
        help="the assignment's due date, for nbgrader's late penalty "
        "('2025-03-01 23:59', local time, or '2025-03-01 23:59 UTC')",
    )

    p = steps.add_parser("autograde", help="run the hidden tests")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--student", action="append", dest="students")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        help="submissions graded at once on this machine (default 1)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the submissions on the workers of the Dask scheduler at "
        "ADDRESS (tcp://HOST:PORT or tls://HOST:PORT); this machine stores "
        "them in the gradebook",
    )
    p.add_argument(
        "--scheduler-timeout",
        type=float,
        default=TIMEOUT,
        metavar="SECONDS",
        help=f"seconds to wait for the scheduler to answer (default {TIMEOUT:g})",
    )
    p.add_argument(
        "--timeout",
        type=int,
        default=Limits.cell_timeout,
        help=f"seconds a cell may run (default {Limits.cell_timeout})",
    )
    p.add_argument(
        "--wall",
        type=int,
        default=Limits.wall,
        help=f"seconds a notebook may run (default {Limits.wall})",
    )
    p.add_argument(
        "--memory-mb",
        type=int,
        default=Limits.memory >> 20,
        help=f"memory of a sandbox in MiB (default {Limits.memory >> 20})",
    )
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run student code WITHOUT isolation (every other "
        "guard stays on); only where sandboxes cannot be made",
    )
    p.add_argument(
        "--plain",
        action="store_true",
        help="plain nbgrader execution: no sandbox, no guard "
        "(for trusted notebooks and comparisons)",
    )

    p = steps.add_parser("grades", help="write grades.csv and parts.csv")
    p.add_argument("--out", type=Path, help="folder (default: the course)")
    p.add_argument(
        "--format",
        choices=("csv", "canvas", "moodle"),
        default="csv",
        help="canvas or moodle: also write canvas_grades.csv or "
        "moodle_grades.csv for that gradebook's import",
    )

    p = steps.add_parser("feedback", help="write HTML feedback")
    p.add_argument("assignments", nargs="*")

    p = steps.add_parser(
        "summary", help="score distribution, pass rates, failures, detections"
    )
    p.add_argument("assignments", nargs="*")

    args = parser.parse_args(argv)

    if args.step == "release":
        from actzoo_grader.release import release, release_differences

        if args.check:
            problems = release_differences(args.assignments or None, REPO)
            for line in problems:
                say(line)
            say(
                "exercises/ and the manifest match a fresh release"
                if not problems
                else f"{len(problems)} file(s) differ"
            )
            return 1 if problems else 0
        for path in release(args.assignments or None, REPO):
            say(f"released {path.relative_to(REPO)}")
        say(f"wrote {manifest_module(REPO).relative_to(REPO)}")
        return 0

    course = _course(args)
    try:
        return _step(course, args)
    except Interrupted as exc:
        say(f"actzoo_grader: {exc}", file=sys.stderr)
        return 130
    except (GradingError, ValueError, FileNotFoundError, zipfile.BadZipFile) as exc:
        say(f"actzoo_grader: {exc}", file=sys.stderr)
        return 2
    except PermissionError as exc:
        say(
            f"actzoo_grader: {exc.filename or course.root}: permission denied; "
            "run the step as the user who owns the course folder",
            file=sys.stderr,
        )
        return 2
    finally:
        course.give_to_owner()


def _step(course: Course, args: argparse.Namespace) -> int:
    """Run one step that works in the course folder; return the exit status."""
    if args.step != "collect" and not course.root.is_dir():
        raise GradingError(
            f"no course folder at {course.root}: collect submissions into it "
            "first (make collect COURSE=... SUBMISSIONS=...)"
        )
    if args.step == "collect":
        from actzoo_grader.collect import LAYOUTS, collect_folder, collect_zip
        from actzoo_grader.late import parse_due

        if not args.source.exists():
            raise GradingError(f"no such file or folder: {args.source}")
        if args.source.is_file() and not zipfile.is_zipfile(args.source):
            raise GradingError(
                f"{args.source} is not a zip file: give an LMS export (.zip) "
                "or a folder <student>/<assignment>/<notebook>.ipynb"
            )
        try:
            due = parse_due(args.due) if args.due else None
            if args.source.is_file():
                if not args.assignment:
                    raise SystemExit("actzoo_grader collect: a zip needs --assignment")
                result = collect_zip(
                    course,
                    args.source,
                    args.assignment,
                    worksheet=args.worksheet,
                    due=due,
                )
            else:
                if args.worksheet:
                    raise ValueError("--worksheet goes with a Moodle export zip")
                result = collect_folder(course, args.source, args.assignment, due=due)
        except (ValueError, FileNotFoundError) as exc:
            # A refused collection (an empty name, two names with one id)
            # copies nothing; the message names the files.
            say(f"actzoo_grader collect: nothing collected: {exc}", file=sys.stderr)
            return 2
        for line in result.notes:
            say(f"note: {line}")
        for line in result.skipped:
            say(f"skipped {line}")
        for sid, assignment in result.without_notebook:
            say(
                f"{assignment}: {sid} ({result.names[sid]!r}) handed in nothing "
                "gradable: a row of zeros, with the files skipped above"
            )
        say(
            f"collected {len(result.copied)} notebook(s) from "
            f"{len(result.students)} student(s); {len(result.late)} marked "
            f"late, {len(result.timestamps)} with a submission time "
            "(timestamp.txt); who is who: student_ids.json"
        )
        if not result.copied and not result.without_notebook:
            say(
                f"actzoo_grader collect: nothing collected from {args.source}: "
                f"expected {LAYOUTS}",
                file=sys.stderr,
            )
            return 1
        return 0

    if args.step == "autograde":
        return _autograde(course, args)

    if args.step == "summary":
        return _summary(course, args.assignments)

    if args.step == "grades":
        from actzoo_grader.grades import part_scores, write_csv

        check_gradebook(course, must_hold_grades=True)
        if not part_scores(course):
            raise GradingError(f"the gradebook of {course.root} holds no grades yet")
        for path in write_csv(course, args.out):
            say(f"wrote {path}")
        if args.format != "csv":
            from actzoo_grader.lms_grades import write_lms_grades

            path, notes = write_lms_grades(course, args.format, args.out)
            for line in notes:
                say(f"note: {line}")
            say(f"wrote {path}")
        return 0

    from actzoo_grader.feedback import write_feedback

    names = _assignments(course, args.assignments)
    for name in names:
        course.notebooks(name)  # an unknown name is an error, not 0 pages
    check_gradebook(course, must_hold_grades=True)
    written = 0
    for name in names:
        pages = write_feedback(course, name)
        say(f"{name}: wrote {len(pages)} feedback page(s)")
        written += len(pages)
    if not written:
        raise GradingError(
            f"no feedback written: nothing of {', '.join(names)} is "
            "autograded yet; autograde first"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
