"""The students' self-check, ``python -m actzoo.check NOTEBOOK.ipynb``.

* The description of the released notebooks that ships with actzoo is
  exactly what ``exercises/`` gives, and holds no solution or hidden test
  (fast).
* Bad input (no such file, a folder, a file that is not JSON, JSON that is
  not a notebook, a notebook of another course) gets one line starting
  with ``check:`` and exit code 2, never a traceback (fast).
* On notebooks built from the solutions (solved, blank, partly solved,
  tampered with, run out of order, renamed) every part gets the status it
  should, with the test's own message, and the exit code says whether the
  notebook is ready (slow: runs notebooks, a few seconds each).
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from actzoo import check
from actzoo.check import (
    FAILED,
    NOT_ATTEMPTED,
    PASSED,
    check_notebook,
    load_manifest,
    release_manifest,
)
from actzoo_grader.assignment import parts
from actzoo_grader.course import REPO, assignments
from tests.notebooks import leaked_lines, secret_lines, with_answers

ASSIGNMENTS = assignments(REPO / "solutions")
EX1 = "ex1_activations"
EX1_PARTS = [
    "test_relu",
    "test_leaky_relu",
    "test_elu",
    "test_selu",
    "test_softplus",
    "test_silu",
    "test_gelu",
]
EX1_POINTS = 18


def _source(name: str) -> Path:
    return REPO / "solutions" / name / f"{name}.ipynb"


def _released(name: str) -> Path:
    return REPO / "exercises" / name / f"{name}.ipynb"


def _gid(cell: dict[str, Any]) -> str | None:
    return cell["metadata"].get("nbgrader", {}).get("grade_id")


def _cell(nb: dict[str, Any], grade_id: str) -> dict[str, Any]:
    (cell,) = [c for c in nb["cells"] if _gid(c) == grade_id]
    return cell


def _write(folder: Path, nb: dict[str, Any], name: str = f"{EX1}.ipynb") -> Path:
    path = folder / name
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "actzoo.check", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def statuses(report: check.CheckReport) -> dict[str, str]:
    return {p.grade_id: p.status for p in report.parts}


def states(report: check.CheckReport) -> dict[str, str]:
    return {c.grade_id: c.state for c in report.cells}


# ------------------------------------------------------------ the manifest


def test_the_manifest_is_what_exercises_gives():
    assert release_manifest(str(REPO / "exercises")) == load_manifest(), (
        "src/actzoo/_releases.py is out of step with exercises/: run "
        "`make release` or `python -m actzoo.check --write-manifest exercises`"
    )


def test_the_manifest_module_is_what_the_command_writes():
    text = check._manifest_module(release_manifest(REPO / "exercises"))
    namespace: dict[str, Any] = {}
    exec(compile(text, "_releases.py", "exec"), namespace)
    assert namespace["RELEASES"] == load_manifest()


def test_the_manifest_module_keeps_any_source_exactly():
    source = "x = 1  \n\n" + "y = 'a \\\"quoted\\\" word' " * 20 + "\n\tz = 'é'\r\n"
    manifest = {"source": source, "long": "w" * 300, "flags": [True, None, 2]}
    text = check._manifest_module(manifest)
    assert max(len(line) for line in text.splitlines()) <= 132
    namespace: dict[str, Any] = {}
    exec(compile(text, "_releases.py", "exec"), namespace)
    assert namespace["RELEASES"] == manifest


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_manifest_knows_every_part_and_its_points(name):
    release = load_manifest()["assignments"][name]
    assert release["notebook"] == f"{name}.ipynb"
    tests = [c for c in release["cells"] if c["role"] == "test"]
    assert [(c["grade_id"], float(c["points"])) for c in tests] == [
        (p.grade_id, p.points) for p in parts(_released(name))
    ]
    assert all(c["answers"] for c in tests), "a part without an answer cell"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_manifest_holds_no_solution_or_hidden_test(name):
    release = load_manifest()["assignments"][name]
    sources = "\n".join(c.get("source", "") for c in release["cells"])
    assert "### BEGIN" not in sources
    assert leaked_lines(sources, secret_lines(_source(name))) == []
    text = (Path(check.__file__).parent / "_releases.py").read_text()
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text


# ------------------------------------------------------------ bad input


def _other_course(tmp: Path) -> Path:
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": "code",
                "id": "a",
                "metadata": {
                    "nbgrader": {
                        "grade": True,
                        "grade_id": "q1",
                        "points": 1,
                        "locked": True,
                        "solution": False,
                    }
                },
                "source": "assert 1 + 1 == 2",
                "outputs": [],
                "execution_count": None,
            }
        ],
    }
    return _write(tmp, nb, "homework3.ipynb")


BAD_INPUTS = {
    "missing": (lambda tmp: tmp / "ex1_activations.ipynb", "does not exist"),
    "folder": (lambda tmp: tmp, "is a folder, not a notebook"),
    "not json": (
        lambda tmp: _text(tmp, "ex1_activations.ipynb", '{"cells": [\n  {"cell'),
        "is not a notebook that parses: invalid JSON at line 2",
    ),
    "not text": (
        lambda tmp: _bytes(tmp, "ex1_activations.ipynb", b"\x89PNG\x00\xff"),
        "is not a notebook: it is not text",
    ),
    "json, not a notebook": (
        lambda tmp: _text(tmp, "ex1_activations.ipynb", '{"answer": 42}'),
        "is not a Jupyter notebook of format 4",
    ),
    "bad cell": (
        lambda tmp: _text(tmp, "ex1_activations.ipynb", '{"cells": [{"source": 1}]}'),
        "is not a valid notebook: cell 1 has no cell type or no source",
    ),
    "another course": (_other_course, "is not one of The Activation Zoo's exercises"),
}


def _text(tmp: Path, name: str, text: str) -> Path:
    (tmp / name).write_text(text, encoding="utf-8")
    return tmp / name


def _bytes(tmp: Path, name: str, data: bytes) -> Path:
    (tmp / name).write_bytes(data)
    return tmp / name


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_and_exit_code_2(case, tmp_path):
    make, says = BAD_INPUTS[case]
    path = make(tmp_path)
    proc = _run(str(path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0] == f"check: {path} {says}" or (
        lines[0].startswith(f"check: {path} {says}")
    ), lines[0]
    # The library says the same, naming the function and the parameter.
    with pytest.raises(
        ValueError, match=rf"^check_notebook: path .* {re.escape(says)}"
    ):
        check_notebook(path)


@pytest.mark.parametrize(
    "args, says",
    [
        ([], "check: give the notebook to check (usage: python -m actzoo.check"),
        (["a.ipynb", "--timeout", "soon"], "check: argument --timeout: invalid"),
        (["a.ipynb", "--timeout", "-1"], "check: timeout must be positive, got -1.0"),
        (["a.ipynb", "b.ipynb"], "check: unrecognized arguments: b.ipynb"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_code_2(args, says, tmp_path):
    _write(tmp_path, json.loads(_released(EX1).read_text()), "a.ipynb")
    proc = _run(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith(says), proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr


def test_help_says_how_to_use_it():
    proc = _run("--help")
    assert proc.returncode == 0
    assert "usage: python -m actzoo.check" in proc.stdout


def test_a_missing_jupyter_is_one_line(tmp_path, monkeypatch):
    path = _write(tmp_path, json.loads(_released(EX1).read_text()))
    monkeypatch.setattr(check, "_jupyter_missing", lambda: ["nbclient", "ipykernel"])
    with pytest.raises(ModuleNotFoundError, match="pip install jupyter"):
        check_notebook(path)
    assert check.main([str(path)]) == 2


# ------------------------------------------------------------ notebooks


@pytest.fixture(scope="module")
def solved() -> dict[str, Any]:
    return with_answers(_source(EX1), _released(EX1))


@pytest.fixture(scope="module")
def partly() -> dict[str, Any]:
    """Parts (a) and (b) solved, (c) wrong, the others not attempted."""
    nb = with_answers(_source(EX1), _released(EX1), {"relu", "leaky_relu", "elu"})
    elu = _cell(nb, "elu")
    source = "".join(elu["source"])
    assert source.count("np.expm1(") == 1, "the solution's ELU has changed"
    elu["source"] = source.replace("np.expm1(", "np.exp(")
    return nb


@pytest.mark.slow
def test_a_solved_notebook_is_ready(solved, tmp_path):
    proc = _run(str(_write(tmp_path, solved)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert proc.stderr == ""
    rows = re.findall(r"^  (test_\w+) +(\d+) +(passed|failed|not attempted)", out, re.M)
    assert [(gid, status) for gid, _, status in rows] == [
        (gid, PASSED) for gid in EX1_PARTS
    ]
    assert sum(int(points) for _, points, _ in rows) == EX1_POINTS
    assert (
        f"visible tests: {EX1_POINTS} of {EX1_POINTS} points pass; hidden "
        "tests also run when graded, so the final score may be lower"
    ) in out
    assert f"file name: {EX1}.ipynb, as released" in out
    assert all(f"  {gid}:" in out for gid in EX1_PARTS)
    assert "Ready to submit" in out


@pytest.mark.slow
def test_a_partly_solved_notebook_says_what_passes_fails_and_is_left(partly, tmp_path):
    proc = _run(str(_write(tmp_path, partly)))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    rows = dict(
        re.findall(
            r"^  (test_\w+) +\d+ +(passed|failed|not attempted)", proc.stdout, re.M
        )
    )
    assert rows == {
        "test_relu": PASSED,
        "test_leaky_relu": PASSED,
        "test_elu": FAILED,
        **{gid: NOT_ATTEMPTED for gid in EX1_PARTS[3:]},
    }
    # The test's own message, on the part's line.
    assert re.search(
        r"^  test_elu +3 +failed +AssertionError: elu\(x\) is wrong at x = -1\.0: got ",
        proc.stdout,
        re.M,
    ), proc.stdout
    assert "visible tests: 4 of 18 points pass" in proc.stdout
    assert "Not ready yet: 5 of 7 parts do not pass yet." in proc.stdout


@pytest.mark.slow
def test_a_blank_notebook_under_another_name(tmp_path):
    nb = json.loads(_released(EX1).read_text())
    report = check_notebook(_write(tmp_path, nb, "ex1_activations (1).ipynb"))
    assert report.assignment == EX1
    assert statuses(report) == {gid: NOT_ATTEMPTED for gid in EX1_PARTS}
    assert all(p.message == "" for p in report.parts)
    assert report.passed_points == 0 and report.points == EX1_POINTS
    assert not report.name_ok and report.exit_code == 1
    assert set(states(report).values()) == {check.INTACT}
    assert report.cell_errors == ()
    assert (
        "file name: ex1_activations (1).ipynb is not the released name "
        "ex1_activations.ipynb"
    ) in report.text()


@pytest.mark.slow
def test_another_exercise_solved_is_ready(tmp_path):
    name = "ex2_dead_units"
    nb = with_answers(_source(name), _released(name))
    report = check_notebook(_write(tmp_path, nb, f"{name}.ipynb"))
    assert report.assignment == name
    assert set(statuses(report).values()) == {PASSED}
    assert report.passed_points == report.points == 10
    assert report.ok and report.exit_code == 0


@pytest.mark.slow
def test_tampered_test_cells_are_named_and_cost_their_points(solved, tmp_path):
    nb = copy.deepcopy(solved)
    _cell(nb, "test_selu")["source"] = "# Part (d): SELU and its derivative\npass\n"
    _cell(nb, "test_softplus")["metadata"]["tags"] = ["skip-execution"]
    silu = _cell(nb, "test_silu")
    twin = copy.deepcopy(silu)
    twin["metadata"] = {}
    nb["cells"][nb["cells"].index(silu)] = twin
    nb["cells"].remove(_cell(nb, "test_gelu"))
    setup = _cell(nb, "setup")
    setup["source"] = "".join(setup["source"]) + "\nimport scipy\n"
    report = check_notebook(_write(tmp_path, nb))
    # The released tests ran in their place, and pass.
    assert statuses(report) == {gid: PASSED for gid in EX1_PARTS}
    assert states(report) == {
        "install": "intact",
        "setup": "edited",
        "test_relu": "intact",
        "test_leaky_relu": "intact",
        "test_elu": "intact",
        "selu_constants": "intact",
        "test_selu": "edited",
        "test_softplus": "retagged",
        "test_silu": "retagged",
        "std_normal_cdf": "intact",
        "test_gelu": "missing",
    }
    details = {c.grade_id: c.detail for c in report.cells}
    assert details["test_softplus"].startswith("tags added (skip-execution)")
    assert "without its nbgrader metadata" in details["test_silu"]
    assert details["test_gelu"].startswith("it was deleted")
    assert "scores no points" in details["test_selu"]
    hints = {p.grade_id: p.hint for p in report.parts}
    assert hints["test_selu"] == (
        "its test cell is edited, so this part scores no points when graded"
    )
    assert report.passed_points == EX1_POINTS - 2 - 3 - 3 - 3
    assert report.exit_code == 1
    text = report.text()
    assert "  setup (given code): edited" in text
    assert "  test_gelu:" in text and "missing: it was deleted" in text


@pytest.mark.slow
def test_a_part_that_works_only_out_of_order_is_flagged(tmp_path):
    nb = with_answers(_source(EX1), _released(EX1), {"relu", "leaky_relu"})
    answer = _cell(nb, "relu")
    nb["cells"].remove(answer)
    nb["cells"].insert(nb["cells"].index(_cell(nb, "test_relu")) + 1, answer)
    # As saved: the answer was run first (count 1), then the tests.
    count = 2
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and cell is not answer:
            cell["execution_count"], cell["outputs"] = count, []
            count += 1
    answer["execution_count"], answer["outputs"] = 1, []
    report = check_notebook(_write(tmp_path, nb))
    relu = report.parts[0]
    assert relu.status == FAILED
    assert relu.message == "NameError: name 'relu' is not defined"
    assert "works only when cells run out of order" in relu.hint
    assert statuses(report)["test_leaky_relu"] == PASSED
    assert report.notes and "run out of order" in report.notes[0]
    assert set(states(report).values()) == {check.INTACT}


@pytest.mark.slow
def test_errors_timeouts_and_a_dying_kernel_are_reported(partly, tmp_path):
    nb = copy.deepcopy(partly)
    _cell(nb, "relu")["source"] = "def relu(x)\n    return x\n"
    after = nb["cells"].index(_cell(nb, "test_leaky_relu")) + 1
    for source in ("import os\nos._exit(3)", "import time\ntime.sleep(60)"):
        nb["cells"].insert(
            after,
            {
                "cell_type": "code",
                "metadata": {},
                "source": source,
                "outputs": [],
                "execution_count": None,
            },
        )
    report = check_notebook(_write(tmp_path, nb), timeout=2)
    by_id = {p.grade_id: p for p in report.parts}
    assert by_id["test_relu"].status == FAILED
    assert by_id["test_relu"].message == "NameError: name 'relu' is not defined"
    assert by_id["test_leaky_relu"].status == PASSED
    for gid in EX1_PARTS[2:]:
        assert by_id[gid].status == FAILED
        assert by_id[gid].message.startswith(
            "not run: the kernel stopped while running cell 11"
        )
    assert report.cell_errors == (
        "cell 5 (your answer relu): SyntaxError: expected ':' (line 1)",
        "cell 10: CellTimeoutError: the cell ran longer than 2 s and was stopped",
        "cell 11: the kernel stopped while running it; later cells did not run",
    )
