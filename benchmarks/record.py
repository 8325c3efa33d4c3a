"""Where the grading benchmarks write their numbers: one JSON file, by section.

``chapters/hands_on/data/grading_scale.json`` holds what
``bench_grading.py`` and ``bench_scale.py`` measured, each in a section of
its own with the machine it ran on and the date; the grading-at-scale page
reads it when the book is built, so that no timing on that page is typed by
hand.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path
from typing import Any

#: The file the grading-at-scale page reads.
DATA = (
    Path(__file__).resolve().parent.parent
    / "chapters"
    / "hands_on"
    / "data"
    / "grading_scale.json"
)


def machine() -> dict[str, Any]:
    """Return what the numbers depend on: cores, CPU model, memory, system."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) << 10
    except (OSError, ValueError):
        pass
    usable = (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count()
    )
    return {
        "cores": usable,
        "cpu": cpu,
        "memory_gib": round(memory / 2**30, 1),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def record(section: str, numbers: dict[str, Any], path: Path = DATA) -> Path:
    """Write ``numbers`` as ``section`` of the file, with the machine and date.

    The file's other sections are kept; it is replaced only once written
    whole.
    """
    data: dict[str, Any] = {}
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
    data[section] = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        **numbers,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_name(path.name + ".new")
    fresh.write_text(
        json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    fresh.replace(path)
    return path
