"""The summary of an assignment: distribution, pass rates, failures, detections.

The functions are checked on constructed scores and reports, whose
histogram counts, mean, median and pass rates are known by hand; the
command on a course folder whose gradebook is written directly (nbgrader
records the assignment, then each student's part scores are set), so no
notebook runs here. ``tests/test_grading_workflow.py`` checks the summary
of a course that was really graded.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import pytest

from actzoo.plotting import RC_PARAMS
from actzoo_grader.__main__ import main
from actzoo_grader.autograde import prepare
from actzoo_grader.course import REPO, Course, nbgrader_environment
from actzoo_grader.grades import PartScore
from actzoo_grader.summary import (
    as_text,
    failure,
    hardest,
    histogram,
    load_reports,
    pass_rates,
    summarise,
    write_png,
)

ASSIGNMENT = "ex1_activations"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _rows(student: str, scores: dict[str, tuple[float, float]]) -> list[PartScore]:
    """Return one student's part scores, ``{part: (score, max_score)}``."""
    return [
        PartScore(student, "ex", "nb", part, score, top)
        for part, (score, top) in scores.items()
    ]


def _class(
    table: dict[str, tuple[float, float, float]],
    points: tuple[float, float, float] = (2.0, 3.0, 5.0),
) -> list[PartScore]:
    """Return the part scores of parts a, b, c with ``points``, by student."""
    return [
        row
        for student, scores in table.items()
        for row in _rows(student, dict(zip("abc", zip(scores, points))))
    ]


# A class of four on parts a (2 points), b (3) and c (5): totals 10, 7, 4
# and 0. Part a is passed by three, b by one (cy's 2.5 of 3 is no pass),
# c by one.
CLASS = _class(
    {
        "ada": (2, 3, 5),
        "ben": (2, 0, 5),
        "cy": (2, 2.5, 0),
        "dee": (0, 0, 0),
    }
)

RAN = {"student": "x", "notebooks": {"nb": {"findings": []}}, "notes": []}


