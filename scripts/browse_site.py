"""Open pages of the served book in Debian's Chromium and record problems.

Shared by the browser tests (``tests/test_site.py``) and the site report
(``scripts/site_report.py``). The browser is the system's Chromium
(``apt-get install chromium``, see ``scripts/install_chromium.sh``), driven
by Playwright; Playwright's own browser downloads are never used.

Every request to another host than the served site is blocked and
recorded, so a page that works here works offline. Console errors, page
errors, failed requests and HTTP statuses of 400 and above are recorded as
problems of the page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
NOT_INSTALLED = "chromium not installed: run scripts/install_chromium.sh as root"
VIEWPORT = {"width": 1280, "height": 900}
#: Milliseconds a page may take to load and typeset before it fails.
TIMEOUT_MS = 30_000

#: Resolves once MathJax has typeset the page; the time it took, in ms
#: since navigation start. Pages without formulas load no MathJax.
MATHJAX_DONE = """
async () => {
  if (!document.querySelector('script[src*="mathjax"]')) return null;
  await new Promise((resolve) => {
    const ready = () => window.MathJax && MathJax.startup
      && MathJax.startup.promise;
    const poll = () => ready() ? resolve() : setTimeout(poll, 10);
    poll();
  });
  await MathJax.startup.promise;
  return performance.now();
}
"""


def browser_missing() -> str | None:
    """Return why the browser tests cannot run here, or None if they can."""
    if not CHROMIUM.exists():
        return NOT_INSTALLED
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: run `make venv`"
    return None


def launch(playwright: Playwright) -> Browser:
    """Return a headless Chromium started from ``/usr/bin/chromium``."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
    )


def new_context(browser: Browser) -> BrowserContext:
    """Return a fresh browser context (empty cache) with the test viewport."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=False)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@dataclass
class Visit:
    """One page load: its timings in ms and the problems it showed."""

    url: str
    load_ms: float = 0.0
    ready_ms: float = 0.0
    typeset: bool = False
    problems: list[str] = field(default_factory=list)


def watch(page: Page, origin: str, visit: Visit) -> None:
    """Record every problem of ``page`` in ``visit``; block foreign hosts."""
    blocked: set[str] = set()

    def route(route) -> None:
        url = route.request.url
        if url.startswith(origin):
            route.continue_()
        else:
            blocked.add(url)
            visit.problems.append(f"request to another host: {url}")
            route.abort("blockedbyclient")

    def console(message) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            visit.problems.append(f"console error: {message.text} ({where})")

    def failed(request) -> None:
        if request.url not in blocked:
            visit.problems.append(f"request failed: {request.url} ({request.failure})")

    def response(response) -> None:
        if response.status >= 400:
            visit.problems.append(f"HTTP {response.status}: {response.url}")

    page.route("**/*", route)
    page.on("console", console)
    page.on("pageerror", lambda error: visit.problems.append(f"page error: {error}"))
    page.on("requestfailed", failed)
    page.on("response", response)


def open_page(context: BrowserContext, url: str, origin: str) -> tuple[Page, Visit]:
    """Return a page loaded from ``url`` and typeset, with its ``Visit``.

    ``load_ms`` runs from navigation start to the end of the load event,
    ``ready_ms`` until MathJax has typeset every formula (equal to
    ``load_ms`` on a page without formulas).
    """
    visit = Visit(url)
    page = context.new_page()
    watch(page, origin, visit)
    start = time.perf_counter()
    page.goto(url, wait_until="load")
    navigation = page.evaluate(
        "() => performance.getEntriesByType('navigation')[0].loadEventEnd"
    )
    visit.load_ms = float(navigation or 1000 * (time.perf_counter() - start))
    typeset = page.evaluate(MATHJAX_DONE)
    visit.typeset = typeset is not None
    visit.ready_ms = visit.load_ms if typeset is None else float(typeset)
    return page, visit
