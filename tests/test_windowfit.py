"""Telling a server's rate-limit window from its remaining-* headers (model/windowfit.py).

Each case admits requests at given times to a sliding-window server written
here (the oracle: it counts what arrived in the last `window` seconds, as
tests/fake_azure.py does), feeds the headers it would send to a WindowFit
answer by answer, as the pacer does, and checks the window and quota the fit
settles on.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from docstring_hook.model.windowfit import MINIMUM_ANSWERS, Fitted, WindowFit


@dataclass(frozen=True)
class Server:
    window: float
    quota: int  # requests, or server tokens per window
    charge: int = 0  # server tokens a request costs (0: count requests)
    background: float = 0.0  # another client's steady share of the quota


def serve(server: Server, times: list[float], *, estimate: int = 1_000, refuse_over_quota: bool = True,
          ) -> tuple[Fitted | None, list[str]]:
    """Admit a request at each time (in order); the fit after every answer, and each answer's fate."""
    fit, counted, fates = WindowFit(), [], []
    cost = server.charge or 1
    result = None
    for at in times:
        number = fit.admitted(at, estimate)
        live = [t for t in counted if t > at - server.window]
        used = len(live) * cost + server.background * server.quota
        if refuse_over_quota and used + cost > server.quota:
            fit.refused(number)
            fates.append("429")
            continue
        counted.append(at)
        left = int(server.quota - used - cost)
        fit.answered(number, None if server.charge else left, left if server.charge else None)
        fates.append("200")
        result = fit.fit(scale=1.0)
    return result, fates


def steady(rate: float, start: float, stop: float) -> list[float]:
    count = round((stop - start) * rate)
    return [start + i / rate for i in range(count)]


def burst_then_paced(burst_rate: float, burst_seconds: float, paced_rate: float, until: float) -> list[float]:
    return steady(burst_rate, 0.0, burst_seconds) + steady(paced_rate, burst_seconds, until)


CASES = [
    # (server, admission times, expected window, expected quota)
    pytest.param(Server(1.0, 30), steady(26, 0, 3), 1.0, 30, id="1s-window-at-26-per-second"),
    pytest.param(Server(10.0, 100), steady(26, 0, 2), 10.0, 100, id="10s-window-told-apart-within-2s"),
    pytest.param(Server(10.0, 50), burst_then_paced(26, 1.5, 4, 40), 10.0, 50, id="10s-burst-then-paced"),
    pytest.param(Server(10.0, 50), steady(4.5, 0, 60), 10.0, 50, id="10s-paced-from-the-start"),
    pytest.param(Server(60.0, 1000), steady(20, 0, 12), 60.0, 1000, id="60s-after-10s"),
    pytest.param(Server(60.0, 1000), steady(20, 0, 8), 10.0, 1000, id="60s-looks-like-10s-before-10s"),
    pytest.param(Server(10.0, 100), steady(26, 0, 0.9), 1.0, None, id="first-second-tells-nothing"),
    pytest.param(Server(1.0, 5), steady(8, 0, 4), 1.0, 5, id="1s-refusals-not-counted"),
    pytest.param(Server(10.0, 100, background=0.3), steady(20, 0, 3), 10.0, 70, id="10s-shared-with-a-steady-client"),
    pytest.param(Server(10.0, 50_000, charge=550), steady(26, 0, 2.5), 10.0, 50_000, id="10s-tokens-counted-otherwise"),
]


@pytest.mark.parametrize(("server", "times", "window", "quota"), CASES)
def test_the_window_and_quota_the_headers_fit(server: Server, times: list[float], window: float,
                                             quota: float | None) -> None:
    fitted, _ = serve(server, times)
    assert fitted is not None
    assert fitted.window == window
    if quota is not None:
        found = fitted.tokens if server.charge else fitted.requests
        assert found == pytest.approx(quota, rel=0.03)


def test_a_burst_counted_late_does_not_move_the_guess_as_it_leaves() -> None:
    # A run's first 8 requests open connections: the server counts them 85 ms later than
    # the ones after (as measured against the fake). As they leave a 10-s window, the
    # answers of that moment look like a 60-s window; the guess stays.
    window, quota = 10.0, 50
    times = [0.0] * 8 + steady(26, 0.4, 1.3) + steady(1.85, 1.3, 10.0) + steady(4.75, 10.0, 20.0)
    counted_at = [at + (0.385 if i < 8 else 0.3) for i, at in enumerate(times)]
    fit, counted, guesses = WindowFit(), [], []
    numbers = [fit.admitted(at, 1_000) for at in times]
    for index in sorted(range(len(times)), key=counted_at.__getitem__):
        now = counted_at[index]
        counted = [t for t in counted if t > now - window] + [now]
        fit.answered(numbers[index], max(0, quota - len(counted)), None)
        fitted = fit.fit(scale=1.0)
        guesses.append(fitted.window if fitted else None)
    assert guesses[-1] == 10.0
    assert 60.0 not in guesses


def test_the_tokens_scale_is_read_off_the_answers() -> None:
    # We estimate 1,000 tokens a request; the server counts 550.
    fitted, _ = serve(Server(10.0, 50_000, charge=550), steady(26, 0, 2.5))
    assert fitted is not None and fitted.scale == pytest.approx(0.55, rel=0.05)


def test_nothing_is_fitted_before_enough_answers() -> None:
    fitted, _ = serve(Server(10.0, 100), steady(26, 0, (MINIMUM_ANSWERS - 1) / 26))
    assert fitted is None


def test_answers_without_headers_are_not_fitted() -> None:
    fit = WindowFit()
    for i in range(20):
        fit.answered(fit.admitted(i * 0.1, 100), None, None)
    assert fit.fit(scale=1.0) is None


def test_a_429_sets_the_shortest_window_considered() -> None:
    fit = WindowFit()
    for i in range(20):  # a 1-s server: 25 a second, quota 30
        fit.answered(fit.admitted(i / 25, 100), 30 - min(i + 1, 25), None)
    fitted = fit.fit(scale=1.0, at_least=10.0)
    assert fitted is not None and fitted.window == 10.0


def test_inside_counts_only_what_the_server_counted() -> None:
    fit = WindowFit()
    numbers = [fit.admitted(at, 100) for at in (0.0, 0.5, 1.0, 1.5)]
    fit.refused(numbers[2])
    inside = fit.inside(now=1.6, window=1.2)
    assert (inside.count, inside.tokens, inside.oldest) == (2, 200, 0.5)


def test_old_admissions_are_forgotten_in_bulk() -> None:
    fit = WindowFit()
    for i in range(20_000):  # 50 a second for 400 s; the fit needs the last 60 s or so
        fit.answered(fit.admitted(i / 50, 100), 10, None)
    assert len(fit._times) <= 2 * 60 * 50 + 1_024
    assert fit.fit(scale=1.0) is not None
