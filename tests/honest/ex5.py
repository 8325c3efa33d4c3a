"""Exercise 5 (training runs and loss landscapes), answered correctly in many styles.

Three answer cells hold given code after the student's function (the plot
of the slice, the printed sharpness, the comparison's plot and table and
the lines that set ``MOST_DEAD`` and ``SHARPEST``): :func:`_cell` keeps
the release's code there and puts the student's function (and choice
lines) in place of the stubs.
"""

from __future__ import annotations

import json
from functools import cache

from tests.honest import (
    answered,
    grade_id,
    markdown,
    released_path,
    solved,
    with_imports,
)

ASSIGNMENT = "ex5_landscapes"

#: The stub a function's body is in the release.
BODY = "    # YOUR CODE HERE\n    raise NotImplementedError()"
#: The stub of the lines setting MOST_DEAD and SHARPEST.
LINES = "# YOUR CODE HERE\nraise NotImplementedError()"


@cache
def _released(gid: str) -> str:
    nb = json.loads(released_path(ASSIGNMENT).read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if grade_id(c) == gid)
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _cell(gid: str, function: str, lines: str = "") -> str:
    """Return answer cell ``gid`` in the student's words.

    ``function`` (the student's function, with any helpers) replaces the
    release's stub of the function; the code the release gives after it
    stays; ``lines`` replaces the cell's second stub, where it has one.
    """
    head, stub, tail = _released(gid).partition(BODY)
    if not stub or not head.lstrip().startswith("def "):
        raise ValueError(f"answer cell {gid!r} no longer starts with a stubbed def")
    if (LINES in tail) != bool(lines):
        raise ValueError(f"answer cell {gid!r}: lines must fill exactly its 2nd stub")
    return function.rstrip("\n") + tail.replace(LINES, lines.rstrip("\n"))


# ------------------------------------------------------ part (a): filter_normalize

FN_COMPREHENSION = '''\
def _rescaled(d, w):
    """One parameter: rows of d scaled to the norms of the rows of w."""
    d, w = d.to(torch.float64), w.to(torch.float64)
    if d.dim() == 1:
        return torch.zeros_like(d)
    d_norms = torch.linalg.vector_norm(d, dim=1, keepdim=True)
    w_norms = torch.linalg.vector_norm(w, dim=1, keepdim=True)
    return d * (w_norms / d_norms)


def filter_normalize(direction, weights):
    """Return direction with each weight row rescaled to |weights row|."""
    return {name: _rescaled(direction[name], w) for name, w in weights.items()}
'''

FN_ROW_LOOP = """\
def filter_normalize(direction, weights):
    result = {}
    for name in weights:
        d = direction[name].double()
        w = weights[name].double()
        if len(d.shape) == 1:
            # biases: no step along them
            result[name] = torch.zeros(d.shape, dtype=torch.float64)
        else:
            rows = []
            for d_row, w_row in zip(d, w):
                d_length = torch.sqrt(torch.sum(d_row ** 2))
                w_length = torch.sqrt(torch.sum(w_row ** 2))
                rows.append(d_row / d_length * w_length)
            result[name] = torch.stack(rows)
    return result
"""

FN_CLONE_THEN_SCALE = """\
def filter_normalize(direction, weights):
    # Copy first, then scale the copies in place: what I was given stays as it was.
    new = {name: t.detach().clone().to(torch.float64) for name, t in direction.items()}
    for name, d in new.items():
        if d.ndim == 1:
            d.zero_()
        else:
            w = weights[name].to(torch.float64)
            d.mul_(w.norm(dim=1, keepdim=True) / d.norm(dim=1, keepdim=True))
    return new
"""

FN_FLATTEN = """\
def filter_normalize(direction, weights):
    result = dict()
    for key in weights.keys():
        theta_k = weights[key].double()
        d = direction[key].double()
        if theta_k.dim() < 2:
            result[key] = torch.zeros(theta_k.shape, dtype=torch.float64)
            continue
        # one row per unit, whatever the shape of the rest
        rows = d.flatten(start_dim=1)
        ratio = theta_k.flatten(start_dim=1).norm(dim=1) / rows.norm(dim=1)
        result[key] = (rows * ratio.unsqueeze(1)).view_as(d)
    return result
"""

