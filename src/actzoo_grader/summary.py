"""Return the summary of an assignment's grading: how the class did, and why.

One summary per assignment, from two sources the grading steps leave in
the course folder: the gradebook's part scores
(:func:`actzoo_grader.grades.part_scores`) and the run reports
(``reports/<assignment>/<student>.json``, written by
:func:`actzoo_grader.autograde.autograde`). It counts the students
graded, failed and flagged; gives the distribution of the graded
students' totals (a histogram of fixed bins over 0 to the assignment's
points, mean and median), each part's pass rate (a part passes when it
scored its full points), the hardest part, and who failed or was
flagged and why.

The functions that compute take plain data (a list of
:class:`~actzoo_grader.grades.PartScore`, the reports as dictionaries),
so they are tested without grading; :func:`write_summary` reads a course
folder and writes ``summary/<assignment>.txt`` and ``.png`` there.
"""

from __future__ import annotations

import math
import os
import statistics
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actzoo_grader.course import Course, read_json_object
from actzoo_grader.grades import PartScore, totals
from actzoo_grader.text import inert

#: The histogram's number of bins, over 0 to the assignment's points.
BINS = 10
#: The widest bar of the text histogram, in characters.
BAR_WIDTH = 40
#: What a line about one student keeps of a reason or a detection.
REASON_CHARS = 100
#: The folder of the course that holds the summaries.
SUMMARY = "summary"


@dataclass(frozen=True)
class Bin:
    """One bin of a histogram: ``[low, high)``, the last one ``[low, high]``."""

    low: float
    high: float
    count: int


@dataclass(frozen=True)
class PartRate:
    """How many of the graded students passed one part (scored its points)."""

    notebook: str
    part: str
    points: float
    passed: int
    students: int
    title: str = ""

    @property
    def rate(self) -> float:
        """Return the fraction of students who passed, ``passed / students``."""
        return self.passed / self.students if self.students else math.nan


@dataclass
class Summary:
    """What :func:`summarise` found about one assignment."""

    assignment: str
    #: Every student with a score in the gradebook or a report.
    students: list[str]
    #: The totals of the graded (not failed) students, by student.
    scores: dict[str, float]
    max_points: float
    histogram: list[Bin]
    rates: list[PartRate]
    hardest: list[PartRate]
    #: The students the grader could not run, with the reason.
    failed: dict[str, str] = field(default_factory=dict)
    #: The graded students whose run was flagged, with the report's lines.
    flagged: dict[str, list[str]] = field(default_factory=dict)
    #: Students with a report but no score: their grading did not finish.
    unstored: list[str] = field(default_factory=list)

    @property
    def mean(self) -> float | None:
        """Return the graded students' mean total, or None if none was graded."""
        return statistics.fmean(self.scores.values()) if self.scores else None

    @property
    def median(self) -> float | None:
        """Return the graded students' median total, or None if none was graded."""
        return statistics.median(self.scores.values()) if self.scores else None


def histogram(
    scores: Sequence[float], max_points: float, bins: int = BINS
) -> list[Bin]:
    """Return the counts of ``scores`` in ``bins`` equal bins over ``[0, max_points]``.

    Bin ``k`` holds the scores ``s`` with ``k <= s * bins / max_points <
    k + 1``; the last bin also holds ``max_points`` itself, and a score
    outside ``[0, max_points]`` counts in the nearest bin.

    Raises
    ------
    ValueError
        If ``max_points`` is not positive or ``bins`` is not a positive
        integer.
    """
    if not max_points > 0:
        raise ValueError(f"histogram: max_points must be positive, got {max_points!r}")
    if not isinstance(bins, int) or isinstance(bins, bool) or bins < 1:
        raise ValueError(f"histogram: bins must be a positive integer, got {bins!r}")
    counts = [0] * bins
    for score in scores:
        # Totals are sums in floating point: 0.1 + 0.7 of 1.0 points is
        # 0.7999999999999999, still 8 tenths. A tolerance of 1e-9 bins keeps
        # a score on an edge in the bin it starts.
        k = math.floor(score * bins / max_points + 1e-9)
        counts[min(max(k, 0), bins - 1)] += 1
    width = max_points / bins
    return [
        Bin(k * width, max_points if k == bins - 1 else (k + 1) * width, n)
        for k, n in enumerate(counts)
    ]


