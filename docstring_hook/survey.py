"""What the repository already says, read once per run: its symbols (the name gate's index), its
docstring style and its call sites (for a target's callers, `callers.py`).

The repository is every Python file below the project root that a run would
consider (excludes and .gitignore applied), at most `MAX_FILES` of them and
none over `max-file-bytes`. Each file is parsed with `ast` once, and what it
contributes (its symbols, the styles of its docstrings) is kept in the cache
folder, keyed by its path, size and modification time: a commit in a large
repository re-reads only the files that changed since the last run. Files
that cannot be read or parsed are passed over: the scan reports them.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import os
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from docstring_hook.callers import CallIndex, CallSites, call_sites
from docstring_hook.config import Settings
from docstring_hook.datatypes import Style
from docstring_hook.repo.files import UnreadableFile, discover, read_source, replace_atomically
from docstring_hook.source.definitions import walk_definitions
from docstring_hook.source.names import file_symbols, module_parts
from docstring_hook.source.styles import choose, style_of

MAX_FILES = 5000
"""Files read at most; a larger repository is surveyed in part (sorted paths, so every run reads the same)."""
STYLE_SAMPLE = 300
"""Docstrings of more than one line read for the style; enough for a majority."""
SURVEY_VERSION = 2
"""Part of every per-file entry's key: bump it when what a file contributes changes."""


@dataclass(frozen=True)
class Survey:
    """The repository's symbols, and the style a run writes with the note the summary line prints."""

    symbols: frozenset[str]
    style: Style
    note: str = ""
    calls: CallIndex | None = None  # asked for with `calls`


@dataclass(frozen=True)
class _FileSurvey:
    """What one file contributes: its symbols, the styles of its docstrings, its call sites."""

    symbols: frozenset[str]
    votes: Counter[Style]
    calls: CallSites


def survey(settings: Settings, *, names: bool = True, calls: bool = False, cache: Path | None = None) -> Survey:
    """Read the repository: its symbols (when `names`), its call sites (when `calls`) and,
    with style = "auto", its dominant style.

    `cache` is the cache folder for the per-file entries; None reads every file.
    """
    wanted_style = settings.style is Style.AUTO
    if not names and not wanted_style and not calls:
        return Survey(frozenset(), settings.style)
    symbols: set[str] = set()
    votes: Counter[Style] = Counter()
    index = CallIndex(settings) if calls else None
    for path, contribution in _files(settings, cache):
        symbols |= contribution.symbols
        if index is not None:
            index.add(path, contribution.calls)
        if sum(votes.values()) < STYLE_SAMPLE:
            votes.update(contribution.votes)
        elif not names and index is None:
            break  # the style has its sample, and nothing else is wanted
    if not wanted_style:
        return Survey(frozenset(symbols), settings.style, calls=index)
    style, note = choose(votes)
    return Survey(frozenset(symbols), style, note, index)


def resolved(settings: Settings, found: Survey) -> Settings:
    """The settings with the surveyed style in place of "auto"."""
    return dataclasses.replace(settings, style=found.style)


def _files(settings: Settings, cache: Path | None) -> Iterator[tuple[str, _FileSurvey]]:
    paths = sorted(discover([settings.root], settings.root, settings.exclude_globs))[:MAX_FILES]
    for path in paths:
        try:
            status = os.stat(path)
        except OSError:
            continue
        if status.st_size > settings.max_file_bytes:
            continue
        entry = _entry_path(cache, path, status) if cache is not None else None
        found = _read_entry(entry) if entry is not None else None
        if found is None:
            found = _survey_file(path)
            if found is None:
                continue
            if entry is not None:
                _write_entry(entry, found)
        yield path, found


def _survey_file(path: str) -> _FileSurvey | None:
    try:
        source = read_source(path)
    except (OSError, UnreadableFile):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes and the like: the scan reports what matters
        try:
            tree = ast.parse(source.text, filename=path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    votes: Counter[Style] = Counter()
    for text in _docstrings(tree):
        style = style_of(text)
        if style is not None:
            votes[style] += 1
    return _FileSurvey(frozenset(module_parts(path) | file_symbols(tree)), votes, call_sites(tree))


def _docstrings(tree: ast.Module) -> Iterator[str]:
    if text := ast.get_docstring(tree):
        yield text
    for definition, _ in walk_definitions(tree):
        if text := ast.get_docstring(definition):
            yield text


def _entry_path(cache: Path, path: str, status: os.stat_result) -> Path:
    identity = f"{SURVEY_VERSION}\0{os.path.realpath(path)}\0{path}\0{status.st_size}\0{status.st_mtime_ns}"
    key = hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()
    return cache / "survey" / key[:2] / f"{key}.json"


def _read_entry(entry: Path) -> _FileSurvey | None:
    try:
        data = json.loads(entry.read_bytes())
        symbols = frozenset(str(name) for name in data["symbols"])
        votes = Counter({Style(name): int(count) for name, count in data["votes"].items()})
        calls = {str(name): tuple(int(line) for line in lines) for name, lines in data["calls"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # absent or not ours: read the file again
    return _FileSurvey(symbols, votes, calls)


def _write_entry(entry: Path, found: _FileSurvey) -> None:
    data = {
        "symbols": sorted(found.symbols),
        "votes": {style.value: count for style, count in found.votes.items()},
        "calls": {name: list(lines) for name, lines in found.calls.items()},
    }
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(entry, json.dumps(data, ensure_ascii=True).encode())
    except OSError:
        pass  # a cache is an optimisation, never a reason to fail
