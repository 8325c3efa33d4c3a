"""Return the folders of the course: the repository and a working folder.

Two places matter. The *repository* holds ``solutions/`` (the nbgrader
source notebooks), ``exercises/`` (the student versions) and
``nbgrader_config.py``, which names those two folders. The *course
folder* is the instructor's working folder, outside the repository:
submissions, autograded notebooks, the gradebook database, grades and
feedback live there, so nothing a student sent ever lands in the
repository.

:class:`Course` is the one place that knows where each of them is; every
step asks it for its paths instead of spelling a folder's name.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

#: The repository this package was installed from (``src/actzoo_grader/..``).
REPO = Path(__file__).resolve().parents[2]


#: The course folder's layout: what each step writes, and where. nbgrader
#: is configured with the same names (:meth:`Course.config`).
SUBMITTED = "submitted"
AUTOGRADED = "autograded"
FEEDBACK = "feedback"
GRADEBOOK = "gradebook.db"
#: The grader's own: the JSON report of every run, the executed notebooks
#: between the two stages of autograding, and the names behind the IDs.
REPORTS = "reports"
STAGING = ".staging"
STUDENT_IDS = "student_ids.json"


@dataclass(frozen=True)
class Course:
    """The repository and the course folder one grading run works with.

    The course folder holds, for an assignment ``a`` and a student ``s``:

    ============================  =======================================
    ``submitted/s/a/``            the collected notebooks (:meth:`submitted`)
    ``autograded/s/a/``           nbgrader's graded notebooks (:meth:`autograded`)
    ``feedback/s/a/``             the feedback pages (:meth:`feedback`)
    ``exercises/a/``              a private release (:meth:`released`)
    ``reports/a/s.json``          what a run detected (:meth:`report`)
    ``.staging/a/``               executed notebooks between the two
                                  stages of autograding (:meth:`staging`)
    ``gradebook.db``              nbgrader's gradebook (:attr:`gradebook`),
                                  unless ``db`` names another database
    ``student_ids.json``          the name behind each student ID
                                  (:attr:`student_ids`)
    ============================  =======================================

    Parameters
    ----------
    root
        The course folder.
    repo
        The repository with ``solutions/``, ``exercises/`` and
        ``nbgrader_config.py``.
    db
        The gradebook's SQLAlchemy URL, such as
        ``postgresql://grader@dbhost:5432/actzoo``; None (the default) is
        the SQLite file ``gradebook.db`` in the course folder.
    """

    root: Path
    repo: Path = REPO
    db: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())
        object.__setattr__(self, "repo", Path(self.repo).resolve())
        if self.db is not None:
            try:
                make_url(self.db)
            except ArgumentError:
                raise ValueError(
                    "the gradebook URL is not an SQLAlchemy URL such as "
                    "postgresql://USER@HOST:PORT/DATABASE"
                ) from None
        if self.root == self.repo or self.repo in self.root.parents:
            raise ValueError(
                f"the course folder {self.root} is inside the repository "
                f"{self.repo}; choose a folder outside it, so that student "
                "submissions and the gradebook never reach version control"
            )

    # ------------------------------------------------------- the repository

    @property
    def solutions(self) -> Path:
        """Return the folder of source notebooks, ``<repo>/solutions``."""
        return solutions_folder(self.repo)

    # ------------------------------------------------------ the course folder

    @property
    def release_dir(self) -> Path:
        """Return the course folder's private release, ``<root>/exercises``.

        nbgrader generates it here (its ``release_directory``) when
        :func:`actzoo_grader.autograde.prepare` records an assignment.
        """
        return self.root / release_name(self.repo)

    def released(self, assignment: str) -> Path:
        """Return the notebooks ``assignment``'s students were given."""
        return self.release_dir / assignment

    @property
    def submitted_dir(self) -> Path:
        """Return the folder of collected submissions, ``<root>/submitted``."""
        return self.root / SUBMITTED

    def submitted(self, assignment: str, student: str) -> Path:
        """Return the folder of one student's collected ``assignment``."""
        return self.submitted_dir / student / assignment

    @property
    def autograded_dir(self) -> Path:
        """Return the folder of graded notebooks, ``<root>/autograded``."""
        return self.root / AUTOGRADED

    def autograded(self, assignment: str, student: str) -> Path:
        """Return the folder of one student's autograded ``assignment``."""
        return self.autograded_dir / student / assignment

    @property
    def feedback_dir(self) -> Path:
        """Return the folder of feedback pages, ``<root>/feedback``."""
        return self.root / FEEDBACK

    def feedback(self, assignment: str, student: str) -> Path:
        """Return the folder of one student's feedback pages on ``assignment``."""
        return self.feedback_dir / student / assignment

    def reports(self, assignment: str) -> Path:
        """Return the folder of ``assignment``'s run reports, one per student."""
        return self.root / REPORTS / assignment

    def report(self, assignment: str, student: str) -> Path:
        """Return the JSON report of one student's run of ``assignment``."""
        return self.reports(assignment) / f"{student}.json"

    def staging(self, assignment: str) -> Path:
        """Return where autograding keeps executed notebooks between stages."""
        return self.root / STAGING / assignment

    @property
    def student_ids(self) -> Path:
        """Return the file that maps each student ID to the student's name."""
        return self.root / STUDENT_IDS

    @property
    def gradebook(self) -> Path:
        """Return the SQLite gradebook file, ``<root>/gradebook.db`` by default.

        It is the file of an SQLite ``db`` URL when one is given; a
        gradebook on a database server has none (see :attr:`on_server`).
        """
        if self.db is not None and not self.on_server:
            database = make_url(self.db).database
            if database:
                return Path(database).resolve()
        return self.root / GRADEBOOK

    @property
    def on_server(self) -> bool:
        """Return whether the gradebook is a database server's, not SQLite's."""
        return self.db is not None and make_url(self.db).get_backend_name() != "sqlite"

    @property
    def db_url(self) -> str:
        """Return the gradebook's SQLAlchemy URL: ``db``, or the SQLite file."""
        return self.db if self.db is not None else f"sqlite:///{self.gradebook}"

    @property
    def db_name(self) -> str:
        """Return the gradebook's URL as it may be shown: no password in it."""
        return make_url(self.db_url).render_as_string(hide_password=True)

    def give_to_owner(self) -> int:
        """Give what root wrote in the course folder to the folder's owner.

        A grader run as root writes the gradebook, reports and pages as
        root; the instructor who owns the course folder could then not
        grade again. Nothing is followed: links are changed themselves.
        Returns how many entries changed owner; nothing happens unless this
        process is root and the folder belongs to someone else.
        """
        if os.geteuid() != 0 or not self.root.is_dir():
            return 0
        info = self.root.stat()
        if info.st_uid == 0:
            return 0
        changed = 0
        for dirpath, dirnames, filenames in os.walk(self.root):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                if os.lstat(path).st_uid == 0:
                    os.lchown(path, info.st_uid, info.st_gid)
                    changed += 1
        return changed

    # ---------------------------------------------------------------- nbgrader

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
        ``solutions/``), the folders nbgrader reads and writes and the
        gradebook at this course folder; the gradebook is :attr:`db_url`,
        never a ``db_url`` that ``nbgrader_config.py`` sets. Extra keyword
        arguments set further ``CourseDirectory`` options, such as
        ``assignment_id`` or ``student_id``.
        """
        config = load_repo_config(self.repo)
        cd = config.CourseDirectory
        cd.root = str(self.root)
        cd.source_directory = str(self.solutions)
        cd.submitted_directory = SUBMITTED
        cd.autograded_directory = AUTOGRADED
        cd.feedback_directory = FEEDBACK
        cd.db_url = self.db_url
        for key, value in course_directory.items():
            cd[key] = value
        return config


def read_json_object(path: Path, what: str) -> dict:
    """Return the JSON object in the course folder's file ``path``.

    Raises ``ValueError`` in one line naming ``what`` the file is (the
    roster, a run's report) when it cannot be read or holds no object.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{what} {path} cannot be read as JSON ({err})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{what} {path} is not a JSON object")
    return data


def load_repo_config(repo: Path) -> Config:
    """Return the configuration in ``<repo>/nbgrader_config.py``."""
    path = Path(repo) / "nbgrader_config.py"
    if not path.is_file():
        raise FileNotFoundError(f"no nbgrader configuration at {path}")
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def _folder_name(repo: Path, option: str, default: str) -> str:
    """Return the folder name ``nbgrader_config.py`` gives ``option``."""
    cd = load_repo_config(repo).CourseDirectory
    return str(cd[option]) if option in cd else default


def solutions_folder(repo: Path = REPO) -> Path:
    """Return the repository's source notebooks, ``<repo>/solutions``.

    The name is nbgrader's ``source_directory`` in ``nbgrader_config.py``.
    """
    return Path(repo) / _folder_name(repo, "source_directory", "source")


def release_name(repo: Path = REPO) -> str:
    """Return the name of a release folder, ``exercises``.

    It is nbgrader's ``release_directory`` in ``nbgrader_config.py``: the
    repository's committed student notebooks and each course folder's
    private release both have it.
    """
    return _folder_name(repo, "release_directory", "release")


def exercises_folder(repo: Path = REPO) -> Path:
    """Return the repository's committed release, ``<repo>/exercises``."""
    return Path(repo) / release_name(repo)


def manifest_module(repo: Path = REPO) -> Path:
    """Return what the students' check knows of the release.

    That is ``<repo>/src/actzoo/_releases.py``, written by
    :func:`actzoo.check.write_manifest` from ``exercises/``.
    """
    return Path(repo) / "src" / "actzoo" / "_releases.py"


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
