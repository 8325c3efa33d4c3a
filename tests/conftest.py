"""Fixtures shared by the test modules: one book build per session.

The book is built once, from scratch, into a temporary folder and then
published into the repository's ``_build/html``, which the browser tests
and the leak test read.

Why a temporary folder and then a copy, rather than building in
``_build`` directly: a build from scratch needs an empty execution cache,
and emptying ``_build/.jupyter_cache`` would throw away a developer's
cache and cost every later ``make book`` a full re-execution. Building
elsewhere keeps that cache, and copying the result replaces
``_build/html`` with exactly what a fresh clone would publish (no pages
left over from files since removed from the table of contents).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

from tests import services, users

# Property tests draw the same examples on every run (derandomised), so a
# failure can be repeated and a green run means the same thing each time.
settings.register_profile("course", max_examples=150, deadline=None, derandomize=True)
settings.load_profile("course")

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_book.py"
CHROMIUM = Path("/usr/bin/chromium")
#: Where the site is published for review: the issue's ``_build/html``.
SITE = ROOT / "_build" / "html"
#: The book's table of contents.
TOC = ROOT / "_toc.yml"


# ------------------------------------------------- the table of contents
# Plain functions, not fixtures, so that tests can also use them where
# they are collected (``from tests.conftest import toc_docs``).


def toc() -> dict:
    """Return ``_toc.yml`` as parsed YAML."""
    return yaml.safe_load(TOC.read_text(encoding="utf-8"))


def toc_docs() -> list[str]:
    """Return every document of ``_toc.yml`` in reading order.

    The root comes first, then each part's chapters, each followed by its
    sections (and theirs): the order of the book's pages and of its PDF.
    """
    book = toc()
    docs = [book["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                docs.append(entry["file"])
            walk(entry.get("sections", []))

    for part in book.get("parts", []):
        walk(part.get("chapters", []))
    return docs


def toc_parts() -> dict[str, list[str]]:
    """Return ``{caption: [chapter, ...]}`` of ``_toc.yml``'s parts, in order.

    Only a part's chapters are listed, not their sections.
    """
    return {
        part["caption"]: [c["file"] for c in part.get("chapters", [])]
        for part in toc().get("parts", [])
    }


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """Return ``(process, html_dir)`` of one from-scratch build of the book."""
    out = tmp_path_factory.mktemp("book")
    command = [sys.executable, str(SCRIPT), "--output", str(out)]
    # The book's PDF (linked from the landing page) is printed by Chromium;
    # where it is missing the browser and PDF tests skip.
    if CHROMIUM.exists():
        command.append("--pdf")
    proc = subprocess.run(command, capture_output=True, text=True)
    return proc, out / "_build" / "html"


def publish(html: Path, site: Path) -> None:
    """Replace ``site`` with a copy of ``html``, swapping folders by rename.

    The copy is made next to ``site`` first, so a reader of ``site`` (a
    server, another session) sees the old or the new site, never half.
    """
    site.parent.mkdir(parents=True, exist_ok=True)
    fresh = site.with_name(f"{site.name}.new-{os.getpid()}")
    stale = site.with_name(f"{site.name}.old-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(html, fresh)
    if site.exists():
        site.rename(stale)
    fresh.rename(site)
    shutil.rmtree(stale, ignore_errors=True)


@pytest.fixture(scope="session")
def site_html(built_book) -> Path:
    """Return ``_build/html`` holding this session's fresh build of the book."""
    proc, html = built_book
    if proc.returncode != 0:
        pytest.fail(
            "the book did not build:\n" + (proc.stdout + proc.stderr)[-3000:],
            pytrace=False,
        )
    publish(html, SITE)
    return SITE


def load_script(name: str, folder: str = "scripts"):
    """Import ``<folder>/<name>.py``, a script or a local Sphinx extension.

    Neither ``scripts/`` nor ``_ext/`` is a package.
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def site_url(site_html):
    """Yield the base URL of ``_build/html`` served on 127.0.0.1."""
    with load_script("serve_site").serve(site_html) as url:
        yield url


@pytest.fixture(scope="session")
def playwright():
    """Yield Playwright, or skip with the reason Chromium is missing.

    One for the whole session, shared by every module: Playwright's
    synchronous API runs one event loop per thread, so a second
    ``sync_playwright()`` while the first is open fails. Tests ask for it
    (through ``browser``) before the built site, so that without a browser
    they skip at once instead of after a build.
    """
    reason = load_script("browse_site").browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright):
    """Yield a headless Debian Chromium with the machine's fonts."""
    chromium = load_script("browse_site").launch(playwright)
    yield chromium
    chromium.close()


