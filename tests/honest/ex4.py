"""Exercise 4 (gradient flow), answered correctly in many styles."""

from __future__ import annotations

from tests.honest import answered, markdown, solved, with_imports

ASSIGNMENT = "ex4_gradient_flow"

JAC_DIAG = '''\
def layer_jacobian(W_next, z, act_grad):
    """The plain way: build D and multiply."""
    D = np.diag(act_grad(np.asarray(z, dtype=float)))
    return D @ np.asarray(W_next, dtype=float).T
'''

JAC_EINSUM = """\
def layer_jacobian(W_next, z, act_grad):
    slopes = np.asarray(act_grad(np.asarray(z, dtype=float)), dtype=float)
    return np.einsum("i,ji->ij", slopes, np.asarray(W_next, dtype=float))
"""

JAC_LOOPS = """\
def layer_jacobian(W_next, z, act_grad):
    W_next = np.asarray(W_next, dtype=float)
    z = np.asarray(z, dtype=float)
    n, m = len(z), W_next.shape[0]
    J = np.zeros((n, m))
    for i in range(n):
        slope = float(act_grad(z[i : i + 1])[0])
        for j in range(m):
            J[i, j] = slope * W_next[j, i]
    return J
"""

JAC_COLUMNS = """\
def layer_jacobian(W_next, z, act_grad):
    # Scaling the columns of W_next by phi'(z) and transposing gives D W^T.
    W = np.asarray(W_next, dtype=float)
    return (W * act_grad(np.asarray(z, dtype=float))).T
"""

NORMS_SQRT_DOT = """\
def backprop_norms(jacobians, grad_out):
    delta = np.asarray(grad_out, dtype=float)
    norms = [math.sqrt(delta @ delta)]
    for k in range(len(jacobians) - 1, -1, -1):
        delta = np.asarray(jacobians[k], dtype=float) @ delta
        norms.append(math.sqrt(delta @ delta))
    return np.array(norms)
"""

NORMS_ACCUMULATE = '''\
from itertools import accumulate


def backprop_norms(jacobians, grad_out):
    """Norms of delta_L, J_{L-1} delta_L, ... as the product grows."""
    deltas = accumulate(
        reversed(jacobians),
        lambda delta, J: np.asarray(J, dtype=float) @ delta,
        initial=np.asarray(grad_out, dtype=float),
    )
    return np.array([np.linalg.norm(d) for d in deltas])
'''

NORMS_RECURSIVE = """\
def backprop_norms(jacobians, grad_out):
    delta = np.asarray(grad_out, dtype=float)
    here = np.linalg.norm(delta)
    if len(jacobians) == 0:
        return np.array([here])
    below = np.asarray(jacobians[-1], dtype=float) @ delta
    return np.concatenate([[here], backprop_norms(jacobians[:-1], below)])
"""

CHAIN_PREALLOCATED = """\
def chain_gradient(w, b, z0, depth, act, act_grad):
    grads = np.ones(depth + 1)
    z = float(z0)
    for k in range(depth):
        grads[k + 1] = grads[k] * w * float(act_grad(z))
        z = w * float(act(z)) + b
    return grads


s = -math.log(2.0)
w = 1.5
b = s - w * float(elu(s))
ELU_FACTOR_10 = float(chain_gradient(w, b, s, 10, elu, elu_grad)[10])
print(f"ELU chain after 10 layers: {ELU_FACTOR_10:.6f}, (3/4)**10 = {0.75**10:.6f}")
"""

CHAIN_CUMPROD = '''\
def chain_gradient(w, b, z0, depth, act, act_grad):
    """Run the chain forward, then multiply the factors w phi'(z_k)."""
    zs = [float(z0)]
    for _ in range(depth - 1):
        zs.append(w * float(act(zs[-1])) + b)
    factors = [w * float(act_grad(z)) for z in zs[:depth]]
    return np.concatenate([[1.0], np.cumprod(factors)])


s = -math.log(2.0)
w = 1.5
b = s - w * float(elu(s))
ELU_FACTOR_10 = chain_gradient(w, b, s, 10, elu, elu_grad)[-1]
print(f"ELU chain after 10 layers: {ELU_FACTOR_10:.6f}, (3/4)**10 = {0.75**10:.6f}")
'''

CHAIN_GENERATOR = """\
from collections.abc import Callable, Iterator


def _layers(w: float, b: float, z0: float, act: Callable) -> Iterator[float]:
    z = float(z0)
    while True:
        yield z
        z = w * float(act(z)) + b


def chain_gradient(
    w: float, b: float, z0: float, depth: int, act: Callable, act_grad: Callable
) -> np.ndarray:
    grads = [1.0]
    for _, z in zip(range(depth), _layers(w, b, z0, act)):
        grads.append(grads[-1] * w * float(act_grad(z)))
    return np.array(grads)


SHIFT = -math.log(2.0)  # where ELU's slope is 1/2
WEIGHT = 1.5
BIAS = SHIFT - WEIGHT * float(elu(SHIFT))
ELU_FACTOR_10 = chain_gradient(WEIGHT, BIAS, SHIFT, 10, elu, elu_grad)[-1]
print("ELU chain after 10 layers:", ELU_FACTOR_10, "against", 0.75**10)
"""

