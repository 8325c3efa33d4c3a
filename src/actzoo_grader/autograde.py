"""Return the result of autograding the collected submissions of an assignment.

Grading runs in two stages, so that many submissions can run at once and
still land in one gradebook exactly as if graded one at a time:

1. **Run** (in parallel, ``jobs`` worker processes). Each submission's
   notebook is rebuilt on the release with the hidden tests put back
   (:func:`actzoo_grader.rebuild.sanitize`), then executed under guard in a
   sandbox (:func:`actzoo_grader.run.run_notebook`). Workers never touch the
   gradebook; each writes the executed notebook and a JSON report to a
   staging folder of the course.
2. **Store** (in this process, one submission at a time, as runs finish).
   nbgrader's own ``Autograde`` converter reads the executed notebook
   instead of executing anything, scores every graded cell, applies late
   penalties and writes the gradebook and ``autograded/``.

A submission that cannot be read or run is reported and scores 0; the
batch goes on.
"""

from __future__ import annotations

import glob
import json
import multiprocessing
import os
import shutil
import stat
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from actzoo_grader import sandbox
from actzoo_grader.collect import MAX_NOTEBOOK_BYTES
from actzoo_grader.course import Course, nbgrader_environment
from actzoo_grader.executor import Executor, Guarded, LocalKernel
from actzoo_grader.rebuild import KEY, is_test, read_notebook, role, sanitize
from actzoo_grader.run import run_notebook
from actzoo_grader.static_scan import imported_modules
from actzoo_grader.text import inert


class SandboxUnavailable(RuntimeError):
    """Sandboxes cannot be made here; the message says why."""


@dataclass
class AutogradeResult:
    """Which students were graded, which failed, and what was detected."""

    assignment: str
    graded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    detections: dict[str, list[str]] = field(default_factory=dict)
    wall_seconds: float = 0.0


def _course_row(gradebook: Any, db_url: str, course_id: object) -> None:
    """Add the gradebook's row of nbgrader's course ``course_id`` if it lacks it.

    nbgrader records each assignment under the configured course ID, ``""``
    unless set, but makes no row for an empty ID. SQLite never checks the
    reference; PostgreSQL refuses an assignment without its course's row.
    """
    from nbgrader.api import Course as CourseRow
    from sqlalchemy.exc import IntegrityError

    name = course_id if isinstance(course_id, str) else ""
    with gradebook(db_url) as gb:
        if gb.db.get(CourseRow, name) is None:
            gb.db.add(CourseRow(id=name))
            try:
                gb.db.commit()
            except IntegrityError:  # another grading job added it first
                gb.db.rollback()


def prepare(course: Course, assignment: str) -> None:
    """Record ``assignment``'s source cells and points in the gradebook.

    This is nbgrader's ``generate_assignment`` into the course folder: the
    gradebook then knows every graded cell, hidden tests included, which
    autograding puts back into each submission.
    """
    from nbgrader.api import Gradebook
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    course.notebooks(assignment)  # a clear error for an unknown name
    course.root.mkdir(parents=True, exist_ok=True)
    config = course.config(assignment_id=assignment)
    config.BaseConverter.force = True
    with nbgrader_environment():
        _course_row(Gradebook, course.db_url, config.CourseDirectory.course_id)
        coursedir = CourseDirectory(config=config)
        GenerateAssignment(coursedir=coursedir, config=config).start()


def links_in(folder: Path) -> list[Path]:
    """Return what under ``folder`` is not a plain file or folder, unfollowed.

    Symbolic links (and pipes, sockets, devices) in a submission are never
    followed or read: a link could point at ``solutions/``, the gradebook,
    another student's work or a file the grading user alone may read.
    """
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            mode = path.lstat().st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                found.append(path)
    return sorted(found)


def linked_folder(course: Course, assignment: str, student: str) -> str | None:
    """Return why a student's submission folder cannot be graded, or None.

    The student's folder and its assignment folder must be real folders,
    never links: a link there would make the grader read (and nbgrader
    copy) whatever it points at as the student's own work.
    """
    student_dir = course.submitted_dir / student
    for path in (student_dir, student_dir / assignment):
        if path.is_symlink() or not path.is_dir():
            return (
                f"{path.relative_to(course.root)} is a link or not a folder; "
                "links are never followed, so nothing of it was graded"
            )
    return None


