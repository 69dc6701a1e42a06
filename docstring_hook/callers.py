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
import functools
import os
import re
import textwrap
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from docstring_hook.config import Settings
from docstring_hook.datatypes import ContextItem, Target, TargetKind
from docstring_hook.lines import split_lines
from docstring_hook.repo.files import UnreadableFile, read_source
from docstring_hook.source.definitions import docstring_node, walk_definitions
from docstring_hook.source.find import never_send

MAX_CALLERS = 2
AROUND = 2
"""Lines shown before and after the calling line."""
MAX_EXAMINED = 64
"""Call sites looked at per target at most: a common method name has thousands, most implausible."""

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
    _sources: dict[str, _Source | None] = field(default_factory=dict, repr=False)
    _real: dict[str, str] = field(default_factory=dict, repr=False)

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
        own = self._realpath(target.path)
        candidates = sorted({site for key in keys for site in self.sites.get(key, ())})
        others = [(p, n) for p, n in candidates if self._realpath(p) != own]
        mine = [(p, n) for p, n in candidates if self._realpath(p) == own and not target.line <= n <= end]
        items: list[ContextItem] = []
        # Other files first (how the rest of the repository uses it), then its own.
        for path, line in [*others[:MAX_EXAMINED], *mine]:
            item = self._item(path, line, clue, self._realpath(path) == own)
            if item is not None:
                items.append(item)
                if len(items) == MAX_CALLERS:
                    break
        return tuple(items)

    def _realpath(self, path: str) -> str:
        if path not in self._real:
            self._real[path] = os.path.realpath(path)
        return self._real[path]

    def _item(self, path: str, line: int, clue: str, same: bool) -> ContextItem | None:
        source = self._source(path)
        if source is None or not 0 < line <= len(source.lines):
            return None
        if not same and not re.search(rf"\b{re.escape(clue)}\b", source.text):
            return None
        if source.tree is None:
            return None
        where = Path(os.path.relpath(path, self.settings.root)).as_posix()
        caller = source.enclosing(line)
        return ContextItem("caller", f"{where}::{caller}" if caller else where, source.snippet(line))

    def _source(self, path: str) -> _Source | None:
        """A file's text and tree, or None when it may not be sent, read or parsed."""
        if path not in self._sources:
            self._sources[path] = self._read(path)
        return self._sources[path]

    def _read(self, path: str) -> _Source | None:
        real = Path(path).resolve()
        if not real.is_relative_to(Path(self.settings.root).resolve()):
            return None
        if any(never_send(str(p), self.settings) for p in (path, real)):
            return None
        try:
            text = read_source(path).text
        except (OSError, UnreadableFile):
            return None
        return _Source(text, split_lines(text))


@dataclass(frozen=True)
class _Source:
    """A calling file, and what the snippet leaves out: blank lines and docstrings.

    Inserting docstrings (this tool's own writes, in an earlier run) then
    changes neither the snippet nor its label, so a resumed run builds the
    prompts it built before and finds their answers in the cache.
    """

    text: str
    lines: list[str]

    @functools.cached_property
    def tree(self) -> ast.Module | None:
        """The parsed file, or None when it does not parse (parsed only when one of its sites is shown)."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes and the like: not ours to report here
                return ast.parse(self.text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None

    def enclosing(self, line: int) -> str:
        """The qualified name of the innermost definition holding `line`; "" at module level."""
        found = ""
        assert self.tree is not None
        for definition, scope in walk_definitions(self.tree):
            if definition.lineno <= line <= (definition.end_lineno or definition.lineno):
                found = scope.qualname
        return found

    def snippet(self, line: int) -> str:
        """The calling line and `AROUND` lines either side, blank lines and docstrings passed over."""
        kept = self._kept
        at = kept.index(line) if line in kept else None
        chosen = kept[max(0, at - AROUND) : at + AROUND + 1] if at is not None else [line]
        return textwrap.dedent("".join(self.lines[n - 1] for n in chosen).expandtabs()).rstrip()

    @functools.cached_property
    def _kept(self) -> list[int]:
        """The lines a snippet may show, in order."""
        assert self.tree is not None
        holders = [self.tree, *(d for d, _ in walk_definitions(self.tree))]
        nodes = (docstring_node(h) for h in holders)
        skipped = {n for node in nodes if node is not None for n in range(node.lineno, (node.end_lineno or 0) + 1)}
        return [n for n in range(1, len(self.lines) + 1) if n not in skipped and self.lines[n - 1].strip()]


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

