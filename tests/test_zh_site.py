"""Both editions in one site, as a reader sees them in Chromium.

The Chinese edition is built into ``zh/`` of the site (``conftest.py``'s
build). Every page has its counterpart in the other language and a button
that leads there; search finds a Chinese term on its pages; Chinese text
is drawn in the CJK font, never as boxes; the Chinese PDF is printed.
The general page checks (layout, formulas, images, links) of
``test_site.py`` cover the Chinese pages too, since they visit every page
of the site.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from tests.conftest import latin_only_chromium, load_script, site_search

serve_site = load_script("serve_site")
browse_site = load_script("browse_site")

ROOT = Path(__file__).resolve().parent.parent
ZH = "zh/"
CJK_FONT = "Noto Sans CJK SC"
SWITCH = re.compile(
    r"""onclick="window\.location\.href='([^']+)'"[^>]*btn-language-switch"""
)
#: Elements of the page's text that are drawn, each marked with the number
#: of CJK characters in its own text nodes (not in its children's).
MARK_CJK = r"""
() => {
  const cjk = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/g;
  const skip = 'pre, code, script, style, svg, mjx-container, .math';
  let total = 0;
  for (const element of document.querySelectorAll('main *')) {
    // Code and math have fonts of their own; what is not drawn has none.
    if (element.closest(skip) || !element.getClientRects().length) continue;
    let count = 0;
    for (const node of element.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) {
        count += (node.nodeValue.match(cjk) || []).length;
      }
    }
    if (count) {
      element.setAttribute('data-cjk', String(count));
      total += count;
    }
  }
  return total;
}
"""


def editions(site_html: Path) -> tuple[set[str], set[str]]:
    pages = set(serve_site.site_pages(site_html))
    chinese = {p[len(ZH) :] for p in pages if p.startswith(ZH)}
    return {p for p in pages if not p.startswith(ZH)}, chinese


def test_every_page_has_its_counterpart(site_html):
    english, chinese = editions(site_html)
    assert len(english) > 50
    assert english == chinese, (
        f"English only: {sorted(english - chinese)[:5]}; "
        f"Chinese only: {sorted(chinese - english)[:5]}"
    )


def switch_target(site_html: Path, page: str) -> str:
    """Return the page the language button of ``page`` leads to."""
    html = (site_html / page).read_text(encoding="utf-8")
    found = SWITCH.findall(html)
    assert len(found) == 1, f"{page}: {len(found)} language buttons"
    return unquote(urlsplit(urljoin("http://h/" + page, found[0])).path).lstrip("/")


def test_every_language_button_leads_to_the_same_page(site_html):
    english, _ = editions(site_html)
    wrong = []
    for page in sorted(english):
        there = switch_target(site_html, page)
        back = switch_target(site_html, ZH + page)
        if there != ZH + page or back != page:
            wrong.append(f"{page} -> {there} -> {back}")
    assert not wrong, "\n".join(wrong[:10])


def test_the_button_switches_language_in_place(browser, site_html, site_url):
    context = browse_site.new_context(browser)
    page, visit = browse_site.open_page(
        context, site_url + "chapters/principles/dying.html", site_url
    )
    assert page.get_attribute("html", "lang").startswith("en")
    page.click(".btn-language-switch")
    page.wait_for_url(site_url + ZH + "chapters/principles/dying.html")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert len(context.pages) == 1, "the button opened another tab"
    assert re.search(r"[\u4e00-\u9fff]", page.inner_text("main h1"))
    page.click(".btn-language-switch")
    page.wait_for_url(site_url + "chapters/principles/dying.html")
    context.close()
    assert not visit.problems, visit.problems


def search(browser, site_url: str, query: str) -> list[str]:
    """Return the pages the Chinese edition's search lists for ``query``."""
    return site_search(browser, site_url, ZH + "search.html", query)


