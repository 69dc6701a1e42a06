from __future__ import annotations

import asyncio
import itertools
import selectors
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import pytest

from docstring_hook.model.pacing import ARRIVAL_MARGIN, HOLD, MAX_PAUSE, Pacer
from docstring_hook.model.rates import DECREASE, RECOVERY, SAFETY

T = TypeVar("T")


class _InstantSelector:
    """The loop's selector, except that waiting for a timeout advances fake time."""

    def __init__(self, clock: FakeClock) -> None:
        self._inner = selectors.DefaultSelector()
        self._clock = clock

    def select(
        self, timeout: float | None = None
    ) -> list[tuple[selectors.SelectorKey, int]]:
        events = self._inner.select(0)
        if events:
            return events
        if timeout is None:
            raise RuntimeError("deadlock: every task waits and no timer is pending")
        self._clock.now += timeout
        return []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class FakeClock:
    """Virtual time: an event loop whose timers fire at once, advancing `now`.

    Unlike a `sleep` that merely adds its delay to a counter, concurrent
    sleepers overlap as they would in real time: three tasks sleeping 1 s
    together advance the clock by 1 s, not 3 s.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        """The pacer's sleep: records every delay, then waits in virtual time."""
        self.sleeps.append(delay)
        await asyncio.sleep(delay)

    def run(self, main: Callable[[], Coroutine[Any, Any, T]]) -> T:
        loop = asyncio.SelectorEventLoop(_InstantSelector(self))  # type: ignore[arg-type]
        loop.time = self  # type: ignore[method-assign]
        try:
            return loop.run_until_complete(main())
        finally:
            loop.close()


def entry_times(
    clock: FakeClock,
    pacer: Pacer,
    sizes: list[int],
    body: Callable[[], Awaitable[object]] | None = None,
) -> Callable[[], Coroutine[Any, Any, list[float]]]:
    """A main coroutine sending one task per size; it returns their entry times."""

    async def request(tokens: int) -> float:
        async with pacer.slot(tokens):
            entered = clock()
            if body is not None:
                await body()
        return entered

    async def main() -> list[float]:
        return list(await asyncio.gather(*(request(size) for size in sizes)))

    return main


def paced(clock: FakeClock, **limits: int | None) -> Pacer:
    return Pacer(clock=clock, sleep=clock.sleep, **limits)  # type: ignore[arg-type]


def gaps(times: list[float]) -> list[float]:
    return [round(later - earlier, 6) for earlier, later in itertools.pairwise(times)]


def test_rpm_spreads_entries_evenly_at_a_little_under_the_rate() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=20, rpm=60)
    times = clock.run(entry_times(clock, pacer, [10] * 6))
    # One per 1/0.95 s: never two in any one-second window, however short the server's.
    assert times[0] == 0.0
    assert gaps(times) == [round(1 / (60 / 60 * SAFETY), 6)] * 5
    assert all(delay > 0 for delay in clock.sleeps)


def test_tpm_spaces_entries_by_their_tokens() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=20, tpm=6000)  # 95 tokens a second
    times = clock.run(entry_times(clock, pacer, [95, 190, 95, 95]))
    # Each entry leaves the bucket in debt by its tokens, repaid at 95 a second.
    assert gaps(times) == [pytest.approx(1.0, abs=0.02), pytest.approx(2.0, abs=0.02), pytest.approx(1.0, abs=0.02)]


def test_a_request_larger_than_the_bucket_enters_and_the_next_waits_its_debt() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=20, tpm=600)  # 9.5 tokens a second
    times = clock.run(entry_times(clock, pacer, [10, 5000, 10]))
    assert times[0] == 0.0
    assert times[1] == pytest.approx(10 / 9.5, abs=0.2)
    assert times[2] - times[1] == pytest.approx(5000 / 9.5, abs=0.2)


def test_rpm_and_tpm_together_take_the_later_time() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=20, rpm=60, tpm=6000)
    times = clock.run(entry_times(clock, pacer, [10, 10, 285, 10]))
    # rpm alone: 1.05 s apart; the 285-token entry makes the next wait 3 s for its debt.
    assert gaps(times)[:2] == [pytest.approx(1 / SAFETY, abs=0.01)] * 2
    assert gaps(times)[2] == pytest.approx(3.0, abs=0.05)


def test_concurrency_caps_the_slots_held_at_once() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=3)
    clock.run(entry_times(clock, pacer, [1] * 10, body=lambda: asyncio.sleep(1)))
    assert pacer.max_in_flight == 3
    assert pacer.in_flight == 0
    assert clock() == 4.0


def test_pause_for_delays_every_new_entry() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=20)
    pacer.pause_for(5)
    times = clock.run(entry_times(clock, pacer, [1] * 4))
    assert times == [5.0] * 4


