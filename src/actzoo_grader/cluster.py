"""Return a connection to a Dask scheduler, whose workers run submissions.

``python -m actzoo_grader autograde --scheduler tcp://HOST:PORT`` sends
each submission's run (stage 1 of :mod:`actzoo_grader.autograde`) to the
workers of a Dask distributed scheduler instead of this machine's worker
processes. The two are interchangeable because both are
``concurrent.futures`` executors: :meth:`Scheduler.executor` is Dask's
``Client.get_executor()``.

What crosses to a worker is plain data (the submission's files as bytes,
the release, the hidden tests' source, the limits) and what comes back is
JSON text; a worker never sees the course folder or the gradebook, which
only this process, the coordinator, writes. Each worker runs submissions in
its own sandbox, rootless where it is not root, and says which in each
report.

A worker that is lost mid-batch costs nothing: the scheduler runs its
submissions again on another worker. A run that raises (a worker that
cannot make sandboxes, a grader of another version) is tried
:data:`RETRIES` more times before the submission is recorded as FAILED
with the reason.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import Executor
from typing import Any

from actzoo_grader.gradebook import GradingError

#: How to install Dask where it is missing: the course extra holds it.
INSTALL = 'pip install "actzoo[course]"'

#: More tries of a submission whose run raised, each on any worker.
RETRIES = 2

#: Seconds to wait for the scheduler to answer, unless told otherwise.
TIMEOUT = 10.0

#: ``tcp://HOST:PORT`` or ``tls://HOST:PORT``; HOST a name, an IPv4
#: address or an IPv6 address in brackets.
ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$")


def check_address(address: str) -> str:
    """Return ``address`` if it is a scheduler's address, else raise ValueError."""
    match = ADDRESS.match(address)
    if match is None or not 0 < int(match[3]) < 65536:
        raise ValueError(
            f"{address!r} is not a Dask scheduler's address: give "
            "tcp://HOST:PORT (or tls://HOST:PORT), as dask scheduler prints it"
        )
    return address


#: Dask's settings a coordinator needs for a ``tls://`` scheduler, by the
#: environment variables that give them.
TLS_SETTINGS = {
    "distributed.comm.tls.ca-file": "DASK_DISTRIBUTED__COMM__TLS__CA_FILE",
    "distributed.comm.tls.client.cert": "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT",
}


def tls_settings_missing() -> list[str]:
    """Return the TLS settings Dask lacks here, by their environment variables.

    The client's key may sit in its certificate's file, so only the
    certificate authority and the certificate are required.
    """
    import dask

    return [env for key, env in TLS_SETTINGS.items() if not dask.config.get(key, None)]


class Scheduler:
    """A client of the Dask scheduler at ``address``, connected on creation.

    Raises :class:`~actzoo_grader.gradebook.GradingError`, in one line, when
    Dask is not installed or the scheduler does not answer within
    ``timeout`` seconds.
    """

    def __init__(self, address: str, timeout: float = TIMEOUT) -> None:
        check_address(address)
        if not timeout > 0:
            raise ValueError(f"the scheduler's timeout must be positive, got {timeout}")
        try:
            from distributed import Client
        except ImportError:
            raise GradingError(
                "--scheduler needs Dask distributed, which is not installed "
                f"here: {INSTALL} (the course extra holds dask[distributed])"
            ) from None
        if address.startswith("tls://"):
            missing = tls_settings_missing()
            if missing:
                raise GradingError(
                    f"{address} is a TLS address, and Dask's settings here lack "
                    f"{', '.join(missing)}: set them to the certificate "
                    "authority's file and this machine's certificate and key"
                )
        # What goes wrong is said in one line here, not in Dask's log.
        logging.getLogger("distributed").setLevel(logging.ERROR)
        self.address = address
        self._threads = 0
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except Exception as exc:
            why = " ".join(str(exc).split()) or type(exc).__name__
            raise GradingError(
                f"cannot reach the Dask scheduler at {address} within "
                f"{timeout:g} s ({why}): start it there (dask scheduler), let "
                "this machine reach its port, or wait longer (--scheduler-timeout)"
            ) from None

    def __enter__(self) -> Scheduler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; the scheduler and its workers go on."""
        self.client.close()

    def executor(self) -> Executor:
        """Return a ``concurrent.futures`` executor that runs on the workers.

        Every call is its own task (``pure=False``: two identical
        submissions are two runs) and is tried :data:`RETRIES` more times
        when it raises.
        """
        executor: Executor = self.client.get_executor(retries=RETRIES, pure=False)
        return executor

    def threads(self) -> int:
        """Return how many submissions the workers run at once: their threads.

        While the scheduler does not answer, the last count it gave stands.
        """
        try:
            self._threads = sum(self.client.nthreads().values())
        except (OSError, TimeoutError):
            pass
        return self._threads

    def workers(self) -> int:
        """Return how many workers the scheduler has now."""
        return len(self.client.nthreads())

    def dashboard(self) -> str | None:
        """Return the address of the scheduler's dashboard, or None if it has none.

        The address is the one the scheduler serves it on, with the host
        this process reached the scheduler by.
        """
        info: dict[str, Any] = self.client.scheduler_info()
        port = info.get("services", {}).get("dashboard")
        if not port:
            return None
        host = self.address.split("://", 1)[1].rsplit(":", 1)[0]
        return f"http://{host}:{port}/status"

    def describe(self) -> str:
        """Return one line: the scheduler, its workers and threads, the dashboard."""
        workers, threads = self.workers(), self.threads()
        line = (
            f"Dask scheduler {self.address}: {workers} worker(s), {threads} thread(s)"
        )
        if not workers:
            line += " (none yet: submissions wait for workers to join)"
        board = self.dashboard()
        return line + (f"; dashboard {board}" if board else "")
