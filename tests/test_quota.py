"""What the answers showed of the server's quota, and spreading a long window's rest (model/quota.py).

`filled` admits requests evenly to a server counting 50 requests over a
10-second sliding window and feeds each answer's remaining-requests header
to a Quota, as the pacer does.
"""

from __future__ import annotations

import math

import pytest

from docstring_hook.model.quota import Quota

HOLD, MARGIN = 1.0, 0.05


def filled(count: int, rate: float, *, window: float = 10.0, quota: int = 50) -> Quota:
    """`count` requests admitted at `rate` a second from t=0, each answered before the next goes."""
    known = Quota()
    for i in range(count):
        at = i / rate
        ticket = known.admitted(at, 1_000)
        used = sum(1 for j in range(i + 1) if j / rate > at - window)
        known.answered(ticket, quota - used, None)
    return known


def test_the_headers_show_a_10s_window_and_its_quota() -> None:
    known = filled(30, 20)  # 1.5 s of answers: a 1-s window would have refilled
    assert known.window == 10.0
    assert known.requests() == 50


def test_a_short_window_quota_is_the_most_remaining_plus_one() -> None:
    known = Quota()
    for i, remaining in enumerate([7, 9, 8]):
        known.answered(None, remaining, None)
        assert known.requests() == [8, 10, 10][i]
    assert known.window == 1.0


def test_a_long_windows_rest_is_spread_until_its_oldest_entry_leaves() -> None:
    known = filled(30, 20)  # 30 of 50 used by t=1.45; the oldest leaves at 10 s
    last = 29 / 20
    ready = known.window_ready(last, 1_000, last, requests=50, server_tokens=None, hold=math.inf, margin=MARGIN)
    assert ready == pytest.approx(last + (10 + MARGIN - last) / 20)


def test_bookkeeping_never_holds_an_entry_more_than_hold_after_the_last() -> None:
    known = filled(30, 20)
    last = 29 / 20
    # Told the window holds only 30 (as --rpm 180 would say), the next entry waits for the oldest
    # to leave at 10 s, but never more than HOLD after the last entry: then it probes.
    ready = known.window_ready(last, 1_000, last, requests=30, server_tokens=None, hold=HOLD, margin=MARGIN)
    assert ready == pytest.approx(last + HOLD)


def test_a_one_second_window_is_not_spread_but_never_overrun() -> None:
    known = filled(30, 16, window=1.0, quota=25)  # 16 sent in the last second (14/16 s to 29/16 s)
    assert known.window == 1.0
    last = 29 / 16
    room = known.window_ready(last, 1_000, last, requests=25, server_tokens=None, hold=HOLD, margin=MARGIN)
    assert room == -math.inf
    full = known.window_ready(last, 1_000, last, requests=16, server_tokens=None, hold=HOLD, margin=MARGIN)
    assert full == pytest.approx(14 / 16 + 1.0 + MARGIN)  # when the oldest of the last second leaves


def test_a_429s_retry_after_sets_the_shortest_window_still_possible() -> None:
    known = Quota()
    known.retry_after(42.0)
    assert known.window == 60.0