FN_TYPED = """\
from typing import Dict

import torch
from torch import Tensor

Weights = Dict[str, Tensor]


def filter_normalize(direction: Weights, weights: Weights) -> Weights:
    normalized: Weights = {}
    for name, w in weights.items():
        d: Tensor = direction[name].to(dtype=torch.float64)
        if w.ndim == 1:
            normalized[name] = torch.zeros_like(d)
        else:
            scale: Tensor = torch.norm(w.double(), p=2, dim=-1) / torch.norm(d, p=2, dim=-1)
            normalized[name] = d * scale[:, None]
    return normalized
"""

#: Rows scaled through transposed views: the tensors returned are not
#: contiguous.
FN_TRANSPOSED = """\
def filter_normalize(direction, weights):
    out = {}
    for name, w in weights.items():
        d = direction[name].to(torch.float64)
        if d.ndim == 1:
            out[name] = d * 0.0
            continue
        w = w.to(torch.float64)
        # d.T has one column per unit: scale the columns, transpose back.
        out[name] = (d.T / d.norm(dim=1) * w.norm(dim=1)).T
    return out
"""

#: An OrderedDict, as ``state_dict()`` returns, bound to names the tests
#: read and passed back to the student's slice_2d.
FN_ORDERED_DICT = """\
from collections import OrderedDict


def filter_normalize(direction, weights):
    out = OrderedDict()
    for k, w in weights.items():
        d = direction[k].to(torch.float64)
        if d.ndim <= 1:
            out[k] = torch.zeros_like(d)
            continue
        w_norm = w.to(torch.float64).norm(dim=1, keepdim=True)
        out[k] = d / d.norm(dim=1, keepdim=True) * w_norm
    return out
"""

#: With float64 as PyTorch's default dtype (a cell of the student's sets
#: it), zeros need no dtype.
FN_DEFAULT_FLOAT64 = """\
def filter_normalize(direction, weights):
    out = {}
    for k in weights:
        if weights[k].dim() == 1:
            out[k] = torch.zeros(weights[k].shape)
        else:
            d, w = direction[k].double(), weights[k].double()
            out[k] = d / d.norm(dim=1, keepdim=True) * w.norm(dim=1, keepdim=True)
    return out
"""

FLOAT64_DEFAULT = """\
torch.set_default_dtype(torch.float64)
"""

# ------------------------------------------------------------- part (b): slice_2d

SL_POINTS_FIRST = '''\
def slice_2d(model, center, d1, d2, alphas, betas, X, y):
    """Every grid point's weights first, then one loss each."""
    points = []
    for j, beta in enumerate(betas):
        for i, alpha in enumerate(alphas):
            w = {}
            for name in center:
                w[name] = center[name] + float(alpha) * d1[name] + float(beta) * d2[name]
            points.append((j, i, w))
    Z = np.zeros((len(betas), len(alphas)), dtype=np.float64)
    with torch.no_grad():
        for j, i, w in points:
            Z[j, i] = float(loss_of(model, w, X, y))
    return Z
'''

SL_DETACH_ROWS = """\
def slice_2d(model, center, d1, d2, alphas, betas, X, y):
    rows = []
    for b in betas:
        row = []
        for a in alphas:
            moved = {k: c + a * d1[k] + b * d2[k] for k, c in center.items()}
            row.append(loss_of(model, moved, X, y).detach().item())
        rows.append(row)
    return np.array(rows, dtype=np.float64)
"""

SL_MESHGRID = """\
def slice_2d(model, center, d1, d2, alphas, betas, X, y):
    A, B = np.meshgrid(alphas, betas)  # both (len(betas), len(alphas))
    Z = np.empty(A.shape)
    with torch.no_grad():
        for index in np.ndindex(*A.shape):
            a, b = A[index], B[index]
            point = {k: center[k] + a * d1[k] + b * d2[k] for k in center}
            Z[index] = loss_of(model, point, X, y).item()
    return Z
"""

