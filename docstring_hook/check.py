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

from docstring_hook.checkpool import checked_files
from docstring_hook.config import Settings
from docstring_hook.datatypes import FileProblem, Target

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
    """Scan every file under `paths` and collect its missing docstrings, in file order.

    Large runs are scanned in worker processes (see `checkpool`); either way
    each file's tree is dropped as soon as its targets are taken.
    """
    result = CheckResult()
    for checked in checked_files(paths, settings, changes):
        result.files += 1
        if checked is None:
            continue
        if checked.problem is not None:
            result.problems.append(checked.problem)
        result.targets.extend(checked.targets)
        result.selected += checked.selected
        if checked.unwritable is not None:
            result.unwritable.append(checked.unwritable)
    return result
