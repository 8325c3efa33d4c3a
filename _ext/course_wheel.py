"""Publish the course package with the site, as a wheel in ``_static/``.

The course package is not on PyPI: students install the wheel the site
publishes, ``_static/actzoo-<version>-py3-none-any.whl``. The hands-on
part's first page links it and gives the commands, and each exercise
notebook's first cell installs it from the site's address where it is
missing (``scripts/install_cell.py``). After an HTML build, this extension
builds the wheel of the project in ``course_wheel_project`` and writes it
into the site's ``_static/``; a failed wheel build is a build warning
(and the book builds with warnings as errors).

The wheel is built from a copy of what it is made of (``pyproject.toml``,
the readme and licence files it names, ``src/``), so that setuptools
leaves no ``build/`` folder in the project, and without build isolation or
dependencies, so that nothing is downloaded.

Configuration (``sphinx: config:`` in ``_config.yml``):

``course_wheel_project``
    The folder holding the package's ``pyproject.toml``, relative to the
    book's root; empty (the default): no wheel.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

#: Folder of the HTML output that holds the wheel.
FOLDER = "_static"


def wheel_name(project: Path) -> str:
    """Return the file name of the project's pure-Python wheel.

    The name and version come from ``pyproject.toml``, normalised as wheel
    file names are (``actzoo-0.1.0-py3-none-any.whl``).
    """
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    name = re.sub(r"[-_.]+", "_", meta["project"]["name"]).lower()
    return f"{name}-{meta['project']['version']}-py3-none-any.whl"


def pip_wheel(source: Path, out: Path) -> Path:
    """Return the wheel ``pip wheel`` builds from ``source`` into ``out``.

    Without build isolation (nothing is downloaded) and without
    dependencies: the wheel of the project alone.

    Raises
    ------
    subprocess.CalledProcessError
        If pip fails; its output is on the exception.
    """
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (path,) = out.glob("*.whl")
    return path


def build_wheel(project: Path, out: Path) -> Path:
    """Return the project's wheel, built from a copy of its sources into ``out``.

    The copy holds ``pyproject.toml``, the readme and the licence files
    it names, and ``src/`` (without caches and egg-info).
    """
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    readme = meta["project"].get("readme")
    members = ["pyproject.toml", *([readme] if isinstance(readme, str) else [])]
    for pattern in meta["project"].get("license-files", []):
        members += [p.name for p in project.glob(pattern)]
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder)
        for name in members:
            shutil.copy2(project / name, source / name)
        shutil.copytree(
            project / "src",
            source / "src",
            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
        )
        out.mkdir(parents=True, exist_ok=True)
        return pip_wheel(source, out)


def publish_wheel(app: Sphinx, exception: Exception | None) -> None:
    """Build the wheel into the site's ``_static/`` after an HTML build."""
    setting = app.config.course_wheel_project
    if exception is not None or not setting or app.builder.name != "html":
        return
    project = (Path(app.srcdir) / setting).resolve()
    if not (project / "pyproject.toml").is_file():
        LOGGER.warning(
            "course_wheel_project: %s has no pyproject.toml; no wheel published",
            project,
        )
        return
    static = Path(app.outdir) / FOLDER
    with tempfile.TemporaryDirectory() as folder:
        try:
            built = build_wheel(project, Path(folder))
        except subprocess.CalledProcessError as error:
            LOGGER.warning(
                "the course package's wheel did not build: %s",
                (error.stdout + error.stderr).strip()[-2000:],
            )
            return
        if built.name != wheel_name(project):
            LOGGER.warning(
                "the wheel is %s, not %s as pyproject.toml says",
                built.name,
                wheel_name(project),
            )
            return
        static.mkdir(parents=True, exist_ok=True)
        for old in static.glob("*.whl"):
            old.unlink()
        shutil.copy2(built, static / built.name)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the setting and the step after the build."""
    app.add_config_value("course_wheel_project", "", "html", [str])
    app.connect("build-finished", publish_wheel)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
