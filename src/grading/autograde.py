"""Return the result of autograding the collected submissions of an assignment.

For each student, nbgrader puts back the original test cells (hidden tests
included) over the submitted notebook, runs it through an executor from
:mod:`grading.executor`, and stores the score of every graded cell in the
course folder's gradebook. A submission that fails to run (say, a
notebook that is not valid JSON) is reported and the batch goes on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from grading.course import Course, nbgrader_environment
from grading.executor import Executor, LocalKernel


@dataclass
class AutogradeResult:
    """Which students were graded, which failed, and how long it took."""

    assignment: str
    graded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def prepare(course: Course, assignment: str) -> None:
    """Record ``assignment``'s source cells and points in the gradebook.

    This is nbgrader's ``generate_assignment`` into the course folder: the
    gradebook then knows every graded cell, hidden tests included, which
    autograding puts back into each submission.
    """
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    course.notebooks(assignment)  # a clear error for an unknown name
    course.root.mkdir(parents=True, exist_ok=True)
    config = course.config(assignment_id=assignment)
    config.BaseConverter.force = True
    with nbgrader_environment():
        coursedir = CourseDirectory(config=config)
        GenerateAssignment(coursedir=coursedir, config=config).start()


def submitted_students(course: Course, assignment: str) -> list[str]:
    """Return the students with a collected submission of ``assignment``."""
    folder = course.root / "submitted"
    return sorted(p.parent.name for p in folder.glob(f"*/{assignment}")
                  if p.is_dir())


def autograde(course: Course, assignment: str,
              students: list[str] | None = None,
              executor: Executor | None = None) -> AutogradeResult:
    """Return the outcome of autograding ``assignment`` for ``students``.

    Parameters
    ----------
    course
        The course folder with the collected submissions.
    assignment
        The assignment's name, a folder of ``solutions/``.
    students
        Whom to grade; every student with a submission when None.
    executor
        Where the notebooks run; :class:`grading.executor.LocalKernel` when
        None.
    """
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory

    executor = executor or LocalKernel()
    prepare(course, assignment)
    result = AutogradeResult(assignment)
    for student in students or submitted_students(course, assignment):
        config = course.config(assignment_id=assignment, student_id=student)
        config.BaseConverter.force = True
        executor.configure(config)
        start = time.perf_counter()
        try:
            with nbgrader_environment():
                coursedir = CourseDirectory(config=config)
                Autograde(coursedir=coursedir, config=config).start()
        except NbGraderException as exc:
            result.failed[student] = str(exc) or type(exc).__name__
        else:
            result.graded.append(student)
        result.seconds[student] = time.perf_counter() - start
    return result
