"""Print the single-page build of the book to one PDF with Chromium.

``scripts/build_book.py --pdf`` builds the book a second time with Sphinx's
``singlehtml`` builder (sharing the execution cache, so nothing runs
again), then calls :func:`print_pdf`: the page is served on 127.0.0.1,
opened in Debian's Chromium (Playwright, never a downloaded browser) with
every request to another host blocked, left to load every figure and to
let MathJax typeset every formula, and printed to A4.

Usage::

    python scripts/print_pdf.py SINGLEHTML_DIR OUTPUT.pdf
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: The page holding the whole book (Jupyter Book's index.html forwards to
#: it).
ROOT_PAGE = "intro.html"
#: Milliseconds the whole book may take to load and typeset.
TIMEOUT_MS = 180_000
#: Load every image now (the theme marks figures lazy), wait until each has
#: loaded or failed, and return the ones that failed.
LOAD_IMAGES = """
async () => {
  const images = [...document.images];
  for (const img of images) img.loading = 'eager';
  await Promise.all(images.map((img) => img.complete ? null
    : new Promise((done) => { img.onload = done; img.onerror = done; })));
  return images.filter((img) => !img.naturalWidth)
               .map((img) => img.getAttribute('src'));
}
"""
#: Print without the site's navigation: header, sidebars, footer buttons.
PRINT_CSS = """
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .header-article,
.prev-next-area, .bd-footer, #pst-back-to-top, .bd-header-announcement,
.dropdown-download-buttons, .sidebar-toggle { display: none !important; }
.bd-main, .bd-content, .bd-article-container, .bd-container__inner,
.bd-page-width { max-width: 100% !important; width: 100% !important; }
mjx-container[display="true"] { overflow: visible !important; }
"""


def load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def print_pdf(singlehtml: Path, pdf: Path) -> list[str]:
    """Print the single-page book in ``singlehtml`` to ``pdf``; return problems.

    Problems are what the browser tests count as errors (console errors,
    failed or foreign requests) plus figures that did not load. The PDF is
    written anyway; the caller decides whether problems fail the build.
    """
    serve_site = load("serve_site")
    browse_site = load("browse_site")
    missing = browse_site.browser_missing()
    if missing:
        raise RuntimeError(f"cannot print the PDF: {missing}")
    from playwright.sync_api import sync_playwright

    pdf.parent.mkdir(parents=True, exist_ok=True)
    with serve_site.serve(singlehtml) as url, sync_playwright() as playwright:
        browser = browse_site.launch(playwright)
        try:
            context = browse_site.new_context(browser)
            context.set_default_timeout(TIMEOUT_MS)
            page, visit = browse_site.open_page(context, url + ROOT_PAGE, url)
            # The single-page build writes no search index (there is no
            # search in a PDF), but the theme's pages still ask for one.
            problems = [p for p in visit.problems if "searchindex.js" not in p]
            if not visit.typeset:
                problems.append("MathJax did not typeset the book")
            problems += [
                f"figure did not load: {src}" for src in page.evaluate(LOAD_IMAGES)
            ]
            page.add_style_tag(content=PRINT_CSS)
            page.emulate_media(media="print")
            page.pdf(
                path=str(pdf),
                format="A4",
                print_background=True,
                margin={
                    "top": "18mm",
                    "bottom": "18mm",
                    "left": "16mm",
                    "right": "16mm",
                },
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=(
                    '<div style="font-size:8px;width:100%;'
                    'text-align:center"><span class="pageNumber">'
                    "</span></div>"
                ),
            )
            context.close()
        finally:
            browser.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__)
        return 2
    problems = print_pdf(Path(args[0]), Path(args[1]))
    for problem in problems:
        print(f"print_pdf: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