def pass_rates(
    scores: Sequence[PartScore],
    titles: Mapping[tuple[str, str], str] | None = None,
) -> list[PartRate]:
    """Return each part's pass rate in ``scores``, parts in order of appearance.

    A part passes for a student when it scored its full points (``score >=
    max_score``). ``titles`` maps ``(notebook, part)`` to the part's title,
    such as ``Part (a): ReLU and its derivative``.
    """
    titles = titles or {}
    points: dict[tuple[str, str], float] = {}
    passed: dict[tuple[str, str], int] = {}
    students: dict[tuple[str, str], int] = {}
    for row in scores:
        key = (row.notebook, row.part)
        points[key] = max(points.get(key, 0.0), row.max_score)
        passed[key] = passed.get(key, 0) + (row.score >= row.max_score)
        students[key] = students.get(key, 0) + 1
    return [
        PartRate(key[0], key[1], points[key], passed[key], n, titles.get(key, ""))
        for key, n in students.items()
    ]


def hardest(rates: Sequence[PartRate]) -> list[PartRate]:
    """Return the parts with the lowest pass rate (all of them when tied).

    Empty when no part was graded.
    """
    graded = [r for r in rates if r.students]
    if not graded:
        return []
    lowest = min(r.rate for r in graded)
    return [r for r in graded if r.rate == lowest]


def failure(report: Mapping[str, Any]) -> str | None:
    """Return why the grader could not run a submission, or None if it ran.

    A report fails when it gives a reason as ``failed``, or when none of
    the submission's notebooks ran; the reason is then the report's notes
    (a missing or unreadable notebook, a linked folder, an error of the
    grader).
    """
    reason = report.get("failed")
    if reason:
        return str(reason)
    if report.get("notebooks"):
        return None
    return "; ".join(str(n) for n in report.get("notes", [])) or "no notebook ran"


def detections(report: Mapping[str, Any]) -> list[str]:
    """Return what a run report flags, as autograde's ``DETECTED`` lines.

    These are the report's notes, tampering findings, restarts, timeouts,
    dropped output and processes that had to be killed.
    """
    # The lines autograde printed, so that the two never disagree.
    from actzoo_grader.autograde import _detections

    return _detections(dict(report))


def summarise(
    assignment: str,
    scores: Sequence[PartScore],
    reports: Mapping[str, Mapping[str, Any]],
    titles: Mapping[tuple[str, str], str] | None = None,
    bins: int = BINS,
) -> Summary:
    """Return the summary of one assignment's grading.

    Parameters
    ----------
    assignment
        The assignment's name; rows of ``scores`` for another one are
        ignored.
    scores
        The gradebook's part scores (:func:`actzoo_grader.grades.part_scores`).
    reports
        The run reports by student; a student without one (graded by plain
        nbgrader) counts as graded and unflagged.
    titles
        Each part's title by ``(notebook, part)``.
    bins
        The histogram's number of bins.

    Returns
    -------
    Summary
        Students who failed (:func:`failure`) are counted and named, but
        their zeros are left out of the distribution and the pass rates,
        which describe the submissions that were graded.
    """
    rows = [r for r in scores if r.assignment == assignment]
    failed = {s: why for s, r in sorted(reports.items()) if (why := failure(r))}
    kept = [r for r in rows if r.student not in failed]
    sums = {s: total for s, _, total, _ in totals(kept)}
    max_points = max((m for *_, m in totals(rows)), default=0.0)
    rates = pass_rates(kept, titles)
    scored = {r.student for r in rows}
    flagged = {
        s: lines
        for s, r in sorted(reports.items())
        if s not in failed and (lines := detections(r))
    }
    return Summary(
        assignment=assignment,
        students=sorted(scored | set(reports)),
        scores=sums,
        max_points=max_points,
        histogram=histogram(list(sums.values()), max_points, bins)
        if max_points > 0
        else [],
        rates=rates,
        hardest=hardest(rates),
        failed=failed,
        flagged=flagged,
        unstored=sorted(set(reports) - scored - set(failed)),
    )


