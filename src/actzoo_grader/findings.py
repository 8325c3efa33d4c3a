"""Return findings: what the grader noticed about a submission.

Every layer of the guard reports in the same terms: rebuilding the
notebook on its release (:mod:`actzoo_grader.rebuild`) and running it under
guard (:mod:`actzoo_grader.run`). The findings end up in the run's report
and in the instructor's ``DETECTED`` lines.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """Something the grader noticed about a submission.

    ``tampering`` findings cost the points of the test cells they affect;
    the others are reported only.
    """

    kind: str
    cell: str
    detail: str
    tampering: bool

    def as_dict(self) -> dict[str, Any]:
        """Return the finding as a JSON-ready dictionary."""
        return asdict(self)
