"""The run's limits on functions documented, tokens spent and money spent."""

from __future__ import annotations

from docstring_hook.datatypes import Usage
from docstring_hook.errors import ConfigError

Reservation = tuple[int, int]
"""(counted prompt tokens, output cap) of one admitted request."""


class RunBudget:
    """The run's limits, checked against the run's one record of spending.

    `admit` reserves the worst case of a request (its counted prompt and
    the output cap) so that requests in flight together cannot overshoot;
    `release` gives the reservation back once the request's real usage is
    in `spent` (or once it will not be sent). Used from one event loop: no
    locking.

    Cost needs at least one price (per million tokens); a missing price
    counts as free. `max_cost` without any price is a configuration error.
    """

    def __init__(
        self,
        spent: Usage,
        *,
        max_functions: int | None = None,
        max_tokens: int | None = None,
        max_cost: float | None = None,
        price_per_million_input: float | None = None,
        price_per_million_output: float | None = None,
    ) -> None:
        if max_cost is not None and price_per_million_input is None and price_per_million_output is None:
            raise ConfigError("max-cost needs price-per-million-input and/or price-per-million-output")
        self.spent = spent
        self.max_functions = max_functions
        self.max_tokens = max_tokens
        self.max_cost = max_cost
        self.prices = (price_per_million_input, price_per_million_output)
        self._functions = 0
        self._reserved: list[Reservation] = []

    @property
    def functions(self) -> int:
        """How many targets were admitted."""
        return self._functions

    @property
    def reserved_tokens(self) -> int:
        """Tokens admitted requests may still use."""
        return sum(p + o for p, o in self._reserved)

    @property
    def cost(self) -> float | None:
        """Money spent so far, or None without prices."""
        return cost_of(self.spent.prompt_tokens, self.spent.completion_tokens, *self.prices)

    def admit(self, estimated_prompt_tokens: int, max_output_tokens: int) -> str | None:
        """None, reserving the request, when it fits every limit; else why not."""
        if self.max_functions is not None and self._functions >= self.max_functions:
            return f"max-functions reached ({self.max_functions})"
        prompt_total = self.spent.prompt_tokens + sum(p for p, _ in self._reserved)
        output_total = self.spent.completion_tokens + sum(o for _, o in self._reserved)
        if self.max_tokens is not None:
            committed = prompt_total + output_total
            if committed + estimated_prompt_tokens + max_output_tokens > self.max_tokens:
                return f"max-tokens reached ({committed} of {self.max_tokens} tokens spent or reserved)"
        if self.max_cost is not None:
            committed_cost = cost_of(prompt_total, output_total, *self.prices) or 0.0
            worst = cost_of(prompt_total + estimated_prompt_tokens, output_total + max_output_tokens, *self.prices)
            if (worst or 0.0) > self.max_cost:
                return f"max-cost reached ({committed_cost:.4f} of {self.max_cost:g} spent or reserved)"
        self._functions += 1
        self._reserved.append((estimated_prompt_tokens, max_output_tokens))
        return None

    def release(self, reserved: Reservation) -> None:
        """Give back a reservation: its request's real usage is recorded, or it will not be sent."""
        if reserved in self._reserved:
            self._reserved.remove(reserved)


def cost_of(
    prompt_tokens: int, completion_tokens: int, per_million_input: float | None, per_million_output: float | None
) -> float | None:
    """What tokens cost at prices per million; None when no price is set (a missing one is free)."""
    if per_million_input is None and per_million_output is None:
        return None
    return (prompt_tokens * (per_million_input or 0.0) + completion_tokens * (per_million_output or 0.0)) / 1_000_000
