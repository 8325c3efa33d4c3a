"""Return text from submissions made inert for a terminal and a spreadsheet.

Student ids, file names, cell tags and messages from a kernel are chosen by
students. Printed raw, a terminal escape sequence in one of them can
rewrite the instructor's screen (move the cursor, clear a line, forge a
"graded" line after a newline); written raw into a CSV cell, a value that
starts with ``=``, ``+``, ``-`` or ``@`` is a formula to a spreadsheet.
"""

from __future__ import annotations

import unicodedata

#: What a spreadsheet reads as the start of a formula (OWASP's list; a
#: leading tab or carriage return is escaped by :func:`inert` first).
FORMULA_STARTS = ("=", "+", "-", "@")


def inert(text: object) -> str:
    """Return ``text`` as one printable line: control characters escaped.

    Every control character (newlines, carriage returns and the escape
    character included) and every invisible formatting character (such as
    the bidirectional overrides that reorder what a terminal shows) is
    written as its Python escape, ``\\x1b``, ``\\n``, ``\\u202e``. Other
    text, accents and CJK included, is kept as it is.
    """
    out = []
    for char in str(text):
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(ascii(char)[1:-1])
        else:
            out.append(char)
    return "".join(out)


def csv_cell(value: object) -> str:
    """Return ``value`` as a CSV cell no spreadsheet reads as a formula.

    A value that starts like a formula gets a leading apostrophe, which
    spreadsheets show as text; control characters are escaped as by
    :func:`inert`. Numbers are written as they are (``-0.5`` stays a number).
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}"
    text = inert(value)
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return text