def _brief(text: str, limit: int = REASON_CHARS) -> str:
    text = inert(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_text(summary: Summary) -> str:
    """Return the summary as lines of text, student-chosen text made inert."""
    s = summary
    lines = [
        f"{inert(s.assignment)}: {len(s.students)} student(s): {len(s.scores)} graded, "
        f"{len(s.failed)} failed, {len(s.flagged)} flagged"
    ]
    if s.unstored:
        lines.append(
            f"{len(s.unstored)} with a report but no score, autograde again: "
            + ", ".join(inert(u) for u in s.unstored)
        )
    if s.mean is None or s.median is None:
        lines.append("no graded submission: no distribution, no pass rates")
    else:
        lines.append(
            f"scores of the {len(s.scores)} graded, out of {s.max_points:g} "
            f"points: mean {s.mean:.2f}, median {s.median:g}"
        )
        most = max(b.count for b in s.histogram)
        for i, b in enumerate(s.histogram):
            close = "]" if i == len(s.histogram) - 1 else ")"
            bar = "#" * round(BAR_WIDTH * b.count / most) if most else ""
            lines.append(
                f"  [{b.low:>5g}, {b.high:>5g}{close} {bar:<{BAR_WIDTH}} {b.count}"
            )
        lines.append("parts (passed: scored their full points):")
        width = max(len(inert(r.part)) for r in s.rates) if s.rates else 0
        for r in s.rates:
            lines.append(
                f"  {inert(r.part):<{width}}  {r.points:>4g} pt  "
                f"{r.rate:>4.0%} passed ({r.passed}/{r.students})"
                + (f"  {inert(r.title)}" if r.title else "")
            )
        if s.hardest:
            if s.hardest[0].passed == s.hardest[0].students:
                lines.append("hardest part: none, every part was passed by all")
            else:
                names = ", ".join(inert(r.part) for r in s.hardest)
                label = "hardest part" if len(s.hardest) == 1 else "hardest parts"
                lines.append(f"{label} ({s.hardest[0].rate:.0%} passed): {names}")
    lines.append(f"failed: {len(s.failed)}")
    for student, why in s.failed.items():
        lines.append(f"  {inert(student)}: {_brief(why)}")
    count = sum(len(v) for v in s.flagged.values())
    lines.append(f"detections: {count} in {len(s.flagged)} student(s)")
    for student, found in s.flagged.items():
        more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
        lines.append(f"  {inert(student)}: {_brief(found[0])}{more}")
    return "\n".join(lines) + "\n"


def write_png(summary: Summary, path: Path) -> Path:
    """Return ``path``, where a PNG of the summary's histogram was written.

    The figure is drawn with the course style on Matplotlib's Agg canvas
    (no display needed) and saved without the Software tag, so the same
    summary gives the same bytes.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from actzoo.plotting import style

    s = summary
    with style():
        fig = Figure()
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        if s.histogram and s.scores:
            ax.bar(
                [b.low for b in s.histogram],
                [b.count for b in s.histogram],
                width=[b.high - b.low for b in s.histogram],
                align="edge",
                color="#0072B2",
                edgecolor="white",
            )
            ax.axvline(s.mean or 0.0, color="#D55E00", label=f"mean {s.mean:.2f}")
            ax.axvline(
                s.median or 0.0,
                color="#000000",
                linestyle="--",
                label=f"median {s.median:g}",
            )
            ax.set_xlim(0, s.max_points)
            # Headroom above the tallest bar, for the legend.
            ax.set_ylim(0, 1.3 * max(b.count for b in s.histogram))
            ax.legend(loc="upper center", ncols=2, frameon=True, framealpha=1.0)
        else:
            ax.text(0.5, 0.5, "no graded submission", ha="center", va="center")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(f"total score (points, out of {s.max_points:g})")
        ax.set_ylabel("students")
        ax.set_title(
            inert(f"{s.assignment}: scores of {len(s.scores)} graded student(s)")
        )
        _atomic(
            path,
            lambda tmp: fig.savefig(tmp, format="png", metadata={"Software": None}),
        )
    return path


def _atomic(path: Path, write: Callable[[str], object]) -> None:
    """Write ``path`` through ``write(tmp)``, replacing it only when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_reports(course: Course, assignment: str) -> dict[str, dict[str, Any]]:
    """Return ``assignment``'s run reports in ``course``, by student.

    Raises
    ------
    ValueError
        If a report is not a JSON object (a run interrupted while writing it).
    """
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(course.reports(assignment).glob("*.json")):
        found[path.stem] = read_json_object(path, "the report")
    return found


def part_titles(course: Course, assignment: str) -> dict[tuple[str, str], str]:
    """Return each part's title by ``(notebook, part)``, from ``solutions/``."""
    from actzoo_grader.assignment import parts

    return {
        (name, p.grade_id): p.title
        for name in course.notebooks(assignment)
        for p in parts(course.solutions / assignment / f"{name}.ipynb")
    }


def write_summary(
    course: Course, assignment: str, scores: Sequence[PartScore]
) -> tuple[str, Path, Path]:
    """Return the summary's text and the paths of its text and PNG files.

    They are ``<course>/summary/<assignment>.txt`` and ``.png``, each
    replaced only once its new version is complete.
    """
    summary = summarise(
        assignment,
        scores,
        load_reports(course, assignment),
        part_titles(course, assignment),
    )
    lines = as_text(summary)
    folder = course.root / SUMMARY
    txt = folder / f"{assignment}.txt"
    _atomic(txt, lambda tmp: Path(tmp).write_text(lines, encoding="utf-8"))
    png = write_png(summary, folder / f"{assignment}.png")
    return lines, txt, png