RATIO_MANUAL = """\
def gradient_norm_ratio(depth, width, gain, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(width)
    Ws = [rng.standard_normal((width, width)) * gain / math.sqrt(width)
          for _ in range(depth)]
    grad_out = rng.standard_normal(width)
    zs = [Ws[0] @ x]
    for W in Ws[1:]:
        zs.append(W @ np.maximum(zs[-1], 0.0))
    # delta_l = D_l W_{l+1}^T delta_{l+1}, from the top down.
    delta = grad_out
    for z, W_next in zip(reversed(zs[:-1]), reversed(Ws[1:])):
        delta = (z > 0) * (W_next.T @ delta)
    return float(np.linalg.norm(delta) / np.linalg.norm(grad_out))


HE_GAIN = 2**0.5
for gain in (1.0, HE_GAIN, 2.0):
    print(f"gain {gain:.3f}: ratio after 20 layers "
          f"{gradient_norm_ratio(20, 256, gain, seed=0):.3g}")
"""

NETWORK_HELPERS = '''\
def draw_network(depth, width, gain, seed):
    """Draw x, the weights and grad_out in the order the exercise fixes."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(width)
    Ws = [rng.standard_normal((width, width)) * gain / math.sqrt(width)
          for _ in range(depth)]
    return x, Ws, rng.standard_normal(width)


def forward(Ws, x):
    """Return the pre-activations z_1, ..., z_L of the ReLU network."""
    zs = [Ws[0] @ x]
    for W in Ws[1:]:
        zs.append(W @ relu(zs[-1]))
    return zs
'''

RATIO_HELPERS = """\
def gradient_norm_ratio(depth, width, gain, seed):
    x, Ws, grad_out = draw_network(depth, width, gain, seed)
    zs = forward(Ws, x)
    jacobians = [layer_jacobian(Ws[l + 1], zs[l], relu_grad) for l in range(depth - 1)]
    norms = backprop_norms(jacobians, grad_out)
    return float(norms[-1] / norms[0])


HE_GAIN = np.sqrt(2.0)
"""

RATIO_CLASS = '''\
class DeepReluNet:
    """A bias-free ReLU network with N(0, gain^2 / width) weights."""

    def __init__(self, depth, width, gain, rng):
        self.x = rng.standard_normal(width)
        self.weights = [
            rng.standard_normal((width, width)) * gain / math.sqrt(width)
            for _ in range(depth)
        ]

    def pre_activations(self):
        zs = [self.weights[0] @ self.x]
        for W in self.weights[1:]:
            zs.append(W @ relu(zs[-1]))
        return zs

    def jacobians(self):
        zs = self.pre_activations()
        return [
            layer_jacobian(W_next, z, relu_grad)
            for z, W_next in zip(zs[:-1], self.weights[1:])
        ]


def gradient_norm_ratio(depth, width, gain, seed):
    rng = np.random.default_rng(seed)
    net = DeepReluNet(depth, width, gain, rng)
    grad_out = rng.standard_normal(width)
    norms = backprop_norms(net.jacobians(), grad_out)
    return float(norms[-1] / norms[0])


HE_GAIN = math.sqrt(2)
'''

#: The student writes the ReLU they need themselves, under the name
#: ``relu``: the given cell's ``relu`` from actzoo is shadowed by an equal
#: function of their own.
RATIO_OWN_RELU = """\
def relu(z):
    return np.maximum(z, 0.0)


def relu_grad(z):
    return (np.asarray(z) > 0).astype(float)


def gradient_norm_ratio(depth, width, gain, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(width)
    Ws = [rng.standard_normal((width, width)) * gain / math.sqrt(width)
          for _ in range(depth)]
    grad_out = rng.standard_normal(width)
    zs = [Ws[0] @ x]
    for W in Ws[1:]:
        zs.append(W @ relu(zs[-1]))
    jacobians = [layer_jacobian(W, z, relu_grad) for z, W in zip(zs, Ws[1:])]
    norms = backprop_norms(jacobians, grad_out)
    return float(norms[-1] / norms[0])


HE_GAIN = math.sqrt(2.0)
"""

TORCH_CHECK = """\
# Checking my Jacobian against PyTorch's autograd, as the introduction suggests.
import torch

W_try = np.random.default_rng(1).normal(size=(3, 4))
z_try = np.array([-1.0, 0.5, 2.0, -0.3])
auto = torch.autograd.functional.jacobian(
    lambda t: torch.tensor(W_try) @ torch.nn.functional.elu(t), torch.tensor(z_try)
)
print("largest difference:", np.abs(auto.numpy().T - layer_jacobian(W_try, z_try, elu_grad)).max())
"""

PLOT = """\
%matplotlib inline
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5, 3))
for gain in (1.0, math.sqrt(2.0), 2.0):
    ratios = [gradient_norm_ratio(d, 64, gain, seed=1) for d in range(2, 21, 2)]
    ax.semilogy(range(2, 21, 2), ratios, "o-", label=f"gain {gain:.2f}")
ax.set(xlabel="depth", ylabel="|delta_1| / |delta_L|")
ax.legend()
plt.show()
"""

