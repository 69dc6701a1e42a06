"""Rewriting files on both cores while generation stays in one event loop.

Rendering, inserting and verifying cost CPU for every file (measured in
bench/README.md, rewrite throughput); in the event loop's thread that
would delay the dispatch of requests and leave the second core idle. Runs
with many files hand that work to a process pool; small runs (a commit)
stay in-process, where a pool's start-up (a new interpreter importing
LibCST) would cost more than it saves.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping

from docstring_hook.datatypes import DocstringDraft, FunctionFacts, RenderOptions
from docstring_hook.pool import spawn_pool
from docstring_hook.source.document import Documented, Refusal, document_or_refuse
from docstring_hook.source.refusal import may_trouble_libcst, rewriter_refusal

POOL_MIN_FILES = 16
"""With `workers = 0` (auto), a run rewriting fewer files stays in-process."""

WORKER_NICENESS = 10
"""How much lower the rewriting workers' priority is: the event loop sending requests comes first."""


class Rewriter:
    """Documents files in-process or in a pool of worker processes."""

    def __init__(self, files: int, workers: int = 0) -> None:
        count = workers or (os.cpu_count() or 1)
        wanted = count > 1 and (workers > 1 or files >= POOL_MIN_FILES)
        self._pool = spawn_pool(count, nice=WORKER_NICENESS) if wanted else None

    @property
    def pooled(self) -> bool:
        """Whether files go to worker processes."""
        return self._pool is not None

    async def document(
        self,
        text: str,
        facts: Mapping[int, FunctionFacts],
        drafts: Mapping[int, DocstringDraft],
        options: RenderOptions,
    ) -> Documented | Refusal:
        """The verified new text of one file, or why it has none."""
        if self._pool is None:
            return document_or_refuse(text, facts, drafts, options)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, document_or_refuse, text, dict(facts), dict(drafts), options)

    async def refusal(self, text: str) -> str | None:
        """Why the rewriter cannot take this file at all, or None (see `rewriter_refusal`)."""
        if self._pool is None or not may_trouble_libcst(text):
            return rewriter_refusal(text)
        return await asyncio.get_running_loop().run_in_executor(self._pool, rewriter_refusal, text)

    def close(self) -> None:
        """Stop the workers; work not started is dropped."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

