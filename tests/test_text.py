"""Text that students choose is inert on the terminal and in the CSV files."""

from __future__ import annotations

import csv
import io

import pytest

from actzoo_grader import grades
from actzoo_grader.autograde import Progress
from actzoo_grader.course import Course
from actzoo_grader.text import csv_cell, inert

HOSTILE = [
    "\x1b[2K\rgraded everyone",
    "bob\nex1: graded mallory in 1.0 s",
    "\x1b]8;;http://example.com\x07link\x1b]8;;\x07",
    "eve\u202etxt.exe",
    "\x9b31m",
    "\x00\x08\x7f",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_inert_leaves_no_control_character(text):
    shown = inert(text)
    assert all(ch.isprintable() for ch in shown), repr(shown)
    assert "\n" not in shown and "\x1b" not in shown
    # Nothing is lost: the escapes read back as the original text.
    assert shown.encode().decode("unicode_escape") == text


def test_inert_keeps_ordinary_text():
    for text in ("Zoë Müller", "李雷", "ex1: graded bob in 1.2 s", "a b\tc"[:3]):
        assert inert(text) == text


@pytest.mark.parametrize("value", ["=1+1", "+SUM(A1)", "-2+3", "@cmd"])
def test_csv_cell_neutralises_formulas(value):
    cell = csv_cell(value)
    assert cell.startswith("'"), cell
    assert cell[1:].encode().decode("unicode_escape") == value


def test_csv_cell_escapes_a_leading_tab():
    assert csv_cell("\t=1") == "\\t=1"


def test_csv_cell_keeps_numbers_and_names():
    assert csv_cell(-0.5) == "-0.5"
    assert csv_cell(18.0) == "18"
    assert csv_cell("jane_doe") == "jane_doe"
    assert csv_cell("Zoë") == "Zoë"


def test_progress_line_is_inert():
    stream = io.StringIO()
    bar = Progress(2, "ex1\x1b[31m", stream)
    bar.update("\x1b[2K\rmallory\nex1 [###] 2/2 graded", True, False)
    written = stream.getvalue()
    assert "\x1b" not in written and "\r" not in written
    assert written.count("\n") == 1


def test_grades_csv_cells_are_not_formulas(tmp_path, monkeypatch):
    rows = [
        grades.PartScore('=HYPERLINK("x")', "ex1", "ex1.ipynb", "@part", 2.0, 2.0),
        grades.PartScore("-1+1", "ex1", "ex1.ipynb", "test_relu", 0.0, 2.0),
    ]
    monkeypatch.setattr(grades, "part_scores", lambda *a, **k: rows)
    course = Course(root=tmp_path / "course")
    grades_csv, parts_csv = grades.write_csv(course, tmp_path)
    for path in (grades_csv, parts_csv):
        with open(path, newline="", encoding="utf-8") as fh:
            table = list(csv.reader(fh))[1:]
        cells = [cell for row in table for cell in row]
        assert not [c for c in cells if c[:1] in "=+@" or c.startswith("-1")]
        assert {'\'=HYPERLINK("x")', "'-1+1"} <= set(cells)
    with open(parts_csv, newline="", encoding="utf-8") as fh:
        parts = list(csv.DictReader(fh))
    assert [p["part"] for p in parts] == ["'@part", "test_relu"]
    assert [p["score"] for p in parts] == ["2", "0"]


def test_a_csv_file_is_replaced_only_when_complete(tmp_path, monkeypatch):
    path = tmp_path / "grades.csv"
    path.write_text("earlier\n")

    class Broken:
        def __iter__(self):
            yield ["student", "score"]
            raise OSError("the disk is full")

    with pytest.raises(OSError, match="disk is full"):
        grades.replace_csv(path, Broken())
    assert path.read_text() == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]
    grades.replace_csv(path, [["student", "score"], ["=1+1", 2.0]])
    assert path.read_bytes() == b"student,score\r\n'=1+1,2\r\n"
