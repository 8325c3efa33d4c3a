"""Return feedback pages for students: scores and test messages, no hidden tests.

nbgrader's own feedback renders the autograded notebook, in which the
hidden tests have been put back, so students would read the hidden tests'
source. These pages are built instead from three things only: the scores
in the gradebook, the student's own code, and for each test cell the
version the student was given (from the release, without hidden tests)
with the messages of any error it raised. Tracebacks are left out too,
because they quote the source lines around the failing statement.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from actzoo_grader.assignment import source_text, title_of
from actzoo_grader.course import Course, nbgrader_environment
from actzoo_grader.grades import PartScore, part_scores

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# nbgrader's markers around hidden tests, "### BEGIN ..." and "### END ...";
# spelt in parts, so that this module's own text holds no marker line.
_HIDDEN = "HIDDEN" + r"\s+" + "TESTS"
_BEGIN = re.compile(rf"^\s*#+\s*BEGIN\s+{_HIDDEN}\s*$")
_END = re.compile(rf"^\s*#+\s*END\s+{_HIDDEN}\s*$")
#: Hidden-test lines shorter than this (spaces aside) are not looked for:
#: ``pass`` or ``else:`` give nothing away.
MIN_SECRET_CHARS = 8
#: What a withheld piece of text is replaced with.
WITHHELD = (
    "[withheld: this text quotes the hidden tests, which stay confidential "
    "until the grades are final]"
)


def _flat(text: str) -> str:
    return " ".join(text.split())


def hidden_lines(sources: list[str], released: dict[str, Any]) -> set[str]:
    """Return the hidden tests' lines that a student must not read.

    ``sources`` are the test cells as the gradebook holds them; a line
    counts when it lies between the hidden-test markers, has at least
    :data:`MIN_SECRET_CHARS` characters other than spaces and is not part
    of any line of the released notebook (which students have anyway).
    Lines are compared with whitespace runs read as one space.
    """
    shown = "\n".join(
        _flat(line)
        for cell in released.get("cells", [])
        for line in source_text(cell).splitlines()
    )
    found: set[str] = set()
    for source in sources:
        inside = False
        for line in source.splitlines():
            if _BEGIN.match(line):
                inside = True
            elif _END.match(line):
                inside = False
            elif inside:
                text = _flat(line)
                if len(text.replace(" ", "")) >= MIN_SECRET_CHARS and text not in shown:
                    found.add(text)
    return found


def scrub(text: str, secrets: set[str]) -> str:
    """Return ``text``, or :data:`WITHHELD` if it quotes a hidden-test line."""
    flat = _flat(text)
    return WITHHELD if any(s in flat for s in secrets) else text


_STYLE = """
body { font-family: sans-serif; max-width: 50em; margin: 2em auto;
       line-height: 1.4; color: #222; }
pre { background: #f5f5f5; padding: 0.6em; overflow-x: auto; }
.part { border-top: 1px solid #ccc; margin-top: 1.5em; }
.ok { color: #1a7f37; } .bad { color: #b42318; }
.msg { background: #fdecea; padding: 0.6em; white-space: pre-wrap; }
table { border-collapse: collapse; } td, th { padding: 0.2em 0.8em;
       border-bottom: 1px solid #ddd; text-align: left; }
"""


def error_messages(cell: dict[str, Any]) -> list[str]:
    """Return ``"<error type>: <message>"`` for each error output of a cell."""
    return [
        _ANSI.sub("", f"{out.get('ename', 'Error')}: {out.get('evalue', '')}")
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]


def _load(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def render(
    student: str,
    assignment: str,
    notebook: str,
    graded: dict[str, Any],
    released: dict[str, Any],
    scores: list[PartScore],
    secrets: set[str] | None = None,
) -> str:
    """Return the feedback page of one notebook as HTML.

    Parameters
    ----------
    graded
        The autograded notebook (hidden tests included, with outputs).
    released
        The notebook the student was given; test cells are shown from it.
    scores
        The scores of this student's notebook.
    secrets
        The hidden tests' lines (:func:`hidden_lines`): a message or code
        that quotes one is withheld (:func:`scrub`), whatever printed it.
    """
    secrets = secrets or set()
    given = {
        c["metadata"]["nbgrader"]["grade_id"]: c
        for c in released["cells"]
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    }
    by_part = {s.part: s for s in scores}
    total = sum(s.score for s in scores)
    possible = sum(s.max_score for s in scores)
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(s.part)}</td><td>{s.score:g} / {s.max_score:g}</td></tr>"
        for s in scores
    )
    body = [
        f"<h1>{esc(assignment)}: feedback for {esc(student)}</h1>",
        f"<p>Notebook <code>{esc(notebook)}.ipynb</code>. "
        f"Score: <b>{total:g} / {possible:g}</b>.</p>",
        f"<table><tr><th>part</th><th>points</th></tr>{rows}</table>",
    ]
    for cell in graded["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if cell.get("cell_type") != "code" or not grade_id:
            continue
        if meta.get("grade"):
            # Never the graded cell's own source: it holds the hidden tests.
            shown = source_text(given.get(grade_id, {"source": ""}))
            heading = title_of(shown, grade_id)
            score = by_part.get(grade_id)
            mark = (
                ""
                if score is None
                else f" <span class='{'ok' if score.score == score.max_score else 'bad'}'>"
                f"{score.score:g} / {score.max_score:g}</span>"
            )
            label = "The visible tests of this part"
        else:
            shown = source_text(cell)
            heading, mark = f"Your code: {grade_id}", ""
            label = "Your code"
        shown = scrub(shown, secrets)
        messages = [scrub(m, secrets) for m in error_messages(cell)]
        body.append(f"<div class='part'><h2>{esc(heading)}{mark}</h2>")
        body.append(f"<p>{label}:</p><pre>{esc(shown)}</pre>")
        if messages:
            body.append(
                "<p>What went wrong:</p>"
                + "".join(f"<div class='msg'>{esc(m)}</div>" for m in messages)
            )
        elif meta.get("grade"):
            body.append("<p class='ok'>All tests of this part passed.</p>")
        body.append("</div>")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(assignment)}: {esc(student)}</title>"
        f"<style>{_STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def write_feedback(
    course: Course, assignment: str, students: list[str] | None = None
) -> list[Path]:
    """Return the feedback pages written for ``assignment``.

    Pages go to ``<course>/feedback/<student>/<assignment>/<notebook>.html``
    for every autograded student (or only ``students``).
    """
    from nbgrader.api import Gradebook

    scores = part_scores(course, assignment)
    tests: dict[str, list[str]] = {}
    with nbgrader_environment(), Gradebook(course.db_url) as gb:
        for nb in gb.find_assignment(assignment).notebooks:
            tests[nb.name] = [c.source for c in nb.source_cells if c.locked]
    written: list[Path] = []
    for folder in sorted(course.autograded_dir.glob(f"*/{assignment}")):
        student = folder.parent.name
        if students and student not in students:
            continue
        for path in sorted(folder.glob("*.ipynb")):
            released = course.released(assignment) / path.name
            mine = [
                s for s in scores if s.student == student and s.notebook == path.stem
            ]
            given = _load(released)
            secrets = hidden_lines(tests.get(path.stem, []), given)
            page = render(
                student, assignment, path.stem, _load(path), given, mine, secrets
            )
            out = course.feedback(assignment, student) / f"{path.stem}.html"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(page, encoding="utf-8")
            written.append(out)
    return written
