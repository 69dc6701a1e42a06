"""Splitting text into lines as Python's tokenizer does: only CR, LF and CRLF end a line.

`str.splitlines` also breaks at form feeds, vertical tabs and Unicode line
separators, which Python source keeps inside a line.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def split_lines(text: str) -> list[str]:
    """The lines of `text`, each with its line ending."""
    return _LINE.findall(text)
