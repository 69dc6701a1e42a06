"""The pacer's arithmetic: token buckets, the guessed server window and the AIMD multiplier.

Azure OpenAI enforces a deployment's per-minute quota over short windows
(typically 1 or 10 seconds: 600 RPM allows 10 requests in any second), and
its `x-ratelimit-remaining-*` headers describe that short window. So rates
here are per second, spread evenly by token buckets with a small burst; the
window length is one of the documented ones (`WINDOWS`), guessed from the
answers (`quota.Quota`).
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass

WINDOWS = (1.0, 10.0, 60.0)
"""Window lengths a server may count over: Azure's documented short windows, and the minute."""

BURST_SECONDS = 0.1
"""A bucket holds this many seconds of its rate, and at least one request: a larger burst
would overrun a 1-second window whose quota is only a few requests."""

SAFETY = 0.95
"""Buckets refill at this share of the known rate: the server counts a request when it
arrives, a little after we admit it, and arrival jitter must not push two into one window."""

DECREASE = 0.7
"""A 429 multiplies the admission rate by this (multiplicative decrease)."""

RECOVERY = 0.05
"""The multiplier grows back by this much per second without a 429 (additive increase)."""

LOWEST_MULTIPLIER = 0.05
"""Successive 429s never slow admission below this share of the known rate."""


def window_for(retry_after: float) -> float:
    """The shortest documented window at least as long as `retry_after` (capped at 60 s)."""
    return next((window for window in WINDOWS if retry_after <= window), WINDOWS[-1])


class TokenBucket:
    """Admits `rate` units per second evenly, with a burst of `capacity` units.

    A request larger than the capacity enters once the bucket is full and
    leaves it in debt, so the ones after it wait for the debt to be repaid.
    """

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        if not rate > 0 or not capacity > 0:
            raise ValueError("a token bucket needs a positive rate and capacity")
        self.rate, self.capacity = rate, capacity
        self._level, self._at = capacity, now

    def retune(self, rate: float, capacity: float, now: float) -> None:
        """Change rate and capacity from `now` on; what accrued so far is kept."""
        self._refill(now)
        self.rate, self.capacity = rate, capacity
        self._level = min(self._level, capacity)

    def ready_at(self, amount: float, now: float) -> float:
        """When `amount` may enter (now or later), if nothing else enters before."""
        self._refill(now)
        missing = min(amount, self.capacity) - self._level
        return now if missing <= 0 else now + missing / self.rate

    def take(self, amount: float, now: float) -> None:
        """Let `amount` enter now (the level may go negative)."""
        self._refill(now)
        self._level -= amount

    def _refill(self, now: float) -> None:
        if now > self._at:
            self._level = min(self.capacity, self._level + (now - self._at) * self.rate)
            self._at = now


@dataclass
class Multiplier:
    """The AIMD share of the known rate that admission uses: cut on a 429, regrown with time."""

    value: float = 1.0
    at: float = -math.inf
    last_cut: float = -math.inf

    def now(self, now: float) -> float:
        """The share at `now`: the last value plus the additive recovery since."""
        if self.at == -math.inf:
            return self.value
        return min(1.0, self.value + RECOVERY * max(0.0, now - self.at))

    def cut(self, now: float, spacing: float) -> None:
        """Multiply the share by `DECREASE`, once per `spacing` seconds.

        The 429s of one overrun window arrive together; they are one signal.
        """
        if now - self.last_cut < spacing:
            return
        self.value = max(LOWEST_MULTIPLIER, self.now(now) * DECREASE)
        self.at = self.last_cut = now


def bucket_for(rate: float, unit: float, now: float, bucket: TokenBucket | None) -> TokenBucket:
    """`bucket` retuned to `rate` (a burst of `BURST_SECONDS`, at least `unit`), or a new one."""
    capacity = max(unit, rate * BURST_SECONDS)
    if bucket is None:
        return TokenBucket(rate, capacity, now)
    if bucket.rate != rate or bucket.capacity != capacity:
        bucket.retune(rate, capacity, now)
    return bucket


class TokenScale:
    """How many of the server's rate-limit tokens one of our estimated tokens is worth.

    Azure counts a request against the quota by its own estimate (from the
    prompt's characters, plus max_tokens); ours is tiktoken's count, or an
    offline over-estimate. Between the answers to two consecutive admissions
    (tickets n and n + 1) the remaining-tokens header drops by the server's
    cost of the second, so the median drop, over the median of our
    estimates, is the ratio. Answers come back out of order, so drops are
    taken between tickets, not between answers as they arrive (without
    tickets: between answers). A window letting old requests go in between
    makes a drop smaller or none, hence the medians and the minimum sample.
    Two requests admitted together (a burst) may reach the server in either
    order: their pair is skipped.
    """

    APART = 0.02
    """Seconds between two admissions for the server to see them in order."""

    SAMPLES = 16
    """Drops and estimates kept (the most recent)."""

    MINIMUM = 4
    """Drops needed before the ratio is trusted; until then it is 1."""

    def __init__(self) -> None:
        self._previous: int | None = None
        self._admitted_at: dict[int, float] = {}  # recent tickets: when admitted
        self._by_ticket: dict[int, int] = {}  # recent answers: ticket -> remaining tokens
        self._drops: deque[int] = deque(maxlen=self.SAMPLES)
        self._estimates: deque[int] = deque(maxlen=self.SAMPLES)

    def admitted(self, tokens: int, ticket: int | None = None, at: float = 0.0) -> None:
        """Our estimate of a request just admitted, its ticket and when."""
        if tokens > 0:
            self._estimates.append(tokens)
        if ticket is not None:
            self._admitted_at[ticket] = at
            if len(self._admitted_at) > 4 * self.SAMPLES:
                del self._admitted_at[min(self._admitted_at)]

    def observe(self, remaining: int, ticket: int | None = None) -> None:
        """A remaining-tokens header, and the ticket of the admission it answers (if known)."""
        if ticket is None:
            self._drop(self._previous, remaining)
            self._previous = remaining
            return
        if self._apart(ticket - 1, ticket):
            self._drop(self._by_ticket.get(ticket - 1), remaining)
        if self._apart(ticket, ticket + 1):
            self._drop(remaining, self._by_ticket.get(ticket + 1))
        self._by_ticket[ticket] = remaining
        if len(self._by_ticket) > 4 * self.SAMPLES:
            del self._by_ticket[min(self._by_ticket)]

    def _apart(self, first: int, second: int) -> bool:
        if first not in self._admitted_at or second not in self._admitted_at:
            return False
        return self._admitted_at[second] - self._admitted_at[first] >= self.APART

    def _drop(self, before: int | None, after: int | None) -> None:
        if before is not None and after is not None and after < before:
            self._drops.append(before - after)

    def typical(self) -> int:
        """Our median estimate of a request (0 before any)."""
        return int(statistics.median(self._estimates)) if self._estimates else 0

    def ratio(self) -> float:
        """Server tokens per estimated token: 1 until enough drops were seen."""
        if len(self._drops) < self.MINIMUM or not self._estimates:
            return 1.0
        return statistics.median(self._drops) / statistics.median(self._estimates)
