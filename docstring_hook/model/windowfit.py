"""Which window a server counts its quota over, read from its remaining-* headers.

A server counting over a sliding window of W seconds answers each request
with what is left of its quota Q once the requests that reached it in the W
seconds up to that one are counted. With no other client on the deployment,

    remaining + (our requests admitted in the W seconds up to it) = Q

for every answer, whatever Q is: the sum is constant under the right window,
and drifts under a wrong one (too short a window misses requests the server
still counts; too long a window counts ones it has let go). So, for each
documented window, the recent answers' sums are compared, and the window
under which they vary least is the server's; the sums' median is Q.

In a run's first second every window explains the headers alike, and paced
evenly the sums stay flat under every window: the guess (the shortest at
first) moves only when another window explains the headers clearly better.
A run counted over 10 s is told apart from 1 s after about a second, long
before its first burst has spent the window. Refused requests (429) are not
counted: the server did not count them either. A steady other client only
lowers Q. Tokens work the same way, our estimates times what one of them is
worth to the server: read off the answers (the slope of remaining against
our tokens) when our counts vary enough to show it, else the caller's scale.

Pure bookkeeping: times come from the pacer's clock.
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from docstring_hook.model.rates import WINDOWS

ANSWERS = 16
"""Recent answers compared."""

MINIMUM_ANSWERS = 6
"""Answers needed before any window is preferred to the shortest."""

CLEARLY_BETTER = 4.0
"""The guess moves to a window under which the sums vary this many times less..."""

PERSISTENT = 3
"""...at this many answers in a row: a request counted a little later than its
neighbours (a new connection) makes one answer look like a longer window as a
burst leaves it."""

REQUEST_JITTER = 1.0
"""Variance (in requests squared) no window need explain: a request admitted at a
window's edge is counted or not by a hair."""


@dataclass(frozen=True)
class Fitted:
    """The window the headers fit best, and the quota they imply under it (None: no such header)."""

    window: float
    requests: float | None
    tokens: float | None
    scale: float | None = None  # the server's tokens per estimated token, read off the answers


@dataclass(frozen=True)
class _Answer:
    index: int  # the answered request's admission number
    requests: int | None
    tokens: int | None


@dataclass(frozen=True)
class _Line:
    slope: float  # the server's units per unit of ours
    sums: list[float]  # per answer: remaining + slope * ours inside the window


@dataclass(frozen=True)
class Inside:
    """Our counted requests admitted within a window before now."""

    count: int
    tokens: int
    oldest: float | None


