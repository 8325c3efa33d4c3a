"""Exercise 3 (activation statistics), answered correctly in many styles."""

from __future__ import annotations

from tests.honest import answered, markdown, solved, with_imports

ASSIGNMENT = "ex3_statistics"

MEAN_ERFC = """\
def elu_mean(alpha):
    # E[Z; Z > 0] = 1/sqrt(2 pi), E[e^Z; Z <= 0] = e^(1/2) Phi(-1), P(Z <= 0) = 1/2
    tail = 0.5 * math.erfc(1.0 / math.sqrt(2.0))
    return 1.0 / math.sqrt(2.0 * math.pi) + alpha * (math.exp(0.5) * tail - 0.5)
"""

MOMENT_HELPERS = '''\
RELU_MEAN = 1.0 / math.sqrt(2.0 * math.pi)


def exp_moment_below_zero(k):
    """E[exp(k Z); Z <= 0] for Z ~ N(0, 1): complete the square."""
    return math.exp(0.5 * k * k) * Phi(-k)
'''

MEAN_WITH_HELPERS = """\
def elu_mean(alpha):
    # exp_moment_below_zero(0) is P(Z <= 0).
    negative = exp_moment_below_zero(1.0) - exp_moment_below_zero(0.0)
    return RELU_MEAN + alpha * negative
"""

MEAN_NUMPY = """\
def elu_mean(alpha):
    return 1 / np.sqrt(2 * np.pi) + alpha * (np.sqrt(np.e) * Phi(-1) - 1 / 2)
"""

MEAN_TYPED = '''\
def elu_mean(alpha: float) -> float:
    """Return E[ELU_alpha(Z)] for Z ~ N(0, 1).

    The positive half gives 1 / sqrt(2 pi); the negative half gives
    alpha * (E[e^Z; Z <= 0] - P(Z <= 0)) = alpha * (sqrt(e) Phi(-1) - 1/2).
    """
    positive_half: float = 1.0 / math.sqrt(2.0 * math.pi)
    negative_half: float = math.sqrt(math.e) * Phi(-1.0) - 0.5
    return float(positive_half + alpha * negative_half)
'''

ALPHA_LINEAR = """\
def zero_mean_alpha():
    # elu_mean is affine in alpha: m(alpha) = m(0) + alpha * (m(1) - m(0)).
    base = elu_mean(0.0)
    slope = elu_mean(1.0) - base
    return -base / slope
"""

ALPHA_BISECTION = '''\
def zero_mean_alpha():
    """Bisect elu_mean between 1 (positive mean) and 2 (negative mean)."""
    lo, hi = 1.0, 2.0
    while True:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            return mid
        if elu_mean(mid) > 0:
            lo = mid
        else:
            hi = mid
'''

ALPHA_CONSTANTS = """\
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
SQRT_E = math.sqrt(math.e)


def zero_mean_alpha():
    return INV_SQRT_2PI / (0.5 - SQRT_E * Phi(-1.0))
"""

MOMENT_POWERS = """\
def elu_second_moment(alpha):
    negative = math.exp(2.0) * Phi(-2.0) - 2.0 * math.exp(0.5) * Phi(-1.0) + 0.5
    return 0.5 + alpha**2 * negative


def selu_constants():
    alpha = zero_mean_alpha()
    scale = elu_second_moment(alpha) ** -0.5
    return alpha, scale
"""

MOMENT_EXPANDED = '''\
def _below(k):
    """E[exp(k Z); Z <= 0]."""
    return math.exp(k * k / 2) * Phi(-k)


def elu_second_moment(alpha):
    # (e^Z - 1)^2 = e^(2Z) - 2 e^Z + 1 on the negative half.
    return 0.5 + alpha * alpha * (_below(2.0) - 2.0 * _below(1.0) + _below(0.0))


def selu_constants():
    alpha = zero_mean_alpha()
    variance = elu_second_moment(alpha) - elu_mean(alpha) ** 2
    return alpha, 1.0 / math.sqrt(variance)
'''

MOMENT_NAMEDTUPLE = '''\
from typing import NamedTuple


class Selu(NamedTuple):
    """SELU's constants: ELU's alpha and the scale lambda."""

    alpha: float
    scale: float


def elu_second_moment(alpha: float) -> float:
    e = math.e
    return 0.5 + alpha**2 * (e**2 * Phi(-2.0) - 2.0 * math.sqrt(e) * Phi(-1.0) + 0.5)


def selu_constants() -> Selu:
    a = zero_mean_alpha()
    return Selu(alpha=a, scale=1.0 / math.sqrt(elu_second_moment(a)))
'''

