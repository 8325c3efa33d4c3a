"""Honest code costs nothing: correct answers in many styles score full marks.

Students write the same function many ways: with ``np.where`` or masks,
loops or vectorised code, helper functions and classes, their own imports
and names, prints, plots, timings and extra cells. Each submission here
is correct in its own style, and the grader must give it every point and
report nothing. Each submission differs from the course's answers in one
or more cells. Exercise 1's corpus is here; those of exercises 2 to 6 are
in ``tests/honest/``. Each is graded as the user running the tests and as
an ordinary user.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from actzoo_grader import sandbox
from actzoo_grader.autograde import autograde
from actzoo_grader.course import Course
from actzoo_grader.executor import Guarded
from actzoo_grader.grades import part_scores
from tests import honest
from tests import test_attacks as attacks
from tests.honest import ex2 as honest_ex2
from tests.honest import ex3 as honest_ex3
from tests.honest import ex4 as honest_ex4
from tests.honest import ex5 as honest_ex5
from tests.honest import ex6 as honest_ex6
from tests.users import give_to, run_as

pytestmark = pytest.mark.slow

ASSIGNMENT, FULL = attacks.ASSIGNMENT, attacks.FULL

RELU_MASK = '''\
def relu(x):
    """Return max(0, x) elementwise."""
    out = np.array(x, copy=True)
    out[out < 0] = 0
    return out


def relu_grad(x):
    x = np.asarray(x)
    grad = np.zeros_like(x)
    grad[x > 0] = 1
    return grad
'''

RELU_MULTIPLY = """\
import numpy as np


def relu(x):
    x = np.asarray(x)
    return x * (x > 0)


def relu_grad(x):
    x = np.asarray(x)
    return (x > 0) * np.ones_like(x)
"""

RELU_LOOP = """\
def relu(x):
    x = np.asarray(x)
    values = [v if v > 0 else 0.0 for v in x.ravel()]
    return np.array(values, dtype=x.dtype).reshape(x.shape)


def relu_grad(x):
    x = np.asarray(x)
    values = [1.0 if v > 0 else 0.0 for v in x.ravel()]
    return np.array(values, dtype=x.dtype).reshape(x.shape)
"""

RELU_FROM_NUMPY = """\
from numpy import asarray, maximum, zeros


def relu(x):
    x = asarray(x)
    return maximum(x, zeros((), dtype=x.dtype))


def relu_grad(x):
    x = asarray(x)
    return (x > 0).astype(x.dtype)
"""

RELU_TYPED = """\
def relu(x: np.ndarray) -> np.ndarray:
    arr: np.ndarray = np.asarray(x)
    return np.where(arr > 0, arr, np.zeros_like(arr))


def relu_grad(x: np.ndarray) -> np.ndarray:
    arr: np.ndarray = np.asarray(x)
    return np.where(arr > 0, np.ones_like(arr), np.zeros_like(arr))
"""

HELPER_CELL = """\
def positive(x):
    \"\"\"Return where x is strictly positive (the kink counts as off).\"\"\"
    return np.asarray(x) > 0
"""

LEAKY_WITH_HELPER = """\
def leaky_relu(x, alpha=0.01):
    x = np.asarray(x)
    return np.where(positive(x), x, x * alpha).astype(x.dtype)


def leaky_relu_grad(x, alpha=0.01):
    x = np.asarray(x)
    one = np.ones_like(x)
    return np.where(positive(x), one, one * alpha).astype(x.dtype)
"""

LEAKY_CLASS = """\
class Leaky:
    \"\"\"Leaky ReLU with its slope below zero.\"\"\"

    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, x):
        x = np.asarray(x)
        return np.where(x > 0, x, self.alpha * x).astype(x.dtype)

    def backward(self, x):
        x = np.asarray(x)
        return np.where(x > 0, 1.0, self.alpha).astype(x.dtype)


def leaky_relu(x, alpha=0.01):
    return Leaky(alpha).forward(x)


def leaky_relu_grad(x, alpha=0.01):
    return Leaky(alpha).backward(x)
"""

LEAKY_VECTORIZE = """\
def _leaky_one(v, alpha):
    return v if v > 0 else alpha * v


def leaky_relu(x, alpha=0.01):
    x = np.asarray(x)
    return np.vectorize(_leaky_one, otypes=[x.dtype])(x, alpha)


def leaky_relu_grad(x, alpha=0.01):
    x = np.asarray(x)
    return np.vectorize(lambda v: 1.0 if v > 0 else alpha, otypes=[x.dtype])(x)
"""

ELU_RENAMED = """\
import math


