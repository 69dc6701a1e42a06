"""The pacer against a server enforcing its quota over 1-, 10- and 60-second windows, in virtual time.

`WindowServer` counts as tests/fake_azure.py does with `rate_window`: a
sliding window of `window` seconds holding `rpm * window / 60` requests (or
tokens), a 429 with retry-after until the oldest leaves it, the remaining
requests/tokens of that window on every answer, or no header at all. Each
task sends one request through the pacer as `generate.py` does, retrying a
429 after its retry-after.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass

import pytest

from docstring_hook.model.pacing import Pacer
from tests.test_pacing import FakeClock

LATENCY = 0.3
TOKENS = 1_000


class WindowServer:
    """A sliding-window rate limiter in virtual time."""

    def __init__(self, clock: FakeClock, window: float, *, rpm: int | None, tpm: int | None, headers: bool,
                 charge: int = TOKENS, other: Other | None = None) -> None:
        self.clock, self.window, self.headers, self.charge, self.other = clock, window, headers, charge, other
        self.requests = None if rpm is None else rpm * window / 60
        self.tokens = None if tpm is None else tpm * window / 60
        self.log: deque[tuple[float, int]] = deque()
        self.answered = self.refused = 0
        self.intervals: list[tuple[float, float]] = []
        self._other_at = -window if other and other.steady else 0.0

    def take(self) -> tuple[float | None, int | None, int | None]:
        """(retry_after, remaining requests, remaining tokens) for a request arriving now."""
        now, cost = self.clock(), self.charge
        self._other_client(now)
        while self.log and self.log[0][0] <= now - self.window:
            self.log.popleft()
        used = sum(spent for _, spent in self.log)
        if (self.requests is not None and len(self.log) >= self.requests) or (
            self.tokens is not None and used + cost > self.tokens
        ):
            self.refused += 1
            oldest = self.log[0][0] if self.log else now
            return max(1, math.ceil(oldest + self.window - now)), None, None
        self.log.append((now, cost))
        self.answered += 1
        if not self.headers:
            return None, None, None
        requests = None if self.requests is None else int(self.requests) - len(self.log)
        tokens = None if self.tokens is None else int(self.tokens) - used - cost
        return None, requests, tokens


    def _other_client(self, now: float) -> None:
        # Another client of the deployment, sending evenly: its requests count, its answers are not ours.
        if self.other is None:
            return
        quota = self.requests if self.requests is not None else (self.tokens or 0) / self.charge
        spacing = self.window / (quota * self.other.share)
        while self._other_at + spacing <= now:
            self._other_at += spacing
            self.log.append((self._other_at, self.charge))
        self.log = deque(sorted(self.log))


@dataclass(frozen=True)
class Other:
    """Another client on the deployment: its share of the quota, and whether it was there before us."""

    share: float
    steady: bool


@dataclass(frozen=True)
class Outcome:
    """What a run did: answers per second against the quota's rate, share of 429s, longest idle gap."""

    goodput: float
    refused_share: float
    longest_gap: float
    window: float


def run(window: float, *, rpm: int | None = None, tpm: int | None = None, flags: bool, headers: bool, targets: int,
        concurrency: int = 8, charge: int = TOKENS, other: Other | None = None) -> Outcome:
    clock = FakeClock()
    server = WindowServer(clock, window, rpm=rpm, tpm=tpm, headers=headers, charge=charge, other=other)
    pacer = Pacer(concurrency=concurrency, rpm=rpm if flags else None, tpm=tpm if flags else None,
                  clock=clock, sleep=clock.sleep)

    async def target() -> None:
        for _ in range(100):  # bounded retries
            async with pacer.slot(TOKENS) as ticket:
                start = clock()
                await asyncio.sleep(0.01)  # on its way
                retry_after, requests, tokens = server.take()
                await asyncio.sleep(LATENCY)
                server.intervals.append((start, clock()))
            if retry_after is None:
                pacer.observe(requests, tokens, ticket)
                return
            pacer.failed(retry_after, throttled=True, ticket=ticket)
            pacer.pause_for(retry_after)
            await asyncio.sleep(retry_after)

    async def main() -> None:
        await asyncio.gather(*(target() for _ in range(targets)))

    clock.run(main)
    intervals = sorted(server.intervals)
    gap, end = 0.0, intervals[0][1]
    for start, stop in intervals:
        gap, end = max(gap, start - end), max(end, stop)
    per_second = rpm / 60 if rpm is not None else (tpm or 0) / 60 / charge
    goodput = server.answered / (end - intervals[0][0]) / per_second
    return Outcome(goodput, server.refused / (server.answered + server.refused), gap, pacer.window)


WINDOWS = [pytest.param(1.0, id="1s"), pytest.param(10.0, id="10s"), pytest.param(60.0, id="60s")]
QUOTAS = [pytest.param({"rpm": 120}, id="rpm"), pytest.param({"tpm": 120_000}, id="tpm")]


def targets_for(window: float) -> int:
    return 240 if window == 60 else 120  # at least two windows' worth, and a minute


