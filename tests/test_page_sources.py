"""Gates on the pages' MyST sources, and the strict comparisons they rely on.

Two kinds of defect are easiest to catch in the source, before any build:

- a line of prose that starts with ``>`` (after a line break inside a
  formula, say ``$p = P(x +`` then ``> 0)$``) is a blockquote in Markdown,
  and the page shows raw TeX in an indented box;
- a claim "X has the most ..." checked with ``max(..., key=...)``,
  ``sorted(..., key=...)`` or ``assert x == max(...)`` passes on a tie,
  naming one of two equal members the winner. Pages name extreme members
  with :mod:`actzoo.claims`, which refuses ties.

Each gate is shown to fail on a planted case.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from actzoo.claims import largest, ranked, smallest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "intro.md", *(ROOT / "chapters").rglob("*.md")])

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*(\{[^}]*\})?(.*)$")
#: Fenced blocks whose body is code, not Markdown.
CODE_DIRECTIVES = {
    "{code-cell}",
    "{code-block}",
    "{code}",
    "{eval-rst}",
    "{literalinclude}",
    "{math}",
}


def markdown_lines(text: str):
    """Yield ``(line number, line)`` of a MyST page's Markdown, not its code.

    Front matter, code cells and code fences are skipped; the bodies of
    other directives (figure captions, admonitions) are Markdown and kept.
    """
    lines = text.splitlines()
    i = 0
    if lines and lines[0].strip() == "---":
        i = (
            next(
                (k for k in range(1, len(lines)) if lines[k].strip() == "---"),
                len(lines),
            )
            + 1
        )
    stack: list[tuple[str, bool]] = []  # (fence, is code)
    for number in range(i, len(lines)):
        line = lines[number]
        match = FENCE.match(line)
        if match:
            fence, directive, info = match.group(2), match.group(3), match.group(4)
            if (
                stack
                and fence[0] == stack[-1][0][0]
                and len(fence) >= len(stack[-1][0])
                and directive is None
                and not info.strip()
            ):
                stack.pop()
                continue
            if not (stack and stack[-1][1]):
                code = directive is None or directive in CODE_DIRECTIVES
                stack.append((fence, code))
                continue
        if stack and stack[-1][1]:
            continue
        yield number + 1, line


def blockquote_lines(text: str) -> list[str]:
    """Return the lines of Markdown that would start a blockquote."""
    return [
        f"line {n}: {line.strip()[:60]}"
        for n, line in markdown_lines(text)
        if re.match(r"^ {0,3}>", line)
    ]


def code_cells(text: str):
    """Yield ``(first line number, source)`` of every code cell of a page."""
    for match in re.finditer(
        r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", text, re.M | re.S
    ):
        body = match.group(1)
        start = text[: match.start(1)].count("\n") + 1
        # Cell options (":tags: [...]") are not Python.
        lines = body.split("\n")
        k = 0
        while k < len(lines) and re.match(r"^:\w[\w-]*:", lines[k]):
            k += 1
        yield start + k, "\n".join(lines[k:])


def _name(node: ast.AST) -> str | None:
    return (
        node.func.id
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        else None
    )


#: Comparisons that hold for a tie: ``x == max(...)``, ``x >= max(...)``.
LOOSE = (ast.Eq, ast.GtE, ast.LtE, ast.In)


def loose_comparisons(source: str, first_line: int = 1) -> list[str]:
    """Return the places where a page names a group's extreme member loosely.

    Flagged: ``sorted``, ``max`` or ``min`` with a ``key`` (they pick one
    of tied members silently), and an ``assert`` that compares something
    with ``max(...)`` or ``min(...)`` by ``==``, ``>=``, ``<=`` or ``in``
    (it passes on a tie); strict ``<`` and ``>`` are allowed.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        where = first_line + getattr(node, "lineno", 1) - 1
        if _name(node) in ("sorted", "max", "min") and any(
            k.arg == "key" for k in node.keywords
        ):
            found.append(
                f"line {where}: {_name(node)}(..., key=...) names a "
                "winner without ruling out a tie; use "
                "actzoo.claims.largest, smallest or ranked"
            )
        if isinstance(node, ast.Assert):
            for sub in ast.walk(node.test):
                if (
                    isinstance(sub, ast.Compare)
                    and any(isinstance(op, LOOSE) for op in sub.ops)
                    and any(
                        _name(side) in ("max", "min")
                        for side in [sub.left, *sub.comparators]
                    )
                ):
                    found.append(
                        f"line {where}: an assert compares with "
                        "max()/min(), which passes on a tie; use "
                        "actzoo.claims.largest or smallest"
                    )
    return found


# ------------------------------------------------------------ the gates


