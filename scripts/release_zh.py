"""Write the Chinese student notebooks from the English ones and their translations.

    python scripts/release_zh.py [--check] [--diff] [--sync EX/CELL ...] [EX ...]

The Chinese edition's exercise pages (``zh/chapters/hands_on/``) link
``zh/exercises/<ex>/<ex>.ipynb``, the Chinese student notebook of each
exercise. It has exactly the cells of the English student notebook
``exercises/<ex>/<ex>.ipynb`` (same order, same ids, same metadata, the
same code cells character for character), except that each markdown
cell's text is its Chinese translation. nbgrader and the course's grader
therefore treat a Chinese submission exactly as an English one, and
students hand it in under the same file name.

The translations are kept in ``zh/exercises/<ex>.translation.yml``, one
entry per markdown cell, keyed by the cell's id::

    cells:
      ex1-03:
        source_sha256: <SHA-256 of the English text below, UTF-8>
        en: |-
          <the English text the translation follows>
        zh: |-
          <its Chinese translation>

The notebooks are generated, never edited by hand: code cells and all
metadata come from the English notebook, each markdown cell's text from
its entry. A markdown cell whose entry is missing, or whose English text
has changed since it was translated (its hash is not ``source_sha256``),
is reported on one line naming the exercise and the cell, and that
exercise's notebook is not written; so is an entry for a cell that is not
a markdown cell of the English notebook.

To bring a stale cell in step, compare the entry's ``en`` with the English
notebook (``--diff`` prints the difference), change its ``zh`` to match,
then record the English text it now follows with ``--sync EX/CELL``
(which rewrites that entry's ``en`` and ``source_sha256``). A new
markdown cell gets an entry with its ``zh`` only, then ``--sync``.

``make release`` runs this script after releasing the English notebooks;
``make release-check`` runs it with ``--check``, which writes nothing and
exits 1 when a translation is stale or missing or a Chinese notebook is
not exactly what this script makes.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
#: The English student notebooks, ``<ex>/<ex>.ipynb``, made by the release.
ENGLISH = Path("exercises")
#: The Chinese student notebooks and their translation files.
CHINESE = Path("zh") / "exercises"
SUFFIX = ".translation.yml"
#: The heading of every translation file (the file is rewritten by --sync).
HEADER = """\
# The Chinese text of the markdown cells of the English student notebook
#   {english}
# by cell id. scripts/release_zh.py makes the Chinese student notebook
#   {chinese}
# from the two. Each entry records the English text it follows (en) and
# that text's SHA-256 (source_sha256). When the English text changes, the
# release stops until zh is brought in step and the entry recorded again:
#   python scripts/release_zh.py --sync {name}/<cell>
"""


def sha256(text: str) -> str:
    """Return the hex SHA-256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def english_path(root: Path, name: str) -> Path:
    return root / ENGLISH / name / f"{name}.ipynb"


def chinese_path(root: Path, name: str) -> Path:
    return root / CHINESE / name / f"{name}.ipynb"


def translation_path(root: Path, name: str) -> Path:
    return root / CHINESE / f"{name}{SUFFIX}"


def exercises(root: Path) -> list[str]:
    """Return the English exercises, ``exercises/<ex>/<ex>.ipynb``, by name."""
    return sorted(
        p.parent.name
        for p in (root / ENGLISH).glob("*/*.ipynb")
        if p.stem == p.parent.name
    )


@dataclass
class Entry:
    """One markdown cell's translation (``en`` and ``sha`` empty until synced)."""

    zh: str
    en: str = ""
    sha: str = ""


def load_translations(path: Path, shown: str = "") -> dict[str, Entry]:
    """Return ``{cell id: Entry}`` of a translation file.

    ``shown`` is how messages name the file (default: its path).

    Raises
    ------
    ValueError
        In one line, naming the file and the entry, if the file is not
        YAML of the documented form.
    """
    where = shown or path.as_posix()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"{where}: not valid YAML{line}") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, dict):
        raise ValueError(f"{where}: no mapping 'cells' of cell id to translation")
    entries: dict[str, Entry] = {}
    for cell_id, value in cells.items():
        if not isinstance(value, dict) or not isinstance(value.get("zh"), str):
            raise ValueError(f"{where}: cell {cell_id}: no text 'zh'")
        unknown = sorted(set(value) - {"zh", "en", "source_sha256"})
        if unknown:
            raise ValueError(f"{where}: cell {cell_id}: unknown key {unknown[0]!r}")
        en, sha = value.get("en", ""), value.get("source_sha256", "")
        if not isinstance(en, str) or not isinstance(sha, str):
            raise ValueError(
                f"{where}: cell {cell_id}: 'en' and 'source_sha256' must be text"
            )
        entries[str(cell_id)] = Entry(value["zh"], en, sha)
    return entries


