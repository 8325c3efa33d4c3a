"""nbgrader configuration of The Activation Zoo.

Source notebooks (solutions and hidden tests) live in ``solutions/``; the
student versions nbgrader generates from them go to ``exercises/``. The
instructor's tooling (``python -m actzoo_grader``, see
``src/actzoo_grader``) reads this file and points the course root and the
gradebook at a working folder outside the repository.
"""

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
