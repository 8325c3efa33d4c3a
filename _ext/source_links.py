"""Keep the highlighted source of some modules off the site.

``sphinx.ext.viewcode`` puts a ``[source]`` link beside every documented
object and publishes each module's code under ``_modules/``. Some
``actzoo`` modules hold, line for line, the reference answers of the graded
exercises (the functions students are asked to write); publishing their
code would publish the solutions, which the leak test
(``tests/test_leaks.py``) forbids. For the modules listed here viewcode
writes no page and no link; every other module keeps its ``[source]``
links.

The published module pages are wrapped in ``<div class="viewcode-source">``,
so that ``_static/source.css`` wraps their long lines inside the text
column.

Configuration (``sphinx: config:`` in ``_config.yml``):

``source_links_withheld``
    Module names whose source is not published (default: none).
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def withhold(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Mark the withheld modules as having no source, before any page is read.

    viewcode records a module without source as ``False`` in the
    environment and then neither links nor highlights it.
    """
    modules = getattr(env, "_viewcode_modules", None)
    if modules is None:
        modules = env._viewcode_modules = {}  # type: ignore[attr-defined]
    for name in app.config.source_links_withheld:
        modules[name] = False


def drop_from_index(app: Sphinx) -> list:
    """Leave the withheld modules out of viewcode's index of module code.

    Runs before viewcode writes its pages (priority below its 500): viewcode
    lists every module it has seen, those without source included, which
    would link pages that do not exist.
    """
    modules = getattr(app.env, "_viewcode_modules", {})
    for name in app.config.source_links_withheld:
        modules.pop(name, None)
    return []


def wrap_source(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Wrap the body of viewcode's module pages for ``_static/source.css``."""
    if pagename.startswith("_modules/") and "body" in context:
        context["body"] = f'<div class="viewcode-source">{context["body"]}</div>'


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the configuration value and the hook."""
    app.setup_extension("sphinx.ext.viewcode")
    app.add_config_value("source_links_withheld", [], "env", [list])
    app.connect("env-before-read-docs", withhold)
    app.connect("html-collect-pages", drop_from_index, priority=400)
    app.connect("html-page-context", wrap_source)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
