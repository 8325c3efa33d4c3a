"""Property tests: limits, symmetries, monotonicity and bounds that hold for all x.

Tolerances are in units of float64 roundoff scaled by the size of the
numbers involved; each test says why.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from actzoo import ACTIVATIONS
from actzoo import activations as A

EPS = np.finfo(np.float64).eps
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
moderate = st.floats(min_value=-40.0, max_value=40.0, allow_nan=False)
alphas = st.floats(min_value=0.0, max_value=5.0)
betas = st.floats(min_value=0.05, max_value=50.0)


@given(finite)
def test_relu_odd_part_is_identity(x):
    # max(0, x) - max(0, -x) = x exactly: both sides are exact in floating point.
    assert A.relu(x) - A.relu(-x) == x


@given(finite)
@example(21.0)  # above softplus's threshold
@example(0.0)
def test_smooth_relus_share_relu_odd_part(x):
    # softplus, SiLU and GELU are ReLU plus an even function, so
    # f(x) - f(-x) = x. Rounding: a few eps times |x|, or times f(0) = ln 2
    # for softplus near 0. Softplus without PyTorch's linear switch above
    # threshold 20: there it returns x and drops e^-x ~ 1e-9, an agreed
    # convention, not part of the identity.
    def smooth_softplus(x):
        return A.softplus(x, threshold=1e300)

    for f in (smooth_softplus, A.silu, A.gelu):
        assert abs(f(x) - f(-x) - x) <= 8 * EPS * (abs(x) + 1)


@given(st.lists(finite, min_size=2, max_size=30), alphas, betas)
def test_monotone_members_are_monotone(xs, alpha, beta):
    x = np.sort(np.array(xs))
    for values in (
        A.relu(x),
        A.leaky_relu(x, alpha=alpha),
        A.elu(x, alpha=alpha),
        A.selu(x),
        A.celu(x, alpha=max(alpha, 1e-3)),
        A.softplus(x, beta=beta),
    ):
        assert np.all(np.diff(values) >= 0)


@given(moderate)
def test_non_monotone_members_dip_below_zero_only_for_negative_x(x):
    # SiLU, GELU and Mish are negative exactly on x < 0, and bounded below.
    for name, floor in (("silu", -0.2785), ("gelu", -0.1701), ("mish", -0.3089)):
        value = ACTIVATIONS[name].fn(x)
        assert value >= floor
        assert (value < 0) == (x < 0) or value == 0


@given(st.floats(min_value=1e3, max_value=1e300))
def test_limits_at_plus_and_minus_infinity(big):
    # For large positive x every member is the identity (SELU: scale * x);
    # for large negative x they approach 0, alpha x, or -alpha (* scale).
    for name, act in ACTIVATIONS.items():
        scale = A.SELU_SCALE if name == "selu" else 1.0
        assert math.isclose(act.fn(big), scale * big, rel_tol=4 * EPS)
        assert act.grad(big) == scale
    assert A.relu(-big) == 0 and A.leaky_relu(-big) == -0.01 * big
    assert A.elu(-big, alpha=1.5) == -1.5
    assert math.isclose(A.selu(-big), -A.SELU_SCALE * A.SELU_ALPHA, rel_tol=EPS)
    for f in (A.softplus, A.silu, A.gelu, A.mish):
        assert f(-big) == 0
        assert ACTIVATIONS[f.__name__].grad(-big) == 0


@given(moderate, betas)
def test_softplus_gap_to_relu_is_at_most_ln2_over_beta(x, beta):
    # The gap is ln(1 + exp(-beta |x|)) / beta, in (0, ln 2 / beta]; the
    # subtraction adds roundoff of a few eps times |x|.
    gap = A.softplus(x, beta=beta, threshold=1e9) - A.relu(x)
    slack = 4 * EPS * abs(x)
    assert -slack <= gap <= math.log(2) / beta * (1 + 4 * EPS) + slack


@given(betas)
def test_softplus_gap_is_largest_at_zero(beta):
    assert math.isclose(A.softplus(0.0, beta=beta), math.log(2) / beta, rel_tol=2 * EPS)


@given(moderate, alphas)
def test_convex_members_have_non_negative_curvature(x, alpha):
    # ReLU, softplus, and ELU with alpha <= 1 are convex: f'' >= 0.
    assert A.relu_grad2(x) == 0
    assert A.softplus_grad2(x) >= 0
    assert A.elu_grad2(x, alpha=min(alpha, 1.0)) >= 0


@given(moderate)
def test_celu_is_elu_rescaled(x):
    # CELU_a(x) = a * ELU_1(x / a) for a > 0: a definition-level identity.
    for a in (0.5, 2.0, 3.0):
        lhs = A.celu(x, alpha=a)
        rhs = a * A.elu(x / a, alpha=1.0)
        assert abs(lhs - rhs) <= 4 * EPS * max(abs(lhs), 1.0)


@given(moderate)
def test_gelu_tanh_approximation_is_close(x):
    # The tanh form approximates x * Phi(x) to within 5e-4 everywhere
    # (Hendrycks and Gimpel, 2016); the derivative to within 3e-3.
    assert abs(A.gelu(x, "tanh") - A.gelu(x)) < 5e-4
    assert abs(A.gelu_grad(x, "tanh") - A.gelu_grad(x)) < 3e-3


@given(moderate)
def test_derivatives_are_bounded(x):
    # Known bounds: sigmoid' <= 1/4, SiLU' in [-0.1, 1.1], GELU' in
    # [-0.13, 1.13], and 0 <= ReLU-family slopes <= max(1, alpha).
    assert 0 <= A.softplus_grad(x) <= 1
    assert 0 <= A.softplus_grad2(x) <= 0.25 * (1 + 4 * EPS)  # roundoff at 0
    assert -0.1 <= A.silu_grad(x) <= 1.1
    assert -0.13 <= A.gelu_grad(x) <= 1.13
    assert 0 <= A.elu_grad(x) <= 1