class WindowFit:
    """Our admissions and the server's remaining-* answers; the window that explains them."""

    def __init__(self) -> None:
        self._times: list[float] = []
        self._tokens: list[int] = [0]  # prefix sums: _tokens[i] = tokens of admissions before i
        self._first = 0  # the admission number of _times[0]
        self._refused: dict[int, int] = {}  # admission number: tokens
        self._answers: deque[_Answer] = deque(maxlen=ANSWERS)
        self._window = WINDOWS[0]
        self._challenger, self._wins = WINDOWS[0], 0

    def admitted(self, at: float, tokens: int) -> int:
        """Record an admission (times never go back); its number, for `refused`/`answered`."""
        self._times.append(at)
        self._tokens.append(self._tokens[-1] + tokens)
        return self._first + len(self._times) - 1

    def refused(self, number: int) -> None:
        """The request was answered 429: the server did not count it."""
        index = number - self._first
        if 0 <= index < len(self._times):
            self._refused[number] = self._tokens[index + 1] - self._tokens[index]

    def answered(self, number: int, requests: int | None, tokens: int | None) -> None:
        """The request was answered with these remaining-* headers (None: absent)."""
        if requests is None and tokens is None:
            return
        self._answers.append(_Answer(number, requests, tokens))
        self._forget()

    def inside(self, now: float, window: float) -> Inside:
        """Our counted admissions in (now - window, now]."""
        start = bisect_right(self._times, now - window)
        count, tokens = self._counted(start, len(self._times) - 1)
        return Inside(count, tokens, self._times[start] if count else None)

    def fit(self, scale: float, at_least: float = WINDOWS[0]) -> Fitted | None:
        """The best window (`at_least` long: a 429 showed that) and its quotas; None until enough answers came.

        `scale`: the server's tokens per estimated token, as far as known.
        """
        answers = [a for a in self._answers if a.index >= self._first]
        if len(answers) < MINIMUM_ANSWERS:
            return None
        requests = all(a.requests is not None for a in answers)
        if not requests and not all(a.tokens is not None for a in answers):
            return None
        lines = {window: self._line(answers, window, requests, scale) for window in WINDOWS}
        spread = {window: _variance(line.sums) for window, line in lines.items()}
        jitter = REQUEST_JITTER if requests else (lines[self._window].slope * self._typical_tokens()) ** 2
        # Steady pacing makes every window fit alike: only clear evidence moves the guess.
        self._window = max(self._window, at_least)
        best = min((w for w in WINDOWS if w >= at_least), key=lambda window: (spread[window], window))
        self._challenge(best if spread[best] * CLEARLY_BETTER + jitter < spread[self._window] else None)
        window = self._window
        with_requests = [a for a in answers if a.requests is not None]
        with_tokens = [a for a in answers if a.tokens is not None]
        by_requests = lines[window] if requests else self._line(with_requests, window, True, scale)
        by_tokens = lines[window] if not requests else self._line(with_tokens, window, False, scale)
        return Fitted(
            window,
            statistics.median(by_requests.sums) if by_requests.sums else None,
            statistics.median(by_tokens.sums) if by_tokens.sums else None,
            by_tokens.slope if by_tokens.sums else None,
        )

    def _challenge(self, better: float | None) -> None:
        if better is None or better != self._challenger:
            self._challenger, self._wins = (better or self._window), 0
        if better is not None:
            self._wins += 1
            if self._wins >= PERSISTENT:
                self._window, self._wins = better, 0

    def _line(self, answers: Sequence[_Answer], window: float, requests: bool, scale: float) -> _Line:
        remaining, own = [], []
        for answer in answers:
            index = answer.index - self._first
            count, tokens = self._counted(bisect_right(self._times, self._times[index] - window), index)
            remaining.append(float((answer.requests if requests else answer.tokens) or 0))
            own.append(float(count if requests else tokens))
        slope = 1.0 if requests else self._slope(remaining, own, scale)
        return _Line(slope, [left + slope * mine for left, mine in zip(remaining, own)])

    def _slope(self, remaining: Sequence[float], own: Sequence[float], scale: float) -> float:
        # The server counts tokens its own way: what remains falls by `slope` per token of ours.
        # Read it off the answers when our counts vary enough to show it, else trust `scale`.
        if len(own) < 2:
            return scale
        spread = _variance(own)
        if spread < self._typical_tokens() ** 2:
            return scale
        slope = -_covariance(own, remaining) / spread
        return slope if slope > 0 else scale

    def _counted(self, start: int, stop: int) -> tuple[int, int]:
        """Requests and tokens of the counted admissions at positions start..stop (inclusive)."""
        if stop < start:
            return 0, 0
        count, tokens = stop - start + 1, self._tokens[stop + 1] - self._tokens[start]
        for number, spent in self._refused.items():
            if start <= number - self._first <= stop:
                count, tokens = count - 1, tokens - spent
        return count, tokens

    def _typical_tokens(self) -> float:
        count = len(self._times)
        return (self._tokens[-1] - self._tokens[0]) / count if count else 0.0

    def _forget(self) -> None:
        # Keep what the oldest compared answer may need: one longest window before it.
        oldest = self._answers[0].index - self._first
        if oldest <= 0:
            return
        horizon = self._times[min(oldest, len(self._times) - 1)] - WINDOWS[-1]
        drop = bisect_right(self._times, horizon)
        if drop < 1024 or drop < len(self._times) // 2:
            return  # trim rarely, in bulk
        del self._times[:drop]
        del self._tokens[:drop]
        self._first += drop
        self._refused = {n: t for n, t in self._refused.items() if n >= self._first}


# statistics.pvariance and covariance compute exactly, with fractions: a fit per answer
# would cost the event loop a quarter of a millisecond.
def _variance(values: Sequence[float]) -> float:
    return _covariance(values, values)


def _covariance(xs: Sequence[float], ys: Sequence[float]) -> float:
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / len(xs)
