"""actzoo: the package behind The Activation Zoo course.

The activations and their derivatives are importable from the top level::

    from actzoo import relu, relu_grad, relu_grad2, ACTIVATIONS

Everything else lives in submodules named for what they do, for example
:mod:`actzoo.plotting` for the course's one plotting style.
"""

from actzoo.activations import *  # noqa: F403
from actzoo.activations import __all__ as _activation_names
from actzoo.registry import ACTIVATIONS, Activation

__all__ = [*_activation_names, "ACTIVATIONS", "Activation"]
__version__ = "0.1.0"