def _png_size(data: bytes) -> tuple[int, int]:
    """Return a PNG's (width, height) from its IHDR chunk."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# ----------------------------------------------------------- the histogram


def test_the_histogram_counts_known_scores():
    bins = histogram([0, 0.5, 1, 3, 9.99, 10, 10], 10)
    assert [b.count for b in bins] == [2, 1, 0, 1, 0, 0, 0, 0, 0, 3]
    assert [(b.low, b.high) for b in bins[:2]] == [(0.0, 1.0), (1.0, 2.0)]
    assert bins[-1].high == 10


def test_a_score_on_an_edge_starts_its_bin():
    # Totals are sums of part points in floating point: 0.1 + 0.7 is
    # 0.7999999999999999, which is 8 tenths of 0.1 + 0.2 + 0.7 = 1.0 all
    # the same, so it starts the ninth bin, [0.8, 0.9).
    points = sum([0.1, 0.2, 0.7])
    bins = histogram([sum([0.1, 0.7]), sum([0.1, 0.2])], points)
    assert [b.count for b in bins] == [0, 0, 0, 1, 0, 0, 0, 0, 1, 0]
    # 0.3 of 0.1 + 0.2 + 0.3 = 0.6000000000000001 is one half: bin 5.
    assert histogram([0.3], sum([0.1, 0.2, 0.3]))[5].count == 1
    for points in (18, 7, 0.3, 23):
        edges = [points * k / 10 for k in range(10)]
        assert [b.count for b in histogram(edges, points)] == [1] * 10, points


def test_scores_outside_the_range_count_in_the_nearest_bin():
    counts = [b.count for b in histogram([-1, 11], 10, bins=5)]
    assert counts == [1, 0, 0, 0, 1]


@pytest.mark.parametrize(
    ("points", "bins", "name"), [(0, 10, "max_points"), (10, 0, "bins")]
)
def test_the_histogram_refuses_a_bad_argument(points, bins, name):
    with pytest.raises(ValueError, match=f"histogram: {name}"):
        histogram([1], points, bins)


# ------------------------------------------------- distribution and parts


def test_mean_and_median_of_the_totals():
    s = summarise("ex", CLASS, {})
    assert s.scores == {"ada": 10, "ben": 7, "cy": 4.5, "dee": 0}
    assert s.max_points == 10
    assert s.mean == pytest.approx(21.5 / 4, abs=1e-12)
    assert s.median == pytest.approx(5.75, abs=1e-12)
    assert [b.count for b in s.histogram] == [1, 0, 0, 0, 1, 0, 0, 1, 0, 1]


def test_a_part_passes_only_with_its_full_points():
    rates = {r.part: r for r in pass_rates(CLASS)}
    assert [(r.passed, r.students, r.points) for r in rates.values()] == [
        (3, 4, 2.0),
        (1, 4, 3.0),
        (2, 4, 5.0),
    ]
    assert rates["a"].rate == 0.75


def test_the_hardest_part_names_every_tie():
    rates = pass_rates(_class({"ada": (2, 3, 0), "ben": (2, 0, 5), "cy": (0, 0, 0)}))
    assert [r.part for r in hardest(rates)] == ["b", "c"]
    assert [r.part for r in hardest(pass_rates(CLASS))] == ["b"]
    assert hardest([]) == []


def test_a_part_nobody_passed():
    s = summarise("ex", _class({"ada": (2, 0, 5), "ben": (0, 1, 5)}), {})
    assert [r.part for r in s.hardest] == ["b"]
    assert s.hardest[0].passed == 0
    text = as_text(s)
    assert "hardest part (0% passed): b\n" in text
    assert "0% passed (0/2)" in text


def test_when_everyone_passed_every_part_none_is_hardest():
    s = summarise("ex", _class({"ada": (2, 3, 5), "ben": (2, 3, 5)}), {})
    assert len(s.hardest) == 3
    assert "hardest part: none" in as_text(s)


def test_an_empty_assignment(tmp_path):
    s = summarise("ex", [], {})
    assert (s.students, s.scores, s.histogram, s.rates, s.hardest) == (
        [],
        {},
        [],
        [],
        [],
    )
    assert s.mean is None and s.median is None
    text = as_text(s)
    assert text.startswith("ex: 0 student(s): 0 graded, 0 failed, 0 flagged\n")
    assert "no graded submission" in text
    assert _png_size(write_png(s, tmp_path / "ex.png").read_bytes())


def test_part_titles_and_other_assignments():
    other = [PartScore("zed", "other", "nb", "a", 0.0, 2.0)]
    s = summarise("ex", CLASS + other, {}, {("nb", "a"): "Part (a): ReLU"})
    assert "zed" not in s.students
    assert s.rates[0].title == "Part (a): ReLU"
    assert "Part (a): ReLU" in as_text(s)


# ------------------------------------------------- failures and detections


def test_a_report_fails_when_no_notebook_ran_or_it_says_so():
    assert failure(RAN) is None
    assert failure({"notebooks": {}, "notes": ["nb.ipynb is missing"]}) == (
        "nb.ipynb is missing"
    )
    assert failure({"notebooks": {}, "notes": []}) == "no notebook ran"
    assert failure({**RAN, "failed": "nb.ipynb: out of memory"}) == (
        "nb.ipynb: out of memory"
    )


def test_failures_and_detections_are_counted_and_named():
    tampered = {
        "student": "ben",
        "notebooks": {
            "nb": {
                "findings": [
                    {
                        "kind": "rebinding",
                        "cell": "test_b",
                        "detail": "assert_close rebound",
                        "tampering": True,
                    }
                ],
                "timeouts": 1,
            }
        },
        "notes": [],
    }
    reports = {
        "ada": RAN,
        "ben": tampered,
        "cy": RAN,
        "dee": {"notebooks": {}, "notes": ["nb.ipynb cannot be read"]},
        "eve": RAN,  # a report, but no score: storing it did not finish
    }
    s = summarise("ex", CLASS, reports)
    assert s.students == ["ada", "ben", "cy", "dee", "eve"]
    assert s.failed == {"dee": "nb.ipynb cannot be read"}
    assert s.unstored == ["eve"]
    assert list(s.flagged) == ["ben"]
    assert s.flagged["ben"] == [
        "nb: rebinding in test_b: assert_close rebound",
        "nb: 1 cell(s) timed out",
    ]
    # dee's zeros are a failure, not a score: left out of the statistics.
    assert s.scores == {"ada": 10, "ben": 7, "cy": 4.5}
    assert [r.students for r in s.rates] == [3, 3, 3]
    text = as_text(s)
    assert text.startswith("ex: 5 student(s): 3 graded, 1 failed, 1 flagged\n")
    assert "  dee: nb.ipynb cannot be read\n" in text
    assert "detections: 2 in 1 student(s)\n" in text
    assert "  ben: nb: rebinding in test_b: assert_close rebound (+1 more)\n" in text
    assert "autograde again: eve" in text


def test_student_chosen_text_is_inert():
    evil = "x\x1b[2J\ny"
    reports = {evil: {"notebooks": {}, "notes": [f"{evil}.ipynb\r is missing"]}}
    text = as_text(summarise("ex", _rows(evil, {"a": (0, 1)}), reports))
    assert "\x1b" not in text and "\r" not in text
    assert "x\\x1b[2J\\ny" in text
    assert len(text.splitlines()) == text.count("\n")


def test_long_reasons_are_cut():
    why = "w" * 500
    text = as_text(summarise("ex", [], {"ada": {"notebooks": {}, "notes": [why]}}))
    (line,) = [line for line in text.splitlines() if line.startswith("  ada:")]
    assert len(line) < 120 and line.endswith("…")


def test_an_unreadable_report_is_named(tmp_path):
    course = Course(root=tmp_path / "course")
    folder = course.reports("ex")
    folder.mkdir(parents=True)
    (folder / "ada.json").write_text(json.dumps(RAN))
    assert load_reports(course, "ex") == {"ada": RAN}
    for text in ('{"student": "ben", "noteb', "[1, 2]"):
        (folder / "ben.json").write_text(text)
        with pytest.raises(ValueError, match=r"ben\.json"):
            load_reports(course, "ex")


# --------------------------------------------------------------- the PNG


def test_the_png_is_written_at_the_course_size_and_repeatable(tmp_path):
    s = summarise("ex", CLASS, {})
    data = write_png(s, tmp_path / "a" / "ex.png").read_bytes()
    width, height = RC_PARAMS["figure.figsize"]
    dpi = RC_PARAMS["savefig.dpi"]
    assert _png_size(data) == (round(width * dpi), round(height * dpi))
    assert write_png(s, tmp_path / "b.png").read_bytes() == data
    assert list(tmp_path.glob("a/.*")) == []  # no partial file left behind

    import matplotlib.image

    image = matplotlib.image.imread(tmp_path / "b.png")
    assert image.shape[:2] == (round(height * dpi), round(width * dpi))


# ------------------------------------------------------------ the command


def _record(course: Course, scores: dict[str, list[float]]) -> None:
    """Give each student the scores listed, in the order of the parts."""
    from nbgrader.api import Gradebook

    with nbgrader_environment(), Gradebook(course.db_url) as gb:
        for student, points in scores.items():
            gb.update_or_create_student(student)
            submission = gb.update_or_create_submission(ASSIGNMENT, student)
            (notebook,) = submission.notebooks
            for grade, score in zip(notebook.grades, points):
                grade.auto_score = score
                grade.needs_manual_grade = False
        gb.db.commit()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course folder whose gradebook holds ex1 for three students."""
    course = Course(root=tmp_path_factory.mktemp("summary") / "course")
    prepare(course, ASSIGNMENT)
    # The parts of ex1 are worth 2, 2, 3, 2, 3, 3, 3 points (18 in all).
    _record(
        course,
        {
            "ada": [2, 2, 3, 2, 3, 3, 3],
            "ben": [2, 2, 0, 0, 0, 0, 0],
            "cy": [0, 0, 0, 0, 0, 0, 0],
        },
    )
    reports = course.reports(ASSIGNMENT)
    reports.mkdir(parents=True)
    for student in ("ada", "ben"):
        report = {**RAN, "student": student}
        (reports / f"{student}.json").write_text(json.dumps(report))
    cy = {"student": "cy", "notebooks": {}, "notes": ["oops.ipynb is missing"]}
    (reports / "cy.json").write_text(json.dumps(cy))
    return course


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_the_command_prints_and_writes_the_summary(course, capsys):
    status, out, err = _run(capsys, "--course", str(course.root), "summary")
    assert (status, err) == (0, "")
    txt = course.root / "summary" / f"{ASSIGNMENT}.txt"
    png = course.root / "summary" / f"{ASSIGNMENT}.png"
    assert out == txt.read_text() + f"{ASSIGNMENT}: wrote {txt} and {png}\n"
    assert out.startswith(
        f"{ASSIGNMENT}: 3 student(s): 2 graded, 1 failed, 0 flagged\n"
        f"scores of the 2 graded, out of 18 points: mean 11.00, median 11\n"
    )
    assert "  cy: oops.ipynb is missing\n" in out
    # Parts (c) to (g) were passed by ada alone: five parts tie.
    hardest_line = next(x for x in out.splitlines() if x.startswith("hardest"))
    assert hardest_line == (
        "hardest parts (50% passed): test_elu, test_selu, test_softplus, "
        "test_silu, test_gelu"
    )
    assert _png_size(png.read_bytes())


