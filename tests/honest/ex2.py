"""Exercise 2 (dead units), answered correctly in many styles."""

from __future__ import annotations

from tests.honest import answered, markdown, solved, with_imports

ASSIGNMENT = "ex2_dead_units"

FRACTION_COUNT = '''\
def zero_gradient_fraction(grad, n, seed):
    """Return the share of standard normal draws where the slope is zero."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n)
    zeros = np.count_nonzero(grad(z) == 0)
    return zeros / n


P_RELU = 1 / 2
P_LEAKY = 0
'''

FRACTION_LOOP = """\
def zero_gradient_fraction(grad, n, seed):
    z = np.random.default_rng(seed).standard_normal(n)
    slopes = grad(z)
    zeros = 0
    for s in slopes:
        if s == 0:
            zeros += 1
    return float(zeros) / n


# The kink has probability zero, so the flat side holds half the mass.
P_RELU = 0.5
P_LEAKY = 0.0
"""

FRACTION_TYPED = """\
from __future__ import annotations

from collections.abc import Callable


def zero_gradient_fraction(
    grad: Callable[[np.ndarray], np.ndarray], n: int, seed: int
) -> float:
    draws: np.ndarray = np.random.default_rng(seed).standard_normal(n)
    is_zero: np.ndarray = grad(draws) == 0.0
    return float(is_zero.sum() / is_zero.size)


P_RELU: float = 0.5
P_LEAKY: float = 0.0
"""

FRACTION_COMPUTED = """\
from numpy.random import default_rng


def zero_gradient_fraction(grad, n, seed):
    z = default_rng(seed).standard_normal(n)
    return np.mean(grad(z) == 0).item()


# P(z <= 0) = Phi(0) = erfc(0) / 2; a leak makes the slope alpha there.
P_RELU = 0.5 * math.erfc(0.0)
P_LEAKY = 0.0 * P_RELU
"""

GD_BRANCHES = '''\
def gd_step(w, b, x, target, lr, alpha):
    """One step of gradient descent on (f(w.x + b) - target)**2 / 2."""
    w = np.asarray(w, dtype=float)
    x = np.asarray(x, dtype=float)
    z = float(np.dot(w, x) + b)
    if z > 0:
        out = z
        slope = 1.0
    else:
        out = alpha * z
        slope = alpha
    error = out - target
    new_w = w - lr * error * slope * x
    new_b = b - lr * error * slope
    return new_w, float(new_b)


def train_unit(w, b, x, target, lr, alpha, steps):
    w = np.array(w, dtype=float)
    x = np.array(x, dtype=float)
    zs = np.empty(steps + 1)
    zs[0] = w @ x + b
    step = 0
    while step < steps:
        w, b = gd_step(w, b, x, target, lr, alpha)
        step += 1
        zs[step] = w @ x + b
    return zs
'''

UNIT_HELPERS = '''\
def leaky(z, alpha):
    """Leaky ReLU of a number; alpha = 0 gives ReLU."""
    return z if z > 0 else alpha * z


def leaky_slope(z, alpha):
    """Its slope: alpha at the kink, as PyTorch has it."""
    return 1.0 if z > 0 else alpha
'''

GD_WITH_HELPERS = """\
def gd_step(w, b, x, target, lr, alpha):
    w = np.asarray(w, dtype=float)
    x = np.asarray(x, dtype=float)
    z = float(w @ x + b)
    delta = (leaky(z, alpha) - target) * leaky_slope(z, alpha)
    return w - lr * delta * x, float(b - lr * delta)


def train_unit(w, b, x, target, lr, alpha, steps):
    x = np.asarray(x, dtype=float)
    params = (np.asarray(w, dtype=float), float(b))
    history = []
    for _ in range(steps + 1):
        history.append(float(params[0] @ x + params[1]))
        if len(history) <= steps:
            params = gd_step(*params, x, target, lr, alpha)
    return np.asarray(history)
"""

