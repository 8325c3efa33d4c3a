"""The students' way in: the commands of "Getting started", as written.

The hands-on part's first page (``chapters/hands_on/index.md``) tells a
student how to get an environment: download the wheel the site publishes,
then a virtual environment and pip (the light install, or the full one
with PyTorch's CPU build), or conda and the same pip command; open the
notebook in JupyterLab; check it with ``python -m actzoo.check``. The
README repeats the commands. Each exercise notebook's first code cell
installs the package where it is missing (``scripts/install_cell.py``).

- Fast tests read the page, the README, the settings and the notebooks:
  every step is there, the wheel's name is the one the build publishes,
  conda users run the same pip command, every install cell is what the
  settings give, binds no name a student might use, and does nothing in
  the course's environment.
- The slow test runs the page's commands as written, in bash, in an empty
  folder holding the wheel and a solved notebook: a fresh virtual
  environment, the light install (never PyTorch), JupyterLab opening the
  notebook, the check reporting it ready, the full install resolved (a dry
  run, with a stand-in for PyTorch: the real one is gigabytes), and then,
  with the package uninstalled, the install cell: without the site's
  address it stops with a command, which works as given; with an address
  (the wheel served on 127.0.0.1) it installs the package in the running
  kernel, and run again it does nothing.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest
from packaging.specifiers import SpecifierSet

from tests.conftest import load_script
from tests.notebooks import cell_source, with_answers

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "chapters" / "hands_on" / "index.md"
README = ROOT / "README.md"
BINDER = ROOT / ".binder"
#: The exercise the commands name, and the one that needs PyTorch.
EXERCISE = "ex1_activations"
TORCH_EXERCISE = "ex5_landscapes"
SUPPORTED = ("3.11", "3.12", "3.13")

install_cell = load_script("install_cell")
course_wheel = load_script("course_wheel", "_ext")
serve_site = load_script("serve_site")
WHEEL = course_wheel.wheel_name(ROOT)


def section(text: str, title: str) -> str:
    """Return the Markdown section under ``## title``, up to the next one."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no section {title!r}"
    return match.group(1)


def bash_blocks(text: str) -> list[str]:
    """Return the ``bash`` code blocks of Markdown text, in order."""
    return re.findall(r"^```bash\n(.*?)^```", text, re.M | re.S)


#: Which step a block of the page is, by how it starts.
STEPS = {
    "python3 -m venv ": "pip",
    'pip install "': "full",
    "conda create ": "conda",
    "jupyter lab ": "open",
    "python -m actzoo.check ": "check",
}


def steps(text: str) -> dict[str, str]:
    """Return ``{step: block}`` of the getting-started and check sections."""
    blocks = bash_blocks(section(text, "Getting started"))
    blocks += bash_blocks(section(text, "Check before you submit"))
    found: dict[str, str] = {}
    for block in blocks:
        step = next((s for start, s in STEPS.items() if block.startswith(start)), None)
        assert step is not None and step not in found, block
        found[step] = block
    return found


def test_the_page_gives_every_step():
    page = steps(PAGE.read_text(encoding="utf-8"))
    assert set(page) == set(STEPS.values())
    assert page["pip"].splitlines() == [
        "python3 -m venv actzoo-env",
        "source actzoo-env/bin/activate",
        f"pip install {WHEEL} jupyterlab",
    ]
    full = shlex.split(page["full"].replace("\\\n", " "))
    assert full == [
        "pip",
        "install",
        f"{WHEEL}[torch]",
        "--extra-index-url",
        install_cell.TORCH_INDEX,
    ]
    assert page["open"] == f"jupyter lab {EXERCISE}.ipynb\n"
    assert page["check"] == f"python -m actzoo.check {EXERCISE}.ipynb\n"


def test_the_page_links_the_wheel_the_build_publishes():
    text = PAGE.read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+\.whl)">([^<]+)</a>', text)
    assert links == [(f"../../_static/{WHEEL}", WHEEL)]
    assert course_wheel.FOLDER == "_static"
    # The install cell's message sends students to this page by its title.
    assert text.startswith(f"# {install_cell.PAGE}\n")
    # The extra the full install names exists.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "torch" in project["optional-dependencies"]


def test_conda_users_run_the_same_pip_command():
    page = steps(PAGE.read_text(encoding="utf-8"))
    create, activate, *rest = page["conda"].splitlines()
    version = re.fullmatch(r"conda create -n (\S+) python=(3\.\d+) pip", create)
    assert version, create
    assert activate == f"conda activate {version.group(1)}"
    assert version.group(2) in SUPPORTED
    assert rest == page["pip"].splitlines()[2:]


def test_the_readme_gives_the_same_commands():
    readme = README.read_text(encoding="utf-8")
    blocks = bash_blocks(readme)
    for step, block in steps(PAGE.read_text(encoding="utf-8")).items():
        assert block in blocks, step
    assert WHEEL in readme


