"""Whether the rewriter can take a file at all: asked before anything is paid for it.

LibCST is imported only for text holding one of the layouts it is known to
stumble on, so `--check` and a run over ordinary files pay nothing for it.
"""

from __future__ import annotations

import re

# The layouts LibCST fails to parse or reproduce (tests/test_rewrite.py holds them): a form feed,
# white space before an except clause's colon, a carriage return not followed by a line feed.
_MAY_TROUBLE_LIBCST = re.compile(r"\x0c|except[^\n:]*\s:|\r(?!\n)")


def rewriter_refusal(text: str) -> str | None:
    """Why the rewriter cannot take `text` at all, checked before anything is paid for it; None when it can.

    LibCST parses a little less than CPython does (a form feed before an
    indented `def`), and reproduces a few layouts imperfectly (`except E :`).
    Only text holding such a layout is parsed here: a LibCST parse costs as
    much as the rewrite itself, and the rewrite checks every file again.
    """
    if not may_trouble_libcst(text):
        return None
    import libcst

    try:
        module = libcst.parse_module(text)
    except libcst.ParserSyntaxError as error:
        return f"LibCST cannot parse line {error.raw_line}, column {error.raw_column + 1}: {error.message}"
    except RecursionError:
        return "LibCST cannot parse the file: too deeply nested"
    if module.code != text:
        return "LibCST does not reproduce this file byte for byte"
    return None


def may_trouble_libcst(text: str) -> bool:
    """Whether `text` holds a layout LibCST is known to fail to parse or reproduce."""
    return _MAY_TROUBLE_LIBCST.search(text) is not None
