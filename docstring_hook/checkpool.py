"""`--check` over a large tree on every core: files scanned in worker processes, results in file order.

A worker sends back small data (targets, counts, problems and the rewriter's
refusal), never a tree or a file's text. It imports only what scanning needs
(`ast`, the finder, and LibCST for the rare file `rewriter_refusal` has to
parse), so it starts in about the time of a bare interpreter. Small runs, such
as a commit's handful of files, stay in-process, where that start-up would
cost more than the pool saves.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from docstring_hook.config import Settings
from docstring_hook.datatypes import FileProblem, Target
from docstring_hook.pool import spawn_pool, usable_cores
from docstring_hook.repo.files import discover
from docstring_hook.scan import ScannedFile, scan_file
from docstring_hook.source.refusal import rewriter_refusal

if TYPE_CHECKING:
    from docstring_hook.repo.git import ChangedLines

CHECK_POOL_MIN_FILES = 64
"""With `workers = 0` (auto), a `--check` of fewer files stays in-process (a commit's handful always does)."""

CHECK_POOL_MIN_BYTES = 2_000_000
"""... and so does one of fewer bytes: there a worker's start-up (0.1 s) outweighs the second core (bench/README.md)."""

CHUNK_FILES = 8
"""Files per task sent to a worker: enough to amortise a round trip, few enough to balance the cores."""

Job = tuple[str, Collection[int] | None]


@dataclass(frozen=True)
class Checked:
    """What `--check` keeps of one file: its targets and count, or why it was left alone."""

    path: str
    targets: tuple[Target, ...] = ()
    selected: int = 0
    problem: FileProblem | None = None
    unwritable: FileProblem | None = None  # the rewriter could not take this file


def check_file(path: str, settings: Settings, changed_lines: Collection[int] | None) -> Checked | None:
    """One file's result, or None when the file is passed over (generated, skip-file)."""
    scanned = scan_file(path, settings, changed_lines)
    if scanned is None:
        return None
    if not isinstance(scanned, ScannedFile):
        return Checked(path, problem=scanned)
    refusal = rewriter_refusal(scanned.source.text) if scanned.targets else None
    unwritable = None if refusal is None else FileProblem(scanned.source.path, refusal)
    return Checked(scanned.source.path, tuple(scanned.targets), scanned.selected, unwritable=unwritable)


def check_chunk(jobs: Sequence[Job], settings: Settings) -> list[Checked | None]:
    """The results of some files, in their order: the unit of work of a worker process."""
    with _collector_paused():
        return [check_file(path, settings, changed) for path, changed in jobs]


def checked_files(
    paths: Sequence[str], settings: Settings, changes: ChangedLines | None = None
) -> Iterator[Checked | None]:
    """Every file under `paths` checked, in discovery order, in a pool when the run is large."""
    found = discover(paths, settings.root, settings.exclude_globs)
    jobs = [(path, None if changes is None else changes.of(path)) for path in found]
    size = _total_bytes(found) if len(found) >= CHECK_POOL_MIN_FILES else 0
    count = pool_size(len(jobs), size, settings.workers, usable_cores())
    if count <= 1:
        yield from check_chunk(jobs, settings)
        return
    pool = spawn_pool(count)
    try:
        chunks = [jobs[start : start + CHUNK_FILES] for start in range(0, len(jobs), CHUNK_FILES)]
        # `map` yields in submission order whatever order the workers finish in: the output is the in-process one.
        for results in pool.map(check_chunk, chunks, [settings] * len(chunks)):
            yield from results
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def pool_size(files: int, size: int, workers: int, cores: int) -> int:
    """Worker processes for a `--check` of `files` files, `size` bytes, on `cores` usable cores; 1 means in-process.

    `workers = 1` keeps every run in-process and `workers = n > 1` always uses
    n processes; `0` (auto) uses one per usable core once a run has
    `CHECK_POOL_MIN_FILES` files and `CHECK_POOL_MIN_BYTES` bytes.
    """
    if workers:
        return workers
    return cores if files >= CHECK_POOL_MIN_FILES and size >= CHECK_POOL_MIN_BYTES else 1


def _total_bytes(paths: Sequence[str]) -> int:
    total = 0
    for path in paths:
        try:
            total += os.path.getsize(path)
        except OSError:
            pass  # the scan reports the file
    return total


@contextmanager
def _collector_paused() -> Iterator[None]:
    # Each tree is dropped before the next file is parsed and holds no reference cycle, yet the
    # collector would walk its nodes again and again while they are allocated (a fifth of the CPU).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
