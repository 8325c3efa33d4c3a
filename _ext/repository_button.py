"""Show the repository button exactly when the repository URL is set.

The book's repository is one setting, ``repository: url:`` in
``_config.yml``. Jupyter Book 1 cannot express "a button when there is a
URL": ``html: use_repository_button: true`` with an empty URL stops the
build, and its default URL is Jupyter Book's own repository, so a copy of
the book that forgot the setting would link there. This extension decides
at start-up: a non-empty URL turns the theme's repository button on (its
icon in the header links to the URL), an empty one turns it off, and
no link to a repository is written at all.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)


def repository_url(config: Config) -> str:
    """Return the configured repository URL, stripped ("" when unset)."""
    options = config.html_theme_options or {}
    return str(options.get("repository_url") or "").strip()


def choose_button(app: Sphinx, config: Config) -> None:
    """Set the theme's repository button from the repository URL."""
    options = dict(config.html_theme_options or {})
    url = repository_url(config)
    if url and not url.startswith(("https://", "http://")):
        LOGGER.warning(
            "repository: url: %r is not an http(s) URL; no repository button is shown",
            url,
        )
        url = ""
    options["repository_url"] = url
    options["use_repository_button"] = bool(url)
    if not url:
        # Buttons that need a repository are meaningless without one.
        options["use_edit_page_button"] = False
        options["use_issues_button"] = False
    config.html_theme_options = options


def setup(app: Sphinx) -> dict[str, Any]:
    """Connect the decision to the configuration's start-up."""
    app.connect("config-inited", choose_button)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
