"""What the repository already says, read once per run: its symbols (the name gate's index) and its docstring style.

The repository is every Python file below the project root that a run would
consider (excludes and .gitignore applied), read and parsed with `ast` only,
at most `MAX_FILES` of them and none over `max-file-bytes`. Files that cannot
be read or parsed are passed over: they are reported when the run scans them.
"""

from __future__ import annotations

import ast
import dataclasses
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from docstring_hook.config import Settings
from docstring_hook.datatypes import Style
from docstring_hook.repo.files import UnreadableFile, discover, read_source
from docstring_hook.source.definitions import walk_definitions
from docstring_hook.source.names import repository_symbols
from docstring_hook.source.styles import choose, tally

MAX_FILES = 5000
"""Files read at most; a larger repository is surveyed in part (sorted paths, so every run reads the same)."""
STYLE_SAMPLE = 300
"""Docstrings of more than one line read for the style; enough for a majority."""


@dataclass(frozen=True)
class Survey:
    """The repository's symbols, and the style a run writes with the note the summary line prints."""

    symbols: frozenset[str]
    style: Style
    note: str = ""


def survey(settings: Settings, *, names: bool = True) -> Survey:
    """Read the repository: its symbols (when `names`) and, with style = "auto", its dominant style."""
    wanted_style = settings.style is Style.AUTO
    if not names and not wanted_style:
        return Survey(frozenset(), settings.style)
    # Without names, files are parsed only until the style vote has its sample.
    trees: Iterable[tuple[str, ast.Module]] = list(_trees(settings)) if names else _trees(settings)
    symbols = repository_symbols(trees) if names else frozenset()
    if not wanted_style:
        return Survey(symbols, settings.style)
    style, note = choose(tally(_docstrings(tree for _, tree in trees), STYLE_SAMPLE))
    return Survey(symbols, style, note)


def resolved(settings: Settings, found: Survey) -> Settings:
    """The settings with the surveyed style in place of "auto"."""
    return dataclasses.replace(settings, style=found.style)


def _trees(settings: Settings) -> Iterator[tuple[str, ast.Module]]:
    paths = sorted(discover([settings.root], settings.root, settings.exclude_globs))[:MAX_FILES]
    for path in paths:
        try:
            source = read_source(path)
        except (OSError, UnreadableFile):
            continue
        if len(source.raw) > settings.max_file_bytes:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: the scan reports what matters
            try:
                yield path, ast.parse(source.text, filename=path)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue


def _docstrings(trees: Iterable[ast.Module]) -> Iterator[str]:
    for tree in trees:
        if text := ast.get_docstring(tree):
            yield text
        for definition, _ in walk_definitions(tree):
            if text := ast.get_docstring(definition):
                yield text

