"""Make the public edition of the course: the student path, without solutions.

    python scripts/public_edition.py OUT [--rev HEAD] [--replace]

The public edition is what the site links as the course's repository and
what every wheel and sdist is built from. It is the committed tree (``git
archive``, so an untracked or uncommitted file never gets in) minus what
only instructors keep:

* ``solutions/``: the source notebooks, solutions and hidden tests;
* ``tests/``: the suite reads ``solutions/`` (through
  ``tests/notebooks.py``), spells out nbgrader's markers and quotes a few
  solution lines (the scan finds them), so it neither runs nor belongs
  without them;
* ``benchmarks/bench_grading.py``: it grades submissions made from
  ``solutions/``;
* ``.ci/``: it runs the suite;
* this script, which needs ``solutions/`` and ``tests/notebooks.py``, and
  ``scripts/install_cell.py``, which writes into ``solutions/``.

Everything the released notebooks import stays: the course package
``actzoo`` (its code is public by design: the exercises import it and the
chapters call it) and the grader ``actzoo_grader``, whose
``actzoo_grader.checks`` the visible tests call; neither holds a secret.

Then every file of the edition is scanned for a secret of the solutions,
and any file that holds one, or one of nbgrader's markers, is removed and
named (a safety net: the rules above should leave nothing for it to
remove). A secret is :func:`tests.notebooks.secret_lines`'s, minus what the
public edition shows on purpose (:func:`edition_shown`); the scan is
:func:`tests.notebooks.find_leaks`. Both need the development tree, which
is where this script runs.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.notebooks import (  # noqa: E402
    PACKAGE,
    SOLUTIONS,
    find_leaks,
    public_text,
    solution_secrets,
)

#: Paths only instructors keep; a folder ends with ``/``.
INSTRUCTOR_ONLY = (
    "solutions/",
    "tests/",
    "benchmarks/bench_grading.py",
    ".ci/",
    "scripts/public_edition.py",
    "scripts/install_cell.py",
)


@dataclass
class Edition:
    """What :func:`make_edition` wrote and what it left out, by reason."""

    out: Path
    files: list[str] = field(default_factory=list)
    instructor_only: list[str] = field(default_factory=list)
    leaking: list[str] = field(default_factory=list)


def is_instructor_only(path: str) -> bool:
    """Return whether the repository path ``path`` stays out of the edition."""
    return any(
        path.startswith(rule) if rule.endswith("/") else path == rule
        for rule in INSTRUCTOR_ONLY
    )


def edition_shown() -> str:
    """Return what the public edition shows students on purpose.

    The site's :func:`tests.notebooks.public_text` (the released cells, the
    chapters, the modules whose source the site links) and the code of
    *every* ``actzoo`` module: the edition and its wheel ship them all,
    those whose source links the site withholds included. A withheld line
    that occurs in it gives nothing away. This is the one place that says
    so; the scans of the edition, its wheel and its sdist use it.
    """
    code = [path.read_text(encoding="utf-8") for path in sorted(PACKAGE.glob("*.py"))]
    return "\n".join([public_text(), *code])


def edition_secrets(solutions: Path = SOLUTIONS) -> dict[str, str]:
    """Return ``{secret: notebook and cell}`` for the scan of the edition."""
    return solution_secrets(solutions, shown=edition_shown())


def remove_leaking(out: Path, secrets: dict[str, str]) -> dict[str, list[str]]:
    """Remove every file under ``out`` the leak scan flags.

    Returns ``{path: the scan's messages}`` of the removed files (the
    members of an archive count for the archive).
    """
    flagged: dict[str, list[str]] = {}
    for leak in find_leaks(out, secrets):
        name = leak.split(":", 1)[0].split("!", 1)[0]
        name = name.removesuffix(" (text)").removesuffix(" (strings)")
        flagged.setdefault(name, []).append(leak)
    for name in flagged:
        (out / name).unlink()
    return flagged


def committed_files(rev: str) -> tarfile.TarFile:
    """Return the tree of commit ``rev`` as a tar archive (``git archive``)."""
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev],
        check=True,
        capture_output=True,
    ).stdout
    return tarfile.open(fileobj=io.BytesIO(data))


def make_edition(
    out: Path, rev: str = "HEAD", secrets: dict[str, str] | None = None
) -> Edition:
    """Write the public edition of commit ``rev`` into the empty folder ``out``."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    edition = Edition(out)
    with committed_files(rev) as archive:
        for member in archive.getmembers():
            if member.isdir():
                continue
            if is_instructor_only(member.name):
                edition.instructor_only.append(member.name)
                continue
            if not member.isfile():
                raise ValueError(f"{member.name}: not a regular file")
            target = out / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            assert source is not None
            target.write_bytes(source.read())
            target.chmod(0o755 if member.mode & 0o100 else 0o644)
            edition.files.append(member.name)
    flagged = remove_leaking(out, edition_secrets() if secrets is None else secrets)
    edition.leaking = sorted(flagged)
    edition.files = [name for name in edition.files if name not in flagged]
    return edition


def looks_like_edition(out: Path) -> bool:
    """Return whether ``out`` holds a public edition (safe to replace).

    It holds the course (``pyproject.toml``, ``exercises/``) and nothing an
    edition never has (``solutions/``, ``.git``), and is neither this
    repository nor a folder around it.
    """
    here = out.resolve()
    return (
        here != ROOT
        and here not in ROOT.parents
        and (out / "pyproject.toml").is_file()
        and (out / "exercises").is_dir()
        and not (out / "solutions").exists()
        and not (out / ".git").exists()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="an empty or new folder")
    parser.add_argument("--rev", default="HEAD", help="the commit (default HEAD)")
    parser.add_argument(
        "--replace",
        action="store_true",
        help="replace OUT if it holds an earlier public edition",
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        if not (args.replace and looks_like_edition(out)):
            print(f"public_edition: {out} is not empty", file=sys.stderr)
            return 2
        shutil.rmtree(out)
    edition = make_edition(out, args.rev)
    print(
        f"public edition of {args.rev}: {len(edition.files)} files in {out}; "
        f"{len(edition.instructor_only)} instructor-only files left out "
        f"({', '.join(INSTRUCTOR_ONLY)})"
    )
    for name in edition.leaking:
        print(f"  removed, holds withheld lines: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
