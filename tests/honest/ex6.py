"""Exercise 6 (applications), answered correctly in many styles."""

from __future__ import annotations

from tests.honest import answered, markdown, solved, with_imports

ASSIGNMENT = "ex6_applications"

REPLICATE_LOOPS = '''\
def replicate(kinks, values, slope_left, slope_right):
    """Return (cash, shares, quantities): one call per kink."""
    kinks = [float(k) for k in kinks]
    values = [float(v) for v in values]
    slopes = [float(slope_left)]
    for i in range(len(kinks) - 1):
        slopes.append((values[i + 1] - values[i]) / (kinks[i + 1] - kinks[i]))
    slopes.append(float(slope_right))
    quantities = [slopes[i + 1] - slopes[i] for i in range(len(kinks))]
    shares = slopes[0]
    cash = values[0] - shares * kinks[0]
    return cash, shares, np.array(quantities)


def portfolio_value(S, cash, shares, kinks, quantities):
    S = np.asarray(S, dtype=float)
    total = cash + shares * S
    for strike, amount in zip(kinks, quantities):
        total = total + amount * np.maximum(S - strike, 0.0)
    return total
'''

REPLICATE_R = """\
def replicate(kinks, values, slope_left, slope_right):
    kinks = np.asarray(kinks, dtype=float)
    values = np.asarray(values, dtype=float)
    slopes = np.r_[slope_left, np.diff(values) / np.diff(kinks), slope_right]
    return float(values[0] - slopes[0] * kinks[0]), float(slopes[0]), np.diff(slopes)


def portfolio_value(S, cash, shares, kinks, quantities):
    S = np.asarray(S, dtype=float)
    calls = np.maximum(S[..., None] - np.asarray(kinks, dtype=float), 0.0)
    return cash + shares * S + calls @ np.asarray(quantities, dtype=float)
"""

REPLICATE_TYPED = '''\
from numpy.typing import ArrayLike


def replicate(
    kinks: ArrayLike, values: ArrayLike, slope_left: float, slope_right: float
) -> tuple[float, float, np.ndarray]:
    K = np.asarray(kinks, dtype=float)
    v = np.asarray(values, dtype=float)
    inner = (v[1:] - v[:-1]) / (K[1:] - K[:-1])
    s = np.concatenate(([slope_left], inner, [slope_right]))
    q = s[1:] - s[:-1]
    return float(v[0] - s[0] * K[0]), float(s[0]), q


def portfolio_value(
    S: ArrayLike, cash: float, shares: float, kinks: ArrayLike, quantities: ArrayLike
) -> np.ndarray:
    """cash + shares S + sum of q_i calls struck at K_i."""
    S = np.asarray(S, dtype=float)
    calls = sum(q * relu(S - K) for K, q in zip(kinks, quantities))
    return cash + shares * S + calls
'''

REPLICATE_DATACLASS = """\
from dataclasses import dataclass


@dataclass
class Portfolio:
    cash: float
    shares: float
    strikes: np.ndarray
    quantities: np.ndarray

    def value(self, S):
        S = np.asarray(S, dtype=float)
        out = self.cash + self.shares * S
        for K, q in zip(self.strikes, self.quantities):
            out = out + q * relu(S - K)
        return out


def replicate(kinks, values, slope_left, slope_right):
    kinks = np.asarray(kinks, dtype=float)
    values = np.asarray(values, dtype=float)
    slopes = np.hstack([slope_left, np.diff(values) / np.diff(kinks), slope_right])
    p = Portfolio(values[0] - slopes[0] * kinks[0], slopes[0], kinks, np.diff(slopes))
    return float(p.cash), float(p.shares), p.quantities


def portfolio_value(S, cash, shares, kinks, quantities):
    strikes = np.asarray(kinks, dtype=float)
    return Portfolio(cash, shares, strikes, np.asarray(quantities, dtype=float)).value(S)
"""

BACHELIER_DENSITY = """\
SQRT_2PI = math.sqrt(2.0 * math.pi)


def bachelier_call(S, K, sigma):
    S = np.asarray(S, dtype=float)
    if sigma <= 0:
        raise ValueError("sigma must be > 0")
    d = (S - K) / sigma
    density = np.exp(-0.5 * d**2) / SQRT_2PI
    return sigma * density + (S - K) * Phi(d)
"""

