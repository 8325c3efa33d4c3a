r"""Verifying ReLU networks: linear regions, interval bounds and exact bounds.

A network of ReLUs computes a continuous piecewise-linear function. Fix
which hidden units are on (the *activation pattern*) and every layer is an
affine map, so the network is affine on the set of inputs with that
pattern, and that set is a convex polytope. This module uses that case
split three ways.

* :func:`linear_regions` splits a 2-D input box exactly into the polygons
  on which the network is affine, and :func:`pattern_ids` labels grid
  points by activation pattern for pictures and sampled counts.
* :func:`interval_bounds` propagates an input box through the network with
  interval arithmetic: cheap, sound, and loose.
* :func:`milp_bound` computes the exact maximum (or minimum) of an output
  over a box with a mixed-integer linear program, one binary variable per
  undecided ReLU (the big-M encoding), solved by
  :func:`scipy.optimize.milp`.

Examples
--------
>>> from actzoo import verification as ver
>>> net = ver.random_network([2, 8, 8, 1], seed=0)
>>> lo, hi = [-1.0, -1.0], [1.0, 1.0]
>>> exact = ver.milp_bound(net, lo, hi)
>>> bool(exact.value <= ver.interval_bounds(net, lo, hi)[-1][1][0])
True
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_array

from actzoo import _checks
from actzoo._checks import real_param

__all__ = [
    "BoundResult",
    "LinearRegion",
    "ReluNetwork",
    "interval_bounds",
    "interval_looseness",
    "linear_regions",
    "milp_bound",
    "pattern_ids",
    "random_network",
    "sampled_bound",
]

Array = NDArray[np.float64]
Box = tuple[Array, Array]


@dataclass(frozen=True)
class ReluNetwork:
    r"""A fully connected network with ReLU hidden layers and a linear output.

    It computes :math:`a_0 = x`, :math:`z_l = W_l a_{l-1} + b_l`,
    :math:`a_l = \max(0, z_l)` for the hidden layers and :math:`y = z_L`.

    Attributes
    ----------
    weights : tuple of ndarray
        :math:`W_l` with shape ``(n_out, n_in)``.
    biases : tuple of ndarray
        :math:`b_l` with shape ``(n_out,)``.
    """

    weights: tuple[Array, ...]
    biases: tuple[Array, ...]

    def __post_init__(self) -> None:
        func = "ReluNetwork"
        W = tuple(
            _checks.array(w, "weights", func, ndim=2)
            for w in _checks.sequence(self.weights, "weights", func)
        )
        b = tuple(
            _checks.array(v, "biases", func, ndim=1)
            for v in _checks.sequence(self.biases, "biases", func)
        )
        if not W or len(W) != len(b):
            raise ValueError(
                f"ReluNetwork: need as many bias vectors as weight matrices "
                f"(at least one), got {len(W)} and {len(b)}"
            )
        for i, (w, v) in enumerate(zip(W, b)):
            if w.ndim != 2 or v.shape != (w.shape[0],):
                raise ValueError(
                    f"ReluNetwork: layer {i} has weight shape {w.shape} and "
                    f"bias shape {v.shape}; need (n_out, n_in) and (n_out,)"
                )
            if i and w.shape[1] != W[i - 1].shape[0]:
                raise ValueError(
                    f"ReluNetwork: layer {i} takes {w.shape[1]} inputs but "
                    f"layer {i - 1} gives {W[i - 1].shape[0]}"
                )
        object.__setattr__(self, "weights", W)
        object.__setattr__(self, "biases", b)

    @property
    def layer_sizes(self) -> list[int]:
        """Return the widths, input first, output last."""
        return [self.weights[0].shape[1]] + [w.shape[0] for w in self.weights]

    def _inputs(self, x: ArrayLike) -> Array:
        x = np.asarray(x, dtype=np.float64)
        if x.shape[-1:] != (self.layer_sizes[0],):
            raise ValueError(
                f"ReluNetwork: inputs need last dimension {self.layer_sizes[0]}, "
                f"got shape {x.shape}"
            )
        return x

    def pre_activations(self, x: ArrayLike) -> list[Array]:
        """Return :math:`z_1, \\dots, z_L` at inputs ``x`` (shape ``(..., n_in)``)."""
        a = self._inputs(x)
        out = []
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ W.T + b
            out.append(z)
            if i < len(self.weights) - 1:
                a = np.maximum(z, 0.0)
        return out

    def __call__(self, x: ArrayLike) -> Array:
        """Return the outputs at inputs ``x``, shape ``(..., n_out)``."""
        return self.pre_activations(x)[-1]

    def activation_pattern(self, x: ArrayLike) -> NDArray[np.bool_]:
        """Return which hidden units are on (:math:`z > 0`), all layers side by side."""
        zs = self.pre_activations(x)[:-1]
        if not zs:
            return np.zeros((*np.shape(x)[:-1], 0), dtype=bool)
        return np.concatenate([z > 0 for z in zs], axis=-1)


def random_network(
    layer_sizes: Sequence[int], *, seed: int = 0, bias_scale: float = 0.5
) -> ReluNetwork:
    r"""Return a ReLU network with He-initialised weights and random biases.

    :math:`W_l \sim N(0, 2/n_{l-1})` entrywise and
    :math:`b_l \sim N(0, \text{bias\_scale}^2)`; same seed, same network.
    """
    func = "random_network"
    # at least the input's and the output's size
    sizes = _checks.integers(layer_sizes, "layer_sizes", func, minimum=1, min_length=2)
    rng = np.random.default_rng(_checks.seed(seed, func))
    bias_scale = real_param(bias_scale, "bias_scale", func, nonnegative=True)
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights.append(rng.normal(0.0, math.sqrt(2.0 / n_in), (n_out, n_in)))
        biases.append(rng.normal(0.0, bias_scale, n_out))
    return ReluNetwork(tuple(weights), tuple(biases))


def _box(net: ReluNetwork, lo: ArrayLike, hi: ArrayLike, func: str) -> Box:
    _checks.instance(net, ReluNetwork, "net", func)
    lo = _checks.array(lo, "lo", func).reshape(-1)
    hi = _checks.array(hi, "hi", func).reshape(-1)
    n = net.layer_sizes[0]
    if lo.shape != (n,) or hi.shape != (n,):
        raise ValueError(
            f"{func}: the box needs {n} lower bounds lo and {n} upper bounds hi, "
            f"got {lo.size} and {hi.size}"
        )
    if np.any(lo > hi):
        raise ValueError(f"{func}: every lower bound lo must be <= its upper bound hi")
    return lo, hi


def _output(net: ReluNetwork, output: int, func: str) -> int:
    return _checks.integer(
        output, "output", func, minimum=0, maximum=net.layer_sizes[-1] - 1
    )


# ------------------------------------------------- interval bounds


def interval_bounds(
    net: ReluNetwork, lo: ArrayLike, hi: ArrayLike
) -> list[tuple[Array, Array]]:
    r"""Return interval bounds :math:`[l_k, u_k]` on every pre-activation :math:`z_k`.

    Interval bound propagation: with centre :math:`c` and radius :math:`r`
    of the box of :math:`a_{k-1}`, :math:`z_k` lies in
    :math:`W_k c + b_k \pm |W_k| r`, and ReLU maps :math:`[l, u]` to
    :math:`[\max(l, 0), \max(u, 0)]`. Every bound is sound (it holds for
    every input in the box) but ignores that the units of one layer depend
    on the same inputs, so it loosens with depth. The last entry bounds
    the output.
    """
    a_lo, a_hi = _box(net, lo, hi, "interval_bounds")
    out = []
    for W, b in zip(net.weights, net.biases):
        c, r = (a_hi + a_lo) / 2, (a_hi - a_lo) / 2
        zc, zr = W @ c + b, np.abs(W) @ r
        out.append((zc - zr, zc + zr))
        a_lo, a_hi = np.maximum(zc - zr, 0.0), np.maximum(zc + zr, 0.0)
    return out


# ------------------------------------------------- exact bound (MILP)


@dataclass(frozen=True)
class BoundResult:
    """A bound on one output over a box, with the input that attains it.

    Attributes
    ----------
    value : float
        The maximum (or minimum) found.
    x : ndarray
        An input in the box where the network's output is ``value``.
    n_binary : int
        Number of undecided ReLUs, each a binary variable (0 for sampling).
    """

    value: float
    x: Array
    n_binary: int = 0


def milp_bound(
    net: ReluNetwork,
    lo: ArrayLike,
    hi: ArrayLike,
    *,
    output: int = 0,
    sense: Literal["max", "min"] = "max",
) -> BoundResult:
    r"""Return the exact maximum (or minimum) of one output over a box, by MILP.

    Each hidden unit :math:`a = \max(0, z)` with interval bounds
    :math:`l < 0 < u` (from :func:`interval_bounds`) becomes the big-M
    constraints

    .. math::
        a \ge z,\quad a \ge 0,\quad a \le z - l(1 - \delta),\quad
        a \le u\,\delta,\quad \delta \in \{0, 1\},

    which force :math:`a = z` when :math:`\delta = 1` and :math:`a = 0`
    when :math:`\delta = 0`. Units with :math:`u \le 0` are off and units
    with :math:`l \ge 0` are on for every input; their :math:`\delta` is
    fixed. The layers' equations :math:`z_k = W_k a_{k-1} + b_k` are
    equality constraints. The program is solved to optimality with
    HiGHS. The returned value is the program's optimum; the network
    evaluated at the returned input agrees with it to solver tolerance.

    Raises
    ------
    RuntimeError
        If the solver does not report an optimal solution.
    """
    lo, hi = _box(net, lo, hi, "milp_bound")
    output = _output(net, output, "milp_bound")
    _checks.choice(sense, ("max", "min"), "sense", "milp_bound")
    bounds = interval_bounds(net, lo, hi)
    hidden = net.layer_sizes[1:-1]

    # variable layout: x, then for each hidden layer its z, a and delta
    n_in = len(lo)
    offsets, pos = [], n_in
    for n in hidden:
        offsets.append((pos, pos + n, pos + 2 * n))
        pos += 3 * n
    n_var = pos
    var_lo, var_hi = np.empty(n_var), np.empty(n_var)
    integrality = np.zeros(n_var)
    var_lo[:n_in], var_hi[:n_in] = lo, hi

    n_rows = sum(4 * n for n in hidden)
    A = lil_array((max(n_rows, 1), n_var))
    row_lo, row_hi = np.full(max(n_rows, 1), -np.inf), np.full(max(n_rows, 1), np.inf)
    row = 0
    prev = np.arange(n_in)  # indices of a_{k-1}
    n_binary = 0
    for k, (n, (iz, ia, idl)) in enumerate(zip(hidden, offsets)):
        W, b = net.weights[k], net.biases[k]
        l, u = bounds[k]
        z_idx, a_idx, d_idx = (np.arange(s, s + n) for s in (iz, ia, idl))
        var_lo[z_idx], var_hi[z_idx] = l, u
        var_lo[a_idx], var_hi[a_idx] = 0.0, np.maximum(u, 0.0)
        integrality[d_idx] = 1
        var_lo[d_idx] = np.where(l >= 0, 1.0, 0.0)
        var_hi[d_idx] = np.where(u <= 0, 0.0, 1.0)
        n_binary += int(np.sum((l < 0) & (u > 0)))
        for j in range(n):
            # z_j - W_j a_{k-1} = b_j
            A[row, z_idx[j]] = 1.0
            A[row, prev] = -W[j]
            row_lo[row] = row_hi[row] = b[j]
            # a - z >= 0
            A[row + 1, a_idx[j]], A[row + 1, z_idx[j]] = 1.0, -1.0
            row_lo[row + 1] = 0.0
            # a - z - l delta <= -l
            A[row + 2, a_idx[j]], A[row + 2, z_idx[j]] = 1.0, -1.0
            A[row + 2, d_idx[j]] = -l[j]
            row_hi[row + 2] = -l[j]
            # a - u delta <= 0
            A[row + 3, a_idx[j]], A[row + 3, d_idx[j]] = 1.0, -u[j]
            row_hi[row + 3] = 0.0
            row += 4
        prev = a_idx

    c = np.zeros(n_var)
    c[prev] = net.weights[-1][output]
    sign = -1.0 if sense == "max" else 1.0
    constraints = [LinearConstraint(A.tocsr(), row_lo, row_hi)] if n_rows else []
    with _quiet_c_stdout():
        res = milp(
            sign * c,
            constraints=constraints,
            integrality=integrality,
            bounds=Bounds(var_lo, var_hi),
            options={"mip_rel_gap": 1e-9},
        )
    if res.status != 0 or res.x is None:
        raise RuntimeError(f"milp_bound: the solver did not finish: {res.message}")
    x = np.clip(res.x[:n_in], lo, hi)
    value = float(c @ res.x + net.biases[-1][output])
    return BoundResult(value, x, n_binary)


@contextlib.contextmanager
def _quiet_c_stdout() -> Iterator[None]:
    """Silence C-level writes to stdout (HiGHS prints solver notes there).

    C code writes to file descriptor 1 whatever Python's ``sys.stdout``
    is; Jupyter kernels capture that descriptor into the cell's output.
    """
    fd = 1
    sys.stdout.flush()
    libc = ctypes.CDLL(None)
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            try:
                yield
            finally:
                libc.fflush(None)  # drop what C buffered while silenced
                os.dup2(saved, fd)
    finally:
        os.close(saved)


def sampled_bound(
    net: ReluNetwork,
    lo: ArrayLike,
    hi: ArrayLike,
    *,
    n_samples: int = 10_000,
    output: int = 0,
    sense: Literal["max", "min"] = "max",
    seed: int = 0,
) -> BoundResult:
    """Return the largest (or smallest) output over uniform random inputs in the box.

    It is attained, so it can only under-estimate the true maximum: a lower
    bound on it (an upper bound on the minimum).
    """
    func = "sampled_bound"
    lo, hi = _box(net, lo, hi, func)
    n_samples = _checks.integer(n_samples, "n_samples", func, minimum=1)
    output = _output(net, output, func)
    _checks.choice(sense, ("max", "min"), "sense", func)
    rng = np.random.default_rng(_checks.seed(seed, func))
    X = lo + (hi - lo) * rng.random((n_samples, len(lo)))
    y = net(X)[:, output]
    i = int(np.argmax(y) if sense == "max" else np.argmin(y))
    return BoundResult(float(y[i]), X[i])


def interval_looseness(
    depths: Sequence[int],
    *,
    width: int = 6,
    n_in: int = 2,
    seeds: Sequence[int] = (0, 1, 2),
    radius: float = 1.0,
) -> NDArray[np.float64]:
    r"""Return how many times wider interval bounds are than the true output range.

    For each seed and depth, a :func:`random_network` with ``depth``
    hidden layers of ``width`` units is bounded on the box
    :math:`[-\text{radius}, \text{radius}]^{n_\text{in}}`; the entry is
    :math:`(u - l)/(\max y - \min y)` with :math:`[l, u]` from
    :func:`interval_bounds` and the exact range from :func:`milp_bound`.
    It is at least 1 (interval bounds are sound) and typically grows
    geometrically with depth. Shape ``(len(seeds), len(depths))``.
    """
    func = "interval_looseness"
    depths = _checks.integers(depths, "depths", func, minimum=0)
    width = _checks.integer(width, "width", func, minimum=1)
    n_in = _checks.integer(n_in, "n_in", func, minimum=1)
    seeds = _checks.integers(seeds, "seeds", func, minimum=0)
    radius = real_param(radius, "radius", func, positive=True)
    lo, hi = -radius * np.ones(n_in), radius * np.ones(n_in)
    out = np.empty((len(seeds), len(depths)))
    for i, seed in enumerate(seeds):
        for j, depth in enumerate(depths):
            net = random_network([n_in] + [width] * depth + [1], seed=seed)
            l, u = interval_bounds(net, lo, hi)[-1]
            top = milp_bound(net, lo, hi).value
            bottom = milp_bound(net, lo, hi, sense="min").value
            out[i, j] = (u[0] - l[0]) / (top - bottom)
    return out


# ------------------------------------------------- linear regions (2-D)


@dataclass(frozen=True)
class LinearRegion:
    r"""A convex polygon of the input plane on which the network is affine.

    Attributes
    ----------
    vertices : ndarray
        Corners in counter-clockwise order, shape ``(m, 2)``.
    pattern : ndarray of bool
        Which hidden units are on inside it.
    C, d : ndarray
        The network there: :math:`y = C x + d`.
    """

    vertices: Array
    pattern: NDArray[np.bool_]
    C: Array
    d: Array

    @property
    def area(self) -> float:
        """Return the polygon's area (shoelace formula)."""
        return _area(self.vertices)


