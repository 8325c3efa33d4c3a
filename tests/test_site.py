"""The published site in a browser: Debian's Chromium driven by Playwright.

The freshly built ``_build/html`` (see ``conftest.py``) is served on
127.0.0.1 and every page is opened in a fresh, headless Chromium context
with every request to another host blocked, so the site is checked as it
works offline. Where ``/usr/bin/chromium`` is missing the tests are
skipped with the reason (``make test`` installs it when it runs as root).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from tests.conftest import load_script, site_search

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"
SCREENSHOTS = ROOT / "_build" / "screenshots"
#: Pages photographed for review: the landing page, a chapter and an
#: exercise page.
SHOTS = {
    "landing": "intro.html",
    "chapter": "chapters/principles/zoo.html",
    "exercise": "chapters/hands_on/ex1_activations.html",
}
#: Pages photographed whole (full page), to see every formula and table.
WHOLE_PAGE_SHOTS = {
    "kink": "chapters/principles/kink.html",
    "smoothing": "chapters/principles/smoothing.html",
    "finance": "chapters/applications/finance.html",
    "zoo": "chapters/principles/zoo.html",
}

pytestmark = pytest.mark.slow


serve_site = load_script("serve_site")
browse_site = load_script("browse_site")

#: Problems of typesetting: a formula MathJax left alone or could not
#: parse, and TeX delimiters left in the text outside code.
MATH_PROBLEMS = r"""
() => {
  const out = [];
  for (const m of document.querySelectorAll('.math')) {
    if (!m.querySelector('mjx-container'))
      out.push('not typeset: ' + m.textContent.trim().slice(0, 80));
  }
  for (const e of document.querySelectorAll('mjx-merror'))
    out.push('TeX error: ' + (e.getAttribute('data-mjx-error')
                              || e.textContent).slice(0, 80));
  const skip = 'pre, code, script, style, textarea, mjx-container, '
             + '.highlight, kbd, samp';
  const walker = document.createTreeWalker(document.body,
    NodeFilter.SHOW_TEXT, {acceptNode: (n) =>
      n.parentElement.closest(skip) ? NodeFilter.FILTER_REJECT
                                    : NodeFilter.FILTER_ACCEPT});
  while (walker.nextNode()) {
    const t = walker.currentNode.nodeValue;
    if (/\$/.test(t) || /\\\(|\\\)|\\\[|\\\]/.test(t))
      out.push('raw TeX left: ' + t.trim().slice(0, 80));
    const role = t.match(/\{(term|glue|doc)[}:]/);
    if (role)
      out.push('raw {' + role[1] + '} role left: ' + t.trim().slice(0, 80));
  }
  return out;
}
"""

#: Layout problems of the page's content: display formulas, tables and code
#: blocks wider than their box or than their container (cut off, or
#: scrolling sideways), blockquotes (the sources mean none), and how many
#: content images and captioned figures it holds.
LAYOUT = r"""
() => {
  const main = document.querySelector('main') || document.body;
  const text = (el) => (el.textContent || '').trim().replace(/\s+/g, ' ')
                                                .slice(0, 60);
  const wide = [];
  const check = (el, what) => {
    if (!el || el.offsetParent === null) return;
    const parent = el.parentElement;
    const width = el.getBoundingClientRect().width;
    if (el.scrollWidth > el.clientWidth + 1)
      wide.push(`${what} wider than its box (${el.scrollWidth} > `
                + `${el.clientWidth} px): ${text(el)}`);
    else if (parent && width > parent.clientWidth + 1)
      wide.push(`${what} wider than its container (${Math.round(width)} > `
                + `${parent.clientWidth} px): ${text(el)}`);
  };
  for (const m of main.querySelectorAll('mjx-container[display="true"]')) {
    check(m, 'formula');
    if (m.parentElement.matches('.math, div')) check(m.parentElement, 'formula');
  }
  for (const t of main.querySelectorAll('table')) {
    check(t, 'table');
    if (t.parentElement !== main) check(t.parentElement, 'table');
  }
  for (const p of main.querySelectorAll('pre')) check(p, 'code block');
  const images = [...main.querySelectorAll('img')];
  const captioned = (img) => {
    const figure = img.closest('figure');
    return figure && figure.querySelector('figcaption')
           && figure.querySelector('figcaption').textContent.trim();
  };
  const figures = [...main.querySelectorAll('figure')].filter(
    (f) => f.querySelector('img') && f.querySelector('figcaption')
           && f.querySelector('figcaption').textContent.trim());
  return {
    wide,
    blockquotes: [...main.querySelectorAll('blockquote')].map(text),
    images: images.length,
    figures: figures.length,
    uncaptioned: images.filter((i) => !captioned(i))
                       .map((i) => i.getAttribute('src')),
  };
}
"""

#: Every image with its alt text and decoded width, once all have settled.
IMAGES = """
async () => {
  const images = [...document.images];
  for (const img of images) img.loading = 'eager';
  await Promise.all(images.map((img) => img.complete ? null
    : new Promise((done) => { img.onload = done; img.onerror = done; })));
  return images.map((img) => ({src: img.getAttribute('src'),
    alt: img.getAttribute('alt'), width: img.naturalWidth}));
}
"""


@pytest.fixture(scope="module")
def pages(browser, site_html, site_url):
    """Return ``{page: (visit, math problems, images, layout)}`` for every page."""
    found = {}
    for name in serve_site.site_pages(site_html):
        context = browse_site.new_context(browser)
        page, visit = browse_site.open_page(context, site_url + name, site_url)
        images = page.evaluate(IMAGES)  # waits until every image has loaded
        found[name] = (
            visit,
            page.evaluate(MATH_PROBLEMS),
            images,
            page.evaluate(LAYOUT),
        )
        context.close()
    return found


BROKEN_PAGE = """<!DOCTYPE html>
<html><head><title>broken</title>
<script src="https://cdn.example.org/lib.js"></script></head>
<body><p>Left raw: $x^2$ and \\(y\\).</p>
<img src="missing.png" alt="a missing figure"><img src="logo.svg">
<script>console.error("boom"); notDefined();</script>
</body></html>
"""
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">'
    '<rect width="4" height="4"/></svg>'
)


def test_the_checks_catch_a_broken_page(browser, tmp_path):
    # The harness must be able to fail: a page with every fault it looks for.
    (tmp_path / "index.html").write_text(BROKEN_PAGE)
    (tmp_path / "logo.svg").write_text(LOGO)
    with serve_site.serve(tmp_path) as url:
        context = browse_site.new_context(browser)
        page, visit = browse_site.open_page(context, url + "index.html", url)
        math, images = page.evaluate(MATH_PROBLEMS), page.evaluate(IMAGES)
        context.close()
    found = "\n".join(visit.problems)
    assert "request to another host: https://cdn.example.org/lib.js" in found
    assert "console error: boom" in found
    assert "page error: " in found and "notDefined" in found
    assert f"HTTP 404: {url}missing.png" in found
    assert math == ["raw TeX left: Left raw: $x^2$ and \\(y\\)."], math
    assert [(i["src"], bool(i["alt"]), i["width"] > 0) for i in images] == [
        ("missing.png", True, False),
        ("logo.svg", False, True),
    ]


LAYOUT_PAGE = """<!DOCTYPE html>
<html><head><title>layout</title>
<style>main {{ width: 600px; }} pre {{ margin: 0; }}</style></head>
<body><main>
<p>{ok}</p>
<div class="math"><mjx-container display="true" style="display: block">
<span style="display: inline-block; width: {formula}px">formula</span>
</mjx-container></div>
<div style="overflow-x: auto"><table><tr><td>a</td>
<td style="white-space: nowrap">{cell}</td></tr></table></div>
<pre>{code}</pre>
{extra}
<figure><img src="logo.svg" alt="a square"><figcaption>A square.</figcaption>
</figure>
</main></body></html>
"""
BAD_LAYOUT = dict(
    ok="$x$ is left raw, and so are {term}`ReLU`, {glue:text}`n` and {doc}`zoo`",
    formula=900,
    cell="F.leaky_relu " * 12,
    code="x = " + "1 + " * 60 + "1",
    extra="<blockquote><p>0)$ and $0$ otherwise</p></blockquote>"
    '<img src="logo.svg" alt="the same square, again">',
)
GOOD_LAYOUT = dict(
    ok="All is fine.", formula=300, cell="F.relu", code="x = 1", extra=""
)


def test_the_layout_checks_catch_planted_defects(browser, tmp_path):
    # Each gate on a planted case, and no complaint about a clean page.
    (tmp_path / "logo.svg").write_text(LOGO)
    found = {}
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>")
    for name, fields in [("bad", BAD_LAYOUT), ("good", GOOD_LAYOUT)]:
        (tmp_path / f"{name}.html").write_text(LAYOUT_PAGE.format(**fields))
    with serve_site.serve(tmp_path) as url:
        for name in ("bad", "good"):
            context = browse_site.new_context(browser)
            page, _ = browse_site.open_page(context, f"{url}{name}.html", url)
            page.evaluate(IMAGES)
            found[name] = (page.evaluate(MATH_PROBLEMS), page.evaluate(LAYOUT))
            context.close()
    math, layout = found["bad"]
    assert [m.split(":")[0] for m in math] == [
        "raw TeX left",
        "raw {term} role left",
        "raw TeX left",
    ], math
    wide = [w.split(" (")[0] for w in layout["wide"]]
    assert wide == [
        "formula wider than its box",
        "formula wider than its box",
        "table wider than its container",
        "table wider than its box",
        "code block wider than its box",
    ], layout["wide"]
    assert layout["blockquotes"] == ["0)$ and $0$ otherwise"]
    assert (layout["images"], layout["figures"]) == (2, 1)
    assert layout["uncaptioned"] == ["logo.svg"]
    assert found["good"] == (
        [],
        {"wide": [], "blockquotes": [], "images": 1, "figures": 1, "uncaptioned": []},
    )


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}: {p}" for page, items in problems.items() for p in items)


def test_every_page_of_the_toc_is_visited(pages):
    toc_pages = [p for p in pages if p.startswith("chapters/")]
    assert "intro.html" in pages and "search.html" in pages
    assert len(toc_pages) >= 20, sorted(pages)


def test_pages_load_without_errors_or_foreign_requests(pages):
    problems = {
        name: visit.problems for name, (visit, *_) in pages.items() if visit.problems
    }
    assert not problems, report(problems)


def test_every_formula_is_typeset_by_mathjax(pages):
    problems = {name: math for name, (_, math, *_) in pages.items() if math}
    assert not problems, report(problems)
    typeset = [name for name, (visit, *_) in pages.items() if visit.typeset]
    assert "chapters/principles/kink.html" in typeset


def test_no_formula_table_or_code_block_is_wider_than_its_container(pages):
    problems = {
        name: layout["wide"] for name, (*_, layout) in pages.items() if layout["wide"]
    }
    assert not problems, report(problems)


def test_no_page_shows_a_blockquote(pages):
    # The sources mean none: a '>' at the start of a line is an accident
    # (tests/test_page_sources.py catches it in the source as well).
    problems = {
        name: [f"blockquote: {b}" for b in layout["blockquotes"]]
        for name, (*_, layout) in pages.items()
        if layout["blockquotes"]
    }
    assert not problems, report(problems)


def test_every_content_image_is_a_captioned_figure(pages):
    # A figure glued without closing it shows twice: once as the cell's
    # output (no caption) and once in its {glue:figure}.
    problems = {}
    for name, (*_, layout) in pages.items():
        if not (name == "intro.html" or name.startswith("chapters/")):
            continue  # generated indexes: their icons are not figures
        if layout["images"] != layout["figures"] or layout["uncaptioned"]:
            problems[name] = [
                f"{layout['images']} content images, {layout['figures']} "
                f"captioned figures; uncaptioned: {layout['uncaptioned']}"
            ]
    assert not problems, report(problems)
    assert sum(layout["figures"] for *_, layout in pages.values()) >= 20


def test_every_image_loads_and_has_alt_text(pages):
    problems: dict[str, list[str]] = {}
    for name, (_, _, images, _) in pages.items():
        for image in images:
            if not (image["alt"] or "").strip():
                problems.setdefault(name, []).append(f"no alt text: {image['src']}")
            if image["width"] == 0:
                problems.setdefault(name, []).append(f"did not load: {image['src']}")
    assert not problems, report(problems)
    figures = sum(len(images) for _, _, images, _ in pages.values())
    assert figures >= 20, "the chapters' figures are missing"


class Anchors(HTMLParser):
    """Collect a page's link targets and the ids it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href") is not None:
            self.links.append(attrs["href"])