class _Dumper(yaml.SafeDumper):
    """Writes text of several lines as a literal block, as people write it."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump_translations(name: str, entries: dict[str, Entry]) -> str:
    """Return the text of exercise ``name``'s translation file."""
    header = HEADER.format(
        english=(ENGLISH / name / f"{name}.ipynb").as_posix(),
        chinese=(CHINESE / name / f"{name}.ipynb").as_posix(),
        name=name,
    )
    cells = {
        cell_id: {"source_sha256": e.sha, "en": e.en, "zh": e.zh}
        for cell_id, e in entries.items()
    }
    body = yaml.dump(
        {"cells": cells},
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=1_000_000,
    )
    if yaml.safe_load(body) != {"cells": cells}:
        raise ValueError(f"{name}: the translations do not survive YAML")
    return header + body


def build(
    english: nbformat.NotebookNode, entries: dict[str, Entry], name: str
) -> tuple[nbformat.NotebookNode, list[str]]:
    """Return the Chinese notebook of ``english`` and what stops its release.

    Every cell and all metadata are the English notebook's; a markdown
    cell's source is its entry's ``zh``. The list names, one line each,
    every markdown cell without a translation or whose English text is not
    the one its entry was translated from, and every entry that belongs to
    no markdown cell; the notebook is only to be written when it is empty.
    """
    notebook = nbformat.from_dict(english)
    problems: list[str] = []
    markdown = set()
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        cell_id = str(cell.get("id", ""))
        markdown.add(cell_id)
        entry = entries.get(cell_id)
        where = f"{name}, cell {cell_id}:"
        if entry is None:
            problems.append(
                f"{where} no translation (add its zh to "
                f"{(CHINESE / (name + SUFFIX)).as_posix()}, then --sync {name}/{cell_id})"
            )
        elif not entry.sha:
            problems.append(
                f"{where} translated from an unrecorded English text "
                f"(record it with --sync {name}/{cell_id})"
            )
        elif sha256(entry.en) != entry.sha:
            problems.append(
                f"{where} the recorded English text does not match its "
                f"source_sha256 (record it with --sync {name}/{cell_id})"
            )
        elif sha256(cell.source) != entry.sha:
            problems.append(
                f"{where} the English text changed since it was translated "
                f"(--diff shows how; bring zh in step, then --sync {name}/{cell_id})"
            )
        else:
            cell.source = entry.zh
    for cell_id in sorted(set(entries) - markdown):
        problems.append(
            f"{name}, cell {cell_id}: translated, but the English notebook has "
            "no markdown cell of that id"
        )
    nbformat.validate(notebook)
    return notebook, problems


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    """Return a notebook as the English release writes it (nbformat's JSON)."""
    return nbformat.writes(notebook) + "\n"


def differences(made: str, path: Path, shown: str) -> list[str]:
    """Return how the notebook at ``path`` differs from ``made``, one line each."""
    again = "(make release writes it again)"
    if not path.is_file():
        return [f"{shown}: missing (make release writes it)"]
    text = path.read_text(encoding="utf-8")
    if text == made:
        return []
    try:
        old = nbformat.reads(text, as_version=4)
    except Exception:  # nbformat raises many kinds on a broken file
        return [f"{shown}: not a notebook that parses {again}"]
    new = nbformat.reads(made, as_version=4)
    found = []
    if old.metadata != new.metadata:
        found.append(f"{shown}: its notebook metadata are not the English ones {again}")
    if [c.get("id") for c in old.cells] != [c.get("id") for c in new.cells]:
        found.append(f"{shown}: its cells are not the English notebook's {again}")
    else:
        for was, cell in zip(old.cells, new.cells, strict=True):
            if was != cell:
                found.append(
                    f"{shown}: {cell.cell_type} cell {cell.get('id')} is not the "
                    f"generated one {again}"
                )
    return found or [f"{shown}: not written as the release writes it {again}"]


def strays(root: Path, names: list[str]) -> list[str]:
    """Return the files of ``zh/exercises`` that belong to no English exercise."""
    folder = root / CHINESE
    if not folder.is_dir():
        return []
    known = {f"{n}{SUFFIX}" for n in names} | {f"{n}/{n}.ipynb" for n in names}
    return [
        f"{(CHINESE / rel).as_posix()}: belongs to no English exercise"
        for rel in sorted(
            p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
        )
        if rel not in known and "/.ipynb_checkpoints/" not in f"/{rel}"
    ]


@dataclass
class Outcome:
    """What :func:`release` found (one line each) and which notebooks it wrote."""

    problems: list[str]
    written: list[str]