def elu(x, alpha=1.0):
    inputs = np.asarray(x)
    negative_part = alpha * np.expm1(np.minimum(inputs, 0.0))
    result = np.where(inputs > 0, inputs, negative_part)
    return result.astype(inputs.dtype)


def elu_grad(x, alpha=1.0):
    inputs = np.asarray(x)
    slope_below = alpha * np.exp(np.minimum(inputs, 0.0))
    return np.where(inputs > 0, 1.0, slope_below).astype(inputs.dtype)
"""

ELU_MASKS = """\
def elu(x, alpha=1.0):
    x = np.asarray(x)
    out = x.copy()
    neg = x <= 0
    out[neg] = alpha * np.expm1(x[neg])
    return out


def elu_grad(x, alpha=1.0):
    x = np.asarray(x)
    out = np.ones_like(x)
    neg = x <= 0
    out[neg] = alpha * np.exp(x[neg])
    return out
"""

SELU_OWN_WORDS = """\
def selu(x):
    x = np.asarray(x)
    scaled = SELU_SCALE * elu(x, alpha=SELU_ALPHA)
    return scaled.astype(x.dtype)


def selu_grad(x):
    x = np.asarray(x)
    return (SELU_SCALE * elu_grad(x, alpha=SELU_ALPHA)).astype(x.dtype)
"""

SOFTPLUS_LOGADDEXP = """\
def softplus(x, beta=1.0):
    x = np.asarray(x)
    return (np.logaddexp(0, beta * x) / beta).astype(x.dtype)


def softplus_grad(x, beta=1.0):
    x = np.asarray(x)
    return np.exp(-np.logaddexp(0, -beta * x)).astype(x.dtype)
"""

SIGMOID_BRANCHES = """\
def sigmoid(x):
    x = np.asarray(x)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1 + e)
    return out


def silu(x):
    x = np.asarray(x)
    return x * sigmoid(x)


def silu_grad(x):
    x = np.asarray(x)
    s = sigmoid(x)
    return s * (1 + x * sigmoid(-x))
"""

GELU_CONSTANTS = """\
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
COEFF = 0.044715


def gelu(x, approximate="none"):
    x = np.asarray(x)
    if approximate == "none":
        return (x * std_normal_cdf(x)).astype(x.dtype)
    if approximate == "tanh":
        inner = SQRT_2_OVER_PI * (x + COEFF * x**3)
        return (0.5 * x * (1.0 + np.tanh(inner))).astype(x.dtype)
    raise ValueError(f"unknown approximation {approximate!r}")


def gelu_grad(x, approximate="none"):
    x = np.asarray(x)
    if approximate == "none":
        density = INV_SQRT_2PI * np.exp(-0.5 * x * x)
        return (std_normal_cdf(x) + x * density).astype(x.dtype)
    if approximate == "tanh":
        xc = np.clip(x, -1e4, 1e4)
        t = np.tanh(SQRT_2_OVER_PI * (xc + COEFF * xc**3))
        du = SQRT_2_OVER_PI * (1.0 + 3.0 * COEFF * xc**2)
        return (0.5 * (1.0 + t) + 0.5 * xc * (1.0 - t * t) * du).astype(x.dtype)
    raise ValueError(f"unknown approximation {approximate!r}")
"""

PLOT = """\
%matplotlib inline
import matplotlib.pyplot as plt

xs = np.linspace(-3, 3, 61)
fig, ax = plt.subplots()
for f in (relu, leaky_relu, elu, softplus):
    ax.plot(xs, f(xs), label=f.__name__)
ax.legend()
plt.show()
"""

TIMEIT = """\
%timeit -n 5 -r 2 relu(np.linspace(-1.0, 1.0, 1000))
"""

TIME_CELL = """\
%%time
checks = [float(np.max(np.abs(elu(np.array([v])) - v))) for v in (1.0, 2.0)]
print("elu is the identity above zero:", checks)
"""

PRINTS = """\
print("relu at -1, 0, 2:", relu(np.array([-1.0, 0.0, 2.0])))
print("slope of leaky relu below zero:", leaky_relu_grad(np.array([-1.0]))[0])
"""

NOTES = """\
# My own check, before the tests: SELU keeps the scale of N(0, 1) inputs.
rng = np.random.default_rng(0)
z = rng.standard_normal(10_000)
print("mean", selu(z).mean().round(2), "std", selu(z).std().round(2))
"""

IMPORTS_AGAIN = """\
import math

