"""Return a notebook executed under guard: bounded, probed, canary-checked.

:func:`run_notebook` executes a sanitized notebook (see
:func:`grading.integrity.sanitize`) cell by cell in a fresh kernel, in a
sandbox (:mod:`grading.sandbox`) unless told otherwise, and decides from
outside the kernel which test cells really passed:

- before each test cell a probe reports the kernel's hooks and the
  functions of the modules the tests use; any change since the kernel
  started voids that test and every later one;
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
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

from grading import integrity, sandbox
from grading.integrity import Finding

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
    seconds: float = 0.0
    sandboxed: bool = True

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dictionary."""
        return {
            "findings": [f.as_dict() for f in self.findings],
            "restarts": self.restarts,
            "timeouts": self.timeouts,
            "output_dropped": self.output_dropped,
            "leftover_processes": self.leftover_processes,
            "seconds": round(self.seconds, 3),
            "sandboxed": self.sandboxed,
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

    def output(self, outs, msg, display_id, cell_index):
        """Keep an output while the budget lasts; count the rest."""
        content = msg.get("content", {})
        size = sum(len(str(v)) for v in content.values())
        if self.used + size > self.budget:
            self.dropped += 1
            return None
        self.used += size
        return super().output(outs, msg, display_id, cell_index)


def _error(name: str, value: str) -> NotebookNode:
    return NotebookNode(
        output_type="error", ename=name, evalue=value, traceback=[f"{name}: {value}"]
    )


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
        if uid is None:
            env = dict(
                os.environ,
                HOME=str(workdir),
                IPYTHONDIR=str(workdir / ".ipython"),
                MPLBACKEND="Agg",
                OMP_NUM_THREADS="1",
                PYTHONHASHSEED="0",
            )
            env.pop("JPY_PARENT_PID", None)
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
        self.client.start_new_kernel_client()

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
            self.client.execute_cell(cell, max(index, 0), store_history=index >= 0)
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
        if self.uid is not None:
            # The sandbox's process namespace takes its processes down
            # with it; give that a moment, then kill what is left.
            for _ in range(100):
                if not sandbox.processes_of(self.uid):
                    break
                time.sleep(0.03)
            killed = len(sandbox.sweep(self.uid))
        for group in self.groups:
            sandbox.remove_cgroup(group)
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
    start = time.monotonic()
    deadline = start + limits.wall
    report = RunReport(findings=list(findings or []), sandboxed=uid is not None)
    protected: set[str] = set()
    module_names: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            bound = integrity.bound_names(cell.source)
            if integrity.role(cell) == "given":
                protected |= bound
            module_names |= {
                name.split(".")[0] for name in integrity.imported_modules([cell.source])
            }
    module_names |= {m.split(".")[0] for m in modules}
    # Names a given cell imports are protected; so is every module name.
    voided_from: int | None = None
    void_reason = ""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and integrity.role(cell) == "student":
            found = integrity.static_findings(
                cell.source, f"cell {index + 1}", protected, module_names | protected
            )
            report.findings += found
            if found and voided_from is None:
                voided_from = index
                void_reason = (
                    f"cell {index + 1} reaches for the test "
                    f"machinery ({found[0].detail})"
                )

    kernel: _Kernel | None = None
    replay: list[int] = []
    tag = "ACTZOO_PROBE_" + secrets.token_hex(8)

    def probe(k: _Kernel) -> dict[str, Any] | None:
        cell = NotebookNode(
            cell_type="code",
            metadata={},
            outputs=[],
            execution_count=None,
            source=integrity.probe_source(tag, modules),
        )
        k.execute(cell, -1, 60)
        return integrity.read_probe(_stream_text(cell), tag)

    def fresh() -> tuple[_Kernel, dict[str, Any] | None]:
        k = _Kernel(nb, workdir, uid, limits, limits.output)
        return k, probe(k)

    budget_note = False
    try:
        kernel, baseline = fresh()
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            remaining = deadline - time.monotonic()
            is_test = integrity.role(cell) == "test"
            if remaining <= 1:
                cell.outputs = [
                    _error(
                        "WallClockLimit",
                        (f"not run: the notebook used up its {limits.wall} s"),
                    )
                ]
                continue
            timeout = min(limits.cell_timeout, remaining)
            token = ""
            original = cell.source
            if is_test:
                if voided_from is None:
                    state = probe(kernel)
                    if state is None or baseline is None:
                        changes = ["the kernel did not answer the grader's probe"]
                    else:
                        changes = integrity.compare_probes(baseline, state)
                    if changes:
                        voided_from = index
                        void_reason = (
                            "the kernel's test machinery was "
                            "changed: " + "; ".join(changes)
                        )
                        report.findings.append(
                            Finding(
                                "hook",
                                integrity.cell_label(cell, index),
                                "; ".join(changes),
                                True,
                            )
                        )
                token = "ACTZOO_DONE_" + secrets.token_hex(16)
                cell.source = original + f"\nprint({token!r})\n"
            try:
                reply = kernel.execute(cell, index, timeout)
            finally:
                cell.source = original
            status = reply["content"].get("status") if reply else "dead"
            if (
                reply is not None
                and status == "error"
                and not any(o.get("output_type") == "error" for o in cell.outputs)
            ):
                content = reply["content"]
                cell.outputs.append(
                    _error(content.get("ename", "Error"), content.get("evalue", ""))
                )
            if (
                reply is not None
                and reply["content"].get("ename") == "CellTimeoutError"
            ):
                report.timeouts += 1
                cell.outputs.append(
                    _error(
                        "CellTimeoutError",
                        (f"the cell ran longer than {timeout:.0f} s and was stopped"),
                    )
                )
                if not kernel.responsive():
                    reply = None
            if reply is None:
                cell.outputs.append(
                    _error(
                        "KernelDied",
                        (
                            "the kernel stopped while running this cell (it exited, "
                            "crashed or hit a limit); a fresh kernel runs the "
                            "remaining cells"
                        ),
                    )
                )
                report.leftover_processes += kernel.stop()
                kernel = None
                report.restarts += 1
                if report.restarts > 3:
                    for later in nb.cells[index + 1 :]:
                        if later.cell_type == "code":
                            later.outputs = [
                                _error(
                                    "KernelDied", ("not run: the kernel died too often")
                                )
                            ]
                    break
                kernel, baseline = fresh()
                for earlier in replay:
                    copy = NotebookNode(
                        cell_type="code",
                        metadata={},
                        outputs=[],
                        execution_count=None,
                        source=nb.cells[earlier].source,
                    )
                    kernel.execute(copy, -1, max(1, deadline - time.monotonic()))
            else:
                # Test cells too: later tests may use what earlier ones
                # define.
                replay.append(index)
            if is_test:
                ran = bool(token) and token in _stream_text(cell)
                _remove_text(cell, token + "\n")
                passed = reply is not None and status == "ok"
                why = ""
                if cell.metadata.get(integrity.KEY, {}).get("tampered"):
                    why = (
                        "this test cell was tampered with: "
                        + cell.metadata[integrity.KEY]["tampered"]
                    )
                elif voided_from is not None and voided_from <= index:
                    why = void_reason
                elif passed and not ran:
                    why = "this test cell did not run to its end"
                    report.findings.append(
                        Finding(
                            "canary",
                            integrity.cell_label(cell, index),
                            "the test reported success without running to its end",
                            True,
                        )
                    )
                if why:
                    cell.outputs.append(
                        _error(INTEGRITY_ERROR, why + "; it scores no points")
                    )
            if kernel.client.dropped and not budget_note:
                budget_note = True
                cell.outputs.append(
                    NotebookNode(
                        output_type="stream",
                        name="stderr",
                        text=f"[output beyond {limits.output} bytes dropped]\n",
                    )
                )
    finally:
        if kernel is not None:
            report.output_dropped = kernel.client.dropped
            report.leftover_processes += kernel.stop()
    report.seconds = time.monotonic() - start
    return report