SL_VMAP = '''\
from torch.func import vmap


def slice_2d(model, center, d1, d2, alphas, betas, X, y):
    """All grid points at once: stack their weights and vmap the loss."""
    a = torch.as_tensor(np.asarray(alphas, dtype=np.float64))
    b = torch.as_tensor(np.asarray(betas, dtype=np.float64))
    B, A = torch.meshgrid(b, a, indexing="ij")
    A, B = A.reshape(-1), B.reshape(-1)

    def per_point(c, t):
        return c.reshape(-1, *([1] * t.ndim))

    stacked = {
        k: center[k] + per_point(A, center[k]) * d1[k] + per_point(B, center[k]) * d2[k]
        for k in center
    }
    with torch.no_grad():
        losses = vmap(lambda w: loss_of(model, w, X, y))(stacked)
    return losses.reshape(len(b), len(a)).numpy()
'''

#: A helper cell of the student's, with the name of a function of the
#: course's that is not available when graded (their own, so it is).
OWN_COMBINE_CELL = '''\
def combine(center, *terms):
    """Return center + sum of c * d over the (c, d) pairs in terms."""
    out = {}
    for k, c0 in center.items():
        total = c0.clone()
        for c, d in terms:
            total = total + c * d[k]
        out[k] = total
    return out
'''

SL_OWN_COMBINE = """\
def slice_2d(model, center, d1, d2, alphas, betas, X, y):
    Z = np.empty((len(betas), len(alphas)))
    with torch.inference_mode():
        for j in range(len(betas)):
            for i in range(len(alphas)):
                w = combine(center, (float(alphas[i]), d1), (float(betas[j]), d2))
                Z[j, i] = loss_of(model, w, X, y).item()
    return Z
"""

SL_TENSORS_ONCE = """\
import torch.nn.functional as F


def slice_2d(model, center, d1, d2, alphas, betas, X, y):
    # The data as tensors once, not at every grid point.
    inputs = torch.as_tensor(X, dtype=torch.float64)
    labels = torch.as_tensor(y, dtype=torch.int64)
    Z = np.full((len(betas), len(alphas)), np.nan)
    with torch.no_grad():
        for j, b in enumerate(betas):
            for i, a in enumerate(alphas):
                params = {n: center[n] + a * d1[n] + b * d2[n] for n in center}
                logits = functional_call(model, params, (inputs,))
                Z[j, i] = F.cross_entropy(logits, labels).item()
    return Z
"""

#: Alphas first, then the transpose: the array returned is not contiguous.
SL_ALPHA_MAJOR = """\
def slice_2d(model, center, d1, d2, alphas, betas, X, y):
    by_alpha = np.zeros((len(alphas), len(betas)))
    with torch.no_grad():
        for i, a in enumerate(alphas):
            for j, b in enumerate(betas):
                w = {k: center[k] + a * d1[k] + b * d2[k] for k in center}
                by_alpha[i, j] = loss_of(model, w, X, y).item()
    return by_alpha.T  # rows are betas, as plt.contour expects
"""

#: The model's own weights set at each point (and put back at the end),
#: instead of functional_call.
SL_LOAD_STATE_DICT = """\
def slice_2d(model, center, d1, d2, alphas, betas, X, y):
    saved = {k: v.detach().clone() for k, v in model.state_dict().items()}
    inputs = torch.as_tensor(X, dtype=torch.float64)
    targets = torch.as_tensor(y, dtype=torch.int64)
    Z = np.zeros((len(betas), len(alphas)))
    try:
        with torch.no_grad():
            for j, b in enumerate(betas):
                for i, a in enumerate(alphas):
                    model.load_state_dict(
                        {k: center[k] + a * d1[k] + b * d2[k] for k in center}
                    )
                    Z[j, i] = torch.nn.functional.cross_entropy(model(inputs), targets).item()
    finally:
        model.load_state_dict(saved)
    return Z
"""

# ------------------------------------------------------- part (c): top_eigenvalue

TE_FLAT_HELPERS = '''\
def flat(tensors):
    return torch.cat([t.reshape(-1) for t in tensors])


def hessian_times(grad_flat, leaves, v_flat):
    """H v, flattened: the gradient of grad L . v."""
    hv = torch.autograd.grad(grad_flat, leaves, grad_outputs=v_flat, retain_graph=True)
    return flat(hv)


def top_eigenvalue(model, weights, X, y, iters=200, tol=1e-10, seed=0):
    params = {k: w.detach().clone().to(torch.float64).requires_grad_(True)
              for k, w in weights.items()}
    leaves = list(params.values())
    loss = loss_of(model, params, X, y)
    g = flat(torch.autograd.grad(loss, leaves, create_graph=True))
    gen = torch.Generator().manual_seed(seed)
    v = flat([torch.randn(p.shape, dtype=torch.float64, generator=gen) for p in leaves])
    v = v / torch.linalg.vector_norm(v)
    lam_old = None
    for _ in range(iters):
        hv = hessian_times(g, leaves, v)
        lam = torch.dot(v, hv).item()
        size = torch.linalg.vector_norm(hv)
        if size == 0:
            return lam
        v = hv.detach() / size
        if lam_old is not None and abs(lam - lam_old) <= tol * abs(lam):
            break
        lam_old = lam
    return lam
'''

