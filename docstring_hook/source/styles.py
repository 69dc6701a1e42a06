"""Which docstring convention a repository writes, read from the docstrings it already has.

docstring_parser reads a docstring in each style; the style under which it
finds the most sections (parameters, returns, raises) is the docstring's.
A docstring of several lines with no section under any style is PEP 257
prose. One-line docstrings say nothing about a style and are not counted.
"""

from __future__ import annotations

from collections import Counter

import docstring_parser
from docstring_parser.common import DocstringStyle, ParseError

from docstring_hook.datatypes import Style

_PARSERS = (
    (Style.GOOGLE, DocstringStyle.GOOGLE),
    (Style.NUMPY, DocstringStyle.NUMPYDOC),
    (Style.SPHINX, DocstringStyle.REST),
)
MAJORITY = 0.6
"""The share of counted docstrings one style needs to be chosen."""
MIN_VOTES = 3
"""Fewer counted docstrings than this is no evidence: google."""


def style_of(docstring: str) -> Style | None:
    """The style `docstring` is written in; None for a docstring of one line."""
    text = docstring.strip()
    if "\n" not in text:
        return None
    found = {style: _sections(text, parser) for style, parser in _PARSERS}
    best = max(found.values())
    if best == 0:
        return Style.PEP257
    return next(style for style, count in found.items() if count == best)


def choose(votes: Counter[Style]) -> tuple[Style, str]:
    """The dominant style of `votes`, or google below a clear majority; and a note saying which and why."""
    counted = sum(votes.values())
    if counted < MIN_VOTES:
        return Style.GOOGLE, f"style google (auto: {counted} docstrings with more than a line, too few to tell)"
    style, count = max(votes.items(), key=lambda item: (item[1], item[0] is Style.GOOGLE))
    if count / counted >= MAJORITY:
        return style, f"style {style.value} (auto: {count} of {counted} docstrings)"
    shares = ", ".join(f"{s.value} {n}" for s, n in votes.most_common())
    return Style.GOOGLE, f"style google (auto: no clear majority among {counted} docstrings: {shares})"


def _sections(text: str, style: DocstringStyle) -> int:
    try:
        return len(docstring_parser.parse(text, style=style).meta)
    except (ParseError, ValueError, IndexError, AttributeError):
        return 0