def submitted_students(course: Course, assignment: str) -> list[str]:
    """Return the students with a collected submission of ``assignment``."""
    folder = course.submitted_dir
    return sorted(p.parent.name for p in folder.glob(f"*/{assignment}") if p.is_dir())


def source_cells(course: Course, assignment: str) -> dict[str, dict[str, str]]:
    """Return ``{notebook: {grade_id: source}}`` of the locked source cells.

    These are the instructor's cells as the gradebook holds them, hidden
    tests included.
    """
    from nbgrader.api import Gradebook

    found: dict[str, dict[str, str]] = {}
    with nbgrader_environment(), Gradebook(course.db_url) as gb:
        for nb in gb.find_assignment(assignment).notebooks:
            found[nb.name] = {c.name: c.source for c in nb.source_cells if c.locked}
    return found


# ------------------------------------------------------------ stage 1: run


@dataclass(frozen=True)
class _Task:
    course: Course
    work_root: Path
    assignment: str
    student: str
    notebooks: tuple[str, ...]
    sources: dict[str, dict[str, str]]
    executor: Guarded


#: The sandbox user id this worker holds for its lifetime (sandboxed runs).
_LEASE: sandbox.UidLease | None = None


def _init_worker(sandboxed: bool) -> None:
    global _LEASE
    if sandboxed and os.geteuid() == 0:
        _LEASE = sandbox.UidLease.claim()


def _cannot_read(path: Path, links: list[Path]) -> str | None:
    """Return why the notebook at ``path`` is not read, or None."""
    if path in links:
        return f"{path.name} is a link, which is not followed"
    if not path.is_file():
        return f"{path.name} is missing"
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        return (
            f"{path.name} is {size:,} bytes, more than the "
            f"{MAX_NOTEBOOK_BYTES:,} a notebook may have"
        )
    return None


def run_submission(task: _Task) -> dict[str, Any]:
    """Return the report of running one student's notebooks (stage 1)."""
    executor = task.executor
    uid: int | None = None
    if executor.sandboxed:
        # Root gives each job a user id of its own; an ordinary grader's
        # sandbox runs as the grader, in a user namespace of its own.
        uid = _LEASE.uid if _LEASE is not None else os.geteuid()
    folder = task.course.submitted(task.assignment, task.student)
    out = task.course.staging(task.assignment) / task.student
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    report: dict[str, Any] = {
        "student": task.student,
        "notebooks": {},
        "notes": [],
        "isolation": sandbox.isolation(uid),
    }
    refused = linked_folder(task.course, task.assignment, task.student)
    if refused:
        report["notes"].append(refused)
        return report
    links = links_in(folder)
    report["notes"] += [
        f"{p.relative_to(folder)} is a link: it was not followed or read" for p in links
    ]
    present = sorted(p.stem for p in folder.glob("*.ipynb") if p not in links)
    for name in sorted(set(present) - set(task.notebooks)):
        report["notes"].append(
            f"{name}.ipynb is not a notebook of this assignment and was not "
            f"graded (expected {', '.join(n + '.ipynb' for n in task.notebooks)})"
        )
    for name in task.notebooks:
        path = folder / f"{name}.ipynb"
        why = _cannot_read(path, links)
        if why is None:
            try:
                submitted = read_notebook(path)
            except Exception as exc:
                why = (
                    f"{name}.ipynb cannot be read as a notebook: "
                    f"{type(exc).__name__}: {str(exc)[:200]}"
                )
        if why is not None:
            report["notes"].append(why + "; it scores 0")
            (out / f"{name}.error").write_text(why)
            continue
        release = read_notebook(task.course.released(task.assignment) / f"{name}.ipynb")
        clean, findings = sanitize(submitted, release)
        hidden = task.sources.get(name, {})
        for cell in clean.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if role(cell) in ("test", "given") and gid in hidden:
                cell.source = hidden[gid]
        sources = [
            c.source
            for c in clean.cells
            if c.cell_type == "code" and role(c) in ("given", "test")
        ]
        workdir = sandbox.make_workdir(task.work_root, uid, f"w{os.getpid()}")
        try:
            for extra in folder.rglob("*"):
                if (
                    extra.is_file()
                    and not extra.is_symlink()
                    and extra.suffix != ".ipynb"
                ):
                    target = workdir / extra.relative_to(folder)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(extra, target)
            if uid is not None:
                for p in workdir.rglob("*"):
                    os.chown(p, uid, uid)
            run = run_notebook(
                clean,
                workdir,
                uid=uid,
                limits=executor.limits,
                modules=imported_modules(sources),
                findings=findings,
            ).as_dict()
        finally:
            sandbox.remove_tree(workdir)
        for cell in clean.cells:
            cell.metadata.pop(KEY, None)
        nbformat.write(clean, out / f"{name}.ipynb")
        report["notebooks"][name] = run
        if run.get("failure"):
            report["failed"] = f"{name}.ipynb: {run['failure']}"
    return report


