"""The Chinese edition (``zh/``) is the English book's pages in Chinese.

These checks read the sources (``scripts/zh_sync.py``): every page of the
English table of contents has its Chinese page, in the same place of the
same table of contents; each carries its English page's code cells
unchanged, its links and glued numbers, and a record of the English prose
it was brought in step with, which must still be the English page's
prose. Planted drift (a changed code cell, a changed English paragraph)
must be caught. Terms take the glossary's one translation. What the built
site shows of both editions is checked in ``test_zh_site.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import load_script

ROOT = Path(__file__).resolve().parent.parent
ZH = ROOT / "zh"
zh_sync = load_script("zh_sync")

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
TERM_ROLE = re.compile(r"\{term\}`([^`]*?)(?:\s*<([^`>]+)>)?`", re.S)
#: Literal blocks (commands, code shown as text) and blocks that hold no
#: prose of their own; they stay as they are in both editions.
LITERAL = re.compile(
    r"^(`{3,}|:{3,})[ \t]*(?!\{(?:admonition|note|tip|warning|important|margin|"
    r"glossary|glue:figure|figure|dropdown|seealso|caution|topic|sidebar|"
    r"list-table|table|epigraph|hint|attention|danger|error)\})[^\n]*\n.*?^\1[ \t]*$",
    re.S | re.M,
)


def english_pages() -> list[str]:
    return zh_sync.toc_pages(ROOT / "_toc.yml")


def translated_pages() -> list[str]:
    """The pages that have a Chinese page (the others fail the test above)."""
    return [p for p in english_pages() if (ZH / p).is_file()]


def toc_shape(path: Path) -> list[tuple]:
    """Return the table of contents as (numbered, files) per part, captions aside."""
    toc = yaml.safe_load(path.read_text(encoding="utf-8"))

    def files(entries: list[dict]) -> list:
        return [(e["file"], files(e.get("sections", []))) for e in entries]

    return [toc["root"]] + [
        (part.get("numbered", False), files(part["chapters"])) for part in toc["parts"]
    ]


def test_the_tables_of_contents_match():
    assert toc_shape(ZH / "_toc.yml") == toc_shape(ROOT / "_toc.yml")
    captions = [
        p["caption"] for p in yaml.safe_load((ZH / "_toc.yml").read_text())["parts"]
    ]
    assert all(CJK.search(c) for c in captions), captions


def test_every_page_has_its_chinese_page():
    missing = [p for p in english_pages() if not (ZH / p).is_file()]
    assert not missing, f"no Chinese page for: {missing}"


def test_every_chinese_page_is_in_step_with_its_english_page():
    """Same code cells, same links and glued numbers, English prose unchanged."""
    problems = zh_sync.check(zh_sync.pages_of([]))
    assert not problems, "\n".join(problems)


def test_the_chinese_edition_has_no_page_of_its_own():
    chinese = {
        p.relative_to(ZH).as_posix()
        for p in ZH.rglob("*.md")
        if "exercises" not in p.relative_to(ZH).parts
    }
    assert chinese == set(english_pages())


# ------------------------------------------------------------ planted drift

PAGE = "chapters/principles/dying.md"


def test_a_changed_code_cell_is_caught():
    english = (ROOT / PAGE).read_text(encoding="utf-8")
    chinese = (ZH / PAGE).read_text(encoding="utf-8")
    assert not zh_sync.compare(english, chinese, PAGE)
    cell = zh_sync.split(english).cells[1]
    lines = cell.splitlines()
    changed = "\n".join([*lines[:-1], "print('drift')", lines[-1]])
    problems = zh_sync.compare(english.replace(cell, changed), chinese, PAGE)
    assert problems == [
        f"{PAGE}: code cell 2 differs: English \"print('drift')\" / Chinese "
        f"{lines[-1]!r}"
    ], problems
    # A cell added to the Chinese page alone is caught too.
    extra = chinese + "\n```{code-cell} ipython3\n1 + 1\n```\n"
    assert any("code cells" in p for p in zh_sync.compare(english, extra, PAGE))


def test_a_changed_english_paragraph_makes_its_page_stale():
    english = (ROOT / PAGE).read_text(encoding="utf-8")
    chinese = (ZH / PAGE).read_text(encoding="utf-8")
    recorded = zh_sync.stamp_of(chinese)["prose_sha256"]
    assert recorded == zh_sync.prose_hash(english)
    paragraph = next(
        p for p in zh_sync.split(english).prose.split("\n\n") if len(p.split()) > 20
    )
    words = paragraph.split()
    edited = english.replace(paragraph, " ".join([*words[:5], "not", *words[5:]]))
    assert zh_sync.prose_hash(edited) != recorded
    # Reflowing the English text (line breaks, spaces) is no change.
    reflowed = english.replace(paragraph, "\n".join(words))
    assert zh_sync.prose_hash(reflowed) == recorded
    # A change inside a code cell is the code check's business, not prose.
    cell = zh_sync.split(english).cells[0]
    end = cell.rindex("\n")
    noted = cell[:end] + "\n# note" + cell[end:]
    assert zh_sync.prose_hash(english.replace(cell, noted)) == recorded


def test_a_dropped_glued_number_or_link_is_caught():
    english = (ROOT / PAGE).read_text(encoding="utf-8")
    chinese = (ZH / PAGE).read_text(encoding="utf-8")
    # A glued value the page shows once, typed as a number instead.
    roles = re.findall(r"\{glue:text\}`([\w-]+)(?::[^`]*)?`", chinese)
    key = next(k for k in roles if roles.count(k) == 1)
    glued = re.search(rf"\{{glue:text\}}`{key}(?::[^`]*)?`", chinese)
    dropped = chinese.replace(glued.group(0), "0.5")
    problems = zh_sync.compare(english, dropped, PAGE)
    assert problems == [f"{PAGE}: glue targets missing: {[key]}"], problems
    link = re.search(r"\{doc\}`[^`]*`", chinese)
    assert link
    unlinked = chinese.replace(link.group(0), "别处")
    assert any(
        "doc targets missing" in p for p in zh_sync.compare(english, unlinked, PAGE)
    )


def test_stamping_records_the_english_prose_and_keeps_the_front_matter(tmp_path):
    english = (ROOT / PAGE).read_text(encoding="utf-8")
    chinese = (ZH / PAGE).read_text(encoding="utf-8")
    again = zh_sync.stamp(chinese, PAGE, "0" * 64)
    assert zh_sync.stamp_of(again) == {"source": PAGE, "prose_sha256": "0" * 64}
    assert zh_sync.split(again).cells == zh_sync.split(english).cells
    assert not zh_sync.compare(english, again, PAGE)
    plain = zh_sync.stamp("# 标题\n\n正文。\n", "x.md", "1" * 64)
    assert zh_sync.stamp_of(plain)["prose_sha256"] == "1" * 64
    assert zh_sync.split(plain).prose.strip().startswith("# 标题")


# ------------------------------------------------------------ the prose


def prose(text: str) -> str:
    """Return a page's prose without code, literal blocks, math and markup."""
    text = zh_sync.split(text).prose
    text = LITERAL.sub("", text)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", " ", text)
    text = re.sub(r"^\s*:[\w-]+:.*$", " ", text, flags=re.M)  # directive options
    text = re.sub(r"^\s*[`:]{3,}.*$", " ", text, flags=re.M)  # fences
    text = re.sub(r"\{[\w:.-]+\}`[^`]*`", " ", text)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)  # raw HTML tags
    return text


