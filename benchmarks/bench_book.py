"""Benchmark: the book's build time with the Chinese edition against English alone.

Builds the English book from scratch (an empty output folder, so every
page executes) with ``scripts/build_book.py --edition en``, then builds
both editions into the same folder: the English book is then current, so
the second run's extra time is the Chinese edition's, which executes
nothing (it reads the English execution cache). Prints both times and
the ratio side by side; the aim is under 30% more than English alone.

Run with ``.venv/bin/python benchmarks/bench_book.py`` (add ``--keep`` to
keep the output folder).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_book.py"
CHINESE = re.compile(r"the Chinese edition in .*\(([\d.]+) s, no page executed\)")
AIM = 0.30


def run(output: Path, *options: str) -> tuple[float, str]:
    """Build into ``output``; return the seconds and what the build printed."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(output), *options],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode:
        sys.exit(
            f"bench_book: the build failed:\n{(proc.stdout + proc.stderr)[-2000:]}"
        )
    return seconds, proc.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the output folder")
    args = parser.parse_args(argv)
    output = Path(tempfile.mkdtemp(prefix="bench-book-"))
    try:
        english, _ = run(output, "--edition", "en")
        both, printed = run(output)
        found = CHINESE.search(printed)
        if found is None:
            sys.exit("bench_book: the second build did not build the Chinese edition")
        chinese = float(found.group(1))
    finally:
        if not args.keep:
            shutil.rmtree(output, ignore_errors=True)
    ratio = chinese / english
    print("book build (from scratch, every page executed)")
    print(f"  English alone                    {english:7.1f} s")
    print(f"  Chinese edition added            {chinese:7.1f} s   (+{ratio:.0%})")
    print(f"  both editions                    {english + chinese:7.1f} s")
    print(f"  second run in all (English current) {both:7.1f} s")
    print(f"  aim: under +{AIM:.0%}: {'met' if ratio < AIM else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
