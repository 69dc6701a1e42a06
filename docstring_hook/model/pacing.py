"""Pace requests to use the endpoint's quota without tripping it.

Every request of a run passes through one `Pacer`, in one event loop:

    async with pacer.slot(estimated_tokens):
        ...send the request...
    pacer.observe(remaining_requests, remaining_tokens)

A slot entry waits, in this order, for a free in-flight slot (`concurrency`),
then for its turn at admission (first come, first served), then until every
limit allows it:

- `rpm`: at most `rpm` entries in any sliding 60-second window;
- `tpm`: the estimated tokens of the entries in any 60-second window sum to at
  most `tpm`, except that a request larger than `tpm` enters alone once the
  window is empty (otherwise it would wait forever; the server then decides);
- `pause_for(seconds)`, after a 429: no entry before the furthest deadline
  asked for, shared by all waiters;
- `observe(...)`, from the x-ratelimit-remaining-* headers: when the server
  says requests are nearly spent (at most `LOW_REQUESTS` left) or that fewer
  tokens remain than the next estimate, entries are held until our oldest
  windowed entry is 60 s old, or for 1 s when the window is empty.

The pacer knows only estimates and times; it never talks HTTP. `clock` and
`sleep` are injectable so tests run in virtual time. Every wait is a
`sleep(delay)` with a computed delay > 0, or an asyncio primitive.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

SERVER_WINDOW = 60.0
"""Seconds of the window over which the server counts requests and tokens."""

ARRIVAL_MARGIN = 1.0
"""The server counts a request when it arrives, a little after we admit it
(more for a request opening a new connection): our window is longer by this,
so it never reopens before the server's does."""

WINDOW = SERVER_WINDOW + ARRIVAL_MARGIN
"""Seconds of the sliding window that `rpm` and `tpm` are paced over."""

LOW_REQUESTS = 1
"""An observed `remaining_requests` at or below this holds new entries."""

UNKNOWN_REFRESH = 1.0
"""Seconds to hold when the server reports exhaustion but our window is empty."""

MAX_PAUSE = 600.0
"""`pause_for` longer than this (or infinite) is capped; the retry layer gives up sooner."""

MAX_WAIT_ROUNDS = 100
"""Re-checks one admission may make before entering regardless (see `_admit`)."""


class Pacer:
    """Limits concurrency, requests and tokens per minute for one run."""

    def __init__(
        self,
        concurrency: int = 8,
        rpm: int | None = None,
        tpm: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if (
            concurrency < 1
            or (rpm is not None and rpm < 1)
            or (tpm is not None and tpm < 1)
        ):
            raise ValueError("concurrency, rpm and tpm must be at least 1")
        self.concurrency, self.rpm, self.tpm = concurrency, rpm, tpm
        self._clock, self._sleep = clock, sleep
        self._slots = asyncio.Semaphore(concurrency)
        self._admission = asyncio.Lock()
        self._entries: deque[tuple[float, int]] = deque()
        self._paused_until = -math.inf
        self._requests_held_until = -math.inf
        self._tokens_remaining: tuple[int, float] | None = None
        self._in_flight = 0
        self._max_in_flight = 0

    @property
    def in_flight(self) -> int:
        """Slots entered and not yet left."""
        return self._in_flight

    @property
    def max_in_flight(self) -> int:
        """The most slots ever held at once."""
        return self._max_in_flight

    @asynccontextmanager
    async def slot(self, estimated_tokens: int) -> AsyncIterator[None]:
        """Hold one request slot, entered once every limit allows it."""
        if estimated_tokens < 0:
            raise ValueError("estimated_tokens must not be negative")
        async with self._slots:
            async with self._admission:
                await self._admit(estimated_tokens)
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            try:
                yield
            finally:
                self._in_flight -= 1

    def observe(
        self, remaining_requests: int | None, remaining_tokens: int | None
    ) -> None:
        """Take in what the server says remains; None (header absent) changes nothing."""
        now = self._clock()
        refreshed = self._refresh_time(now)
        if remaining_requests is not None:
            self._requests_held_until = (
                refreshed if remaining_requests <= LOW_REQUESTS else -math.inf
            )
        if remaining_tokens is not None:
            self._tokens_remaining = (remaining_tokens, refreshed)

    def pause_for(self, seconds: float) -> None:
        """Start no new request for `seconds` (capped at `MAX_PAUSE`); NaN or <= 0 is ignored."""
        if not seconds > 0:
            return
        deadline = self._clock() + min(seconds, MAX_PAUSE)
        # The furthest deadline wins: a shorter retry-after never cancels a longer one.
        self._paused_until = max(self._paused_until, deadline)

    async def _admit(self, tokens: int) -> None:
        # Holding the admission lock, no entry is added while we wait, so a
        # round ends early only when pause_for/observe moved a deadline (each
        # in-flight request does so at most once) or the clock woke us a hair
        # early. The cap only stops a misbehaving caller from holding the lock
        # forever; past it the request goes and the server has the last word.
        for _ in range(MAX_WAIT_ROUNDS):
            now = self._clock()
            delay = self._ready_at(tokens, now) - now
            if delay <= 0:
                break
            await self._sleep(delay)
        self._entries.append((self._clock(), tokens))

    def _ready_at(self, tokens: int, now: float) -> float:
        self._forget_before(now - WINDOW)
        return max(
            self._paused_until,
            self._requests_held_until,
            self._tokens_held_until(tokens),
            self._rpm_ready_at(),
            self._tpm_ready_at(tokens),
        )

    def _forget_before(self, horizon: float) -> None:
        # An entry exactly WINDOW seconds old no longer counts (half-open window).
        while self._entries and self._entries[0][0] <= horizon:
            self._entries.popleft()

    def _rpm_ready_at(self) -> float:
        if self.rpm is None or len(self._entries) < self.rpm:
            return -math.inf
        return self._entries[-self.rpm][0] + WINDOW

    def _tpm_ready_at(self, tokens: int) -> float:
        if self.tpm is None:
            return -math.inf
        used = sum(spent for _, spent in self._entries)
        ready = -math.inf
        # Drop the oldest entries, in order, until the new one fits or the window is empty.
        for entered, spent in self._entries:
            if used + tokens <= self.tpm:
                break
            used -= spent
            ready = entered + WINDOW
        return ready

    def _tokens_held_until(self, tokens: int) -> float:
        if self._tokens_remaining is None:
            return -math.inf
        remaining, until = self._tokens_remaining
        return until if tokens > remaining else -math.inf

    def _refresh_time(self, now: float) -> float:
        self._forget_before(now - WINDOW)
        return self._entries[0][0] + WINDOW if self._entries else now + UNKNOWN_REFRESH
