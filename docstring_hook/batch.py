"""`--batch`: the whole run through the Batch API, in rounds, resumable from any process.

Each round prepares every target exactly as the synchronous run does
(`prepare`, `request.request_for`: selection, facts, context, token guard,
masking, never-send), leaves out the targets whose answer is cached or
remembered as failed, and either resumes the project's saved job or makes
a new one for the next wave of targets (`batchjob`). When the job is done,
its accepted drafts are in the cache and the files are written through the
verified rewriter (`writeback.put`), as a synchronous run writes them. The
next round starts from the files as written, so a later wave's prompts
carry the summaries of the wave before it. A round sends no cache key
twice in one process, which bounds the rounds.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from docstring_hook import writeback
from docstring_hook.batchui import RESUME, RESUME_HINT, sayer
from docstring_hook.batchwaves import waves
from docstring_hook.callers import CallIndex
from docstring_hook.config import Settings
from docstring_hook.datatypes import FileChange, Outcome, Reason, RunResult, Status, Target
from docstring_hook.errors import ConfigError, FatalAPIError
from docstring_hook.model import batchstate
from docstring_hook.model.batchjob import Collected, Driver, Entry
from docstring_hook.model.budget import RunBudget
from docstring_hook.model.cache import DraftCache, cached_draft
from docstring_hook.model.request import request_for
from docstring_hook.model.tokens import TokenCounter
from docstring_hook.model.types import RejectedRequest, TransientError
from docstring_hook.modules import RepositoryModules
from docstring_hook.prepare import PreparedFile, context_modules, prepare_file, withheld
from docstring_hook.scan import Scan, ScannedFile, held_for_writing, scan_file
from docstring_hook.source.refusal import rewriter_refusal
from docstring_hook.workers import Rewriter

MAX_ROUNDS = 100
"""Waves are at most this many; a run never goes on longer."""


@dataclass
class Plan:
    """One round's view of the targets: what to send, what is settled without sending, the files."""

    modules: RepositoryModules | None = None  # the repository as this round found it (written files included)
    files: list[PreparedFile] = field(default_factory=list)
    entries: dict[str, list[Entry]] = field(default_factory=dict)  # by cache key: not cached, to be sent
    keys: dict[Target, str] = field(default_factory=dict)  # every target with a request, by target
    outcomes: dict[Target, Outcome] = field(default_factory=dict)  # settled without a request


@dataclass(frozen=True)
class Tools:
    """What a batch run works with, built by `run.batch`."""

    driver: Driver
    cache: DraftCache
    counter: TokenCounter
    budget: RunBudget
    rewriter: Rewriter
    symbols: frozenset[str] | None
    calls: CallIndex | None
    path: Path
    endpoint: str