def test_search_finds_a_chinese_term_on_its_pages(browser, site_html, site_url):
    # 死亡神经元 (dead unit): a glossary term, so one word of the index.
    hits = search(browser, site_url, "死亡神经元")
    assert ZH + "chapters/principles/dying.html" in hits, hits
    assert all(h.startswith(ZH) for h in hits), hits
    assert all("死亡神经元" in (site_html / h).read_text() for h in hits), hits
    # A word that no page uses finds nothing.
    assert search(browser, site_url, "量子引力") == []


def cjk_glyph_problems(page) -> tuple[int, list[str]]:
    """Return ``(characters, problems)``: CJK text not drawn in the CJK font.

    Chromium reports, through the DevTools protocol, which fonts drew each
    element's own text and how many glyphs each drew; every CJK character
    must be a glyph of Noto Sans CJK SC. A character no font has is drawn
    as a box by some other font.
    """
    total = page.evaluate(MARK_CJK)
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "[data-cjk]"})
    problems = []
    for node in nodes["nodeIds"]:
        attributes = cdp.send("DOM.getAttributes", {"nodeId": node})["attributes"]
        count = int(dict(zip(attributes[::2], attributes[1::2]))["data-cjk"])
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        drawn = sum(f["glyphCount"] for f in fonts if f["familyName"] == CJK_FONT)
        if drawn < count:
            html = cdp.send("DOM.getOuterHTML", {"nodeId": node})["outerHTML"]
            used = ", ".join(f"{f['familyName']} ({f['glyphCount']})" for f in fonts)
            problems.append(f"{html[:60]}: {count} CJK characters, fonts: {used}")
    cdp.detach()
    return total, problems


CHINESE_PAGES = (
    "intro.html",
    "chapters/principles/zoo.html",
    "chapters/glossary.html",
    "chapters/hands_on/instructors.html",
)


@pytest.mark.slow
def test_chinese_pages_are_drawn_in_the_cjk_font(browser, site_html, site_url):
    problems = []
    for name in CHINESE_PAGES:
        context = browse_site.new_context(browser)
        page, visit = browse_site.open_page(context, site_url + ZH + name, site_url)
        page.evaluate("document.fonts.ready.then(() => true)")
        total, found = cjk_glyph_problems(page)
        context.close()
        assert total > 300, f"{name}: only {total} Chinese characters"
        problems += [f"{name}: {p}" for p in found] + visit.problems
    assert not problems, "\n".join(problems[:10])


@pytest.mark.slow
def test_the_glyph_check_sees_boxes(playwright, site_html, site_url, tmp_path):
    """A Chromium that sees only Latin fonts draws boxes: caught."""
    with latin_only_chromium(playwright, tmp_path) as chromium:
        context = browse_site.new_context(chromium)
        page, _ = browse_site.open_page(context, site_url + ZH + "intro.html", site_url)
        total, problems = cjk_glyph_problems(page)
        context.close()
    assert total > 300
    assert len(problems) >= 10, problems[:3]


def test_chinese_prose_has_no_stray_spaces(site_html):
    """A line break between Chinese characters is not drawn as a space."""
    stray, paragraphs = [], 0
    for page in sorted((site_html / ZH).rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        for p in re.findall(r"<p>(.*?)</p>", html, re.S):
            text = re.sub(r"<[^>]+>", "", p)
            paragraphs += bool(re.search(r"[\u4e00-\u9fff]", text))
            stray += [
                f"{page.relative_to(site_html)}: {found!r}"
                for found in re.findall(
                    r"[\u4e00-\u9fff，。、]\s*\n\s*[\u4e00-\u9fff，。、]", text
                )
            ]
    assert paragraphs > 500
    assert not stray, stray[:5]


@pytest.mark.slow
def test_the_chinese_pdf_is_printed(site_html):
    pdf = site_html / ZH / "_static" / "activation-zoo.pdf"
    if not pdf.is_file():
        pytest.skip("the PDF is printed where Chromium is installed")
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    assert len(reader.pages) > 100
    text = "".join(reader.pages[i].extract_text() for i in range(3, 12))
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 500
    english = PdfReader(site_html / "_static" / "activation-zoo.pdf")

    # The same figures: the two PDFs hold the same number of images.
    def images(r):
        return sum(len(p.images) for p in r.pages)

    assert images(reader) == images(english)
