"""The model's vocabulary: messages, completions, and the two errors a request can end in.

Shared by the client (which produces them), the retry layer, the generator
and the estimate; importing this module imports no SDK, so `--dry-run`
and the tests of generation pay for openai only where a client is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from docstring_hook.datatypes import Reason


@dataclass(frozen=True)
class Message:
    """One chat message."""

    role: str
    content: str


@dataclass(frozen=True)
class Completion:
    """One answer and what it cost."""

    content: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    remaining_requests: int | None = None
    remaining_tokens: int | None = None


class TransientError(Exception):
    """Worth another try, after `retry_after` seconds when the server said so."""

    def __init__(self, reason: Reason, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.retry_after = retry_after
        self.attempts = 1  # set by the caller that retried it


class RejectedRequest(Exception):
    """This request will never succeed as it is; `reason` goes in the report."""

    def __init__(
        self, reason: Reason, message: str, *, context_length: bool = False, context_limit: int | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.context_length = context_length
        self.context_limit = context_limit


class Completer(Protocol):
    """What generation needs of a model endpoint: one chat request at a time."""

    async def complete(self, messages: Sequence[Message], *, plain: bool = False) -> Completion:
        """Send one chat request; raise `TransientError`, `RejectedRequest` or `FatalAPIError`.

        `plain` asks for a plain-text reply (no response format) for this request only.
        """
        ...
