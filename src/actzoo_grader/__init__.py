"""actzoo_grader: the instructor's workflow around nbgrader for The Activation Zoo.

The steps, each a module named for what it does:

* :mod:`actzoo_grader.release` regenerates the student notebooks in
  ``exercises/`` from the source notebooks in ``solutions/``, and what the
  students' check (:mod:`actzoo.check`) knows of them;
* :mod:`actzoo_grader.collect` copies submissions into a course folder,
  from a folder laid out as ``<student>/<assignment>/<notebook>.ipynb`` or
  from the zip of files a learning management system exports;
* :mod:`actzoo_grader.autograde` runs the hidden tests, through an
  executor from :mod:`actzoo_grader.executor` that decides how student
  code runs, on this machine or on the workers of a Dask scheduler
  (:mod:`actzoo_grader.cluster`);
* :mod:`actzoo_grader.grades` exports the scores as CSV;
* :mod:`actzoo_grader.feedback` writes one HTML page per student and
  notebook with the scores and the test messages, never the hidden tests'
  source.

:mod:`actzoo_grader.course` holds the folders everything works in,
:mod:`actzoo_grader.assignment` reads the parts and points of an
assignment, and :mod:`actzoo_grader.checks` holds the checks the
exercises' tests call.
Run ``python -m actzoo_grader --help`` for the command line.

Plain nbgrader trusts the submitted notebook more than it should: a
``skip-execution`` tag makes a test cell run nothing and score full marks,
a deleted or re-tagged test cell is silently missing, and code in an
earlier cell can rewrite later cells (an IPython input transformer) or
what the tests rely on (``np.allclose``, the course's ``assert_close``, an
object whose ``==`` is always true). Autograding closes those holes by
deciding every verdict where student code cannot reach it:

1. :mod:`actzoo_grader.rebuild` rebuilds the notebook on the release:
   every tag and every piece of metadata but nbgrader's own is dropped,
   every test cell and every given cell comes back from the release
   (deleted ones are put back in place), and edited, re-tagged, duplicated
   or deleted test cells are recorded as tampering.
2. :mod:`actzoo_grader.run` runs the given and the student's cells in a
   kernel in a sandbox (:mod:`actzoo_grader.sandbox`), where the course's
   reference implementations of what the student is to write are masked
   (:mod:`actzoo_grader.masking`).
3. The test cells run in a trusted process (:mod:`actzoo_grader.trusted`)
   with the references. The student's values reach it only as plain data
   (:mod:`actzoo_grader.wire`), asked of an agent in the kernel
   (:mod:`actzoo_grader.agent`) through :mod:`actzoo_grader.broker`.

A test cell scores its points when it ran to its end in the trusted
process; the grader's report names what was tampered with
(:class:`actzoo_grader.findings.Finding`).
"""

__version__ = "0.1.0"
