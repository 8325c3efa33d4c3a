"""An ordinary user to grade as: made when missing, and commands run as it.

The grading tests and the grading benchmark grade as such a user, the way
most instructors grade (root makes the user; others skip).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

#: The ordinary user the grading tests and benchmark grade as.
USER = "actzoo-teacher"


@contextlib.contextmanager
def ordinary_user(name: str = USER) -> Iterator[pwd.struct_passwd]:
    """Yield the ``pwd`` entry of ``name``, made if missing (root only).

    The course's interpreter may live under root's home (pyenv): each
    folder above it is made traversable (never readable) meanwhile, and put
    back afterwards.
    """
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", name], check=True)
    opened = []
    for folder in Path(sys.executable).resolve().parents:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)
            opened.append((folder, mode))
    try:
        yield pwd.getpwnam(name)
    finally:
        for folder, mode in opened:
            folder.chmod(mode)


def run_as(user: pwd.struct_passwd, argv: list[str], timeout: float = 900):
    """Return the finished ``argv`` run as ``user``, its output as text."""
    runuser = shutil.which("runuser", path="/usr/sbin:/sbin:/usr/bin:/bin")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": user.pw_dir,
        "USER": user.pw_name,
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [runuser or "runuser", "-u", user.pw_name, "--", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def give_to(user: pwd.struct_passwd, folder: Path) -> None:
    """Make ``folder`` and everything in it belong to ``user``, links unfollowed."""
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, user.pw_uid, user.pw_gid)


def running_processes(user: str, patience: float = 10.0) -> list[str]:
    """Return the processes of ``user`` still running (zombies aside) after
    ``patience`` seconds at most."""
    deadline = time.monotonic() + patience
    while True:
        listed = subprocess.run(
            ["ps", "-o", "stat=,pid=,args=", "-u", user],
            capture_output=True,
            text=True,
        ).stdout.splitlines()
        alive = [line for line in listed if not line.strip().startswith("Z")]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)
