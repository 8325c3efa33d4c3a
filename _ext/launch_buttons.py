"""Launch buttons that open an exercise page's student notebook.

``launch_buttons:`` in ``_config.yml`` names a BinderHub, a JupyterHub
(with nbgitpuller) and Colab; each URL that is set gives a button, and an
empty one gives none. The theme's own launch buttons would open the page
itself, here a MyST Markdown file that Colab cannot read and that is not
what a student works in, and they would appear on every executed chapter.
This extension takes the settings over: the theme sees none, and a page
that offers exactly one notebook of the book's repository for download
(an exercise page's ``{download}`` link to ``exercises/<name>/<name>.ipynb``)
gets a launch menu for that notebook. Other pages get none.

Every button opens the notebook in the repository of ``repository: url:``
on ``repository: branch:``, so a launch URL without a repository URL is a
build warning (and the book builds with warnings as errors), as is a URL
that is not http(s), Colab with a repository outside GitHub, and a
launch service of the theme's that this book does not offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

#: The services this book offers: ``launch_buttons:`` key, button text,
#: the theme's logo.
SERVICES = {
    "binderhub_url": ("Binder", "_static/images/logo_binder.svg"),
    "jupyterhub_url": ("JupyterHub", "_static/images/logo_jupyterhub.svg"),
    "colab_url": ("Colab", "_static/images/logo_colab.png"),
}
#: Services of the theme that open the page itself; not offered here.
UNSUPPORTED = ("deepnote_url", "jupyterlite_url")
#: Where ``notebook_interface`` opens a file, as a Jupyter server path.
INTERFACES = {"classic": "tree", "jupyterlab": "lab/tree"}


@dataclass(frozen=True)
class Launch:
    """The launch settings in force: services, repository and interface."""

    urls: dict[str, str]  # launch_buttons: key -> service URL, set ones only
    repository: str  # https URL of the repository, without a trailing /
    branch: str
    book_path: str  # the book's folder in the repository ("" at its root)
    interface: str  # "tree" or "lab/tree"

    @property
    def host(self) -> str:
        return urlsplit(self.repository).netloc.lower()

    @property
    def owner_and_name(self) -> tuple[str, str]:
        """Return the repository's owner (or group path) and its name."""
        path = urlsplit(self.repository).path.strip("/").removesuffix(".git")
        owner, _, name = path.rpartition("/")
        return owner, name

    def links(self, notebook: str) -> list[tuple[str, str]]:
        """Return ``(key, url)`` of each button that opens ``notebook``.

        ``notebook`` is the notebook's path in the book's folder.
        """
        path = "/".join(p for p in (self.book_path, notebook) if p)
        owner, name = self.owner_and_name
        found = []
        binder = self.urls.get("binderhub_url")
        if binder:
            if self.host == "github.com":
                spec = f"gh/{owner}/{name}"
            elif self.host == "gitlab.com":
                spec = f"gl/{quote(f'{owner}/{name}', safe='')}"
            else:
                spec = f"git/{quote(self.repository, safe='')}"
            found.append(
                (
                    "binderhub_url",
                    f"{binder}/v2/{spec}/{self.branch}?urlpath={self.interface}/{path}",
                )
            )
        hub = self.urls.get("jupyterhub_url")
        if hub:
            # nbgitpuller clones the repository into a folder of its name.
            query = urlencode(
                {
                    "repo": self.repository,
                    "urlpath": f"{self.interface}/{name}/{path}",
                    "branch": self.branch,
                },
                safe="/",
            )
            found.append(
                ("jupyterhub_url", f"{hub}/hub/user-redirect/git-pull?{query}")
            )
        colab = self.urls.get("colab_url")
        if colab:
            found.append(
                (
                    "colab_url",
                    f"{colab}/github/{owner}/{name}/blob/{self.branch}/{path}",
                )
            )
        return found