DROPOUT_MASKS = """\
def alpha_dropout(x, p, seed):
    x = np.asarray(x, dtype=float)
    if p < 0 or p >= 1:
        raise ValueError("the drop probability p must be in [0, 1)")
    keep = np.random.default_rng(seed).random(x.shape) >= p
    saturation = -SELU_SCALE * SELU_ALPHA
    a = ((1 - p) * (1 + p * saturation**2)) ** -0.5
    b = -a * p * saturation
    y = np.full_like(x, saturation)
    y[keep] = x[keep]
    return a * y + b
"""

DROPOUT_WHERE = """\
import numpy as np


def alpha_dropout(x, p, seed):
    x = np.asarray(x, dtype=float)
    if not (0.0 <= p < 1.0):
        raise ValueError(f"p = {p} is not in [0, 1)")
    rng = np.random.default_rng(seed)
    keep = rng.random(size=np.shape(x)) >= p
    sat = -SELU_SCALE * SELU_ALPHA
    a = 1.0 / np.sqrt((1.0 - p) * (1.0 + p * sat * sat))
    b = -a * p * sat
    return np.where(keep, a * x + b, a * sat + b)
"""

DROPOUT_ARITHMETIC = """\
def alpha_dropout(x, p, seed):
    x = np.asarray(x, dtype=float)
    if p < 0.0 or not p < 1.0:
        raise ValueError("p must satisfy 0 <= p < 1")
    m = np.random.default_rng(seed).random(x.shape) >= p
    a_prime = -SELU_SCALE * SELU_ALPHA
    a = 1.0 / math.sqrt((1.0 - p) * (1.0 + p * a_prime**2))
    return a * (m * x + (~m) * a_prime) - a * p * a_prime
"""

DROPOUT_CLASS = '''\
class AlphaDropout:
    """AlphaDropout with drop probability p, for SELU networks."""

    saturation = -SELU_SCALE * SELU_ALPHA

    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p
        self.a = 1.0 / math.sqrt((1 - p) * (1 + p * self.saturation**2))
        self.b = -self.a * p * self.saturation

    def __call__(self, x, seed):
        x = np.asarray(x, dtype=float)
        keep = np.random.default_rng(seed).random(x.shape) >= self.p
        return self.a * np.where(keep, x, self.saturation) + self.b


def alpha_dropout(x, p, seed):
    return AlphaDropout(p)(x, seed)
'''

PLOT = """\
%matplotlib inline
import matplotlib.pyplot as plt

alphas = np.linspace(0.0, 3.0, 61)
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(alphas, [elu_mean(a) for a in alphas], label="E[ELU(Z)]")
ax.axhline(0.0, color="grey", lw=0.5)
ax.axvline(zero_mean_alpha(), ls="--", label="zero mean")
ax.set_xlabel("alpha")
ax.legend()
plt.show()
"""

PLOT_RCPARAMS = """\
%matplotlib inline
import matplotlib
import matplotlib.pyplot as plt

matplotlib.rcParams["figure.figsize"] = (5, 3)
matplotlib.rcParams["axes.grid"] = True
y = alpha_dropout(np.random.default_rng(3).standard_normal(5_000), 0.1, seed=4)
plt.hist(y, bins=50)
plt.title("AlphaDropout of N(0, 1), p = 0.1")
plt.show()
"""

DISPLAY_MARKDOWN = """\
from IPython.display import Markdown, display

alpha, scale = selu_constants()
display(Markdown(f"My constants: $\\\\alpha = {alpha:.10f}$, $\\\\lambda = {scale:.10f}$"))
"""

TIMEIT = """\
%timeit -n 100 -r 3 elu_mean(1.0)
"""

TIME_CELL = """\
%%time
z = np.random.default_rng(5).standard_normal(1_000_000)
elu = np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))
print("Monte Carlo:", elu.mean(), "formula:", elu_mean(1.0))
"""

PRECISION_AND_CAPTURE = """\
%precision 4
selu_constants()
"""

CAPTURE = """\
%%capture noisy
for p in (0.1, 0.2, 0.5):
    y = alpha_dropout(np.random.default_rng(0).standard_normal(10_000), p, 1)
    print(p, y.mean(), y.var())
"""

DERIVATION = markdown(
    "**Derivation.** On $Z > 0$ ELU is the identity, giving $1/\\sqrt{2\\pi}$. "
    "On $Z \\le 0$ it is $\\alpha(e^Z - 1)$, whose expectation is "
    "$\\alpha(\\sqrt e\\,\\Phi(-1) - \\tfrac12)$ by the third integral."
)

PRINTS = """\
np.set_printoptions(precision=4, suppress=True)
a0 = zero_mean_alpha()
print("zero-mean alpha:", a0, "SELU's alpha:", SELU_ALPHA)
print("difference:", abs(a0 - SELU_ALPHA))
"""

