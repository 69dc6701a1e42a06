"""One path from a scanned file to what the model is asked, for every mode.

The generating run, `--dry-run` and `--show-prompt` all prepare files here
and fit each target's request with `model.request.request_for`, so the
forecast and the printed prompts are what a real run sends. Whether a file
may be sent at all (never-send, too large, links, read-only) was decided
when it was scanned.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from docstring_hook.callers import CallIndex
from docstring_hook.config import Settings
from docstring_hook.datatypes import FunctionFacts, Outcome, Status, Target
from docstring_hook.modules import RepositoryModules
from docstring_hook.redact import redact
from docstring_hook.scan import ScannedFile
from docstring_hook.source.definitions import walk_definitions
from docstring_hook.source.facts import describe_file


@dataclass(frozen=True)
class PreparedFile:
    """A scanned file's targets with their facts (secrets masked) and the values masked in each.

    A held-back file (never-send, too large, not safely writable) has no
    facts: nothing of it is described.
    """

    scanned: ScannedFile
    facts: Mapping[int, FunctionFacts] = field(default_factory=dict)
    redactions: Mapping[int, int] = field(default_factory=dict)

    @property
    def withheld(self) -> bool:
        """Whether the file is never sent."""
        return self.scanned.withheld

    def redactions_of(self, target: Target) -> int:
        """How many secret-looking values were masked in `target`'s source."""
        return self.redactions.get(target.line, 0)


def prepare_file(
    scanned: ScannedFile, symbols: frozenset[str] | None = None, modules: RepositoryModules | None = None
) -> PreparedFile:
    """Describe the targets of a file that may be sent; describe nothing of one that may not.

    `symbols`, the repository's (`survey`), lets the name gate check what drafts mention;
    `modules`, the run's, gives each target its repository context (none without).
    """
    if scanned.withheld:
        return PreparedFile(scanned)
    where = modules.where(scanned.source.path) if modules is not None else None
    described = describe_file(scanned.tree, scanned.lines, scanned.targets, symbols, where)
    if modules is None or modules.callers is None:
        return PreparedFile(scanned, described.facts, described.redactions)
    facts, redactions = dict(described.facts), dict(described.redactions)
    ends = {d.lineno: d.end_lineno or d.lineno for d, _ in walk_definitions(scanned.tree)}
    for line, fact in described.facts.items():
        facts[line], masked = _with_callers(fact, modules.callers, ends.get(line, line))
        redactions[line] += masked
    return PreparedFile(scanned, facts, redactions)


def _with_callers(facts: FunctionFacts, index: CallIndex, end: int) -> tuple[FunctionFacts, int]:
    """`facts` with its callers last in its context (cut first), masked; and how many values were masked."""
    found = [(item, redact(item.code)) for item in index.callers(facts.target, end)]
    items = tuple(dataclasses.replace(item, code=masked.text) for item, masked in found)
    return dataclasses.replace(facts, context=facts.context + items), sum(masked.count for _, masked in found)


def context_modules(settings: Settings, callers: CallIndex | None = None) -> RepositoryModules | None:
    """The run's lookup of repository modules (and call sites) for context; None when `context-budget` is 0."""
    return RepositoryModules(settings, callers) if settings.context_budget > 0 else None


def withheld(scanned: ScannedFile) -> list[Outcome]:
    """The outcomes of the targets of a file held back (never-send, too large, links, read-only)."""
    held = scanned.held
    assert held is not None
    return [Outcome(t, Status.SKIPPED, held.reason, held.detail) for t in scanned.targets]
