"""Return a notebook executed under guard: bounded, probed, canary-checked.

:func:`run_notebook` executes a sanitized notebook (see
:func:`actzoo_grader.rebuild.sanitize`) cell by cell in a fresh kernel, in a
sandbox (:mod:`actzoo_grader.sandbox`) unless told otherwise, and decides from
outside the kernel which test cells really passed:

- before anything runs, the student's cells are read
  (:func:`actzoo_grader.static_scan.static_findings`); the first one that
  reaches for the test machinery voids every test from it on;
- before each test cell a probe (:mod:`actzoo_grader.probe`) reports the
  kernel's hooks and the functions of the modules the tests use; any
  change since the kernel started voids that test and every later one;
- each test cell ends with a random canary; a cell whose output lacks it
  did not run to its end and scores nothing;
- a cell that runs too long is interrupted; a kernel that dies (``os._exit``,
  a crash, a kill at the memory limit) or does not come back is replaced
  by a fresh one, into which every cell that ran before is replayed
  (except the one that killed it), so one bad cell costs only the parts
  that depend on it;
- output beyond the limit is dropped with a note, so a flood of text
  cannot exhaust the grader's memory;
- when the run ends, the sandbox is stopped and every process of its user
  is killed; how many had to be is reported.

Verdicts are written into the notebook as error outputs, which is how
nbgrader scores a test cell: no error output, full points.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

from actzoo_grader import sandbox
from actzoo_grader.findings import Finding
from actzoo_grader.probe import compare_probes, probe_source, read_probe
from actzoo_grader.rebuild import KEY, cell_label, role
from actzoo_grader.static_scan import (
    bound_names,
    import_specs,
    imported_modules,
    static_findings,
)

#: The longest student cell the grader reads; reading is not free, and no
#: answer needs a megabyte of code.
MAX_CELL_CHARS = 1_000_000

#: ``ename`` of the error output that marks a voided test cell.
INTEGRITY_ERROR = "GradingIntegrityError"


@dataclass
class RunReport:
    """What happened while one notebook ran."""

    findings: list[Finding] = field(default_factory=list)
    restarts: int = 0
    timeouts: int = 0
    output_dropped: int = 0
    leftover_processes: int = 0
    #: Times the sandbox was stopped for using too much memory in all.
    memory_stops: int = 0
    #: Times the sandbox was stopped for writing too much to its folder.
    disk_stops: int = 0
    seconds: float = 0.0
    sandboxed: bool = True
    #: Why the run says nothing about the student's work (the kernel did
    #: not start, a given cell failed before any of the student's code
    #: ran, a given cell ran out of memory), or None.
    failure: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dictionary."""
        return {
            "findings": [f.as_dict() for f in self.findings],
            "restarts": self.restarts,
            "timeouts": self.timeouts,
            "output_dropped": self.output_dropped,
            "leftover_processes": self.leftover_processes,
            "memory_stops": self.memory_stops,
            "disk_stops": self.disk_stops,
            "seconds": round(self.seconds, 3),
            "sandboxed": self.sandboxed,
            "failure": self.failure,
        }


class _SandboxKernelManager(sandbox.SandboxKernelManager, AsyncKernelManager):
    """The sandboxed kernel manager, asynchronous as nbclient wants it."""

    def write_connection_file(self, **kwargs: Any) -> None:
        """Write the connection file, readable by the sandbox's user."""
        super().write_connection_file(**kwargs)
        os.chown(self.connection_file, self.uid, self.uid)


