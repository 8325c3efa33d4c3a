"""Build the book into ``_build/html`` with warnings as errors.

Jupyter Book's execution cache re-executes a page only when the page's own
code cells change. Every page imports ``actzoo``, so after a change in
``src/`` or in the locked dependencies the cache would keep serving stale
figures and numbers. This script keys the cache on those inputs and empties
it whenever the key changes.

Usage::

    python scripts/build_book.py [--root DIR] [--output DIR] [--all] [--pdf]

``--output DIR`` builds into ``DIR/_build`` (its own cache included), so
that several builds of one checkout can run side by side.

``--pdf`` also prints the whole book as one PDF, ``_build/html/_static/
activation-zoo.pdf`` (linked from the landing page): a second, single-page
build (``singlehtml``, sharing the execution cache, so no page runs again)
printed by Debian's Chromium (``scripts/print_pdf.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Inputs that change what executed pages show, besides their own cells.
KEY_INPUTS = ("src", "requirements-lock.txt", "pyproject.toml")
KEY_FILE = "actzoo-source-key"
#: The whole book as one PDF, inside the HTML site.
PDF = Path("_static") / "activation-zoo.pdf"


def source_key(root: Path) -> str:
    """Return a hash of everything under ``src/`` and the dependency pins."""
    digest = hashlib.sha256()
    for name in KEY_INPUTS:
        path = root / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if not file.is_file() or "__pycache__" in file.parts:
                continue
            if file.suffix in {".pyc", ".pyo"} or ".egg-info" in str(file):
                continue
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(file.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def refresh_cache(root: Path, output: Path) -> bool:
    """Empty the execution cache if its key is stale; return True if emptied."""
    build = output / "_build"
    cache = build / ".jupyter_cache"
    key_path = build / KEY_FILE
    key = source_key(root)
    stale = not key_path.is_file() or key_path.read_text().strip() != key
    if stale:
        if cache.exists():
            shutil.rmtree(cache)
        build.mkdir(parents=True, exist_ok=True)
        key_path.write_text(key + "\n")
    return stale


def build(
    root: Path, output: Path | None = None, rebuild_all: bool = False, pdf: bool = False
) -> int:
    """Run ``jupyter-book build`` on ``root``; return its exit status.

    With ``pdf``, a successful build is followed by the single-page build
    and its PDF (see the module's docstring).
    """
    output = root if output is None else output
    if refresh_cache(root, output):
        print(
            "build_book: src/ or the dependency pins changed: "
            "the execution cache was emptied",
            flush=True,
        )
        # Sphinx skips pages whose source did not change; make it re-read
        # them all so that the emptied cache is actually refilled.
        rebuild_all = True
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [
        str(jb),
        "build",
        str(root),
        "--warningiserror",
        "--keep-going",
        "--path-output",
        str(output),
    ]
    if rebuild_all:
        cmd.append("--all")
    env = dict(os.environ)
    env.update(
        PYTHONHASHSEED="0",
        # Keeps the kernel from printing a debugger notice to stderr.
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        SOURCE_DATE_EPOCH=env.get("SOURCE_DATE_EPOCH", "1767225600"),
    )
    status = subprocess.call(cmd, env=env, cwd=root)
    if status or not pdf:
        return status
    return build_pdf(root, output, env)


def build_pdf(root: Path, output: Path, env: dict[str, str]) -> int:
    """Build ``_build/singlehtml`` and print it to the site's PDF."""
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [
        str(jb),
        "build",
        str(root),
        "--builder",
        "singlehtml",
        "--warningiserror",
        "--keep-going",
        "--path-output",
        str(output),
    ]
    status = subprocess.call(cmd, env=env, cwd=root)
    if status:
        return status
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import print_pdf

    target = output / "_build" / "html" / PDF
    try:
        problems = print_pdf.print_pdf(output / "_build" / "singlehtml", target)
    except RuntimeError as error:
        print(f"build_book: {error}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"build_book: PDF: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"build_book: the book as one PDF: {target}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="book folder (default: this repository)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="build into OUTPUT/_build (default: the root)",
    )
    parser.add_argument(
        "--all", action="store_true", help="rewrite every page, not only changed ones"
    )
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also print the book as one PDF "
        f"(_build/html/{PDF.as_posix()}; needs Chromium)",
    )
    args = parser.parse_args(argv)
    output = None if args.output is None else args.output.resolve()
    return build(args.root.resolve(), output, rebuild_all=args.all, pdf=args.pdf)


if __name__ == "__main__":
    sys.exit(main())