class BatchRun:
    """The rounds of one `--batch` (or `--batch-cancel`) invocation."""

    def __init__(self, found: Scan, settings: Settings, tools: Tools, stop: asyncio.Event) -> None:
        self._found = found
        self._settings = settings
        self._tools = tools
        self._stop = stop
        self._say = sayer(settings.verbosity)
        self._sent: set[str] = set()
        self._ledger: dict[tuple[str, str, int], Outcome] = {}
        self._first: dict[tuple[str, str, int], Target] = {}
        self.changes: dict[str, FileChange] = {}
        self.stale = 0
        self.interrupted = False
        self._waves_left = 0
        self._resumed = False
        self._reserved: list[tuple[int, int]] = []

    async def run(self, cancel: bool) -> RunResult:
        """Rounds until nothing is left to send (or the job is cancelled, or Ctrl-C)."""
        scan = self._found
        for round_number in range(MAX_ROUNDS):
            plan = self._plan(scan)
            self._record(plan.outcomes, plan)
            if round_number == 0:
                self._first = {ident: target for ident, target in _identities(plan)}
            collected, had_job = await self._round(plan, cancel)
            self._record(collected.outcomes, plan)
            self.stale += collected.stale
            await self._write(plan, collected)
            if collected.stale:
                why = "were for code not in this run or changed since it was sent"
                self._say(f"{collected.stale} answers {why}: kept in the cache, checked when asked for")
            # Another round only for what this one left to send: a later wave, code changed since it was sent.
            more = self._waves_left > 0 or collected.stale > 0 or self._resumed
            if collected.interrupted or not had_job or cancel or not more:
                self.interrupted = collected.interrupted
                break
            scan = self._rescan()
        return self._result()

    async def _round(self, plan: Plan, cancel: bool) -> tuple[Collected, bool]:
        driver = self._tools.driver
        try:
            job = batchstate.load(self._tools.path)
        except (OSError, ValueError) as error:
            raise ConfigError(f"cannot read the saved batch job {self._tools.path} ({error}): remove it") from None
        self._resumed = job is not None
        if cancel and job is None:
            raise ConfigError("no batch job to cancel for this project, endpoint and deployment")
        if job is None:
            wave = self._next_wave(plan)
            if not wave:
                return Collected(), False
            job = driver.new_job(self._tools.path.stem, self._tools.endpoint, wave)
        self._sent.update(k for part in job.parts for k in part.keys)
        try:
            if cancel:
                await driver.cancel(job, plan.entries)
            collected = await driver.run(driver.job if cancel else job, plan.entries)
        except (TransientError, RejectedRequest) as error:
            raise FatalAPIError(f"the batch service failed ({error}): the job is saved; {RESUME}") from None
        for reservation in self._reserved:  # the answers' real usage is recorded now
            self._tools.budget.release(reservation)
        self._reserved.clear()
        if driver.job.finished:
            batchstate.forget(self._tools.path)
        return collected, True

    def _next_wave(self, plan: Plan) -> dict[str, list[Entry]]:
        """The next wave's keys, each admitted by the run's budget (at the batch price)."""
        todo = {k: group for k, group in plan.entries.items() if k not in self._sent}
        wave: dict[str, list[Entry]] = {}
        ordered = waves(todo, self._settings, plan.modules) if todo else [[]]
        self._waves_left = len(ordered) - 1
        for key in ordered[0]:
            group = todo[key]
            reservation = (group[0].prompt.tokens, self._settings.max_output_tokens)
            refusal = self._tools.budget.admit(*reservation)
            if refusal is None:
                self._reserved.append(reservation)
            else:
                for entry in group:
                    plan.outcomes[entry.facts.target] = Outcome(
                        entry.facts.target, Status.SKIPPED, Reason.RUN_BUDGET, refusal
                    )
                continue
            wave[key] = group
        self._record(plan.outcomes, plan)
        return wave

    def _plan(self, scan: Scan) -> Plan:
        modules = context_modules(self._settings, self._tools.calls)
        plan = Plan(modules)
        cache, counter = self._tools.cache, self._tools.counter
        for scanned in scan.files:
            if scanned.withheld:
                plan.outcomes.update((o.target, o) for o in withheld(scanned))
                continue
            refusal = rewriter_refusal(scanned.source.text)
            if refusal is not None:
                plan.outcomes.update((t, Outcome(t, Status.SKIPPED, Reason.REFUSED, refusal)) for t in scanned.targets)
                continue
            prepared = prepare_file(scanned, self._tools.symbols, modules)
            plan.files.append(prepared)
            for target in scanned.targets:
                facts = prepared.facts[target.line]
                prompt = request_for(facts, self._settings, counter)
                if prompt is None:
                    detail = "even the signature does not fit the prompt budget"
                    plan.outcomes[target] = Outcome(target, Status.SKIPPED, Reason.OVER_BUDGET, detail)
                    continue
                plan.keys[target] = prompt.key
                if cached_draft(cache, prompt.key, facts, self._settings.line_length) is not None:
                    continue
                remembered = None if self._settings.retry_failed else cache.failure(prompt.key)
                if remembered is not None:
                    plan.outcomes[target] = Outcome(target, Status.FAILED, Reason(remembered[0]), remembered[1])
                    continue
                plan.entries.setdefault(prompt.key, []).append(Entry(facts, prompt))
        return plan

    async def _write(self, plan: Plan, collected: Collected) -> None:
        """Every file with cached drafts, through the verified rewriter; outcomes of cached targets."""
        cache = self._tools.cache
        for prepared in plan.files:
            drafts = {}
            for target in prepared.scanned.targets:
                key = plan.keys.get(target)
                facts = prepared.facts[target.line]
                draft = cached_draft(cache, key, facts, self._settings.line_length) if key else None
                if draft is None:
                    continue
                drafts[target.line] = draft
                if target not in collected.outcomes:
                    collected.outcomes[target] = Outcome(target, Status.CACHED)
            if not drafts:
                continue
            changed, change = await writeback.put(prepared, drafts, self._settings, self._tools.rewriter, write=True)
            collected.outcomes.update((o.target, o) for o in changed.values())
            if change is not None:
                previous = self.changes.get(change.path)
                total = change.docstrings + (previous.docstrings if previous else 0)
                self.changes[change.path] = FileChange(change.path, total)
        self._record(collected.outcomes, plan)

    def _record(self, outcomes: Mapping[Target, Outcome], plan: Plan) -> None:
        where = {target: ident for ident, target in _identities(plan)}
        for target, outcome in outcomes.items():
            ident = where.get(target)
            if ident is not None:
                self._ledger[ident] = outcome

    def _rescan(self) -> Scan:
        """The run's files as they are now, with the targets the first scan selected still lacking a docstring."""
        wanted = Counter((ident[0], ident[1]) for ident in self._first)
        scan = Scan()
        for path in dict.fromkeys(t.path for t in self._first.values()):
            scanned = scan_file(path, self._settings)
            if not isinstance(scanned, ScannedFile):
                continue
            targets = [t for t in scanned.targets if wanted[(t.path, t.qualname)]]
            if targets:
                scan.files.append(held_for_writing(_with_targets(scanned, targets), self._settings))
        return scan

    def _result(self) -> RunResult:
        result = RunResult(problems=list(self._found.problems), usage=self._tools.driver.usage)
        for ident, target in self._first.items():
            outcome = self._ledger.get(ident) or Outcome(target, Status.SKIPPED, Reason.INTERRUPTED, _NOT_SENT)
            result.outcomes.append(Outcome(target, outcome.status, outcome.reason, outcome.detail,
                                           outcome.unknown_names, outcome.restates))
        result.changes = list(self.changes.values())
        return result


_NOT_SENT = "not collected yet: " + RESUME_HINT


def _identities(plan: Plan) -> Iterator[tuple[tuple[str, str, int], Target]]:
    """Each target by (path, qualified name, occurrence): stable while docstrings shift the lines."""
    seen: Counter[tuple[str, str]] = Counter()
    targets = [t for f in plan.files for t in f.scanned.targets] + [t for t in plan.outcomes if t not in plan.keys]
    for target in sorted(set(targets), key=lambda t: (t.path, t.line)):
        name = (target.path, target.qualname)
        yield (*name, seen[name]), target
        seen[name] += 1


def _with_targets(scanned: ScannedFile, targets: list[Target]) -> ScannedFile:
    return dataclasses.replace(scanned, targets=targets)
