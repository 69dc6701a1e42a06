"""What a run would send and spend, without sending anything: `--dry-run`.

It fits each prompt exactly as a real run does (same counter, same
elision, same cache key), so its token figures are the ones a real run
would start from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from docstring_hook.config import Settings
from docstring_hook.datatypes import FunctionFacts, Target
from docstring_hook.model.budget import cost_of
from docstring_hook.model.cache import DraftCache, cached_draft
from docstring_hook.model.request import request_for
from docstring_hook.model.tokens import TokenCounter


@dataclass(frozen=True)
class Estimate:
    """One target's prompt as a real run would build it."""

    target: Target
    prompt_tokens: int | None  # None when even the signature does not fit the budget
    elided: bool = False
    cached: bool = False

    @property
    def to_request(self) -> bool:
        """Whether a real run would send a request for it."""
        return self.prompt_tokens is not None and not self.cached


@dataclass(frozen=True)
class Forecast:
    """The whole run's estimate; output tokens are an upper bound (the cap)."""

    estimates: tuple[Estimate, ...]
    max_output_tokens: int
    held: Mapping[str, int] = field(default_factory=dict)  # targets never sent, by reason (never-send, ...)

    @property
    def withheld(self) -> int:
        """Targets in held-back files: never estimated, never sent."""
        return sum(self.held.values())

    @property
    def to_request(self) -> int:
        """Targets a real run would send a request for."""
        return sum(e.to_request for e in self.estimates)

    @property
    def cached(self) -> int:
        """Targets whose answer is already in the cache."""
        return sum(e.cached for e in self.estimates)

    @property
    def over_budget(self) -> int:
        """Targets whose prompt cannot fit the budget."""
        return sum(e.prompt_tokens is None for e in self.estimates)

    @property
    def prompt_tokens(self) -> int:
        """Prompt tokens of the requests a real run would send (repairs aside)."""
        return sum(e.prompt_tokens or 0 for e in self.estimates if e.to_request)

    @property
    def output_tokens_at_most(self) -> int:
        """The output cap times the requests."""
        return self.to_request * self.max_output_tokens

    def cost_range(self, settings: Settings) -> tuple[float, float] | None:
        """(prompt only, prompt and every output at its cap), or None without prices."""
        prices = (settings.price_per_million_input, settings.price_per_million_output)
        low = cost_of(self.prompt_tokens, 0, *prices)
        high = cost_of(self.prompt_tokens, self.output_tokens_at_most, *prices)
        return None if low is None or high is None else (low, high)


def estimate(facts: FunctionFacts, settings: Settings, counter: TokenCounter, cache: DraftCache) -> Estimate:
    """The prompt a real run would build for one target, and whether it is cached."""
    prompt = request_for(facts, settings, counter)
    if prompt is None:
        return Estimate(facts.target, None)
    cached = cached_draft(cache, prompt.key, facts, settings.line_length) is not None
    return Estimate(facts.target, prompt.tokens, bool(prompt.elided), cached)


def forecast(
    all_facts: Iterable[FunctionFacts],
    settings: Settings,
    counter: TokenCounter,
    cache: DraftCache,
    *,
    held: Mapping[str, int] | None = None,
) -> Forecast:
    """Estimates for every target of a run; `held` counts those never to be sent, by reason."""
    estimates = tuple(estimate(f, settings, counter, cache) for f in all_facts)
    return Forecast(estimates, settings.max_output_tokens, dict(held or {}))
