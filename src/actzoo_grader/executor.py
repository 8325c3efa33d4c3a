"""Return executors: where and how a student's notebook runs when graded.

:class:`Guarded` is the executor the course uses: every notebook is
rebuilt on its release, run in a throwaway folder inside a bubblewrap
sandbox with limits, and its test cells are judged in a trusted process
(:mod:`actzoo_grader.rebuild`, :mod:`actzoo_grader.run`,
:mod:`actzoo_grader.trusted`, :mod:`actzoo_grader.sandbox`).
:class:`LocalKernel` is plain nbgrader execution, kept to measure what the
guard costs and for trusted notebooks; it protects nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from traitlets.config import Config

from actzoo_grader.sandbox import Limits


@dataclass(frozen=True)
class Guarded:
    """Return the guarded executor: sanitize, sandbox, trusted verdicts.

    Parameters
    ----------
    limits
        Time, memory, process and output bounds per submission.
    sandboxed
        Run kernels in bubblewrap sandboxes. False runs them as ordinary
        processes of the grading user, with every other guard still on;
        only for machines where sandboxes cannot be made, and reported
        loudly.
    """

    limits: Limits = field(default_factory=Limits)
    sandboxed: bool = True
    name: str = "guarded"

    def __post_init__(self) -> None:
        if not isinstance(self.limits, Limits):
            raise TypeError(
                f"limits must be actzoo_grader.sandbox.Limits, "
                f"got {type(self.limits).__name__}"
            )


@dataclass(frozen=True)
class LocalKernel:
    """Return plain nbgrader execution: a local kernel, a per-cell timeout.

    Student code is *not* isolated from the grading machine and nothing is
    checked for tampering: use it only for trusted notebooks and to
    compare against.

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
                f"timeout must be a positive number of seconds, got {self.timeout!r}"
            )

    def configure(self, config: Config) -> None:
        """Set the per-cell time limit of nbgrader's Execute step."""
        config.Execute.timeout = self.timeout
        # A failing cell must not stop the notebook: every later part is
        # still graded.
        config.Execute.allow_errors = True


#: The executors :func:`actzoo_grader.autograde.autograde` knows; it grades with
#: the guarded pipeline or with nbgrader's own, by which one it is given.
Executor = Guarded | LocalKernel
