"""grading: the instructor's workflow around nbgrader for The Activation Zoo.

The steps, each a module named for what it does:

* :mod:`grading.release` regenerates the student notebooks in ``exercises/``
  from the source notebooks in ``solutions/``;
* :mod:`grading.collect` copies submissions into a course folder, from a
  folder laid out as ``<student>/<assignment>/<notebook>.ipynb`` or from the
  zip of files a learning management system exports;
* :mod:`grading.autograde` runs the hidden tests, through an executor from
  :mod:`grading.executor` that decides where student code runs;
* :mod:`grading.grades` exports the scores as CSV;
* :mod:`grading.feedback` writes one HTML page per student and notebook with
  the scores and the test messages, never the hidden tests' source.

:mod:`grading.course` holds the folders everything works in,
:mod:`grading.assignment` reads the parts and points of an assignment, and
:mod:`grading.checks` holds the checks the exercises' tests call.
Run ``python -m grading --help`` for the command line.
"""

__version__ = "0.1.0"