import numpy as np
"""


def answered(overrides: dict[str, str], extras: tuple[tuple[str, str], ...] = ()):
    """Return the solved notebook with some answer cells and extra cells."""
    nb = copy.deepcopy(attacks.solved())
    for cell in nb["cells"]:
        gid = attacks._gid(cell)
        if gid in overrides:
            cell["source"] = overrides[gid]
    for after, source in extras:
        nb = attacks.with_cell(nb, source, after=after)
    return nb


def _with_imports(nb: dict) -> dict:
    """Return ``nb`` with every answer cell starting with the usual imports."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["source"] = IMPORTS_AGAIN + "\n\n" + "".join(cell["source"])
    return nb


HONEST = {
    "as_given": answered({}),
    "imports_in_every_answer": _with_imports(attacks.solved()),
    "relu_masks": answered({"relu": RELU_MASK}),
    "relu_multiply": answered({"relu": RELU_MULTIPLY}),
    "relu_loops": answered({"relu": RELU_LOOP}),
    "relu_from_numpy": answered({"relu": RELU_FROM_NUMPY}),
    "relu_type_hints": answered({"relu": RELU_TYPED}),
    "leaky_helper_cell": answered(
        {"leaky_relu": LEAKY_WITH_HELPER}, (("relu", HELPER_CELL),)
    ),
    "leaky_class": answered({"leaky_relu": LEAKY_CLASS}),
    "leaky_vectorize": answered({"leaky_relu": LEAKY_VECTORIZE}),
    "elu_renamed": answered({"elu": ELU_RENAMED}),
    "elu_masks": answered({"elu": ELU_MASKS}),
    "selu_own_words": answered({"selu": SELU_OWN_WORDS}),
    "softplus_logaddexp": answered({"softplus": SOFTPLUS_LOGADDEXP}),
    "sigmoid_branches": answered({"silu": SIGMOID_BRANCHES}),
    "gelu_constants": answered({"gelu": GELU_CONSTANTS}),
    "plots": answered({}, ((None, PLOT),)),
    "timings": answered({}, (("relu", TIMEIT), ("elu", TIME_CELL))),
    "prints_and_notes": answered({}, (("leaky_relu", PRINTS), ("selu", NOTES))),
    "many_styles_at_once": answered(
        {
            "relu": RELU_MULTIPLY,
            "leaky_relu": LEAKY_CLASS,
            "elu": ELU_MASKS,
            "softplus": SOFTPLUS_LOGADDEXP,
            "gelu": GELU_CONSTANTS,
        },
        ((None, PLOT), ("relu", TIMEIT)),
    ),
}


def test_there_are_at_least_twenty_honest_submissions():
    assert len(HONEST) >= 20
    # Each differs from the course's answers, except the first.
    plain = attacks.solved()
    same = [s for s, nb in HONEST.items() if nb["cells"] == plain["cells"]]
    assert same == ["as_given"]


