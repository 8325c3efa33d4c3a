"""Carry requests between the trusted test process and the student's kernel.

:class:`TrustedProcess` starts ``python -m actzoo_grader.trusted`` and runs
cells in it; while a test cell runs there, each of its requests for the
student's values is handed to the kernel's agent, which serves a cell's
requests in one :class:`Session` (each request arrives as the answer to
an input prompt), and the answer, JSON text, is handed back unread: only
the trusted process reads it. When the student's code calls a function a
test passed in, the kernel asks on the same standard input channel; the
broker has the trusted process run the function and answers the kernel
with the result.
"""

from __future__ import annotations

import json
import os
import secrets
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import zmq
import zmq.asyncio

from actzoo_grader import sandbox, wire
from actzoo_grader.agent import READY

#: The trusted process's own limit for one message, in characters.
MAX_LINE = wire.MAX_CHARS + (1 << 20)


#: Seconds a kernel has to stop what it runs after an interrupt.
INTERRUPT_GRACE = 5


class Timeout(Exception):
    """The cell ran out of time."""


class KernelGone(Exception):
    """The kernel died or stopped answering while serving a request."""


class TrustedGone(Exception):
    """The trusted process ended or stopped answering."""


def agent_setup(name: str) -> str:
    """Return the code that installs the agent in the kernel as ``name``.

    It does nothing where the agent is there already, and puts it back
    where the student's code removed it (``%reset``).
    """
    return (
        f"if not hasattr(globals().get({name!r}), 'serve'):\n"
        "    import actzoo_grader.agent as _actzoo_agent_module\n"
        f"    {name} = _actzoo_agent_module.Agent(get_ipython().user_ns)\n"
        "    del _actzoo_agent_module\n"
    )


def agent_name() -> str:
    """Return a fresh name for the agent in the kernel's namespace."""
    return "_actzoo_agent_" + secrets.token_hex(6)


class TrustedProcess:
    """One trusted test process for one notebook."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="actzoo-trusted-"))
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONSAFEPATH="1")
        env.pop("JPY_PARENT_PID", None)
        self.log = open(self.folder / "stderr.txt", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "actzoo_grader.trusted"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            cwd=self.folder,
            env=env,
            # Ctrl-C is the grader's to handle: the process ends when the
            # grader closes its input, or is stopped by it.
            start_new_session=True,
        )
        self.buffer = b""

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message).encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise TrustedGone(self.why()) from None

    def receive(self, deadline: float) -> dict[str, Any]:
        """Return the next message, waiting until ``deadline`` at most."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout()
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise TrustedGone(self.why())
                self.buffer += chunk
                if len(self.buffer) > MAX_LINE:
                    raise TrustedGone("a message longer than the limit")
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def why(self) -> str:
        code = self.process.poll()
        self.log.flush()
        tail = (
            (self.folder / "stderr.txt").read_bytes()[-2000:].decode(errors="replace")
        )
        return f"the trusted test process ended (exit code {code}): {tail.strip()}"

    def stop(self) -> None:
        try:
            self.send({"op": "stop"})
            self.process.wait(timeout=5)
        except Exception:
            self.process.kill()
            self.process.wait()
        self.log.close()
        sandbox.remove_tree(self.folder)

    def run(
        self,
        kind: str,
        index: int,
        source: str,
        deadline: float,
        kernel: Callable[[dict[str, Any], float], dict[str, Any]] | None,
    ) -> dict[str, Any]:
        """Run a cell; serve its requests through ``kernel``; return ``done``.

        ``kernel(request, deadline)`` returns the ``answer`` message for a
        request; without it (a replay), every request is answered that
        the kernel is gone.
        """
        self.send({"op": "run", "kind": kind, "index": index, "source": source})
        while True:
            message = self.receive(deadline)
            op = message.get("op")
            if op == "done":
                return message
            if op == "kernel":
                if kernel is None:
                    answer = {
                        "op": "answer",
                        "reply": None,
                        "ename": "RuntimeError",
                        "evalue": "the kernel is not running",
                    }
                else:
                    answer = kernel(message.get("request", {}), deadline)
                self.send(answer)
            else:
                raise TrustedGone(f"an unexpected message {op!r}")

    def callback(self, prompt: str, deadline: float) -> str:
        """Run a trusted function the kernel asked for; return its JSON reply."""
        try:
            request = json.loads(prompt)
            message = {
                "op": "callback",
                "id": int(request["callback"]),
                "args": request["args"],
                "kwargs": request["kwargs"],
            }
        except (ValueError, KeyError, TypeError):
            return json.dumps({"raised": "the request could not be read"})
        self.send(message)
        reply = self.receive(deadline)
        if reply.get("op") != "callback_done":
            raise TrustedGone(f"an unexpected message {reply.get('op')!r}")
        reply.pop("op")
        return json.dumps(reply)