def _clip(poly: Array, g: Array, h: float, keep_positive: bool) -> Array:
    """Return the part of a convex polygon where g.x + h >= 0 (or <= 0)."""
    s = poly @ g + h
    if not keep_positive:
        s = -s
    out = []
    for i in range(len(poly)):
        p, q, sp, sq = poly[i], poly[(i + 1) % len(poly)], s[i], s[(i + 1) % len(poly)]
        if sp >= 0:
            out.append(p)
        if (sp >= 0) != (sq >= 0):
            out.append(p + (q - p) * (sp / (sp - sq)))
    return np.array(out).reshape(-1, 2)


def _area(poly: Array) -> float:
    """Return the area of a polygon given by its corners in order (shoelace)."""
    if len(poly) < 3:
        return 0.0
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def linear_regions(
    net: ReluNetwork, lo: ArrayLike, hi: ArrayLike, *, min_area: float = 1e-12
) -> list[LinearRegion]:
    r"""Return the exact linear regions of a network with 2-D input on a box.

    The box is split layer by layer, unit by unit: a unit whose
    pre-activation :math:`z = g \cdot x + h` changes sign inside a polygon
    cuts it in two along the line :math:`z = 0`. Within a layer the
    earlier layers' pattern is fixed, so :math:`z` is affine in :math:`x`
    on each polygon and the cuts are straight. Pieces with area below
    ``min_area`` times the box's are rounding slivers and are dropped.

    Each region is the closure of the set of inputs with one activation
    pattern (which is convex), so the number of regions is the number of
    patterns that occur on the box with positive area.
    """
    lo, hi = _box(net, lo, hi, "linear_regions")
    min_area = real_param(min_area, "min_area", "linear_regions", nonnegative=True)
    if len(lo) != 2:
        raise ValueError(
            f"linear_regions: the input must be 2-D, this network takes {len(lo)}"
        )
    box = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])
    tol = min_area * _area(box)
    # each piece: polygon, pattern so far, affine map x -> a_{k-1} = M x + m
    pieces = [(box, np.zeros(0, dtype=bool), np.eye(2), np.zeros(2))]
    for W, b in zip(net.weights[:-1], net.biases[:-1]):
        new_pieces = []
        for poly, pattern, M, m in pieces:
            G, h = W @ M, W @ m + b  # z = G x + h on this polygon
            parts = [(poly, np.zeros(0, dtype=bool))]
            for j in range(len(b)):
                split = []
                for sub, on in parts:
                    for side in (True, False):
                        clipped = _clip(sub, G[j], h[j], side)
                        if _area(clipped) > tol:
                            split.append((clipped, np.append(on, side)))
                parts = split
            for sub, on in parts:
                # which side is "on" is decided at an interior point, so a
                # unit with z = 0 on a whole polygon counts as off, like ReLU'(0)
                centre = sub.mean(axis=0)
                on = (G @ centre + h) > 0
                D = on.astype(np.float64)
                new_pieces.append(
                    (sub, np.concatenate([pattern, on]), D[:, None] * G, D * h)
                )
        pieces = new_pieces
    regions = []
    for poly, pattern, M, m in pieces:
        C = net.weights[-1] @ M
        d = net.weights[-1] @ m + net.biases[-1]
        regions.append(LinearRegion(poly, pattern, C, d))
    return regions


def pattern_ids(net: ReluNetwork, X: ArrayLike) -> tuple[NDArray[np.int64], int]:
    """Return a label per input, equal where the activation patterns are, and their count.

    Labels are numbered in order of first appearance in ``X`` (flattened
    over its leading dimensions), so the same inputs give the same labels.
    """
    _checks.instance(net, ReluNetwork, "net", "pattern_ids")
    # no inputs give no labels; a NaN input has no pattern
    X = _checks.array(X, "X", "pattern_ids", ndim=tuple(range(1, 33)), allow_empty=True)
    if X.shape[-1] != net.layer_sizes[0]:
        raise ValueError(
            f"pattern_ids: X needs last dimension {net.layer_sizes[0]}, got shape "
            f"{X.shape}"
        )
    pat = net.activation_pattern(X)
    flat = pat.reshape(-1, pat.shape[-1])
    # one byte string per pattern: np.unique on them is much faster than
    # on rows of booleans
    packed = np.ascontiguousarray(np.packbits(flat, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    labels = rank[inverse.reshape(-1)].reshape(pat.shape[:-1])
    return labels.astype(np.int64), len(first)
