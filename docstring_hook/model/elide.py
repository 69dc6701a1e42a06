"""Shortening a definition's source to fit a prompt: keep its shape, drop its middle.

Pure text work: the header, the first and last lines of the body and every
line holding a `return`, `yield` or `raise` stay; runs of other lines
become one `# ... N lines elided ...` comment.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator

from docstring_hook.lines import split_lines

ELISION_STEPS = (40, 20, 10, 5, 2, 0)
"""The `keep` values `fit` tries, in order, once the full source is too long."""


def candidate_sources(source: str) -> Iterator[str]:
    """`source` itself, then shorter and shorter elisions of it (`ELISION_STEPS`)."""
    yield source
    lines = split_lines(source)
    header_end, exits = _structure(source, lines)
    for keep in ELISION_STEPS:
        yield _elide(source, lines, header_end, exits, keep)


_HEADER_START = re.compile(r"^\s*(?:async\s+def|def|class)\b")
_EXIT_WORD = re.compile(r"\b(?:return|yield|raise)\b")
_EXIT_KEYWORDS = frozenset({"return", "yield", "raise"})
_STATEMENT_LINES = 6
_OPENERS = frozenset("([{")
_CLOSERS = frozenset(")]}")


def elide(source: str, keep: int) -> str:
    """`source` with the middle of a long body replaced by comment lines.

    Kept are the header (decorators and the `def`/`class` lines up to the
    one ending the signature), the first and last `keep` lines of the body,
    and every line holding a `return`, `yield` or `raise` keyword (with the
    rest of its statement when that spans at most six lines). Each run
    of other lines becomes one line `<indent># ... N lines elided ...`,
    indented as the run's first non-blank line. With nothing to leave out,
    `source` comes back unchanged. Source that does not tokenize is read
    by words: the header ends at the first line ending with a colon.
    """
    lines = split_lines(source)
    header_end, exits = _structure(source, lines)
    return _elide(source, lines, header_end, exits, keep)


def _structure(source: str, lines: list[str]) -> tuple[int, set[int]]:
    scanned = _scan(source)
    return scanned if scanned is not None else _scan_by_words(lines)


def _elide(
    source: str, lines: list[str], header_end: int, exits: set[int], keep: int
) -> str:
    keep = max(keep, 0)
    body = range(header_end, len(lines))
    kept = set(range(header_end))
    kept.update(body[:keep])
    kept.update(body[max(len(body) - keep, 0) :])
    kept.update(i for i in exits if i < len(lines))
    if len(kept) >= len(lines):
        return source
    out: list[str] = []
    index = 0
    while index < len(lines):
        if index in kept:
            out.append(lines[index])
            index += 1
            continue
        start = index
        while index < len(lines) and index not in kept:
            index += 1
        out.append(_placeholder(lines[start:index], newline=_newline(lines[index - 1])))
    text = "".join(out)
    # The last run may end the text: keep the text's final newline as it was.
    if not source.endswith(("\n", "\r")):
        text = text.rstrip("\r\n")
    return text


def _placeholder(run: list[str], newline: str) -> str:
    first = next((line for line in run if line.strip()), "")
    indent = first[: len(first) - len(first.lstrip(" \t"))]
    count = len(run)
    noun = "line" if count == 1 else "lines"
    return f"{indent}# ... {count} {noun} elided ...{newline or chr(10)}"


def _newline(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def _scan(source: str) -> tuple[int, set[int]] | None:
    """The number of header lines and the 0-based lines holding exit keywords.

    None when the source cannot be tokenized.
    """
    header_end: int | None = None
    exits: set[int] = set()
    depth = 0
    seen_keyword = False
    exit_line: int | None = None  # 0-based line of an exit keyword in this statement
    try:
        for token in tokenize.generate_tokens(io.StringIO(source, newline="").readline):
            if token.type == tokenize.NEWLINE and exit_line is not None:
                # A short statement spanning lines is kept whole: `raise E(\n  "...")`.
                last = token.start[0] - 1
                if last - exit_line < _STATEMENT_LINES:
                    exits.update(range(exit_line, last + 1))
                exit_line = None
            elif token.type == tokenize.NAME:
                if token.string in _EXIT_KEYWORDS:
                    exits.add(token.start[0] - 1)
                    exit_line = token.start[0] - 1 if exit_line is None else exit_line
                elif (
                    header_end is None
                    and depth == 0
                    and token.string in ("def", "class")
                ):
                    seen_keyword = True
            elif token.type == tokenize.OP and header_end is None:
                if token.string in _OPENERS:
                    depth += 1
                elif token.string in _CLOSERS:
                    depth = max(depth - 1, 0)
                elif token.string == ":" and depth == 0 and seen_keyword:
                    header_end = token.end[0]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    if header_end is None:
        return None
    return header_end, exits


def _scan_by_words(lines: list[str]) -> tuple[int, set[int]]:
    """What `_scan` finds, guessed from words for source that does not tokenize."""
    start = next((i for i, line in enumerate(lines) if _HEADER_START.match(line)), 0)
    header_end = start + 1
    for index in range(start, len(lines)):
        code = lines[index].split("#", 1)[0].rstrip()
        if code.endswith(":"):
            header_end = index + 1
            break
    else:
        header_end = min(start + 1, len(lines))
    exits = {
        i for i, line in enumerate(lines) if _EXIT_WORD.search(line.split("#", 1)[0])
    }
    return header_end, exits
