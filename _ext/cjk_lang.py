"""Mark Chinese text with its language, so it is shown in a CJK font.

The glossary gives each term's Chinese name next to the English one. In
HTML without a language, a browser picks a font for those characters by
guessing, and a guess can land on a font without them (boxes, "tofu") or on
a Japanese face. This extension wraps every run of CJK characters in the
book's prose in ``<span lang="zh-Hans">``; ``_static/cjk.css`` gives
those spans a font stack that starts with Noto Sans CJK SC.

Code, math and raw HTML are left alone. In the Chinese edition (``language``
``zh_CN``) the whole page is Chinese: its ``<html lang>`` says so, and
``cjk.css`` puts the same CJK fonts into the theme's font stack.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

#: The language written on each Chinese run (simplified Chinese).
LANG = "zh-Hans"
#: CJK ideographs, their extensions and compatibility forms, CJK punctuation
#: and full-width forms: what a Chinese term of the glossary is made of.
CJK = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
CJK_RUN = re.compile(f"{CJK}+")
#: Nodes whose text is not prose.
SKIP = (
    nodes.literal,
    nodes.literal_block,
    nodes.math,
    nodes.math_block,
    nodes.raw,
    nodes.comment,
)


class lang_span(nodes.inline):
    """Inline text in another language than the document's."""


def split_text(text: str) -> list[nodes.Node]:
    """Return ``text`` as plain text nodes and ``lang_span`` CJK runs."""
    parts: list[nodes.Node] = []
    last = 0
    for match in CJK_RUN.finditer(text):
        if match.start() > last:
            parts.append(nodes.Text(text[last : match.start()]))
        parts.append(lang_span("", match.group(), lang=LANG))
        last = match.end()
    if last < len(text):
        parts.append(nodes.Text(text[last:]))
    return parts


class MarkChinese(SphinxTransform):
    """Wrap the CJK runs of every text node outside code and math."""

    default_priority = 800

    def apply(self, **kwargs: Any) -> None:
        if (self.config.language or "").startswith("zh"):
            return  # a Chinese document: its <html lang> covers every run
        for text in list(self.document.findall(nodes.Text)):
            if not CJK_RUN.search(text):
                continue
            parent = text.parent
            if parent is None or isinstance(parent, lang_span):
                continue
            if any(isinstance(a, SKIP) for a in _ancestors(text)):
                continue
            parent.replace(text, split_text(str(text)))


#: A line break between two CJK characters with only tags between them, in
#: a page's HTML (the text of a link or an emphasis may start or end there).
HTML_BREAK = re.compile(
    rf"(?P<left>{CJK}(?:<[^<>]*>)*)[ \t]*\n[ \t]*(?P<right>(?:<[^<>]*>)*{CJK})"
)
PRE = re.compile(r"(<pre\b.*?</pre>)", re.S)


def join_html_lines(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Remove, in a Chinese page's HTML, line breaks between CJK characters.

    Chinese puts no space between words, but a browser draws a line break
    in a paragraph as one, and the Chinese pages' paragraphs are wrapped
    at arbitrary characters. The break may sit inside a text or where a
    link or an emphasis begins or ends, so the page's HTML is where all of
    them are seen. Preformatted blocks keep their lines.
    """
    if not (app.config.language or "").startswith("zh") or "body" not in context:
        return
    parts = PRE.split(context["body"])
    for i in range(0, len(parts), 2):  # the even parts lie outside <pre>
        previous = None
        while previous != parts[i]:
            previous = parts[i]
            parts[i] = HTML_BREAK.sub(r"\g<left>\g<right>", parts[i])
    context["body"] = "".join(parts)


def _ancestors(node: nodes.Node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


def visit_lang_span_html(self, node: lang_span) -> None:
    self.body.append(self.starttag(node, "span", "", lang=node["lang"]))


def depart_lang_span_html(self, node: lang_span) -> None:
    self.body.append("</span>")


def _visit_plain(self, node: lang_span) -> None:
    pass


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the node, its HTML form and the transform."""
    plain = (_visit_plain, _visit_plain)
    app.add_node(
        lang_span,
        html=(visit_lang_span_html, depart_lang_span_html),
        latex=plain,
        text=plain,
        man=plain,
        texinfo=plain,
    )
    app.add_transform(MarkChinese)
    app.connect("html-page-context", join_html_lines)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