def test_binder_builds_the_full_environment():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    version = runtime.removeprefix("python-")
    assert version in SUPPORTED
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert SpecifierSet(requires["requires-python"]).contains(f"{version}.0")
    lines = [
        line
        for line in (BINDER / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines == [f"--extra-index-url {install_cell.TORCH_INDEX}", ".[torch]"]


# ------------------------------------------------------------ the install cell


def released_install_cell(name: str) -> dict:
    """Return the first code cell of exercise ``name``'s student notebook."""
    notebook = json.loads(
        (ROOT / "exercises" / name / f"{name}.ipynb").read_text(encoding="utf-8")
    )
    return next(c for c in notebook["cells"] if c["cell_type"] == "code")


def test_every_notebook_has_the_install_cell_the_settings_give():
    url = install_cell.wheel_url()
    for path in install_cell.notebooks():
        text = path.read_text(encoding="utf-8")
        notebook = nbformat.reads(text, as_version=4)
        fresh = install_cell.with_install_cell(notebook, path.stem, url, WHEEL)
        assert nbformat.writes(fresh) + "\n" == text, path.name
        released = released_install_cell(path.stem)
        meta = released["metadata"]["nbgrader"]
        assert meta["grade_id"] == install_cell.GRADE_ID
        assert meta["locked"] and not meta["solution"] and not meta["grade"]
        wanted = install_cell.install_source(
            url, WHEEL, torch=path.stem == TORCH_EXERCISE
        )
        assert cell_source(released) == wanted, path.name


def test_the_install_cell_checks_what_the_notebook_imports():
    for path in install_cell.notebooks():
        source = cell_source(released_install_cell(path.stem))
        assert 'find_spec("actzoo") is None' in source
        assert 'find_spec("actzoo_grader") is None' in source
        assert ('find_spec("torch")' in source) == (path.stem == TORCH_EXERCISE)


def cell_variants() -> dict[str, str]:
    """Return the install cell as each setting makes it, by a short name."""
    url = f"https://example.org/zoo/_static/{WHEEL}"
    return {
        f"{where}{', torch' if torch else ''}": install_cell.install_source(
            address, WHEEL, torch
        )
        for where, address in (("address", url), ("no address", ""))
        for torch in (False, True)
    }


#: Runs IPython cells (files named on the command line) in one shell, as a
#: kernel would, and exits 1 at the first that fails.
RUN_CELLS = """\
import sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as file:
        if not shell.run_cell(file.read()).success:
            sys.exit(1)
"""
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run_cells(python: Path | str, folder: Path, *sources: str) -> tuple[int, str]:
    """Run IPython cells with ``python`` in ``folder``; return status and output."""
    paths = []
    for number, source in enumerate(sources):
        path = folder / f"cell-{number}.ipy"
        path.write_text(source, encoding="utf-8")
        paths.append(str(path))
    runner = folder / "run_cells.py"
    runner.write_text(RUN_CELLS, encoding="utf-8")
    proc = subprocess.run(
        [str(python), str(runner), *paths],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=300,
    )
    for path in paths:
        Path(path).unlink()
    return proc.returncode, ANSI.sub("", proc.stdout + proc.stderr)


def test_the_install_cell_does_nothing_in_the_course_environment(tmp_path):
    # Here every module is importable: no cell may install, print or fail,
    # whatever the settings (the address cannot be reached).
    variants = cell_variants()
    assert len(set(variants.values())) == 4
    assert run_cells(sys.executable, tmp_path, *variants.values()) == (0, "")


# ------------------------------------------------------------ the commands


def stand_in_wheel(folder: Path, name: str, version: str) -> Path:
    """Return an empty wheel of ``name`` (a stand-in for pip to resolve)."""
    info = f"{name}-{version}.dist-info"
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            f"{info}/METADATA",
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        )
        archive.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n",
        )
        archive.writestr(f"{info}/RECORD", "")
    return path


