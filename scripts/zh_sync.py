"""Keep the Chinese edition (``zh/``) in step with the English pages.

The Chinese edition mirrors the English book: ``zh/<page>`` is the
translation of ``<page>`` (``zh/intro.md`` of ``intro.md``,
``zh/chapters/principles/zoo.md`` of ``chapters/principles/zoo.md``). Two
things hold it in step:

* **Code cannot drift.** A Chinese page has exactly the code cells of its
  English page: the same cells in the same order, each with the same
  source and the same options. The Chinese build then finds every page in
  the English build's execution cache (the cache is keyed on the code), so
  both editions show the same figures and numbers and the second edition
  executes nothing. The links and numbers a page's prose carries (glued
  values, cross-references, labels, citations, downloads) must match too,
  so that no number is lost or typed in translation. Where a glued value
  is words (a list of names, a verdict), the shared code cell glues it
  twice, ``key`` in English and ``key_zh`` in Chinese, and the Chinese
  page shows ``key_zh``.
* **Falling behind shows.** When a Chinese page is brought in step, its
  front matter records a hash of the English page's prose (``translation:
  prose_sha256``). A page whose English prose has changed since is
  *stale*; a reflow of the English text (line breaks, spacing) is not a
  change.

Usage::

    python scripts/zh_sync.py check [PAGE ...]   # code, links and staleness
    python scripts/zh_sync.py stamp PAGE ...     # record the English prose hash
    python scripts/zh_sync.py status             # every page: ok, stale, missing

``PAGE`` is a Chinese page (``zh/...``) or its English page; without pages,
``check`` covers every page of the English table of contents. Exit status
1 means a problem was found, 2 a wrong command line.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZH = "zh"
#: The front-matter key of a Chinese page that records its English source.
KEY = "translation"

FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.S)
#: A fenced block that opens with three or more backticks or colons.
FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})(?P<info>[^\n]*)$", re.M)
ROLE = re.compile(r"\{(?P<name>[\w:.-]+)\}`(?P<body>[^`]*)`")
LABEL = re.compile(r"^\((?P<label>[\w:.-]+)\)=\s*$", re.M)
NAME_OPTION = re.compile(r"^:(?:name|label):\s*(?P<name>\S+)\s*$", re.M)
#: A glued value's Chinese form: ``key_zh`` beside ``key`` in the same cell.
ZH_SUFFIX = "_zh"
#: Roles whose target must be the same in both editions.
SAME_TARGET = ("doc", "ref", "numref", "eq", "download", "glue")
CITE = "cite"


@dataclass
class Page:
    """A Markdown page split into front matter, code cells and prose."""

    front: str  # the front matter's text, without its --- lines
    cells: list[str]  # each code cell: its opening line, options and code
    prose: str  # everything else, code cells replaced by a marker


def split(text: str) -> Page:
    """Return ``text`` split into front matter, code cells and prose.

    A code cell is a ```` ```{code-cell} ```` fence with everything up to
    its closing fence, taken verbatim.
    """
    front = ""
    found = FRONT_MATTER.match(text)
    if found:
        front = found.group(1)
        text = text[found.end() :]
    cells: list[str] = []
    prose: list[str] = []
    pos = 0
    while True:
        opening = FENCE.search(text, pos)
        if opening is None:
            break
        fence = opening.group("fence")
        closing = re.compile(rf"^{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.M)
        end = closing.search(text, opening.end())
        stop = len(text) if end is None else end.end()
        if opening.group("info").strip().startswith("{code-cell}"):
            prose.append(text[pos : opening.start()])
            prose.append("\n<code-cell>\n")
            cells.append(text[opening.start() : stop])
            pos = stop
        else:
            # Other fences (directives, literal blocks) are prose that may
            # hold code cells of their own only in theory; step inside.
            prose.append(text[pos : opening.end()])
            pos = opening.end()
    prose.append(text[pos:])
    return Page(front=front, cells=cells, prose="".join(prose))


def prose_hash(text: str) -> str:
    """Return the hash of a page's prose, blind to line breaks and spacing."""
    words = " ".join(split(text).prose.split())
    return hashlib.sha256(words.encode("utf-8")).hexdigest()


def english_of(path: Path) -> Path:
    """Return the English page of a Chinese page (or the page itself)."""
    relative = path.resolve().relative_to(ROOT)
    if relative.parts[0] == ZH:
        return ROOT.joinpath(*relative.parts[1:])
    return ROOT / relative


def chinese_of(path: Path) -> Path:
    """Return the Chinese page of an English page (or the page itself)."""
    relative = path.resolve().relative_to(ROOT)
    if relative.parts[0] == ZH:
        return ROOT / relative
    return ROOT / ZH / relative


def toc_pages(toc: Path) -> list[str]:
    """Return the files of a table of contents in order, with their suffix."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    root = toc.parent
    found = []
    for docname in parse_toc_yaml(toc):
        for suffix in (".md", ".ipynb"):
            if (root / f"{docname}{suffix}").is_file():
                found.append(f"{docname}{suffix}")
                break
        else:
            found.append(f"{docname}.md")
    return found


def stamp_of(text: str) -> dict[str, str]:
    """Return the ``translation:`` record of a Chinese page's front matter."""
    found = FRONT_MATTER.match(text)
    if not found:
        return {}
    block = re.search(
        rf"^{KEY}:\n((?:[ \t]+.*\n)+)", found.group(1), re.M
    )  # a small YAML mapping of plain scalars, written by stamp()
    if block is None:
        return {}
    record = {}
    for line in block.group(1).splitlines():
        key, _, value = line.strip().partition(":")
        record[key.strip()] = value.strip()
    return record


def stamp(text: str, source: str, digest: str) -> str:
    """Return ``text`` with its front matter recording ``source`` and ``digest``."""
    record = f"{KEY}:\n  source: {source}\n  prose_sha256: {digest}\n"
    found = FRONT_MATTER.match(text)
    if not found:
        return f"---\n{record}---\n\n{text}"
    front = without_stamp(found.group(1))
    return f"---\n{front}{record}---\n{text[found.end() :]}"


def without_stamp(front: str) -> str:
    """Return front matter without its ``translation:`` record."""
    return re.sub(rf"^{KEY}:\n(?:[ \t]+.*\n)+", "", front, flags=re.M)


def targets(prose: str) -> dict[str, Counter[str]]:
    """Return what the prose links to, role by role, and the labels it defines."""
    found: dict[str, Counter[str]] = {}
    for role in ROLE.finditer(prose):
        name = role.group("name")
        kind = name.split(":")[0]
        if kind not in SAME_TARGET and kind != CITE:
            continue
        body = role.group("body")
        explicit = re.search(r"<([^<>]+)>\s*$", body)
        target = explicit.group(1) if explicit else body
        if kind == "glue":
            target = target.split(":")[0]  # {glue:text}`key:.2f`: the key
            # key_zh: the same value in the Chinese edition's words, glued
            # by the same (shared) code cell.
            target = target.removesuffix(ZH_SUFFIX)
        if kind == CITE:
            for key in target.split(","):
                found.setdefault(CITE, Counter())[key.strip()] += 1
            continue
        found.setdefault(kind, Counter())[target.strip()] += 1
    for label in LABEL.finditer(prose):
        found.setdefault("label", Counter())[label.group("label")] += 1
    for option in NAME_OPTION.finditer(prose):
        found.setdefault("label", Counter())[option.group("name")] += 1
    return found


def compare(english: str, chinese: str, name: str) -> list[str]:
    """Return how a Chinese page departs from its English page (code, links)."""
    en, zh = split(english), split(chinese)
    problems = []
    if without_stamp(zh.front) != en.front:
        problems.append(f"{name}: front matter differs from the English page's")
    if len(en.cells) != len(zh.cells):
        problems.append(
            f"{name}: {len(zh.cells)} code cells, the English page has {len(en.cells)}"
        )
    for index, (a, b) in enumerate(zip(en.cells, zh.cells, strict=False), 1):
        if a != b:
            line = next(
                (
                    f": English {x!r} / Chinese {y!r}"
                    for x, y in zip(a.splitlines(), b.splitlines(), strict=False)
                    if x != y
                ),
                "",
            )
            problems.append(f"{name}: code cell {index} differs{line}")
    en_targets, zh_targets = targets(en.prose), targets(zh.prose)
    for kind in sorted(set(en_targets) | set(zh_targets)):
        a = set(en_targets.get(kind, Counter()))
        b = set(zh_targets.get(kind, Counter()))
        if kind == "label":
            extra = sorted(b - a)
            if extra:
                problems.append(f"{name}: labels not on the English page: {extra}")
        if a - b:
            problems.append(f"{name}: {kind} targets missing: {sorted(a - b)}")
        if kind != "label" and b - a:
            problems.append(
                f"{name}: {kind} targets not on the English page: {sorted(b - a)}"
            )
    return problems


def relative_name(path: Path) -> str:
    """Return ``path`` relative to the repository, for messages."""
    return path.resolve().relative_to(ROOT).as_posix()


def status(chinese: Path) -> str:
    """Return ``ok``, ``stale``, ``unstamped`` or ``missing`` for a Chinese page."""
    if not chinese.is_file():
        return "missing"
    record = stamp_of(chinese.read_text(encoding="utf-8"))
    if "prose_sha256" not in record:
        return "unstamped"
    english = english_of(chinese).read_text(encoding="utf-8")
    return "ok" if record["prose_sha256"] == prose_hash(english) else "stale"


def pages_of(args: list[str]) -> list[Path]:
    """Return the Chinese pages named (English or Chinese paths), or all of them."""
    if args:
        return [chinese_of(Path(arg)) for arg in args]
    return [ROOT / ZH / page for page in toc_pages(ROOT / "_toc.yml")]


def check(pages: list[Path]) -> list[str]:
    """Return every problem of ``pages``: code, links, staleness, absence."""
    problems = []
    for page in pages:
        name = relative_name(page)
        state = status(page)
        if state == "missing":
            problems.append(
                f"{name}: missing (no translation of {relative_name(english_of(page))})"
            )
            continue
        if state != "ok":
            problems.append(
                f"{name}: {state}: the English prose changed since it was brought "
                "in step; update the translation, then run "
                f"'python scripts/zh_sync.py stamp {name}'"
                if state == "stale"
                else f"{name}: {state}: run 'python scripts/zh_sync.py stamp {name}'"
            )
        problems += compare(
            english_of(page).read_text(encoding="utf-8"),
            page.read_text(encoding="utf-8"),
            name,
        )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("check", "stamp", "status"))
    parser.add_argument("pages", nargs="*", help="Chinese or English pages")
    args = parser.parse_args(argv)
    for arg in args.pages:
        path = Path(arg).resolve()
        if not path.is_relative_to(ROOT):
            parser.error(f"{arg}: not a page of this repository")
        if not english_of(path).is_file():
            parser.error(f"{arg}: no English page {relative_name(english_of(path))}")
    if args.command == "stamp":
        if not args.pages:
            parser.error("stamp needs the pages it records")
        for page in pages_of(args.pages):
            if not page.is_file():
                print(f"zh_sync: {relative_name(page)}: no such page", file=sys.stderr)
                return 1
            english = english_of(page)
            text = page.read_text(encoding="utf-8")
            problems = compare(
                english.read_text(encoding="utf-8"), text, relative_name(page)
            )
            if problems:
                print("\n".join(problems), file=sys.stderr)
                print(f"zh_sync: {relative_name(page)} not stamped", file=sys.stderr)
                return 1
            digest = prose_hash(english.read_text(encoding="utf-8"))
            page.write_text(
                stamp(text, relative_name(english), digest), encoding="utf-8"
            )
            print(f"zh_sync: stamped {relative_name(page)}")
        return 0
    pages = pages_of(args.pages)
    if args.command == "status":
        states = {page: status(page) for page in pages}
        for page, state in states.items():
            print(f"{state:10} {relative_name(page)}")
        counts = Counter(states.values())
        print("zh_sync: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
        return 0 if set(counts) <= {"ok"} else 1
    problems = check(pages)
    for problem in problems:
        print(problem)
    print(f"zh_sync: {len(pages)} pages checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
