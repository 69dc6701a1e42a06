from __future__ import annotations

import asyncio
import selectors
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import pytest

from docstring_hook.model.pacing import MAX_PAUSE, Pacer

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


def test_rpm_admits_at_most_rpm_entries_per_window() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=20, rpm=6)
    times = clock.run(entry_times(clock, pacer, [10] * 13))
    assert Counter(times) == {0.0: 6, 61.0: 6, 122.0: 1}
    assert all(delay > 0 for delay in clock.sleeps)


def test_tpm_admits_batches_that_fit_the_window() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=20, tpm=1000)
    times = clock.run(entry_times(clock, pacer, [400] * 5))
    assert Counter(times) == {0.0: 2, 61.0: 2, 122.0: 1}


def test_a_request_larger_than_tpm_goes_alone_into_an_empty_window() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=20, tpm=1000)
    times = clock.run(entry_times(clock, pacer, [100, 5000, 100]))
    assert times == [0.0, 61.0, 122.0]


def test_rpm_and_tpm_together_take_the_later_time() -> None:
    clock = FakeClock()
    pacer = paced(clock, concurrency=20, rpm=3, tpm=1000)
    times = clock.run(entry_times(clock, pacer, [100, 100, 100, 100, 950]))
    assert times == [0.0, 0.0, 0.0, 61.0, 122.0]


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


def test_observed_exhaustion_holds_until_the_window_refreshes() -> None:
    clock = FakeClock()
    pacer = paced(clock)

    async def main() -> list[float]:
        times = await entry_times(clock, pacer, [1])()
        await asyncio.sleep(20)
        pacer.observe(remaining_requests=0, remaining_tokens=None)
        return times + await entry_times(clock, pacer, [1, 1])()

    assert clock.run(main) == [0.0, 61.0, 61.0]


def test_observed_exhaustion_with_an_empty_window_holds_one_second() -> None:
    clock = FakeClock()
    pacer = paced(clock)
    pacer.observe(remaining_requests=1, remaining_tokens=None)
    assert clock.run(entry_times(clock, pacer, [1])) == [1.0]


def test_plenty_remaining_lifts_a_hold_and_none_keeps_it() -> None:
    clock = FakeClock()
    pacer = paced(clock)
    pacer.observe(remaining_requests=0, remaining_tokens=None)
    pacer.observe(remaining_requests=None, remaining_tokens=None)
    assert clock.run(entry_times(clock, pacer, [1])) == [1.0]
    pacer.observe(remaining_requests=0, remaining_tokens=None)
    pacer.observe(remaining_requests=50, remaining_tokens=None)
    assert clock.run(entry_times(clock, pacer, [1])) == [1.0]


def test_few_remaining_tokens_hold_only_larger_requests() -> None:
    clock = FakeClock()
    pacer = paced(clock)

    async def main() -> list[float]:
        times = await entry_times(clock, pacer, [10])()
        pacer.observe(remaining_requests=None, remaining_tokens=100)
        return times + await entry_times(clock, pacer, [50, 400, 50])()

    assert clock.run(main) == [0.0, 0.0, 61.0, 61.0]


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

    assert clock.run(main) == [61.0]
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
