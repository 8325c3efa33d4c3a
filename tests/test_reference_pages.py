"""The reference part: the API reference and the chapter notebook downloads.

Fast tests read the sources and exercise the download extension on small
notebooks. The slow ones read one build of the book: every public object of
``actzoo`` has its entry in the API page, and every executed chapter can be
downloaded as a valid, executed notebook that imports ``actzoo``, matches
its page's code, and leaks nothing from ``solutions/``.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

import actzoo
from tests.conftest import toc_docs

ROOT = Path(__file__).resolve().parent.parent
API_PAGE = ROOT / "chapters" / "api.md"
#: One page per module: chapters/api/<module>.md.
API_PAGES = ROOT / "chapters" / "api"
EXTENSION = ROOT / "_ext" / "notebook_downloads.py"
FALLBACK_OUTPUT = Path("/tmp/book-reference")


def load_extension():
    spec = importlib.util.spec_from_file_location("notebook_downloads", EXTENSION)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def public_modules() -> list[str]:
    """Return the names of ``actzoo``'s public submodules."""
    return sorted(
        m.name
        for m in pkgutil.iter_modules(actzoo.__path__)
        if not m.name.startswith("_")
    )


def public_names(module_name: str) -> list[str]:
    """Return the names a submodule exports: its ``__all__``."""
    module = importlib.import_module(f"actzoo.{module_name}")
    return list(module.__all__)


def notebook_pages() -> list[str]:
    """Return the pages that are executed notebooks and not exercises."""
    ext = load_extension()
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    exclude = config["sphinx"]["config"]["notebook_downloads_exclude"]
    pages = []
    for doc in toc_docs():
        text = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
        if "kernelspec:" not in text.split("\n---\n", 1)[0]:
            continue
        if any(ext.fnmatch.fnmatchcase(doc, p) for p in exclude):
            continue
        pages.append(doc)
    return pages


# ------------------------------------------------------------ fast checks


def test_api_page_documents_every_public_module():
    documented = []
    for page in sorted(API_PAGES.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        modules = re.findall(
            r"^\.\. automodule:: actzoo\.(\w+)\n   :members:", text, re.M
        )
        # One page per module, named for it.
        assert modules == [page.stem], page.name
        documented += modules
    assert sorted(documented) == public_modules()
    assert not re.search(r":members:", API_PAGE.read_text(encoding="utf-8")), (
        "the index documents no module itself"
    )
    toc = toc_docs()
    assert all(f"chapters/api/{m}" in toc for m in public_modules())


def test_every_module_declares_what_it_exports():
    for name in public_modules():
        for export in public_names(name):
            module = importlib.import_module(f"actzoo.{name}")
            assert hasattr(module, export), f"actzoo.{name}.{export}"


def test_chapter_pages_get_notebooks_and_exercises_do_not():
    pages = notebook_pages()
    assert "chapters/principles/kink" in pages
    assert "chapters/applications/finance" in pages
    assert not any(p.startswith("chapters/hands_on/") for p in pages)


def tiny_notebook(code: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["source_map"] = [1, 2]
    nb.metadata["jupytext"] = {"text_representation": {"extension": ".md"}}
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "A {term}`dead unit` and {term}`kinks <kink>` on a {doc}`page`."
        ),
        nbformat.v4.new_code_cell(code),
    ]
    return nb


def test_downloadable_notebook_is_clean_and_valid():
    ext = load_extension()
    nb = ext.downloadable(tiny_notebook("from actzoo import relu"), "Kinks")
    nbformat.validate(nb)
    assert "source_map" not in nb.metadata and "jupytext" not in nb.metadata
    assert '"Kinks"' in nb.cells[0].source and "actzoo" in nb.cells[0].source
    # Glossary links become words; other roles are left to the reader.
    assert nb.cells[1].source == "A dead unit and kinks on a {doc}`page`."
    assert ext.problems(nb) == []