GD_WHERE = """\
import numpy as np


def gd_step(w, b, x, target, lr, alpha):
    w = np.asarray(w, dtype=float)
    x = np.asarray(x, dtype=float)
    z = w @ x + b
    slope = np.where(z > 0, 1.0, alpha)
    delta = (slope * z - target) * slope  # f(z) = slope * z
    return w - lr * delta * x, float(b - lr * delta)


def train_unit(w, b, x, target, lr, alpha, steps):
    w = np.asarray(w, dtype=float)
    x = np.asarray(x, dtype=float)
    zs = np.zeros(steps + 1)
    for k in range(steps + 1):
        zs[k] = w @ x + b
        w, b = gd_step(w, b, x, target, lr, alpha)
    return zs
"""

GD_CLASS = '''\
class LeakyUnit:
    """One unit f(w.x + b), f Leaky ReLU, learning a single example."""

    def __init__(self, w, b, alpha):
        self.w = np.array(w, dtype=float)
        self.b = float(b)
        self.alpha = alpha

    def pre_activation(self, x):
        return float(self.w @ x + self.b)

    def step(self, x, target, lr):
        z = self.pre_activation(x)
        slope = 1.0 if z > 0 else self.alpha
        delta = (slope * z - target) * slope
        self.w = self.w - lr * delta * x
        self.b = self.b - lr * delta
        return self


def gd_step(w, b, x, target, lr, alpha):
    unit = LeakyUnit(w, b, alpha).step(np.asarray(x, dtype=float), target, lr)
    return unit.w, unit.b


def train_unit(w, b, x, target, lr, alpha, steps):
    x = np.asarray(x, dtype=float)
    unit = LeakyUnit(w, b, alpha)
    zs = [unit.pre_activation(x)]
    for _ in range(steps):
        zs.append(unit.step(x, target, lr).pre_activation(x))
    return np.array(zs)
'''

GD_DATACLASS = """\
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Params:
    w: np.ndarray
    b: float


def gd_step(w, b, x, target, lr, alpha):
    p = Params(np.asarray(w, dtype=float), float(b))
    x = np.asarray(x, dtype=float)
    z = float(p.w @ x + p.b)
    f, df = (z, 1.0) if z > 0 else (alpha * z, alpha)
    g = (f - target) * df
    p = replace(p, w=p.w - lr * g * x, b=p.b - lr * g)
    return p.w, p.b


def train_unit(w, b, x, target, lr, alpha, steps):
    x = np.asarray(x, dtype=float)
    zs = []
    for _ in range(steps):
        zs.append(float(np.asarray(w, dtype=float) @ x + b))
        w, b = gd_step(w, b, x, target, lr, alpha)
    zs.append(float(w @ x + b))
    return np.array(zs)
"""

ALPHA_HYPOT = '''\
def min_alpha(z, x, target, lr, delta):
    """Smallest alpha > 0 with lr (|x|^2 + 1) alpha (t - alpha z) = delta."""
    x = np.asarray(x, dtype=float)
    c = delta / (lr * (np.sum(x**2) + 1.0))
    root = math.hypot(target, 2.0 * math.sqrt(-z * c))
    return float(2.0 * c / (target + root))
'''

ALPHA_STEPS = """\
def min_alpha(z, x, target, lr, delta):
    x = np.asarray(x, dtype=float)
    gain = lr * (x.dot(x) + 1.0)  # dz = gain * alpha * (t - alpha z)
    c = delta / gain
    disc = target**2 + 4.0 * abs(z) * c
    # (-t + sqrt(disc)) / (2 |z|), times its conjugate over itself:
    return float(2.0 * c / (target + disc**0.5))
"""

