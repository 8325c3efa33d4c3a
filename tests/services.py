"""Servers the grading tests and the scale benchmark start: PostgreSQL and Dask.

Each runs as separate processes of its own, on free ports of this machine
(PostgreSQL on a socket folder of its own), and is stopped and removed
afterwards. Where one cannot be started, :class:`Unavailable` says why, and
the tests skip with that reason.

The Dask scheduler and workers are started with the very commands the
grading-at-scale page gives instructors (:func:`page_commands`), with the
page's shell variables set: ``HOST``, ``PORT`` and ``CORES``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: The page whose commands start the scheduler and the workers.
PAGE = ROOT / "chapters" / "hands_on" / "grading_at_scale.md"
#: The course environment's programs (``dask``, ``python``).
VENV_BIN = Path(sys.executable).parent


class Unavailable(Exception):
    """A server cannot be started here; the message says why."""


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------ PostgreSQL

#: Who runs the server when the tests run as root (Debian's package makes it).
POSTGRES_USER = "postgres"


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class PostgreSQL:
    """A private PostgreSQL server: its socket folder, port and programs."""

    folder: Path
    port: int
    bin: Path
    as_user: list[str]

    def url(self, database: str = "actzoo") -> str:
        """Return the SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql://postgres@/{database}?host={self.folder}&port={self.port}"

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        """Return the finished ``command``, run as the server's user."""
        return subprocess.run(
            [*self.as_user, *command], capture_output=True, text=True, timeout=120
        )

    def create(self, database: str) -> str:
        """Make an empty ``database``; return its URL."""
        made = self.run(
            str(self.bin / "createdb"), "-h", str(self.folder), "-p",
            str(self.port), "-U", "postgres", database,
        )  # fmt: skip
        if made.returncode != 0:
            raise RuntimeError(f"createdb {database} failed: {made.stderr.strip()}")
        return self.url(database)

    @property
    def version(self) -> str:
        """Return the server's major version, from its programs' folder."""
        return self.bin.parent.name


