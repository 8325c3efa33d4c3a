"""Return the result of autograding the collected submissions of an assignment.

Grading runs in two stages, so that many submissions can run at once and
still land in one gradebook exactly as if graded one at a time:

1. **Run** (in parallel: ``jobs`` worker processes of this machine, or the
   workers of a Dask scheduler on other machines, :mod:`actzoo_grader.cluster`).
   This process packs each submission's files and what its run needs as
   plain data (:func:`pack_submission`); a worker rebuilds each notebook
   on the release with the hidden tests put back
   (:func:`actzoo_grader.rebuild.sanitize`), executes it under guard in a
   sandbox (:func:`actzoo_grader.run.run_notebook`) and answers with the
   executed notebooks and a report as JSON text (:func:`run_packed`).
   Workers never touch the course folder or the gradebook.
2. **Store** (in this process, one submission at a time, as runs finish).
   The answer is unpacked into a staging folder of the course
   (:func:`unpack_run`); nbgrader's own ``Autograde`` converter reads the
   executed notebook instead of executing anything, scores every graded
   cell, applies late penalties and writes the gradebook and
   ``autograded/``.

A submission that cannot be read or run is reported and scores 0; the
batch goes on.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import functools
import glob
import hashlib
import io
import json
import multiprocessing
import os
import shutil
import socket
import stat
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from actzoo_grader import cluster, sandbox
from actzoo_grader.collect import MAX_NOTEBOOK_BYTES
from actzoo_grader.course import Course, nbgrader_environment
from actzoo_grader.executor import Executor, Guarded, LocalKernel
from actzoo_grader.rebuild import KEY, is_test, read_notebook, role, sanitize
from actzoo_grader.run import run_notebook
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
    #: Seconds this process took to store each run (stage 2): its gradebook
    #: writes, one submission at a time.
    store_seconds: dict[str, float] = field(default_factory=dict)


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
#
# A run is a function of plain data, so that it can run anywhere: on a
# worker process of this machine, or on a Dask worker that sees no course
# folder. The coordinator packs a submission (pack_submission: its files
# as bytes, the release, the hidden tests, the limits), a worker runs it
# (run_packed) and answers with JSON text, never a pickled object, and the
# coordinator unpacks that into its staging folder (unpack_run).


@dataclass(frozen=True)
class _Plan:
    """What every submission of one batch is run with, as plain data."""

    notebooks: tuple[str, ...]
    releases: dict[str, str]
    sources: dict[str, dict[str, str]]
    limits: dict[str, int]
    sandboxed: bool
    #: The digest of the grader the workers must run, or None: the
    #: processes of this machine run this machine's grader.
    grader: str | None


def _plan(
    course: Course, assignment: str, executor: Guarded, remote: bool = False
) -> _Plan:
    notebooks = tuple(course.notebooks(assignment))
    released = course.released(assignment)
    return _Plan(
        notebooks=notebooks,
        releases={
            name: (released / f"{name}.ipynb").read_text(encoding="utf-8")
            for name in notebooks
        },
        sources=source_cells(course, assignment),
        limits=dataclasses.asdict(executor.limits),
        sandboxed=executor.sandboxed,
        grader=grader_digest() if remote else None,
    )


def grader_digest() -> str:
    """Return a digest of this grader's code, which every worker must share.

    A Dask worker with another version of the grader could judge the same
    notebook otherwise; its runs are refused (and tried elsewhere). The
    coordinator reads its files for every batch; a worker once, when it
    first runs a submission (:func:`_loaded_digest`), so that a worker
    that kept running an older grader is caught.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


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