TE_CLASS = '''\
class PowerIteration:
    """Power iteration on the Hessian of the loss at fixed weights."""

    def __init__(self, model, weights, X, y):
        self.params = [w.detach().clone().to(torch.float64).requires_grad_(True)
                       for w in weights.values()]
        loss = loss_of(model, dict(zip(weights, self.params)), X, y)
        self.grads = torch.autograd.grad(loss, self.params, create_graph=True)

    def hvp(self, v):
        return torch.autograd.grad(self.grads, self.params, grad_outputs=v,
                                   retain_graph=True)

    @staticmethod
    def dot(u, v):
        return sum((a * b).sum() for a, b in zip(u, v))

    def start(self, seed):
        gen = torch.Generator().manual_seed(seed)
        v = [torch.randn(p.shape, generator=gen, dtype=torch.float64)
             for p in self.params]
        n = self.dot(v, v).sqrt()
        return [t / n for t in v]

    def run(self, iters, tol, seed):
        v = self.start(seed)
        previous = None
        for _ in range(iters):
            hv = self.hvp(v)
            current = float(self.dot(v, hv))
            n = self.dot(hv, hv).sqrt()
            if n == 0:
                return current
            v = [t.detach() / n for t in hv]
            if previous is not None and abs(current - previous) <= tol * abs(current):
                return current
            previous = current
        return previous


def top_eigenvalue(model, weights, X, y, iters=200, tol=1e-10, seed=0):
    return PowerIteration(model, weights, X, y).run(iters, tol, seed)
'''

TE_AUTOGRAD_HVP = '''\
from torch.autograd.functional import hvp


def top_eigenvalue(model, weights, X, y, iters=200, tol=1e-10, seed=0):
    """Power iteration with torch.autograd.functional.hvp for H v."""
    names = list(weights)
    point = tuple(weights[k].detach().clone().to(torch.float64) for k in names)

    def loss_fn(*tensors):
        return loss_of(model, dict(zip(names, tensors)), X, y)

    gen = torch.Generator().manual_seed(seed)
    vec = [torch.randn(p.shape, dtype=torch.float64, generator=gen) for p in point]
    length = torch.sqrt(sum((t * t).sum() for t in vec))
    vec = [t / length for t in vec]
    eigenvalue = None
    for _ in range(iters):
        _, Hv = hvp(loss_fn, point, tuple(vec))
        rayleigh = float(sum((a * b).sum() for a, b in zip(vec, Hv)))
        length = torch.sqrt(sum((t * t).sum() for t in Hv))
        if length == 0:
            return rayleigh
        vec = [t / length for t in Hv]
        if eigenvalue is not None and abs(rayleigh - eigenvalue) <= tol * abs(rayleigh):
            return rayleigh
        eigenvalue = rayleigh
    return eigenvalue
'''

TE_TORCH_FUNC = '''\
import torch.func


def top_eigenvalue(model, weights, X, y, iters=200, tol=1e-10, seed=0):
    """H v as forward-over-reverse: the jvp of the gradient along v."""
    params = {k: w.detach().to(torch.float64) for k, w in weights.items()}
    grad_fn = torch.func.grad(lambda p: loss_of(model, p, X, y))
    gen = torch.Generator().manual_seed(seed)
    v = {k: torch.randn(p.shape, dtype=torch.float64, generator=gen)
         for k, p in params.items()}
    norm = torch.sqrt(sum((t * t).sum() for t in v.values()))
    v = {k: t / norm for k, t in v.items()}
    estimate = None
    for _ in range(iters):
        _, hv = torch.func.jvp(grad_fn, (params,), (v,))
        new = float(sum((v[k] * hv[k]).sum() for k in v))
        norm = torch.sqrt(sum((t * t).sum() for t in hv.values()))
        if norm == 0:
            return new
        v = {k: t / norm for k, t in hv.items()}
        if estimate is not None and abs(new - estimate) <= tol * abs(new):
            return new
        estimate = new
    return estimate
'''