BACHELIER_ERFC = '''\
def bachelier_call(S, K, sigma):
    """Expected payoff of a call when S_T = S + sigma Z (Bachelier)."""
    if not sigma > 0:
        raise ValueError(f"the volatility must be positive, not {sigma}")
    S = np.asarray(S, dtype=float)
    moneyness = S - K
    d = moneyness / sigma
    cdf = np.vectorize(lambda t: 0.5 * math.erfc(-t / math.sqrt(2.0)))(d)
    return sigma * phi(d) + moneyness * cdf
'''

BACHELIER_GUARD = """\
def _check_sigma(sigma):
    if sigma <= 0 or math.isnan(sigma):
        raise ValueError(f"sigma must be positive, got {sigma}")


def bachelier_call(S, K, sigma):
    _check_sigma(sigma)
    d = (np.asarray(S, dtype=float) - K) / sigma
    return sigma * (phi(d) + d * Phi(d))
"""

BACHELIER_GREEK = """\
def bachelier_call(S, K, sigma):
    σ = sigma
    if σ <= 0:
        raise ValueError("σ must be positive")
    S = np.asarray(S, dtype=float)
    d = (S - K) / σ
    return σ * phi(d) + (S - K) * Phi(d)
"""

BOUNDS_SPLIT = '''\
def interval_bounds(weights, biases, lo, hi):
    """Positive weights take the same end of the box, negative the other."""
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    last = len(weights) - 1
    for i, (W, b) in enumerate(zip(weights, biases)):
        W = np.asarray(W, dtype=float)
        pos, neg = np.maximum(W, 0.0), np.minimum(W, 0.0)
        new_lo = pos @ lo + neg @ hi + b
        new_hi = pos @ hi + neg @ lo + b
        if i < last:
            new_lo, new_hi = np.maximum(new_lo, 0.0), np.maximum(new_hi, 0.0)
        lo, hi = new_lo, new_hi
    return lo, hi
'''

BOUNDS_CLASS = '''\
class Box:
    """The box [lo, hi] as centre and radius."""

    def __init__(self, lo, hi):
        self.lo = np.asarray(lo, dtype=float)
        self.hi = np.asarray(hi, dtype=float)

    def affine(self, W, b):
        W = np.asarray(W, dtype=float)
        mid = W @ ((self.lo + self.hi) / 2) + b
        rad = np.abs(W) @ ((self.hi - self.lo) / 2)
        return Box(mid - rad, mid + rad)

    def relu(self):
        return Box(np.maximum(self.lo, 0.0), np.maximum(self.hi, 0.0))


def interval_bounds(weights, biases, lo, hi):
    box = Box(lo, hi)
    for W, b in zip(weights[:-1], biases[:-1]):
        box = box.affine(W, b).relu()
    box = box.affine(weights[-1], biases[-1])
    return box.lo, box.hi
'''

BOUNDS_HELPERS = """\
def affine_bounds(W, b, lo, hi):
    centre, radius = (hi + lo) / 2, (hi - lo) / 2
    mid = W @ centre + b
    spread = np.abs(W) @ radius
    return mid - spread, mid + spread


def relu_bounds(lo, hi):
    return relu(lo), relu(hi)


def interval_bounds(weights, biases, lo, hi):
    *hidden, (W_out, b_out) = list(zip(weights, biases))
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    for W, b in hidden:
        lo, hi = relu_bounds(*affine_bounds(np.asarray(W, dtype=float), b, lo, hi))
    return affine_bounds(np.asarray(W_out, dtype=float), b_out, lo, hi)
"""

#: A network class as Python containers are written: ``len(net)`` is its
#: number of layers.
BOUNDS_NETWORK_LEN = '''\
class Network:
    """A ReLU network: its layers' weights and biases."""

    def __init__(self, weights, biases):
        self.layers = [(np.asarray(W, dtype=float), np.asarray(b, dtype=float))
                       for W, b in zip(weights, biases)]

    def __len__(self):
        return len(self.layers)


def interval_bounds(weights, biases, lo, hi):
    net = Network(weights, biases)
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    for i, (W, b) in enumerate(net.layers):
        m, r = (lo + hi) / 2, (hi - lo) / 2
        z_mid, z_rad = W @ m + b, np.abs(W) @ r
        lo, hi = z_mid - z_rad, z_mid + z_rad
        if i < len(net) - 1:
            lo, hi = np.maximum(lo, 0.0), np.maximum(hi, 0.0)
    return lo, hi
'''

