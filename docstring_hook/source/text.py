"""Laying out untrusted text for a docstring: cleaning, sentences, wrapping.

Pure text work shared by every docstring style of `render`: the model's
words are cleaned of control and invisible characters, split into a
summary sentence and the rest, and wrapped to a width, keeping
pre-formatted lines (lists, code) as they are.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Callable, Iterable

from docstring_hook.datatypes import Style
from docstring_hook.sentences import SENTENCE_END

_TAB_COLUMNS = 4
# Below this many columns of text, wrapping would put a word or two per line.
_MIN_TEXT_WIDTH = 20
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_VERBATIM_LINE = re.compile(r"\s|>>>|[-*+] |\d+[.)] |```|~~~")
_FENCE = re.compile(r"\s*(```|~~~)")


def columns(text: str) -> int:
    """The width of `text` on screen, counting a tab as four columns."""
    return len(text.replace("\t", " " * _TAB_COLUMNS))


def cleaner(encoding: str) -> Callable[[str], str]:
    """A function that makes untrusted text safe to lay out: no control, invisible or unencodable characters."""

    def clean(text: str) -> str:
        text = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(_TAB_COLUMNS)
        text = "".join(_safe_char(char, encoding) for char in text)
        return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")

    return clean


def _safe_char(char: str, encoding: str) -> str:
    if char == "\n":
        return char
    if unicodedata.category(char) in _DROPPED_CATEGORIES:
        return ""
    if _encodable(char, encoding):
        return char
    ascii_form = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_form if c.isprintable()) or "?"


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def inline(text: str) -> str:
    """`text` on one line, runs of white space folded."""
    return " ".join(text.split())


def split_summary(summary: str, description: str) -> tuple[str, str]:
    """The first sentence, on one line, and the rest of the text as description."""
    text = "\n\n".join(part for part in (summary, description) if part)
    first, _, rest = text.partition("\n\n")
    sentence, *overflow = SENTENCE_END.split(inline(first), maxsplit=1)
    return sentence, "\n\n".join(part for part in (*overflow, rest.strip("\n")) if part)


def summary_line(summary: str, description: str, style: Style, encoding: str) -> tuple[str, str]:
    """The summary line as a docstring shows it (first sentence, capitalized, punctuated), and the text after it."""
    clean = cleaner(encoding)
    sentence, rest = split_summary(clean(summary), clean(description))
    return punctuated(capitalized(sentence, encoding), style), rest


def capitalized(sentence: str, encoding: str) -> str:
    """The sentence with its first word capitalized, when that word is a plain word."""
    # Only a plain word: `np.sum` or `x_value` are identifiers, left alone (as D403 does).
    first_word = sentence.split(maxsplit=1)[0].rstrip(".,;:!?") if sentence else ""
    initial = sentence[:1].upper()
    if first_word.replace("'", "").isalpha() and len(initial) == 1 and _encodable(initial, encoding):
        return initial + sentence[1:]
    return sentence


def punctuated(sentence: str, style: Style) -> str:
    """The sentence ending as the style's pydocstyle rules want."""
    # Google's D415 accepts any final punctuation; the D400 of the others only a period.
    endings = ".!?" if style is Style.GOOGLE else "."
    if not sentence or sentence.endswith(tuple(endings)):
        return sentence
    return sentence.rstrip("!?") + "."


def _blocks(text: str) -> list[list[str]]:
    """Paragraphs of non-blank lines; a fenced code block is one, blank lines and all."""
    blocks: list[list[str]] = [[]]
    fenced = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        if line or (fenced and blocks[-1] and blocks[-1][-1]):
            blocks[-1].append(line)
        elif blocks[-1] and not fenced:
            blocks.append([])
    return [block for block in blocks if block]


def layout(text: str, width: int, head: str = "", hang: str = "") -> list[str]:
    """`text` after `head`: prose wrapped to `width`, pre-formatted lines kept as they are."""
    lines: list[str] = []
    for index, block in enumerate(_blocks(text)):
        if index:
            lines.append("")
        if any(_VERBATIM_LINE.match(line) for line in block):
            if index == 0 and head:
                lines.append(head.rstrip())
            lines.extend(prefixed(hang, line) for line in block)
        else:
            lines.extend(_wrapped(" ".join(block), width, head if index == 0 else hang, hang))
    return lines or ([head.rstrip()] if head.strip() else [])


def _wrapped(text: str, width: int, first: str, hang: str) -> list[str]:
    return textwrap.wrap(
        inline(text),
        width=max(width, _MIN_TEXT_WIDTH),
        initial_indent=first,
        subsequent_indent=hang,
        break_long_words=False,
        break_on_hyphens=False,
    )


def prefixed(prefix: str, line: str) -> str:
    """`line` after `prefix`; a blank line stays empty (no trailing white space)."""
    return prefix + line if line else ""


def joined(blocks: Iterable[list[str]]) -> list[str]:
    """Blocks of lines, one blank line between each two."""
    lines: list[str] = []
    for block in blocks:
        lines.extend(["", *block] if lines else block)
    return lines


def dedented(lines: list[str]) -> list[str]:
    """The lines less their common indentation."""
    # Formatters shift a body that is indented as a whole; cleandoc ignores the shift.
    margin = min((len(line) - len(line.lstrip(" ")) for line in lines if line), default=0)
    return [line[margin:] for line in lines]