def untranslated(text: str) -> list[str]:
    """Return paragraphs of eight or more English words and no Chinese."""
    found = []
    for paragraph in re.split(r"\n\s*\n", prose(text)):
        words = re.findall(r"[A-Za-z]{2,}", paragraph)
        if len(words) >= 8 and not CJK.search(paragraph):
            found.append(" ".join(paragraph.split())[:100])
    return found


def test_every_page_is_written_in_chinese():
    problems = []
    for page in translated_pages():
        text = (ZH / page).read_text(encoding="utf-8")
        if not CJK.search(prose(text)):
            problems.append(f"{page}: no Chinese prose")
        problems += [f"{page}: {p}" for p in untranslated(text)]
    assert not problems, "\n".join(problems)


def test_the_untranslated_check_can_fail():
    english = (ROOT / "chapters" / "principles" / "dying.md").read_text()
    assert untranslated(english)
    assert not untranslated((ZH / "chapters" / "principles" / "dying.md").read_text())


# ------------------------------------------------------------ one term, one translation


def glossary_terms() -> dict[str, str]:
    """Return ``{English term: Chinese term}`` from the English glossary.

    The Chinese term is the start of each definition, up to its first full
    stop, without the English in parentheses that some entries add.
    """
    text = (ROOT / "chapters" / "glossary.md").read_text(encoding="utf-8")
    block = re.search(r"^```\{glossary\}\n(.*?)^```", text, re.S | re.M).group(1)
    definitions: dict[str, str] = {}
    term = None
    for line in block.splitlines():
        if not line.strip() or line.startswith(":"):
            continue
        if not line[0].isspace():
            term = line.strip()
            definitions[term] = ""
        elif term is not None:
            definitions[term] += line.strip() + " "
    terms = {}
    for term, definition in definitions.items():
        chinese = definition.split(". ")[0].rstrip(".")
        terms[term] = re.sub(r"\s*\([^)]*\)\s*$", "", chinese).strip()
    return terms


