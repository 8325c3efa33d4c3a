"""Return a notebook executed under guard, its verdicts decided outside it.

:func:`run_notebook` executes a sanitized notebook (see
:func:`actzoo_grader.rebuild.sanitize`) cell by cell: the given cells and the
student's cells in a fresh kernel, in a sandbox
(:mod:`actzoo_grader.sandbox`) unless told otherwise, and the test cells,
hidden tests included, in the grader's trusted process
(:mod:`actzoo_grader.trusted`), which runs the given cells too and reaches
the student's functions only through the agent in the kernel
(:mod:`actzoo_grader.agent`), as plain data (:mod:`actzoo_grader.wire`).
Whatever the student's code does to its own kernel, it cannot touch a
verdict:

- a test cell's visible part also runs in the kernel, so that what it
  binds is there for later cells as in the student's own notebook; what
  it shows or raises there counts for nothing;
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

import json
import os
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

from actzoo_grader import broker, masking, sandbox
from actzoo_grader.findings import Finding
from actzoo_grader.rebuild import KEY, cell_label, role, visible_part

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


def _no_answer(ename: str, evalue: str) -> dict[str, Any]:
    """Return the answer to the trusted process when the kernel gave none."""
    return {"op": "answer", "reply": None, "ename": ename, "evalue": evalue}


class _Kernel:
    """One kernel, in a sandbox or not, with a client to run cells."""

    def __init__(
        self,
        nb: NotebookNode,
        workdir: Path,
        uid: int | None,
        limits: sandbox.Limits,
        budget: int,
        masks: list[tuple[Path, Path]] | None = None,
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
            km.masks = tuple(masks or ())
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
        # notebook: cells that are not the notebook's (the agent, replays) run
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
    findings: list[Finding] | None = None,
    unavailable: list[str] | None = None,
) -> RunReport:
    """Return the report of running ``nb`` in place, under guard.

    Parameters
    ----------
    nb
        A sanitized notebook, hidden tests in its test cells; its cells'
        outputs are replaced.
    workdir
        The throwaway folder the kernel works in (owned by ``uid``).
    uid
        The sandbox's user id; None runs an ordinary, unisolated kernel.
    limits
        Time, memory, process and output bounds.
    findings
        Findings from sanitizing, extended with this run's.
    unavailable
        What the sandboxed kernel may not reach (:mod:`masking`): the
        reference implementations of what the student is to write.
    """
    run = _Run(nb, workdir, uid, limits, findings, unavailable or [])
    run.scan_student_cells()
    try:
        try:
            run.start_trusted()
        except ValueError as exc:
            run.report.failure = (
                f"the exercise's list of what its graded kernel may not reach "
                f"is wrong: {exc}; fix the release notebook's metadata "
                "(actzoo.unavailable)"
            )
            return run.report
        try:
            run.start_kernel()
        except Exception as exc:
            why: str | None = f"{type(exc).__name__}: {exc}"
        else:
            why = None if run.agent_ready else "no answer to a first request"
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
    """One guarded run of a notebook: its kernel, its trusted process, verdicts.

    :func:`run_notebook` calls the steps in order: :meth:`scan_student_cells`,
    :meth:`start_trusted`, :meth:`start_kernel`, :meth:`run_cell` for every
    code cell, :meth:`stop`.
    """

    #: Kernel deaths a run survives; after one more, the rest is not run.
    MAX_RESTARTS = 3

    #: Seconds the trusted process may take beyond a test cell's own limit
    #: for its own work (the reference computations), before it is
    #: considered stuck.
    TRUSTED_GRACE = 120

    def __init__(
        self,
        nb: NotebookNode,
        workdir: Path,
        uid: int | None,
        limits: sandbox.Limits,
        findings: list[Finding] | None,
        unavailable: list[str],
    ) -> None:
        self.start = time.monotonic()
        self.deadline = self.start + limits.wall
        self.nb = nb
        self.workdir = workdir
        self.uid = uid
        self.limits = limits
        self.report = RunReport(
            findings=list(findings or []), sandboxed=uid is not None
        )
        #: The index of the first test cell that scores nothing, and why.
        self.voided_from: int | None = None
        self.void_reason = ""
        self.kernel: _Kernel | None = None
        self.trusted: broker.TrustedProcess | None = None
        self.unavailable = unavailable
        #: The stand-ins for what the kernel may not reach, and their binds.
        self.mask_folder: Path | None = None
        self.masks: list[tuple[Path, Path]] = []
        #: The agent's name in the kernel, and whether it answered.
        self.agent = broker.agent_name()
        self.agent_ready = False
        #: The cells that ran to completion, replayed after a kernel death.
        self.replayable: list[int] = []
        #: The given and test cells the trusted process ran, in order.
        self.trusted_cells: list[int] = []
        self.budget_noted = False
        #: Whether any of the student's cells has run yet.
        self.student_ran = False

    def void(self, index: int, reason: str) -> None:
        """Void the test cells from ``index`` on, unless earlier ones are."""
        if self.voided_from is None:
            self.voided_from = index
            self.void_reason = reason

    def scan_student_cells(self) -> None:
        """Refuse student cells too large to be worth reading or running."""
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

    @property
    def live(self) -> _Kernel:
        """Return the running kernel."""
        if self.kernel is None:
            raise RuntimeError("no kernel is running")
        return self.kernel

    def start_trusted(self) -> None:
        """Start the trusted process; write the kernel's masked view.

        Raises ValueError when the exercise names something to mask that
        is not installed here.
        """
        if self.uid is not None and self.unavailable:
            self.mask_folder = Path(tempfile.mkdtemp(prefix="actzoo-masks-"))
            self.masks = masking.masked_view(self.unavailable, self.mask_folder)
        self.trusted = broker.TrustedProcess()

    def start_kernel(self) -> None:
        """Start a fresh kernel and install the agent in it.

        The agent is installed before any cell of the notebook runs in
        this kernel; it answers the trusted process's requests.
        """
        self.kernel = _Kernel(
            self.nb,
            self.workdir,
            self.uid,
            self.limits,
            self.limits.output,
            self.masks,
        )
        self.agent_ready = self.install_agent()

    def install_agent(self) -> bool:
        """Install the agent in the kernel unless it is there; True if it is."""
        cell = NotebookNode(
            cell_type="code",
            metadata={},
            outputs=[],
            execution_count=None,
            source=broker.agent_setup(self.agent),
        )
        reply = self.live.execute(cell, -1, 60)
        return reply is not None and reply["content"].get("status") == "ok"

    def run_cell(self, cell: NotebookNode, index: int) -> bool:
        """Run one code cell under guard; return False when the run must stop.

        A given cell runs in the kernel and in the trusted process; a
        student's cell in the kernel; a test cell in the trusted process
        (its visible part also in the kernel, for the names it binds). A
        cell that errs, times out or kills the kernel gets an error output
        saying so; a dead kernel is replaced (:meth:`recover`). The run
        stops when the kernel died too often.
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
        if is_test:
            return self.run_test(cell, index, timeout)
        reply = self.live.execute(cell, index, timeout)
        status = reply["content"].get("status") if reply else "dead"
        reply = self.record_errors(cell, reply, status, timeout)
        if reply is None:
            if not self.recover(cell, index):
                return False
        else:
            self.replayable.append(index)
        if role(cell) == "student":
            self.student_ran = True
        elif role(cell) == "given":
            if status != "ok":
                self.given_failed(cell, index, reply)
            self.run_trusted_given(cell, index)
        self.note_dropped_output(cell)
        return True

    def run_trusted_given(self, cell: NotebookNode, index: int) -> None:
        """Run a given cell in the trusted process too; fail the run if it fails."""
        done = self.trusted_run("given", cell, index, time.monotonic() + 600)
        self.trusted_cells.append(index)
        if done.get("status") != "ok" and not self.report.failure:
            self.report.failure = (
                f"the given cell {cell_label(cell, index)} failed in the grader's "
                f"trusted test process ({done.get('ename')}: "
                f"{str(done.get('evalue'))[:200]}); the course's environment or "
                "the instructor's cell is at fault, not the submission"
            )

    def run_test(self, cell: NotebookNode, index: int, timeout: float) -> bool:
        """Run a test cell: its verdict in the trusted process.

        The visible part runs in the kernel first, its outputs discarded,
        so that the names it binds exist there for later cells. Then the
        whole cell runs in the trusted process, which asks the kernel for
        the student's values; what it prints and its error, if any, become
        the cell's outputs.
        """
        scratch = NotebookNode(
            cell_type="code",
            metadata={},
            outputs=[],
            execution_count=None,
            source=visible_part(cell.source),
        )
        reply = self.live.execute(scratch, -1, timeout)
        status = reply["content"].get("status") if reply else "dead"
        if self.record_errors(scratch, reply, status, timeout) is None:
            cell.outputs = scratch.outputs
            if not self.recover(cell, index):
                return False
        deadline = time.monotonic() + timeout
        cell.outputs = []
        done = self.trusted_run("test", cell, index, deadline)
        self.trusted_cells.append(index)
        for name in ("stdout", "stderr"):
            text = str(done.get(name) or "")
            if text and self.live.client._spend(len(text)):
                cell.outputs.append(
                    NotebookNode(output_type="stream", name=name, text=text)
                )
        if done.get("status") != "ok":
            cell.outputs.append(
                _error(str(done.get("ename", "Error")), str(done.get("evalue", "")))
            )
        if done.get("kernel_died"):
            if not self.recover(cell, index):
                return False
        else:
            self.replayable.append(index)
        self.judge(cell, index)
        self.note_dropped_output(cell)
        return True

    def trusted_run(
        self, kind: str, cell: NotebookNode, index: int, deadline: float
    ) -> dict[str, Any]:
        """Run ``cell`` in the trusted process, serving its kernel requests.

        A request that times out interrupts the kernel, and every later
        request of the cell is answered that time is up; a kernel that dies
        answers that it died (``kernel_died`` is set in the result).
        """
        assert self.trusted is not None
        state: dict[str, Any] = {"timed_out": False, "died": False}
        session: broker.Session | None = None

        def kernel(request: dict[str, Any], _until: float) -> dict[str, Any]:
            # The student's code has the cell's time, not the grace the
            # trusted process has for its own work.
            nonlocal session
            if state["died"]:
                return _no_answer("KernelDied", "the kernel died during this test")
            if state["timed_out"] or self.kernel is None:
                return _no_answer(
                    "CellTimeoutError",
                    f"the test ran longer than its {self.limits.cell_timeout} s",
                )
            try:
                if session is None:
                    session = broker.Session(
                        self.live.client.kc,
                        self.live.km,
                        self.agent,
                        lambda msg: self.kernel_output(cell, msg),
                    )
                    run_sync(session.start)(deadline)
                reply = run_sync(session.ask)(
                    json.dumps(request),
                    deadline,
                    lambda prompt: self.trusted_callback(prompt, deadline),
                )
            except broker.Timeout:
                state["timed_out"] = True
                self.report.timeouts += 1
                return _no_answer(
                    "CellTimeoutError",
                    f"the student's code ran longer than {self.limits.cell_timeout} s "
                    "and was stopped",
                )
            except broker.KernelGone as exc:
                state["died"] = not self.live.responsive()
                if not state["died"]:
                    state["timed_out"] = True
                return _no_answer("KernelDied", str(exc))
            return {"op": "answer", "reply": reply}

        try:
            done = self.trusted.run(
                kind,
                index,
                cell.source,
                max(deadline, time.monotonic()) + self.TRUSTED_GRACE,
                kernel,
            )
        except (broker.Timeout, broker.TrustedGone) as exc:
            done = {
                "status": "error",
                "ename": "GraderError",
                "evalue": "the grader's test process stopped",
            }
            self.trusted_failed(cell, index, exc)
        if session is not None and not state["died"]:
            run_sync(session.end)(time.monotonic() + 10)
        if state["timed_out"] and not self.live.responsive():
            state["died"] = True
        done["kernel_died"] = state["died"]
        return done

    def trusted_callback(self, prompt: str, deadline: float) -> str:
        """Run, in the trusted process, a function the student's code called."""
        assert self.trusted is not None
        return self.trusted.callback(prompt, deadline + self.TRUSTED_GRACE)

    def kernel_output(self, cell: NotebookNode, msg: dict[str, Any]) -> None:
        """Keep what the student's code showed while a test called it."""
        if not self.live.client._spend(_size(msg)):
            return
        content = msg["content"]
        if msg["msg_type"] == "stream":
            cell.outputs.append(
                NotebookNode(
                    output_type="stream",
                    name=str(content.get("name", "stdout")),
                    text=str(content.get("text", "")),
                )
            )
        elif msg["msg_type"] == "display_data":
            cell.outputs.append(
                NotebookNode(
                    output_type="display_data",
                    data=content.get("data", {}),
                    metadata=content.get("metadata", {}),
                )
            )

    def trusted_failed(self, cell: NotebookNode, index: int, exc: Exception) -> None:
        """Fail the run: the trusted process, the grader's own, stopped."""
        why = str(exc) or "it took too long"
        if not self.report.failure:
            self.report.failure = (
                f"the grader's trusted test process stopped at "
                f"{cell_label(cell, index)} ({why[:300]}); the grader is at "
                "fault, not the submission"
            )
        if self.trusted is not None:
            self.trusted.stop()
        self.trusted = broker.TrustedProcess()
        # The fresh process knows the given cells, and nothing of the tests.
        for earlier in self.trusted_cells:
            if role(self.nb.cells[earlier]) == "given":
                try:
                    self.trusted.run(
                        "given",
                        earlier,
                        self.nb.cells[earlier].source,
                        time.monotonic() + 600,
                        None,
                    )
                except (broker.Timeout, broker.TrustedGone):
                    break

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
        if self.trusted is not None:
            # Handles to the dead kernel's objects are void.
            self.trusted.send({"op": "restart"})
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
            source = self.nb.cells[earlier].source
            if role(self.nb.cells[earlier]) == "test":
                source = visible_part(source)
            copy = NotebookNode(
                cell_type="code",
                metadata={},
                outputs=[],
                execution_count=None,
                source=source,
            )
            self.live.execute(copy, -1, max(1, self.deadline - time.monotonic()))

    def judge(self, cell: NotebookNode, index: int) -> None:
        """Void a test cell that was tampered with or comes after a void.

        A voided cell gets an :data:`INTEGRITY_ERROR` output, which makes
        nbgrader score it 0.
        """
        why = ""
        if cell.metadata.get(KEY, {}).get("tampered"):
            why = "this test cell was tampered with: " + cell.metadata[KEY]["tampered"]
        elif self.voided_from is not None and self.voided_from <= index:
            why = self.void_reason
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
        if self.trusted is not None:
            self.trusted.stop()
            self.trusted = None
        if self.mask_folder is not None:
            sandbox.remove_tree(self.mask_folder)
            self.mask_folder = None
        self.report.seconds = time.monotonic() - self.start
