"""A generating run: scan files, obtain drafts concurrently, write each file once.

All targets of the run are generated concurrently (the pacer bounds what is
in flight); a file is rendered, verified and written as soon as all of its
own targets are settled, so an interrupted run keeps what finished.
Never prints: the result is data for `cli` and `report`.
"""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Mapping

from docstring_hook.config import Settings
from docstring_hook.datatypes import (
    DocstringDraft,
    FileChange,
    Outcome,
    Reason,
    RenderOptions,
    RunResult,
    Status,
)
from docstring_hook.model.generate import Generator
from docstring_hook.repo.files import write_atomic
from docstring_hook.scan import Scan, ScannedFile
from docstring_hook.source.document import Documented, Refusal
from docstring_hook.source.facts import describe_file
from docstring_hook.source.find import never_send
from docstring_hook.workers import Rewriter


async def run(
    found: Scan,
    settings: Settings,
    generator: Generator,
    *,
    write: bool,
    abandon: asyncio.Event | None = None,
    rewriter: Rewriter | None = None,
) -> RunResult:
    """Generate, verify and write (or diff) every file of `found`.

    Setting `abandon` cancels the work still running: files whose targets
    were all settled are already written, the others are left as they were
    and their targets reported as interrupted.
    """
    result = RunResult(problems=list(found.problems), usage=generator.usage)
    rewriter = rewriter or Rewriter(len(found.files), workers=1)
    tasks = [
        asyncio.ensure_future(_document_file(f, settings, generator, rewriter, write, result)) for f in found.files
    ]
    work = asyncio.gather(*tasks)
    stopper = asyncio.ensure_future((abandon or asyncio.Event()).wait())
    try:
        await asyncio.wait({work, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if work.done():
            work.result()
    finally:
        stopper.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        _quieten(work)
    _report_unsettled(found, result)
    return result


def _quieten(work: asyncio.Future[object]) -> None:
    # Its error, if any, was raised already or is the cancellation we caused.
    if work.done() and not work.cancelled():
        work.exception()


def _report_unsettled(found: Scan, result: RunResult) -> None:
    settled = {o.target.path for o in result.outcomes}
    for scanned in found.files:
        if scanned.source.path not in settled:
            result.outcomes.extend(
                Outcome(t, Status.SKIPPED, Reason.INTERRUPTED, "abandoned while in flight") for t in scanned.targets
            )


async def _document_file(
    scanned: ScannedFile, settings: Settings, generator: Generator, rewriter: Rewriter, write: bool, result: RunResult
) -> None:
    if never_send(scanned.source.path, settings):
        detail = "the path matches never-send: write this docstring by hand"
        result.outcomes.extend(Outcome(t, Status.SKIPPED, Reason.NEVER_SEND, detail) for t in scanned.targets)
        return
    described = describe_file(scanned.tree, scanned.lines, scanned.targets)
    facts = described.facts
    result.redactions.update({(t.path, t.line): described.redactions.get(t.line, 0) for t in scanned.targets})
    generated = await asyncio.gather(*(generator.generate(facts[t.line]) for t in scanned.targets))
    drafts = {g.outcome.target.line: g.draft for g in generated if g.draft is not None}
    outcomes = {g.outcome.target.line: g.outcome for g in generated}
    if drafts:
        options = RenderOptions(
            settings.style,
            line_length=settings.line_length,
            include_types=settings.include_types,
            encoding=scanned.source.encoding,
        )
        documented = await rewriter.document(scanned.source.text, facts, drafts, options)
        outcomes.update(_apply(scanned, drafts, documented, write, result))
    result.outcomes.extend(outcomes[t.line] for t in scanned.targets)


def _apply(
    scanned: ScannedFile,
    drafts: Mapping[int, DocstringDraft],
    documented: Documented | Refusal,
    write: bool,
    result: RunResult,
) -> dict[int, Outcome]:
    """Write (or diff) the verified text; outcomes that change because of it."""
    source = scanned.source
    targets = {t.line: t for t in scanned.targets}
    if isinstance(documented, Refusal):
        if documented.kind == "verification":
            reason = Reason.VERIFICATION
            detail = f"bug: the rewrite of {source.path} failed verification ({documented.message}); the file was left alone, please report it"
        else:
            reason, detail = Reason.REFUSED, f"LibCST cannot parse the file: {documented.message}"
        return {line: Outcome(targets[line], Status.FAILED, reason, detail) for line in drafts}
    changed = {line: Outcome(targets[line], Status.SKIPPED, Reason.REFUSED, why) for line, why in documented.refused.items()}
    if not documented.inserted:
        return changed
    if write:
        try:
            write_atomic(source.path, source.encode(documented.text))
        except OSError as error:
            detail = f"cannot write {source.path}: {error.strerror or error}"
            return {line: Outcome(targets[line], Status.FAILED, Reason.WRITE_FAILED, detail) for line in drafts}
        result.changes.append(FileChange(source.path, len(documented.inserted)))
    else:
        result.changes.append(FileChange(source.path, len(documented.inserted), _diff(source.path, source.text, documented.text)))
    return changed


def _diff(path: str, old: str, new: str) -> str:
    return "".join(
        difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}")
    )