# ------------------------------------------------------------ stage 2: store


class UseExecuted(NbGraderPreprocessor):
    """nbgrader preprocessor: take the notebook stage 1 executed.

    When stage 1 could not run a notebook, the released notebook stands in
    for it (never what nbgrader read from the submission, which may be a
    link to the instructor's solution), and every test cell gets an error
    output naming the reason, so it scores 0 and the feedback says why.
    """

    staging_root = Unicode("").tag(config=True)
    release_root = Unicode("").tag(config=True)

    def preprocess(self, nb, resources):
        """Return the executed notebook of this student, or a failed one."""
        info = resources["nbgrader"]
        folder = Path(self.staging_root) / info["student"]
        path = folder / f"{info['notebook']}.ipynb"
        if path.is_file():
            return read_notebook(path), resources
        error = folder / f"{info['notebook']}.error"
        why = (
            error.read_text()
            if error.is_file()
            else "the grader could not run this notebook"
        )
        released = Path(self.release_root) / f"{info['notebook']}.ipynb"
        if released.is_file():
            nb = read_notebook(released)
        for cell in nb.cells:
            if is_test(cell):
                cell.outputs = [
                    nbformat.v4.new_output(
                        "error", ename="NotGraded", evalue=why, traceback=[why]
                    )
                ]
        return nb, resources


