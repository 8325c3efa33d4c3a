"""Return sandboxes: a throwaway folder and a bounded, isolated kernel.

Every graded submission runs in its own sandbox:

- **A throwaway folder.** The kernel's working folder holds a copy of the
  student's own files and nothing else; it is deleted afterwards. The
  notebook with the hidden tests never enters it: the tests reach the
  kernel one cell at a time over the Jupyter protocol.
- **Isolation** (Debian's ``bubblewrap``). The kernel sees a read-only
  view of the system's programs and of the Python environment, its own
  folder, an empty ``/tmp`` and nothing else: no ``solutions/``, no
  gradebook, no other student, no home folder. It has no network (a new,
  empty network namespace) and its own process namespace, so every process
  it starts, ``setsid`` or not, dies with the sandbox. It runs as an
  unprivileged user id of its own (one per parallel job) with no
  capabilities and ``no_new_privs``.
- **Limits.** CPU seconds, address space, processes, file size and open
  files are resource limits of the kernel; wall-clock time and output
  size are enforced by the grader outside the sandbox.

Where ``bwrap`` is missing or cannot create namespaces (an unprivileged
container, say), :func:`check` says why; the grader then refuses to run
unless the instructor explicitly allows an unsandboxed run, which it
reports loudly.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_client import KernelManager

#: User ids of the sandboxed kernels: one per parallel job, never a real
#: account, so the process limit counts exactly one sandbox's processes.
FIRST_UID = 61000
#: How many such ids there are, for all the grading runs of a machine.
UID_COUNT = 1000
#: Where a job's claim on its user id is kept (root's, like the ids).
LEASES = Path("/run/actzoo-sandbox")


@dataclass(frozen=True)
class Limits:
    """Return the bounds on one submission's run.

    Parameters
    ----------
    cell_timeout
        Seconds of wall-clock time one cell may run.
    wall
        Seconds of wall-clock time the whole notebook may run.
    cpu
        CPU seconds the kernel process may use in all.
    memory
        Bytes of address space of each process in the sandbox.
    processes
        Processes and threads the sandbox's user may have at once.
    output
        Bytes of output (text, images, errors) kept from the whole
        notebook; the rest is dropped with a note.
    file_size
        Bytes of the largest file the kernel may write.
    disk
        Bytes the sandbox may write in all: its work folder, and its
        ``/tmp`` (a memory file system of that size).
    open_files
        File descriptors each process may hold.
    """

    cell_timeout: int = 120
    wall: int = 900
    cpu: int = 900
    memory: int = 4 << 30
    processes: int = 128
    output: int = 4 << 20
    file_size: int = 64 << 20
    disk: int = 512 << 20
    open_files: int = 256

    def __post_init__(self) -> None:
        for name in (
            "cell_timeout",
            "wall",
            "cpu",
            "memory",
            "processes",
            "output",
            "file_size",
            "disk",
            "open_files",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"limit {name} must be a positive integer, got {value!r}"
                )


#: Address space that PyTorch's CUDA build reserves when it is imported,
#: beyond what it uses (about 3.5 GB, rounded up).
CUDA_RESERVE = 8 << 30


def cuda_torch() -> bool:
    """Return True if the installed PyTorch is a CUDA build.

    It is found from its files (``torch/lib/libtorch_cuda.so``), without
    importing it.
    """
    import importlib.util

    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return False
    lib = Path(next(iter(spec.submodule_search_locations))) / "lib"
    return any(lib.glob("libtorch_cuda*")) or any(lib.glob("libc10_cuda*"))


def address_space(limits: Limits, cuda: bool | None = None) -> int:
    """Return the address-space limit of each process in a sandbox.

    It is the memory limit, plus :data:`CUDA_RESERVE` where PyTorch's CUDA
    build is installed (``cuda``: found by :func:`cuda_torch` when None).
    That build reserves address space it never uses; with the plain limit
    its import fails with ``MemoryError`` and correct submissions score
    nothing. What the sandbox uses in all stays bounded by its control
    group where there is one.
    """
    if cuda is None:
        cuda = cuda_torch()
    return limits.memory + (CUDA_RESERVE if cuda else 0)


def bwrap() -> str | None:
    """Return the path of the ``bwrap`` program, or None."""
    return shutil.which("bwrap")


def check() -> str | None:
    """Return why sandboxes cannot be made here, or None if they can.

    A real sandbox is started (``true`` inside it) so that a ``bwrap`` that
    exists but may not create namespaces is caught here, with its message.
    """
    program = bwrap()
    if program is None:
        return (
            "bubblewrap is not installed (Debian: apt-get install "
            "bubblewrap, or sh scripts/install_bubblewrap.sh as root)"
        )
    probe = [
        program,
        *_namespace_args(rootless=os.geteuid() != 0),
        "--ro-bind",
        "/",
        "/",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "true",
    ]
    proc = subprocess.run(probe, capture_output=True, text=True)
    if proc.returncode != 0:
        return (
            f"bubblewrap cannot create a sandbox ({proc.stderr.strip()}); "
            + _userns_remedy()
        )
    return None


#: Settings that forbid ordinary users to make user namespaces, and the
#: one-line remedy for each.
USERNS_SWITCHES = (
    (
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
        "1",
        "AppArmor forbids unprivileged user namespaces (Ubuntu 24.04 and "
        "later): sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0, "
        "or grade as root",
    ),
    (
        "/proc/sys/kernel/unprivileged_userns_clone",
        "0",
        "the kernel forbids unprivileged user namespaces: sudo sysctl "
        "kernel.unprivileged_userns_clone=1, or grade as root",
    ),
    (
        "/proc/sys/user/max_user_namespaces",
        "0",
        "user namespaces are switched off: sudo sysctl "
        "user.max_user_namespaces=15000, or grade as root",
    ),
)


def _userns_remedy() -> str:
    """Return the cause and remedy when user namespaces cannot be made."""
    if os.geteuid() == 0:
        return "check that this container may create namespaces"
    for path, value, remedy in USERNS_SWITCHES:
        try:
            if Path(path).read_text().strip() == value:
                return remedy
        except OSError:
            continue
    return (
        "user namespaces seem forbidden here (a container's seccomp profile "
        "can forbid them): allow them, or grade as root"
    )


def isolation(uid: int | None) -> str:
    """Return one line that says how a kernel of sandbox ``uid`` is isolated.

    None is no sandbox at all. The line names the namespaces, whether the
    sandbox has a user id of its own and whether a control group bounds
    it as a whole.
    """
    if uid is None:
        return "none: student code runs as the grading user, unisolated"
    groups = cgroups_possible()
    if uid == os.geteuid():
        return (
            "rootless: user+pid+net+ipc+uts namespaces, the grader's own "
            f"user id; control group: {'yes' if groups else 'no'} (memory "
            "watched as a whole, limits per process, process count per sandbox)"
        )
    return (
        "root: pid+net+ipc+uts namespaces, a user id of its own per job; "
        f"control group: {'yes' if groups else 'no'}"
    )


def cgroups_possible() -> bool:
    """Return True if this process may make control groups for sandboxes."""
    if os.geteuid() != 0:
        return False
    return os.access(CGROUP_ROOT, os.W_OK) or any(
        os.access(CGROUP_ROOT / c, os.W_OK) for c in ("cpu", "memory", "pids")
    )


def _namespace_args(rootless: bool = False) -> list[str]:
    return [
        *(["--unshare-user"] if rootless else []),
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
    ]


def _mkdirs(path: Path, made: set[Path]) -> list[str]:
    """Return bwrap arguments that create ``path``'s parents, readable by all.

    They are writable by nobody: in a rootless sandbox the kernel's own
    user made them, and could otherwise add files to them, even where
    they lie on the sandbox's writable ``/tmp``.
    """
    args: list[str] = []
    for parent in reversed(path.parents):
        if parent == Path("/") or parent in made:
            continue
        made.add(parent)
        args += ["--perms", "0555", "--dir", str(parent)]
    return args


def readable_roots() -> list[Path]:
    """Return the folders a kernel must read: Python and the environment.

    These are the interpreter's installation, the virtual environment and
    the folders of packages installed in editable mode (``src/`` of this
    repository, which holds ``actzoo`` and ``actzoo_grader`` but no solution).
    """
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    import actzoo
    import actzoo_grader

    for package in (actzoo, actzoo_grader):
        assert package.__file__ is not None  # regular packages, not namespaces
        roots.add(Path(package.__file__).resolve().parents[1])
    system = (Path("/usr"), Path("/etc"))
    keep = [r for r in roots if not any(r == s or s in r.parents for s in system)]
    # Drop roots inside other roots.
    return sorted(r for r in keep if not any(o != r and o in r.parents for o in keep))


#: Where the kernel mounts control groups (version 1: one tree per
#: controller; version 2: one unified tree).
CGROUP_ROOT = Path("/sys/fs/cgroup")


def cgroups(uid: int, limits: Limits) -> list[Path]:
    """Return control groups made for sandbox ``uid``, limits set.

    A control group bounds the sandbox as a whole, where resource limits
    bound each process: one CPU core (so a fork bomb cannot starve the
    other jobs), ``limits.memory`` bytes of memory for all its processes
    together, and ``limits.processes`` processes. Where control groups
    cannot be made (no permission, not mounted), the list is empty and the
    per-process limits remain.
    """
    v1 = {
        "cpu": {"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "100000"},
        "memory": {"memory.limit_in_bytes": str(limits.memory)},
        "pids": {"pids.max": str(limits.processes)},
    }
    v2 = {
        "cpu.max": "100000 100000",
        "memory.max": str(limits.memory),
        "pids.max": str(limits.processes),
    }
    made: list[Path] = []
    try:
        if (CGROUP_ROOT / "cgroup.controllers").is_file():
            group = CGROUP_ROOT / f"actzoo-{uid}"
            group.mkdir(exist_ok=True)
            for key, value in v2.items():
                if (group / key).exists():
                    (group / key).write_text(value)
            return [group]
        for controller, settings in v1.items():
            base = CGROUP_ROOT / controller
            if not (base / "cgroup.procs").is_file():
                continue
            group = base / f"actzoo-{uid}"
            group.mkdir(exist_ok=True)
            for key, value in settings.items():
                (group / key).write_text(value)
            made.append(group)
    except OSError:
        for group in made:
            remove_cgroup(group)
        return []
    return made


def remove_cgroup(group: Path) -> None:
    """Remove an (empty) control group; ignore one that is gone or busy."""
    try:
        group.rmdir()
    except OSError:
        pass


def command(
    argv: list[str],
    workdir: Path,
    uid: int,
    limits: Limits,
    groups: list[Path] | None = None,
    masks: list[tuple[Path, Path]] | None = None,
) -> list[str]:
    """Return the command that runs ``argv`` inside a sandbox.

    ``workdir`` is bound read-write at its own path (so that the kernel's
    connection file and sockets have the same names inside and out) and is
    the only writable place besides an empty ``/tmp``. The sandbox enters
    the control groups ``groups`` before anything in it starts. Each
    ``(stand-in, original)`` of ``masks`` (:mod:`actzoo_grader.masking`) is
    laid read-only over the original.
    """
    program = bwrap()
    if program is None:
        raise RuntimeError(check() or "bubblewrap is not installed")
    enter: list[str] = []
    if groups:
        script = (
            "".join(f'echo $$ > "{g / "cgroup.procs"}" && ' for g in groups)
            + 'exec "$0" "$@"'
        )
        enter = ["/bin/sh", "-c", script]
    rootless = uid == os.geteuid()
    args = [
        *enter,
        program,
        *_namespace_args(rootless),
        "--clearenv",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for name in ("bin", "lib", "lib64", "sbin"):
        link = Path("/") / name
        if link.is_symlink():
            args += ["--symlink", os.readlink(link), str(link)]
        elif link.is_dir():
            args += ["--ro-bind", str(link), str(link)]
    for etc in (
        "ld.so.cache",
        "alternatives",
        "localtime",
        "passwd",
        "group",
        "nsswitch.conf",
    ):
        if (Path("/etc") / etc).exists():
            args += ["--ro-bind", f"/etc/{etc}", f"/etc/{etc}"]
    # /tmp first: the environment or the work folder may live under it,
    # and their binds must land on top of the empty /tmp, not under it.
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777"]
    args += ["--size", str(limits.disk), "--tmpfs", "/tmp"]
    # The kernel's home: empty at every start, outside the work folder, so
    # that nothing handed in (an IPython profile, a startup file) runs.
    args += ["--perms", "1777", "--dir", str(SANDBOX_HOME)]
    made: set[Path] = {Path("/tmp"), SANDBOX_HOME}
    for root in readable_roots():
        args += [*_mkdirs(root, made), "--ro-bind", str(root), str(root)]
    for stand_in, original in masks or []:
        args += ["--ro-bind", str(stand_in), str(original)]
    args += [
        *_mkdirs(workdir, made),
        "--bind",
        str(workdir),
        str(workdir),
        # The skeleton of folders made above is read-only: in a user
        # namespace its creator, the kernel's own user, could write there.
        "--remount-ro",
        "/",
        "--chdir",
        str(workdir),
    ]
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        **kernel_environment(SANDBOX_HOME),
        "JUPYTER_RUNTIME_DIR": str(workdir / ".jupyter"),
    }
    for key, value in env.items():
        args += ["--setenv", key, value]
    setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
    prlimit = shutil.which("prlimit") or "/usr/bin/prlimit"
    if not rootless:
        # Root's sandbox: a user id of its own, every capability dropped.
        # A rootless one runs in its own user namespace, where bubblewrap
        # has already dropped every capability and set no_new_privs.
        args += [
            setpriv,
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
        ]
    args += [
        prlimit,
        f"--cpu={limits.cpu}",
        f"--as={address_space(limits)}",
        f"--nproc={limits.processes}",
        f"--fsize={limits.file_size}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--",
    ]
    if rootless:
        # No control group holds a rootless sandbox to one core: it runs at
        # a lower priority, so the grader's other work comes first.
        args += [shutil.which("nice") or "/usr/bin/nice", "-n", str(NICENESS)]
    return args + list(argv)


#: The scheduling priority a rootless sandbox runs at (``nice``).
NICENESS = 10


#: The sandboxed kernel's home folder, on the sandbox's own empty ``/tmp``.
SANDBOX_HOME = Path("/tmp/home")


def kernel_environment(home: Path) -> dict[str, str]:
    """Return the environment variables of a grading kernel living in ``home``.

    ``home`` is an empty folder outside the work folder: the kernel's
    IPython profile and Matplotlib's settings are made there, so files
    handed in beside a notebook never configure the kernel. The working
    folder is not on the module path (``PYTHONSAFEPATH``; IPython honours
    it too), so a handed-in ``numpy.py`` or ``actzoo.py`` is data, never
    imported.
    """
    return {
        "HOME": str(home),
        "IPYTHONDIR": str(home / ".ipython"),
        "MPLCONFIGDIR": str(home / ".matplotlib"),
        "MPLBACKEND": "Agg",
        "PYTHONSAFEPATH": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONNOUSERSITE": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }


def processes_of(uid: int) -> list[int]:
    """Return the ids of the running processes owned by ``uid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid == uid:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def sweep(uid: int, attempts: int = 50) -> list[int]:
    """Kill every process of ``uid``; return the ids that were running.

    The sandbox's process namespace already ends them all when the sandbox
    stops; this is the second line, for processes of a sandbox whose
    namespace could not be made.
    """
    killed: list[int] = []
    for _ in range(attempts):
        pids = processes_of(uid)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    return sorted(set(killed))