SCIPY_QUAD_CHECK = """\
# A check of my formula by numerical integration (not used by my answers).
import scipy.integrate as integrate

density = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi)
numeric = integrate.quad(lambda t: max(t, 0.0) * density(t), -10, 10)[0]
print("E[ReLU(Z)] numerically:", numeric, "by the formula:", elu_mean(0.0))
"""

#: The same kind of check, but importing scipy's ``erfc`` under its own
#: name: ``elu_mean`` (MEAN_ERFC) calls ``math.erfc``, and nothing of SciPy.
SCIPY_ERFC_CHECK = """\
from scipy.special import erfc

print("Phi(-1) two ways:", Phi(-1.0), erfc(1 / np.sqrt(2)) / 2)
"""

IMPORTS_AGAIN = """\
import math

import numpy as np

from actzoo_grader.checks import assert_close
"""

#: Off by a sign: b = +a p alpha' shifts the mean away from 0.
DROPOUT_SIGN_WRONG = """\
def alpha_dropout(x, p, seed):
    x = np.asarray(x, dtype=float)
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p must be in [0, 1), got {p}")
    keep = np.random.default_rng(seed).random(x.shape) >= p
    a_prime = -SELU_SCALE * SELU_ALPHA
    a = 1.0 / math.sqrt((1.0 - p) * (1.0 + p * a_prime**2))
    b = a * p * a_prime
    return a * np.where(keep, x, a_prime) + b
"""


def _answered(overrides, extras=()):
    return answered(ASSIGNMENT, overrides, extras)


HONEST = {
    "as_given": _answered({}),
    "imports_in_every_answer": with_imports(solved(ASSIGNMENT), IMPORTS_AGAIN),
    "mean_erfc_directly": _answered({"elu_mean": MEAN_ERFC}),
    "mean_helper_cell": _answered(
        {"elu_mean": MEAN_WITH_HELPERS}, (("setup", MOMENT_HELPERS),)
    ),
    "mean_numpy_constants": _answered({"elu_mean": MEAN_NUMPY}),
    "mean_type_hints": _answered({"elu_mean": MEAN_TYPED}),
    "alpha_from_linearity": _answered({"zero_mean_alpha": ALPHA_LINEAR}),
    "alpha_bisection": _answered({"zero_mean_alpha": ALPHA_BISECTION}),
    "alpha_module_constants": _answered({"zero_mean_alpha": ALPHA_CONSTANTS}),
    "moment_powers": _answered({"selu_constants": MOMENT_POWERS}),
    "moment_expanded_square": _answered({"selu_constants": MOMENT_EXPANDED}),
    "moment_namedtuple": _answered({"selu_constants": MOMENT_NAMEDTUPLE}),
    "dropout_masks": _answered({"alpha_dropout": DROPOUT_MASKS}),
    "dropout_where": _answered({"alpha_dropout": DROPOUT_WHERE}),
    "dropout_arithmetic": _answered({"alpha_dropout": DROPOUT_ARITHMETIC}),
    "dropout_class": _answered({"alpha_dropout": DROPOUT_CLASS}),
    "plot": _answered({}, ((None, PLOT),)),
    "plot_rcparams": _answered({}, ((None, PLOT_RCPARAMS),)),
    "display_markdown": _answered({}, (("selu_constants", DISPLAY_MARKDOWN),)),
    "timings": _answered({}, (("elu_mean", TIMEIT), ("elu_mean", TIME_CELL))),
    "precision_and_capture": _answered(
        {}, (("selu_constants", PRECISION_AND_CAPTURE), ("alpha_dropout", CAPTURE))
    ),
    "notes_prints_and_scipy_check": _answered(
        {},
        (
            ("elu_mean", DERIVATION),
            ("elu_mean", SCIPY_QUAD_CHECK),
            ("zero_mean_alpha", PRINTS),
        ),
    ),
    "scipy_erfc_check_beside_math_erfc": _answered(
        {"elu_mean": MEAN_ERFC}, (("setup", SCIPY_ERFC_CHECK),)
    ),
    "many_styles_at_once": with_imports(
        _answered(
            {
                "elu_mean": MEAN_WITH_HELPERS,
                "zero_mean_alpha": ALPHA_BISECTION,
                "selu_constants": MOMENT_NAMEDTUPLE,
                "alpha_dropout": DROPOUT_CLASS,
            },
            (("setup", MOMENT_HELPERS), (None, PLOT), ("elu_mean", TIMEIT)),
        ),
        "import math",
    ),
}

WRONG = ("dropout_sign_wrong", _answered({"alpha_dropout": DROPOUT_SIGN_WRONG}))
WRONG_LOSES = {"test_alpha_dropout"}