def test_the_pages_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in PAGES}
    assert {
        "intro.md",
        "chapters/principles/kink.md",
        "chapters/principles/landscapes.md",
    } <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_line_of_prose_starts_a_blockquote(page):
    assert blockquote_lines(page.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_claims_about_the_most_or_least_are_strict(page):
    text = page.read_text(encoding="utf-8")
    found = [
        problem
        for start, source in code_cells(text)
        for problem in loose_comparisons(source, start)
    ]
    assert found == []


PLANTED_PAGE = """\
---
kernelspec: {name: python3}
---
# A page

It is $1$ with probability $p = P(x_0 + \\varepsilon
> 0)$ and $0$ otherwise.

```{code-cell} ipython3
x = 1
> 0  # inside code: not Markdown, not flagged
```

```{glue:figure} fig
:name: fig-a

> A caption that starts a quote.
```

````{note}
```python
> still code
```
> a quote in a note
````
"""


def test_the_blockquote_gate_catches_a_planted_line():
    found = blockquote_lines(PLANTED_PAGE)
    assert found == [
        "line 7: > 0)$ and $0$ otherwise.",
        "line 17: > A caption that starts a quote.",
        "line 24: > a quote in a note",
    ], found


PLANTED_CELLS = """\
```{code-cell} ipython3
:tags: [remove-input]

spikes = {"selu": 16, "silu": 16}
assert spikes["selu"] == max(spikes.values())
order = sorted(spikes, key=spikes.get)
sharpest = max(spikes, key=spikes.get)
worst = max(abs(v) for v in spikes.values())  # a value, not a winner
assert min(spikes.values()) < max(spikes.values())  # strict: allowed
```
"""


def test_the_strict_claim_gate_catches_planted_comparisons():
    found = [
        p
        for start, source in code_cells(PLANTED_CELLS)
        for p in loose_comparisons(source, start)
    ]
    assert [p.split(":")[0] for p in found] == ["line 5", "line 6", "line 7"]
    assert "passes on a tie" in found[0] and "sorted" in found[1]
    strict = (
        "```{code-cell} ipython3\nfrom actzoo.claims import largest\n"
        "assert largest(spikes) == 'selu'\n```\n"
    )
    assert [p for s, c in code_cells(strict) for p in loose_comparisons(c, s)] == []


# ------------------------------------------------------------ actzoo.claims


def test_largest_and_smallest_name_strict_extremes():
    values = {"relu": 35.3, "selu": 220.2, "silu": 10.5, "gelu": 15.9}
    assert largest(values) == "selu"
    assert smallest(values) == "silu"
    assert smallest(values, 2) == ["silu", "gelu"]
    assert largest(values, 3) == ["selu", "relu", "gelu"]
    assert ranked(values) == ["silu", "gelu", "relu", "selu"]


def test_a_tie_is_refused():
    spikes = {"selu": 16, "silu": 16, "gelu": 0}
    with pytest.raises(
        ValueError,
        match=r"largest: .*'selu'.*'silu'|"
        r"largest: .*'silu'.*'selu'",
    ):
        largest(spikes)
    assert largest(spikes, 2) in (["selu", "silu"], ["silu", "selu"])
    with pytest.raises(ValueError, match="smallest"):
        smallest({"a": 1.0, "b": 1.0, "c": 2.0})
    with pytest.raises(ValueError, match="smallest: the 2 smallest"):
        smallest({"a": 0.0, "b": 1.0, "c": 1.0}, 2)
    with pytest.raises(ValueError, match=r"ranked: .* both have"):
        ranked({"a": 1.0, "b": 2.0, "c": 1.0})


def test_a_margin_asks_for_a_clear_gap():
    assert largest({"a": 1.0, "b": 1.05}) == "b"
    with pytest.raises(ValueError, match=r"relative margin 0\.1"):
        largest({"a": 1.0, "b": 1.05}, margin=0.1)
    assert largest({"a": 1.0, "b": 1.2}, margin=0.1) == "b"


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: largest([1, 2]), TypeError, "largest: values must be a mapping"),
        (lambda: largest({"a": 1}), ValueError, "largest: n must be at least 1"),
        (lambda: smallest({"a": 1, "b": 2}, 2), ValueError, "smallest: n must"),
        (
            lambda: largest({"a": 1, "b": 2}, 1.0),
            TypeError,
            "largest: n must be an int",
        ),
        (lambda: largest({"a": "x", "b": 2}), TypeError, r"largest: values\['a'\]"),
        (lambda: smallest({"a": float("nan"), "b": 2}), ValueError, "is NaN"),
        (lambda: largest({"a": 1, "b": 2}, margin=-1), ValueError, "margin"),
        (lambda: ranked({"a": 1}), ValueError, "ranked: values must hold at least two"),
        (lambda: ranked((1, 2)), TypeError, "ranked: values must be a mapping"),
    ],
)
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ------------------------------------------------------------ chapter structure

