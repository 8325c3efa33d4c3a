"""Sigmoid, tanh, PReLU and the gated units against PyTorch and their maths.

Tolerances are those of test_activations.py, for the same reasons:
float64 against PyTorch relative 1e-12 plus absolute 1e-14 (PyTorch's
``1 - y**2`` and ``s (1 - s)`` cancel in the tails, ours do not); float32
relative 2e-6 plus absolute 1e-6; second derivatives in float64 relative
1e-8. Gated units multiply two inputs, so their absolute tolerance is
scaled by the size of the value half.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from actzoo import gated as G
from actzoo import gelu, leaky_relu, silu
from actzoo import prelu as P
from actzoo import saturating as S
from actzoo.beyond_relu import ALL_ACTIVATIONS, MORE_ACTIVATIONS
from actzoo.registry import ACTIVATIONS

TOL = {
    np.float64: {"rtol": 1e-12, "atol": 1e-14},
    np.float32: {"rtol": 2e-6, "atol": 1e-6},
}
CASES = [(n, {}) for n in MORE_ACTIVATIONS] + [
    ("prelu", {"alpha": -0.3}),
    ("prelu", {"alpha": 1.7}),
]
IDS = [f"{n}-{p}" if p else n for n, p in CASES]
EXTREMES = [1e4, -1e4, 750.0, -750.0, 0.0, -0.0, 20.0, -40.0, 1e-300]


def grid(dtype):
    x = np.concatenate(
        [np.linspace(-30, 30, 6001), np.linspace(-1e-3, 1e-3, 201), EXTREMES]
    )
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_pointwise_members_agree_with_pytorch(name, params, dtype):
    act = MORE_ACTIVATIONS[name]
    x = grid(dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        mine = [act.derivative(x, k, **params) for k in range(3)]
    theirs = act.torch_derivatives(x, **params)
    for k, (a, b) in enumerate(zip(mine, theirs)):
        assert a.dtype == dtype and a.shape == x.shape
        tol = dict(TOL[dtype])
        if k == 2 and dtype is np.float64:
            tol["rtol"] = 1e-8
        np.testing.assert_allclose(a, b, **tol, err_msg=f"{name} order {k}")


POINTS = np.array([-7.3, -2.2, -0.9, -0.31, 0.17, 0.6, 1.4, 3.3, 8.1])


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_pointwise_derivatives_match_central_differences(name, params):
    act, h = MORE_ACTIVATIONS[name], 1e-5
    for k in (1, 2):
        fd = (
            act.derivative(POINTS + h, k - 1, **params)
            - act.derivative(POINTS - h, k - 1, **params)
        ) / (2 * h)
        np.testing.assert_allclose(
            act.derivative(POINTS, k, **params),
            fd,
            rtol=1e-7,
            atol=1e-8,
            err_msg=f"{name} {k}",
        )


def test_limits_nan_and_no_warnings():
    x = np.array([-math.inf, -1e4, math.nan, 1e4, math.inf])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_array_equal(S.sigmoid(x), [0, 0, np.nan, 1, 1])
        np.testing.assert_array_equal(S.tanh(x), [-1, -1, np.nan, 1, 1])
        for f in (S.sigmoid_grad, S.sigmoid_grad2, S.tanh_grad, S.tanh_grad2):
            np.testing.assert_array_equal(np.abs(f(x)), [0, 0, np.nan, 0, 0])
        np.testing.assert_array_equal(
            P.prelu(x, 0.5), [-np.inf, -5e3, np.nan, 1e4, np.inf]
        )
        np.testing.assert_array_equal(
            P.prelu_grad_alpha(x), [-np.inf, -1e4, np.nan, 0, 0]
        )


def test_saturation_facts():
    x = np.linspace(-20, 20, 4001)
    # The sigmoid's slope is at most 1/4, reached at 0; tanh's at most 1.
    assert S.sigmoid_grad(x).max() == S.sigmoid_grad(0.0) == 0.25
    assert S.tanh_grad(x).max() == S.tanh_grad(0.0) == 1.0
    np.testing.assert_allclose(S.tanh(x), 2 * S.sigmoid(2 * x) - 1, atol=1e-15)
    # Tails keep full relative accuracy: slope e^{-|x|} to leading order.
    assert S.sigmoid_grad(-700.0) == pytest.approx(math.exp(-700.0), rel=1e-12)
    assert S.tanh_grad(300.0) == pytest.approx(4 * math.exp(-600.0), rel=1e-12)


def test_prelu_is_a_leaky_relu_with_a_gradient_in_alpha():
    x = np.linspace(-4, 4, 81)
    for alpha in (0.25, -0.5, 2.0):
        np.testing.assert_array_equal(P.prelu(x, alpha), leaky_relu(x, alpha))
    xt = torch.tensor(x, requires_grad=True)
    w = torch.tensor([0.3], dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.prelu(xt, w)
    # d/d alpha summed over x is what autograd returns for the shared weight.
    (gw,) = torch.autograd.grad(y.sum(), w)
    assert P.prelu_grad_alpha(x, 0.3).sum() == pytest.approx(gw.item(), rel=1e-14)
    assert P.prelu_grad(0.0) == P.PRELU_INIT == torch.nn.PReLU().weight.item()


def test_registries_keep_the_relu_family_apart():
    assert set(MORE_ACTIVATIONS) == {"sigmoid", "tanh", "prelu"}
    assert not set(MORE_ACTIVATIONS) & set(ACTIVATIONS)
    assert list(ALL_ACTIVATIONS) == [*ACTIVATIONS, *MORE_ACTIVATIONS]
    eps = 1e-9
    for act in MORE_ACTIVATIONS.values():
        jump1 = abs(act.grad(eps) - act.grad(-eps))
        assert act.smoothness == ("C0" if jump1 > 1e-6 else "Cinf"), act.name


# ------------------------------------------------------------ gated units


def pairs(dtype, seed=0):
    rng = np.random.default_rng(seed)
    a = np.concatenate([rng.normal(0, 3, 2000), [0.0, 5.0, -5.0, 1e3, -1e3, 2.0]])
    b = np.concatenate([rng.normal(0, 3, 2000), [0.0, 40.0, -40.0, 7.0, -7.0, 1e3]])
    return a.astype(dtype), b.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(G.GATED_UNITS))
def test_gated_units_agree_with_pytorch(name, dtype):
    unit = G.GATED_UNITS[name]
    a, b = pairs(dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        mine = [unit.fn(a, b), *unit.grad(a, b), *unit.grad2(a, b)]
    y, d1, d2 = unit.torch_derivatives(a, b)
    theirs = [y, *d1, *d2]
    scale = np.maximum(1.0, np.abs(a.astype(np.float64)))
    for k, (m, t) in enumerate(zip(mine, theirs)):
        assert m.dtype == dtype and m.shape == a.shape
        tol = TOL[dtype]
        rtol = 1e-8 if (k >= 3 and dtype is np.float64) else tol["rtol"]
        err = np.abs(m.astype(np.float64) - t)
        assert np.all(err <= tol["atol"] * scale + rtol * np.abs(t)), (name, k)


@pytest.mark.parametrize("name", list(G.GATED_UNITS))
def test_gated_derivatives_match_central_differences(name):
    unit, h = G.GATED_UNITS[name], 1e-5
    a, b = np.meshgrid(np.array([-2.5, -0.4, 0.7, 3.1]), POINTS)
    da, db = unit.grad(a, b)
    np.testing.assert_allclose(
        da, (unit.fn(a + h, b) - unit.fn(a - h, b)) / (2 * h), rtol=1e-7, atol=1e-8
    )
    np.testing.assert_allclose(
        db, (unit.fn(a, b + h) - unit.fn(a, b - h)) / (2 * h), rtol=1e-7, atol=1e-8
    )
    haa, hab, hbb = unit.grad2(a, b)
    np.testing.assert_array_equal(haa, 0.0)
    for fd_ab in (
        (unit.grad(a, b + h)[0] - unit.grad(a, b - h)[0]) / (2 * h),
        (unit.grad(a + h, b)[1] - unit.grad(a - h, b)[1]) / (2 * h),
    ):
        np.testing.assert_allclose(hab, fd_ab, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(
        hbb,
        (unit.grad(a, b + h)[1] - unit.grad(a, b - h)[1]) / (2 * h),
        rtol=1e-7,
        atol=1e-8,
    )


def test_tied_halves_give_silu_and_the_gelu_family():
    x = np.linspace(-12, 12, 2401)
    np.testing.assert_allclose(G.glu(x, x), silu(x), rtol=1e-15, atol=1e-300)
    # Tied SwiGLU and GEGLU are x times SiLU and x times GELU.
    np.testing.assert_allclose(G.swiglu(x, x), x * silu(x), rtol=1e-15)
    np.testing.assert_allclose(G.geglu(x, x), x * gelu(x), rtol=1e-15)
    # With a constant value half the unit is its gate, scaled.
    np.testing.assert_allclose(
        G.swiglu(np.full_like(x, 2.0), x), 2 * silu(x), rtol=1e-15
    )


def test_gated_edges():
    inf, nan = math.inf, math.nan
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = G.swiglu([1.0, 2.0, nan, 1.0, inf], [inf, -inf, 1.0, nan, -inf])
        grads = G.glu_grad([3.0, nan], [-inf, 0.0])
        hess = G.geglu_grad2([1.0, nan], [inf, 0.0])
    np.testing.assert_array_equal(out, [inf, -0.0, nan, nan, nan])
    np.testing.assert_array_equal(grads[0], [0.0, nan])
    np.testing.assert_array_equal(grads[1], [0.0, nan])
    np.testing.assert_array_equal(hess[0], [0.0, nan])
    np.testing.assert_array_equal(hess[1], [1.0, nan])
    np.testing.assert_array_equal(hess[2], [0.0, nan])
    assert G.glu(np.float32(1), np.float32(0)).dtype == np.float32
    assert np.ndim(G.glu(1.0, 0.0)) == 0


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: G.glu([1.0, 2.0], [1.0]), ValueError, "glu: a and b must have"),
        (lambda: G.swiglu_grad("a", 1.0), TypeError, "swiglu_grad"),
        (lambda: S.sigmoid([1 + 1j]), TypeError, "sigmoid: x is complex"),
        (lambda: S.tanh_grad("x"), TypeError, "tanh_grad"),
        (lambda: P.prelu(1.0, alpha=math.nan), ValueError, "prelu: alpha"),
        (lambda: P.prelu_grad_alpha(1.0, alpha="1"), TypeError, "alpha must be"),
        (
            lambda: MORE_ACTIVATIONS["tanh"].derivative(1.0, alpha=1),
            TypeError,
            "no parameter",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
