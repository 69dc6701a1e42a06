"""The repository's modules by dotted name, for the context of a request (`source.context`).

A module `pkg.mod` is `pkg/mod.py` or `pkg/mod/__init__.py` below the
project root, or below its `src/` folder. Only what a run could send is
given out: a file matching `never-send`, one over `max-file-bytes`, one
that resolves outside the project or does not parse is answered None, and
its definitions never reach a prompt. Each module is read and parsed once
per run, and only when a target's call names it.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

from docstring_hook.callers import CallIndex
from docstring_hook.config import Settings
from docstring_hook.repo.files import UnreadableFile, read_source
from docstring_hook.source.context import Where
from docstring_hook.source.find import never_send

_SOURCE_FOLDERS = ("", "src")


class RepositoryModules:
    """Dotted names to parsed modules of one project, each read at most once per run."""

    def __init__(self, settings: Settings, callers: CallIndex | None = None) -> None:
        self.settings = settings
        self.callers = callers  # the repository's call sites, when the run surveyed them
        self.root = Path(settings.root).resolve()
        self._read: dict[str, tuple[ast.Module, bool] | None] = {}
        self._paths: dict[str, Path] = {}  # the file each module read was found in

    def where(self, path: str) -> Where:
        """Where the file at `path` sits: its dotted module name and this lookup."""
        resolved = Path(path).resolve()
        for folder in reversed(_SOURCE_FOLDERS):
            base = self.root / folder
            if resolved.is_relative_to(base):
                parts = list(resolved.relative_to(base).with_suffix("").parts)
                is_package = bool(parts) and parts[-1] == "__init__"
                if is_package:
                    parts.pop()
                if parts and all(p.isidentifier() for p in parts):
                    return Where(".".join(parts), is_package, self.lookup)
        return Where("", False, self.lookup)

    def lookup(self, dotted: str) -> tuple[ast.Module, bool] | None:
        """The module's tree and whether it is a package; None when it may not be read or sent."""
        if dotted not in self._read:
            self._read[dotted] = self._find(dotted)
        return self._read[dotted]

    def path_of(self, dotted: str) -> Path | None:
        """The resolved file a module given out by `lookup` was read from; None for any other."""
        return self._paths.get(dotted) if self._read.get(dotted) is not None else None

    def _find(self, dotted: str) -> tuple[ast.Module, bool] | None:
        parts = dotted.split(".")
        if not all(p.isidentifier() for p in parts):
            return None
        for folder in _SOURCE_FOLDERS:
            base = self.root / folder / Path(*parts)
            for candidate, is_package in ((base.with_suffix(".py"), False), (base / "__init__.py", True)):
                if candidate.is_file():
                    tree = self._parse(candidate)
                    self._paths[dotted] = candidate.resolve()
                    return (tree, is_package) if tree is not None else None
        return None

    def _parse(self, path: Path) -> ast.Module | None:
        real = path.resolve()
        if not real.is_relative_to(self.root) or any(never_send(str(p), self.settings) for p in (path, real)):
            return None
        try:
            if path.stat().st_size > self.settings.max_file_bytes:
                return None
            source = read_source(str(path))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes and the like: not ours to report here
                return ast.parse(source.text, filename=str(path))
        except (OSError, UnreadableFile, SyntaxError, ValueError, RecursionError, MemoryError):
            return None