@pytest.mark.parametrize("quota", QUOTAS)
@pytest.mark.parametrize("window", WINDOWS)
def test_with_the_quota_given_admissions_are_spread_and_never_refused(window: float, quota: dict[str, int]) -> None:
    outcome = run(window, flags=True, headers=True, targets=targets_for(window), **quota)  # type: ignore[arg-type]
    assert outcome.refused_share == 0
    assert outcome.goodput >= 0.9
    assert outcome.longest_gap < 1.0


@pytest.mark.parametrize("kind", ["rpm", "tpm"])
@pytest.mark.parametrize("window", [pytest.param(1.0, id="1s"), pytest.param(10.0, id="10s")])
def test_with_headers_the_pacer_learns_a_short_window_without_stalling(window: float, kind: str) -> None:
    # A 10-s window is told from a 1-s one by the headers within about a second: here before the
    # first burst (8 at a time, 26 a second) has spent it (50 a window). What it still allows is
    # then spread until its oldest entry leaves. (A window spent within the first second still
    # costs one wait, as without headers: see the test below.)
    quota = {"rpm": 300} if kind == "rpm" else {"tpm": 300_000}
    outcome = run(window, flags=False, headers=True, targets=200, **quota)  # type: ignore[arg-type]
    assert outcome.window == window
    assert outcome.refused_share <= 0.05
    assert outcome.goodput >= 0.9
    assert outcome.longest_gap <= 1.5


@pytest.mark.parametrize("quota", QUOTAS)
def test_with_headers_a_minute_window_costs_one_stall_and_few_429s(quota: dict[str, int]) -> None:
    # Until 10 s have passed a 60-s window looks like a 10-s one, and the first burst has spent
    # most of it by then: one wait for the window is left (give --rpm/--tpm to avoid it).
    outcome = run(60.0, flags=False, headers=True, targets=targets_for(60.0), **quota)  # type: ignore[arg-type]
    assert outcome.window == 60.0
    assert outcome.refused_share <= 0.02
    assert outcome.goodput >= 0.9
    assert outcome.longest_gap <= 60.0


@pytest.mark.parametrize("quota", QUOTAS)
@pytest.mark.parametrize("window", WINDOWS)
def test_without_headers_the_pacer_learns_from_429s(window: float, quota: dict[str, int]) -> None:
    outcome = run(window, flags=False, headers=False, targets=targets_for(window), **quota)  # type: ignore[arg-type]
    assert outcome.refused_share <= 0.05
    assert outcome.goodput >= 0.85
    assert outcome.window == window  # learned from the first 429's retry-after
    # The one stall allowed: the first window, spent in a burst before the first 429 says how long it is.
    assert outcome.longest_gap <= max(1.5, window)


@pytest.mark.parametrize("window", [pytest.param(1.0, id="1s"), pytest.param(10.0, id="10s")])
def test_another_steady_client_on_the_deployment_leaves_us_the_rest(window: float) -> None:
    outcome = run(window, rpm=1200, flags=False, headers=True, targets=300, other=Other(0.3, steady=True))
    assert outcome.window == window
    assert outcome.refused_share <= 0.05
    assert outcome.goodput >= 0.6  # of the whole quota, 70% of which is left to us
    assert outcome.longest_gap <= 1.5


def test_a_client_starting_beside_us_never_stalls_us_past_a_window() -> None:
    # Its load grows over the first window, which no window explains: the headers mislead the fit,
    # but our own bookkeeping never holds entries past HOLD; 429s' retry-after have the last word.
    outcome = run(10.0, tpm=1_200_000, flags=False, headers=True, targets=300, other=Other(0.6, steady=False))
    assert outcome.refused_share <= 0.05
    assert outcome.longest_gap < 10.0


def test_a_one_second_window_is_not_overrun_while_its_answers_are_on_their_way() -> None:
    # 20 requests of 1,000 tokens a second: the window is full before the first answers say so.
    outcome = run(1.0, tpm=1_200_000, flags=False, headers=True, targets=400)
    assert outcome.refused_share == 0
    assert outcome.goodput >= 0.9


def test_the_issue_scenario_600_rpm_over_one_second_at_concurrency_32() -> None:
    for flags in (True, False):
        outcome = run(1.0, rpm=600, tpm=None, flags=flags, headers=True, targets=450, concurrency=32)
        assert outcome.refused_share <= 0.05
        assert outcome.goodput >= 0.85
        assert outcome.longest_gap <= 1.5


@pytest.mark.parametrize("flags", [pytest.param(True, id="tpm-given"), pytest.param(False, id="tpm-learned")])
@pytest.mark.parametrize("window", WINDOWS)
def test_tokens_are_calibrated_to_the_servers_count(window: float, flags: bool) -> None:
    # We estimate 1,000 tokens a request (offline over-estimate); the server counts 550.
    # Calibration needs two requests in one window: 20 a window here. (At two a 1-s
    # window our estimate's pace sends one a window, and the header cannot tell.)
    tpm = 660_000 if window == 1 else 66_000
    outcome = run(window, tpm=tpm, flags=flags, headers=True, 
                  targets=600 if window == 1 else targets_for(window), charge=550)
    assert outcome.refused_share <= 0.05
    assert outcome.goodput >= 0.85