PLOT_CONFIG = """\
%config InlineBackend.figure_format = "retina"
%matplotlib inline
import matplotlib.pyplot as plt

g = chain_gradient(1.5, 0.0, 1.0, 10, relu, relu_grad)
plt.semilogy(g, label="ReLU, w = 3/2")
plt.semilogy(chain_gradient(1.5, b, s, 10, elu, elu_grad), label="ELU at s")
plt.legend()
plt.show()
"""

TIMEIT = """\
%timeit -n 5 -r 2 layer_jacobian(np.ones((64, 64)), np.linspace(-1, 1, 64), relu_grad)
"""

TIME_CELL = """\
%%time
ratios = {g: gradient_norm_ratio(10, 64, g, seed=2) for g in (1.0, 1.5, 2.0)}
print(ratios)
"""

NOTE = markdown(
    "Each ELU layer at $s = -\\ln 2$ multiplies by $w\\,e^{s} = 3/4$, so ten "
    "layers give $(3/4)^{10} \\approx 0.0563$."
)

PRINTS = """\
J = layer_jacobian(np.eye(3), np.array([-1.0, 0.0, 1.0]), relu_grad)
print(J)
print("norms with J = I/2:", backprop_norms([np.eye(2) / 2] * 3, np.array([3.0, 4.0])))
"""

IMPORTS_AGAIN = """\
import math

import numpy as np

from actzoo_grader.checks import assert_close
"""

#: Off by a sign: the bias enters the chain as -b. The visible test has
#: b = 0; the hidden tests do not.
CHAIN_SIGN_WRONG = """\
def chain_gradient(w, b, z0, depth, act, act_grad):
    grads = [1.0]
    z = float(z0)
    for _ in range(depth):
        grads.append(grads[-1] * w * float(act_grad(z)))
        z = w * float(act(z)) - b
    return np.array(grads)


s = -math.log(2.0)
w = 1.5
b = s - w * float(elu(s))
ELU_FACTOR_10 = chain_gradient(w, b, s, 10, elu, elu_grad)[-1]
"""


def _answered(overrides, extras=()):
    return answered(ASSIGNMENT, overrides, extras)


HONEST = {
    "as_given": _answered({}),
    "imports_in_every_answer": with_imports(solved(ASSIGNMENT), IMPORTS_AGAIN),
    "jacobian_diag": _answered({"layer_jacobian": JAC_DIAG}),
    "jacobian_einsum": _answered({"layer_jacobian": JAC_EINSUM}),
    "jacobian_loops": _answered({"layer_jacobian": JAC_LOOPS}),
    "jacobian_scaled_columns": _answered({"layer_jacobian": JAC_COLUMNS}),
    "norms_sqrt_dot": _answered({"backprop_norms": NORMS_SQRT_DOT}),
    "norms_accumulate": _answered({"backprop_norms": NORMS_ACCUMULATE}),
    "norms_recursive": _answered({"backprop_norms": NORMS_RECURSIVE}),
    "chain_preallocated": _answered({"chain_gradient": CHAIN_PREALLOCATED}),
    "chain_cumprod": _answered({"chain_gradient": CHAIN_CUMPROD}),
    "chain_generator_type_hints": _answered({"chain_gradient": CHAIN_GENERATOR}),
    "ratio_manual_backward": _answered({"gradient_norm_ratio": RATIO_MANUAL}),
    "ratio_helper_cell": _answered(
        {"gradient_norm_ratio": RATIO_HELPERS},
        (("backprop_norms", NETWORK_HELPERS),),
    ),
    "ratio_class": _answered({"gradient_norm_ratio": RATIO_CLASS}),
    "ratio_own_relu": _answered({"gradient_norm_ratio": RATIO_OWN_RELU}),
    "torch_check": _answered({}, (("layer_jacobian", TORCH_CHECK),)),
    "plot": _answered({}, ((None, PLOT),)),
    "plot_config_retina": _answered({}, (("chain_gradient", PLOT_CONFIG),)),
    "timings": _answered(
        {}, (("layer_jacobian", TIMEIT), ("gradient_norm_ratio", TIME_CELL))
    ),
    "notes_and_prints": _answered(
        {}, (("chain_gradient", NOTE), ("backprop_norms", PRINTS))
    ),
    "many_styles_at_once": with_imports(
        _answered(
            {
                "layer_jacobian": JAC_EINSUM,
                "backprop_norms": NORMS_ACCUMULATE,
                "chain_gradient": CHAIN_GENERATOR,
                "gradient_norm_ratio": RATIO_CLASS,
            },
            ((None, PLOT), ("layer_jacobian", TIMEIT), ("chain_gradient", NOTE)),
        ),
        "import numpy as np",
    ),
}

WRONG = ("chain_sign_wrong", _answered({"chain_gradient": CHAIN_SIGN_WRONG}))
WRONG_LOSES = {"test_chain_gradient"}
