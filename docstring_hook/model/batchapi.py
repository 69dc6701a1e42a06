"""The Files and Batches APIs: the only module besides `client` that imports openai.

Kept apart from `client` (which is about one chat request and negotiating
its parameters) because a batch is a different conversation with the
service: upload, create, poll, download, cancel. Both build the SDK the
same way (`client.build_sdk`: same endpoint, keys and Entra ID sign-in,
`max_retries=0`), map errors the same way (`client.mapped`), and retry
through tenacity (`retry.with_retries`) alone. A batch id the service does
not know (404) is `UnknownBatch`, not a fatal error: the job was deleted or
expired from the service's records, and its lines can be sent again.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import openai

from docstring_hook.model.client import build_sdk, mapped
from docstring_hook.model.endpoint import Endpoint
from docstring_hook.model.retry import RetryPolicy, RunWaits, with_retries

T = TypeVar("T")

RUNNING = frozenset({"validating", "in_progress", "finalizing", "cancelling"})
"""Statuses of a batch that is not finished (the others: completed, failed, expired, cancelled)."""


class UnknownBatch(Exception):
    """The service answered 404 for a batch or file id it once gave us."""


@dataclass(frozen=True)
class BatchInfo:
    """What the service says about one batch."""

    id: str
    status: str
    input_file_id: str = ""
    total: int = 0
    completed: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: tuple[tuple[str, str], ...] = ()  # (code, message) of a batch that failed as a whole

    @property
    def running(self) -> bool:
        """Whether the service is still working on it."""
        return self.status in RUNNING


class BatchAPI:
    """Upload, create, retrieve, download, cancel: each call retried on transient faults."""

    def __init__(self, endpoint: Endpoint, *, timeout: float, policy: RetryPolicy | None = None) -> None:
        self._sdk = build_sdk(endpoint, timeout)
        self._policy = policy or RetryPolicy()
        self.waits = RunWaits()

    async def close(self) -> None:
        """Release the connection pool."""
        await self._sdk.close()

    async def upload(self, data: bytes, name: str) -> str:
        """Upload one JSONL file with purpose "batch"; its file id."""
        made = await self._call(lambda: self._sdk.files.create(file=(name, data, "application/jsonl"), purpose="batch"))
        return str(made.id)

    async def create(self, file_id: str, url: str, metadata: dict[str, str]) -> BatchInfo:
        """Start a batch over an uploaded file, every line to `url`, within 24 hours."""
        made = await self._call(
            lambda: self._sdk.batches.create(
                input_file_id=file_id,
                endpoint=url,  # type: ignore[arg-type]  # Azure's "/chat/completions" is not in the SDK's list
                completion_window="24h",
                metadata=metadata,
            )
        )
        return _info(made)

    async def retrieve(self, batch_id: str) -> BatchInfo:
        """The batch's status and counts; `UnknownBatch` when the service no longer knows it."""
        return _info(await self._call(lambda: self._sdk.batches.retrieve(batch_id), unknown=batch_id))

    async def cancel(self, batch_id: str) -> BatchInfo:
        """Ask the service to cancel; what is done stays and is returned."""
        return _info(await self._call(lambda: self._sdk.batches.cancel(batch_id), unknown=batch_id))

    async def find(self, file_id: str) -> BatchInfo | None:
        """The batch made over `file_id`, if any (a run killed between creating it and saving its id)."""

        async def listed() -> list[Any]:
            return [batch async for batch in self._sdk.batches.list(limit=100)]

        for batch in await self._call(listed):
            if batch.input_file_id == file_id:
                return _info(batch)
        return None

    async def delete_unused(self, name: str) -> None:
        """Delete the batch input files called `name` that no batch uses (left by a run killed while uploading)."""

        async def listed() -> list[Any]:
            return [file async for file in self._sdk.files.list(purpose="batch")]

        unused = [str(f.id) for f in await self._call(listed) if f.filename == name]
        for file_id in [i for i in unused if await self.find(i) is None]:
            with contextlib.suppress(UnknownBatch):  # already gone
                await self._call(functools.partial(self._sdk.files.delete, file_id), unknown=file_id)

    async def content(self, file_id: str) -> str:
        """An output or error file's text."""
        response = await self._call(lambda: self._sdk.files.content(file_id), unknown=file_id)
        return response.text

    async def _call(self, call: Callable[[], Awaitable[T]], unknown: str | None = None) -> T:
        async def attempt() -> T:
            try:
                return await call()
            except openai.APIError as error:
                if unknown is not None and isinstance(error, openai.NotFoundError):
                    raise UnknownBatch(unknown) from None
                raise mapped(error) from None

        return await with_retries(attempt, self._policy, self.waits)


def _info(batch: Any) -> BatchInfo:
    counts = batch.request_counts
    errors = batch.errors.data if batch.errors is not None and batch.errors.data else []
    return BatchInfo(
        id=batch.id,
        status=batch.status,
        input_file_id=batch.input_file_id or "",
        total=counts.total if counts else 0,
        completed=counts.completed if counts else 0,
        failed=counts.failed if counts else 0,
        output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        errors=tuple((e.code or "", e.message or "") for e in errors),
    )
