"""The Chinese student notebooks: the English cells, with Chinese instructions.

``zh/exercises/<ex>/<ex>.ipynb`` is made by ``scripts/release_zh.py`` from
the English student notebook and ``zh/exercises/<ex>.translation.yml``.

* The committed notebooks are what the script makes, and a planted drift
  is reported: a changed English paragraph (stale translation), a new
  English cell (no translation), a changed code cell in a Chinese notebook
  or in the English release; ``--sync`` brings a translation back in step.
* Cell by cell, every Chinese notebook has the English ids, types,
  metadata and code; only markdown text differs.
* Every markdown cell is Chinese: it has Chinese text and no English
  sentence left, keeps the English math and code spans, uses the
  glossary's Chinese terms, and follows Chinese typography.
* Graded together, a Chinese and an English submission of exercise 1 score
  alike: full marks solved, 0 blank (slow).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from actzoo_grader import sandbox
from actzoo_grader.assignment import parts
from actzoo_grader.autograde import autograde
from actzoo_grader.collect import collect_folder
from actzoo_grader.course import Course
from actzoo_grader.executor import Guarded
from actzoo_grader.grades import part_scores
from tests import test_glossary as glossary
from tests.conftest import load_script
from tests.notebooks import normalise, with_answers

ROOT = Path(__file__).resolve().parent.parent
release_zh = load_script("release_zh")
NAMES = release_zh.exercises(ROOT)

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN = re.compile(f"[{CJK}]")
#: Chinese characters and full-width punctuation.
WIDE = f"{CJK}\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d"
DISPLAY = re.compile(r"\$\$.*?\$\$", re.S)
FENCE = re.compile(r"^(`{3,}).*?^\1[ \t]*$", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`]+`")
INLINE_MATH = re.compile(r"(?<![\\$])\$[^$]+?\$")


def english(name: str, root: Path = ROOT) -> dict[str, Any]:
    return json.loads(release_zh.english_path(root, name).read_text("utf-8"))


def chinese(name: str, root: Path = ROOT) -> dict[str, Any]:
    return json.loads(release_zh.chinese_path(root, name).read_text("utf-8"))


def source(cell: dict[str, Any]) -> str:
    text = cell["source"]
    return "".join(text) if isinstance(text, list) else text


def markdown_pairs(name: str) -> list[tuple[str, str, str]]:
    """Return ``(cell id, English text, Chinese text)`` of every markdown cell."""
    return [
        (en["id"], source(en), source(zh))
        for en, zh in zip(english(name)["cells"], chinese(name)["cells"], strict=True)
        if en["cell_type"] == "markdown"
    ]


def copy_course(tmp_path: Path) -> Path:
    """Return a folder with copies of ``exercises/`` and ``zh/exercises/``."""
    root = tmp_path / "course"
    shutil.copytree(ROOT / "exercises", root / "exercises")
    shutil.copytree(ROOT / "zh" / "exercises", root / "zh" / "exercises")
    return root


def edit_cell(path: Path, cell_id: str, change) -> None:
    """Rewrite the notebook at ``path`` with ``change(source)`` in one cell."""
    nb = json.loads(path.read_text("utf-8"))
    (cell,) = [c for c in nb["cells"] if c.get("id") == cell_id]
    cell["source"] = change(source(cell))
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", "utf-8")


# ------------------------------------------------ the release and its check


def test_there_are_six_exercises_each_translated():
    assert NAMES == [
        "ex1_activations",
        "ex2_dead_units",
        "ex3_statistics",
        "ex4_gradient_flow",
        "ex5_landscapes",
        "ex6_applications",
    ]
    for name in NAMES:
        assert release_zh.translation_path(ROOT, name).is_file(), name


def test_the_committed_chinese_notebooks_are_what_the_release_makes(capsys):
    assert release_zh.release(ROOT, check=True).problems == []
    assert release_zh.main(["--check"]) == 0
    assert "checked 6 Chinese notebooks; all in step" in capsys.readouterr().out


def test_a_changed_english_paragraph_is_reported_and_not_released(tmp_path, capsys):
    root = copy_course(tmp_path)
    english_nb = release_zh.english_path(root, "ex2_dead_units")
    edit_cell(english_nb, "ex2-03", lambda s: s.replace("symmetric", "even"))
    stale = (
        "ex2_dead_units, cell ex2-03: the English text changed since it was "
        "translated (--diff shows how; bring zh in step, then "
        "--sync ex2_dead_units/ex2-03)"
    )
    assert release_zh.release(root, check=True).problems == [stale]
    assert release_zh.main(["--check", "--root", str(root)]) == 1
    assert capsys.readouterr().err == f"release_zh: {stale}\n"
    # Writing leaves the stale exercise's notebook as it was and fails.
    target = release_zh.chinese_path(root, "ex2_dead_units")
    target.unlink()
    assert release_zh.main(["--root", str(root)]) == 1
    assert not target.exists()
    assert capsys.readouterr().err == f"release_zh: {stale}\n"
    # --diff shows the change; once zh follows it, --sync records it.
    assert release_zh.main(["--diff", "--root", str(root)]) == 0
    shown = capsys.readouterr().out
    assert "-If $z$ is drawn from a distribution symmetric about 0" in shown
    assert "+If $z$ is drawn from a distribution even about 0" in shown
    # (Here zh already reads the same either way.)
    assert (
        release_zh.main(["--sync", "ex2_dead_units/ex2-03", "--root", str(root)]) == 0
    )
    assert capsys.readouterr().out == (
        "release_zh: recorded the English text of ex2_dead_units/ex2-03\n"
    )
    assert release_zh.release(root).problems == []
    assert release_zh.release(root, check=True).problems == []
    entries = release_zh.load_translations(
        release_zh.translation_path(root, "ex2_dead_units")
    )
    assert "distribution even about 0" in entries["ex2-03"].en


def test_sync_of_a_cell_in_step_changes_nothing(tmp_path):
    root = copy_course(tmp_path)
    assert (
        release_zh.main(["--sync", "ex1_activations/ex1-03", "--root", str(root)]) == 0
    )
    name = "ex1_activations"
    assert release_zh.translation_path(root, name).read_text(
        "utf-8"
    ) == release_zh.translation_path(ROOT, name).read_text("utf-8")


def test_new_and_removed_english_cells_are_reported(tmp_path):
    root = copy_course(tmp_path)
    path = release_zh.english_path(root, "ex3_statistics")
    nb = json.loads(path.read_text("utf-8"))
    new = {"cell_type": "markdown", "id": "ex3-99", "metadata": {}, "source": "New."}
    nb["cells"].insert(3, new)
    nb["cells"] = [c for c in nb["cells"] if c["id"] != "ex3-06"]
    path.write_text(json.dumps(nb, indent=1), "utf-8")
    assert release_zh.release(root, check=True).problems == [
        "ex3_statistics, cell ex3-99: no translation (add its zh to "
        "zh/exercises/ex3_statistics.translation.yml, then "
        "--sync ex3_statistics/ex3-99)",
        "ex3_statistics, cell ex3-06: translated, but the English notebook "
        "has no markdown cell of that id",
    ]


def test_a_changed_code_cell_of_a_chinese_notebook_is_reported(tmp_path):
    root = copy_course(tmp_path)
    target = release_zh.chinese_path(root, "ex1_activations")
    edit_cell(target, "ex1-05", lambda s: s.replace("assert", "pass  #", 1))
    assert release_zh.release(root, check=True).problems == [
        "zh/exercises/ex1_activations/ex1_activations.ipynb: code cell ex1-05 is "
        "not the generated one (make release writes it again)"
    ]
    # The release writes the English cell back.
    assert release_zh.release(root).written == [
        "zh/exercises/ex1_activations/ex1_activations.ipynb"
    ]
    assert release_zh.release(root, check=True).problems == []
    assert chinese("ex1_activations", root) == chinese("ex1_activations")


def test_a_changed_code_cell_of_the_english_release_is_reported(tmp_path):
    # The English release changed a visible test: the Chinese notebook,
    # not yet made again, no longer has the English code.
    root = copy_course(tmp_path)
    path = release_zh.english_path(root, "ex4_gradient_flow")
    edit_cell(path, "ex4-05", lambda s: s + "\nassert True\n")
    assert release_zh.release(root, check=True).problems == [
        "zh/exercises/ex4_gradient_flow/ex4_gradient_flow.ipynb: code cell ex4-05 "
        "is not the generated one (make release writes it again)"
    ]


def test_stray_files_missing_notebooks_and_bad_translation_files(tmp_path, capsys):
    root = copy_course(tmp_path)
    (root / "zh" / "exercises" / "ex9_extra").mkdir()
    (root / "zh" / "exercises" / "ex9_extra" / "ex9_extra.ipynb").write_text("{}")
    release_zh.chinese_path(root, "ex5_landscapes").unlink()
    release_zh.chinese_path(root, "ex4_gradient_flow").write_text("[1]")
    bad = release_zh.translation_path(root, "ex6_applications")
    bad.write_text("cells:\n  ex6-01: [not, a, mapping]\n", "utf-8")
    assert release_zh.release(root, check=True).problems == [
        "zh/exercises/ex4_gradient_flow/ex4_gradient_flow.ipynb: not a notebook "
        "that parses (make release writes it again)",
        "zh/exercises/ex5_landscapes/ex5_landscapes.ipynb: missing "
        "(make release writes it)",
        "zh/exercises/ex6_applications.translation.yml: cell ex6-01: no text 'zh'",
        "zh/exercises/ex9_extra/ex9_extra.ipynb: belongs to no English exercise",
    ]
    bad.write_text("cells: [\n", "utf-8")
    assert release_zh.release(root, ["ex6_applications"]).problems == [
        "zh/exercises/ex6_applications.translation.yml: not valid YAML at line 2"
    ]
    assert release_zh.main(["ex7_unknown", "--root", str(root)]) == 1
    assert capsys.readouterr().err == (
        "release_zh: ex7_unknown: no English student notebook "
        "exercises/ex7_unknown/ex7_unknown.ipynb\n"
    )
    for argv, error in (
        (["--sync", "ex1_activations"], "give the exercise and the cell, EX/CELL"),
        (
            ["--sync", "ex1_activations/ex1-02"],
            "ex1_activations/ex1-02: not a markdown",
        ),
        (
            ["--sync", "ex1_activations/ex1-99"],
            "ex1_activations/ex1-99: not a markdown",
        ),
    ):
        assert release_zh.main([*argv, "--root", str(root)]) == 2
        err = capsys.readouterr().err
        assert error in err and err.count("\n") == 1, err
    assert release_zh.main(["--check", "--root", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err.endswith("/none/exercises is not a folder\n")


def test_a_hand_edited_hash_is_reported(tmp_path):
    root = copy_course(tmp_path)
    path = release_zh.translation_path(root, "ex1_activations")
    text = path.read_text("utf-8")
    path.write_text(
        text.replace("en: |-\n      ## Part (a)", "en: |-\n      ## Part (A)")
    )
    assert release_zh.release(root, check=True).problems == [
        "ex1_activations, cell ex1-03: the recorded English text does not match "
        "its source_sha256 (record it with --sync ex1_activations/ex1-03)"
    ]


# ------------------------------------------------------ cell-by-cell identity


def cell_differences(en: dict[str, Any], zh: dict[str, Any]) -> list[str]:
    """Return how a Chinese notebook departs from the English one, one line each.

    Everything must be equal but the text of markdown cells, which must
    differ (be translated).
    """
    found = [
        f"notebook {key} differs"
        for key in ("metadata", "nbformat", "nbformat_minor")
        if en.get(key) != zh.get(key)
    ]
    if len(en["cells"]) != len(zh["cells"]):
        return [*found, f"{len(zh['cells'])} cells, not {len(en['cells'])}"]
    for number, (a, b) in enumerate(zip(en["cells"], zh["cells"], strict=True)):
        where = f"cell {number} ({a.get('id')})"
        for key in sorted(set(a) | set(b)):
            if key != "source" and a.get(key) != b.get(key):
                found.append(f"{where}: {key} differs")
        if a["cell_type"] == "markdown" and source(a) == source(b):
            found.append(f"{where}: not translated")
        elif a["cell_type"] != "markdown" and source(a) != source(b):
            found.append(f"{where}: source differs")
    return found


@pytest.mark.parametrize("name", NAMES)
def test_code_cells_ids_and_metadata_are_the_english_ones(name):
    en, zh = english(name), chinese(name)
    assert cell_differences(en, zh) == []
    assert [c["id"] for c in en["cells"]] == [c["id"] for c in zh["cells"]]
    graded = [
        c["metadata"]["nbgrader"]
        for c in zh["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade")
    ]
    assert graded and all(meta["points"] > 0 for meta in graded)


def test_the_identity_check_finds_each_kind_of_difference():
    en = english("ex1_activations")
    zh = chinese("ex1_activations")
    planted = copy.deepcopy(zh)
    planted["cells"][1]["source"] += "# extra\n"
    planted["cells"][2]["id"] = "renamed"
    planted["cells"][4]["metadata"]["nbgrader"]["points"] = 20
    planted["cells"][3]["source"] = source(en["cells"][3])
    planted["metadata"]["language"] = "zh"
    assert cell_differences(en, planted) == [
        "notebook metadata differs",
        "cell 1 (ex1-install): source differs",
        "cell 2 (ex1-02): id differs",
        "cell 3 (ex1-03): not translated",
        "cell 4 (ex1-04): metadata differs",
    ]
    planted["cells"].pop()
    assert cell_differences(en, planted)[-1] == "26 cells, not 27"


# ------------------------------------------------------- the Chinese text


def spans(text: str) -> tuple[list[str], list[str]]:
    """Return the math and the code of Markdown ``text``, whitespace normalised.

    Math is display (``$$...$$``) and inline (``$...$``); code is fenced
    blocks and inline code spans.
    """
    math, code = [], []
    for pattern, found in ((FENCE, code), (DISPLAY, math)):
        found += [normalise(m.group()) for m in pattern.finditer(text)]
        text = pattern.sub(" ", text)
    code += [normalise(m.group()) for m in INLINE_CODE.finditer(text)]
    text = INLINE_CODE.sub(" ", text)
    math += [normalise(m.group()) for m in INLINE_MATH.finditer(text)]
    return math, code


def prose(text: str) -> str:
    """Return ``text`` with math and code replaced by the token ``X``."""
    for pattern in (FENCE, DISPLAY, INLINE_CODE, INLINE_MATH):
        text = pattern.sub("X", text)
    return text


def kept_problems(en: str, zh: str) -> list[str]:
    """Return the English math and code a translation lost, or math it added."""
    en_math, en_code = spans(en)
    zh_math, zh_code = spans(zh)
    return [f"lost {s!r}" for s in en_math + en_code if s not in zh_math + zh_code] + [
        f"math not in the English text: {s!r}" for s in zh_math if s not in en_math
    ]


#: Five Latin words in a row, outside math and code: an English sentence.
ENGLISH_RUN = re.compile(r"[A-Za-z][\w'’-]*(?:[ ,]+[A-Za-z][\w'’-]*){4,}")


def untranslated(zh: str) -> list[str]:
    """Return the runs of English words left in a Chinese cell."""
    return ENGLISH_RUN.findall(prose(zh))


def typography_problems(zh: str) -> list[str]:
    """Return where a Chinese cell breaks Chinese typography, one line each.

    A space between Chinese and Latin words, numbers, math or code; full-
    width punctuation after Chinese; no line break inside a Chinese
    sentence (it would show as a space).
    """
    text = prose(zh).replace("*", "")
    rules = (
        (f"[{CJK}][A-Za-z0-9X]|[A-Za-z0-9X][{CJK}]", "no space between Chinese and"),
        (f"[{CJK}][,.;:?!]|[,;:?!] *[{CJK}]", "half-width punctuation in"),
        (f"[{CJK}][()]|[()][{CJK}]", "half-width parenthesis in"),
        (f"[{WIDE}]\n[{WIDE}]", "a line break inside"),
        (f"[{WIDE}] +[\u3000-\u303f\uff0c\uff1a\uff1b\uff09]", "a space before"),
    )
    # Matches may overlap ("结X处" lacks two spaces).
    return [
        f"{what}: {match.group(1)!r}"
        for pattern, what in rules
        for match in re.finditer(f"(?=({pattern}))", text)
    ]


@pytest.mark.parametrize("name", NAMES)
def test_every_markdown_cell_is_chinese(name):
    for cell_id, en, zh in markdown_pairs(name):
        assert len(HAN.findall(prose(zh))) >= 10, cell_id
        assert untranslated(zh) == [], cell_id
        assert kept_problems(en, zh) == [], cell_id
        assert typography_problems(zh) == [], cell_id
        # Headings stay headings of the same level.
        assert re.findall(r"^#+ ", zh, re.M) == re.findall(r"^#+ ", en, re.M)
        part = re.match(r"## Part \((\w)\)", en)
        if part:
            assert zh.startswith(f"## 第 ({part.group(1)}) 部分："), cell_id


def test_the_text_checks_can_fail():
    en = "Use `np.where` at the kink $x = 0$:\n\n$$y = x$$"
    assert kept_problems(en, "在扭结 $x = 0$ 处使用 `np.where`：\n\n$$y = x$$") == []
    assert kept_problems(en, "在扭结处使用 `np.where`：$x=1$") == [
        "lost '$$y = x$$'",
        "lost '$x = 0$'",
        "math not in the English text: '$x=1$'",
    ]
    assert untranslated("这里 the function must work for any input，其余是中文。")
    assert untranslated("用 `a b c d e f` 和 $a + b + c + d + e$ 计算。") == []
    assert typography_problems("在扭结 $x = 0$ 处使用 `np.where`（例如 ReLU）。") == []
    assert typography_problems("在扭结$x = 0$处,使用ReLU (例如)。\n然后") == [
        "no space between Chinese and: '结X'",
        "no space between Chinese and: 'X处'",
        "no space between Chinese and: '用R'",
        "half-width punctuation in: '处,'",
        "half-width punctuation in: ',使'",
        "half-width parenthesis in: '(例'",
        "half-width parenthesis in: '如)'",
        "a line break inside: '。\\n然'",
    ]


def chinese_term(definition: str) -> str:
    """Return the Chinese term an English glossary definition starts with."""
    term = definition.split(". ", 1)[0]
    return re.sub(r"\s*\([^)]*\)$", "", term).strip()


@pytest.fixture(scope="module")
def terms() -> dict[str, str]:
    entries = glossary.parse_glossary(glossary.GLOSSARY.read_text("utf-8"))
    return {e.term: chinese_term(e.definition) for e in entries}


def glossary_problems(en: str, zh: str, terms: dict[str, str]) -> list[str]:
    """Return the glossary terms the English prose uses and the Chinese lacks.

    A term counts as used where the glossary test finds a mention of it
    (word stems, headings, math and code left out). The Chinese text has
    it when its prose holds the glossary's Chinese term or, for a name the
    Chinese text keeps in Latin letters (ReLU, softplus, ...), the name.
    """
    text, _ = glossary.prose_of(en)
    chinese_prose = prose(zh).lower()
    return [
        f"{term!r}: no {terms[term]!r}"
        for term in terms
        if glossary.term_mentions(term, text, list(terms))
        and terms[term].lower() not in chinese_prose
        and term.lower() not in chinese_prose
    ]


def test_the_chinese_terms_are_the_glossarys(terms):
    assert terms["dead unit"] == "死亡神经元"
    assert terms["Hessian"] == "黑塞矩阵"
    assert terms["kink"] == "扭结"
    problems = [
        f"{name} {cell_id}: {problem}"
        for name in NAMES
        for cell_id, en, zh in markdown_pairs(name)
        for problem in glossary_problems(en, zh, terms)
    ]
    assert problems == []
    # Many terms are checked, and a translation with another word fails.
    used = {
        term
        for name in NAMES
        for _, en, _ in markdown_pairs(name)
        for term in terms
        if glossary.term_mentions(term, glossary.prose_of(en)[0], list(terms))
    }
    assert len(used) >= 30, sorted(used)
    en = "A dead unit has a kink."
    assert glossary_problems(en, "死亡神经元有一个扭结。", terms) == []
    assert glossary_problems(en, "失活神经元有一个拐点。", terms) == [
        "'dead unit': no '死亡神经元'",
        "'kink': no '扭结'",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_the_first_cell_says_it_is_graded_as_the_english_one(name):
    first = next(c for c in chinese(name)["cells"] if c["cell_type"] == "markdown")
    text = source(first)
    assert text.startswith(f"# 练习 {name[2]}：")
    assert f"`{name}.ipynb`" in text
    assert "评分方式与英文版完全一样" in text and "相同的文件名" in text


# ------------------------------------------------------------- grading


@pytest.mark.slow
def test_chinese_and_english_submissions_score_alike(tmp_path):
    name = "ex1_activations"
    solutions = ROOT / "solutions" / name / f"{name}.ipynb"
    released = {
        "en": release_zh.english_path(ROOT, name),
        "zh": release_zh.chinese_path(ROOT, name),
    }
    inbox = tmp_path / "inbox"
    for language, path in released.items():
        for student, nb in (
            (f"{language}_solver", with_answers(solutions, path)),
            (f"{language}_blank", json.loads(path.read_text("utf-8"))),
        ):
            dest = inbox / student / name / f"{name}.ipynb"
            dest.parent.mkdir(parents=True)
            dest.write_text(json.dumps(nb, ensure_ascii=False), "utf-8")
    # The solved Chinese notebook is the solved English one but for its
    # markdown: the same answers reach the grader.
    assert (
        cell_differences(
            with_answers(solutions, released["en"]),
            with_answers(solutions, released["zh"]),
        )
        == []
    )
    course = Course(root=tmp_path / "course")
    collect_folder(course, inbox)
    result = autograde(
        course, name, jobs=2, executor=Guarded(sandboxed=sandbox.check() is None)
    )
    students = ["en_blank", "en_solver", "zh_blank", "zh_solver"]
    assert result.graded == students, result.failed
    assert result.detections == {s: [] for s in students}
    scores: dict[str, dict[str, float]] = {s: {} for s in students}
    for row in part_scores(course, name):
        scores[row.student][row.part] = row.score
    full = {p.grade_id: p.points for p in parts(solutions)}
    assert scores["zh_solver"] == scores["en_solver"] == full
    assert scores["zh_blank"] == scores["en_blank"] == dict.fromkeys(full, 0.0)
