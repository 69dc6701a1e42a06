"""Putting a file's settled drafts on disk: render, verify, then write or diff; never over a user's edit.

A long run reads a file at its start and writes it minutes or hours later.
Just before the rename, `write_atomic` checks that the file still holds
the bytes that were read; if the user saved it meanwhile, the file is read
again and the same drafts (already paid for) are applied to the new text,
each to the definition with the same qualified name and the same code,
through the same verification. If a drafted definition changed or
vanished, the file is left as the user made it and those targets are
reported `changed-during-run` (their answers are cached: a rerun is free).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Mapping
from pathlib import Path

from docstring_hook.config import Settings
from docstring_hook.datatypes import DocstringDraft, FileChange, Outcome, Reason, RenderOptions, Status
from docstring_hook.prepare import PreparedFile, prepare_file
from docstring_hook.repo.files import ChangedOnDisk, write_atomic
from docstring_hook.scan import ScannedFile, scan_file
from docstring_hook.source.document import Documented, Refusal
from docstring_hook.workers import Rewriter

Settled = tuple[dict[int, Outcome], FileChange | None]
"""The outcomes that change because of writing (by definition line), and the file's change."""

CHANGED_DETAIL = "the file changed during the run and this definition with it: run again (the answer is cached)"


async def put(
    prepared: PreparedFile, drafts: Mapping[int, DocstringDraft], settings: Settings, rewriter: Rewriter, write: bool
) -> Settled:
    """Render, insert and verify the drafts (keyed by definition line), then write the file or diff it."""
    documented = await rewriter.document(
        prepared.scanned.source.text, prepared.facts, drafts, _options(prepared, settings)
    )
    try:
        return _settle(prepared, drafts, documented, write)
    except ChangedOnDisk:
        return await _reapply(prepared, drafts, settings, rewriter)


def _options(prepared: PreparedFile, settings: Settings) -> RenderOptions:
    return RenderOptions(
        settings.style.concrete,
        line_length=settings.line_length,
        include_types=settings.include_types,
        encoding=prepared.scanned.source.encoding,
    )


def _settle(
    prepared: PreparedFile, drafts: Mapping[int, DocstringDraft], documented: Documented | Refusal, write: bool
) -> Settled:
    """Write (or diff) the verified text; `ChangedOnDisk` when the file is no longer what was read."""
    source = prepared.scanned.source
    targets = {t.line: t for t in prepared.scanned.targets}
    if isinstance(documented, Refusal):
        if documented.kind == "verification":
            reason = Reason.VERIFICATION
            detail = (
                f"bug: the rewrite of {source.path} failed verification ({documented.message}); "
                "the file was left alone, please report it"
            )
        else:
            reason, detail = Reason.REFUSED, f"LibCST cannot parse the file: {documented.message}"
        return {line: Outcome(targets[line], Status.FAILED, reason, detail) for line in drafts}, None
    changed = {
        line: Outcome(targets[line], Status.SKIPPED, Reason.REFUSED, why) for line, why in documented.refused.items()
    }
    if not documented.inserted:
        return changed, None
    if not write:
        diff = _diff(_shown_path(source.path), source.raw, source.encode(documented.text))
        return changed, FileChange(source.path, len(documented.inserted), diff)
    try:
        write_atomic(source.path, source.encode(documented.text), expected=source)
    except ChangedOnDisk:
        raise
    except OSError as error:
        detail = f"cannot write {source.path}: {error.strerror or error}"
        return {line: Outcome(targets[line], Status.FAILED, Reason.WRITE_FAILED, detail) for line in drafts}, None
    return changed, FileChange(source.path, len(documented.inserted))


async def _reapply(
    prepared: PreparedFile, drafts: Mapping[int, DocstringDraft], settings: Settings, rewriter: Rewriter
) -> Settled:
    """The same drafts on the file as it is now, when every drafted definition is still there unchanged."""
    gave_up = _changed(prepared, drafts)
    fresh = scan_file(prepared.scanned.source.path, settings)
    if not isinstance(fresh, ScannedFile):
        return gave_up
    now = prepare_file(fresh)
    moved = _new_lines(prepared, drafts, now)
    if moved is None:
        return gave_up
    redrafted = {moved[line]: draft for line, draft in drafts.items()}
    documented = await rewriter.document(fresh.source.text, now.facts, redrafted, _options(now, settings))
    try:
        outcomes, change = _settle(now, redrafted, documented, write=True)
    except ChangedOnDisk:
        return gave_up  # edited again while we worked: the user is busy with this file
    back = {new: old for old, new in moved.items()}
    original = {t.line: t for t in prepared.scanned.targets}
    return {
        back[line]: dataclasses.replace(o, target=original[back[line]]) for line, o in outcomes.items()
    }, change


def _new_lines(
    prepared: PreparedFile, drafts: Mapping[int, DocstringDraft], now: PreparedFile
) -> dict[int, int] | None:
    """Each drafted definition's line in the new text (same qualified name, same code), or None."""
    moved = {}
    for line in drafts:
        old = prepared.facts[line]
        same = [
            f.target.line
            for f in now.facts.values()
            if f.target.qualname == old.target.qualname and f.source == old.source
        ]
        if len(same) != 1:
            return None
        moved[line] = same[0]
    return moved


def _changed(prepared: PreparedFile, drafts: Mapping[int, DocstringDraft]) -> Settled:
    targets = {t.line: t for t in prepared.scanned.targets}
    return {line: Outcome(targets[line], Status.SKIPPED, Reason.CHANGED, CHANGED_DETAIL) for line in drafts}, None


def _shown_path(path: str) -> str:
    """The path a patch names: a symbolic link's target, which is the file that changes."""
    if not os.path.islink(path):
        return path
    return os.path.relpath(os.path.realpath(path))


def _diff(path: str, old: bytes, new: bytes) -> bytes:
    """A unified diff of the file's bytes, so that `git apply` and `patch -p1` take it for any encoding."""
    name = os.fsencode(Path(path).as_posix())
    lines = difflib.diff_bytes(
        difflib.unified_diff, old.splitlines(keepends=True), new.splitlines(keepends=True), b"a/" + name, b"b/" + name
    )
    return b"".join(
        line if line.endswith((b"\n", b"\r")) else line + b"\n\\ No newline at end of file\n" for line in lines
    )
