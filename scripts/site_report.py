"""Print the built site's size, its pages and how long each takes to load.

Usage::

    python scripts/site_report.py [HTML_DIR] [--repeat N]

``HTML_DIR`` defaults to ``_build/html`` (``make book`` builds it). Each
page is opened in a fresh headless Chromium context, so with an empty
cache, from a server on 127.0.0.1: the times measure what the browser does
(parsing, scripts, MathJax typesetting, images), not a network. ``load``
is navigation start to the end of the load event, ``ready`` until MathJax
has typeset every formula; the median of ``--repeat`` loads is shown.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from browse_site import browser_missing, launch, new_context, open_page
from serve_site import HTML, html_files, serve, site_pages

MB = 1024 * 1024


def folder_size(folder: Path) -> int:
    """Return the total size in bytes of the files under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def measure(html_dir: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """Return ``{page: (median load ms, median ready ms)}`` of every page."""
    from playwright.sync_api import sync_playwright

    times: dict[str, tuple[float, float]] = {}
    with serve(html_dir) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        for page_name in site_pages(html_dir):
            loads, readies = [], []
            for _ in range(repeat):
                context = new_context(browser)
                _, visit = open_page(context, url + page_name, url)
                context.close()
                loads.append(visit.load_ms)
                readies.append(visit.ready_ms)
            times[page_name] = (statistics.median(loads), statistics.median(readies))
        browser.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "html",
        nargs="?",
        type=Path,
        default=HTML,
        help="built site (default: _build/html)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="loads per page; the median is shown"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    html_dir = args.html.resolve()
    if not (html_dir / "index.html").is_file():
        parser.error(f"{html_dir} holds no built book: run `make book`")

    total = folder_size(html_dir)
    static = folder_size(html_dir / "_static")
    pages = site_pages(html_dir)
    print(f"site: {html_dir}")
    print(
        f"size: {total / MB:.1f} MB ({static / MB:.1f} MB of it theme and "
        f"MathJax assets in _static/)"
    )
    print(
        f"pages: {len(pages)} ({len(html_files(html_dir))} HTML files with redirects)"
    )

    reason = browser_missing()
    if reason:
        print(f"load times: not measured, {reason}")
        return 0
    times = measure(html_dir, args.repeat)
    width = max(len(p) for p in times)
    print(f"\n{'page':<{width}}  {'load ms':>8}  {'ready ms':>8}")
    for page_name, (load, ready) in times.items():
        print(f"{page_name:<{width}}  {load:8.0f}  {ready:8.0f}")
    slowest = max(times, key=lambda p: times[p][1])
    load, ready = times[slowest]
    print(
        f"\nslowest: {slowest}, ready after {ready:.0f} ms "
        f"(load event {load:.0f} ms; median of {args.repeat})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
