"""Serve the built book on 127.0.0.1 from a background thread.

The browser tests (``tests/test_site.py``) and the site report
(``scripts/site_report.py``) both read the site the way a reader does,
over HTTP, because a browser treats ``file://`` pages differently (no
fetch of the search index, no service of downloads with their headers).

Usage::

    python scripts/serve_site.py [HTML_DIR] [--port N]

serves ``HTML_DIR`` (default ``_build/html``) until interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
HOST = "127.0.0.1"
#: Folders of the built site that hold assets and copies, not pages.
NON_PAGE_DIRS = ("_static", "_sources", "_downloads", "_images")
#: A page that only forwards the reader, like Jupyter Book's index.html.
REFRESH = re.compile(
    r'<meta\s+http-equiv="refresh"\s+content="\d+;\s*url=([^"]+)"', re.I
)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files without logging each request to stderr."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".ipynb": "application/x-ipynb+json",
        ".woff": "font/woff",
        ".woff2": "font/woff2",
        ".mjs": "text/javascript",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(html_dir: Path = HTML, port: int = 0) -> Iterator[str]:
    """Yield the base URL ``http://127.0.0.1:<port>/`` of a served folder.

    ``port=0`` lets the system choose a free port, so that several servers
    (parallel test sessions, a report) never collide. The server stops and
    its socket is closed when the block ends.
    """
    html_dir = Path(html_dir)
    if not (html_dir / "index.html").is_file():
        raise FileNotFoundError(
            f"{html_dir} holds no built book (no index.html): "
            "run `make book` or scripts/build_book.py first"
        )
    handler = functools.partial(QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer((HOST, port), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, name="serve_site", daemon=True
    )
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def html_files(html_dir: Path = HTML) -> list[str]:
    """Return the site's HTML files as sorted paths relative to ``html_dir``.

    Assets (``_static/`` and the like) are left out: they are not pages a
    reader opens.
    """
    html_dir = Path(html_dir)
    files = []
    for path in html_dir.rglob("*.html"):
        rel = path.relative_to(html_dir)
        # The Chinese edition (zh/) is a site of its own inside this one.
        if not any(part in NON_PAGE_DIRS for part in rel.parts[:-1]):
            files.append(rel.as_posix())
    return sorted(files)


def redirects(html_dir: Path = HTML) -> dict[str, str]:
    """Return ``{page: target}`` for the pages that only forward the reader."""
    html_dir = Path(html_dir)
    found = {}
    for page in html_files(html_dir):
        match = REFRESH.search((html_dir / page).read_text(errors="replace"))
        if match:
            found[page] = match.group(1)
    return found


def site_pages(html_dir: Path = HTML) -> list[str]:
    """Return the pages with content, relative to ``html_dir``, sorted."""
    forwarding = redirects(html_dir)
    return [page for page in html_files(html_dir) if page not in forwarding]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "html",
        nargs="?",
        type=Path,
        default=HTML,
        help="built site (default: _build/html)",
    )
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    with serve(args.html, args.port) as url:
        print(f"serving {args.html} at {url} (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
