"""The activations against PyTorch, finite differences and their mathematics.

Tolerances:

* float64 against PyTorch: relative 1e-12, plus absolute 1e-14. The
  absolute part covers points where PyTorch's own formula cancels
  (``1 + erf(x)`` for GELU at x << 0, ``1 - sigmoid(x)`` at x >> 0): its
  error there is a few units of roundoff of 1 times |x| <= 30, about 1e-14,
  while ours keeps full relative accuracy (checked against mpmath in
  test_reference.py).
* float32 against PyTorch float32: relative 2e-6 plus absolute 1e-6, a few
  units of float32 roundoff (1.2e-7) for values of order 1, with the same
  allowance for PyTorch's cancellation.
* Second derivatives in float64: relative 1e-8. PyTorch's double-backward
  result for GELU is not reproducible across processes: in some runs it
  differs from its usual value by up to 3.3e-9 relative. Ours are held to
  1e-12 against 100-digit references in test_reference.py instead.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from actzoo import ACTIVATIONS
from actzoo import activations as A

# Every activation with its default parameters, plus variants that move the
# parameters away from 1 (CELU's alphas have exact float32 reciprocals,
# because PyTorch computes 1/alpha in single precision).
CASES = [(name, {}) for name in ACTIVATIONS] + [
    ("leaky_relu", {"alpha": 0.2}),
    ("elu", {"alpha": 0.5}),
    ("elu", {"alpha": 2.0}),
    ("celu", {"alpha": 0.5}),
    ("celu", {"alpha": 2.0}),
    ("softplus", {"beta": 2.0}),
    ("softplus", {"beta": 0.5, "threshold": 5.0}),
    ("gelu", {"approximate": "tanh"}),
]
CASE_IDS = [f"{n}-{p}" if p else n for n, p in CASES]

EXTREMES = [
    1e4,
    -1e4,
    750.0,
    -750.0,
    1e-300,
    -1e-300,
    0.0,
    -0.0,
    math.inf,
    -math.inf,
    1e300,
    -1e300,
    20.0,
    40.0,
    -40.0,
]
TOL = {
    np.float64: {"rtol": 1e-12, "atol": 1e-14},
    np.float32: {"rtol": 2e-6, "atol": 1e-6},
}


def ours(name: str, params: dict, x: np.ndarray) -> list[np.ndarray]:
    act = ACTIVATIONS[name]
    return [act.derivative(x, order, **params) for order in range(3)]


def limit(order: int, x: np.ndarray) -> np.ndarray:
    """The limits of a smooth activation at +-large x: x, 1, 0 or 0, 0, 0."""
    pos = x > 0
    return [np.where(pos, x, 0.0), np.where(pos, 1.0, 0.0), np.zeros_like(x)][order]


def grid(dtype) -> np.ndarray:
    dense = np.linspace(-30.0, 30.0, 6001)
    fine = np.linspace(-1e-3, 1e-3, 201)
    ext = np.array(EXTREMES)
    if dtype is np.float32:
        ext = ext[np.abs(ext) < 1e30]
    return np.concatenate([dense, fine, ext]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_agrees_with_pytorch(name, params, dtype):
    x = grid(dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        mine = ours(name, params, x)
    theirs = ACTIVATIONS[name].torch_derivatives(x, **params)
    for order, (a, b) in enumerate(zip(mine, theirs)):
        assert a.dtype == dtype and a.shape == x.shape
        torch_nan = np.isnan(b)
        # Where PyTorch evaluates inf * 0 we give the limit instead of NaN.
        expected = np.where(torch_nan, limit(order, x.astype(np.float64)), b)
        tol = dict(TOL[dtype])
        if order == 2 and dtype is np.float64:
            tol["rtol"] = 1e-8
        np.testing.assert_allclose(a, expected, **tol, err_msg=f"{name} order {order}")
        if torch_nan.any():
            assert ACTIVATIONS[name].smoothness == "Cinf", (name, x[torch_nan])


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_nan_in_nan_out(name, params):
    x = np.array([np.nan, 1.0, np.nan, -1.0])
    for order, value in enumerate(ours(name, params, x)):
        assert np.isnan(value[[0, 2]]).all(), f"order {order}"
        assert np.isfinite(value[[1, 3]]).all(), f"order {order}"


def test_kink_derivatives_follow_autograd():
    assert A.relu_grad(0.0) == 0.0
    assert A.relu_grad(-0.0) == 0.0
    assert A.leaky_relu_grad(0.0) == 0.01
    assert A.leaky_relu_grad(0.0, alpha=0.3) == 0.3
    assert A.elu_grad(0.0, alpha=0.7) == 0.7
    assert A.selu_grad(0.0) == pytest.approx(A.SELU_SCALE * A.SELU_ALPHA, rel=1e-15)
    assert A.celu_grad(0.0, alpha=0.7) == 1.0
    for x in (0.0, -0.0):
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        for name in ("relu", "leaky_relu", "elu", "selu", "celu"):
            (g,) = torch.autograd.grad(ACTIVATIONS[name].torch(t), t)
            assert ACTIVATIONS[name].grad(x) == g.item(), name


# ------------------------------------------------------ finite differences

SMOOTH_POINTS = np.array([-7.3, -2.2, -0.9, -0.31, 0.17, 0.6, 1.4, 3.3, 8.1])


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_derivatives_match_central_differences(name, params):
    # Away from kinks, the central difference has error ~ h^2 f'''/6 plus
    # roundoff eps |f| / h; with h = 1e-5 both are below 1e-8.
    act = ACTIVATIONS[name]
    x = SMOOTH_POINTS
    h = 1e-5
    for order in (1, 2):
        lower = act.derivative(x - h, order - 1, **params)
        upper = act.derivative(x + h, order - 1, **params)
        fd = (upper - lower) / (2 * h)
        np.testing.assert_allclose(
            act.derivative(x, order, **params),
            fd,
            rtol=1e-7,
            atol=1e-8,
            err_msg=f"{name} order {order}",
        )


# --------------------------------------------------------- dtypes, shapes


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_dtype_shape_and_scalars(name, params):
    act = ACTIVATIONS[name]
    for order in range(3):

        def f(x, order=order):
            return act.derivative(x, order, **params)

        x32 = np.linspace(-3, 3, 24, dtype=np.float32).reshape(2, 3, 4)
        out = f(x32)
        assert out.dtype == np.float32 and out.shape == (2, 3, 4)
        out16 = f(x32.astype(np.float16))
        assert out16.dtype == np.float16 and out16.shape == (2, 3, 4)
        assert f(np.arange(-3, 4)).dtype == np.float64
        scalar = f(1.5)
        assert isinstance(scalar, np.float64) and np.ndim(scalar) == 0
        assert isinstance(f(np.float32(1.5)), np.float32)
        assert f(np.array(1.5)).shape == ()
        assert f([]).shape == (0,)
        assert f([[0.5, -0.5]]).shape == (1, 2)
        # Python scalars and arrays give the same numbers.
        np.testing.assert_array_equal(f(x32)[0, 1], [f(v) for v in x32[0, 1]])


def test_non_contiguous_input_is_not_modified():
    base = np.linspace(-5, 5, 40).reshape(5, 8)
    view = base[:, ::3]
    before = view.copy()
    for act in ACTIVATIONS.values():
        for order in range(3):
            out = act.derivative(view, order)
            assert out.shape == view.shape
            np.testing.assert_array_equal(view, before)
            assert not np.shares_memory(out, base)


# ----------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: A.gelu(1.0, approximate="fast"), ValueError, "approximate"),
        (lambda: A.gelu_grad(1.0, approximate=None), ValueError, "approximate"),
        (lambda: A.softplus(1.0, beta=-1.0), ValueError, "beta must be positive"),
        (lambda: A.softplus_grad2(1.0, beta=0), ValueError, "beta must be positive"),
        (lambda: A.softplus(1.0, threshold=math.nan), ValueError, "threshold"),
        (lambda: A.leaky_relu(1.0, alpha="0.1"), TypeError, "alpha must be a real"),
        (lambda: A.leaky_relu(1.0, alpha=True), TypeError, "alpha must be a real"),
        (lambda: A.elu(1.0, alpha=-1.0), ValueError, "non-negative"),
        (lambda: A.elu_grad(1.0, alpha=math.inf), ValueError, "finite"),
        (lambda: A.celu(1.0, alpha=0.0), ValueError, "positive"),
        (lambda: A.relu("abc"), TypeError, "real numbers"),
        (lambda: A.silu([1.0, "a"]), TypeError, "real numbers"),
        (lambda: A.mish(None), TypeError, "real numbers"),
        (lambda: A.relu_grad(np.array([1 + 2j])), TypeError, "complex"),
        (lambda: A.elu([[1.0, 2.0], [3.0]]), TypeError, "could not be converted"),
        (lambda: A.gelu(np.ones(2, dtype=np.longdouble)), TypeError, "not supported"),
        (lambda: ACTIVATIONS["relu"].derivative(1.0, 3), ValueError, "order"),
        (lambda: ACTIVATIONS["elu"].derivative(1.0, beta=2), TypeError, "no parameter"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --------------------------------------------------------------- registry


def test_registry_is_complete_and_consistent():
    assert list(ACTIVATIONS) == [
        "relu",
        "leaky_relu",
        "elu",
        "selu",
        "celu",
        "softplus",
        "silu",
        "gelu",
        "mish",
    ]
    import actzoo

    for name, act in ACTIVATIONS.items():
        assert act.name == name
        assert act.fn is getattr(actzoo, name)
        assert act.grad is getattr(actzoo, f"{name}_grad")
        assert act.grad2 is getattr(actzoo, f"{name}_grad2")
        assert act.smoothness in {"C0", "C1", "Cinf"}
        assert callable(act.torch_fn())
        assert act.latex and act.label
    with pytest.raises(TypeError):
        ACTIVATIONS["new"] = ACTIVATIONS["relu"]  # read-only mapping


def test_torch_derivatives_keep_dtype_and_give_zero_curvature_when_linear():
    for dtype in (np.float32, np.float64):
        x = np.array([-1.5, 0.5], dtype=dtype)
        values = ACTIVATIONS["silu"].torch_derivatives(x)
        assert all(v.dtype == dtype for v in values)
        s = 1 / (1 + np.exp(-0.5))  # sigmoid(0.5), by hand
        assert values[1][1] == pytest.approx(s * (1 + 0.5 * (1 - s)), rel=1e-6)
    y, d1, d2 = ACTIVATIONS["leaky_relu"].torch_derivatives([-2, 3], alpha=0.5)
    np.testing.assert_array_equal(y, [-1.0, 3.0])
    np.testing.assert_array_equal(d1, [0.5, 1.0])
    np.testing.assert_array_equal(d2, [0.0, 0.0])


def test_smoothness_labels_match_the_functions():
    # A kink shows as a jump in f' at 0, a C1 joint as a jump in f''.
    eps = 1e-9
    for act in ACTIVATIONS.values():
        jump1 = abs(act.grad(eps) - act.grad(-eps))
        jump2 = abs(act.grad2(eps) - act.grad2(-eps))
        expected = "C0" if jump1 > 1e-6 else ("C1" if jump2 > 1e-6 else "Cinf")
        assert act.smoothness == expected, act.name
