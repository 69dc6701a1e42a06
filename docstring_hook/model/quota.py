"""What a server's answers have shown of its quota, for the pacer.

Three things, each from its own evidence:

- the window it counts over: at least the documented window that covers a
  429's retry-after (`rates.window_for`), and the one its remaining-*
  headers fit best (`windowfit.WindowFit`);
- the quota per window: the most ever remaining, plus the request that left
  it; over a long window (10 s or more) the fit's, which adds back what our
  first burst had already taken when the first answer came;
- what one of our estimated tokens is worth to the server: the drops of the
  remaining-tokens header (`rates.TokenScale`), or over a long window the
  fit's slope.

It also says when an entry may go so that a long window's remaining quota is
spread until its oldest entry leaves, and a 1-s window's is not overrun by
what we sent within it (`window_ready`). Pure bookkeeping: times come from
the pacer's clock.
"""

from __future__ import annotations

import math

from docstring_hook.model.rates import WINDOWS, TokenScale, window_for
from docstring_hook.model.windowfit import Fitted, WindowFit


class Quota:
    """The server's window, quotas and token scale, as far as its answers showed them."""

    def __init__(self) -> None:
        self.window = WINDOWS[0]
        self._floor = WINDOWS[0]  # the longest a 429's retry-after showed
        self._fit = WindowFit()
        self._fitted: Fitted | None = None
        self._scale = TokenScale()
        self.most_requests: int | None = None  # the most ever remaining, plus one
        self._most_tokens_remaining: int | None = None  # in the server's tokens

    @property
    def known(self) -> bool:
        """Whether any remaining-* header came."""
        return self.most_requests is not None or self._most_tokens_remaining is not None

    def admitted(self, at: float, tokens: int) -> int:
        """Record an admission of `tokens` (our estimate); its ticket."""
        ticket = self._fit.admitted(at, tokens)
        self._scale.admitted(tokens, ticket, at)
        return ticket

    def refused(self, ticket: int) -> None:
        """The request was answered 429: the server did not count it."""
        self._fit.refused(ticket)

    def answered(self, ticket: int | None, requests: int | None, tokens: int | None) -> None:
        """An answer's remaining-* headers (None: absent), and its ticket if known."""
        if requests is not None:
            self.most_requests = max(self.most_requests or 0, requests + 1)
        if tokens is not None:
            self._scale.observe(tokens, ticket)
            self._most_tokens_remaining = max(self._most_tokens_remaining or 0, tokens)
        if ticket is not None:
            self._fit.answered(ticket, requests, tokens)
            self._refit()

    def retry_after(self, seconds: float) -> None:
        """A 429 asked to wait `seconds`: the window is at least the one covering it."""
        self._floor = max(self._floor, window_for(seconds))
        self._refit()

    def requests(self) -> float | None:
        """Requests the server allows per window; None while unknown."""
        fitted = self._long_fit()
        return fitted.requests if fitted and fitted.requests else self.most_requests

    def tokens(self) -> float | None:
        """Server tokens allowed per window; None while unknown."""
        fitted = self._long_fit()
        if fitted and fitted.tokens:
            return fitted.tokens
        if self._most_tokens_remaining is None:
            return None
        return self._most_tokens_remaining + self.server_tokens(self._scale.typical())

    def server_tokens(self, tokens: int) -> int:
        """Our estimate in the server's tokens."""
        return math.ceil(tokens * self.ratio())

    def ratio(self) -> float:
        """The server's tokens per estimated token."""
        fitted = self._long_fit()
        return fitted.scale if fitted and fitted.scale else self._scale.ratio()

    def window_ready(self, now: float, tokens: int, last_entry: float, *, requests: float | None,
                     server_tokens: float | None, hold: float, margin: float) -> float:
        """When an entry of `tokens` may go so that a long window's quota (`requests`,
        `server_tokens` per window) lasts until its oldest entry leaves, or a 1-s
        window's is not overrun; at most `hold` after the last entry: past that one
        probes, and the answer (or a 429's retry-after) has the last word.

        Over a long window a burst would spend the quota and leave the rest of the
        window idle. A 1-s window refills before that matters, but the answers of a
        burst come back after it has been sent: the next entries must wait for the
        window, not for the headers, to say there is room.
        """
        inside = self._fit.inside(now, self.window)
        if inside.oldest is None:
            return -math.inf
        frees = inside.oldest + self.window + margin
        if self.window < WINDOWS[1]:
            full = (requests is not None and inside.count + 1 > requests) or (
                server_tokens is not None
                and self.server_tokens(inside.tokens) + self.server_tokens(tokens) > server_tokens)
            return min(frees, last_entry + hold) if full else -math.inf
        ready = max(
            _spread(last_entry, frees, requests, inside.count, 1),
            _spread(last_entry, frees, server_tokens, self.server_tokens(inside.tokens), self.server_tokens(tokens)),
        )
        return min(ready, last_entry + hold)

    def _long_fit(self) -> Fitted | None:
        # A 1-s window refills too often for a first burst to hide its quota.
        return self._fitted if self._fitted and self._fitted.window >= WINDOWS[1] else None

    def _refit(self) -> None:
        self._fitted = self._fit.fit(self._scale.ratio(), self._floor)
        self.window = max(self._floor, self._fitted.window if self._fitted else WINDOWS[0])


def _spread(last_entry: float, frees: float, quota: float | None, used: float, cost: float) -> float:
    """`cost` more may go once `quota - used` is spread evenly from the last entry to `frees`."""
    if quota is None:
        return -math.inf
    headroom = quota - used  # the buckets keep the safety margin
    if headroom < cost:
        return frees
    return last_entry + (frees - last_entry) * cost / headroom