ALPHA_NEWTON = '''\
def min_alpha(z, x, target, lr, delta, iterations=100):
    """Solve |z| a**2 + t a - c = 0 by Newton's method from a = c / t.

    The quadratic is convex and positive at c / t, so the iterates fall
    monotonically to the positive root.
    """
    x = np.asarray(x, dtype=float)
    c = delta / (lr * (float(np.linalg.norm(x)) ** 2 + 1.0))
    a = c / target
    for _ in range(iterations):
        f = abs(z) * a * a + target * a - c
        step = f / (2.0 * abs(z) * a + target)
        a -= step
        if abs(step) <= 1e-17 * a:
            break
    return float(a)
'''

DEAD_LOOPS = """\
def dead_units(W, b, X):
    W, b, X = np.asarray(W, float), np.asarray(b, float), np.asarray(X, float)
    dead = []
    for weights, bias in zip(W, b):
        z = X @ weights + bias
        dead.append(bool(np.all(z <= 0)))
    return np.array(dead, dtype=bool)
"""

DEAD_MAX = '''\
def dead_units(W, b, X):
    """A unit is dead when even its largest pre-activation is <= 0."""
    Z = np.asarray(X) @ np.asarray(W).T + np.asarray(b)
    return Z.max(axis=0) <= 0
'''

DEAD_EINSUM = """\
from numpy import any as any_of, asarray, einsum


def dead_units(W, b, X):
    Z = einsum("nk,uk->nu", asarray(X), asarray(W)) + asarray(b)
    return ~any_of(Z > 0, axis=0)
"""

DEAD_ROWS = """\
def dead_units(W, b, X):
    import numpy as np

    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float)
    alive = np.zeros(len(b), dtype=bool)
    for row in np.asarray(X, dtype=float):
        alive |= W @ row + b > 0
    return ~alive
"""

DEAD_TYPED = '''\
def dead_units(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Return True for each unit whose pre-activation is <= 0 on every row.

    Parameters
    ----------
    W : (units, inputs) weights
    b : (units,) biases
    X : (n, inputs) data
    """
    pre: np.ndarray = X @ W.T + b
    active_somewhere: np.ndarray = (pre > 0).any(axis=0)
    return np.logical_not(active_somewhere)
'''

PLOT = """\
%matplotlib inline
import matplotlib.pyplot as plt

plt.rcParams["figure.dpi"] = 80
fig, ax = plt.subplots(figsize=(5, 3))
for leak in (0.0, 0.05, 0.1):
    path = train_unit(
        np.array([-0.5, -0.5]), -0.2, np.array([1.0, 2.0]), 1.0, 0.05, leak, 60
    )
    ax.plot(path, label=f"alpha = {leak}")
ax.axhline(0.0, color="grey", lw=0.5)
ax.set(xlabel="step", ylabel="z")
ax.legend()
plt.show()
"""

TIMEIT = """\
%timeit -n 3 -r 2 dead_units(np.ones((50, 4)), np.zeros(50), np.ones((100, 4)))
"""

TIME_CELL = """\
%%time
rates = [zero_gradient_fraction(lambda z: (z > 0) * 1.0, 10_000, s) for s in range(5)]
print("ReLU's zero-slope fraction over five seeds:", rates)
"""

NOTE = markdown(
    "**My check.** Before the tests, I count how often each slope is zero "
    "on a few samples; ReLU's should be near one half, Leaky ReLU's zero."
)

QUIET = """\
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
"""

#: A student's exploration that raises, left in the notebook: it costs nothing.
RAISES = """\
# What if n is negative? (It raises: the draw needs n >= 0.)
zero_gradient_fraction(lambda z: (z > 0) * 1.0, -5, seed=0)
"""

PRINTS = """\
for name, slope in [("relu", lambda z: (z > 0) * 1.0),
                    ("leaky", lambda z: np.where(z > 0, 1.0, 0.01))]:
    print(name, zero_gradient_fraction(slope, 5_000, seed=0))
print("P_RELU =", P_RELU, "and P_LEAKY =", P_LEAKY)
"""