def release(
    root: Path = ROOT, names: list[str] | None = None, check: bool = False
) -> Outcome:
    """Make the Chinese notebooks of exercises ``names`` (every one if None).

    With ``check``, nothing is written and a Chinese notebook that is not
    exactly what would be written is reported too (as are files of
    ``zh/exercises`` that belong to no exercise, when every exercise is
    checked). Without, each exercise whose translations are complete and
    in step is written, and the others are left as they are.
    """
    root = Path(root)
    known = exercises(root)
    wanted = known if not names else names
    outcome = Outcome([], [])
    for name in wanted:
        if name not in known:
            outcome.problems.append(
                f"{name}: no English student notebook "
                f"{(ENGLISH / name / f'{name}.ipynb').as_posix()}"
            )
            continue
        path = translation_path(root, name)
        try:
            shown = path.relative_to(root).as_posix()
            entries = load_translations(path, shown) if path.is_file() else {}
        except ValueError as err:
            outcome.problems.append(str(err))
            continue
        english = nbformat.read(english_path(root, name), as_version=4)
        notebook, problems = build(english, entries, name)
        outcome.problems += problems
        if problems:
            continue
        made = notebook_text(notebook)
        target = chinese_path(root, name)
        shown = target.relative_to(root).as_posix()
        if check:
            outcome.problems += differences(made, target, shown)
        elif not target.is_file() or target.read_text(encoding="utf-8") != made:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(made, encoding="utf-8")
            outcome.written.append(shown)
    if check and not names:
        outcome.problems += strays(root, known)
    return outcome


def diff(root: Path, names: list[str]) -> str:
    """Return, for each stale cell, how its English text changed (unified diff)."""
    out = []
    for name in names:
        path = translation_path(root, name)
        if not path.is_file() or not english_path(root, name).is_file():
            continue
        entries = load_translations(path)
        english = nbformat.read(english_path(root, name), as_version=4)
        for cell in english.cells:
            entry = entries.get(str(cell.get("id")))
            if cell.cell_type != "markdown" or entry is None:
                continue
            if entry.sha and sha256(cell.source) == entry.sha:
                continue
            out += difflib.unified_diff(
                entry.en.splitlines(keepends=True),
                cell.source.splitlines(keepends=True),
                f"{name}/{cell.id} (translated from)",
                f"{name}/{cell.id} (English now)",
            )
            out.append("\n")
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def sync(root: Path, cells: list[str]) -> list[str]:
    """Record the current English text of each ``EX/CELL`` in its entry.

    Returns the cells recorded. Each must be a markdown cell of the English
    notebook with an entry (at least its ``zh``).

    Raises
    ------
    ValueError
        In one line, for a cell that cannot be recorded.
    """
    wanted: dict[str, list[str]] = {}
    for item in cells:
        name, _, cell_id = item.partition("/")
        if not name or not cell_id:
            raise ValueError(f"--sync {item}: give the exercise and the cell, EX/CELL")
        wanted.setdefault(name, []).append(cell_id)
    done = []
    for name, ids in wanted.items():
        if not english_path(root, name).is_file():
            raise ValueError(f"--sync {name}: no English student notebook")
        path = translation_path(root, name)
        if not path.is_file():
            raise ValueError(f"--sync {name}: no {path.relative_to(root).as_posix()}")
        entries = load_translations(path)
        english = nbformat.read(english_path(root, name), as_version=4)
        sources = {
            str(c.get("id")): c.source
            for c in english.cells
            if c.cell_type == "markdown"
        }
        for cell_id in ids:
            if cell_id not in sources:
                raise ValueError(f"--sync {name}/{cell_id}: not a markdown cell")
            if cell_id not in entries:
                raise ValueError(f"--sync {name}/{cell_id}: no entry with its zh text")
            entries[cell_id].en = sources[cell_id]
            entries[cell_id].sha = sha256(sources[cell_id])
            done.append(f"{name}/{cell_id}")
        order = {cell_id: n for n, cell_id in enumerate(sources)}
        entries = dict(sorted(entries.items(), key=lambda e: order.get(e[0], 10**9)))
        path.write_text(dump_translations(name, entries), encoding="utf-8")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*", metavar="EX", help="default: all")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a Chinese notebook is stale or not generated",
    )
    mode.add_argument(
        "--diff",
        action="store_true",
        help="print how the English text of each stale cell changed",
    )
    mode.add_argument(
        "--sync",
        nargs="+",
        metavar="EX/CELL",
        help="record the English text each translation now follows",
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the course folder (default: this one)"
    )
    args = parser.parse_args(argv)
    root: Path = args.root
    if not (root / ENGLISH).is_dir():
        print(f"release_zh: {root / ENGLISH} is not a folder", file=sys.stderr)
        return 2
    try:
        if args.sync:
            for cell in sync(root, args.sync):
                print(f"release_zh: recorded the English text of {cell}")
            return 0
        if args.diff:
            print(diff(root, args.exercises or exercises(root)), end="")
            return 0
    except ValueError as err:
        print(f"release_zh: {err}", file=sys.stderr)
        return 2
    outcome = release(root, args.exercises, check=args.check)
    for problem in outcome.problems:
        print(f"release_zh: {problem}", file=sys.stderr)
    count = len(args.exercises or exercises(root))
    if args.check:
        if not outcome.problems:
            print(f"release_zh: checked {count} Chinese notebooks; all in step")
    else:
        print(f"release_zh: wrote {len(outcome.written)} of {count} Chinese notebooks")
    return 1 if outcome.problems else 0


if __name__ == "__main__":
    sys.exit(main())
