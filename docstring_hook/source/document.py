"""Render, insert and verify every docstring of one file: text in, text out."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from docstring_hook.datatypes import DocstringDraft, FunctionFacts, RenderOptions
from docstring_hook.source.render import render
from docstring_hook.source.verify import VerificationError, verify


@dataclass(frozen=True)
class Documented:
    """The verified new text; `refused` maps lines that took no docstring to why."""

    text: str
    inserted: tuple[int, ...]
    refused: Mapping[int, str]


def document(
    text: str,
    facts: Mapping[int, FunctionFacts],
    drafts: Mapping[int, DocstringDraft],
    options: RenderOptions,
) -> Documented:
    """Insert the drafts, keyed by definition line, into `text`.

    Raises `VerificationError` if the result is anything but `text` plus the
    docstrings; the caller must then leave the file alone.
    """
    # LibCST is imported when a file is rewritten here: a run whose files go to the
    # process pool never loads it in the main process, and a commit loads it while
    # its requests are out rather than before they leave.
    from docstring_hook.source.rewrite import insert_docstrings

    expected: dict[int, str] = {}

    def literal_for(line: int, indent: str, newline: str) -> str:
        placed = dataclasses.replace(options, indent=indent, newline=newline)
        rendered = render(drafts[line], facts[line], placed)
        expected[line] = rendered.value
        return rendered.literal

    result = insert_docstrings(text, drafts.keys(), literal_for)
    inserted = {line: expected[line] for line in result.inserted}
    verify(text, result.text, inserted)
    return Documented(result.text, tuple(result.inserted), result.refused)


@dataclass(frozen=True)
class Refusal:
    """Why a whole file could not be documented: `kind` is "verification" or "parse"."""

    kind: str
    message: str


def document_or_refuse(
    text: str,
    facts: Mapping[int, FunctionFacts],
    drafts: Mapping[int, DocstringDraft],
    options: RenderOptions,
) -> Documented | Refusal:
    """`document`, with its failures as data: safe to run in another process."""
    import libcst

    try:
        return document(text, facts, drafts, options)
    except VerificationError as error:
        return Refusal("verification", str(error))
    except (libcst.ParserSyntaxError, RecursionError) as error:
        return Refusal("parse", str(error).splitlines()[0] if str(error) else type(error).__name__)