class Session:
    """One cell's requests to the agent, served by one long-running request.

    :meth:`start` runs the agent's session in the kernel; every
    :meth:`ask` hands it a request as the answer to its input prompt and
    waits for the next prompt, which carries the reply, serving the
    callbacks the student's code makes meanwhile and passing on what it
    shows; :meth:`end` stops it. Raises :class:`Timeout` (after
    interrupting the kernel) or :class:`KernelGone`.
    """

    def __init__(
        self,
        client: Any,
        km: Any,
        agent: str,
        on_output: Callable[[dict[str, Any]], None],
    ) -> None:
        self.client = client
        self.km = km
        self.agent = agent
        self.on_output = on_output
        self.msg_id: str | None = None
        self.poller = zmq.asyncio.Poller()
        self.poller.register(client.iopub_channel.socket, zmq.POLLIN)
        self.poller.register(client.stdin_channel.socket, zmq.POLLIN)
        #: Whether the session's request has ended (idle).
        self.over = False

    async def start(self, deadline: float) -> None:
        """Start the session; return when the agent waits for a request."""
        # The agent is put back first if the student's code removed it.
        self.msg_id = self.client.execute(
            agent_setup(self.agent) + f"{self.agent}.session()\n",
            silent=True,
            store_history=False,
            allow_stdin=True,
        )
        await self._wait(deadline, lambda prompt: "")

    async def ask(
        self, request: str, deadline: float, on_input: Callable[[str], str]
    ) -> str | None:
        """Return the agent's reply to ``request`` (None if it gave none)."""
        if self.over:
            raise KernelGone("the agent's session ended")
        self.client.input(request)
        return await self._wait(deadline, on_input)

    async def end(self, deadline: float) -> None:
        """Stop the session, if it still runs."""
        if not self.over and self.msg_id is not None:
            self.client.input("end")
            try:
                await self._wait(deadline, lambda prompt: "")
            except (Timeout, KernelGone):
                pass

    async def _wait(
        self, deadline: float, on_input: Callable[[str], str]
    ) -> str | None:
        """Serve the kernel until it asks for a request again or stops."""
        client = self.client
        interrupted = False
        checked = time.monotonic()
        while True:
            now = time.monotonic()
            if now > deadline and not interrupted:
                interrupted = True
                await self.km.interrupt_kernel()
                deadline = now + INTERRUPT_GRACE
            elif now > deadline:
                # Still busy after the interrupt: the grader replaces it.
                self.over = True
                raise Timeout()
            if now - checked > 0.5:
                checked = now
                if not await self.km.is_alive():
                    self.over = True
                    if interrupted:  # stopped for running too long
                        raise Timeout()
                    raise KernelGone("the kernel died")
            ready = dict(await self.poller.poll(timeout=200))
            if client.iopub_channel.socket in ready:
                msg = await client.get_iopub_msg(timeout=0)
                if msg["parent_header"].get("msg_id") == self.msg_id:
                    kind = msg["msg_type"]
                    content = msg["content"]
                    if kind == "status" and content.get("execution_state") == "idle":
                        self.over = True
                        if interrupted:
                            raise Timeout()
                        return None
                    if kind in ("stream", "display_data", "error"):
                        self.on_output(msg)
            if client.stdin_channel.socket in ready:
                msg = await client.get_stdin_msg(timeout=0)
                if (
                    msg["parent_header"].get("msg_id") == self.msg_id
                    and msg["msg_type"] == "input_request"
                ):
                    prompt = str(msg["content"].get("prompt", ""))
                    if prompt.startswith(READY) and not interrupted:
                        reply = prompt[len(READY) :]
                        ok = reply and len(reply) <= wire.MAX_CHARS
                        return reply if ok else None
                    client.input(on_input(prompt))
