"""Offer every executed chapter as a Jupyter notebook in the download menu.

The theme's download menu offers a page's source, which for this book is a
MyST Markdown file, and a PDF. Readers who want to run a chapter need an
``.ipynb``. MyST-NB keeps the executed notebook of every page it ran in
``_build/jupyter_execute/<docname>.ipynb``; this extension copies it to
``_build/html/_notebooks/<docname>.ipynb`` with a short opening cell that
says where it comes from and what it needs, and puts a ``.ipynb`` entry at
the top of the page's download menu.

A notebook that mentions ``solutions/`` or changes ``sys.path`` is not
published: the extension reports it as a build warning, and the book
builds with warnings as errors.

A page that MyST-NB takes from its execution cache is shown with the
cached outputs, but MyST-NB (1.4) writes its ``jupyter_execute`` notebook
without them: it writes the notebook it read, which only running the page
fills in. Once a page is read, the extension merges the outputs back from
the cache, so that ``jupyter_execute`` (and the download) holds the
notebook MyST-NB leaves after running a page, however the page got its
outputs.

Configuration (``sphinx: config:`` in ``_config.yml``):

``notebook_downloads_exclude``
    ``fnmatch`` patterns of document names that get no notebook (default:
    none).
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

import nbformat
from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

#: Folder of the HTML output that holds the notebooks.
FOLDER = "_notebooks"
#: Where MyST-NB writes executed notebooks, next to the HTML output.
EXECUTED = "jupyter_execute"
#: Code that must never reach a published notebook.
FORBIDDEN = (
    (re.compile(r"solutions/"), "refers to solutions/"),
    (re.compile(r"\bsys\.path\b"), "changes sys.path"),
)
#: ``{term}`text <target>``` and ``{term}`text``` glossary links.
TERM_ROLE = re.compile(r"\{term\}`([^`<]*?)(?:\s*<[^`>]*>)?`")

PREAMBLE = """\
*This notebook is the page "{title}" of* The Activation Zoo*, as executed
when the book was built. Run it in the course's environment, where the
`actzoo` package is installed (`make book` in the course repository sets it
up); cells that glue numbers and figures into the page still run, and the
text keeps the book's MyST markup.*"""


def notebook_path(outdir: str | Path, docname: str) -> Path:
    """Return the path of a page's downloadable notebook in the HTML output."""
    return Path(outdir) / FOLDER / f"{docname}.ipynb"


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """Return why a notebook must not be published (empty if it may be)."""
    found = []
    for index, cell in enumerate(nb.cells):
        for pattern, why in FORBIDDEN:
            if cell.cell_type == "code" and pattern.search(cell.source):
                found.append(f"cell {index} {why}")
    return found


def downloadable(nb: nbformat.NotebookNode, title: str) -> nbformat.NotebookNode:
    """Return a copy of an executed page notebook, ready to be downloaded.

    Build-only metadata (MyST-NB's source map, jupytext's pairing) is
    dropped, glossary links become plain words, and a first cell says what
    the notebook is and what it needs.
    """
    nb = nbformat.from_dict(nb)
    for key in ("source_map", "jupytext"):
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = TERM_ROLE.sub(lambda m: m.group(1).strip(), cell.source)
    intro = nbformat.v4.new_markdown_cell(PREAMBLE.format(title=title))
    intro.id = "actzoo-about-this-notebook"
    nb.cells.insert(0, intro)
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get("nbformat_minor", 5), 5)
    return nb


def excluded(app: Sphinx, docname: str) -> bool:
    """Return True if ``docname`` matches ``notebook_downloads_exclude``."""
    patterns = app.config.notebook_downloads_exclude
    return any(fnmatch.fnmatchcase(docname, p) for p in patterns)


def add_notebook(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Write a page's notebook and add it to the page's download menu."""
    if doctree is None or excluded(app, pagename):
        return
    executed = Path(app.outdir).parent / EXECUTED / f"{pagename}.ipynb"
    if not executed.is_file():
        return  # not a notebook page
    nb = nbformat.read(executed, as_version=4)
    title = re.sub(r"<[^>]+>", "", context.get("title", pagename))
    nb = downloadable(nb, title)
    bad = problems(nb)
    if bad:
        LOGGER.warning(
            "notebook of %s not published: %s",
            pagename,
            "; ".join(bad),
            location=pagename,
        )
        return
    nbformat.validate(nb)
    target = notebook_path(app.outdir, pagename)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)

    button = {
        "type": "link",
        "url": context["pathto"](f"{FOLDER}/{pagename}.ipynb", 1),
        "text": ".ipynb",
        "icon": "fas fa-code",
        "tooltip": "Download this page as a Jupyter notebook",
        "label": "download-notebook-button",
    }
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].insert(0, button)
            break


def restore_cached_outputs(app: Sphinx, doctree: Any) -> None:
    """Write the outputs of a page MyST-NB took from its cache into its notebook."""
    config = getattr(app.env, "mystnb_config", None)
    if config is None or config.execution_mode != "cache":
        return
    executed = Path(app.outdir).parent / EXECUTED / f"{app.env.docname}.ipynb"
    if not executed.is_file():
        return  # not a notebook page
    from jupyter_cache import get_cache

    nb = nbformat.read(executed, as_version=4)
    try:
        _, merged = get_cache(config.execution_cache_path).merge_match_into_notebook(nb)
    except KeyError:
        return  # not executed (excluded from execution)
    from myst_nb.ext.glue import extract_glue_data_cell

    # As MyST-NB leaves a page it ran: glued values taken out of the outputs.
    for cell in merged.cells:
        if cell.cell_type == "code":
            extract_glue_data_cell(cell)
    nbformat.write(merged, executed)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the configuration value and the hooks."""
    app.add_config_value("notebook_downloads_exclude", [], "html", [list])
    # MyST-NB writes the page's notebook while the page is read.
    app.connect("doctree-read", restore_cached_outputs)
    # After sphinx-book-theme has built the download menu (priority 501).
    app.connect("html-page-context", add_notebook, priority=502)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