WAKE_UP = """\
# How large must the leak be to lift z = -1 by 0.1 in one step?
for d in (0.01, 0.1, 1.0):
    a = min_alpha(-1.0, np.array([1.0, 2.0]), 1.0, 0.1, d)
    print(f"delta = {d}: alpha = {a:.4f}")
assert min_alpha(-1.0, np.array([1.0, 2.0]), 1.0, 0.1, 0.6) < 1
"""

DEAD_DEMO = """\
rng = np.random.default_rng(7)
layer_W = rng.normal(size=(20, 3))
layer_b = rng.normal(size=20) - 2.0
data = rng.normal(size=(100, 3))
print("dead units:", np.flatnonzero(dead_units(layer_W, layer_b, data)))
"""

IMPORTS_AGAIN = """\
import math

import numpy as np

from actzoo_grader.checks import assert_close
"""

#: Wrong at the kink: a unit whose largest pre-activation is exactly 0 is
#: dead, but ``< 0`` calls it alive. The visible test passes; a hidden one
#: does not.
DEAD_AT_KINK_WRONG = """\
def dead_units(W, b, X):
    Z = np.asarray(X) @ np.asarray(W).T + np.asarray(b)
    return np.all(Z < 0, axis=0)
"""


def _answered(overrides, extras=()):
    return answered(ASSIGNMENT, overrides, extras)


HONEST = {
    "as_given": _answered({}),
    "imports_in_every_answer": with_imports(solved(ASSIGNMENT), IMPORTS_AGAIN),
    "fraction_count_nonzero": _answered({"zero_fraction": FRACTION_COUNT}),
    "fraction_loop": _answered({"zero_fraction": FRACTION_LOOP}),
    "fraction_type_hints": _answered({"zero_fraction": FRACTION_TYPED}),
    "fraction_from_import": _answered({"zero_fraction": FRACTION_COMPUTED}),
    "gd_branches_while": _answered({"gd_step": GD_BRANCHES}),
    "gd_helper_cell": _answered(
        {"gd_step": GD_WITH_HELPERS}, (("zero_fraction", UNIT_HELPERS),)
    ),
    "gd_np_where": _answered({"gd_step": GD_WHERE}),
    "gd_class": _answered({"gd_step": GD_CLASS}),
    "gd_dataclass": _answered({"gd_step": GD_DATACLASS}),
    "alpha_hypot": _answered({"min_alpha": ALPHA_HYPOT}),
    "alpha_step_by_step": _answered({"min_alpha": ALPHA_STEPS}),
    "alpha_newton": _answered({"min_alpha": ALPHA_NEWTON}),
    "dead_loops": _answered({"dead_units": DEAD_LOOPS}),
    "dead_max": _answered({"dead_units": DEAD_MAX}),
    "dead_einsum_aliases": _answered({"dead_units": DEAD_EINSUM}),
    "dead_rows_import_inside": _answered({"dead_units": DEAD_ROWS}),
    "dead_type_hints": _answered({"dead_units": DEAD_TYPED}),
    "plot_with_rcparams": _answered({}, ((None, PLOT),)),
    "timings": _answered({}, (("dead_units", TIMEIT), ("zero_fraction", TIME_CELL))),
    "notes_and_prints": _answered(
        {},
        (
            ("setup", QUIET),
            ("zero_fraction", NOTE),
            ("zero_fraction", PRINTS),
            ("min_alpha", WAKE_UP),
            ("dead_units", DEAD_DEMO),
        ),
    ),
    "exploration_that_raises": _answered({}, (("zero_fraction", RAISES),)),
    "many_styles_at_once": with_imports(
        _answered(
            {
                "zero_fraction": FRACTION_LOOP,
                "gd_step": GD_CLASS,
                "min_alpha": ALPHA_HYPOT,
                "dead_units": DEAD_EINSUM,
            },
            ((None, PLOT), ("dead_units", TIMEIT), ("min_alpha", WAKE_UP)),
        ),
        "import numpy as np",
    ),
}

WRONG = ("dead_at_kink_wrong", _answered({"dead_units": DEAD_AT_KINK_WRONG}))
WRONG_LOSES = {"test_dead_units"}