def test_the_command_names_one_assignment(course, capsys):
    status, out, _ = _run(capsys, "--course", str(course.root), "summary", ASSIGNMENT)
    assert status == 0 and out.startswith(f"{ASSIGNMENT}: 3 student(s)")


def _refused(capsys, argv: list[str], *words: str) -> None:
    status, out, err = _run(capsys, *argv)
    assert status == 2, (out, err)
    assert "Traceback" not in out + err
    assert len(err.splitlines()) == 1, err
    for word in words:
        assert word in err, err


def test_without_a_gradebook_it_says_autograde_first(tmp_path, capsys):
    folder = tmp_path / "course"
    folder.mkdir()
    _refused(capsys, ["--course", str(folder), "summary"], "autograde first")
    (folder / "gradebook.db").write_bytes(b"")
    _refused(capsys, ["--course", str(folder), "summary"], "autograde first")
    assert not (folder / "summary").exists()


def test_a_missing_course_folder_is_refused(tmp_path, capsys):
    _refused(capsys, ["--course", str(tmp_path / "nope"), "summary"], "nope")


def test_an_unknown_assignment_is_refused(course, capsys):
    argv = ["--course", str(course.root), "summary", "ex9_nothing"]
    _refused(capsys, argv, "unknown assignment", "ex9_nothing", ASSIGNMENT)


def test_an_assignment_not_graded_yet_is_refused(course, capsys):
    argv = ["--course", str(course.root), "summary", "ex2_dead_units"]
    _refused(capsys, argv, "ex2_dead_units", "autograde first")


def test_a_damaged_gradebook_is_refused(tmp_path, capsys):
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "gradebook.db").write_bytes(b"not a database" * 100)
    _refused(capsys, ["--course", str(folder), "summary"], "gradebook")


def test_the_module_runs_as_a_command(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "actzoo_grader", "--course", str(tmp_path), "summary"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "autograde first" in done.stderr


def test_make_summary_passes_the_course_and_assignment(tmp_path):
    args = [f"COURSE={tmp_path}", f"ASSIGNMENT={ASSIGNMENT}"]
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "-C", str(REPO), "summary", *args],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert f'--course "{tmp_path}" summary {ASSIGNMENT}' in done.stdout
    help_text = subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), "help"],
        capture_output=True,
        text=True,
    ).stdout
    assert "make summary" in help_text
