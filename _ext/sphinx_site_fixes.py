"""Sphinx extension: each inline script appears once on a built page.

Jupyter Book 1 always loads ``sphinx_thebe``, which registers an inline
script declaring ``const THEBE_JS_URL`` while the sources are read. Sphinx
7.4 adds scripts registered after the builder started a second time when
it prepares writing (once named ``None``, once ``''``), so every page
declared the constant twice and the browser raised "Identifier
'THEBE_JS_URL' has already been declared" on every page. This extension
drops such repeats from each page's script list; the browser tests
(``tests/test_site.py``) fail on any page error, so they guard the fix.

Enabled in ``_config.yml`` under ``sphinx: local_extensions:``.
"""

from __future__ import annotations

from typing import Any


def script_key(script: Any) -> tuple[str, str]:
    """Return what makes two script tags the same: name and attributes."""
    name = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return str(name), repr(sorted(attributes.items()))


def drop_repeated_scripts(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Keep the first of every group of identical scripts on the page."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, str]] = set()
    unique = []
    for script in scripts:
        key = script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Any) -> dict[str, Any]:
    """Register the page hook with Sphinx."""
    app.connect("html-page-context", drop_repeated_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