def pip_wheel(source: Path, out: Path) -> Path:
    """Return the wheel of the course package that ``pip wheel`` builds from ``source``.

    Built without build isolation (nothing is downloaded) and without
    dependencies: the wheel of ``actzoo`` alone, as the book's build makes
    the one it publishes (``_ext/course_wheel.py``).
    """
    return load_script("course_wheel", "_ext").pip_wheel(source, out)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """Return the course package's wheel built from this tree, once a session.

    It is built as the book's build builds the wheel the site publishes:
    from a copy of ``pyproject.toml``, the readme, the licences and
    ``src/``, so that no ``build/`` folder is left in the work tree.
    """
    build_wheel = load_script("course_wheel", "_ext").build_wheel
    return build_wheel(ROOT, tmp_path_factory.mktemp("wheel"))


# ---------------------------------------------------------- an ordinary user


@pytest.fixture(scope="session")
def ordinary_user():
    """Return the ``pwd`` entry of the ordinary user the tests grade as."""
    from actzoo_grader import sandbox

    if os.geteuid() != 0:
        pytest.skip("making an ordinary user to grade as needs root")
    if sandbox.bwrap() is None:
        pytest.skip("bubblewrap is not installed")
    with users.ordinary_user() as entry:
        yield entry


# ------------------------------------------------------------- servers


@pytest.fixture(scope="session")
def postgres():
    """Yield a private PostgreSQL server (:func:`tests.services.postgresql`).

    It holds an empty database ``actzoo`` (``postgres.url()``); a test that
    needs a database of its own makes one (``postgres.create(name)``).
    Without PostgreSQL the test skips, with the reason.
    """
    try:
        with services.postgresql() as server:
            yield server
    except services.Unavailable as why:
        pytest.skip(str(why))


@pytest.fixture
def shared_folder():
    """Return a new folder that other users may enter (pytest's is root's)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="actzoo-shared-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def latin_only_chromium(playwright, folder: Path):
    """Yield a Chromium that sees only the Latin fonts (DejaVu), no CJK font.

    Such a browser draws a Chinese character as a box, in whatever font
    comes last: what the glyph checks must catch.
    """
    fonts = folder / "fonts.conf"
    fonts.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        "<fontconfig>\n"
        "  <dir>/usr/share/fonts/truetype/dejavu</dir>\n"
        f"  <cachedir>{folder / 'cache'}</cachedir>\n"
        "</fontconfig>\n"
    )
    browse_site = load_script("browse_site")
    chromium = playwright.chromium.launch(
        executable_path=str(browse_site.CHROMIUM),
        headless=True,
        args=list(browse_site.CHROMIUM_ARGS),
        env=dict(os.environ, FONTCONFIG_FILE=str(fonts)),
    )
    try:
        yield chromium
    finally:
        chromium.close()


def site_search(browser, site_url: str, search_page: str, query: str) -> list[str]:
    """Return the pages the site's search lists for ``query``, site-relative.

    ``search_page`` is an edition's ``search.html`` (``zh/search.html`` for
    the Chinese one). The page must load without problems.
    """
    from urllib.parse import quote, unquote, urlsplit

    browse_site = load_script("browse_site")
    context = browse_site.new_context(browser)
    page, visit = browse_site.open_page(
        context, f"{site_url}{search_page}?q={quote(query)}", site_url
    )
    # The summary is written once the search is done, in the edition's language.
    page.wait_for_function(
        "() => /\\S/.test(document.querySelector("
        "'#search-results .search-summary')?.textContent || '')"
    )
    hits = page.eval_on_selector_all(
        "#search-results ul.search li a", "links => links.map(a => a.href)"
    )
    context.close()
    assert not visit.problems, visit.problems
    return sorted({unquote(urlsplit(hit).path).lstrip("/") for hit in hits})