PINN_BROADCAST = """\
def second_derivative_matrix(w, c, x, act_grad2):
    w, c, x = (np.asarray(a, dtype=float) for a in (w, c, x))
    Z = x[:, None] * w[None, :] + c[None, :]
    return np.square(w)[None, :] * act_grad2(Z)


def fit_poisson(w, c, x, f_values, act, act_grad2):
    w, c = np.asarray(w, dtype=float), np.asarray(c, dtype=float)
    A = np.concatenate(
        [second_derivative_matrix(w, c, x, act_grad2), [act(c)], [act(w + c)]]
    )
    rhs = np.append(np.asarray(f_values, dtype=float), [0.0, 0.0])
    v, *_ = np.linalg.lstsq(A, rhs, rcond=None)
    return v


def residual_rms(w, c, x, f_values, v, act_grad2):
    r = second_derivative_matrix(w, c, x, act_grad2) @ v - np.asarray(f_values)
    return float(np.linalg.norm(r) / math.sqrt(len(r)))
"""

PINN_LOOPS = '''\
def second_derivative_matrix(w, c, x, act_grad2):
    """Column i holds w_i**2 * act''(w_i x + c_i)."""
    w, c, x = (np.asarray(a, dtype=float) for a in (w, c, x))
    columns = [w[i] ** 2 * act_grad2(w[i] * x + c[i]) for i in range(len(w))]
    return np.column_stack(columns)


def fit_poisson(w, c, x, f_values, act, act_grad2):
    w, c = np.asarray(w, dtype=float), np.asarray(c, dtype=float)
    rows = list(second_derivative_matrix(w, c, x, act_grad2))
    rows.append(act(c))          # u(0) = 0
    rows.append(act(w + c))      # u(1) = 0
    rhs = list(np.asarray(f_values, dtype=float)) + [0.0, 0.0]
    solution = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)
    return solution[0]


def residual_rms(w, c, x, f_values, v, act_grad2):
    u2 = second_derivative_matrix(w, c, x, act_grad2) @ v
    squares = [(a - f) ** 2 for a, f in zip(u2, f_values)]
    return math.sqrt(sum(squares) / len(squares))
'''

PINN_R = """\
import numpy as np


def second_derivative_matrix(w, c, x, act_grad2):
    w, c, x = (np.asarray(a, dtype=float) for a in (w, c, x))
    return w**2 * act_grad2(np.multiply.outer(x, w) + c)


def fit_poisson(w, c, x, f_values, act, act_grad2):
    w, c = np.asarray(w, dtype=float), np.asarray(c, dtype=float)
    A = np.r_[second_derivative_matrix(w, c, x, act_grad2),
              act(c)[np.newaxis], act(w + c)[np.newaxis]]
    rhs = np.r_[f_values, 0.0, 0.0]
    return np.linalg.lstsq(A, rhs, rcond=None)[0]


def residual_rms(w, c, x, f_values, v, act_grad2):
    residual = second_derivative_matrix(w, c, x, act_grad2) @ v - f_values
    return np.sqrt(np.mean(np.square(residual))).item()
"""

PLOT = """\
%matplotlib inline
import matplotlib.pyplot as plt

prices = np.linspace(70.0, 130.0, 241)
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3))
cash, shares, q = replicate([90.0, 100.0, 110.0], [0.0, 10.0, 0.0], 0.0, 0.0)
left.plot(prices, portfolio_value(prices, cash, shares, [90.0, 100.0, 110.0], q))
left.set_title("butterfly")
for vol in (0.5, 5.0, 15.0):
    right.plot(prices, bachelier_call(prices, 100.0, vol), label=f"sigma = {vol}")
right.plot(prices, relu(prices - 100.0), "k--", label="payoff")
right.legend()
plt.show()
"""

DISPLAY_TABLE = """\
from IPython.display import HTML, display

rng = np.random.default_rng(1)
w_demo, c_demo = rng.normal(0.0, 4.0, 30), rng.uniform(-4.0, 4.0, 30)
x_demo = np.linspace(0.0, 1.0, 40)
f_demo = -math.pi**2 * np.sin(math.pi * x_demo)
rows = []
for name, (act, act_grad2) in ACTIVATIONS.items():
    v = fit_poisson(w_demo, c_demo, x_demo, f_demo, act, act_grad2)
    rms = residual_rms(w_demo, c_demo, x_demo, f_demo, v, act_grad2)
    rows.append(f"<tr><td>{name}</td><td>{rms:.2e}</td></tr>")
display(HTML("<table><tr><th>activation</th><th>RMS</th></tr>" + "".join(rows) + "</table>"))
"""

