"""How many of the server's tokens one of our estimated tokens is worth (rates.TokenScale).

The server here charges 550 tokens for a request we estimate at 1,000 and
counts requests in the order they reach it; answers come back in another
order.
"""

from __future__ import annotations

import pytest

from docstring_hook.model.rates import TokenScale

ESTIMATE, CHARGE, QUOTA = 1_000, 550, 100_000


def scale_after(admitted_at: list[float], answer_order: list[int], *, tickets: bool = True) -> float:
    """Admit one request at each time; the server counts them in admission order; answer in `answer_order`."""
    scale = TokenScale()
    for ticket, at in enumerate(admitted_at):
        scale.admitted(ESTIMATE, ticket if tickets else None, at)
    for ticket in answer_order:
        remaining = QUOTA - CHARGE * (ticket + 1)
        scale.observe(remaining, ticket if tickets else None)
    return scale.ratio()


PACED = [i * 0.1 for i in range(8)]
BURST = [0.0] * 8


@pytest.mark.parametrize(
    ("admitted_at", "answer_order", "ratio"),
    [
        pytest.param(PACED, list(range(8)), 0.55, id="paced-answered-in-order"),
        pytest.param(PACED, [1, 0, 3, 2, 5, 4, 7, 6], 0.55, id="paced-answered-out-of-order"),
        pytest.param(BURST, [0, 6, 1, 4, 3, 7, 2, 5], 1.0, id="burst-tells-nothing-until-apart"),
        pytest.param(BURST + [1 + t for t in PACED], [0, 6, 1, 4, 3, 7, 2, 5, *range(8, 16)], 0.55,
                     id="burst-then-paced"),
    ],
)
def test_the_ratio_from_the_drops_between_consecutive_tickets(admitted_at: list[float], answer_order: list[int],
                                                              ratio: float) -> None:
    assert scale_after(admitted_at, answer_order) == pytest.approx(ratio)


def test_without_tickets_drops_are_taken_between_answers_as_they_come() -> None:
    # In order, that is right; answered in swapped pairs, each drop spans three requests.
    paced = [i * 0.1 for i in range(12)]
    swapped = [1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10]
    assert scale_after(paced, list(range(12)), tickets=False) == pytest.approx(0.55)
    assert scale_after(paced, swapped, tickets=False) == pytest.approx(3 * 0.55)
    assert scale_after(paced, swapped) == pytest.approx(0.55)