def pack_submission(
    course: Course, assignment: str, student: str, plan: _Plan
) -> dict[str, Any]:
    """Return one student's submission and what its run needs, as plain data.

    Links are never followed or read: a notebook that is a link, or a
    submission folder that is one, is reported instead. Files beside the
    notebooks travel as bytes, by their path in the submission's folder.
    """
    payload: dict[str, Any] = {
        "grader": plan.grader,
        "notebooks": list(plan.notebooks),
        "releases": plan.releases,
        "hidden": plan.sources,
        "limits": plan.limits,
        "sandboxed": plan.sandboxed,
        "refused": None,
        "notes": [],
        "submitted": {},
        "unread": {},
        "files": {},
    }
    refused = linked_folder(course, assignment, student)
    if refused:
        payload["refused"] = refused
        return payload
    folder = course.submitted(assignment, student)
    links = links_in(folder)
    payload["notes"] += [
        f"{p.relative_to(folder)} is a link: it was not followed or read" for p in links
    ]
    present = sorted(p.stem for p in folder.glob("*.ipynb") if p not in links)
    for name in sorted(set(present) - set(plan.notebooks)):
        payload["notes"].append(
            f"{name}.ipynb is not a notebook of this assignment and was not "
            f"graded (expected {', '.join(n + '.ipynb' for n in plan.notebooks)})"
        )
    for name in plan.notebooks:
        path = folder / f"{name}.ipynb"
        why = _cannot_read(path, links)
        if why is None:
            payload["submitted"][name] = path.read_bytes()
        else:
            payload["unread"][name] = why
    for dirpath, _, filenames in os.walk(folder):
        for filename in filenames:
            path = Path(dirpath, filename)
            if path.suffix != ".ipynb" and stat.S_ISREG(path.lstat().st_mode):
                relative = path.relative_to(folder).as_posix()
                payload["files"][relative] = path.read_bytes()
    return payload


#: The sandbox user id each thread of this process holds (root's sandboxes).
_LEASES = threading.local()


def _sandbox_uid() -> int:
    """Return the user id this thread's sandboxes run as.

    Root gives each job a user id of its own, held for the life of the
    thread; an ordinary grader's sandbox runs as the grader, in a user
    namespace of its own.
    """
    if os.geteuid() != 0:
        return os.geteuid()
    lease = getattr(_LEASES, "lease", None)
    if lease is None:
        lease = _LEASES.lease = sandbox.UidLease.claim()
    return lease.uid


@functools.cache
def _loaded_digest() -> str:
    """Return this process's grader digest, read when it was first asked."""
    return grader_digest()


@functools.cache
def _why_no_sandbox() -> str | None:
    """Return why this machine cannot make sandboxes (asked once), or None."""
    return sandbox.check()


def _worker_name() -> str:
    """Return the machine's name, and the Dask worker's address on one."""
    name = socket.gethostname()
    try:
        from distributed import get_worker

        return f"{name} {get_worker().address}"
    except (ImportError, ValueError):
        return name


def run_packed(payload: dict[str, Any]) -> str:
    """Return, as JSON text, the run of one packed submission (stage 1).

    It reads nothing of the course folder: everything comes in
    ``payload`` (:func:`pack_submission`). What goes wrong in the grader is
    raised as a plain ``RuntimeError`` naming this machine, so that a Dask
    scheduler can try the run again elsewhere.
    """
    try:
        return json.dumps(_run_packed(payload))
    except Exception as exc:
        raise RuntimeError(
            f"on {socket.gethostname()}: {type(exc).__name__}: {exc}"
        ) from None