TE_WHILE_NO_GRAD = """\
def top_eigenvalue(model, weights, X, y, iters=200, tol=1e-10, seed=0):
    names = list(weights)
    leaves = [weights[n].detach().clone().double().requires_grad_() for n in names]
    loss = loss_of(model, dict(zip(names, leaves)), X, y)
    grads = torch.autograd.grad(loss, leaves, create_graph=True)

    generator = torch.Generator()
    generator.manual_seed(seed)
    vec = [torch.randn(*leaf.shape, dtype=torch.float64, generator=generator)
           for leaf in leaves]
    total = torch.sqrt(sum(torch.sum(t ** 2) for t in vec))
    vec = [t / total for t in vec]
    estimates = []
    while len(estimates) < iters:
        Hv = torch.autograd.grad(grads, leaves, grad_outputs=vec, retain_graph=True)
        with torch.no_grad():
            rayleigh = sum(torch.vdot(a.flatten(), b.flatten()) for a, b in zip(vec, Hv))
            estimates.append(rayleigh.item())
            total = torch.sqrt(sum(torch.sum(t ** 2) for t in Hv))
            if total == 0:
                break
            vec = [t / total for t in Hv]
        if len(estimates) >= 2 and abs(estimates[-1] - estimates[-2]) <= tol * abs(estimates[-1]):
            break
    return estimates[-1]
"""

# -------------------------------------------------- part (d): compare_activations

#: The course's lines choosing MOST_DEAD and SHARPEST.
COURSE_CHOICE = """\
MOST_DEAD = max(names, key=lambda n: results[n]["history"].final_dead_fraction)
SHARPEST = max(names, key=lambda n: results[n]["sharpness"])
"""

CA_COMPREHENSION = '''\
def _one_run(name, X, y, seed):
    """Train one activation from the shared start; measure its sharpness."""
    model = MLP(SIZES, name, seed=seed)
    hist = train(model, X, y, lr=LR, steps=STEPS, seed=seed)
    sharp = top_eigenvalue(model, hist.state_dict, X, y, seed=seed)
    return {"history": hist, "sharpness": sharp}


def compare_activations(names, X, y, seed):
    return {name: _one_run(name, X, y, seed) for name in names}
'''

CA_COMPREHENSION_CHOICE = """\
dead = {n: r["history"].final_dead_fraction for n, r in results.items()}
MOST_DEAD = max(dead, key=dead.get)
SHARPEST = max(results.items(), key=lambda item: item[1]["sharpness"])[0]
"""

CA_PRINTS = """\
def compare_activations(names, X, y, seed):
    results = {}
    for act in names:
        model = MLP(SIZES, act, seed=seed)
        history = train(model, X, y, lr=LR, steps=STEPS, seed=seed)
        lam = top_eigenvalue(model, history.state_dict, X, y, seed=seed)
        print(f"{act}: final loss {history.final_loss:.4f}, sharpness {lam:.3f}")
        results[act] = dict(history=history, sharpness=lam)
    return results
"""

CA_ARGMAX_CHOICE = """\
dead_fractions = [results[n]["history"].final_dead_fraction for n in names]
sharpnesses = [results[n]["sharpness"] for n in names]
MOST_DEAD = names[int(np.argmax(dead_fractions))]
SHARPEST = names[int(np.argmax(sharpnesses))]
"""

CA_TYPED = '''\
from actzoo.landscapes import weights_of
from actzoo.training import History


def compare_activations(
    names: list[str], X: np.ndarray, y: np.ndarray, seed: int
) -> dict[str, dict[str, History | float]]:
    """Same start, same data, same steps: only the activation differs."""
    comparison: dict[str, dict[str, History | float]] = {}
    for name in names:
        model = MLP(SIZES, name, seed=seed)
        history: History = train(model, X, y, lr=LR, steps=STEPS, seed=seed)
        # train() trains the model in place: its weights are the final ones.
        sharpness: float = top_eigenvalue(model, weights_of(model), X, y, seed=seed)
        comparison[name] = {"history": history, "sharpness": sharpness}
    return comparison
'''