def _store(course: Course, assignment: str, student: str, staging: Path) -> str | None:
    """Write one student's executed notebooks into the gradebook.

    Returns None, or nbgrader's reason for failing. Links in the submission
    are among the files nbgrader ignores, so it never copies their targets
    into ``autograded/``.
    """
    refused = linked_folder(course, assignment, student)
    if refused:
        record_zero(course, assignment, student)
        return refused
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    config = course.config(assignment_id=assignment, student_id=student)
    config.BaseConverter.force = True
    config.Autograde.sanitize_preprocessors = [UseExecuted]
    config.Autograde.autograde_preprocessors = [
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    config.UseExecuted.staging_root = str(staging)
    config.UseExecuted.release_root = str(course.released(assignment))
    links = links_in(course.submitted(assignment, student))
    if links:
        default = CourseDirectory.class_traits()["ignore"].default()
        ignored = list(config.CourseDirectory.get("ignore", default))
        config.CourseDirectory.ignore = ignored + sorted(
            {glob.escape(p.name) for p in links}
        )
    # nbgrader writes into a folder of its own; the student's earlier
    # autograded/ output is replaced only once the new one is complete.
    pending = course.root / PENDING
    shutil.rmtree(pending, ignore_errors=True)
    config.CourseDirectory.autograded_directory = PENDING
    try:
        with nbgrader_environment():
            coursedir = CourseDirectory(config=config)
            Autograde(coursedir=coursedir, config=config).start()
    except NbGraderException as exc:
        shutil.rmtree(pending, ignore_errors=True)
        record_zero(course, assignment, student)
        return str(exc) or type(exc).__name__
    replace_folder(
        pending / student / assignment, course.autograded(assignment, student)
    )
    shutil.rmtree(pending, ignore_errors=True)
    return None


#: Where nbgrader writes a student's autograded notebooks before they
#: replace the earlier ones (in the course folder, so a rename moves them).
PENDING = ".autograded-pending"


def replace_folder(new: Path, old: Path) -> None:
    """Put the folder ``new`` where ``old`` is, with no moment of neither.

    ``old`` is renamed aside, ``new`` renamed into its place, and only then
    is the earlier one deleted; both are in the same file system, so each
    rename is atomic.
    """
    old.parent.mkdir(parents=True, exist_ok=True)
    aside = old.with_name(old.name + ".old")
    if aside.exists():
        shutil.rmtree(aside)
    if old.exists():
        old.rename(aside)
    new.rename(old)
    shutil.rmtree(aside, ignore_errors=True)


def record_zero(course: Course, assignment: str, student: str) -> None:
    """Record 0 for every ungraded cell of a submission that failed.

    nbgrader records nothing for a submission without a notebook it can
    read, so the student would be missing from the grades; here they
    appear, with 0 for every part nothing scored.
    """
    from nbgrader.api import Gradebook

    with nbgrader_environment(), Gradebook(course.db_url) as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.auto_score is None and grade.manual_score is None:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
        gb.db.commit()


def _detections(report: dict[str, Any]) -> list[str]:
    lines = list(report.get("notes", []))
    for name, run in report.get("notebooks", {}).items():
        for f in run.get("findings", []):
            if f["tampering"]:
                lines.append(f"{name}: {f['kind']} in {f['cell']}: {f['detail']}")
        if run.get("restarts"):
            lines.append(
                f"{name}: the kernel died {run['restarts']} time(s) and was restarted"
            )
        if run.get("timeouts"):
            lines.append(f"{name}: {run['timeouts']} cell(s) timed out")
        if run.get("output_dropped"):
            lines.append(f"{name}: output beyond the limit was dropped")
        if run.get("leftover_processes"):
            lines.append(
                f"{name}: {run['leftover_processes']} process(es) "
                "were still running and were killed"
            )
    return lines


class Progress:
    """A one-line progress bar: counts, failures, time left."""

    def __init__(
        self, total: int, label: str, stream: TextIO | None = None, width: int = 28
    ) -> None:
        self.total, self.label, self.width = total, label, width
        self.stream = stream if stream is not None else sys.stderr
        self.done = self.failed = self.flagged = 0
        self.start = time.monotonic()
        self.tty = getattr(self.stream, "isatty", lambda: False)()

    def update(self, student: str, ok: bool, flagged: bool) -> None:
        """Count one finished submission and redraw the bar."""
        self.done += 1
        self.failed += not ok
        self.flagged += flagged
        elapsed = time.monotonic() - self.start
        left = elapsed / self.done * (self.total - self.done)
        filled = round(self.width * self.done / max(self.total, 1))
        bar = "#" * filled + "." * (self.width - filled)
        line = (
            f"{self.label} [{bar}] {self.done}/{self.total} graded, "
            f"{self.failed} failed, {self.flagged} flagged, "
            f"{elapsed:.0f} s, ~{left:.0f} s left"
        )
        line = inert(line)
        if self.tty:
            end = "\n" if self.done == self.total else ""
            self.stream.write("\r" + line + end)
        else:
            self.stream.write(f"{line}  ({inert(student)})\n")
        self.stream.flush()


def autograde(
    course: Course,
    assignment: str,
    students: list[str] | None = None,
    executor: Executor | None = None,
    jobs: int = 1,
    progress: TextIO | None = None,
) -> AutogradeResult:
    """Return the outcome of autograding ``assignment`` for ``students``.

    Parameters
    ----------
    course
        The course folder with the collected submissions.
    assignment
        The assignment's name, a folder of ``solutions/``.
    students
        Whom to grade; every student with a submission when None.
    executor
        :class:`actzoo_grader.executor.Guarded` (the default) or plain nbgrader
        execution, :class:`actzoo_grader.executor.LocalKernel`.
    jobs
        Submissions run at once (guarded executor only).
    progress
        Where the progress bar goes; standard error when None.

    Raises
    ------
    SandboxUnavailable
        If the executor wants sandboxes and this machine cannot make them.
    """
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    if executor is None:
        executor = Guarded()
    if isinstance(executor, Guarded) and executor.sandboxed:
        why = sandbox.check()
        if why:
            raise SandboxUnavailable(why)
    start = time.monotonic()
    prepare(course, assignment)
    names = students or submitted_students(course, assignment)
    if isinstance(executor, LocalKernel):
        result = _plain(course, assignment, names, executor)
    else:
        result = _guarded(course, assignment, names, executor, jobs, progress)
    result.wall_seconds = time.monotonic() - start
    return result


def _plain(
    course: Course, assignment: str, names: list[str], executor: LocalKernel
) -> AutogradeResult:
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory

    result = AutogradeResult(assignment)
    for student in names:
        config = course.config(assignment_id=assignment, student_id=student)
        config.BaseConverter.force = True
        executor.configure(config)
        begin = time.perf_counter()
        try:
            with nbgrader_environment():
                coursedir = CourseDirectory(config=config)
                Autograde(coursedir=coursedir, config=config).start()
        except NbGraderException as exc:
            result.failed[student] = str(exc) or type(exc).__name__
        else:
            result.graded.append(student)
        result.seconds[student] = time.perf_counter() - begin
    return result


def _guarded(
    course: Course,
    assignment: str,
    names: list[str],
    executor: Guarded,
    jobs: int,
    progress: TextIO | None,
) -> AutogradeResult:
    result = AutogradeResult(assignment)
    staging = course.staging(assignment)
    course.reports(assignment).mkdir(parents=True, exist_ok=True)
    notebooks = tuple(course.notebooks(assignment))
    sources = source_cells(course, assignment)
    work_root = Path(tempfile.mkdtemp(prefix="actzoo-grade-"))
    bar = Progress(len(names), assignment, progress)
    context = multiprocessing.get_context("spawn")
    tasks = {
        student: _Task(
            course,
            work_root,
            assignment,
            student,
            notebooks,
            sources,
            executor,
        )
        for student in names
    }
    try:
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=context,
            initializer=_init_worker,
            initargs=(executor.sandboxed,),
        ) as pool:
            begun = {
                pool.submit(run_submission, task): student
                for student, task in tasks.items()
            }
            try:
                done = as_completed(begun)
                for future in done:
                    student = begun[future]
                    report = _outcome(future, student)
                    _store_one(course, assignment, student, staging, report, result)
                    bar.update(
                        student,
                        student not in result.failed,
                        bool(result.detections[student]),
                    )
            except KeyboardInterrupt:
                # Stop: no new submission starts, and the running ones end
                # with their workers (each sandbox dies with its parent).
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.terminate()
                pool.shutdown(wait=True, cancel_futures=True)
                raise Interrupted(len(result.graded) + len(result.failed)) from None
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    result.graded.sort()
    return result


