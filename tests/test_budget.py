from __future__ import annotations

import pytest

from docstring_hook.datatypes import Usage
from docstring_hook.errors import ConfigError
from docstring_hook.model.budget import RunBudget

# The run's limits.


def run(budget: RunBudget, steps: list[tuple]) -> list[str | None]:
    """Apply ("admit", prompt, output) and ("settle", prompt, completion) steps; the admit answers.

    Settling records the usage and releases the oldest reservation, as a request coming back does.
    """
    answers: list[str | None] = []
    reservations: list[tuple[int, int]] = []
    for name, *numbers in steps:
        if name == "admit":
            answer = budget.admit(*numbers)
            answers.append(answer)
            if answer is None:
                reservations.append((numbers[0], numbers[1]))
        else:
            budget.spent.add_tokens(*numbers)
            budget.release(reservations.pop(0))
    return answers


@pytest.mark.parametrize(
    ("limits", "steps", "answers"),
    [
        pytest.param(
            {}, [("admit", 10**9, 10**9)] * 3, [None, None, None], id="no limits"
        ),
        pytest.param(
            {"max_functions": 2},
            [("admit", 1, 1)] * 3,
            [None, None, "max-functions reached (2)"],
            id="max-functions",
        ),
        pytest.param(
            {"max_tokens": 1_000},
            [("admit", 400, 100), ("admit", 400, 100), ("admit", 1, 0)],
            [None, None, "max-tokens reached (1000 of 1000 tokens spent or reserved)"],
            id="reservations count against max-tokens",
        ),
        pytest.param(
            {"max_tokens": 1_000},
            [
                ("admit", 400, 100),
                ("admit", 400, 100),
                ("settle", 300, 50),
                ("admit", 100, 50),
                ("admit", 1, 0),
            ],
            [
                None,
                None,
                None,
                "max-tokens reached (1000 of 1000 tokens spent or reserved)",
            ],
            id="settling releases the reservation and records the real usage",
        ),
        pytest.param(
            {
                "max_cost": 0.01,
                "price_per_million_input": 2.0,
                "price_per_million_output": 8.0,
            },
            [("admit", 1_000, 500), ("settle", 1_000, 500), ("admit", 1_000, 500)],
            [None, "max-cost reached (0.0060 of 0.01 spent or reserved)"],
            id="max-cost",
        ),
        pytest.param(
            {"max_cost": 0.01, "price_per_million_input": 2.0},
            [("admit", 4_000, 10**6), ("admit", 1_001, 0)],
            [None, "max-cost reached (0.0080 of 0.01 spent or reserved)"],
            id="a missing price counts as free",
        ),
    ],
)
def test_run_budget(
    limits: dict, steps: list[tuple], answers: list[str | None]
) -> None:
    assert run(RunBudget(Usage(), **limits), steps) == answers


def test_run_budget_reads_spending_from_the_runs_usage() -> None:
    spent = Usage()
    budget = RunBudget(spent, price_per_million_input=2.0, price_per_million_output=8.0)
    assert budget.admit(1_000, 600) is None
    spent.add_tokens(900, 100)
    spent.add_tokens(1_200, 50)  # a repair request, never admitted
    budget.release((1_000, 600))
    assert (budget.functions, spent.prompt_tokens, spent.completion_tokens) == (1, 2_100, 150)
    assert budget.cost == pytest.approx((2_100 * 2.0 + 150 * 8.0) / 1_000_000)
    assert budget.reserved_tokens == 0


def test_run_budget_without_prices_has_no_cost() -> None:
    budget = RunBudget(Usage(), max_tokens=100)
    budget.spent.add_tokens(10, 5)
    assert budget.cost is None


def test_max_cost_needs_a_price() -> None:
    with pytest.raises(ConfigError, match="max-cost needs"):
        RunBudget(Usage(), max_cost=1.0)


def test_release_frees_the_named_reservation() -> None:
    budget = RunBudget(Usage(), max_tokens=1_000)
    assert budget.admit(100, 100) is None
    assert budget.admit(300, 100) is None
    budget.release((300, 100))
    assert budget.reserved_tokens == 200
    budget.release((100, 100))  # that request was never sent
    assert budget.reserved_tokens == 0
    budget.release((100, 100))  # nothing left: no effect
    assert budget.functions == 2
