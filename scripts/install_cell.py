"""Write each exercise's install cell: the course package, where it is missing.

    python scripts/install_cell.py [--check]

A student who opens an exercise notebook on Colab, on a JupyterHub or in a
Python of their own needs the course package ``actzoo`` (with its checkers,
``actzoo_grader``), and PyTorch for a notebook that imports it. This
script writes one cell into every source notebook
(``solutions/<name>/<name>.ipynb``), before its first code cell, that asks
``importlib.util.find_spec`` whether those modules are importable and,
only if one is not,

* installs, with ``%pip`` (into the kernel's own environment), the wheel
  the site publishes (``_ext/course_wheel.py``) from the site's address,
  ``html: baseurl:`` in ``_config.yml``, plus the ``torch`` extra and
  PyTorch's CPU-only index where the notebook imports ``torch``;
* or, when that address is empty, stops with an error that gives the
  command to run once the wheel is downloaded from the site.

In the course's environment and under the grader every module is there,
and the cell does nothing. It binds a single name, ``importlib``, which a
student's cell may not import anyway: the grader protects every name a
given cell binds from being rebound, and a name such as ``sys`` or ``m``
must stay the student's. The cell is a locked, ungraded given cell of
nbgrader (``grade_id`` ``install``), so the release copies it unchanged
and the grader restores it.

``make release`` runs this script before releasing the notebooks; with
``--check`` it writes nothing and exits 1 when a notebook's cell differs
from what the settings give (``make release-check``).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))

from course_wheel import FOLDER, wheel_name  # noqa: E402

SOLUTIONS = ROOT / "solutions"
CONFIG = ROOT / "_config.yml"
#: The nbgrader grade id of the install cell.
GRADE_ID = "install"
#: The modules the course's wheel provides.
PACKAGES = ("actzoo", "actzoo_grader")
#: PyTorch's CPU-only builds: on Linux, PyPI's build brings CUDA libraries
#: of several gigabytes; elsewhere PyPI's build is CPU-only anyway.
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
#: The page of the site that links the wheel and gives the commands.
PAGE = "Hands-on practice"
IMPORTS_TORCH = re.compile(r"^\s*(?:import|from)\s+torch\b", re.M)
#: A block nbgrader withholds from students (a solution, hidden tests),
#: from its opening comment to its closing one.
WITHHELD = re.compile(
    r"^[ \t]*### BEGIN ([A-Z ]+?)[ \t]*\n.*?^[ \t]*### END \1[ \t]*$", re.M | re.S
)

COMMENT = """\
# The course package, installed only where this Python lacks it (Colab,
# a JupyterHub, a new environment). In the course's environment, and when
# the notebook is graded, this cell does nothing.
import importlib.util
"""


def wheel_url(root: Path = ROOT) -> str:
    """Return the address of the site's wheel, or "" if ``baseurl`` is empty."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    base = str((config.get("html") or {}).get("baseurl") or "").strip()
    if not base:
        return ""
    return f"{base.rstrip('/')}/{FOLDER}/{wheel_name(root)}"


def uses_torch(notebook: nbformat.NotebookNode) -> bool:
    """Return True if the student's version of ``notebook`` imports ``torch``.

    Code that nbgrader withholds (solutions, hidden tests) does not count:
    the grader's environment has PyTorch.
    """
    return any(
        c.cell_type == "code" and IMPORTS_TORCH.search(WITHHELD.sub("", c.source))
        for c in notebook.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != GRADE_ID
    )


def install_command(url: str, wheel: str, torch: bool) -> str:
    """Return the ``%pip`` line that installs the package (and PyTorch).

    ``url`` is the wheel's address; empty, the command installs the
    downloaded file ``wheel`` from the notebook's folder.
    """
    if not torch:
        return f"%pip install {url or wheel}"
    target = f"actzoo[torch] @ {url}" if url else f"{wheel}[torch]"
    return f'%pip install "{target}" --extra-index-url {TORCH_INDEX}'


def install_source(url: str, wheel: str, torch: bool) -> str:
    """Return the install cell's source (see the module's docstring)."""
    modules = [*PACKAGES, *(["torch"] if torch else [])]
    missing = "\n    or ".join(
        f'importlib.util.find_spec("{name}") is None' for name in modules
    )
    command = install_command(url, wheel, torch)
    if url:
        return f"{COMMENT}\nif (\n    {missing}\n):\n    {command}"
    needs = "actzoo (with PyTorch)" if torch else "actzoo"
    # The command as string literals, split where it is long.
    literals = "\n        ".join(
        repr(part) for part in re.split(r"(?= --extra-index-url)", command)
    )
    action = (
        "    raise ModuleNotFoundError(\n"
        f'        "This notebook needs the course package {needs}. "\n'
        f'        "Download {wheel} from the course\'s site "\n'
        f"        \"(page '{PAGE}') into this notebook's folder, run \"\n"
        '        "this in a cell, then run the notebook again:\\n"\n'
        f"        {literals}\n"
        "    )"
    )
    return f"{COMMENT}\nif (\n    {missing}\n):\n{action}"


def install_cell(name: str, source: str) -> nbformat.NotebookNode:
    """Return the install cell of notebook ``name`` holding ``source``."""
    cell = nbformat.v4.new_code_cell(source)
    cell.id = f"{name.split('_')[0]}-{GRADE_ID}"
    cell.metadata = {
        "nbgrader": {
            "grade": False,
            "grade_id": GRADE_ID,
            "locked": True,
            "schema_version": 3,
            "solution": False,
            "task": False,
        }
    }
    return cell


def with_install_cell(
    notebook: nbformat.NotebookNode, name: str, url: str, wheel: str
) -> nbformat.NotebookNode:
    """Return ``notebook`` with its install cell, before the first code cell.

    An install cell already there is replaced.
    """
    cells = [
        c
        for c in notebook.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != GRADE_ID
    ]
    new = nbformat.from_dict(notebook)
    new.cells = cells
    source = install_source(url, wheel, uses_torch(new))
    first = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells))
    new.cells.insert(first, install_cell(name, source))
    return new


def notebooks(solutions: Path = SOLUTIONS) -> list[Path]:
    """Return the source notebooks, ``<name>/<name>.ipynb``."""
    return sorted(p for p in solutions.glob("*/*.ipynb") if p.stem == p.parent.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a notebook's install cell is not as set",
    )
    args = parser.parse_args(argv)
    url, wheel = wheel_url(), wheel_name(ROOT)
    stale = []
    for path in notebooks():
        text = path.read_text(encoding="utf-8")
        notebook = nbformat.reads(text, as_version=4)
        fresh = nbformat.writes(with_install_cell(notebook, path.stem, url, wheel))
        if fresh + "\n" == text:
            continue
        stale.append(path.relative_to(ROOT).as_posix())
        if not args.check:
            path.write_text(fresh + "\n", encoding="utf-8")
    where = url or f"a downloaded {wheel} (html: baseurl: is empty)"
    if args.check and stale:
        print(
            "install_cell: not as _config.yml sets it (run make release): "
            + ", ".join(stale),
            file=sys.stderr,
        )
        return 1
    verb = "checked" if args.check else f"wrote {len(stale)} of"
    print(f"install_cell: {verb} {len(notebooks())} notebooks; they install {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