class Interrupted(Exception):
    """Autograding was interrupted; ``stored`` submissions were stored."""

    def __init__(self, stored: int) -> None:
        super().__init__(f"interrupted: {stored} stored, run again to finish")
        self.stored = stored


def _outcome(future: Any, student: str) -> dict[str, Any]:
    """Return a finished run's report; a run that raised is a failed one."""
    try:
        return future.result()
    except Exception as exc:
        why = f"the grader could not run it: {type(exc).__name__}: {exc}"
        return {"student": student, "notebooks": {}, "notes": [], "failed": why}


def _store_one(
    course: Course,
    assignment: str,
    student: str,
    staging: Path,
    report: dict[str, Any],
    result: AutogradeResult,
) -> None:
    """Write one run's report and store its scores, or record it FAILED.

    A run that says nothing about the student's work (``report["failed"]``)
    is not scored: the student gets a row of zeros, marked FAILED with the
    reason, so that a rerun after the fix grades it.
    """
    course.report(assignment, student).write_text(json.dumps(report, indent=1) + "\n")
    began = time.perf_counter()
    failure = report.get("failed")
    if failure:
        record_zero(course, assignment, student)
    else:
        failure = _store(course, assignment, student, staging)
    if failure:
        result.failed[student] = failure
    else:
        result.graded.append(student)
    result.detections[student] = _detections(report)
    # The submission's own time: its runs and its storing, not the time it
    # waited for a free job.
    result.seconds[student] = (
        time.perf_counter()
        - began
        + sum(run.get("seconds", 0.0) for run in report.get("notebooks", {}).values())
    )