@contextlib.contextmanager
def postgresql() -> Iterator[PostgreSQL]:
    """Yield a private PostgreSQL server with a database ``actzoo``.

    It has its own data folder, port and socket folder, trusts local
    connections, and is stopped and removed afterwards. PostgreSQL refuses
    to run as root, so root runs it as the ``postgres`` user.
    """
    pg = _postgres_bin()
    if pg is None:
        raise Unavailable("PostgreSQL is not installed (scripts/install_postgresql.sh)")
    as_user: list[str] = []
    user = None
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam(POSTGRES_USER)
        except KeyError:
            raise Unavailable(
                f"PostgreSQL refuses root and there is no {POSTGRES_USER} user"
            ) from None
        runuser = shutil.which("runuser", path="/usr/sbin:/sbin:/usr/bin:/bin")
        if runuser is None:
            raise Unavailable("PostgreSQL refuses root and there is no runuser")
        as_user = [runuser, "-u", POSTGRES_USER, "--"]
    folder = Path(tempfile.mkdtemp(prefix="actzoo-pg-"))
    data = folder / "data"
    if user is not None:
        os.chown(folder, user.pw_uid, user.pw_gid)
    server = PostgreSQL(folder, free_port(), pg, as_user)
    try:
        made = server.run(
            str(pg / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"
        )
        if made.returncode != 0:
            raise Unavailable(f"initdb failed: {made.stderr.strip()[-300:]}")
        options = f"-k {folder} -p {server.port} -c listen_addresses=''"
        log = str(folder / "server.log")
        up = server.run(
            str(pg / "pg_ctl"), "-D", str(data), "-l", log, "-o", options, "-w", "start"
        )
        if up.returncode != 0:
            raise Unavailable(
                f"PostgreSQL did not start: {up.stdout + up.stderr}"[-400:]
            )
        server.create("actzoo")
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            server.run(str(pg / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------------ Dask


#: The commands the page must give, each once: ``(name, how it starts,
#: whether it is the TLS one)``.
COMMANDS = (
    ("scheduler", "dask scheduler ", False),
    ("worker", "dask worker ", False),
    ("autograde", "make autograde ", False),
    ("scheduler_tls", "dask scheduler ", True),
    ("worker_tls", "dask worker ", True),
    ("autograde_tls", "make autograde ", True),
)


def _page_blocks(page: Path) -> list[list[str]]:
    """Return each code block of ``page`` as its commands, continuations joined."""
    blocks: list[list[str]] = []
    inside = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if re.match(r"^\s*(```|~~~)", line):
            inside = not inside
            if inside:
                blocks.append([])
            continue
        if not inside:
            continue
        block = blocks[-1]
        text = line.strip()
        if block and block[-1].endswith("\\"):
            block[-1] = block[-1][:-1].rstrip() + " " + text
        elif text and not text.startswith("#"):
            block.append(text)
    return blocks


def page_commands(page: Path = PAGE) -> dict[str, str]:
    """Return the page's commands that start a scheduler, a worker and grading.

    They are the commands of the page's code blocks that begin ``dask
    scheduler``, ``dask worker`` and ``make autograde``: plain ones, and
    the ones for TLS (``--protocol tls``, ``tls://``), where the grading
    command comes with the ``export`` lines before it. Each must be there
    exactly once.
    """
    found: dict[str, list[str]] = {name: [] for name, _, _ in COMMANDS}
    for block in _page_blocks(page):
        exports: list[str] = []
        for command in block:
            if command.startswith("export DASK_"):
                exports.append(command)
                continue
            tls = "--protocol tls" in command or '"tls://' in command
            for name, start, for_tls in COMMANDS:
                if command.startswith(start) and tls == for_tls:
                    found[name].append("; ".join([*exports, command]))
    for name, lines in found.items():
        if len(lines) != 1:
            raise ValueError(
                f"{page.name} must give the {name} command once, in a code "
                f"block; it gives {len(lines)}: {lines}"
            )
    return {name: lines[0] for name, lines in found.items()}


def make_certificates(folder: Path, user: pwd.struct_passwd | None) -> Path:
    """Return a folder of TLS files made by ``openssl``, as the page names them.

    A certificate authority (``ca.pem``) signs a certificate and key for
    the scheduler, the workers and the client; ``stranger/`` holds a
    client's certificate and key signed by another authority. The folder
    is ``user``'s, who runs the scheduler and the workers.
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        raise Unavailable("openssl is not installed: no certificates for TLS")
    certs = folder / "certs"
    certs.mkdir(mode=0o700)

    def run(*args: str, cwd: Path = certs) -> None:
        subprocess.run([openssl, *args], cwd=cwd, check=True, capture_output=True)

    def authority(where: Path, name: str) -> None:
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", "ca.key", "-out", "ca.pem", "-subj", f"/CN={name}", cwd=where)  # fmt: skip

    def signed(where: Path, name: str) -> None:
        (where / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
            "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=where)  # fmt: skip
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey",
            "ca.key", "-CAcreateserial", "-out", f"{name}.pem", "-days", "2",
            "-extfile", "san.cnf", cwd=where)  # fmt: skip

    authority(certs, "actzoo-test-authority")
    for name in ("scheduler", "worker", "client"):
        signed(certs, name)
    stranger = certs / "stranger"
    stranger.mkdir()
    authority(stranger, "another-authority")
    signed(stranger, "client")
    if user is not None:
        for path in [certs, *certs.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid)
    return certs


def _start(
    command: str,
    log: Path,
    env: dict[str, str],
    folder: Path,
    user: pwd.struct_passwd | None,
) -> subprocess.Popen:
    """Start ``command`` in the shell as ``user``, in a process group of its own."""
    ids: dict[str, object] = {}
    if user is not None:
        ids = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    with log.open("w") as out:
        return subprocess.Popen(
            ["sh", "-c", f"exec {command}"],
            env=env,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **ids,  # type: ignore[arg-type]
        )


@dataclass
class DaskCluster:
    """A Dask scheduler and its workers, each a process group of its own."""

    address: str
    env: dict[str, str]
    folder: Path
    user: pwd.struct_passwd | None
    #: The TLS files (:func:`make_certificates`), or None for plain TCP.
    certs: Path | None = None
    processes: list[subprocess.Popen] = field(default_factory=list)

    def security(self) -> object:
        """Return the Dask security settings of a client of this cluster."""
        from distributed import Security

        if self.certs is None:
            return Security()
        return Security(
            tls_ca_file=str(self.certs / "ca.pem"),
            tls_client_cert=str(self.certs / "client.pem"),
            tls_client_key=str(self.certs / "client.key"),
            require_encryption=True,
        )

    def command(self, name: str) -> str:
        """Return the page's command ``name``, the TLS one on a TLS cluster."""
        return page_commands()[name + ("_tls" if self.certs else "")]

    @property
    def workers(self) -> list[subprocess.Popen]:
        """Return the worker processes started, the lost ones included."""
        return self.processes[1:]

    def start(self, command: str) -> subprocess.Popen:
        """Start the page's ``command``, as the cluster's user, and keep it."""
        log = self.folder / f"process{len(self.processes)}.log"
        process = _start(command, log, self.env, self.folder, self.user)
        self.processes.append(process)
        return process

    def add_worker(self, timeout: float = 120) -> subprocess.Popen:
        """Start one more worker (one process, one thread) and wait for it."""
        worker = self.start(self.command("worker"))
        self.wait_for(sum(w.poll() is None for w in self.workers), timeout)
        return worker

    def logs(self) -> str:
        """Return the end of every process's log, to explain a failure."""
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}"
            for p in sorted(self.folder.glob("*.log"))
        )

    def client(self, timeout: float = 10) -> Any:
        """Return a Dask client of the scheduler (use it in a ``with``)."""
        from distributed import Client

        return Client(
            self.address,
            timeout=timeout,
            set_as_default=False,
            security=self.security(),
        )

    def wait_for(self, workers: int, timeout: float = 120) -> None:
        """Wait until the scheduler has ``workers`` workers."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.client(timeout=5) as client:
                    client.wait_for_workers(workers, timeout=timeout)
                    return
            except (OSError, TimeoutError) as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the Dask cluster did not come up ({exc}):\n{self.logs()}"
                    ) from None
                time.sleep(0.5)

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """Kill ``process`` and everything it started, at once (SIGKILL)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        """Stop the workers, then the scheduler: politely, then by force."""
        for process in [*self.workers, *self.processes[:1]]:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    pass
            # The group's other processes (a nanny's worker) go too.
            self.kill(process)


def _dask_available() -> str | None:
    """Return why the Dask command line cannot run here, or None."""
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        return 'Dask is not installed (pip install "actzoo[course]")'
    if not (VENV_BIN / "dask").is_file():
        return f"no dask program beside {sys.executable}"
    return None


@contextlib.contextmanager
def dask_cluster(
    workers: int, user: pwd.struct_passwd | None = None, tls: bool = False
) -> Iterator[DaskCluster]:
    """Yield a Dask scheduler on 127.0.0.1 and ``workers`` workers, one thread each.

    Each is started by the page's command (:func:`page_commands`) as its own
    process group, as ``user`` (the current user when None), in a folder of
    its own; all are stopped afterwards. With ``tls``, the page's TLS
    commands run, with certificates made for the cluster (``CERTS``).
    """
    why = _dask_available()
    if why:
        raise Unavailable(why)
    folder = Path(tempfile.mkdtemp(prefix="actzoo-dask-"))
    folder.chmod(0o755)
    if user is not None:
        os.chown(folder, user.pw_uid, user.pw_gid)
    port = free_port()
    env = {
        "PATH": f"{VENV_BIN}:/usr/bin:/bin",
        "HOME": user.pw_dir if user else str(Path.home()),
        "USER": user.pw_name if user else os.environ.get("USER", ""),
        "LANG": "C.UTF-8",
        # Dask's scratch space and the workers' sandbox folders live in the
        # cluster's folder, which goes with it.
        "TMPDIR": str(folder),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DASHBOARD": str(free_port()),
        "CORES": "1",
    }
    cluster = DaskCluster(f"tcp://127.0.0.1:{port}", env, folder, user)
    try:
        if tls:
            cluster.certs = make_certificates(folder, user)
            cluster.address = f"tls://127.0.0.1:{port}"
            env["CERTS"] = str(cluster.certs)
        cluster.start(cluster.command("scheduler"))
        for _ in range(workers):
            cluster.add_worker()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
