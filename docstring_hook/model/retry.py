"""The one retry layer: tenacity, honouring what the server says to wait.

Waits come from `retry-after-ms`/`retry-after` when present, else jittered
exponential backoff. Attempts and waiting are capped per request and per
run; a server asking for longer than `longest_retry_after` (Azure says 86400
seconds when a quota is spent) stops the run instead of stalling it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
)
from tenacity.wait import wait_random_exponential

from docstring_hook.errors import FatalAPIError
from docstring_hook.model.types import TransientError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Caps on retrying; the defaults suit a pre-commit hook and a long codemod alike."""

    max_attempts: int = 6
    max_wait_per_request: float = 300.0
    max_wait_per_run: float = 900.0
    longest_retry_after: float = 300.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0


@dataclass
class RunWaits:
    """Wall-clock seconds during which at least one request waited to retry.

    Requests waiting out the same 429 together count once: the per-run cap
    is about how long the run stalls, not the sum of parallel waits.
    """

    seconds: float = 0.0
    clock: Callable[[], float] = time.monotonic
    _waiting: int = 0
    _since: float = 0.0

    def now_total(self) -> float:
        """Seconds waited so far, counting a wait still going on."""
        ongoing = self.clock() - self._since if self._waiting else 0.0
        return self.seconds + ongoing

    def begin(self) -> None:
        """A request starts waiting."""
        if self._waiting == 0:
            self._since = self.clock()
        self._waiting += 1

    def end(self) -> None:
        """A request stops waiting."""
        self._waiting -= 1
        if self._waiting == 0:
            self.seconds += self.clock() - self._since


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    waits: RunWaits,
    *,
    on_retry: Callable[[TransientError, float], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Await `call()`, retrying `TransientError` within the policy's caps.

    The last `TransientError` is raised when the caps are reached.
    """
    backoff = wait_random_exponential(multiplier=policy.backoff_base, max=policy.backoff_cap)

    def wait(state: RetryCallState) -> float:
        error = _transient(state)
        return backoff(state) if error is None or error.retry_after is None else error.retry_after

    def stop(state: RetryCallState) -> bool:
        upcoming = state.upcoming_sleep
        over_request = state.idle_for + upcoming > policy.max_wait_per_request
        over_run = waits.now_total() + upcoming > policy.max_wait_per_run
        return stop_after_attempt(policy.max_attempts)(state) or over_request or over_run

    def before_sleep(state: RetryCallState) -> None:
        error = _transient(state)
        if on_retry is not None and error is not None:
            on_retry(error, state.upcoming_sleep)

    async def attempt() -> T:
        try:
            return await call()
        except TransientError as error:
            if error.retry_after is not None and error.retry_after > policy.longest_retry_after:
                raise FatalAPIError(
                    f"the endpoint asks to wait {error.retry_after:.0f} s: its quota is likely spent; try again later"
                ) from None
            raise

    async def counted_sleep(seconds: float) -> None:
        waits.begin()
        try:
            await sleep(seconds)
        finally:
            waits.end()

    retrying = AsyncRetrying(
        retry=retry_if_exception_type(TransientError),
        wait=wait,
        stop=stop,
        before_sleep=before_sleep,
        sleep=counted_sleep,
        reraise=True,
    )
    return await retrying(attempt)


def _transient(state: RetryCallState) -> TransientError | None:
    if state.outcome is None:
        return None
    error = state.outcome.exception()
    return error if isinstance(error, TransientError) else None