#: The chapters of Parts 1 and 2 (the part overviews excepted).
CHAPTERS = sorted(
    p
    for p in (ROOT / "chapters").glob("*/*.md")
    if p.parent.name in ("principles", "applications") and p.stem != "index"
)
EXERCISE_PAGES = sorted((ROOT / "chapters" / "hands_on").glob("ex*_*.md"))
DOC_LINK = re.compile(r"\{doc\}`(?:[^<`]*<)?([^>`]+)>?`")


def links(text: str, page: Path) -> set[Path]:
    """Return the pages a page links to with {doc}, as resolved paths."""
    return {
        (page.parent / f"{target}.md").resolve() for target in DOC_LINK.findall(text)
    }


def structure_problems(text: str, page: Path) -> list[str]:
    """Return what a chapter lacks: objectives, takeaways, self-study, a link."""
    problems = []
    opening = text.split("\n## ", 1)[0]
    if "{admonition} Learning objectives" not in opening:
        problems.append("no learning objectives before the first section")
    sections = re.findall(r"^## (.+)$", text, re.M)
    if sections[-2:] != ["Key takeaways", "Exercises for self-study"]:
        problems.append(
            "does not close with 'Key takeaways' and "
            f"'Exercises for self-study' (sections: {sections[-2:]})"
        )
    self_study = text.rsplit("\n## Exercises for self-study", 1)[-1]
    if len(re.findall(r"^\d+\. ", self_study, re.M)) < 2:
        problems.append("fewer than two exercises for self-study")
    if not any(
        p.parent.name == "hands_on" and p.stem.startswith("ex")
        for p in links(self_study, page)
    ):
        problems.append("the self-study section links no graded notebook")
    return problems


def test_every_chapter_opens_with_objectives_and_closes_with_exercises():
    assert len(CHAPTERS) >= 12
    problems = {
        p.name: structure_problems(p.read_text(encoding="utf-8"), p) for p in CHAPTERS
    }
    assert {k: v for k, v in problems.items() if v} == {}


def link_problems(chapters: dict[Path, str], exercises: dict[Path, str]):
    """Return the missing links between chapters and their graded notebooks.

    A chapter names its notebook in its self-study section; that exercise
    page must link back to the chapter, and every exercise page must be
    named by some chapter.
    """
    problems, named = [], set()
    for chapter, text in chapters.items():
        self_study = text.rsplit("\n## Exercises for self-study", 1)[-1]
        for exercise in links(self_study, chapter):
            if exercise not in exercises:
                continue
            named.add(exercise)
            if chapter.resolve() not in links(exercises[exercise], exercise):
                problems.append(f"{exercise.name} does not link back to {chapter.name}")
    problems += [f"no chapter names {e.name}" for e in exercises if e not in named]
    return problems


def test_chapters_and_exercises_link_both_ways():
    chapters = {p: p.read_text(encoding="utf-8") for p in CHAPTERS}
    exercises = {p.resolve(): p.read_text(encoding="utf-8") for p in EXERCISE_PAGES}
    assert len(exercises) == 6
    assert link_problems(chapters, exercises) == []


def test_the_link_gate_catches_a_missing_link():
    hands_on = (ROOT / "chapters" / "hands_on").resolve()
    chapter = (ROOT / "chapters" / "principles" / "a.md").resolve()
    one, two = hands_on / "ex1_x.md", hands_on / "ex2_y.md"
    chapters = {
        chapter: "## Exercises for self-study\n\n"
        "{doc}`Exercise 1 <../hands_on/ex1_x>`\n"
    }
    exercises = {one: "No link back.", two: "{doc}`../principles/a`"}
    assert link_problems(chapters, exercises) == [
        "ex1_x.md does not link back to a.md",
        "no chapter names ex2_y.md",
    ]
    exercises[one] = "Read {doc}`../principles/a` first."
    assert link_problems(chapters, exercises) == ["no chapter names ex2_y.md"]


def test_the_structure_gate_catches_a_chapter_without_it():
    page = ROOT / "chapters" / "principles" / "planted.md"
    bare = "# A chapter\n\nText.\n\n## A section\n\nMore text.\n"
    assert structure_problems(bare, page) == [
        "no learning objectives before the first section",
        "does not close with 'Key takeaways' and 'Exercises for self-study' "
        "(sections: ['A section'])",
        "fewer than two exercises for self-study",
        "the self-study section links no graded notebook",
    ]
    whole = (
        "# A chapter\n\n```{admonition} Learning objectives\n- a\n```\n\n"
        "## Key takeaways\n\n- a\n\n## Exercises for self-study\n\n"
        "1. one\n2. two\n\n{doc}`Exercise 2 <../hands_on/ex2_dead_units>`\n"
    )
    assert structure_problems(whole, page) == []
