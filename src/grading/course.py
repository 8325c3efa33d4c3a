"""Return the folders of the course: the repository and a working folder.

Two places matter. The *repository* holds ``solutions/`` (the nbgrader
source notebooks), ``exercises/`` (the student versions) and
``nbgrader_config.py``. The *course folder* is the instructor's working
folder, outside the repository: submissions, autograded notebooks, the
gradebook database, grades and feedback live there, so nothing a student
sent ever lands in the repository.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

#: The repository this package was installed from (``src/grading/..``).
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Course:
    """The repository and the course folder one grading run works with.

    Parameters
    ----------
    root
        The course folder: ``submitted/``, ``autograded/``, ``feedback/``,
        ``exercises/`` (a private release) and ``gradebook.db`` live here.
    repo
        The repository with ``solutions/``, ``exercises/`` and
        ``nbgrader_config.py``.
    """

    root: Path
    repo: Path = REPO

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())
        object.__setattr__(self, "repo", Path(self.repo).resolve())
        if self.root == self.repo or self.repo in self.root.parents:
            raise ValueError(
                f"the course folder {self.root} is inside the repository "
                f"{self.repo}; choose a folder outside it, so that student "
                "submissions and the gradebook never reach version control"
            )

    @property
    def solutions(self) -> Path:
        """Return the folder of source notebooks, ``<repo>/solutions``."""
        return self.repo / "solutions"

    @property
    def db_url(self) -> str:
        """Return the gradebook's SQLAlchemy URL, inside the course folder."""
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def assignments(self) -> list[str]:
        """Return the names of the assignments in ``solutions/``, sorted."""
        return assignments(self.solutions)

    def notebooks(self, assignment: str) -> list[str]:
        """Return the notebook names (no ``.ipynb``) of one assignment."""
        check_assignment(self.solutions, assignment)
        folder = self.solutions / assignment
        return sorted(p.stem for p in folder.glob("*.ipynb"))

    def config(self, **course_directory: str) -> Config:
        """Return the nbgrader configuration for this course folder.

        It starts from the repository's ``nbgrader_config.py`` and points
        the course root, the source folder (the repository's
        ``solutions/``) and the gradebook at this course folder. Extra
        keyword arguments set further ``CourseDirectory`` options, such as
        ``assignment_id`` or ``student_id``.
        """
        config = load_repo_config(self.repo)
        cd = config.CourseDirectory
        cd.root = str(self.root)
        cd.source_directory = str(self.solutions)
        cd.db_url = self.db_url
        for key, value in course_directory.items():
            cd[key] = value
        return config


def load_repo_config(repo: Path) -> Config:
    """Return the configuration in ``<repo>/nbgrader_config.py``."""
    path = Path(repo) / "nbgrader_config.py"
    if not path.is_file():
        raise FileNotFoundError(f"no nbgrader configuration at {path}")
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def assignments(solutions: Path) -> list[str]:
    """Return the assignment folders of ``solutions`` that hold notebooks."""
    if not solutions.is_dir():
        raise FileNotFoundError(f"no solutions folder at {solutions}")
    return sorted(
        p.name for p in solutions.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))
    )


def check_assignment(solutions: Path, assignment: str) -> None:
    """Raise ``ValueError`` unless ``assignment`` is one in ``solutions``."""
    known = assignments(solutions)
    if assignment not in known:
        raise ValueError(
            f"unknown assignment {assignment!r}; the assignments are: "
            + ", ".join(known)
        )


@contextlib.contextmanager
def nbgrader_environment() -> Iterator[None]:
    """Run nbgrader with its tools on PATH and its known warnings silenced.

    nbgrader calls the ``alembic`` command of the environment it is
    installed in, which is not on PATH when the environment is not
    activated. nbgrader 0.9.6 with SQLAlchemy 2 emits an ``SAWarning``
    about an autoflush while it adds a submission; the submission is stored
    all the same (the end-to-end tests check every score), so that one
    warning category is ignored here, and so is nbformat's warning that a
    submitted notebook's cells lack ids (notebooks saved before nbformat
    4.5 have none; nbformat adds them).
    """
    from nbformat.warnings import MissingIDFieldWarning
    from sqlalchemy.exc import SAWarning

    bin_dir = str(Path(sys.executable).parent)
    old_path = os.environ.get("PATH", "")
    os.environ["PATH"] = bin_dir + os.pathsep + old_path
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            warnings.simplefilter("ignore", MissingIDFieldWarning)
            yield
    finally:
        os.environ["PATH"] = old_path