TIMEIT = """\
%timeit -n 10 -r 2 bachelier_call(np.linspace(50, 150, 1001), 100.0, 5.0)
"""

TIME_CELL = """\
%%time
np.random.seed(0)
layers = [np.random.randn(8, 8) for _ in range(4)]
print(interval_bounds(layers, [np.zeros(8)] * 4, -np.ones(8), np.ones(8)))
"""

NOTE = markdown(
    "A butterfly is long one call at 90, short two at 100 and long one at "
    "110: the slope changes by $+1$, $-2$ and $+1$."
)

PRINTS = """\
cash, shares, q = replicate([90.0, 100.0, 110.0], [0.0, 10.0, 0.0], 0.0, 0.0)
print("cash", cash, "shares", shares, "calls", q)
print("at the money:", bachelier_call(100.0, 100.0, 5.0), 5.0 / math.sqrt(2 * math.pi))
"""

HELP = """\
np.linalg.lstsq?
"""

IMPORTS_AGAIN = """\
import math

import numpy as np

from actzoo_grader.checks import assert_close
"""

#: Off by a sign: the intrinsic part enters with a minus. At the money it
#: vanishes, so the visible test passes; the hidden ones do not.
BACHELIER_SIGN_WRONG = """\
def bachelier_call(S, K, sigma):
    S = np.asarray(S, dtype=float)
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    d = (S - K) / sigma
    return sigma * phi(d) - (S - K) * Phi(d)
"""


def _answered(overrides, extras=()):
    return answered(ASSIGNMENT, overrides, extras)


HONEST = {
    "as_given": _answered({}),
    "imports_in_every_answer": with_imports(solved(ASSIGNMENT), IMPORTS_AGAIN),
    "replicate_loops": _answered({"replicate": REPLICATE_LOOPS}),
    "replicate_r_and_broadcast": _answered({"replicate": REPLICATE_R}),
    "replicate_type_hints": _answered({"replicate": REPLICATE_TYPED}),
    "replicate_dataclass": _answered({"replicate": REPLICATE_DATACLASS}),
    "bachelier_own_density": _answered({"bachelier": BACHELIER_DENSITY}),
    "bachelier_vectorized_erfc": _answered({"bachelier": BACHELIER_ERFC}),
    "bachelier_guard_helper": _answered({"bachelier": BACHELIER_GUARD}),
    "bachelier_greek_names": _answered({"bachelier": BACHELIER_GREEK}),
    "bounds_split_weights": _answered({"interval_bounds": BOUNDS_SPLIT}),
    "bounds_box_class": _answered({"interval_bounds": BOUNDS_CLASS}),
    "bounds_helpers": _answered({"interval_bounds": BOUNDS_HELPERS}),
    "bounds_network_len": _answered({"interval_bounds": BOUNDS_NETWORK_LEN}),
    "pinn_broadcast": _answered({"pinn": PINN_BROADCAST}),
    "pinn_loops": _answered({"pinn": PINN_LOOPS}),
    "pinn_r_and_import": _answered({"pinn": PINN_R}),
    "plot": _answered({}, ((None, PLOT),)),
    "display_html_table": _answered({}, (("pinn", DISPLAY_TABLE),)),
    "timings": _answered({}, (("bachelier", TIMEIT), ("interval_bounds", TIME_CELL))),
    "notes_prints_and_help": _answered(
        {}, (("replicate", NOTE), ("bachelier", PRINTS), ("interval_bounds", HELP))
    ),
    "many_styles_at_once": with_imports(
        _answered(
            {
                "replicate": REPLICATE_R,
                "bachelier": BACHELIER_GUARD,
                "interval_bounds": BOUNDS_CLASS,
                "pinn": PINN_LOOPS,
            },
            ((None, PLOT), ("bachelier", TIMEIT), ("replicate", NOTE)),
        ),
        "import numpy as np",
    ),
}

WRONG = ("bachelier_sign_wrong", _answered({"bachelier": BACHELIER_SIGN_WRONG}))
WRONG_LOSES = {"test_bachelier"}
