"""Return freshly generated student notebooks, made by nbgrader from ``solutions/``.

``nbgrader generate_assignment`` removes the solutions and the hidden tests
from each source notebook and locks the test cells. :func:`release` writes
the result to the repository's ``exercises/`` and then what the students'
check knows of the release (``src/actzoo/_releases.py``, written by
:func:`actzoo.check.write_manifest` from ``exercises/``), so the two stay in
step; :func:`release_differences` regenerates into a temporary folder and
lists what differs from the committed files, the manifest included, so a
test (and ``make release-check``) can prove that ``exercises/`` and the
manifest are exactly what a release produces.
"""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

from actzoo.check import manifest_is_current, write_manifest
from actzoo_grader.course import (
    REPO,
    Course,
    exercises_folder,
    manifest_module,
    nbgrader_environment,
    solutions_folder,
)
from actzoo_grader.course import assignments as list_assignments


def generate(assignment: str, dest: Path, repo: Path = REPO) -> Path:
    """Return ``dest/<assignment>``, the generated student version.

    The gradebook nbgrader needs while generating lives in a temporary
    course folder and is thrown away.
    """
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    dest = Path(dest)
    with tempfile.TemporaryDirectory(prefix="actzoo-grader-release-") as tmp:
        course = Course(root=Path(tmp), repo=repo)
        course.notebooks(assignment)  # a clear error for an unknown name
        config = course.config(assignment_id=assignment)
        config.BaseConverter.force = True
        with nbgrader_environment():
            coursedir = CourseDirectory(config=config)
            GenerateAssignment(coursedir=coursedir, config=config).start()
        out = dest / assignment
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(course.released(assignment), out)
    return out


def release(assignments: list[str] | None = None, repo: Path = REPO) -> list[Path]:
    """Return the regenerated ``exercises/<assignment>`` folders.

    Every assignment in ``solutions/`` is released when ``assignments`` is
    None or empty. Then the students' check's manifest
    (:func:`~actzoo_grader.course.manifest_module`) is written again from
    the whole of ``exercises/``.
    """
    repo = Path(repo)
    names = assignments or list_assignments(solutions_folder(repo))
    folders = [generate(name, exercises_folder(repo), repo=repo) for name in names]
    write_manifest(exercises_folder(repo), manifest_module(repo))
    return folders


def release_differences(
    assignments: list[str] | None = None, repo: Path = REPO
) -> list[str]:
    """Return the files of ``exercises/`` that differ from a fresh release.

    Each entry is ``"<assignment>/<file>: <what differs>"``, and one more
    names the students' check's manifest when it is not what
    :func:`release` would write (from ``exercises/`` with these
    assignments released afresh); an empty list means the committed
    student notebooks and the manifest are exactly what a release makes.
    """
    repo = Path(repo)
    committed = exercises_folder(repo)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="actzoo-grader-check-") as tmp:
        names = assignments or list_assignments(solutions_folder(repo))
        # exercises/ as release() would leave it: the committed folders,
        # these assignments replaced by fresh ones.
        released = Path(tmp) / "released"
        if committed.is_dir():
            shutil.copytree(committed, released)
        for name in names:
            fresh = generate(name, Path(tmp) / "fresh", repo=repo)
            problems += _compare(fresh, committed / name, name)
            shutil.rmtree(released / name, ignore_errors=True)
            shutil.copytree(fresh, released / name)
        module = manifest_module(repo)
        if not manifest_is_current(released, module):
            problems.append(
                f"{module.relative_to(repo)}: out of step with the release "
                "(make release writes it)"
            )
    return problems


def _compare(fresh: Path, committed: Path, name: str) -> list[str]:
    fresh_files = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
    old_files = (
        {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()}
        if committed.is_dir()
        else set()
    )
    problems = [
        f"{name}/{p}: missing from exercises/" for p in sorted(fresh_files - old_files)
    ]
    problems += [
        f"{name}/{p}: in exercises/ but not generated"
        for p in sorted(old_files - fresh_files)
    ]
    problems += [
        f"{name}/{p}: differs from the generated version"
        for p in sorted(fresh_files & old_files)
        if not filecmp.cmp(fresh / p, committed / p, shallow=False)
    ]
    return problems
