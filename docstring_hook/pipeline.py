"""A generating run: obtain drafts concurrently, write each file once.

All targets of the run are generated concurrently (the pacer bounds what is
in flight), each once its callees in the run are settled (`schedule`, with
order = "callees-first"); a file is rendered, verified and written as soon
as all of its own targets are settled, so an interrupted run keeps what
finished. Files are prepared one at a time, each file's requests leaving
before the next is prepared, so the first request does not wait for the
whole run's facts. Each file's work returns its own `FileResult`; the run's result
is gathered from them once. Never prints: the result is data for `cli` and `report`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from docstring_hook import writeback
from docstring_hook.callers import CallIndex
from docstring_hook.config import Settings
from docstring_hook.datatypes import (
    NOT_STARTED,
    FileChange,
    Outcome,
    Reason,
    RunResult,
    Status,
    Target,
)
from docstring_hook.model.generate import Generator
from docstring_hook.modules import RepositoryModules
from docstring_hook.prepare import context_modules, prepare_file, withheld
from docstring_hook.scan import Scan, ScannedFile
from docstring_hook.schedule import Schedule
from docstring_hook.workers import Rewriter


@dataclass(frozen=True)
class FileResult:
    """What became of one file: its targets' outcomes, its change, the values masked in it."""

    outcomes: list[Outcome]
    change: FileChange | None = None
    redactions: dict[tuple[str, int], int] = field(default_factory=dict)


async def run(
    found: Scan,
    settings: Settings,
    generator: Generator,
    *,
    write: bool,
    abandon: asyncio.Event | None = None,
    rewriter: Rewriter | None = None,
    symbols: frozenset[str] | None = None,
    callers: CallIndex | None = None,
) -> RunResult:
    """Generate, verify and write (or diff) every file of `found`.

    Setting `abandon` cancels the work still running: files whose targets
    were all settled are already written, the others are left as they were
    and their targets reported as interrupted. `symbols`, the repository's,
    turn the name gate on; `callers`, its call sites, give targets their callers.
    """
    rewriter = rewriter or Rewriter(len(found.files), workers=1)
    modules = context_modules(settings, callers)
    schedule = Schedule(len(found.files), modules, enabled=settings.order == "callees-first", style=settings.style)
    turn = asyncio.Lock()
    tasks = [
        asyncio.ensure_future(_document_file(f, settings, generator, rewriter, write, schedule, symbols, modules, turn))
        for f in found.files
    ]
    work: asyncio.Future[list[FileResult]] = asyncio.gather(*tasks)
    stopper = asyncio.ensure_future((abandon or asyncio.Event()).wait())
    either: list[asyncio.Future[Any]] = [work, stopper]
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if work.done():
            work.result()
    finally:
        stopper.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        _quieten(work)
    files = [_finished(task, scanned, generator) for task, scanned in zip(tasks, found.files)]
    return _gathered(found, files, generator)


async def _hand_over(generation: asyncio.Future[Any]) -> None:
    """Let a file's just-started requests take the loop before the next file is prepared.

    Files are prepared one at a time, each in its turn; without this pause
    every file's facts and context would be built before the first request
    left (about 20 ms a file). Cancelled here, the file's requests are too.
    """
    try:
        await asyncio.sleep(0)
    except asyncio.CancelledError:
        generation.cancel()
        generation.add_done_callback(_quieten)  # nobody awaits it now
        raise


def _quieten(work: asyncio.Future[Any]) -> None:
    # Its error, if any, was raised already or is the cancellation we caused.
    if work.done() and not work.cancelled():
        work.exception()


def _finished(task: asyncio.Future[FileResult], scanned: ScannedFile, generator: Generator) -> FileResult:
    """The file's result, or, when its work was cut short, what became of each of its targets."""
    if task.done() and not task.cancelled() and task.exception() is None:
        return task.result()
    return FileResult([_cut_short(t, generator) for t in scanned.targets])


def _cut_short(target: Target, generator: Generator) -> Outcome:
    if target in generator.in_flight:
        return Outcome(target, Status.SKIPPED, Reason.INTERRUPTED, "abandoned while in flight")
    if target in generator.answered:
        detail = "answered, but its file was not written before the run stopped: the next run writes it from the cache"
        return Outcome(target, Status.SKIPPED, Reason.INTERRUPTED, detail)
    return Outcome(target, Status.SKIPPED, Reason.INTERRUPTED, NOT_STARTED)


def _gathered(found: Scan, files: list[FileResult], generator: Generator) -> RunResult:
    result = RunResult(problems=list(found.problems), usage=generator.usage)
    for file in files:
        result.outcomes.extend(file.outcomes)
        result.redactions.update(file.redactions)
        if file.change is not None:
            result.changes.append(file.change)
    return result


async def _document_file(
    scanned: ScannedFile,
    settings: Settings,
    generator: Generator,
    rewriter: Rewriter,
    write: bool,
    schedule: Schedule,
    symbols: frozenset[str] | None,
    modules: RepositoryModules | None,
    turn: asyncio.Lock,
) -> FileResult:
    if scanned.withheld:
        schedule.add(None)
        return FileResult(withheld(scanned))
    # Before anything is paid for the file: can the rewriter take it at all?
    refusal = await rewriter.refusal(scanned.source.text)
    if refusal is not None:
        schedule.add(None)
        return FileResult([Outcome(t, Status.SKIPPED, Reason.REFUSED, refusal) for t in scanned.targets])
    async with turn:
        prepared = prepare_file(scanned, symbols, modules)
        schedule.add(prepared.facts)
        generation = asyncio.gather(*(schedule.generate(generator, prepared.facts[t.line]) for t in scanned.targets))
        await _hand_over(generation)
    redactions = {(t.path, t.line): prepared.redactions_of(t) for t in scanned.targets}
    generated = await generation
    drafts = {g.outcome.target.line: g.draft for g in generated if g.draft is not None}
    outcomes = {g.outcome.target.line: g.outcome for g in generated}
    change = None
    if drafts:
        changed, change = await writeback.put(prepared, drafts, settings, rewriter, write)
        outcomes.update(changed)
    return FileResult([outcomes[t.line] for t in scanned.targets], change, redactions)