@pytest.mark.parametrize("grader", attacks.GRADERS)
def test_honest_submissions_score_full_marks_with_no_detection(request, grader):
    """As root (in this process) and as an ordinary user (the command line)."""
    why = sandbox.check()
    if why:
        pytest.skip(f"sandboxes cannot be made here: {why}")
    user = None
    if grader == "an ordinary user":
        user = request.getfixturevalue("ordinary_user")
    root = request.getfixturevalue("shared_folder")
    course = Course(root=root / "course")
    for student, nb in HONEST.items():
        attacks._write(course.submitted(ASSIGNMENT, student), nb)
    if user is None:
        result = autograde(course, ASSIGNMENT, executor=Guarded(), jobs=2)
        failed, detections = result.failed, result.detections
    else:
        give_to(user, course.root)
        run = run_as(
            user,
            attacks.grader_command(course.root, "autograde", ASSIGNMENT, "-j", "2"),
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "sandbox: rootless" in run.stdout
        outcome = attacks._outcome(run.stdout, HONEST)
        failed, detections = outcome.failed, outcome.detections
    assert failed == {}
    flagged = {s: lines for s, lines in detections.items() if lines}
    assert flagged == {}, flagged
    totals = attacks._totals(course)
    short = {s: t for s, t in totals.items() if t != FULL}
    assert short == {}, short
    assert set(totals) == set(HONEST)


# ------------------------------------------------------- exercises 2 to 6
#
# Each exercise's corpus (tests/honest/exN.py) is graded in one batch, as
# the user running the tests, with one deliberately wrong submission in it
# so that the check can fail. Each submission is a test of its own, so that
# a failure names it and the parts it lost.

CORPORA = {
    c.ASSIGNMENT: c
    for c in (honest_ex2, honest_ex3, honest_ex4, honest_ex5, honest_ex6)
}
#: Submissions graded at once: one per core.
JOBS = os.cpu_count() or 1


@dataclass
class Graded:
    """One exercise's batch: each student's parts, detections and failures."""

    parts: dict[str, dict[str, tuple[float, float]]]
    errors: dict[str, dict[str, str]]
    detections: dict[str, list[str]]
    failed: dict[str, str]


def _errors(notebook: Path) -> dict[str, str]:
    """Return ``{graded cell: its error's last line}`` of a graded notebook."""
    if not notebook.is_file():
        return {}
    found: dict[str, str] = {}
    for cell in json.loads(notebook.read_text())["cells"]:
        gid = honest.grade_id(cell)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found[str(gid)] = f"{out.get('ename')}: {out.get('evalue')}"[:300]
    return found


def _write_batch(course: Course, assignment: str) -> list[str]:
    """Write an exercise's honest and wrong submissions; return the students."""
    corpus = CORPORA[assignment]
    wrong_name, wrong = corpus.WRONG
    batch = {**corpus.HONEST, wrong_name: wrong}
    for student, nb in batch.items():
        folder = course.submitted(assignment, student)
        folder.mkdir(parents=True)
        (folder / f"{assignment}.ipynb").write_text(json.dumps(nb))
    return list(batch)


def _parts(course: Course, assignment: str, students: list[str]):
    """Return ``{student: {part: (score, max)}}`` from the gradebook."""
    parts: dict[str, dict[str, tuple[float, float]]] = {s: {} for s in students}
    for part in part_scores(course, assignment):
        parts[part.student][part.part] = (part.score, part.max_score)
    return parts


def _grade(assignment: str, root: Path) -> Graded:
    course = Course(root=root / "course")
    batch = _write_batch(course, assignment)
    result = autograde(course, assignment, executor=Guarded(), jobs=JOBS)
    parts = _parts(course, assignment, batch)
    errors = {
        s: _errors(course.autograded(assignment, s) / f"{assignment}.ipynb")
        for s in batch
    }
    return Graded(parts, errors, result.detections, result.failed)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Return a function grading an exercise's batch once, on first use."""
    why = sandbox.check()
    if why:
        pytest.skip(f"sandboxes cannot be made here: {why}")
    done: dict[str, Graded] = {}

    def grade(assignment: str) -> Graded:
        if assignment not in done:
            done[assignment] = _grade(assignment, tmp_path_factory.mktemp(assignment))
        return done[assignment]

    return grade


def _cases():
    for assignment, corpus in CORPORA.items():
        for name in corpus.HONEST:
            yield pytest.param(assignment, name, id=f"{assignment}-{name}")


@pytest.mark.parametrize("assignment", list(CORPORA))
def test_each_exercise_has_twenty_honest_styles(assignment):
    corpus = CORPORA[assignment]
    assert len(corpus.HONEST) >= 20
    plain = honest.solved(assignment)["cells"]
    same = [s for s, nb in corpus.HONEST.items() if nb["cells"] == plain]
    assert same == ["as_given"]


@pytest.mark.parametrize(("assignment", "student"), list(_cases()))
def test_honest_style_scores_full_marks_with_no_detection(graded, assignment, student):
    batch = graded(assignment)
    assert student not in batch.failed, batch.failed.get(student)
    assert batch.detections.get(student, []) == []
    parts = batch.parts[student]
    assert set(parts) == set(honest.points(assignment))
    lost = {
        part: f"{score:g} of {top:g}: {batch.errors[student].get(part, 'no error')}"
        for part, (score, top) in parts.items()
        if score != top
    }
    assert lost == {}


@pytest.mark.parametrize("assignment", list(CORPORA))
def test_a_wrong_answer_in_the_batch_loses_its_part(graded, assignment):
    corpus = CORPORA[assignment]
    batch = graded(assignment)
    student = corpus.WRONG[0]
    assert student not in batch.failed
    parts = batch.parts[student]
    lost = {part for part, (score, top) in parts.items() if score != top}
    assert lost == corpus.WRONG_LOSES
    assert sum(s for s, _ in parts.values()) < honest.full_marks(assignment)


@pytest.mark.parametrize("assignment", list(CORPORA))
def test_an_ordinary_user_grades_each_corpus_alike(request, graded, assignment):
    """The same batch, graded by an ordinary user in rootless sandboxes."""
    as_root = graded(assignment)
    user = request.getfixturevalue("ordinary_user")
    course = Course(root=request.getfixturevalue("shared_folder") / "course")
    students = _write_batch(course, assignment)
    give_to(user, course.root)
    run = run_as(
        user,
        attacks.grader_command(course.root, "autograde", assignment, "-j", str(JOBS)),
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "sandbox: rootless" in run.stdout
    assert _parts(course, assignment, students) == as_root.parts
    detected = set(re.findall(rf"{assignment}: DETECTED (\S+):", run.stdout))
    assert detected == {s for s, lines in as_root.detections.items() if lines}