CA_LOOP_CHOICE = """\
MOST_DEAD, SHARPEST = names[0], names[0]
for name in names[1:]:
    run = results[name]["history"]
    if run.final_dead_fraction > results[MOST_DEAD]["history"].final_dead_fraction:
        MOST_DEAD = name
    if results[name]["sharpness"] > results[SHARPEST]["sharpness"]:
        SHARPEST = name
"""

CA_DEFAULTDICT = """\
from collections import defaultdict


def compare_activations(names, X, y, seed):
    results = defaultdict(dict)
    for name in names:
        model = MLP(SIZES, name, seed=seed)
        results[name]["history"] = train(model, X, y, lr=LR, steps=STEPS, seed=seed)
        final = results[name]["history"].state_dict
        results[name]["sharpness"] = top_eigenvalue(model, final, X, y, seed=seed)
    return results
"""

# ------------------------------------------------------------- the student's cells

CONTOUR = """\
%matplotlib inline
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(4, 4))
lines = ax.contour(grid, grid, Z, levels=12, cmap="viridis")
ax.clabel(lines, inline=True, fontsize=7)
ax.plot(0, 0, "k*")
ax.set_title("my contour plot of the slice")
plt.show()
"""

LINE_PLOT = """\
alphas_1d = np.linspace(-1.0, 1.0, 21)
line = slice_2d(net, theta, d1, d2, alphas_1d, [0.0], X, y)[0]
plt.figure(figsize=(4, 3))
plt.semilogy(alphas_1d, line, "o-")
plt.xlabel("alpha along d1")
plt.ylabel("loss")
plt.show()
"""

TIMEIT = """\
%timeit -n 1 -r 2 slice_2d(net, theta, d1, d2, grid[:4], grid[:4], X, y)
"""

TIME_CELL = """\
%%time
for s in (1, 2):
    print(f"seed {s}: {top_eigenvalue(net, theta, X, y, seed=s):.6f}")
"""

NORM_CHECK = """\
check = filter_normalize(random_direction(theta, seed=0), theta)
for name, t in check.items():
    if t.ndim == 2:
        print(name, torch.allclose(t.norm(dim=1), theta[name].norm(dim=1)))
    else:
        print(name, "bias zero:", bool((t == 0).all()))
"""

NOTE = markdown(
    "Power iteration finds the eigenvalue of largest *magnitude*; at a minimum "
    "the Hessian is positive semi-definite, so that is $\\lambda_{\\max}$."
)

HELP = """\
torch.autograd.grad?
"""

PRINT_RESULTS = """\
for name, r in results.items():
    print(name, r["history"].final_accuracy, round(r["sharpness"], 3))
"""

#: What the given cells import.
IMPORTS_AGAIN = """\
import importlib.util

import numpy as np
import torch
from torch.func import functional_call

from actzoo.datasets import two_moons
from actzoo.landscapes import random_direction, weights_of
from actzoo.models import MLP
from actzoo.training import train
from actzoo_grader.checks import assert_close
"""

#: Every activation starts from the same weights, but not from those of
#: ``seed``: MLP's default seed is 0, which is the notebook's own seed, so
#: the visible test passes; the hidden ones, with seed 7, do not.
CA_DEFAULT_SEED_WRONG = """\
def compare_activations(names, X, y, seed):
    results = {}
    for name in names:
        model = MLP(SIZES, name)  # the same start for every activation
        run = train(model, X, y, lr=LR, steps=STEPS, seed=seed)
        sharp = top_eigenvalue(model, run.state_dict, X, y, seed=seed)
        results[name] = {"history": run, "sharpness": sharp}
    return results
"""


def _answered(overrides, extras=()):
    return answered(ASSIGNMENT, overrides, extras)


def _fn(function):
    return _cell("filter_normalize", function)


def _sl(function):
    return _cell("slice_2d", function)


def _te(function):
    return _cell("top_eigenvalue", function)


def _ca(function, lines=COURSE_CHOICE):
    return _cell("compare_activations", function, lines)


