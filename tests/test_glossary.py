"""The glossary: complete entries, and pages that link terms on first use.

The checks read the Markdown sources, not the built site, so they run in
well under a second. Sphinx itself already fails the build on a ``{term}``
that names no glossary entry; these tests add what Sphinx does not check:
every entry has an English name, the Chinese term, a definition and a link
to the page that introduces it; every entry is linked from some page; a
page links a term once, at its first mention in the prose.

A *mention* of a term is found on word stems, so that "dead units" mentions
"dead unit" and "gradients explode" mentions "exploding gradients": the
term's stems must all occur, in any order, within a window of a few words.
Prose means the page without its front matter, code, math, headings,
directive blocks and roles other than ``{term}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import toc_docs

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "chapters" / "glossary.md"
#: Pages whose prose is not expected to link terms.
UNLINKED = {
    "chapters/glossary",
    "chapters/api",
    "chapters/hands_on/instructors",
    "chapters/hands_on/grading_at_scale",
    "chapters/bibliography",
}
#: Folders of pages generated from docstrings (one API page per module).
UNLINKED_FOLDERS = ("chapters/api/",)

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
INTRODUCED = re.compile(r"Introduced in \{doc\}`(?:[^`<]*<)?([^`>]+)>?`")
TERM_ROLE = re.compile(r"\{term\}`([^`]*?)(?:\s*<([^`>]+)>)?`", re.S)
OTHER_ROLE = re.compile(r"\{(?!term\})[\w:.-]+\}`[^`]*`")
WORD = re.compile(r"[A-Za-z0-9]+(?:'s)?")
SUFFIXES = (
    "sations",
    "sation",
    "sing",
    "sed",
    "ses",
    "se",
    "ations",
    "ation",
    "ating",
    "ated",
    "ates",
    "ally",
    "ing",
    "ed",
    "es",
    "e",
    "s",
)


# ------------------------------------------------------------ parsing


@dataclass
class Entry:
    """One glossary entry: its term and its definition text."""

    term: str
    definition: str
    introduced: str | None = field(default=None)


def parse_glossary(text: str) -> list[Entry]:
    """Return the entries of the ``{glossary}`` block in ``text``.

    A term is a line at column 0 inside the block, its definition the
    indented lines below it (the Sphinx glossary syntax).
    """
    match = re.search(r"^```\{glossary\}\n(.*?)^```", text, re.S | re.M)
    if match is None:
        raise ValueError("no ```{glossary} block found")
    entries: list[Entry] = []
    for line in match.group(1).splitlines():
        if not line.strip() or line.startswith(":"):
            continue
        if line[0].isspace():
            if not entries:
                raise ValueError(f"definition before any term: {line!r}")
            entries[-1].definition += line.strip() + " "
        else:
            entries.append(Entry(line.strip(), ""))
    for entry in entries:
        entry.definition = entry.definition.strip()
        found = INTRODUCED.search(entry.definition)
        entry.introduced = found.group(1) if found else None
    return entries


def resolve_doc(target: str, page: str) -> str:
    """Return the document name a ``{doc}`` target in ``page`` points to."""
    if target.startswith("/"):
        return target.lstrip("/")
    base = Path(page).parent
    parts: list[str] = []
    for part in (base / target).as_posix().split("/"):
        if part == "..":
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def entry_problems(entry: Entry, docs: set[str], page: str) -> list[str]:
    """Return what is missing from a glossary entry (empty if complete)."""
    problems = []
    if CJK.search(entry.term) or not re.search(r"[A-Za-z]", entry.term):
        problems.append("the term must be an English name")
    if not CJK.search(entry.definition):
        problems.append("no Chinese term")
    prose = CJK.sub("", INTRODUCED.sub("", entry.definition))
    if len(WORD.findall(prose)) < 6:
        problems.append("no one-line definition")
    if entry.introduced is None:
        problems.append("no 'Introduced in {doc}`...`' link")
    elif resolve_doc(entry.introduced, page) not in docs:
        problems.append(f"introduced in {entry.introduced!r}, not in _toc.yml")
    return [f"{entry.term}: {p}" for p in problems]


# ------------------------------------------------------------ prose


def _blank(text: str, start: int, end: int) -> str:
    """Return ``text`` with ``[start, end)`` blanked, newlines kept."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


