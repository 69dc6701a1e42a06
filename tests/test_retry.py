"""The retry layer in virtual time: what is retried, how long it waits, when it gives up."""

from __future__ import annotations

import asyncio

import pytest

from docstring_hook.datatypes import Reason
from docstring_hook.errors import FatalAPIError
from docstring_hook.model.retry import RetryPolicy, RunWaits, with_retries
from docstring_hook.model.types import RejectedRequest, TransientError


class VirtualTime:
    """A clock that advances only when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def failing(errors: list[Exception], answer: str = "ok"):
    calls: list[float] = []

    async def call() -> str:
        calls.append(len(calls))
        if errors:
            raise errors.pop(0)
        return answer

    return call, calls


def rate_limited(after: float | None) -> TransientError:
    return TransientError(Reason.RATE_LIMITED, "429", retry_after=after)


def run(call, policy: RetryPolicy | None = None, time: VirtualTime | None = None) -> tuple[str, RunWaits, float]:
    policy = policy or RetryPolicy()
    time = time or VirtualTime()
    waits = RunWaits(clock=time.clock)
    result = asyncio.run(with_retries(call, policy, waits, sleep=time.sleep))
    return result, waits, time.now


@pytest.mark.parametrize(
    ("errors", "waited"),
    [
        ([], 0.0),
        ([rate_limited(2.0)], 2.0),
        ([rate_limited(2.0), rate_limited(0.5)], 2.5),
        ([TransientError(Reason.API_ERROR, "503", retry_after=0)] * 5, 0.0),
    ],
    ids=["no-error", "one-429", "two-429s", "five-503s-retry-after-0"],
)
def test_waits_are_what_the_server_asks(errors: list[Exception], waited: float) -> None:
    call, calls = failing(list(errors))
    result, waits, elapsed = run(call)
    assert (result, len(calls), waits.seconds, elapsed) == ("ok", len(errors) + 1, waited, waited)


def test_without_retry_after_the_backoff_is_jittered_and_capped() -> None:
    call, calls = failing([TransientError(Reason.TIMEOUT, "timeout")] * 3)
    _, _, elapsed = run(call, RetryPolicy(backoff_base=0.5, backoff_cap=1.0))
    assert len(calls) == 4
    assert 0 < elapsed <= 3.0


def test_gives_up_after_the_attempt_cap_with_the_last_error() -> None:
    call, calls = failing([rate_limited(0)] * 10)
    with pytest.raises(TransientError):
        run(call, RetryPolicy(max_attempts=6))
    assert len(calls) == 6


def test_a_wait_beyond_the_per_request_cap_is_not_waited() -> None:
    call, calls = failing([rate_limited(200)])
    time = VirtualTime()
    with pytest.raises(TransientError):
        run(call, RetryPolicy(max_wait_per_request=120), time)
    assert (len(calls), time.now) == (1, 0.0)


def test_a_day_long_retry_after_stops_the_run() -> None:
    call, calls = failing([rate_limited(86400)])
    with pytest.raises(FatalAPIError, match="quota is likely spent"):
        run(call)
    assert len(calls) == 1


def test_rejected_requests_are_never_retried() -> None:
    call, calls = failing([RejectedRequest(Reason.CONTENT_FILTER, "filtered")])
    with pytest.raises(RejectedRequest):
        run(call)
    assert len(calls) == 1


def test_parallel_waits_count_once_against_the_run_cap() -> None:
    waits = RunWaits()  # the real clock: the eight waits must overlap in time
    policy = RetryPolicy(max_wait_per_run=1.0)

    retried: list[float] = []

    async def together() -> list[str]:
        calls = [failing([rate_limited(0.2)])[0] for _ in range(8)]
        return await asyncio.gather(
            *(with_retries(c, policy, waits, on_retry=lambda _, wait: retried.append(wait)) for c in calls)
        )

    # Eight requests waiting out the same 0.2 s together stall the run 0.2 s, not 1.6 s.
    assert asyncio.run(together()) == ["ok"] * 8
    assert retried == [0.2] * 8
    assert 0.2 <= waits.seconds < 1.0  # overlapping: far below the 1.6 s the eight waits add up to
