"""What an adoptable textbook carries: licences, repository button,
bibliography, one-PDF book, readable API reference, CJK glossary terms and
a separate instructors' part.

Fast checks read the sources; slow ones read the session's book build
(``site_html``, see ``conftest.py``) or build a one-page book with the real
``_config.yml`` in a temporary folder (a few seconds).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from tests.conftest import latin_only_chromium, load_script, toc_docs, toc_parts

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "_config.yml"
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
EXAMPLE_REPOSITORY = "https://github.com/example-org/activation-zoo"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"


serve_site = load_script("serve_site")
browse_site = load_script("browse_site")


def config() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


class Links(HTMLParser):
    """Collect every ``<a>`` of a page with its attributes and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self._open: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            link = {k: v or "" for k, v in attrs} | {"text": ""}
            self.links.append(link)
            self._open.append(link)

    def handle_data(self, data):
        for link in self._open:
            link["text"] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            self._open.pop()


def links(html: str) -> list[dict[str, str]]:
    parser = Links()
    parser.feed(html)
    return parser.links


def footer(html: str) -> str:
    """Return the page's footer: the theme's ``bd-footer-content``."""
    match = re.search(r'<footer class="bd-footer-content">(.*?)</footer>', html, re.S)
    assert match, "the page has no footer"
    return match.group(1)


def repository_buttons(html: str) -> list[str]:
    """Return the ``href`` of every repository button of a page."""
    return [
        a.get("href", "")
        for a in links(html)
        if "btn-source-repository-button" in a.get("class", "")
    ]


# ------------------------------------------------------------ licences


def test_licence_files_name_mit_for_code_and_cc_by_for_text():
    code = (ROOT / "LICENSE").read_text(encoding="utf-8")
    text = (ROOT / "LICENSE-text.md").read_text(encoding="utf-8")
    assert code.startswith("MIT License")
    assert "Permission is hereby granted, free of charge" in code
    assert "CC BY 4.0" in text and "Attribution 4.0 International" in text
    assert CC_BY + "legalcode" in text
    # Each file points to the other, so neither licence is missed.
    assert "LICENSE-text.md" in code and "`LICENSE`" in text


def test_package_metadata_declares_the_code_licence():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert set(project["license-files"]) == {"LICENSE", "LICENSE-text.md"}


def check_licence_footer(html: str) -> None:
    """Fail unless the footer links CC BY 4.0 (text) and MIT (code)."""
    found = {
        a["text"].strip(): a.get("href", "")
        for a in links(footer(html))
        if a.get("rel") == "license"
    }
    assert found.get("CC BY 4.0") == CC_BY, found
    assert found.get("MIT", "").startswith("https://opensource.org/"), found
    said = " ".join(re.sub(r"<[^>]+>", "", footer(html)).split())
    assert re.search(r"Text and figures: CC BY 4\.0", said), said
    assert re.search(r"Code: MIT", said), said


def test_the_footer_check_catches_a_missing_licence():
    good = (
        '<footer class="bd-footer-content"><p>Text and figures: <a '
        f'rel="license" href="{CC_BY}">CC BY 4.0</a>. Code: <a '
        'rel="license" href="https://opensource.org/license/mit">MIT</a>'
        ".</p></footer>"
    )
    check_licence_footer(good)
    for bad in (
        good.replace(">MIT<", "><"),
        good.replace(CC_BY, "#"),
        good.replace('rel="license" ', "", 1),
        "<p>no footer</p>",
    ):
        with pytest.raises(AssertionError):
            check_licence_footer(bad)


@pytest.mark.slow
def test_every_page_shows_both_licences_in_its_footer(site_html):
    for page in (
        "intro.html",
        "chapters/principles/kink.html",
        "chapters/glossary.html",
    ):
        check_licence_footer((site_html / page).read_text(encoding="utf-8"))


# ------------------------------------------------------------ repository


