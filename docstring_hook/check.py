"""`--check`: which selected definitions lack a docstring. No network, and LibCST only where needed.

A file whose layout LibCST is known to stumble on (a form feed, `except E :`,
a bare carriage return) and that lacks docstrings is also tried with LibCST,
so that `--check` can say the hook could not write it; every other file,
and every file with nothing missing, is read with `ast` alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from docstring_hook.config import Settings
from docstring_hook.datatypes import FileProblem, Target
from docstring_hook.scan import ScannedFile, scan_files
from docstring_hook.source.refusal import rewriter_refusal

if TYPE_CHECKING:
    from docstring_hook.repo.git import ChangedLines


@dataclass
class CheckResult:
    """Targets found, files left alone, and the coverage of selected definitions."""

    targets: list[Target] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    unwritable: list[FileProblem] = field(default_factory=list)  # the rewriter could not take these files
    files: int = 0
    selected: int = 0

    def summary(self) -> str:
        """One line: files, definitions and coverage, and the files that could not be checked."""
        documented = self.selected - len(self.targets)
        coverage = 100.0 * documented / self.selected if self.selected else 100.0
        unreadable = f"; {len(self.problems)} files could not be checked" if self.problems else ""
        return (
            f"{self.files} files, {self.selected} definitions, {documented} documented, "
            f"{len(self.targets)} missing ({coverage:.1f}% coverage){unreadable}"
        )


def check(paths: Sequence[str], settings: Settings, changes: ChangedLines | None = None) -> CheckResult:
    """Scan every file under `paths`, one at a time, and collect its missing docstrings.

    Each file's tree is dropped as soon as its targets are taken.
    """
    result = CheckResult()
    for scanned in scan_files(paths, settings, changes):
        result.files += 1
        if isinstance(scanned, FileProblem):
            result.problems.append(scanned)
        elif isinstance(scanned, ScannedFile):
            result.targets.extend(scanned.targets)
            result.selected += scanned.selected
            if scanned.targets:
                refusal = rewriter_refusal(scanned.source.text)
                if refusal is not None:
                    result.unwritable.append(FileProblem(scanned.source.path, refusal))
    return result
