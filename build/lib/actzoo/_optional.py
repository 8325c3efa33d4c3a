"""The optional dependency PyTorch, and the error that names its extra.

The core of :mod:`actzoo` needs NumPy, SciPy and Matplotlib only. The
modules that train networks import PyTorch through :func:`require_torch`,
so that a light install says what to add instead of failing with a bare
``ModuleNotFoundError``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: What to install for the features that need PyTorch.
TORCH_EXTRA = 'pip install "actzoo[torch]"'


def missing_torch(feature: str) -> ModuleNotFoundError:
    """Return the error for ``feature`` when PyTorch is not installed."""
    return ModuleNotFoundError(
        f"{feature} needs PyTorch, which is not installed; "
        f"install it with: {TORCH_EXTRA}",
        name="torch",
    )


def require_torch(feature: str) -> ModuleType:
    """Return the ``torch`` module, or raise an error naming the extra.

    Parameters
    ----------
    feature : str
        What needs PyTorch (a module or function name), for the message.
    """
    try:
        return importlib.import_module("torch")
    except ModuleNotFoundError as err:
        if err.name != "torch":
            raise
        raise missing_torch(feature) from None
