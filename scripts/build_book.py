"""Build the book into ``_build/html`` with warnings as errors.

Jupyter Book's execution cache re-executes a page only when the page's own
code cells change. Every page imports ``actzoo``, so after a change in
``src/`` or in the locked dependencies the cache would keep serving stale
figures and numbers. This script keys the cache on those inputs and empties
it whenever the key changes.

Usage::

    python scripts/build_book.py [--root DIR] [--output DIR] [--all] [--pdf]
                                 [--jobs N] [--edition {both,en}]

``--output DIR`` builds into ``DIR/_build`` (its own cache included), so
that several builds of one checkout can run side by side.

Pages run side by side. Sphinx reads pages one after another, and myst-nb
executes each page it does not find in the cache as it reads it, so a
build on a 2-core machine would use one core. Before Sphinx starts, this
script reads every page of the table of contents as myst-nb does (the same
reader and settings, so the same cache key), and executes the pages
without a cache entry ``--jobs`` at a time (default: one per core) into
myst-nb's cache, as myst-nb would: same kernel, folder, timeout and
``allow_errors``, same environment. Sphinx then finds every page in the
cache; the script checks that myst-nb executed none itself and says so.
A page whose cell fails stops the build before Sphinx, with the page
named; output on stderr fails it in Sphinx (``nb_output_stderr: warn``
with warnings as errors), also naming the page.

The Chinese edition (``zh/``: the same pages in Chinese, with the same
code cells, see ``scripts/zh_sync.py``) is built next, into ``zh/`` of
the site, from the English settings with ``zh/_config.yml``'s merged in
and from the English execution cache: before Sphinx starts, every Chinese
page must be found in that cache (a page that is not has code its English
page does not run, and the build stops naming it), so the second edition
executes nothing. ``--edition en`` builds the English book alone.

``--pdf`` also prints the whole book as one PDF, ``_build/html/_static/
activation-zoo.pdf`` (linked from the landing page): a second, single-page
build (``singlehtml``, sharing the execution cache, so no page runs again)
printed by Debian's Chromium (``scripts/print_pdf.py``); the Chinese
edition's is ``_build/html/zh/_static/activation-zoo.pdf``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: Inputs that change what executed pages show, besides their own cells:
#: the package, the pins, and the data files pages read (the benchmarks'
#: numbers that the grading-at-scale page shows).
KEY_INPUTS = (
    "src",
    "requirements-lock.txt",
    "pyproject.toml",
    "chapters/hands_on/data",
)
KEY_FILE = "actzoo-source-key"
#: The whole book as one PDF, inside the HTML site.
PDF = Path("_static") / "activation-zoo.pdf"
#: The Chinese edition's sources, settings and place in the site.
ZH = "zh"
#: Seconds each page took when it last ran, to start the longest first.
TIMES_FILE = "page-seconds.json"
#: Every kernel computes on one thread. Pages run side by side, one per
#: core, so more threads would only compete; and one thread makes the
#: numbers independent of the machine's core count (how a sum is split
#: between threads changes its rounding).
KERNEL_THREADS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def source_key(root: Path) -> str:
    """Return a hash of everything under ``src/``, the pins and the pages' data."""
    digest = hashlib.sha256()
    for name in KEY_INPUTS:
        path = root / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if not file.is_file() or "__pycache__" in file.parts:
                continue
            if file.suffix in {".pyc", ".pyo"} or ".egg-info" in str(file):
                continue
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(file.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def refresh_cache(root: Path, output: Path) -> bool:
    """Empty the execution cache if its key is stale; return True if emptied."""
    build = output / "_build"
    cache = build / ".jupyter_cache"
    key_path = build / KEY_FILE
    key = source_key(root)
    stale = not key_path.is_file() or key_path.read_text().strip() != key
    if stale:
        if cache.exists():
            shutil.rmtree(cache)
        build.mkdir(parents=True, exist_ok=True)
        key_path.write_text(key + "\n")
    return stale


# ------------------------------------------------ executing pages in parallel


@dataclass
class Page:
    """A page of the book that myst-nb executes, read as myst-nb reads it."""

    doc: str  # the source file, relative to the book's root
    path: Path  # the same, absolute: myst-nb's name for it in the cache
    notebook: Any  # nbformat.NotebookNode
    read_fmt: dict | None  # how jupyter-cache re-reads the file
    timeout: int | None
    allow_errors: bool
    in_temp: bool


def book_config(root: Path, user_yaml: Path | None = None) -> dict[str, Any]:
    """Return the Sphinx configuration that ``jupyter-book build`` gives ``root``."""
    from jupyter_book.config import get_final_config

    config, _ = get_final_config(
        user_yaml=user_yaml or root / "_config.yml",
        cli_config={"latex_individualpages": False, "external_toc_path": "_toc.yml"},
        sourcedir=root,
    )
    return config


def cache_folder(root: Path, output: Path, config: dict[str, Any]) -> Path:
    """Return the execution cache myst-nb uses for a build into ``output``."""
    given = config.get("nb_execution_cache_path") or ""
    # myst-nb's default is beside the HTML folder; a path it is given is
    # taken from the folder the build runs in, the book's root.
    return root / given if given else output / "_build" / ".jupyter_cache"


def notebook_pages(root: Path, config: dict[str, Any]) -> list[Page]:
    """Return the pages of ``_toc.yml`` that myst-nb would execute, read as it does.

    The reader, its Markdown settings, the kernel aliases, a notebook's own
    ``mystnb`` settings and the exclusion patterns are myst-nb's, applied
    in myst-nb's order, so that each notebook hashes to the key under
    which myst-nb looks it up in the cache.
    """
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig
    from sphinx_external_toc.parsing import parse_toc_yaml

    md_config = MdParserConfig(
        **{
            name: config[f"myst_{name}"]
            for name, _, field in MdParserConfig().as_triple()
            if f"myst_{name}" in config
            and "sphinx" not in field.metadata.get("omit", [])
        }
    )
    nb_config = NbParserConfig(
        **{
            name: config[f"nb_{name}"]
            for name, _, field in NbParserConfig().as_triple()
            if f"nb_{name}" in config and "sphinx" not in field.metadata.get("omit", [])
        }
    )
    if nb_config.execution_mode != "cache":
        return []
    suffixes = [".ipynb", ".md", *nb_config.custom_formats]
    pages = []
    for docname in parse_toc_yaml(root / "_toc.yml"):
        found = [root / f"{docname}{s}" for s in suffixes]
        path = next((p.resolve() for p in found if p.is_file()), None)
        if path is None:
            continue
        # Sphinx reads sources as utf-8-sig (its source_encoding).
        text = path.read_text(encoding="utf-8-sig")
        reader = create_nb_reader(str(path), md_config, nb_config, text)
        if reader is None:
            continue
        notebook = reader.read(text)
        kernel = notebook.metadata.get("kernelspec", {}).get("name")
        for pattern, alias in nb_config.kernel_rgx_aliases.items():
            if kernel is not None and re.fullmatch(pattern, kernel):
                notebook.metadata["kernelspec"]["name"] = alias
                break
        page_config = nb_config
        if nb_config.metadata_key in notebook.metadata:
            overrides = dict(notebook.metadata[nb_config.metadata_key])
            overrides.pop("output_folder", None)
            page_config = nb_config.copy(**overrides)
        posix = PurePosixPath(path.as_posix())
        if any(posix.match(p) for p in page_config.execution_excludepatterns):
            continue
        pages.append(
            Page(
                doc=path.relative_to(root).as_posix(),
                path=path,
                notebook=notebook,
                read_fmt=reader.read_fmt,
                timeout=page_config.execution_timeout,
                allow_errors=page_config.execution_allow_errors,
                in_temp=page_config.execution_in_temp,
            )
        )
    return pages


def pages_text(n: int) -> str:
    """Return "1 page" or "n pages"."""
    return f"{n} page" if n == 1 else f"{n} pages"


def _use_environment(env: dict[str, str]) -> None:
    """Give a worker process (and so the kernels it starts) ``env``."""
    os.environ.clear()
    os.environ.update(env)


def _execute(
    notebook: Any, cwd: str, timeout: int | None, allow_errors: bool, in_temp: bool
) -> tuple[Any, float, str | None, str | None]:
    """Return the notebook executed as myst-nb would, its time and any failure.

    A failure (a cell's error, a timeout, a kernel that died) comes as a
    message for the reader and the full traceback; both are None after a
    success.
    """
    import traceback

    from jupyter_cache.executors.utils import single_nb_execution

    folder = tempfile.TemporaryDirectory() if in_temp else nullcontext(cwd)
    try:
        with folder as where:
            result = single_nb_execution(
                notebook,
                cwd=os.path.abspath(where),
                allow_errors=allow_errors,
                timeout=timeout,
                meta_override=True,
            )
    except Exception as error:  # reported with its page, by the parent
        return notebook, 0.0, f"{type(error).__name__}: {error}", traceback.format_exc()
    if result.err is None:
        return result.nb, result.time, None, None
    message = f"{type(result.err).__name__}: {result.err}"
    return result.nb, result.time, message, result.exc_string


def failure_report(page: Page, notebook: Any, message: str) -> str:
    """Return what a reader needs to know of a page's failure: where, and what.

    The cell is the first with an error among its outputs, named by the
    line of the page where it starts; colour codes of the kernel's
    traceback are removed.
    """
    lines = notebook.metadata.get("source_map") or []
    where = ""
    for index, cell in enumerate(notebook.cells):
        outputs = cell.get("outputs", []) if cell.cell_type == "code" else []
        if any(out.get("output_type") == "error" for out in outputs):
            if index < len(lines):
                where = f", the cell at line {lines[index]}"
            break
    text = re.sub(r"\x1b\[[0-9;]*m", "", message).strip()
    return f"build_book: {page.doc}{where} failed:\n{text}"


def execute_pages(
    root: Path, output: Path, env: dict[str, str], jobs: int
) -> tuple[int, set[int]]:
    """Execute, ``jobs`` at a time, the pages not in the cache; return status and records.

    Each page is executed as myst-nb's cache mode executes it and stored
    under the same key, so that myst-nb finds it. Returns 1 if a page
    failed (each failure printed with its page), else 0, and the primary
    keys of the cache's records once done.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.cache.db import NbProjectRecord

    config = book_config(root)
    pages = notebook_pages(root, config)
    cache = get_cache(str(cache_folder(root, output, config)))
    todo = []
    for page in pages:
        try:
            cache.match_cache_notebook(page.notebook)
        except KeyError:
            todo.append(page)
    times_path = output / "_build" / TIMES_FILE
    times = json.loads(times_path.read_text()) if times_path.is_file() else {}
    # Longest first (by the last run; pages never timed first of all), so
    # that no long page starts last while the other workers idle.
    todo.sort(key=lambda page: -times.get(page.doc, float("inf")))
    failed = []
    if todo:
        print(
            f"build_book: executing {len(todo)} of {pages_text(len(pages))}, "
            f"{jobs} at a time",
            flush=True,
        )
        start = time.perf_counter()
        fork = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            jobs, mp_context=fork, initializer=_use_environment, initargs=(env,)
        ) as pool:
            running = {}
            for page in todo:
                if page.read_fmt is None:
                    record = cache.add_nb_to_project(str(page.path))
                else:
                    record = cache.add_nb_to_project(
                        str(page.path), read_data=page.read_fmt
                    )
                NbProjectRecord.remove_tracebacks([record.pk], cache.db)
                future = pool.submit(
                    _execute,
                    page.notebook,
                    str(page.path.parent),
                    page.timeout,
                    page.allow_errors,
                    page.in_temp,
                )
                running[future] = (page, record.uri)
            for future in as_completed(running):
                page, uri = running[future]
                notebook, seconds, message, trace = future.result()
                if message is not None:
                    NbProjectRecord.set_traceback(uri, trace, cache.db)
                    failed.append(page.doc)
                    print(
                        failure_report(page, notebook, message),
                        file=sys.stderr,
                        flush=True,
                    )
                    continue
                cache.cache_notebook_bundle(
                    CacheBundleIn(notebook, uri, data={"execution_seconds": seconds}),
                    check_validity=False,
                    overwrite=True,
                )
                times[page.doc] = round(seconds, 2)
                print(f"build_book: {seconds:6.1f} s  {page.doc}", flush=True)
        times_path.parent.mkdir(parents=True, exist_ok=True)
        times_path.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")
        print(
            f"build_book: {pages_text(len(todo) - len(failed))} executed in "
            f"{time.perf_counter() - start:.1f} s",
            flush=True,
        )
    if failed:
        print(
            f"build_book: the book was not built: {pages_text(len(failed))} "
            "failed: " + ", ".join(failed),
            file=sys.stderr,
            flush=True,
        )
    return (1 if failed else 0), {r.pk for r in cache.list_cache_records()}


def executed_by_myst_nb(root: Path, output: Path, known: set[int]) -> list[str]:
    """Return the pages myst-nb executed itself: cache records not in ``known``."""
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_folder(root, output, book_config(root))))
    return sorted(
        Path(r.uri).relative_to(root).as_posix()
        if Path(r.uri).is_relative_to(root)
        else r.uri
        for r in cache.list_cache_records()
        if r.pk not in known
    )


def jupyter_book(source: Path, output: Path, env: dict[str, str], *options: str) -> int:
    """Run ``jupyter-book build`` on ``source`` into ``output/_build``.

    Warnings are errors; ``options`` go before the rest (a ``--config``,
    a ``--builder``, ``--all``). Returns its exit status.
    """
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(source), *options]
    cmd += ["--warningiserror", "--keep-going", "--path-output", str(output)]
    return subprocess.call(cmd, env=env, cwd=source)


# ------------------------------------------------------ the Chinese edition


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``extra`` merged in, mappings key by key."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def search_dictionary(root: Path, path: Path) -> Path:
    """Write the glossary's Chinese terms as a jieba dictionary; return its path.

    Sphinx's Chinese search index splits text into words with jieba; with
    the glossary's terms in its dictionary, a reader who searches for
    "修正线性单元" finds the pages that use the term, not only its parts.
    """
    glossary = root / ZH / "chapters" / "glossary.md"
    text = glossary.read_text(encoding="utf-8") if glossary.is_file() else ""
    block = re.search(r"^```\{glossary\}\n(.*?)^```", text, re.S | re.M)
    terms = []
    for line in (block.group(1) if block else "").splitlines():
        if line[:1].strip() and not line.startswith(":"):
            words = re.findall(r"[\u3400-\u9fff]{2,}", line)
            terms += [w for w in words if w not in terms]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{term} 100 n\n" for term in terms), encoding="utf-8")
    return path


def chinese_config(root: Path, output: Path) -> Path:
    """Write the Chinese edition's settings; return the file's path.

    They are the English ``_config.yml`` with ``zh/_config.yml`` merged in,
    every path made absolute (the sources are in ``zh/``), and the English
    build's execution cache as the cache.
    """
    import yaml

    english = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    chinese = yaml.safe_load((root / ZH / "_config.yml").read_text(encoding="utf-8"))
    config = _merge(english, chinese or {})
    sphinx = config.setdefault("sphinx", {})
    sphinx["local_extensions"] = {
        name: str((root / folder).resolve())
        for name, folder in (sphinx.get("local_extensions") or {}).items()
    }
    if config.get("bibtex_bibfiles"):
        config["bibtex_bibfiles"] = [
            str((root / f).resolve()) for f in config["bibtex_bibfiles"]
        ]
    settings = sphinx.setdefault("config", {})
    static = root / "_static"
    if static.is_dir():
        settings["html_static_path"] = [str(static.resolve())]
        settings["html_css_files"] = sorted(
            p.relative_to(static).as_posix() for p in static.rglob("*.css")
        )
        settings["html_js_files"] = sorted(
            p.relative_to(static).as_posix() for p in static.rglob("*.js")
        )
    if settings.get("course_wheel_project"):
        project = root / settings["course_wheel_project"]
        settings["course_wheel_project"] = str(project.resolve())
    build = output / "_build" / ZH
    dictionary = search_dictionary(root, build / "search-terms.txt")
    settings["html_search_options"] = {"dict": str(dictionary)}
    config.setdefault("execute", {})["cache"] = str(
        cache_folder(root, output, book_config(root))
    )
    path = build / "_config.yml"
    path.write_text(
        "# Generated by scripts/build_book.py from _config.yml and zh/_config.yml.\n"
        + yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


def uncached_chinese_pages(root: Path, output: Path, config_path: Path) -> list[str]:
    """Return the Chinese pages whose code the English build has not run."""
    from jupyter_cache import get_cache

    config = book_config(root / ZH, config_path)
    cache = get_cache(str(cache_folder(root, output, book_config(root))))
    missing = []
    for page in notebook_pages(root / ZH, config):
        try:
            cache.match_cache_notebook(page.notebook)
        except KeyError:
            missing.append(f"{ZH}/{page.doc}")
    return missing


def build_chinese(
    root: Path, output: Path, env: dict[str, str], rebuild_all: bool, known: set[int]
) -> int:
    """Build the Chinese edition into ``_build/html/zh``; return the status."""
    start = time.perf_counter()
    config_path = chinese_config(root, output)
    missing = uncached_chinese_pages(root, output, config_path)
    if missing:
        print(
            f"build_book: the Chinese edition was not built: {pages_text(len(missing))} "
            "with code that the English pages do not run (the code cells of a "
            "Chinese page must be its English page's; python scripts/zh_sync.py "
            "check): " + ", ".join(missing),
            file=sys.stderr,
            flush=True,
        )
        return 1
    build = output / "_build" / ZH
    options = ["--config", str(config_path)] + (["--all"] if rebuild_all else [])
    status = jupyter_book(root / ZH, build, env, *options)
    itself = executed_by_myst_nb(root, output, known)
    if itself:
        print(
            f"build_book: myst-nb executed {pages_text(len(itself))} of the Chinese "
            "edition itself: " + ", ".join(itself),
            file=sys.stderr,
            flush=True,
        )
        return 1
    if status:
        return status
    site = output / "_build" / "html" / ZH
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(build / "_build" / "html", site)
    print(
        f"build_book: the Chinese edition in {site} "
        f"({time.perf_counter() - start:.1f} s, no page executed)",
        flush=True,
    )
    return 0


def build(
    root: Path,
    output: Path | None = None,
    rebuild_all: bool = False,
    pdf: bool = False,
    jobs: int | None = None,
    chinese: bool = True,
) -> int:
    """Run ``jupyter-book build`` on ``root``; return its exit status.

    The pages missing from the execution cache are executed first,
    ``jobs`` at a time (default: one per core). With ``pdf``, a
    successful build is followed by the single-page build and its PDF (see
    the module's docstring).
    """
    output = root if output is None else output
    if jobs is None:
        usable = getattr(os, "sched_getaffinity", None)  # Linux: cores we may use
        jobs = len(usable(0)) if usable else os.cpu_count() or 1
    if refresh_cache(root, output):
        print(
            "build_book: src/ or the dependency pins changed: "
            "the execution cache was emptied",
            flush=True,
        )
        # Sphinx skips pages whose source did not change; make it re-read
        # them all so that the emptied cache is actually refilled.
        rebuild_all = True
    env = dict(os.environ)
    env.update(
        PYTHONHASHSEED="0",
        # Keeps the kernel from printing a debugger notice to stderr.
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        SOURCE_DATE_EPOCH=env.get("SOURCE_DATE_EPOCH", "1767225600"),
        **KERNEL_THREADS,
    )
    status, cached = execute_pages(root, output, env, jobs)
    if status:
        return status
    status = jupyter_book(root, output, env, *(["--all"] if rebuild_all else []))
    itself = executed_by_myst_nb(root, output, cached)
    if itself:
        print(
            f"build_book: myst-nb executed {pages_text(len(itself))} itself, "
            "not finding them in the cache: " + ", ".join(itself),
            flush=True,
        )
    else:
        print("build_book: myst-nb executed no page itself", flush=True)
    if status:
        return status
    # A book without a Chinese edition (no zh/_config.yml) builds alone.
    chinese = chinese and (root / ZH / "_config.yml").is_file()
    if chinese:
        status = build_chinese(root, output, env, rebuild_all, cached)
        if status:
            return status
    if not pdf:
        return 0
    status = build_pdf(root, output, env)
    if status or not chinese:
        return status
    return build_pdf(root, output, env, chinese=True)


def build_pdf(
    root: Path, output: Path, env: dict[str, str], chinese: bool = False
) -> int:
    """Build ``_build/singlehtml`` and print it to the site's PDF.

    With ``chinese``, the Chinese edition's (after its HTML build, whose
    settings it reuses) into ``_build/html/zh/``.
    """
    source, build, site = root, output, output / "_build" / "html"
    options = []
    if chinese:
        source, build, site = root / ZH, output / "_build" / ZH, site / ZH
        options = ["--config", str(output / "_build" / ZH / "_config.yml")]
    status = jupyter_book(source, build, env, *options, "--builder", "singlehtml")
    if status:
        return status
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import print_pdf

    target = site / PDF
    try:
        problems = print_pdf.print_pdf(build / "_build" / "singlehtml", target)
    except RuntimeError as error:
        print(f"build_book: {error}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"build_book: PDF: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"build_book: the book as one PDF: {target}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="book folder (default: this repository)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="build into OUTPUT/_build (default: the root)",
    )
    parser.add_argument(
        "--all", action="store_true", help="rewrite every page, not only changed ones"
    )
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also print the book as one PDF "
        f"(_build/html/{PDF.as_posix()}; needs Chromium)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="pages executed at once (default: one per core)",
    )
    parser.add_argument(
        "--edition",
        choices=("both", "en"),
        default="both",
        help="both editions (default), or the English book alone",
    )
    args = parser.parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    output = None if args.output is None else args.output.resolve()
    return build(
        args.root.resolve(),
        output,
        rebuild_all=args.all,
        pdf=args.pdf,
        jobs=args.jobs,
        chinese=args.edition == "both",
    )


if __name__ == "__main__":
    sys.exit(main())