HONEST = {
    "normalize_ordered_dict": _answered({"filter_normalize": _fn(FN_ORDERED_DICT)}),
    "as_given": _answered({}),
    "imports_in_every_answer": with_imports(solved(ASSIGNMENT), IMPORTS_AGAIN),
    "normalize_comprehension_vector_norm": _answered(
        {"filter_normalize": _fn(FN_COMPREHENSION)}
    ),
    "normalize_row_loop_manual_sqrt": _answered({"filter_normalize": _fn(FN_ROW_LOOP)}),
    "normalize_clone_then_scale": _answered(
        {"filter_normalize": _fn(FN_CLONE_THEN_SCALE)}
    ),
    "normalize_flatten_rows": _answered({"filter_normalize": _fn(FN_FLATTEN)}),
    "normalize_type_hints": _answered({"filter_normalize": _fn(FN_TYPED)}),
    "normalize_transposed_views": _answered({"filter_normalize": _fn(FN_TRANSPOSED)}),
    "normalize_float64_by_default": _answered(
        {"filter_normalize": _fn(FN_DEFAULT_FLOAT64)}, (("setup", FLOAT64_DEFAULT),)
    ),
    "slice_points_first": _answered({"slice_2d": _sl(SL_POINTS_FIRST)}),
    "slice_detach_rows": _answered({"slice_2d": _sl(SL_DETACH_ROWS)}),
    "slice_meshgrid": _answered({"slice_2d": _sl(SL_MESHGRID)}),
    "slice_vmap": _answered({"slice_2d": _sl(SL_VMAP)}),
    "slice_own_combine_cell": _answered(
        {"slice_2d": _sl(SL_OWN_COMBINE)}, (("filter_normalize", OWN_COMBINE_CELL),)
    ),
    "slice_tensors_once": _answered({"slice_2d": _sl(SL_TENSORS_ONCE)}),
    "slice_alpha_major_transposed": _answered({"slice_2d": _sl(SL_ALPHA_MAJOR)}),
    "slice_load_state_dict": _answered({"slice_2d": _sl(SL_LOAD_STATE_DICT)}),
    "eigen_flat_helpers": _answered({"top_eigenvalue": _te(TE_FLAT_HELPERS)}),
    "eigen_class": _answered({"top_eigenvalue": _te(TE_CLASS)}),
    "eigen_autograd_hvp": _answered({"top_eigenvalue": _te(TE_AUTOGRAD_HVP)}),
    "eigen_torch_func": _answered({"top_eigenvalue": _te(TE_TORCH_FUNC)}),
    "eigen_while_no_grad": _answered({"top_eigenvalue": _te(TE_WHILE_NO_GRAD)}),
    "compare_comprehension": _answered(
        {"compare_activations": _ca(CA_COMPREHENSION, CA_COMPREHENSION_CHOICE)}
    ),
    "compare_prints_argmax": _answered(
        {"compare_activations": _ca(CA_PRINTS, CA_ARGMAX_CHOICE)}
    ),
    "compare_type_hints": _answered(
        {"compare_activations": _ca(CA_TYPED, CA_LOOP_CHOICE)}
    ),
    "compare_defaultdict": _answered({"compare_activations": _ca(CA_DEFAULTDICT)}),
    "plots": _answered({}, (("slice_2d", CONTOUR), ("slice_2d", LINE_PLOT))),
    "timings": _answered({}, (("slice_2d", TIMEIT), ("top_eigenvalue", TIME_CELL))),
    "notes_prints_and_help": _answered(
        {},
        (
            ("filter_normalize", NORM_CHECK),
            ("top_eigenvalue", NOTE),
            ("top_eigenvalue", HELP),
            ("compare_activations", PRINT_RESULTS),
        ),
    ),
    "many_styles_at_once": with_imports(
        _answered(
            {
                "filter_normalize": _fn(FN_CLONE_THEN_SCALE),
                "slice_2d": _sl(SL_VMAP),
                "top_eigenvalue": _te(TE_CLASS),
                "compare_activations": _ca(CA_PRINTS, CA_ARGMAX_CHOICE),
            },
            (("slice_2d", CONTOUR), ("top_eigenvalue", TIME_CELL)),
        ),
        "import numpy as np\nimport torch",
    ),
}

WRONG = (
    "compare_default_seed",
    _answered({"compare_activations": _ca(CA_DEFAULT_SEED_WRONG)}),
)
WRONG_LOSES = {"test_compare_activations"}