@dataclass
class Link:
    """A ``{term}`` role: where its visible text is, and what it targets."""

    start: int
    end: int
    text: str
    target: str


def prose_of(text: str) -> tuple[str, list[Link]]:
    """Return the page with everything but prose blanked, and its term links.

    Offsets are preserved, so a position in the result is a position in the
    source. Of a ``{term}`` role only its visible text is kept.
    """
    out = text
    front = re.match(r"---\n.*?\n---\n", out, re.S)
    if front:
        out = _blank(out, 0, front.end())
    # Fenced blocks (code cells, directives, code) and $$ math.
    for pattern in (r"^(`{3,}|~{3,}|:{3,}).*?^\1[ \t]*$", r"\$\$.*?\$\$"):
        for m in reversed(list(re.finditer(pattern, out, re.S | re.M))):
            out = _blank(out, m.start(), m.end())
    for pattern in (r"^#[^\n]*$", r"^\([^\n]*\)=[ \t]*$", r"<!--.*?-->"):
        for m in reversed(list(re.finditer(pattern, out, re.M | re.S))):
            out = _blank(out, m.start(), m.end())
    links = []
    for m in TERM_ROLE.finditer(out):
        shown = m.group(1).strip()
        target = (m.group(2) or shown).strip()
        start = m.start(1)
        links.append(Link(start, start + len(m.group(1)), shown, target))
    # Blank the role markup around each link's text.
    for m in reversed(list(TERM_ROLE.finditer(out))):
        out = _blank(out, m.end(1), m.end())
        out = _blank(out, m.start(), m.start(1))
    for pattern in (
        OTHER_ROLE.pattern,
        r"`[^`]*`",
        r"(?<!\\)\$[^$]*?\$",
        r"\]\([^)]*\)",
    ):
        for m in reversed(list(re.finditer(pattern, out, re.S))):
            out = _blank(out, m.start(), m.end())
    return out, links


def stem(word: str) -> str:
    """Return a crude stem: no possessive, no common suffix, lower case.

    Acronyms (two or more capitals, such as ReLU or PINN) keep their case
    and lose only a plural "s", so that "pinned" does not mention PINN.
    """
    if word.endswith("'s"):
        word = word[:-2]
    if sum(c.isupper() for c in word) >= 2:
        return "=" + (word[:-1] if word.endswith("s") else word)
    word = word.lower()
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Return ``(stem, start, end)`` for every word of ``text``."""
    return [(stem(m.group()), m.start(), m.end()) for m in WORD.finditer(text)]


#: Characters that may not lie inside one mention of a term.
BREAKS = re.compile(r"[,;:.!?*_()\[\]`$|]|\n[ \t]*\n")


def mentions(
    term: str, toks: list[tuple[str, int, int]], text: str | None = None
) -> list[tuple[int, int]]:
    """Return the character spans in which ``toks`` mention ``term``.

    A one-word term must match a word. A longer term's stems must all occur,
    in any order, within a window of two words more than the term has, with
    no punctuation or markup in between (checked when ``text`` is given).
    The tightest such windows win.
    """
    wanted = [stem(w) for w in WORD.findall(term)]
    if not wanted:
        return []
    window = len(wanted) + 2 if len(wanted) > 1 else 1
    candidates = []
    for i, tok in enumerate(toks):
        if tok[0] not in wanted:
            continue
        seen: set[str] = set()
        for j in range(i, min(i + window, len(toks))):
            if toks[j][0] in wanted:
                seen.add(toks[j][0])
            if seen == set(wanted):
                start, end = tok[1], toks[j][2]
                if text is None or not BREAKS.search(text[start:end]):
                    candidates.append((j - i, start, end))
                break
    spans: list[tuple[int, int]] = []
    for _, start, end in sorted(candidates):
        if all(end <= a or b <= start for a, b in spans):
            spans.append((start, end))
    return sorted(spans)


def term_mentions(term: str, prose: str, terms: list[str]) -> list[tuple[int, int]]:
    """Return the mentions of ``term`` that are not part of a longer term.

    "ReLU" inside "Leaky ReLU" or "dying ReLU" mentions those terms, not
    ReLU itself.
    """
    toks = tokens(prose)
    own = set(stem(w) for w in WORD.findall(term))
    longer = [
        t for t in terms if t != term and own < set(stem(w) for w in WORD.findall(t))
    ]
    covered = [span for t in longer for span in mentions(t, toks, prose)]
    return [
        s
        for s in mentions(term, toks, prose)
        if not any(c[0] <= s[0] and s[1] <= c[1] for c in covered)
    ]


def link_problems(page: str, text: str, terms: list[str]) -> list[str]:
    """Return how a page's ``{term}`` links break the first-use rules."""
    prose, links = prose_of(text)
    known = {t.lower(): t for t in terms}
    problems = []
    seen: set[str] = set()
    for link in links:
        term = known.get(link.target.lower())
        if term is None:
            problems.append(f"{page}: unknown term {link.target!r}")
            continue
        if term in seen:
            problems.append(f"{page}: links {term!r} twice")
            continue
        seen.add(term)
        others = [(k.start, k.end) for k in links if k is not link]
        found = term_mentions(term, prose, terms)
        shares_a_word = {t[0] for t in tokens(link.text)} & {
            stem(w) for w in WORD.findall(term)
        }
        if not shares_a_word or not any(s < link.end for s, _ in found):
            problems.append(
                f"{page}: link text {link.text!r} does not mention {term!r}"
            )
        for start, end in found:
            if end > link.start:
                break
            if not any(start < b and a < end for a, b in others):
                line = text.count("\n", 0, start) + 1
                problems.append(
                    f"{page}: {term!r} is mentioned on line {line} before "
                    "its link: link the first use"
                )
                break
    return problems