def test_every_internal_link_resolves(site_html):
    parsed = {}
    for name in serve_site.html_files(site_html):
        anchors = Anchors()
        anchors.feed((site_html / name).read_text(errors="replace"))
        parsed[name] = anchors
    broken, checked = [], 0
    base = "http://127.0.0.1/"
    for name, anchors in parsed.items():
        for href in anchors.links:
            url = urlsplit(urljoin(base + name, href))
            if url.scheme not in ("http", "https") or url.netloc != "127.0.0.1":
                continue  # another site, mailto:, javascript:
            target = unquote(url.path).lstrip("/") or "index.html"
            if target.endswith("/"):
                target += "index.html"
            checked += 1
            if not (site_html / target).is_file():
                broken.append(f"{name}: {href} -> missing {target}")
            elif url.fragment and target.endswith(".html"):
                ids = parsed[target].ids if target in parsed else set()
                if unquote(url.fragment) not in ids:
                    broken.append(f"{name}: {href} -> no #{url.fragment}")
    assert checked > 100, "the pages link to each other"
    assert not broken, "\n".join(broken)


def test_search_finds_gelu(browser, site_html, site_url):
    pages = site_search(browser, site_url, "search.html", "GELU")
    assert pages
    assert all((site_html / p).is_file() for p in pages), pages
    assert any("GELU" in (site_html / p).read_text() for p in pages), pages
    assert "chapters/principles/zoo.html" in pages, pages