@pytest.mark.parametrize(
    "code, why",
    [
        ("import sys\nsys.path.insert(0, '/work/main/src')", "changes sys.path"),
        ("nb = open('solutions/ex1/ex1.ipynb')", "refers to solutions/"),
    ],
)
def test_extension_refuses_leaks_and_path_hacks(code, why):
    ext = load_extension()
    nb = ext.downloadable(tiny_notebook(code), "Bad")
    assert ext.problems(nb) == [f"cell 2 {why}"]


# ------------------------------------------------------------ the build


@pytest.fixture(scope="module")
def html_dir(request) -> Path:
    """Return the HTML folder of one book build, failing if it failed."""
    try:
        proc, html = request.getfixturevalue("built_book")
    except pytest.FixtureLookupError:
        proc = subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "build_book.py"),
                "--output",
                str(FALLBACK_OUTPUT),
            ],
            capture_output=True,
            text=True,
        )
        html = FALLBACK_OUTPUT / "_build" / "html"
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return Path(html)


@pytest.mark.slow
def test_api_page_has_an_entry_for_every_public_object(html_dir):
    html = "".join(
        (html_dir / "chapters" / "api" / f"{m}.html").read_text(encoding="utf-8")
        for m in public_modules()
    )
    ids = set(re.findall(r'id="([^"]+)"', html))
    missing = [
        f"actzoo.{m}.{n}"
        for m in public_modules()
        for n in public_names(m)
        if f"actzoo.{m}.{n}" not in ids
    ]
    assert not missing, f"not in the API reference: {missing}"
    # Top-level names are documented once, where they are defined.
    for name in actzoo.__all__:
        defined_in = next(m for m in public_modules() if name in public_names(m))
        assert f"actzoo.{defined_in}.{name}" in ids, name
    # Docstrings were rendered, not just the signatures: formulas and the
    # NumPy sections that napoleon turns into field lists.
    assert html.count('class="math notranslate nohighlight"') > 20
    assert html.count("Parameters") > 20


@pytest.mark.slow
def test_every_chapter_downloads_as_an_executed_notebook(html_dir):
    for doc in notebook_pages():
        path = html_dir / "_notebooks" / f"{doc}.ipynb"
        assert path.is_file(), f"{doc}: no notebook"
        raw = path.read_text(encoding="utf-8")
        assert "solutions/" not in raw, f"{doc}: mentions solutions/"
        assert "sys.path" not in raw, f"{doc}: changes sys.path"
        nb = nbformat.reads(raw, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert any(
            re.search(r"^\s*(from|import) actzoo\b", c.source, re.M) for c in code
        ), f"{doc}: does not import actzoo"
        assert all(c.execution_count for c in code), f"{doc}: not executed"
        assert any(c.outputs for c in code), f"{doc}: no outputs"
        # The same code as the page the reader saw.
        text = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
        # Control characters in the prose (which YAML refuses) are not code.
        text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)
        source = jupytext.reads(text, fmt="md:myst")
        expected = [c.source for c in source.cells if c.cell_type == "code"]
        assert [c.source for c in code] == expected, f"{doc}: code differs"
        page = (html_dir / f"{doc}.html").read_text(encoding="utf-8")
        assert re.search(rf'href="[./]*_notebooks/{re.escape(doc)}\.ipynb"', page), (
            f"{doc}: no download link"
        )


@pytest.mark.slow
def test_exercise_pages_offer_no_page_notebook(html_dir):
    for doc in toc_docs():
        if doc.startswith("chapters/hands_on/"):
            assert not (html_dir / "_notebooks" / f"{doc}.ipynb").exists()
            page = (html_dir / f"{doc}.html").read_text(encoding="utf-8")
            assert "_notebooks/" not in page, doc


@pytest.mark.slow
def test_glossary_links_land_on_glossary_entries(html_dir):
    glossary = (html_dir / "chapters" / "glossary.html").read_text(encoding="utf-8")
    anchors = set(re.findall(r'id="(term-[^"]+)"', glossary))
    assert len(anchors) >= 40
    used = set()
    for doc in toc_docs():
        page = (html_dir / f"{doc}.html").read_text(encoding="utf-8")
        used |= set(re.findall(r'glossary\.html#(term-[^"]+)"', page))
    assert used and used <= anchors, used - anchors
