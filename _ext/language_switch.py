"""A button on every page that leads to the same page in the other language.

The English book is built into the site's root and the Chinese edition
(sources in ``zh/``, the same tree of pages) into ``zh/`` beside it, so a
page's counterpart has the same name under the other edition's root. Each
edition's configuration names the other::

    language_switch:
      root: zh/              # the other edition's root, from this one's
      sources: zh            # its source folder, from this one's
      label: 中文             # the button's text
      tooltip: 本页的中文版    # the button's tooltip
      hreflang: zh-Hans      # the other edition's language

A page whose counterpart has no source (a page of one edition only) leads
to the other edition's home page instead. Pages that Sphinx generates
(search, index, highlighted module code) exist in both editions under the
same name. Each page also names its counterpart for search engines
(``<link rel="alternate" hreflang=...>``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
SOURCE_SUFFIXES = (".md", ".ipynb", ".rst")


def counterpart(app: Sphinx, pagename: str) -> str:
    """Return the other edition's page for ``pagename``, from the site's root."""
    settings = app.config.language_switch
    root = settings["root"]
    if pagename in app.env.found_docs:
        sources = Path(app.srcdir, settings["sources"])
        if not any((sources / f"{pagename}{s}").is_file() for s in SOURCE_SUFFIXES):
            return f"{root}{app.config.root_doc}.html"
    return f"{root}{pagename}.html"


def add_switch(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    """Add the button and the alternate link to one page."""
    settings = app.config.language_switch
    if not settings or "header_buttons" not in context:
        return
    depth = pagename.count("/")
    url = "../" * depth + counterpart(app, pagename)
    # A link button of the theme opens a new tab; the other language is
    # this page again, so the button takes the reader there in place.
    context["header_buttons"].insert(
        0,
        {
            "type": "javascript",
            "javascript": f"window.location.href='{quote(url, safe='/.-_~')}'",
            # The label is in the other language: say so, for its font.
            "text": f'<span lang="{settings["hreflang"]}">{settings["label"]}</span>',
            "tooltip": settings["tooltip"],
            "icon": "fas fa-language",
            "label": "language-switch",
        },
    )
    context["metatags"] = context.get("metatags", "") + (
        f'\n<link rel="alternate" hreflang="{settings["hreflang"]}" href="{url}" />'
    )


def check_settings(app: Sphinx, config: Any) -> None:
    """Stop the build early when the settings are incomplete."""
    settings = config.language_switch
    if not settings:
        return
    missing = [
        k
        for k in ("root", "sources", "label", "tooltip", "hreflang")
        if not settings.get(k)
    ]
    if missing:
        raise ValueError(f"language_switch: missing {', '.join(missing)}")
    if not str(settings["root"]).endswith("/"):
        raise ValueError(
            f"language_switch: root must end with '/': {settings['root']!r}"
        )


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the setting; add the button after the theme made its own (501)."""
    app.add_config_value("language_switch", {}, "html", types=[dict])
    app.connect("config-inited", check_settings)
    app.connect("html-page-context", add_switch, priority=503)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
