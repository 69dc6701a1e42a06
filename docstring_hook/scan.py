"""Read a file and find its targets with `ast` alone: what `--check` costs."""

from __future__ import annotations

import ast
from collections.abc import Collection
from dataclasses import dataclass

from docstring_hook.config import Settings
from docstring_hook.datatypes import FileProblem, Target
from docstring_hook.repo.files import SourceFile, UnreadableFile, read_source
from docstring_hook.source.find import find_targets, skips_whole_file, split_lines


@dataclass(frozen=True)
class ScannedFile:
    """A parsed file and the targets found in it."""

    source: SourceFile
    tree: ast.Module
    lines: list[str]
    targets: list[Target]
    selected: int


def scan_file(path: str, settings: Settings, changed_lines: Collection[int] | None = None) -> ScannedFile | FileProblem | None:
    """The file's targets, a problem that leaves it alone, or None when passed over."""
    try:
        source = read_source(path)
    except (OSError, UnreadableFile) as error:
        return FileProblem(path, str(error))
    if skips_whole_file(source.text, settings):
        return None
    try:
        tree = ast.parse(source.text, filename=path)
    except SyntaxError as error:
        return FileProblem(path, f"does not parse: {error.msg} (line {error.lineno})")
    except (ValueError, RecursionError, MemoryError) as error:
        return FileProblem(path, f"does not parse: {error}")
    lines = split_lines(source.text)
    findings = find_targets(tree, lines, path, settings, changed_lines)
    return ScannedFile(source, tree, lines, findings.targets, findings.selected)