def chinese_glossary() -> list[list[str]]:
    """Return the term lines of each entry of the Chinese glossary."""
    text = (ZH / "chapters" / "glossary.md").read_text(encoding="utf-8")
    block = re.search(r"^```\{glossary\}\n(.*?)^```", text, re.S | re.M).group(1)
    entries: list[list[str]] = []
    in_terms = False
    for line in block.splitlines():
        if not line.strip() or line.startswith(":"):
            in_terms = False
            continue
        if line[0].isspace():
            in_terms = False
            continue
        if not in_terms:
            entries.append([])
            in_terms = True
        entries[-1].append(line.strip())
    return entries


def test_the_chinese_glossary_has_every_entry_under_both_names():
    terms = glossary_terms()
    assert len(terms) > 50
    expected = [[zh, en] if zh != en else [en] for en, zh in terms.items()]
    assert sorted(chinese_glossary()) == sorted(expected)


def test_linked_terms_show_the_glossary_translation():
    """A ``{term}`` link shows its entry's Chinese term, the same everywhere.

    Or its English name, for the names kept in Latin letters (ReLU, ELU).
    """
    terms = {en.lower(): zh for en, zh in glossary_terms().items()}
    names = {zh.lower() for zh in terms.values()}
    problems = []
    for page in translated_pages():
        text = zh_sync.split((ZH / page).read_text(encoding="utf-8")).prose
        for shown, target in TERM_ROLE.findall(text):
            key = (target or shown).strip().lower()
            if key in names:
                continue  # {term}`死亡 ReLU`: the Chinese name is the target
            if key not in terms:
                problems.append(f"{page}: {{term}} {key!r} is not in the glossary")
            elif terms[key].lower() not in shown.lower() and key not in shown.lower():
                problems.append(
                    f"{page}: {shown!r} links {key!r}, whose term is {terms[key]!r}"
                )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("term", "variants"),
    [
        # Other renderings in circulation, which the edition does not use.
        ("ReLU", ("整流线性单元", "线性整流函数", "线性整流单元", "校正线性单元")),
        ("dying ReLU", ("ReLU 死亡问题", "神经元死亡问题")),
        ("vanishing gradients", ("梯度弥散",)),
        ("Jacobian", ("雅克比",)),
    ],
)
def test_no_other_translation_of_a_term(term, variants):
    assert term in glossary_terms()
    found = [
        f"{page}: {v}"
        for page in translated_pages()
        for v in variants
        if v in (ZH / page).read_text(encoding="utf-8")
    ]
    assert not found, found
