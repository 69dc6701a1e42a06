"""Pace requests to use the endpoint's quota without tripping it.

Every request of a run passes through one `Pacer`, in one event loop:

    async with pacer.slot(estimated_tokens) as ticket:
        ...send the request...
    pacer.observe(remaining_requests, remaining_tokens, ticket)

and, when it failed transiently (to be retried), `pacer.failed(retry_after,
throttled=..., ticket=ticket)` (which calls `rate_limited` for a 429) and
`pacer.pause_for(retry_after)`. The ticket ties an answer to its admission.

Azure OpenAI counts a deployment's per-minute quota over short windows,
typically 1 or 10 seconds (600 RPM: at most 10 requests in any second), and
its remaining-* headers describe that window. So a slot entry waits, in this
order, for a free in-flight slot (`concurrency`), for its turn at admission
(first come, first served), then until every limit allows it:

- a request rate, spread evenly by a token bucket with a small burst
  (`rates.TokenBucket`): `rpm / 60` per second when `rpm` is given, else the
  quota the answers revealed over the window (`quota.Quota`); none while
  nothing is known;
- a token rate likewise, from `tpm` or the remaining-tokens header; a request
  larger than the bucket enters once it is full and leaves it in debt. The
  server counts tokens its own way (Azure: from the prompt's characters);
  the answers calibrate our estimates to it;
- both rates times an AIMD multiplier (`rates.Multiplier`): each burst of
  429s cuts it by 30%, it grows back by 0.05 per second. A 429 to a request
  admitted before any rate was known (a run's first burst) cuts nothing once
  the headers tell the quota: it shows the quota was unknown, not that the
  known rate is too high;
- over a long window (10 s or more), what the window still allows, spread
  until its oldest entry leaves (`Quota.window_ready`): the first burst of a
  run must not spend a 10-s window in two seconds and leave eight idle; over
  a 1-s window, what we sent within it never more than its quota;
- `pause_for(seconds)`, after a 429: no entry before the furthest deadline
  asked for, shared by all waiters;
- `observe(...)`: when the server says no request is left though our own
  entries in the window cannot have used its quota (a longer window, or
  another client), or fewer tokens remain than the next estimate, entries
  are held until the oldest of ours in the window leaves it, never longer
  than `HOLD`: then they go again, paced, and the answers decide.

The window starts at 1 s. The remaining-* headers tell a longer one within
about a second of traffic (`windowfit.WindowFit`: under the right window,
what remains plus what we sent within it is constant), and a 429's
retry-after sets the shortest window still possible. A 60-s window looks
like a 10-s one until 10 s have passed. A server sending no headers is
learned from 429s alone: the rate it answered at (over the last 10 s, or the
window) until it refused is its quota (the answers arriving within a window
of a 429 count too).

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

from docstring_hook.model.quota import Quota
from docstring_hook.model.rates import SAFETY, WINDOWS, Multiplier, TokenBucket, bucket_for

HOLD = 1.0
"""Seconds, at most, that a "nothing left" header holds entries before one probes."""

ARRIVAL_MARGIN = 0.05
"""The server counts a request when it arrives, a little after we admit it:
a hold ends this much after our oldest entry leaves the guessed window."""

MAX_PAUSE = 600.0
"""`pause_for` longer than this (or infinite) is capped; the retry layer gives up sooner."""

MAX_WAIT_ROUNDS = 100
"""Re-checks one admission may make before entering regardless (see `_admit`)."""

RATE_SPAN = 10.0
"""Seconds over which answers are counted to learn the rate of a server that sends no headers."""

MEMORY = WINDOWS[-1] + ARRIVAL_MARGIN
"""Seconds of entries and answers kept: the longest window."""


class Pacer:
    """Limits concurrency, requests and tokens per second for one run."""

    def __init__(
        self,
        concurrency: int = 8,
        rpm: int | None = None,
        tpm: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if concurrency < 1 or (rpm is not None and rpm < 1) or (tpm is not None and tpm < 1):
            raise ValueError("concurrency, rpm and tpm must be at least 1")
        self.concurrency, self.rpm, self.tpm = concurrency, rpm, tpm
        self._clock, self._sleep = clock, sleep
        self._slots = asyncio.Semaphore(concurrency)
        self._admission = asyncio.Lock()
        self._entries: deque[tuple[float, int]] = deque()  # (admitted at, estimated tokens)
        self._answers: deque[float] = deque()  # times of observe(): answered requests
        self._quota = Quota()
        self._answered_rate: float | None = None  # answers per second before a 429, with no header
        self._measure_until = -math.inf
        self._multiplier = Multiplier()
        self._first_informed: int | None = None  # the first ticket admitted at a known rate
        self._requests: TokenBucket | None = None
        self._tokens: TokenBucket | None = None
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

    @property
    def window(self) -> float:
        """Seconds of the window the server is guessed to count over."""
        return self._quota.window

    def request_rate(self) -> float | None:
        """Requests per second admission allows now; None when unlimited."""
        base = self.rpm / 60 if self.rpm is not None else self._learned(self._quota.requests()) or self._answered_rate
        return None if base is None else base * SAFETY * self._multiplier.now(self._clock())

    def token_rate(self) -> float | None:
        """Estimated tokens per second admission allows now; None when unlimited."""
        base = self.tpm / 60 if self.tpm is not None else self._learned(self._quota.tokens())
        if base is None:
            return None
        # The quota is in the server's tokens, the bucket in our estimates.
        return base / self._quota.ratio() * SAFETY * self._multiplier.now(self._clock())

    @asynccontextmanager
    async def slot(self, estimated_tokens: int) -> AsyncIterator[int]:
        """Hold one request slot, entered once every limit allows it; yields its ticket.

        Pass the ticket to `observe`/`failed`: it ties the answer to its admission.
        """
        if estimated_tokens < 0:
            raise ValueError("estimated_tokens must not be negative")
        async with self._slots:
            async with self._admission:
                ticket = await self._admit(estimated_tokens)
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            try:
                yield ticket
            finally:
                self._in_flight -= 1

    def observe(self, remaining_requests: int | None, remaining_tokens: int | None, ticket: int | None = None) -> None:
        """Take in an answer and what the server says remains; a None (header absent) leaves that limit be."""
        now = self._clock()
        self._quota.answered(ticket, remaining_requests, remaining_tokens)
        self._answers.append(now)
        self._forget_before(now - MEMORY)
        if self._answered_rate is not None and now <= self._measure_until:
            self._answered_rate = max(self._answered_rate, self._recent_answer_rate(now))
        if remaining_requests is not None:
            self._requests_held_until = self._hold_end(now) if self._unexplained(remaining_requests, now) else -math.inf
        if remaining_tokens is not None:
            self._tokens_remaining = (remaining_tokens, self._hold_end(now))

    def rate_limited(self, retry_after: float | None, *, blind: bool = False) -> None:
        """A request was answered 429: guess the window again and slow admission down.

        `blind`: the request was admitted before any rate was known, and the
        headers have told the quota since; admission is not slowed.
        """
        now = self._clock()
        self._forget_before(now - MEMORY)
        if retry_after is not None and retry_after > 0:
            self._quota.retry_after(retry_after)
        if not self._quota.known and self.rpm is None and self.tpm is None:
            # Nothing told us the quota: the rate the server did answer at until it refused is it.
            self._answered_rate = max(self._answered_rate or 0.0, self._recent_answer_rate(now))
            # The answers of the saturated moment arrive with its 429s and after: count them too.
            self._measure_until = now + self.window
        if not blind:
            self._multiplier.cut(now, spacing=min(self.window, HOLD))

    def failed(self, retry_after: float | None, *, throttled: bool, ticket: int | None = None) -> None:
        """A request failed and will be retried; a 429 (`throttled`) slows admission down."""
        if throttled:
            if ticket is not None:
                self._quota.refused(ticket)
            self.rate_limited(retry_after, blind=self._sent_blind(ticket))

    def _sent_blind(self, ticket: int | None) -> bool:
        """Whether `ticket` was admitted before any rate was known, and headers tell the quota now."""
        informed = self._first_informed
        return ticket is not None and self._quota.known and (informed is None or ticket < informed)

    def pause_for(self, seconds: float) -> None:
        """Start no new request for `seconds` (capped at `MAX_PAUSE`); NaN or <= 0 is ignored."""
        if not seconds > 0:
            return
        deadline = self._clock() + min(seconds, MAX_PAUSE)
        # The furthest deadline wins: a shorter retry-after never cancels a longer one.
        self._paused_until = max(self._paused_until, deadline)

    async def _admit(self, tokens: int) -> int:
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
        now = self._clock()
        for bucket, amount in ((self._requests, 1), (self._tokens, tokens)):
            if bucket is not None:
                bucket.take(amount, now)
        self._entries.append((now, tokens))
        ticket = self._quota.admitted(now, tokens)
        if self._first_informed is None and (self._requests is not None or self._tokens is not None):
            self._first_informed = ticket
        return ticket

    def _ready_at(self, tokens: int, now: float) -> float:
        self._forget_before(now - MEMORY)
        self._retune(now)
        return max(
            self._paused_until,
            self._requests_held_until,
            self._tokens_held_until(tokens),
            self._requests.ready_at(1, now) if self._requests else -math.inf,
            self._tokens.ready_at(tokens, now) if self._tokens else -math.inf,
            self._quota.window_ready(
                now, tokens, self._entries[-1][0] if self._entries else -math.inf, hold=HOLD, margin=ARRIVAL_MARGIN,
                requests=self.rpm * self.window / 60 if self.rpm is not None else self._quota.requests(),
                server_tokens=self.tpm * self.window / 60 if self.tpm is not None else self._quota.tokens(),
            ),
        )

    def _retune(self, now: float) -> None:
        request_rate, token_rate = self.request_rate(), self.token_rate()
        self._requests = None if request_rate is None else bucket_for(request_rate, 1, now, self._requests)
        self._tokens = None if token_rate is None else bucket_for(token_rate, 1, now, self._tokens)

    def _recent_answer_rate(self, now: float) -> float:
        # Over at least a window and up to RATE_SPAN: with a short window and some latency,
        # the answers of one window are fewer than the requests it admitted.
        first = self._entries[0][0] if self._entries else now
        span = max(self.window, min(RATE_SPAN, now - first))
        return max(1, sum(1 for t in self._answers if t > now - span)) / span

    def _learned(self, quota: float | None) -> float | None:
        return None if quota is None else quota / self.window

    def _forget_before(self, horizon: float) -> None:
        while self._entries and self._entries[0][0] <= horizon:
            self._entries.popleft()
        while self._answers and self._answers[0] <= horizon:
            self._answers.popleft()

    def _tokens_held_until(self, tokens: int) -> float:
        if self._tokens_remaining is None:
            return -math.inf
        remaining, until = self._tokens_remaining
        return until if self._quota.server_tokens(tokens) > remaining else -math.inf

    def _unexplained(self, remaining_requests: int, now: float) -> bool:
        # Paced at the quota, the window is often exactly full: that is no news. Full while
        # our own entries cannot fill it means a longer window or another client: hold, probe.
        if remaining_requests > 0:
            return False
        own = sum(1 for entered, _ in self._entries if entered > now - self.window)
        return own < SAFETY * (self._quota.most_requests or 0) - 1

    def _hold_end(self, now: float) -> float:
        inside = [entered for entered, _ in self._entries if entered > now - self.window]
        frees = min(inside) + self.window + ARRIVAL_MARGIN if inside else now + HOLD
        return min(now + HOLD, frees)