def fetch(url: str, deadline: float) -> bytes:
    """Return what ``url`` serves, retrying until the server answers."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as reply:
                return reply.read()
        except urllib.error.URLError:
            # The server prints its address before it accepts connections.
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class Student:
    """A terminal in an empty folder: bash runs the page's commands there."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        bin_dir = folder.parent / "bin"
        bin_dir.mkdir()
        # The page says python3: here it is this test's interpreter.
        (bin_dir / "python3").symlink_to(sys.executable)
        jupyter = folder.parent / "jupyter"
        (jupyter / "config").mkdir(parents=True)
        # The tests may run as root, which Jupyter refuses unless told.
        (jupyter / "config" / "jupyter_server_config.json").write_text(
            json.dumps({"ServerApp": {"allow_root": True, "open_browser": False}})
        )
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
        } | {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "MPLBACKEND": "Agg",
            "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
            "JUPYTER_DATA_DIR": str(jupyter / "data"),
            "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
            "JUPYTERLAB_WORKSPACES_DIR": str(jupyter / "workspaces"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        self.python = folder / "actzoo-env" / "bin" / "python"

    def run(self, script: str, **env: str) -> subprocess.CompletedProcess:
        """Run ``script`` with bash, stopping at the first failing command."""
        return subprocess.run(
            ["bash", "-e", "-c", script],
            capture_output=True,
            text=True,
            cwd=self.folder,
            env=self.env | env,
            timeout=900,
        )

    def open_lab(self, command: str) -> str:
        """Start JupyterLab with ``command``; return its URL once it serves."""
        lab = subprocess.Popen(
            ["bash", "-c", f"source actzoo-env/bin/activate\nexec {command}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=self.folder,
            env=self.env,
            start_new_session=True,
        )
        lines = []
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                line = lab.stdout.readline()
                lines.append(line)
                found = re.search(r"(http://127\.0\.0\.1:\d+/)lab\?token=(\w+)", line)
                if found:
                    base, token = found.groups()
                    url = f"{base}api/contents/{EXERCISE}.ipynb?token={token}"
                    return json.loads(fetch(url, deadline))["name"]
                if not line and lab.poll() is not None:
                    break
            raise AssertionError("JupyterLab did not start:\n" + "".join(lines))
        finally:
            os.killpg(lab.pid, signal.SIGTERM)
            lab.communicate(timeout=60)


@pytest.mark.slow
def test_the_commands_run_as_written(wheel, tmp_path):
    page = steps(PAGE.read_text(encoding="utf-8"))
    student = Student(tmp_path / "course")
    student.folder.mkdir()
    # What the student downloaded: the wheel and a notebook, here solved.
    assert wheel.name == WHEEL
    shutil.copy(wheel, student.folder / WHEEL)
    solved = with_answers(
        ROOT / "solutions" / EXERCISE / f"{EXERCISE}.ipynb",
        ROOT / "exercises" / EXERCISE / f"{EXERCISE}.ipynb",
    )
    (student.folder / f"{EXERCISE}.ipynb").write_text(json.dumps(solved, indent=1))
    activate = "source actzoo-env/bin/activate\n"

    # The light install, then the check: the notebook is ready to submit.
    setup = student.run(page["pip"] + page["check"])
    assert setup.returncode == 0, (setup.stdout + setup.stderr)[-3000:]
    assert "Ready to submit" in setup.stdout, setup.stdout[-3000:]
    listed = student.run(activate + "pip list --format=freeze").stdout.lower()
    assert "actzoo==" in listed and "torch==" not in listed

    # JupyterLab opens in the notebook's folder and serves the notebook.
    assert student.open_lab(page["open"].strip()) == f"{EXERCISE}.ipynb"

    # The full install, resolved without installing: the index is the
    # stand-in's folder, so that nothing is downloaded.
    stand_in = tmp_path / "stand-in"
    stand_in.mkdir()
    stand_in_wheel(stand_in, "torch", "2.13.0")
    full = student.run(
        activate + page["full"],
        PIP_DRY_RUN="1",
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(stand_in),
    )
    assert full.returncode == 0, (full.stdout + full.stderr)[-3000:]
    assert re.search(r"^Would install .*\btorch-2\.13\.0\b", full.stdout, re.M)

    # Without the package, the install cell as released (no address) stops
    # with the command to run, and that command works.
    student.run(activate + "pip uninstall --yes --quiet actzoo")
    cell = cell_source(released_install_cell(EXERCISE))
    assert install_cell.wheel_url() == ""
    status, output = run_cells(student.python, student.folder, cell)
    assert status == 1 and "ModuleNotFoundError" in output, output[-3000:]
    commands = re.findall(r"^%pip install .*$", output, re.M)
    assert commands == [install_cell.install_command("", WHEEL, torch=False)]
    status, output = run_cells(
        student.python, student.folder, commands[0], "import actzoo.check"
    )
    assert status == 0, output[-3000:]

    # With the site's address, the cell installs the wheel from there and
    # the package imports in the same kernel; run again, it does nothing.
    student.run(activate + "pip uninstall --yes --quiet actzoo")
    site = tmp_path / "site"
    (site / course_wheel.FOLDER).mkdir(parents=True)
    (site / "index.html").write_text("<title>The site</title>\n")
    shutil.copy(wheel, site / course_wheel.FOLDER / WHEEL)
    with serve_site.serve(site) as base:
        url = f"{base}{course_wheel.FOLDER}/{WHEEL}"
        cell = install_cell.install_source(url, WHEEL, torch=False)
        status, output = run_cells(
            student.python, student.folder, cell, "import actzoo_grader.checks"
        )
        assert status == 0, output[-3000:]
        assert "Successfully installed actzoo-" in output, output[-3000:]
        assert run_cells(student.python, student.folder, cell) == (0, "")