# ------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_glossary(GLOSSARY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    texts = {}
    for doc in toc_docs():
        if doc in UNLINKED or doc.startswith(UNLINKED_FOLDERS):
            continue
        path = ROOT / f"{doc}.md"
        texts[doc] = path.read_text(encoding="utf-8")
    return texts


# ------------------------------------------------------------ the glossary


def test_glossary_is_in_the_toc():
    assert "chapters/glossary" in toc_docs()


def test_glossary_covers_the_course(entries):
    terms = [e.term for e in entries]
    assert len(terms) >= 40, f"only {len(terms)} terms"
    lowered = [t.lower() for t in terms]
    assert len(set(lowered)) == len(lowered), "a term is defined twice"
    for core in (
        "ReLU",
        "Leaky ReLU",
        "ELU",
        "SELU",
        "GELU",
        "SiLU",
        "softplus",
        "Clarke subdifferential",
        "dying ReLU",
        "exploding gradients",
        "vanishing gradients",
        "Hessian",
        "interval bound propagation",
        "PINN",
        "Bachelier model",
    ):
        assert core.lower() in lowered, f"{core} is missing"


def test_every_entry_is_complete(entries):
    docs = set(toc_docs())
    problems = [
        p for e in entries for p in entry_problems(e, docs, "chapters/glossary")
    ]
    assert not problems, "\n".join(problems)


def test_chinese_terms_of_the_source(entries):
    # The source text's own terms, for entries it names.
    from_source = {
        "ReLU": "修正线性单元",
        "Clarke subdifferential": "次微分",
        "dying ReLU": "死亡",
        "ELU": "指数线性单元",
        "Jacobian": "雅可比矩阵",
        "bias shift": "偏置偏移",
        "exploding gradients": "梯度爆炸",
        "vanishing gradients": "梯度消失",
        "Leaky ReLU": "带泄漏的 ReLU",
    }
    by_term = {e.term: e.definition for e in entries}
    for term, chinese in from_source.items():
        assert chinese in by_term[term], f"{term}: expected {chinese}"


def test_introducing_page_mentions_the_term(entries):
    terms = [e.term for e in entries]
    for entry in entries:
        doc = resolve_doc(entry.introduced, "chapters/glossary")
        text = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
        # Headings count here: a page titled with the term introduces it.
        body = (
            prose_of(text)[0] + "\n" + "\n".join(re.findall(r"^#+ (.*)$", text, re.M))
        )
        assert term_mentions(entry.term, body, terms), (
            f"{entry.term}: {doc} never mentions it"
        )


# ------------------------------------------------------------ the links


def test_pages_link_known_terms_once_at_first_use(entries, pages):
    terms = [e.term for e in entries]
    problems = [
        p for page, text in pages.items() for p in link_problems(page, text, terms)
    ]
    assert not problems, "\n".join(problems)