def test_exercise_downloads_are_the_released_notebooks(browser, site_html, site_url):
    import nbformat

    exercise_pages = [
        p
        for p in serve_site.site_pages(site_html)
        if re.fullmatch(r"chapters/hands_on/ex\d+_\w+\.html", p)
    ]
    assert len(exercise_pages) == len(list(EXERCISES.glob("*/*.ipynb")))
    context = browse_site.new_context(browser)
    for name in exercise_pages:
        page, visit = browse_site.open_page(context, site_url + name, site_url)
        links = page.eval_on_selector_all(
            "a.download[href$='.ipynb']", "links => links.map(a => a.href)"
        )
        assert len(links) == 1, (name, links)
        response = page.request.get(links[0])
        assert response.status == 200, (name, links[0], response.status)
        text = response.text()
        notebook = nbformat.from_dict(json.loads(text))
        nbformat.validate(notebook)
        released = EXERCISES / Path(name).stem / Path(links[0]).name
        assert json.loads(text) == json.loads(released.read_text()), name
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
        assert not visit.problems, (name, visit.problems)
        page.close()
    context.close()


def test_the_site_root_forwards_to_the_landing_page(browser, site_html, site_url):
    assert serve_site.redirects(site_html) == {
        "index.html": "intro.html",
        "zh/index.html": "intro.html",
    }
    context = browse_site.new_context(browser)
    page = context.new_page()
    page.goto(site_url)
    page.wait_for_url(site_url + "intro.html")
    assert page.title().startswith("The Activation Zoo")
    context.close()


def test_screenshots_for_review(browser, site_url):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browse_site.new_context(browser)
    for shot, name in WHOLE_PAGE_SHOTS.items():
        page, _ = browse_site.open_page(context, site_url + name, site_url)
        page.evaluate(IMAGES)
        path = SCREENSHOTS / f"{shot}-page.png"
        page.screenshot(path=path, full_page=True)
        assert path.stat().st_size > 50_000, f"{shot} looks blank"
        page.close()
    for shot, name in SHOTS.items():
        page, _ = browse_site.open_page(context, site_url + name, site_url)
        path = SCREENSHOTS / f"{shot}.png"
        page.screenshot(path=path)
        assert path.stat().st_size > 20_000, f"{shot} looks blank"
        if shot == "chapter":
            # The first figure whole, with its caption, cut from a picture of
            # the whole page so that the sticky header does not cover it.
            page.evaluate("() => window.scrollTo(0, 0)")
            box = page.locator("figure").first.bounding_box()
            page.screenshot(
                path=SCREENSHOTS / f"{shot}-figure.png", full_page=True, clip=box
            )
        page.close()
    context.close()