def _safe_relative(name: str) -> PurePosixPath:
    """Return ``name`` as a path inside a folder; raise ValueError if it leaves it."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"a file of the submission has an unsafe path: {name!r}")
    return path


def _run_packed(payload: dict[str, Any]) -> dict[str, Any]:
    wanted = payload.get("grader")
    if wanted is not None and wanted != _loaded_digest():
        raise RuntimeError(
            "this worker's grader differs from the coordinator's: install "
            "the same commit of the course on every worker"
        )
    limits = sandbox.Limits(**payload["limits"])
    uid: int | None = None
    if payload["sandboxed"]:
        why = _why_no_sandbox()
        if why:
            raise RuntimeError(f"cannot make sandboxes here: {why}")
        uid = _sandbox_uid()
    report: dict[str, Any] = {
        "notebooks": {},
        "notes": list(payload["notes"]),
        "isolation": sandbox.isolation(uid),
        "worker": _worker_name(),
    }
    executed: dict[str, str] = {}
    errors: dict[str, str] = {}
    answer = {"report": report, "executed": executed, "errors": errors}
    if payload["refused"]:
        report["notes"].append(payload["refused"])
        return answer
    work_root = Path(tempfile.mkdtemp(prefix="actzoo-grade-"))
    try:
        for name in payload["notebooks"]:
            why = payload["unread"].get(name)
            if why is None:
                try:
                    text = payload["submitted"][name].decode("utf-8")
                    submitted = read_notebook(io.StringIO(text))
                except Exception as exc:
                    why = (
                        f"{name}.ipynb cannot be read as a notebook: "
                        f"{type(exc).__name__}: {str(exc)[:200]}"
                    )
            if why is not None:
                report["notes"].append(why + "; it scores 0")
                errors[name] = why
                continue
            release = read_notebook(io.StringIO(payload["releases"][name]))
            clean, findings = sanitize(submitted, release)
            hidden = payload["hidden"].get(name, {})
            for cell in clean.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if role(cell) in ("test", "given") and gid in hidden:
                    cell.source = hidden[gid]
            workdir = sandbox.make_workdir(work_root, uid, f"w{os.getpid()}")
            try:
                for relative, data in payload["files"].items():
                    target = workdir / _safe_relative(relative)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                if uid is not None:
                    for p in workdir.rglob("*"):
                        os.chown(p, uid, uid)
                unavailable = release.metadata.get("actzoo", {}).get("unavailable", [])
                run = run_notebook(
                    clean,
                    workdir,
                    uid=uid,
                    limits=limits,
                    findings=findings,
                    unavailable=list(unavailable),
                ).as_dict()
            finally:
                sandbox.remove_tree(workdir)
            for cell in clean.cells:
                cell.metadata.pop(KEY, None)
            executed[name] = nbformat.writes(clean)
            report["notebooks"][name] = run
            if run.get("failure"):
                report["failed"] = f"{name}.ipynb: {run['failure']}"
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    return answer


def unpack_run(
    text: str, student: str, notebooks: tuple[str, ...], staging: Path
) -> dict[str, Any]:
    """Return the report of a worker's answer, its notebooks put in ``staging``.

    ``text`` is :func:`run_packed`'s JSON; only the assignment's notebooks
    are taken from it, each under its own name in ``staging/<student>``.
    Raises ValueError if it is not such an answer.
    """
    data = json.loads(text)
    if not (
        isinstance(data, dict)
        and isinstance(data.get("report"), dict)
        and isinstance(data.get("executed"), dict)
        and isinstance(data.get("errors"), dict)
    ):
        raise ValueError("the worker's answer is not a run's report")
    out = staging / student
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in notebooks:
        executed, error = data["executed"].get(name), data["errors"].get(name)
        if isinstance(executed, str):
            (out / f"{name}.ipynb").write_text(executed, encoding="utf-8")
        elif isinstance(error, str):
            (out / f"{name}.error").write_text(error, encoding="utf-8")
    report = {k: v for k, v in data["report"].items() if k != "student"}
    return {"student": student, **report}


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
    """A one-line progress bar: counts, failures, time left (and a dashboard)."""

    def __init__(
        self,
        total: int,
        label: str,
        stream: TextIO | None = None,
        width: int = 28,
        dashboard: str | None = None,
    ) -> None:
        self.total, self.label, self.width = total, label, width
        self.stream = stream if stream is not None else sys.stderr
        self.dashboard = dashboard
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
        if self.dashboard:
            line += f", dashboard {self.dashboard}"
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
    scheduler: str | None = None,
    scheduler_timeout: float = cluster.TIMEOUT,
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
        Submissions run at once on this machine (guarded executor, no
        ``scheduler``).
    progress
        Where the progress bar goes; standard error when None.
    scheduler
        The address of a Dask scheduler (``tcp://HOST:PORT``): its workers
        run the submissions, each in its own sandbox, and this process
        stores them (:mod:`actzoo_grader.cluster`). None runs them here,
        ``jobs`` at once.
    scheduler_timeout
        Seconds to wait for the scheduler to answer.

    Raises
    ------
    SandboxUnavailable
        If the executor wants sandboxes here and this machine cannot make them.
    GradingError
        If ``scheduler`` is given and cannot be reached, or Dask is missing.
    """
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    if executor is None:
        executor = Guarded()
    if scheduler is not None and isinstance(executor, LocalKernel):
        raise ValueError(
            "plain nbgrader execution runs on this machine only: it cannot "
            "use a Dask scheduler"
        )
    if scheduler is None and isinstance(executor, Guarded) and executor.sandboxed:
        why = sandbox.check()
        if why:
            raise SandboxUnavailable(why)
    start = time.monotonic()
    # The scheduler is reached before anything is written.
    with contextlib.ExitStack() as stack:
        engine = None
        if scheduler is not None:
            engine = stack.enter_context(
                cluster.Scheduler(scheduler, scheduler_timeout)
            )
        prepare(course, assignment)
        names = students or submitted_students(course, assignment)
        if isinstance(executor, LocalKernel):
            result = _plain(course, assignment, names, executor)
        else:
            result = _guarded(
                course, assignment, names, executor, jobs, progress, engine
            )
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
    engine: cluster.Scheduler | None = None,
) -> AutogradeResult:
    """Run the submissions on ``jobs`` processes here, or on ``engine``'s workers.

    Either way the runs go through a ``concurrent.futures`` executor, and
    this process stores each finished one, one at a time.
    """
    result = AutogradeResult(assignment)
    staging = course.staging(assignment)
    course.reports(assignment).mkdir(parents=True, exist_ok=True)
    plan = _plan(course, assignment, executor, remote=engine is not None)
    pool: concurrent.futures.Executor
    if engine is None:
        pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("spawn")
        )

        def slots() -> int:
            return jobs

        bar = Progress(len(names), assignment, progress)
    else:
        pool = engine.executor()
        slots = engine.threads
        bar = Progress(len(names), assignment, progress, dashboard=engine.dashboard())
    waiting = iter(names)
    running: dict[concurrent.futures.Future, str] = {}

    def finish(student: str, report: dict[str, Any]) -> None:
        _store_one(course, assignment, student, staging, report, result)
        ok = student not in result.failed
        bar.update(student, ok, bool(result.detections[student]))

    def top_up() -> None:
        # Two runs per slot are in flight at most; the rest of the batch
        # waits here, not yet read, however large it is.
        while len(running) < 2 * max(slots(), 1):
            student = next(waiting, None)
            if student is None:
                return
            try:
                payload = pack_submission(course, assignment, student, plan)
            except OSError as exc:
                finish(student, _failed(student, exc))
                continue
            running[pool.submit(run_packed, payload)] = student

    try:
        with pool:
            try:
                top_up()
                while running:
                    done, _ = concurrent.futures.wait(
                        running, return_when=concurrent.futures.FIRST_COMPLETED
                    )
                    for future in sorted(done, key=running.__getitem__):
                        student = running.pop(future)
                        finish(
                            student,
                            _outcome(future, student, plan.notebooks, staging),
                        )
                    top_up()
            except KeyboardInterrupt:
                # Stop: no new submission starts. Here the running ones end
                # with their processes (each sandbox dies with its parent);
                # a scheduler cancels what it has not finished.
                if isinstance(pool, ProcessPoolExecutor):
                    for process in list(getattr(pool, "_processes", {}).values()):
                        process.terminate()
                    pool.shutdown(wait=True, cancel_futures=True)
                else:
                    pool.shutdown(wait=False)
                raise Interrupted(len(result.graded) + len(result.failed)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.graded.sort()
    return result


class Interrupted(Exception):
    """Autograding was interrupted; ``stored`` submissions were stored."""

    def __init__(self, stored: int) -> None:
        super().__init__(f"interrupted: {stored} stored, run again to finish")
        self.stored = stored


def _failed(student: str, exc: BaseException) -> dict[str, Any]:
    """Return the report of a run the grader could not make, with the reason."""
    lines = str(exc).strip().splitlines()
    why = f"the grader could not run it: {type(exc).__name__}"
    if lines:
        why += f": {lines[0][:300]}"
    return {"student": student, "notebooks": {}, "notes": [], "failed": why}


def _outcome(
    future: concurrent.futures.Future,
    student: str,
    notebooks: tuple[str, ...],
    staging: Path,
) -> dict[str, Any]:
    """Return a finished run's report; a run that raised is a failed one."""
    try:
        return unpack_run(future.result(), student, notebooks, staging)
    except Exception as exc:
        return _failed(student, exc)


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
    stored = time.perf_counter() - began
    result.store_seconds[student] = stored
    # The submission's own time: its runs and its storing, not the time it
    # waited for a free job.
    result.seconds[student] = stored + sum(
        run.get("seconds", 0.0) for run in report.get("notebooks", {}).values()
    )
