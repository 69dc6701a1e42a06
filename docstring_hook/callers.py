"""A target's callers: up to two call sites elsewhere in the repository, for its context.

The index is built once per run from the survey (`survey.py`, which reads
each file once, cached by path, size and mtime): for every file, the lines
of its calls by called name, `f` for `f(...)` and `.f` for `x.f(...)`.
Names are not resolved, so a site counts only where it is plausible: in the
target's own file, or in a file that names its module (a function) or its
class (a method). A site is never taken from a never-send file, nor from
inside the target itself; `prepare` masks its lines like the target's source.
"""

from __future__ import annotations

import ast
import os
import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from docstring_hook.config import Settings
from docstring_hook.datatypes import ContextItem, Target, TargetKind
from docstring_hook.lines import split_lines
from docstring_hook.repo.files import UnreadableFile, read_source
from docstring_hook.source.find import never_send

MAX_CALLERS = 2
AROUND = 2
"""Lines shown before and after the calling line."""

CallSites = Mapping[str, tuple[int, ...]]
"""A file's call lines by called name: `f` for `f(...)`, `.f` for `x.f(...)`."""


def call_sites(tree: ast.Module) -> dict[str, tuple[int, ...]]:
    """The lines of the module's calls, by called name."""
    found: dict[str, set[int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            key = func.id if isinstance(func, ast.Name) else None
            key = f".{func.attr}" if isinstance(func, ast.Attribute) else key
            if key is not None:
                found.setdefault(key, set()).add(node.lineno)
    return {key: tuple(sorted(lines)) for key, lines in found.items()}


@dataclass
class CallIndex:
    """Call sites of the repository by called name; the files it reads for their lines, read once."""

    settings: Settings
    sites: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    _texts: dict[str, list[str] | None] = field(default_factory=dict, repr=False)

    def add(self, path: str, calls: CallSites) -> None:
        """The call sites of one file."""
        for key, lines in calls.items():
            self.sites.setdefault(key, []).extend((path, line) for line in lines)

    def callers(self, target: Target, end: int) -> tuple[ContextItem, ...]:
        """Up to `MAX_CALLERS` call sites of `target` (lines `target.line` to `end`) outside itself."""
        called = _called_as(target)
        if called is None:
            return ()
        keys, clue = called
        own = os.path.realpath(target.path)
        candidates = sorted(
            {site for key in keys for site in self.sites.get(key, ())},
            key=lambda site: (os.path.realpath(site[0]) == own, site[0], site[1]),
        )
        items: list[ContextItem] = []
        for path, line in candidates:
            same = os.path.realpath(path) == own
            if same and target.line <= line <= end:
                continue
            item = self._item(path, line, clue, same)
            if item is not None:
                items.append(item)
                if len(items) == MAX_CALLERS:
                    break
        return tuple(items)

    def _item(self, path: str, line: int, clue: str, same: bool) -> ContextItem | None:
        lines = self._lines(path)
        if lines is None or not 0 < line <= len(lines):
            return None
        if not same and not re.search(rf"\b{re.escape(clue)}\b", "".join(lines)):
            return None
        start, stop = max(0, line - 1 - AROUND), min(len(lines), line + AROUND)
        snippet = textwrap.dedent("".join(lines[start:stop]).expandtabs()).rstrip()
        where = Path(os.path.relpath(path, self.settings.root)).as_posix()
        return ContextItem("caller", f"{where}:{line}", snippet)

    def _lines(self, path: str) -> list[str] | None:
        """A file's lines, or None when it may not be sent or read."""
        if path not in self._texts:
            self._texts[path] = self._read(path)
        return self._texts[path]

    def _read(self, path: str) -> list[str] | None:
        real = Path(path).resolve()
        if not real.is_relative_to(Path(self.settings.root).resolve()):
            return None
        if any(never_send(str(p), self.settings) for p in (path, real)):
            return None
        try:
            return split_lines(read_source(path).text)
        except (OSError, UnreadableFile):
            return None


def _called_as(target: Target) -> tuple[list[str], str] | None:
    """The keys a call of `target` is indexed under, and the word a file calling it from elsewhere contains.

    A function or class is called by its name, plainly or through its module
    (`util.tidy(...)`), from files naming its module; `__init__` through its
    class; another method through an attribute, from files naming its class.
    Other dunder methods are called by the language: None.
    """
    parts = target.qualname.split(".")
    name = parts[-1]
    if target.kind is TargetKind.METHOD and len(parts) >= 2:
        if name == "__init__":
            return [parts[-2], f".{parts[-2]}"], _module_word(target.path)
        if name.startswith("__") and name.endswith("__"):
            return None
        return [f".{name}"], parts[-2]
    return [name, f".{name}"], _module_word(target.path)


def _module_word(path: str) -> str:
    """The word a file naming `path`'s module would contain: `util` for `pkg/util.py`, `pkg` for its `__init__`."""
    location = Path(path)
    return location.parent.name if location.stem == "__init__" else location.stem


def index_of(settings: Settings, files: Iterable[tuple[str, CallSites]]) -> CallIndex:
    """The index of the given files' call sites."""
    index = CallIndex(settings)
    for path, calls in files:
        index.add(path, calls)
    return index
