"""Create or refresh the course environment ``.venv``, the one way ``make`` does.

Run with the interpreter the environment should use (``make`` passes
``$(PYTHON)``). Uses the standard library only, so it can run before
anything is installed. In order:

1. The interpreter's version is checked before anything is downloaded:
   the course needs Python 3.11 or newer.
2. An existing ``.venv`` built from another interpreter (another path or
   version) is removed and built again, so changing ``PYTHON`` never leaves
   a half-working environment.
3. PyTorch is installed first, as a CPU build wherever one can be had: a
   copy the machine already offers (``pip``'s configured find-links) is
   taken without contacting any index; otherwise PyTorch's CPU-only index
   on Linux; otherwise plain ``pip`` (which may bring a larger CUDA
   build: the course runs on it too, and says so).
4. The exact pins of ``requirements-lock.txt``, then the course package in
   editable mode.
5. A stamp records which lock file and interpreter the environment was
   built from.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MINIMUM = (3, 11)
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def fail(message: str) -> None:
    print(f"setup: {message}", file=sys.stderr)
    raise SystemExit(2)


def locked_version(lock: Path, name: str) -> str | None:
    """Return the version the lock file pins ``name`` to, or None."""
    for line in lock.read_text().splitlines():
        if line.lower().startswith(f"{name}=="):
            return line.split("==", 1)[1].strip()
    return None


def interpreter_id() -> dict[str, str]:
    """Return what identifies the interpreter a venv is built from."""
    return {
        "executable": os.path.realpath(sys.executable),
        "version": platform.python_version(),
    }


def pip(venv: Path, *args: str, quiet: bool = True) -> int:
    command = [str(venv / "bin" / "python"), "-m", "pip"]
    command += ["--disable-pip-version-check"]
    if quiet:
        command.append("--quiet")
    return subprocess.call([*command, *args])


def install_torch(venv: Path, version: str) -> None:
    """Install torch ``version``, preferring a CPU build (see module doc)."""
    spec = f"torch=={version}"
    if pip(venv, "install", "--no-index", "--no-deps", spec) == 0:
        return
    if sys.platform.startswith("linux"):
        print(f"setup: installing {spec} (CPU build) from PyTorch's index")
        cpu = ["--index-url", TORCH_CPU_INDEX, "--no-deps"]
        if pip(venv, "install", *cpu, spec) == 0:
            return
        print(
            "setup: PyTorch's CPU index is unreachable; installing "
            f"{spec} from the default index (it may be the larger CUDA "
            "build; the course runs on it too)"
        )
    if pip(venv, "install", spec) != 0:
        fail(f"could not install {spec}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv")
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements-lock.txt")
    args = parser.parse_args()

    if sys.version_info[:2] < MINIMUM:
        fail(
            f"the course needs Python {MINIMUM[0]}.{MINIMUM[1]} or newer; "
            f"{sys.executable} is {platform.python_version()}. Run "
            "'make PYTHON=/path/to/python3.11' (or 3.12, 3.13)."
        )
    venv: Path = args.venv
    lock: Path = args.lock
    stamp = venv / ".installed"
    wanted = {
        **interpreter_id(),
        "lock": lock.read_text(),
        "pyproject": (ROOT / "pyproject.toml").read_text(),
    }

    if stamp.exists():
        try:
            built = json.loads(stamp.read_text())
        except ValueError:
            built = {}
        if built == wanted:
            return
        if {k: built.get(k) for k in ("executable", "version")} != {
            k: wanted[k] for k in ("executable", "version")
        }:
            print(
                f"setup: {venv.name} was built with another Python "
                f"({built.get('executable')} {built.get('version')}); "
                "building it again"
            )
            shutil.rmtree(venv)
    elif venv.exists():
        # A venv without a stamp was never finished: start again.
        shutil.rmtree(venv)

    if not (venv / "bin" / "python").exists():
        print(f"setup: creating {venv.name} with Python {wanted['version']}")
        subprocess.check_call([sys.executable, "-m", "venv", str(venv)])
    torch = locked_version(lock, "torch")
    if torch is not None:
        install_torch(venv, torch)
    if pip(venv, "install", "-r", str(lock)) != 0:
        fail(f"could not install the pins of {lock.name}")
    editable = ["install", "--no-deps", "--no-build-isolation", "-e", str(ROOT)]
    if pip(venv, *editable) != 0:
        fail("could not install the course package")
    stamp.write_text(json.dumps(wanted))


if __name__ == "__main__":
    main()