def test_a_pause_during_a_wait_is_respected_and_the_furthest_pause_wins() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=20, rpm=1)

    async def main() -> list[float]:
        first = await entry_times(clock, pacer, [1])()
        waiting = asyncio.ensure_future(entry_times(clock, pacer, [1])())
        await asyncio.sleep(10)
        pacer.pause_for(100)  # the waiter sleeps until 61, then must see this
        pacer.pause_for(1)  # shorter: cancels nothing
        return first + await waiting

    assert clock.run(main) == [0.0, 110.0]


def test_pause_for_ignores_nonsense_and_caps_infinity() -> None:
    clock = FakeClock()
    pacer = paced(clock)
    for seconds in (0.0, -3.0, float("nan")):
        pacer.pause_for(seconds)
    assert clock.run(entry_times(clock, pacer, [1])) == [0.0]
    pacer.pause_for(float("inf"))
    assert clock.run(entry_times(clock, pacer, [1])) == [MAX_PAUSE]


def test_exhaustion_our_entries_cannot_explain_holds_a_second_then_probes() -> None:
    clock = FakeClock()
    pacer = paced(clock)

    async def main() -> list[float]:
        times = await entry_times(clock, pacer, [1])()
        await asyncio.sleep(0.5)
        # A quota of 20 a window, all spent, though we sent one: another client, or a long window.
        pacer.observe(remaining_requests=19, remaining_tokens=None)
        pacer.observe(remaining_requests=0, remaining_tokens=None)
        return times + await entry_times(clock, pacer, [1])()

    # Held until our one entry leaves the guessed 1-second window (plus the arrival margin).
    assert clock.run(main) == [0.0, pytest.approx(1.0 + ARRIVAL_MARGIN)]


def test_exhaustion_with_an_empty_window_holds_one_second() -> None:
    clock = FakeClock()
    pacer = paced(clock)
    pacer.observe(remaining_requests=5, remaining_tokens=None)
    pacer.observe(remaining_requests=0, remaining_tokens=None)
    assert clock.run(entry_times(clock, pacer, [1])) == [HOLD]


def test_exhaustion_our_own_paced_entries_explain_holds_nothing() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=20)

    async def main() -> list[float]:
        pacer.observe(remaining_requests=3, remaining_tokens=None)  # a quota of 4 per window
        times = await entry_times(clock, pacer, [1] * 4)()
        pacer.observe(remaining_requests=0, remaining_tokens=None)  # we filled it ourselves
        return times + await entry_times(clock, pacer, [1])()

    times = clock.run(main)
    # 4 a second, spread: the fifth comes one interval after the fourth, not a hold later.
    assert gaps(times) == [pytest.approx(1 / (4 * SAFETY), abs=1e-6)] * 4


def test_plenty_remaining_lifts_a_hold_and_none_keeps_it() -> None:
    clock = FakeClock()
    pacer = paced(clock)
    pacer.observe(remaining_requests=50, remaining_tokens=None)
    pacer.observe(remaining_requests=0, remaining_tokens=None)
    pacer.observe(remaining_requests=None, remaining_tokens=None)
    assert clock.run(entry_times(clock, pacer, [1])) == [HOLD]
    pacer.observe(remaining_requests=0, remaining_tokens=None)
    pacer.observe(remaining_requests=50, remaining_tokens=None)
    assert clock.run(entry_times(clock, pacer, [1])) == [HOLD]


def test_few_remaining_tokens_hold_only_larger_requests() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=20)

    async def main() -> list[float]:
        times = await entry_times(clock, pacer, [10])()
        pacer.observe(remaining_requests=None, remaining_tokens=100)
        return times + await entry_times(clock, pacer, [50, 400, 50])()

    times = clock.run(main)
    # The 50 fits what remains; the 400 waits for the hold's end (never over HOLD); the
    # last 50 repays the 400's debt at the learned rate: the most remaining (100) plus
    # our median request (50 of 10, 50, 400), a second.
    assert times[:3] == [0.0, 0.0, HOLD]
    assert times[3] - times[2] == pytest.approx(400 / (150 * SAFETY), abs=0.05)


@pytest.mark.parametrize(
    ("retry_after", "window"),
    [
        pytest.param(None, 1.0, id="no-retry-after"),
        pytest.param(0.4, 1.0, id="sub-second"),
        pytest.param(1, 1.0, id="one-second"),
        pytest.param(7, 10.0, id="ten-second-window"),
        pytest.param(10, 10.0, id="ten-exactly"),
        pytest.param(54, 60.0, id="minute-window"),
        pytest.param(3600, 60.0, id="capped-at-a-minute"),
    ],
)
def test_a_429_guesses_the_window_from_retry_after(retry_after: float | None, window: float) -> None:
    clock = FakeClock()
    pacer = paced(clock)
    pacer.rate_limited(retry_after)
    assert pacer.window == window
    pacer.rate_limited(0.5)  # a shorter one later never shrinks the guess
    assert pacer.window == window