def _tree(root: int) -> list[int]:
    """Return process ``root`` and its descendants, from ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            line = (entry / "stat").read_text()
        except OSError:
            continue
        # The name in parentheses may hold spaces: read after its end.
        fields = line[line.rfind(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _pss(pid: int) -> int:
    """Return a process's proportional share of memory, in bytes (0 if gone).

    Pages shared between processes (a forked Python's, say) count once in
    all, split between them, where resident sizes would count them in each.
    """
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _folder_bytes(folder: Path) -> int:
    """Return the disk space the files under ``folder`` take, links unfollowed."""
    total, todo = 0, [str(folder)]
    while todo:
        try:
            entries = list(os.scandir(todo.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += info.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                todo.append(entry.path)
    return total


def _unlinked_bytes(pids: list[int]) -> int:
    """Return the disk space of deleted files that ``pids`` still hold open.

    A file removed while open keeps its space until it is closed, and no
    walk of a folder finds it.
    """
    total = 0
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                info = os.stat(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_nlink == 0:
                total += info.st_blocks * 512
    return total


class Watch:
    """Stop a sandbox that takes more memory or disk in all than it may.

    Where no control group bounds a sandbox as a whole (a grader that is
    not root), each of its processes is bounded by its address-space limit
    alone, and many processes could together take much more. And no
    process limit bounds the disk: a per-file size limit does not stop
    many files. This watch, outside the sandbox, measures every ``period``
    seconds the memory (proportional set size) of the sandbox's process
    tree, when ``memory`` is given, and the disk its work ``folder`` takes
    (with deleted files still held open), and kills the sandbox (its first
    process; the process namespace takes the rest) when either passes its
    limit. The bounds hold within one period's growth. :attr:`tripped`
    says which was passed.
    """

    def __init__(
        self,
        pid: int,
        folder: Path,
        disk: int,
        memory: int | None = None,
        period: float = 0.2,
    ) -> None:
        self.pid, self.folder, self.period = pid, folder, period
        self.disk, self.memory = disk, memory
        self.tripped: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Watch:
        """Start watching; return self."""
        self._thread.start()
        return self

    def over(self) -> str | None:
        """Return ``"memory"`` or ``"disk"`` when that limit is passed, else None."""
        pids = _tree(self.pid)
        if self.memory is not None and sum(map(_pss, pids)) > self.memory:
            return "memory"
        if _folder_bytes(self.folder) + _unlinked_bytes(pids) > self.disk:
            return "disk"
        return None

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            passed = self.over()
            if passed:
                self.tripped = passed
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                return

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        self._thread.join(timeout=5)


class UidLease:
    """A sandbox user id held by this process alone, across the machine.

    Every grading run on a machine draws its jobs' user ids from the same
    range; a job claims one with an exclusive lock on a file of its own
    (``LEASES/<uid>.lock``), which it holds until :meth:`release` or until
    its process ends, however it ends. Two runs at once therefore never
    share a user id, and the sweep of one job's processes cannot reach
    another's kernel. Processes left by a job that died are swept when the
    id is claimed again.
    """

    def __init__(self, uid: int, fd: int) -> None:
        self.uid = uid
        self._fd: int | None = fd

    @classmethod
    def claim(
        cls, folder: Path = LEASES, first: int = FIRST_UID, count: int = UID_COUNT
    ) -> UidLease:
        """Return a lease on the first free user id from ``first`` on."""
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
        if not os.path.isdir(folder) or folder.is_symlink():
            raise RuntimeError(f"{folder} is not a folder")
        if info.st_uid != os.geteuid() or info.st_mode & 0o022:
            raise RuntimeError(
                f"{folder} must belong to the grading user and be writable by it alone"
            )
        for uid in range(first, first + count):
            flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
            fd = os.open(folder / f"{uid}.lock", flags, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            sweep(uid)
            return cls(uid, fd)
        raise RuntimeError(
            f"all {count} sandbox user ids are in use: too many grading "
            "jobs at once on this machine"
        )

    def release(self) -> None:
        """Give the user id back."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def make_workdir(parent: Path, uid: int | None, name: str) -> Path:
    """Return a new, empty folder under ``parent`` owned by ``uid``.

    Without a sandbox user id (None) the folder stays the grader's own.
    """
    parent.mkdir(parents=True, exist_ok=True)
    os.chmod(parent, 0o711)
    workdir = parent / name
    if workdir.exists():
        remove_tree(workdir)
    workdir.mkdir(mode=0o700)
    if uid is not None:
        os.chown(workdir, uid, uid)
    return workdir


def remove_tree(path: Path) -> None:
    """Delete ``path``, even where a student made files read-only."""

    def retry(function, target, _info):
        os.chmod(os.path.dirname(target), 0o700)
        try:
            os.chmod(target, 0o700)
        except OSError:
            pass
        function(target)

    shutil.rmtree(path, onerror=retry)


class SandboxKernelManager(KernelManager):
    """A kernel manager that starts its kernel inside a sandbox.

    Set :attr:`workdir`, :attr:`uid`, :attr:`limits` and :attr:`groups`
    before starting.
    The connection file and the kernel's sockets (IPC transport, Unix
    sockets) live in the work folder, the one place both sides see.
    """

    workdir: Path
    uid: int
    limits: Limits
    groups: list[Path]
    #: Stand-ins laid over what the graded kernel may not reach.
    masks: tuple[tuple[Path, Path], ...] = ()

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """Return the kernel's command wrapped in the sandbox."""
        argv = super().format_kernel_cmd(extra_arguments)
        # The kernel's own interpreter, never a shell wrapper.
        if argv and Path(argv[0]).name.startswith("python"):
            argv[0] = sys.executable
        return command(
            argv, self.workdir, self.uid, self.limits, self.groups, list(self.masks)
        )