class _Client(NotebookClient):
    """nbclient's client with a budget of output bytes."""

    def __init__(self, *args: Any, budget: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = budget
        self.used = 0
        self.dropped = 0

    def _spend(self, size: int) -> bool:
        """Return True and count ``size`` bytes if the budget allows them."""
        if self.used + size > self.budget:
            self.dropped += 1
            return False
        self.used += size
        return True

    def output(self, outs, msg, display_id, cell_index):
        """Keep an output while the budget lasts; count the rest."""
        if not self._spend(_size(msg)):
            return None
        return super().output(outs, msg, display_id, cell_index)

    def _update_display_id(self, display_id: str, msg: dict[str, Any]) -> None:
        """Update a display while the budget lasts: once per place it is shown.

        An update replaces every output shown with that display id, so it
        costs its size as many times as there are such outputs.
        """
        places = self._display_id_map.get(display_id, {}).values()
        if self._spend(_size(msg) * sum(len(p) for p in places)):
            super()._update_display_id(display_id, msg)


def _size(msg: dict[str, Any]) -> int:
    """Return the size of a message's content, as the output budget counts it."""
    return sum(len(str(v)) for v in msg.get("content", {}).values())


def _error(name: str, value: str) -> NotebookNode:
    return NotebookNode(
        output_type="error", ename=name, evalue=value, traceback=[f"{name}: {value}"]
    )


def _no_results(cell: NotebookNode) -> None:
    """Turn a test cell's results into plain displays.

    nbgrader reads a number a test cell returns as its partial credit, and
    it reads only the first result or error: a function that shows a number
    (``sys.displayhook(18)``) before it raises would earn points. A test
    cell's score is all or nothing here; what it showed stays visible.
    """
    for out in cell.outputs:
        if out.get("output_type") == "execute_result":
            out.output_type = "display_data"
            out.pop("execution_count", None)


def _stream_text(cell: NotebookNode) -> str:
    return "".join(
        o.get("text", "")
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream"
    )


def _remove_text(cell: NotebookNode, text: str) -> None:
    kept = []
    for out in cell.outputs:
        if out.get("output_type") == "stream" and text in out.get("text", ""):
            out.text = out.text.replace(text, "")
            if not out.text:
                continue
        kept.append(out)
    cell.outputs = kept


class _Kernel:
    """One kernel, in a sandbox or not, with a client to run cells."""

    def __init__(
        self,
        nb: NotebookNode,
        workdir: Path,
        uid: int | None,
        limits: sandbox.Limits,
        budget: int,
    ) -> None:
        self.workdir = workdir
        self.uid = uid
        self.groups: list[Path] = []
        km: AsyncKernelManager
        if uid is not None:
            km = _SandboxKernelManager(
                kernel_name="python3",
                transport="ipc",
                ip=str(workdir / "k"),
                connection_file=str(workdir / "kernel.json"),
            )
            self.groups = sandbox.cgroups(uid, limits)
            km.workdir, km.uid, km.limits = workdir, uid, limits
            km.groups = self.groups
        else:
            km = AsyncKernelManager(kernel_name="python3")
        self.km = km
        extra: dict[str, Any] = {}
        #: The unsandboxed kernel's home: empty, outside the work folder.
        self.home: Path | None = None
        if uid is None:
            self.home = Path(tempfile.mkdtemp(prefix="actzoo-home-"))
            env = dict(os.environ, **sandbox.kernel_environment(self.home))
            env.pop("JPY_PARENT_PID", None)
            env.pop("PYTHONPATH", None)
            extra["env"] = env
        run_sync(km.start_kernel)(
            cwd=str(workdir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **extra,
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
        )
        self.client = _Client(
            nb,
            km=km,
            timeout=limits.cell_timeout,
            allow_errors=True,
            interrupt_on_timeout=True,
            error_on_timeout={
                "ename": "CellTimeoutError",
                "evalue": "the cell ran too long and was stopped",
                "traceback": [],
            },
            startup_timeout=60,
            budget=budget,
            kernel_name="python3",
        )
        #: Bounds the sandbox's memory as a whole where no control group does.
        self.watch: sandbox.Watch | None = None
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if uid is not None and process is not None:
            # Memory is the control group's to bound, where there is one.
            memory = None if self.groups else limits.memory
            self.watch = sandbox.Watch(
                process.pid, workdir, limits.disk, memory
            ).start()
        try:
            self.client.start_new_kernel_client()
        except Exception:
            self.stop()
            raise

    def execute(
        self, cell: NotebookNode, index: int, timeout: float
    ) -> dict[str, Any] | None:
        """Run ``cell``; return the kernel's reply (None when it died)."""
        self.client.timeout = max(1, int(timeout))
        cell.outputs = []
        replies: list[dict[str, Any]] = []

        def keep(**kwargs: Any) -> None:
            replies.append(kwargs["execute_reply"])

        self.client.on_cell_executed = keep
        # nbclient stores the executed cell back at ``index`` of its
        # notebook: cells that are not the notebook's (probes, replays) run
        # against a scratch notebook of their own.
        notebook = self.client.nb
        if index < 0:
            self.client.nb = NotebookNode(
                cells=[cell], metadata={}, nbformat=4, nbformat_minor=5
            )
        try:
            # Test cells stay out of the kernel's history (``In``, ``_ih``):
            # a later cell could read the hidden tests from it.
            history = index >= 0 and role(cell) != "test"
            self.client.execute_cell(cell, max(index, 0), store_history=history)
        except DeadKernelError:
            return None
        finally:
            # nbclient leaves the hook None when unset; its annotation omits it
            self.client.on_cell_executed = None  # type: ignore[assignment]
            self.client.nb = notebook
        return replies[-1] if replies else {"content": {"status": "ok"}}

    def responsive(self) -> bool:
        """Return True if the kernel answers a trivial request in 5 s."""
        probe = NotebookNode(
            cell_type="code",
            source="pass",
            metadata={},
            outputs=[],
            execution_count=None,
        )
        reply = self.execute(probe, -1, 5)
        return reply is not None and reply["content"].get("status") == "ok"

    def stop(self) -> int:
        """Stop the kernel; return how many processes had to be killed."""
        if self.watch is not None:
            self.watch.stop()
        try:
            if self.client.kc is not None:
                self.client.kc.stop_channels()
        except Exception:
            pass
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:
            pass
        killed = 0
        # A rootless sandbox shares the grader's user id: its processes end
        # with its process namespace, and no sweep by user id may run.
        if self.uid is not None and self.uid != os.geteuid():
            # The sandbox's process namespace takes its processes down
            # with it; give that a moment, then kill what is left.
            for _ in range(100):
                if not sandbox.processes_of(self.uid):
                    break
                time.sleep(0.03)
            killed = len(sandbox.sweep(self.uid))
        for group in self.groups:
            sandbox.remove_cgroup(group)
        if self.home is not None:
            sandbox.remove_tree(self.home)
        return killed


def run_notebook(
    nb: NotebookNode,
    workdir: Path,
    *,
    uid: int | None,
    limits: sandbox.Limits,
    modules: list[str],
    findings: list[Finding] | None = None,
) -> RunReport:
    """Return the report of running ``nb`` in place, under guard.

    Parameters
    ----------
    nb
        A sanitized notebook; its cells' outputs are replaced.
    workdir
        The throwaway folder the kernel works in (owned by ``uid``).
    uid
        The sandbox's user id; None runs an ordinary, unisolated kernel.
    limits
        Time, memory, process and output bounds.
    modules
        Modules the tests use; the probe watches their functions.
    findings
        Findings from sanitizing, extended with this run's.
    """
    run = _Run(nb, workdir, uid, limits, modules, findings)
    run.scan_student_cells()
    try:
        try:
            run.start_kernel()
        except Exception as exc:
            why: str | None = f"{type(exc).__name__}: {exc}"
        else:
            why = None if run.baseline is not None else "no answer to a first request"
        if why is not None:
            run.report.failure = (
                f"the kernel did not start ({why}) before any cell ran; is the "
                f"sandbox's memory limit ({limits.memory >> 20} MiB) too low "
                "for this environment? raise it with --memory-mb, make "
                "MEMORY_MB=..."
            )
            return run.report
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            if not run.run_cell(cell, index):
                break
    finally:
        run.stop()
    return run.report


class _Run:
    """One guarded run of a notebook: its kernel, baseline and verdicts.

    :func:`run_notebook` calls the steps in order: :meth:`scan_student_cells`,
    :meth:`start_kernel`, :meth:`run_cell` for every code cell, :meth:`stop`.
    """

    #: Kernel deaths a run survives; after one more, the rest is not run.
    MAX_RESTARTS = 3

    def __init__(
        self,
        nb: NotebookNode,
        workdir: Path,
        uid: int | None,
        limits: sandbox.Limits,
        modules: list[str],
        findings: list[Finding] | None,
    ) -> None:
        self.start = time.monotonic()
        self.deadline = self.start + limits.wall
        self.nb = nb
        self.workdir = workdir
        self.uid = uid
        self.limits = limits
        self.modules = modules
        self.report = RunReport(
            findings=list(findings or []), sandboxed=uid is not None
        )
        #: The index of the first test cell that scores nothing, and why.
        self.voided_from: int | None = None
        self.void_reason = ""
        self.kernel: _Kernel | None = None
        #: What the probe reported before any student code ran.
        self.baseline: dict[str, Any] | None = None
        #: The cells that ran to completion, replayed after a kernel death.
        self.replayable: list[int] = []
        self.tag = "ACTZOO_PROBE_" + secrets.token_hex(8)
        self.budget_noted = False
        #: Whether any of the student's cells has run yet.
        self.student_ran = False

    def void(self, index: int, reason: str) -> None:
        """Void the test cells from ``index`` on, unless earlier ones are."""
        if self.voided_from is None:
            self.voided_from = index
            self.void_reason = reason

    def scan_student_cells(self) -> None:
        """Read every student cell, never running it, for tampering.

        The names the given cells bind are protected, and so is every
        module name; the first student cell that reaches for the test
        machinery voids every test cell from it on.
        """
        protected: set[str] = set()
        module_names: set[str] = set()
        given_imports: dict[str, str] = {}
        for cell in self.nb.cells:
            if cell.cell_type == "code":
                bound = bound_names(cell.source)
                if role(cell) == "given":
                    protected |= bound
                    given_imports.update(import_specs(cell.source))
                module_names |= {
                    name.split(".")[0] for name in imported_modules([cell.source])
                }
        module_names |= {m.split(".")[0] for m in self.modules}
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type == "code" and role(cell) == "student":
                if len(cell.source) > MAX_CELL_CHARS:
                    self.void(
                        index,
                        f"cell {index + 1} holds {len(cell.source):,} characters, "
                        f"more than the {MAX_CELL_CHARS:,} a cell may hold",
                    )
                    self.report.findings.append(
                        Finding(
                            "size",
                            f"cell {index + 1}",
                            f"{len(cell.source):,} characters: not read",
                            True,
                        )
                    )
                    continue
                found = static_findings(
                    cell.source,
                    f"cell {index + 1}",
                    protected,
                    module_names | protected,
                    given_imports,
                )
                self.report.findings += found
                if found:
                    self.void(
                        index,
                        f"cell {index + 1} reaches for the test "
                        f"machinery ({found[0].detail})",
                    )

    @property
    def live(self) -> _Kernel:
        """Return the running kernel."""
        if self.kernel is None:
            raise RuntimeError("no kernel is running")
        return self.kernel

    def start_kernel(self) -> None:
        """Start a fresh kernel and take its baseline probe.

        The baseline is the state every later probe is compared with: it
        is taken before any cell of the notebook runs in this kernel.
        """
        self.kernel = _Kernel(
            self.nb, self.workdir, self.uid, self.limits, self.limits.output
        )
        self.baseline = self.probe()

    def probe(self) -> dict[str, Any] | None:
        """Return what the probe reports from the kernel, None if nothing."""
        cell = NotebookNode(
            cell_type="code",
            metadata={},
            outputs=[],
            execution_count=None,
            source=probe_source(self.tag, self.modules),
        )
        self.live.execute(cell, -1, 60)
        return read_probe(_stream_text(cell), self.tag)

    def check_machinery(self, cell: NotebookNode, index: int) -> None:
        """Probe before a test cell; void it and the rest if hooks changed."""
        state = self.probe()
        if state is None or self.baseline is None:
            changes = ["the kernel did not answer the grader's probe"]
        else:
            changes = compare_probes(self.baseline, state)
        if changes:
            self.void(
                index,
                "the kernel's test machinery was changed: " + "; ".join(changes),
            )
            self.report.findings.append(
                Finding("hook", cell_label(cell, index), "; ".join(changes), True)
            )

    def run_cell(self, cell: NotebookNode, index: int) -> bool:
        """Run one code cell under guard; return False when the run must stop.

        A test cell is probed first (while nothing is voided yet) and runs
        with a canary at its end. A cell that errs, times out or kills the
        kernel gets an error output saying so; a dead kernel is replaced
        (:meth:`recover`). The run stops when the kernel died too often.
        """
        remaining = self.deadline - time.monotonic()
        is_test = role(cell) == "test"
        if remaining <= 1:
            cell.outputs = [
                _error(
                    "WallClockLimit",
                    f"not run: the notebook used up its {self.limits.wall} s",
                )
            ]
            return True
        timeout = min(self.limits.cell_timeout, remaining)
        token = ""
        if is_test:
            if self.voided_from is None:
                self.check_machinery(cell, index)
            token = "ACTZOO_DONE_" + secrets.token_hex(16)
        reply = self.execute(cell, index, timeout, token)
        status = reply["content"].get("status") if reply else "dead"
        reply = self.record_errors(cell, reply, status, timeout)
        if reply is None:
            if not self.recover(cell, index):
                return False
        else:
            # Test cells too: later tests may use what earlier ones define.
            self.replayable.append(index)
        if role(cell) == "student":
            self.student_ran = True
        elif role(cell) == "given" and status != "ok":
            self.given_failed(cell, index, reply)
        if is_test:
            _no_results(cell)
            self.judge(cell, index, token, reply is not None and status == "ok")
        self.note_dropped_output(cell)
        return True

    def execute(
        self, cell: NotebookNode, index: int, timeout: float, token: str
    ) -> dict[str, Any] | None:
        """Run ``cell``, printing ``token`` at its end if given; return the reply.

        The cell's source is the released one again afterwards; the reply
        is None when the kernel died.
        """
        original = cell.source
        if token:
            cell.source = original + f"\nprint({token!r})\n"
        try:
            return self.live.execute(cell, index, timeout)
        finally:
            cell.source = original

    def record_errors(
        self,
        cell: NotebookNode,
        reply: dict[str, Any] | None,
        status: str,
        timeout: float,
    ) -> dict[str, Any] | None:
        """Add the error outputs a reply calls for; return the reply.

        An error the kernel reported without an output gets one; a timeout
        gets a note, and when the kernel does not answer after it, it
        counts as dead (None is returned).
        """
        if (
            reply is not None
            and status == "error"
            and not any(o.get("output_type") == "error" for o in cell.outputs)
        ):
            content = reply["content"]
            cell.outputs.append(
                _error(content.get("ename", "Error"), content.get("evalue", ""))
            )
        if reply is not None and reply["content"].get("ename") == "CellTimeoutError":
            self.report.timeouts += 1
            cell.outputs.append(
                _error(
                    "CellTimeoutError",
                    f"the cell ran longer than {timeout:.0f} s and was stopped",
                )
            )
            if not self.live.responsive():
                return None
        return reply

    def given_failed(
        self, cell: NotebookNode, index: int, reply: dict[str, Any] | None
    ) -> None:
        """Fail the run when a given cell failed for a reason not the student's.

        A given cell is the instructor's: when it fails before any of the
        student's code ran, or runs out of memory, the score would say
        nothing about the student's work.
        """
        if self.report.failure:
            return
        content = (reply or {}).get("content", {})
        ename = content.get("ename", "KernelDied" if reply is None else "Error")
        lines = [x.strip() for x in str(content.get("evalue", "")).splitlines()]
        first = next((x for x in lines if x), "")
        what = f"{ename}: {first[:200]}".rstrip(": ")
        label = cell_label(cell, index)
        if ename == "MemoryError":
            self.report.failure = (
                f"the given cell {label} ran out of memory ({what}); raise the "
                f"sandbox's memory limit ({self.limits.memory >> 20} MiB) with "
                "--memory-mb, make MEMORY_MB=..."
            )
        elif not self.student_ran:
            self.report.failure = (
                f"the given cell {label} failed before any of the student's "
                f"code ran ({what}): the grading environment or its limits "
                "are at fault, not the submission; check that the environment "
                "has what the exercise imports, and raise the sandbox's "
                f"memory limit ({self.limits.memory >> 20} MiB) with "
                "--memory-mb, make MEMORY_MB=..."
            )

    def recover(self, cell: NotebookNode, index: int) -> bool:
        """Replace the kernel that died running ``cell``; False if given up.

        The dead kernel's processes are killed; a fresh kernel gets a new
        baseline and replays every cell that ran before (:meth:`replay`).
        After too many deaths the later cells are marked as not run.
        """
        watch = self.live.watch
        if watch is not None and watch.tripped == "memory":
            self.report.memory_stops += 1
            why = (
                f"the sandbox's processes together used more than "
                f"{self.limits.memory >> 20} MiB of memory and it was stopped"
            )
        elif watch is not None and watch.tripped == "disk":
            self.report.disk_stops += 1
            why = (
                f"the sandbox wrote more than {self.limits.disk >> 20} MiB to "
                "its folder and it was stopped"
            )
        else:
            why = "the kernel stopped while running this cell (it exited, "
            why += "crashed or hit a limit)"
        cell.outputs.append(
            _error("KernelDied", why + "; a fresh kernel runs the remaining cells")
        )
        self.report.leftover_processes += self.live.stop()
        self.kernel = None
        self.report.restarts += 1
        if self.report.restarts > self.MAX_RESTARTS:
            return self.give_up(index, "the kernel died too often")
        if watch is not None and watch.tripped == "disk":
            # What filled the folder is still there: a fresh kernel would
            # be stopped at once.
            return self.give_up(index, "the sandbox's folder is full")
        try:
            self.start_kernel()
        except Exception as exc:
            return self.give_up(
                index, f"a fresh kernel did not start ({type(exc).__name__})"
            )
        self.replay()
        return True

    def give_up(self, index: int, why: str) -> bool:
        """Mark every code cell after ``index`` as not run, for ``why``; False."""
        for later in self.nb.cells[index + 1 :]:
            if later.cell_type == "code":
                later.outputs = [_error("KernelDied", f"not run: {why}")]
        return False

    def replay(self) -> None:
        """Run again, in the fresh kernel, every cell that ran before."""
        for earlier in self.replayable:
            copy = NotebookNode(
                cell_type="code",
                metadata={},
                outputs=[],
                execution_count=None,
                source=self.nb.cells[earlier].source,
            )
            self.live.execute(copy, -1, max(1, self.deadline - time.monotonic()))

    def judge(self, cell: NotebookNode, index: int, token: str, passed: bool) -> None:
        """Void a test cell that was tampered with or did not run to its end.

        The canary is removed from the output; a voided cell gets an
        :data:`INTEGRITY_ERROR` output, which makes nbgrader score it 0.
        """
        ran = bool(token) and token in _stream_text(cell)
        _remove_text(cell, token + "\n")
        why = ""
        if cell.metadata.get(KEY, {}).get("tampered"):
            why = "this test cell was tampered with: " + cell.metadata[KEY]["tampered"]
        elif self.voided_from is not None and self.voided_from <= index:
            why = self.void_reason
        elif passed and not ran:
            why = "this test cell did not run to its end"
            self.report.findings.append(
                Finding(
                    "canary",
                    cell_label(cell, index),
                    "the test reported success without running to its end",
                    True,
                )
            )
        if why:
            cell.outputs.append(_error(INTEGRITY_ERROR, why + "; it scores no points"))

    def note_dropped_output(self, cell: NotebookNode) -> None:
        """Note on the first cell past the output budget that output was dropped."""
        if self.live.client.dropped and not self.budget_noted:
            self.budget_noted = True
            cell.outputs.append(
                NotebookNode(
                    output_type="stream",
                    name="stderr",
                    text=f"[output beyond {self.limits.output} bytes dropped]\n",
                )
            )

    def stop(self) -> None:
        """Stop the kernel, count what it left behind, and time the run."""
        if self.kernel is not None:
            self.report.output_dropped = self.kernel.client.dropped
            self.report.leftover_processes += self.kernel.stop()
            self.kernel = None
        self.report.seconds = time.monotonic() - self.start
