"""Our float64 activations against 100-digit mpmath references.

This is the check behind the claim that the implementations keep full
relative accuracy, also where PyTorch's formulas cancel.
"""

from __future__ import annotations

import numpy as np
import pytest

from actzoo import ACTIVATIONS
from actzoo.reference import reference, relative_error

# Beyond |x| = 20, GELU'' is 1e-89 times GELU and needs more digits than
# the reference carries. Avoid the kink (0) and softplus's switch to the
# identity (x = 20), where derivatives are conventions, not limits.
X = np.concatenate([np.linspace(-20, 20, 101), [-1e-3, 1e-3, 1e-8, -1e-8]])
X = X[(X != 0) & (X != 20)]


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("order", [0, 1, 2])
def test_full_relative_accuracy(name, order):
    ref = reference(name, X, order)
    ours = ACTIVATIONS[name].derivative(X, order)
    # A few units of float64 roundoff (2.2e-16) in each of the ~10
    # operations of the longest formula (Mish''), with margin; near the
    # roots of f'' the condition number adds a factor of up to 100.
    assert relative_error(ours, ref).max() < 1e-12


def test_pytorch_cancels_where_we_do_not():
    # PyTorch's exact GELU is 0.5 x (1 + erf(x / sqrt 2)): at x = -10 the
    # bracket is 1 - (1 - 1.5e-23), which float64 rounds to 0.
    torch = pytest.importorskip("torch")
    x = np.array([-10.0])
    exact = reference("gelu", x)
    theirs = torch.nn.functional.gelu(torch.tensor(x)).numpy()
    assert relative_error(theirs, exact)[0] == pytest.approx(1.0)
    assert relative_error(ACTIVATIONS["gelu"].fn(x), exact)[0] < 1e-14


def test_reference_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown activation"):
        reference("swish2", [1.0])