def merged(base: dict, changes: dict) -> dict:
    """Return ``base`` with ``changes`` applied, nested sections key by key."""
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def build_small_book(
    folder: Path, settings: dict | None = None, files: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Build a small book with this ``_config.yml``; return the build's process.

    ``settings`` changes the configuration, section by section (every key
    it names must exist in ``_config.yml``); ``files`` adds files to the
    book's folder (``{path: text}``), and the table of contents lists
    ``index.md`` and every page among them in ``chapters/``. The book's extensions
    are the repository's own (symlinked folders). It publishes no wheel
    unless ``settings`` names a project for it.
    """
    settings = merged(
        {"sphinx": {"config": {"course_wheel_project": ""}}}, settings or {}
    )

    def check_known(base: dict, changes: dict, where: str) -> None:
        for key, value in changes.items():
            assert key in base, f"_config.yml has no {where}{key} setting"
            if isinstance(value, dict):
                check_known(base[key], value, f"{where}{key}: ")

    check_known(config(), settings, "")
    folder.mkdir(parents=True)
    (folder / "_config.yml").write_text(
        yaml.safe_dump(merged(config(), settings), sort_keys=False), encoding="utf-8"
    )
    files = {"index.md": "# One page\n\nSome text.\n", **(files or {})}
    pages = sorted(
        name.rsplit(".", 1)[0]
        for name in files
        if name.startswith("chapters/") and name.endswith((".md", ".ipynb"))
    )
    chapters = "".join(f"  - file: {page}\n" for page in pages)
    (folder / "_toc.yml").write_text(
        "format: jb-book\nroot: index\n"
        + (f"chapters:\n{chapters}" if chapters else "")
    )
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "_ext").symlink_to(ROOT / "_ext")
    for bib in config().get("bibtex_bibfiles", []):
        (folder / bib).symlink_to(ROOT / bib)
    return subprocess.run(
        [str(JUPYTER_BOOK), "build", str(folder), "--warningiserror"],
        capture_output=True,
        text=True,
    )


def built_page(folder: Path, proc: subprocess.CompletedProcess, page: str) -> str:
    """Return a page of a small book, failing with the log if it did not build."""
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return (folder / "_build" / "html" / page).read_text(encoding="utf-8")


def build_one_page_book(folder: Path, url: str | None) -> str:
    """Build a one-page book with this ``_config.yml``; return its page.

    ``url`` replaces the repository setting (None keeps the file's own).
    """
    settings = {} if url is None else {"repository": {"url": url}}
    return built_page(folder, build_small_book(folder, settings), "index.html")


def test_the_repository_url_is_one_setting_and_empty_by_default():
    settings = config()
    assert settings["repository"]["url"] == ""
    # The button follows the URL; nothing else switches it on.
    assert settings["html"]["use_repository_button"] is False
    assert "repository_button" in settings["sphinx"]["local_extensions"]


@pytest.mark.slow
def test_a_repository_url_gives_a_button_linking_to_it(tmp_path):
    folder = tmp_path / "with-url"
    proc = build_small_book(
        folder, {"repository": {"url": EXAMPLE_REPOSITORY}}, EXERCISE_BOOK
    )
    page = built_page(folder, proc, "index.html")
    assert repository_buttons(page) == [EXAMPLE_REPOSITORY]
    # A repository alone, with no launch service set, gives no launch menu.
    exercise = built_page(folder, proc, "chapters/ex9_demo.html")
    assert repository_buttons(exercise) == [EXAMPLE_REPOSITORY]
    assert launch_links(exercise) == {}
    assert LAUNCH_MENU not in exercise


@pytest.mark.slow
def test_no_repository_url_gives_no_button_and_no_link(tmp_path):
    folder = tmp_path / "default"
    proc = build_small_book(folder, files=EXERCISE_BOOK)
    for name in ("index.html", "chapters/ex9_demo.html", "chapters/zoo.html"):
        page = built_page(folder, proc, name)
        assert repository_buttons(page) == []
        assert launch_links(page) == {} and LAUNCH_MENU not in page
        # Not Jupyter Book's default repository either, nor any edit/issue
        # link, nor a launch link.
        hrefs = [a.get("href", "") for a in links(page)]
        assert not [
            h for h in hrefs if "github.com" in h or "/edit/" in h or "/v2/" in h
        ], hrefs


@pytest.mark.slow
def test_the_published_book_has_no_repository_link(site_html):
    for page in (
        "intro.html",
        "chapters/principles/zoo.html",
        "chapters/hands_on/ex1_activations.html",
    ):
        html = (site_html / page).read_text(encoding="utf-8")
        assert repository_buttons(html) == []
        assert launch_links(html) == {} and LAUNCH_MENU not in html
        assert "executablebooks/jupyter-book" not in html


# ------------------------------------------------------------ launch buttons

#: Launch services as an instructor would set them.
EXAMPLE_LAUNCH = {
    "binderhub_url": "https://mybinder.org",
    "jupyterhub_url": "https://hub.example.edu",
    "colab_url": "https://colab.research.google.com",
}
#: The theme's class of the launch menu.
LAUNCH_MENU = "dropdown-launch-buttons"
EXERCISE_NOTEBOOK = "exercises/ex9_demo/ex9_demo.ipynb"


def notebook(markdown: str, code: str = "") -> str:
    """Return the JSON of a Python notebook: a Markdown cell, a code cell."""
    cells = [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": markdown}]
    if code:
        cells.append(
            {
                "cell_type": "code",
                "id": "c",
                "metadata": {},
                "source": code,
                "outputs": [],
                "execution_count": None,
            }
        )
    kernel = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return json.dumps(
        {
            "cells": cells,
            "metadata": {"kernelspec": kernel},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


#: An exercise page that offers its notebook as the real ones do, and a
#: chapter that is an executed notebook and offers none.
EXERCISE_BOOK = {
    "chapters/ex9_demo.md": "# Exercise 9\n\nDownload {download}`ex9_demo.ipynb "
    f"<../{EXERCISE_NOTEBOOK}>` and work through it.\n",
    "chapters/zoo.ipynb": notebook("# A chapter", "1 + 1"),
    EXERCISE_NOTEBOOK: notebook("# Exercise 9"),
}


def launch_links(html: str) -> dict[str, str]:
    """Return ``{service: href}`` of a page's launch buttons (``btn-launch-*``)."""
    found = {}
    for a in links(html):
        for name in a.get("class", "").split():
            if name.startswith("btn-launch-"):
                found[name.removeprefix("btn-launch-")] = a.get("href", "")
    return found


@pytest.fixture(scope="module")
def student_site(tmp_path_factory) -> Path:
    """Return the HTML of a small book set up for students.

    It has a repository, every launch service and the course's wheel.
    """
    folder = tmp_path_factory.mktemp("students") / "book"
    settings = {
        "repository": {"url": EXAMPLE_REPOSITORY},
        "launch_buttons": EXAMPLE_LAUNCH,
        "sphinx": {"config": {"course_wheel_project": str(ROOT)}},
    }
    built_page(folder, build_small_book(folder, settings, EXERCISE_BOOK), "index.html")
    return folder / "_build" / "html"


def test_launch_buttons_are_off_by_default():
    settings = config()
    assert {k: settings["launch_buttons"][k] for k in EXAMPLE_LAUNCH} == {
        k: "" for k in EXAMPLE_LAUNCH
    }
    assert "launch_buttons" in settings["sphinx"]["local_extensions"]


def test_each_exercise_page_offers_its_student_notebook_alone():
    # The launch buttons open the one notebook a page offers for download.
    pages = sorted((ROOT / "chapters" / "hands_on").glob("ex*.md"))
    assert len(pages) == len(list((ROOT / "exercises").glob("*/*.ipynb")))
    for page in pages:
        offered = re.findall(r"\{download\}`[^`<]*<([^>]+\.ipynb)>`", page.read_text())
        assert offered == [f"../../exercises/{page.stem}/{page.stem}.ipynb"], page.name
        assert (page.parent / offered[0]).is_file()


@pytest.mark.slow
def test_launch_buttons_open_the_exercise_notebook(student_site):
    page = (student_site / "chapters" / "ex9_demo.html").read_text(encoding="utf-8")
    found = launch_links(page)
    assert set(found) == {"binder", "jupyterhub", "colab"}, found
    assert found["binder"] == (
        "https://mybinder.org/v2/gh/example-org/activation-zoo/main"
        f"?urlpath=lab/tree/{EXERCISE_NOTEBOOK}"
    )
    assert found["colab"] == (
        "https://colab.research.google.com/github/example-org/activation-zoo/"
        f"blob/main/{EXERCISE_NOTEBOOK}"
    )
    # nbgitpuller clones the repository into a folder of its name.
    hub = urlsplit(found["jupyterhub"])
    assert hub[:3] == ("https", "hub.example.edu", "/hub/user-redirect/git-pull")
    assert parse_qs(hub.query) == {
        "repo": [EXAMPLE_REPOSITORY],
        "urlpath": [f"lab/tree/activation-zoo/{EXERCISE_NOTEBOOK}"],
        "branch": ["main"],
    }
    assert page.count(LAUNCH_MENU) == 1
    # A page that offers no notebook, an executed chapter included, has none.
    for name in ("chapters/zoo.html", "index.html"):
        other = (student_site / name).read_text(encoding="utf-8")
        assert launch_links(other) == {} and LAUNCH_MENU not in other


@pytest.mark.slow
def test_a_launch_url_without_a_repository_stops_the_build(tmp_path):
    proc = build_small_book(
        tmp_path / "book",
        {"launch_buttons": {"colab_url": EXAMPLE_LAUNCH["colab_url"]}},
    )
    assert proc.returncode != 0
    assert "colab_url set, but repository: url: is empty" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_the_site_publishes_the_course_wheel(student_site, wheel):
    published = sorted((student_site / "_static").glob("*.whl"))
    assert [p.name for p in published] == [wheel.name]
    names = set(zipfile.ZipFile(published[0]).namelist())
    assert {"actzoo/__init__.py", "actzoo/check.py", "actzoo_grader/checks.py"} <= names


# ------------------------------------------------------------ bibliography

BIBFILE = ROOT / "references.bib"
BIB_KEY = re.compile(r"^@\w+\{([^,\s]+),", re.M)
#: A link to an entry of the bibliography page, from any page.
CITE_LINK = re.compile(r'href="[^"#]*bibliography\.html#(cite-[^"]+)"')
#: Where each primary source is used, so where it must be cited.
CITED_ON = {
    "glorot2011": ["chapters/principles/zoo", "chapters/principles/dying"],
    "maas2013": ["chapters/principles/zoo", "chapters/principles/leaky"],
    "clevert2016": ["chapters/principles/zoo", "chapters/principles/centring"],
    "klambauer2017": [
        "chapters/principles/zoo",
        "chapters/principles/centring",
        "chapters/principles/self_normalising",
    ],
    "hendrycks2016": ["chapters/principles/zoo", "chapters/principles/smoothing"],
    "ramachandran2017": ["chapters/principles/zoo", "chapters/principles/smoothing"],
    "misra2019": ["chapters/principles/zoo"],
    "li2018": ["chapters/principles/landscapes"],
    "clarke1983": ["chapters/principles/kink"],
    "bachelier1900": ["chapters/applications/finance"],
    "tjeng2019": ["chapters/applications/verification"],
    "gowal2018": ["chapters/applications/verification"],
    "raissi2019": ["chapters/applications/pinn"],
    "glorot2010": ["chapters/principles/gradient_flow"],
    "he2015": [
        "chapters/principles/gradient_flow",
        "chapters/principles/self_normalising",
    ],
}


def bib_keys() -> list[str]:
    return BIB_KEY.findall(BIBFILE.read_text(encoding="utf-8"))


def citation_problems(
    pages: dict[str, str], bibliography: str, keys: list[str]
) -> list[str]:
    """Return what is wrong with the citations of built ``pages``.

    ``pages`` maps document names to their HTML, ``bibliography`` is the
    bibliography page's HTML and ``keys`` the entries of the ``.bib`` file.
    Wrong: an entry not listed or never cited, a citation whose target is
    not an entry, a citation role left as text, an entry not cited on a
    page that uses it (``CITED_ON``).
    """
    problems = []
    listed = set(re.findall(r'id="(cite-[^"]+)"', bibliography))
    cited: dict[str, set[str]] = {}
    for doc, html in pages.items():
        for target in CITE_LINK.findall(html):
            cited.setdefault(target, set()).add(doc)
            if target not in listed:
                problems.append(
                    f"{doc}: citation of #{target} resolves to no bibliography entry"
                )
        if re.search(r"\{cite(:\w+)?\}", html):
            problems.append(f"{doc}: a citation role left as text")
    for key in keys:
        if f"cite-{key}" not in listed:
            problems.append(f"{key}: not listed on the bibliography page")
        where = cited.get(f"cite-{key}", set())
        if not where:
            problems.append(f"{key}: never cited")
        for doc in CITED_ON.get(key, []):
            if doc in pages and doc not in where:
                problems.append(f"{key}: used on {doc} but not cited there")
    return problems


def test_the_bibliography_has_the_primary_sources_once_each():
    keys = bib_keys()
    assert len(keys) == len(set(keys)), "a key used twice"
    assert sorted(keys) == sorted(CITED_ON)
    text = BIBFILE.read_text(encoding="utf-8")
    for key in keys:
        year = re.search(r"(\d{4})$", key).group(1)
        block = re.search(rf"\{{{key},(.*?)\n\}}", text, re.S).group(1)
        assert re.search(rf"year\s*=\s*\{{{year}\}}", block), key
        assert re.search(r"author\s*=", block) and re.search(r"title\s*=", block), key


def test_the_citation_check_catches_each_kind_of_defect():
    keys = ["a2000", "b2001"]
    bib = '<div id="cite-a2000"></div><div id="cite-b2001"></div>'
    page = (
        '<a href="../bibliography.html#cite-a2000">A</a> '
        '<a href="bibliography.html#cite-b2001">B</a>'
    )
    assert citation_problems({"p": page}, bib, keys) == []
    uncited = citation_problems({"p": page.split("</a> ")[0] + "</a>"}, bib, keys)
    assert uncited == ["b2001: never cited"]
    unresolved = citation_problems(
        {"p": page + '<a href="../bibliography.html#cite-c2002">C</a>'}, bib, keys
    )
    assert unresolved == [
        "p: citation of #cite-c2002 resolves to no bibliography entry"
    ]
    unlisted = citation_problems({"p": page}, bib.split("</div>")[0], keys)
    assert "b2001: not listed on the bibliography page" in unlisted
    raw = citation_problems({"p": page + " {cite:p}`x`"}, bib, keys)
    assert raw == ["p: a citation role left as text"]


@pytest.mark.slow
def test_every_entry_is_cited_and_every_citation_resolves(site_html):
    pages = {
        doc: (site_html / f"{doc}.html").read_text(encoding="utf-8")
        for doc in toc_docs()
    }
    bibliography = pages["chapters/bibliography"]
    assert citation_problems(pages, bibliography, bib_keys()) == []
    # Citations read as author and year, and link to the entry.
    zoo = pages["chapters/principles/zoo"]
    assert re.search(
        r"Glorot\s+<em>et al\.</em>\s*[\[(]2011", re.sub(r"<a [^>]*>", "", zoo)
    ), "author-year citations"


# ------------------------------------------------------------ API reference

#: The pieces of NumPy's expanded ``ArrayLike`` union, which a reader of a
#: signature should never have to decode.
EXPANDED = (
    "_Buffer",
    "_SupportsArray",
    "_NestedSequence",
    "numpy.typing.",
    "dtype[Any]",
    "ndarray[tuple",
)
SIGNATURE = re.compile(
    r'<dl class="py (\w+)">\s*<dt class="sig sig-object py" id="([^"]+)">'
    r"(.*?)</dt>",
    re.S,
)


def signatures(html: str) -> list[tuple[str, str, str, bool]]:
    """Return ``(kind, id, text, has [source] link)`` per documented object."""
    found = []
    for kind, ident, body in SIGNATURE.findall(html):
        text = " ".join(re.sub(r"<[^>]+>", "", body).split())
        found.append((kind, ident, text, 'class="viewcode-link"' in body))
    return found


def api_problems(html: str, source: bool = True) -> list[str]:
    """Return the unreadable signatures and wrong source links of a page.

    ``source``: whether the page's module publishes its code (functions
    and classes then need a ``[source]`` link; otherwise none may have one).
    """
    problems = []
    for kind, ident, text, linked in signatures(html):
        for piece in EXPANDED:
            if piece in text:
                problems.append(f"{ident}: expanded type {piece!r} in {text}")
        if source and kind in ("function", "class") and not linked:
            problems.append(f"{ident}: no [source] link")
        if not source and linked:
            problems.append(f"{ident}: [source] link to withheld code")
    return problems


def withheld_modules() -> list[str]:
    """Return the modules whose code the site does not publish."""
    return config()["sphinx"]["config"]["source_links_withheld"]


def test_the_api_check_catches_long_types_and_missing_sources():
    good = (
        '<dl class="py function">\n<dt class="sig sig-object py" '
        'id="m.f"><span>f(x: ArrayLike) → ndarray</span><a href="'
        '../../_modules/m.html#f"><span class="viewcode-link">'
        "[source]</span></a></dt>"
    )
    assert api_problems(good) == []
    long = good.replace("ArrayLike", "_Buffer | _SupportsArray[dtype[Any]]")
    assert len(api_problems(long)) == 3
    assert api_problems(good.replace('class="viewcode-link"', "")) == [
        "m.f: no [source] link"
    ]
    assert api_problems(good, source=False) == ["m.f: [source] link to withheld code"]


@pytest.mark.slow
def test_api_pages_have_short_signatures_and_source_links(site_html):
    import actzoo.activations

    withheld = withheld_modules()
    pages = sorted((site_html / "chapters" / "api").glob("*.html"))
    assert len(pages) >= 18
    problems, arraylike, total, published = [], 0, 0, 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        found = signatures(html)
        assert found, f"{page.name} documents nothing"
        total += len(found)
        arraylike += sum("x: ArrayLike" in text for _, _, text, _ in found)
        module = f"actzoo.{page.stem}"
        source = module not in withheld
        problems += api_problems(html, source)
        # The source links lead to the highlighted code of that module;
        # the withheld modules' code is nowhere on the site.
        code = site_html / "_modules" / "actzoo" / f"{page.stem}.html"
        assert code.is_file() == source, code
        assert (f"_modules/actzoo/{page.stem}.html#" in html) == source
        published += source
    assert not problems, "\n".join(problems)
    assert total > 150 and published >= 8
    # relu and its kin take x: ArrayLike in the code, and say so.
    takes_x = [
        n for n in actzoo.activations.__all__ if n.islower() and not n.startswith("_")
    ]
    assert arraylike >= len(takes_x) > 20


# ------------------------------------------------------------ parts

INSTRUCTOR_PAGES = [
    "chapters/hands_on/instructors",
    "chapters/hands_on/grading_at_scale",
]


def test_instructor_pages_have_their_own_part():
    parts = toc_parts()
    assert parts["For instructors"] == INSTRUCTOR_PAGES
    students = parts["Hands-on practice"]
    assert not set(INSTRUCTOR_PAGES) & set(students)
    # Every exercise stays with the students.
    exercises = sorted(p.name for p in (ROOT / "exercises").iterdir() if p.is_dir())
    assert exercises and all(
        f"chapters/hands_on/{name}" in students for name in exercises
    )
    # Each page is in exactly one part.
    every = [doc for docs in parts.values() for doc in docs]
    assert len(every) == len(set(every))


@pytest.mark.slow
def test_the_sidebar_shows_the_instructors_part(site_html):
    html = (site_html / "intro.html").read_text(encoding="utf-8")
    captions = re.findall(
        r'<p aria-level="2" class="caption" role="heading">'
        r'<span class="caption-text">([^<]+)</span>',
        html,
    )
    assert (
        captions.index("For instructors") == captions.index("Hands-on practice") + 1
    ), captions
    part = html.split("For instructors", 1)[1].split('class="caption"', 1)[0]
    assert "hands_on/instructors.html" in part
    assert "hands_on/grading_at_scale.html" in part
    students = html.split("Hands-on practice", 1)[1].split("For instructors")[0]
    assert "instructors.html" not in students


# ------------------------------------------------------------ CJK glyphs

#: The face the book's CSS asks for (_static/cjk.css).
CJK_FONT = "Noto Sans CJK SC"
#: Every CJK character of the page's text that is outside code and math,
#: with the language of the element it sits in.
CJK_TEXT = r"""
() => {
  const cjk = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+/g;
  const skip = 'pre, code, script, style, mjx-container, .math';
  const out = [];
  const root = document.querySelector('main') || document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest(skip)) continue;
    for (const run of node.nodeValue.match(cjk) || []) {
      const marked = node.parentElement.closest('[lang]');
      out.push({text: run, lang: marked ? marked.getAttribute('lang') : ''});
    }
  }
  return out;
}
"""


def cjk_problems(page) -> tuple[int, list[str]]:
    """Return ``(runs, problems)`` of the Chinese text of a loaded page.

    A run of CJK characters must sit in an element marked ``lang="zh..."``,
    and Chromium must draw each such element with Noto Sans CJK SC: the
    fonts it actually used are read with the DevTools protocol
    (``CSS.getPlatformFontsForNode``). A character no installed font has
    is drawn as a box by whatever font came last, so a box shows up as a
    font other than the CJK one.
    """
    problems = []
    runs = page.evaluate(CJK_TEXT)
    for run in runs:
        if not run["lang"].startswith("zh"):
            problems.append(f"{run['text']}: not marked lang=zh (lang={run['lang']!r})")
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    marked = cdp.send(
        "DOM.querySelectorAll", {"nodeId": root, "selector": 'main [lang^="zh"]'}
    )["nodeIds"]
    for node in marked:
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        html = cdp.send("DOM.getOuterHTML", {"nodeId": node})["outerHTML"]
        others = [
            f"{f['familyName']} ({f['glyphCount']} glyphs)"
            for f in fonts
            if f["familyName"] != CJK_FONT and f["glyphCount"]
        ]
        if others or not fonts:
            problems.append(
                f"{html[:60]}: drawn in {others or 'nothing'}, not {CJK_FONT}"
            )
    cdp.detach()
    return len(runs), problems


def open_glossary(browser, url: str, origin: str):
    context = browse_site.new_context(browser)
    page, visit = browse_site.open_page(context, url, origin)
    page.evaluate("document.fonts.ready.then(() => true)")
    return context, page, visit


@pytest.mark.slow
def test_chinese_terms_are_marked_and_drawn_in_a_cjk_font(browser, site_html, site_url):
    context, page, visit = open_glossary(
        browser, site_url + "chapters/glossary.html", site_url
    )
    runs, problems = cjk_problems(page)
    context.close()
    assert not visit.problems, visit.problems
    assert runs >= 40, "the glossary's Chinese terms are missing"
    assert not problems, (
        "\n".join(problems[:10]) + "\n(fonts: run scripts/install_cjk_fonts.sh)"
    )


@pytest.mark.slow
def test_the_glyph_check_fails_without_lang(browser, site_html, tmp_path):
    html = (site_html / "chapters" / "glossary.html").read_text(encoding="utf-8")
    stripped = html.replace(' lang="zh-Hans"', "")
    assert stripped != html
    planted = tmp_path / "site"
    import shutil

    shutil.copytree(site_html, planted)
    (planted / "chapters" / "glossary.html").write_text(stripped, encoding="utf-8")
    with serve_site.serve(planted) as url:
        context, page, _ = open_glossary(browser, url + "chapters/glossary.html", url)
        runs, problems = cjk_problems(page)
        context.close()
    assert runs >= 40
    assert len(problems) == runs, problems[:3]
    assert all("not marked lang=zh" in p for p in problems)


@pytest.mark.slow
def test_the_glyph_check_fails_without_the_font(
    playwright, site_html, site_url, tmp_path
):
    """Chromium that sees only the Latin fonts draws boxes: caught."""
    with latin_only_chromium(playwright, tmp_path) as chromium:
        context, page, _ = open_glossary(
            chromium, site_url + "chapters/glossary.html", site_url
        )
        runs, problems = cjk_problems(page)
        context.close()
    assert runs >= 40
    drawn_elsewhere = [p for p in problems if f"not {CJK_FONT}" in p]
    assert len(drawn_elsewhere) >= 40, problems[:3]


# ------------------------------------------------------------ the PDF

PDF_NAME = "_static/activation-zoo.pdf"


def page_title(html: str) -> str:
    """Return the text of a built page's first heading."""
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    heading = re.sub(r'<a class="headerlink".*?</a>', "", heading, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", "", heading).split())


def squeeze(text: str) -> str:
    """Text without whitespace or ligatures, to compare across line breaks."""
    import html as html_module
    import unicodedata

    text = unicodedata.normalize("NFKC", html_module.unescape(text))
    return re.sub(r"\s+|\u00ad", "", text)


def font_names(page) -> set[str]:
    """Return the names of the fonts a PDF page uses (Type 3 ones too)."""
    names = set()
    resources = page.get("/Resources") or {}
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        descriptor = font.get("/FontDescriptor")
        name = font.get("/BaseFont") or (
            descriptor.get_object().get("/FontName") if descriptor else ""
        )
        names.add(str(name).split("+")[-1])
    return names


def pdf_problems(
    pdf: Path, titles: list[str], figures: int, math_pages: int
) -> list[str]:
    """Return what the book's PDF lacks: pages, titles, figures, formulas.

    Plausible length: at least one page per two pages of the table of
    contents (the API pages are short) and at most forty per page. Every
    page title in the text. At least ``figures`` embedded images. MathJax's
    fonts on at least half as many pages as ``math_pages``, the site's
    pages with formulas (formulas typeset, not left as TeX). The glossary's
    Chinese terms in Noto Sans CJK.
    """
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    problems = []
    pages = len(reader.pages)
    if not len(titles) / 2 <= pages <= 40 * len(titles):
        problems.append(f"{pages} pages for {len(titles)} chapters")
    text = squeeze("".join(page.extract_text() or "" for page in reader.pages))
    problems += [
        f"title missing: {title}" for title in titles if squeeze(title) not in text
    ]
    images = sum(len(page.images) for page in reader.pages)
    if images < figures:
        problems.append(f"{images} embedded images, {figures} figures")
    fonts = [font_names(page) for page in reader.pages]
    typeset = sum(any(f.startswith("MathJax_") for f in page) for page in fonts)
    if 2 * typeset < math_pages:
        problems.append(
            f"MathJax fonts on {typeset} pages, formulas on {math_pages} chapters"
        )
    if not any(f.startswith("NotoSansCJK") for page in fonts for f in page):
        problems.append("no CJK font embedded")
    return problems


def test_the_pdf_check_catches_an_empty_book(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    blank = tmp_path / "blank.pdf"
    with blank.open("wb") as handle:
        writer.write(handle)
    problems = pdf_problems(blank, ["Dying ReLU", "Leaky ReLU", "Kinks"], 3, 2)
    assert "1 pages for 3 chapters" in problems
    assert sum(p.startswith("title missing") for p in problems) == 3
    assert "0 embedded images, 3 figures" in problems
    assert "MathJax fonts on 0 pages, formulas on 2 chapters" in problems
    assert "no CJK font embedded" in problems


@pytest.mark.slow
def test_the_book_is_one_pdf_with_every_chapter_and_figure(site_html):
    if browse_site.browser_missing():
        pytest.skip(browse_site.browser_missing())
    pdf = site_html / PDF_NAME
    assert pdf.is_file(), "no PDF: scripts/build_book.py --pdf"
    titles, figures, math = [], 0, 0
    for doc in toc_docs():
        html = (site_html / f"{doc}.html").read_text(encoding="utf-8")
        titles.append(page_title(html))
        figures += len(re.findall(r'<img [^>]*src="[^"]*_images/', html))
        math += 'class="math' in html
    assert figures >= 20 and len(titles) >= 40 and math >= 10
    assert pdf_problems(pdf, titles, figures, math) == []
    # The landing page links it.
    intro = (site_html / "intro.html").read_text(encoding="utf-8")
    assert f'href="{PDF_NAME}"' in intro
