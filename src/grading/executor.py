"""Return executors: where and how a student's notebook runs when graded.

Autograding runs the student's code. An executor decides how: today the
one executor, :class:`LocalKernel`, starts an ordinary Jupyter kernel of
the grading environment with a time limit per cell. An isolated executor
(a kernel inside a sandbox) plugs in by implementing the same
:class:`Executor` protocol, for example by setting nbgrader's
``Execute.kernel_manager_class`` to a kernel manager that starts the
kernel in a sandbox; nothing else in :mod:`grading` needs to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from traitlets.config import Config


class Executor(Protocol):
    """What :func:`grading.autograde.autograde` needs from an executor."""

    #: A short name, shown in logs and reports.
    name: str

    def configure(self, config: Config) -> None:
        """Set the nbgrader options that make notebooks run this way."""


@dataclass(frozen=True)
class LocalKernel:
    """Return an executor that runs notebooks in a local kernel.

    The kernel is the one the notebook names (``python3``, the grading
    environment's own Python). Student code is *not* isolated from the
    grading machine: use it for trusted submissions and for tests.

    Parameters
    ----------
    timeout
        Seconds a single cell may run before it is interrupted and counted
        as an error; a positive integer.
    """

    timeout: int = 120
    name: str = "local kernel"

    def __post_init__(self) -> None:
        if not isinstance(self.timeout, int) or self.timeout <= 0:
            raise ValueError(
                f"timeout must be a positive number of seconds, "
                f"got {self.timeout!r}"
            )

    def configure(self, config: Config) -> None:
        """Set the per-cell time limit of nbgrader's Execute step."""
        config.Execute.timeout = self.timeout
        # A failing cell must not stop the notebook: every later part is
        # still graded.
        config.Execute.allow_errors = True
