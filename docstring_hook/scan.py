"""Read a file and find its targets with `ast` alone: what `--check` costs."""

from __future__ import annotations

import ast
import dataclasses
import gc
import platform
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from docstring_hook.config import Settings
from docstring_hook.datatypes import FileProblem, Reason, Target
from docstring_hook.lines import split_lines
from docstring_hook.repo.files import SourceFile, UnreadableFile, discover, read_source, write_refusal
from docstring_hook.source.find import find_targets, never_send, skips_whole_file

if TYPE_CHECKING:
    from docstring_hook.repo.git import ChangedLines

# Which Python failed to parse a file matters: a hook environment older than the code is a common cause.
_PYTHON = platform.python_version()


@dataclass(frozen=True)
class Held:
    """Why nothing of a file is sent: its targets are reported skipped with this reason."""

    reason: Reason
    detail: str


NEVER_SEND = Held(Reason.NEVER_SEND, "the path matches never-send: write this docstring by hand")


@dataclass(frozen=True)
class ScannedFile:
    """A parsed file and the targets found in it; `held` when none of them may be sent."""

    source: SourceFile
    tree: ast.Module
    lines: list[str]
    targets: list[Target]
    selected: int
    held: Held | None = None

    @property
    def withheld(self) -> bool:
        """Whether the file's targets are held back (never sent)."""
        return self.held is not None


def scan_file(
    path: str, settings: Settings, changed_lines: Collection[int] | None = None
) -> ScannedFile | FileProblem | None:
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
        return FileProblem(path, f"does not parse with Python {_PYTHON}: {error.msg} (line {error.lineno})")
    except (ValueError, RecursionError, MemoryError) as error:
        return FileProblem(path, f"does not parse with Python {_PYTHON}: {error}")
    lines = split_lines(source.text)
    findings = find_targets(tree, lines, path, settings, changed_lines)
    held = NEVER_SEND if never_send(path, settings) else None
    return ScannedFile(source, tree, lines, findings.targets, findings.selected, held)


@dataclass
class Scan:
    """The files of a run that have targets, the ones left alone, and every file that parsed."""

    files: list[ScannedFile] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    parsed_paths: list[str] = field(default_factory=list)

    @property
    def target_count(self) -> int:
        """Targets across all files."""
        return sum(len(f.targets) for f in self.files)


def scan_files(
    paths: Sequence[str], settings: Settings, changes: ChangedLines | None = None
) -> Iterator[ScannedFile | FileProblem | None]:
    """Every file under `paths`, one at a time; `changes` limits the targets to changed lines."""
    for path in discover(paths, settings.root, settings.exclude_globs):
        yield scan_file(path, settings, None if changes is None else changes.of(path))


def held_for_writing(scanned: ScannedFile, settings: Settings) -> ScannedFile:
    """The file, held back when a generating run must not send it: too large, or not safely writable.

    Decided before any request, so nothing is paid for a file that could not take its docstrings.
    """
    if scanned.held is not None:
        return scanned
    size = len(scanned.source.raw)
    if size > settings.max_file_bytes:
        detail = f"{size} bytes, over max-file-bytes ({settings.max_file_bytes})"
        return dataclasses.replace(scanned, held=Held(Reason.TOO_LARGE, detail))
    refusal = write_refusal(scanned.source.path, settings.root)
    # A patch does not replace the file: only a link leading out of the project is held back from --diff.
    if refusal is None or (settings.diff and refusal[0] != "outside"):
        return scanned
    kind, detail = refusal
    reason = Reason.READ_ONLY if kind == "read-only" else Reason.LINKED
    return dataclasses.replace(scanned, held=Held(reason, detail))


def collect(paths: Sequence[str], settings: Settings, changes: ChangedLines | None = None) -> Scan:
    """The files with targets (their trees kept for the run), the problems, the parsed paths.

    Only the trees of files with targets are kept. Those stay alive for the
    whole run; the collector would otherwise walk them again and again as
    allocation goes on (ASTs hold no reference cycles), so it is paused
    while they are built and they are moved out of its sight afterwards.
    """
    found = Scan()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for scanned in scan_files(paths, settings, changes):
            if isinstance(scanned, FileProblem):
                found.problems.append(scanned)
            elif scanned is not None:
                found.parsed_paths.append(scanned.source.path)
                if scanned.targets:
                    found.files.append(held_for_writing(scanned, settings))
    finally:
        if was_enabled:
            gc.enable()
    gc.freeze()
    return found