def is_http(url: str) -> bool:
    """Return True if ``url`` is an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def take_over(app: Sphinx, config: Config) -> None:
    """Read the launch settings, check them, and hide them from the theme."""
    options = dict(config.html_theme_options or {})
    settings = dict(options.get("launch_buttons") or {})
    repository = str(options.get("repository_url") or "").strip().rstrip("/")
    urls = {}
    for key in SERVICES:
        url = str(settings.get(key) or "").strip().rstrip("/")
        if url and not is_http(url):
            LOGGER.warning(
                "launch_buttons: %s: %r is not an http(s) URL; no button", key, url
            )
        elif url:
            urls[key] = url
    for key in UNSUPPORTED:
        if settings.get(key):
            LOGGER.warning(
                "launch_buttons: %s is not offered by this book (its button "
                "would open the page, not the exercise notebook)",
                key,
            )
    interface = INTERFACES.get(str(settings.get("notebook_interface", "classic")))
    if interface is None:
        LOGGER.warning(
            "launch_buttons: notebook_interface must be one of %s, not %r; "
            "no launch button",
            ", ".join(INTERFACES),
            settings.get("notebook_interface"),
        )
        urls = {}
    if urls and not repository:
        LOGGER.warning(
            "launch_buttons: %s set, but repository: url: is empty; the "
            "buttons open the notebook in that repository, so none is shown",
            ", ".join(urls),
        )
        urls = {}
    if "colab_url" in urls and urlsplit(repository).netloc.lower() != "github.com":
        LOGGER.warning(
            "launch_buttons: Colab opens notebooks from GitHub only, and "
            "repository: url: is %s; no Colab button",
            repository,
        )
        del urls["colab_url"]
    app.launch = Launch(  # type: ignore[attr-defined]
        urls=urls,
        repository=repository,
        branch=str(options.get("repository_branch") or "main").strip(),
        book_path=str(options.get("path_to_docs") or "").strip("/"),
        interface=interface or "tree",
    )
    # The theme sees no service, so it adds no launch button of its own.
    options["launch_buttons"] = {
        **settings,
        **{key: "" for key in (*SERVICES, *UNSUPPORTED)},
    }
    config.html_theme_options = options


def offered_notebooks(app: Sphinx, pagename: str, doctree: nodes.document) -> list[str]:
    """Return the notebooks a page offers for download, relative to the book."""
    found = []
    for node in doctree.findall(addnodes.download_reference):
        target = str(node.get("reftarget", ""))
        if PurePosixPath(target).suffix == ".ipynb":
            relative, _ = app.env.relfn2path(target, pagename)
            found.append(PurePosixPath(relative).as_posix())
    return list(dict.fromkeys(found))


def add_launch_menu(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    """Add a launch menu for the notebook a page offers, if it offers one."""
    launch: Launch = app.launch  # type: ignore[attr-defined]
    if doctree is None or not launch.urls or "header_buttons" not in context:
        return
    notebooks = offered_notebooks(app, pagename, doctree)
    if not notebooks:
        return
    if len(notebooks) > 1:
        LOGGER.warning(
            "%s offers %d notebooks (%s); launch buttons open one, so none is shown",
            pagename,
            len(notebooks),
            ", ".join(notebooks),
            location=pagename,
        )
        return
    buttons = [
        {
            "type": "link",
            "text": SERVICES[key][0],
            "tooltip": f"Open {PurePosixPath(notebooks[0]).name} on {SERVICES[key][0]}",
            "icon": SERVICES[key][1],
            "url": url,
            "label": f"launch-{SERVICES[key][0].lower()}",
        }
        for key, url in launch.links(notebooks[0])
    ]
    context["header_buttons"].append(
        {
            "type": "group",
            "tooltip": "Open the exercise notebook online",
            "icon": "fas fa-rocket",
            "buttons": buttons,
            "label": "launch-buttons",
        }
    )


def setup(app: Sphinx) -> dict[str, Any]:
    """Take the settings over at start-up; add the menu to each page."""
    # After repository_button's choice (priority 500) has tidied the URL.
    app.connect("config-inited", take_over, priority=600)
    # After the theme has made the header's buttons (priority 501).
    app.connect("html-page-context", add_launch_menu, priority=502)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