def test_every_term_is_linked_from_a_page(entries, pages):
    linked = {
        link.target.lower() for text in pages.values() for link in prose_of(text)[1]
    }
    orphans = [e.term for e in entries if e.term.lower() not in linked]
    assert not orphans, f"never linked from a page: {orphans}"


def test_every_page_links_some_term(pages):
    bare = [page for page, text in pages.items() if not prose_of(text)[1]]
    assert not bare, f"pages without glossary links: {bare}"


# ------------------------------------------------------------ the checker


BAD_GLOSSARY = """\
```{glossary}
:sorted:

ReLU
  Rectified linear unit. The function max of zero and x, used everywhere.
  Introduced in {doc}`principles/kink`.

修正线性单元
  修正线性单元. The Chinese name given as a term, which is not allowed.
  Introduced in {doc}`principles/kink`.

ELU
  指数线性单元. Exponential linear unit with a smooth negative half line.

GELU
  高斯误差线性单元. Introduced in {doc}`principles/nowhere`.
```
"""


def test_checker_rejects_incomplete_entries():
    entries = parse_glossary(BAD_GLOSSARY)
    docs = {"chapters/principles/kink"}
    problems = {e.term: entry_problems(e, docs, "chapters/glossary") for e in entries}
    assert problems["ReLU"] == ["ReLU: no Chinese term"]
    assert problems["修正线性单元"] == [
        "修正线性单元: the term must be an English name"
    ]
    assert problems["ELU"] == ["ELU: no 'Introduced in {doc}`...`' link"]
    assert any("no one-line definition" in p for p in problems["GELU"])
    assert any("not in _toc.yml" in p for p in problems["GELU"])


def test_checker_rejects_bad_links():
    terms = ["ReLU", "Leaky ReLU", "dead unit", "kink"]
    page = (
        "---\nfront: ReLU\n---\n# ReLU\n\n"
        "Leaky ReLU is not ReLU, and $\\mathrm{ReLU}$ is math.\n"
        "A {term}`ReLU` unit, then {term}`ReLU` again, "
        "{term}`a broken corner <kink>`, {term}`dead units <dead unit>` and\n"
        "{term}`nothing <unknown>`.\n"
    )
    problems = link_problems("p", page, terms)
    assert any("'ReLU' is mentioned on line 6" in p for p in problems)
    assert any("links 'ReLU' twice" in p for p in problems)
    assert any("does not mention 'kink'" in p for p in problems)
    assert any("unknown term 'unknown'" in p for p in problems)
    assert not any("dead unit" in p for p in problems), problems
    assert len(problems) == 4, problems


def test_checker_accepts_first_use_and_ignores_code_math_headings():
    terms = ["ReLU", "Leaky ReLU", "exploding gradients"]
    page = (
        "# ReLU and Leaky ReLU\n\n"
        "```{code-cell} ipython3\nrelu = 'ReLU'\n```\n\n"
        "$$\\mathrm{ReLU}(x)$$ and `ReLU` and {glue:text}`ReLU_value`.\n"
        "{term}`Leaky ReLU` tilts {term}`ReLU`'s flat half, so\n"
        "{term}`gradients explode <exploding gradients>` less.\n"
    )
    assert link_problems("p", page, terms) == []


def test_stems_and_mentions():
    assert stem("initialised") == stem("initialisation") == "initiali"
    assert stem("normalising") == stem("normalisation")
    assert stem("explode") == stem("exploding")
    assert stem("replicated") == stem("replication")
    assert stem("He") == "he" and stem("ReLU's") == stem("ReLUs") == "=ReLU"
    assert stem("pinned") != stem("PINN")
    toks = tokens("whether gradients explode or vanish")
    assert mentions("exploding gradients", toks) == [(8, 25)]
    assert mentions("vanishing gradients", toks) != []
    assert (
        mentions(
            "vanishing gradients", tokens("gradients are not, as a rule, vanishing")
        )
        == []
    )
    assert mentions("ELU", tokens("SELU and CELU")) == []
    text = "ReLU and Leaky ReLU; Leaky, ReLU"
    assert mentions("Leaky ReLU", tokens(text), text) == [(9, 19)]