def test_429s_cut_the_rate_multiplicatively_once_a_window_and_time_restores_it() -> None:
    clock = FakeClock()
    pacer = paced(clock, rpm=600)
    full = pacer.request_rate()
    assert full == pytest.approx(10 * SAFETY)
    pacer.rate_limited(1)
    pacer.rate_limited(1)  # the same overrun window: one signal
    assert pacer.request_rate() == pytest.approx(full * DECREASE)
    clock.now += 1.0
    pacer.rate_limited(1)
    cut_twice = (DECREASE + RECOVERY) * DECREASE  # a second of recovery, then the cut
    assert pacer.request_rate() == pytest.approx(full * cut_twice)
    clock.now += 5.0
    assert pacer.request_rate() == pytest.approx(full * (cut_twice + 5 * RECOVERY))
    clock.now += 1000.0
    assert pacer.request_rate() == pytest.approx(full)


def test_failed_cuts_the_rate_only_for_a_429() -> None:
    clock = FakeClock()
    pacer = paced(clock, rpm=600)
    pacer.failed(30, throttled=False)
    assert (pacer.request_rate(), pacer.window) == (pytest.approx(10 * SAFETY), 1.0)
    pacer.failed(30, throttled=True)
    assert (pacer.request_rate(), pacer.window) == (pytest.approx(10 * SAFETY * DECREASE), 60.0)


@pytest.mark.parametrize(
    ("rpm", "remaining", "admitted_after_the_answer", "rate"),
    [
        pytest.param(None, 9, False, 10 * SAFETY, id="sent blind, before the header told the quota: no cut"),
        pytest.param(None, 9, True, 10 * SAFETY * DECREASE, id="sent at the known rate: it was too high"),
        pytest.param(None, None, False, 1 * SAFETY * DECREASE, id="no header: one answer in a second is the rate"),
        pytest.param(600, 9, False, 10 * SAFETY * DECREASE, id="--rpm given: the first request knew the rate"),
    ],
)
def test_a_429_slows_admission_unless_it_was_sent_before_any_rate_was_known(
    rpm: int | None, remaining: int | None, admitted_after_the_answer: bool, rate: float
) -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=20, rpm=rpm)

    async def admit() -> int:
        async with pacer.slot(1) as ticket:
            return ticket

    blind = clock.run(admit)
    pacer.observe(remaining_requests=remaining, remaining_tokens=None)
    ticket = clock.run(admit) if admitted_after_the_answer else blind
    pacer.failed(1, throttled=True, ticket=ticket)
    assert pacer.request_rate() == pytest.approx(rate)


def test_the_learned_quota_is_spread_over_the_guessed_window() -> None:
    clock = FakeClock()
    pacer = paced(clock)
    assert pacer.request_rate() is None and pacer.token_rate() is None
    pacer.observe(remaining_requests=19, remaining_tokens=None)
    assert pacer.request_rate() == pytest.approx(20 * SAFETY)
    pacer.rate_limited(8)  # the window is 10 s: 20 per 10 s
    assert pacer.request_rate() == pytest.approx(2 * SAFETY * DECREASE)


def test_without_headers_the_rate_answered_before_a_429_is_the_quota() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=20)

    async def main() -> None:
        await entry_times(clock, pacer, [1] * 20)()
        for _ in range(20):  # 20 answers in the first two seconds
            await asyncio.sleep(0.1)
            pacer.observe(None, None)

    clock.run(main)
    pacer.rate_limited(1)
    assert pacer.request_rate() == pytest.approx(10 * SAFETY * DECREASE)


def test_a_failing_or_cancelled_request_frees_its_slot() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=1, rpm=1)

    async def main() -> list[float]:
        with pytest.raises(RuntimeError):
            async with pacer.slot(1):
                raise RuntimeError("boom")
        waiting = asyncio.ensure_future(entry_times(clock, pacer, [1])())
        await asyncio.sleep(30)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        return await entry_times(clock, pacer, [1])()

    assert clock.run(main) == [pytest.approx(60 / SAFETY)]
    assert pacer.in_flight == 0


def test_bad_arguments_are_refused() -> None:
    for limits in ({"concurrency": 0}, {"rpm": 0}, {"tpm": 0}):
        with pytest.raises(ValueError):
            Pacer(**limits)  # type: ignore[arg-type]
    clock = FakeClock()
    pacer = paced(clock)

    async def main() -> None:
        async with pacer.slot(-1):
            pass

    with pytest.raises(ValueError):
        clock.run(main)
