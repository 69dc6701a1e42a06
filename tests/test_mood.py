"""The imperative-mood gate: ruff's D401 verdict on the summary alone."""

from __future__ import annotations

import pytest

from docstring_hook.model.mood import mood_problem


@pytest.mark.parametrize(
    ("summary", "imperative"),
    [
        pytest.param("Return the store's widgets.", True, id="imperative"),
        pytest.param("Returns the store's widgets.", False, id="third person"),
        pytest.param("Converts a path to parts", False, id="third person, no period"),
        pytest.param("This function adds numbers.", False, id="this function"),
        pytest.param("Compute the sum of \"a\" and b.", True, id="quotes inside"),
        pytest.param("Get x.", True, id="short verb"),
        pytest.param("", True, id="empty: judged elsewhere"),
    ],
)
def test_the_summary_mood_is_ruffs_d401_verdict(summary: str, imperative: bool) -> None:
    problem = mood_problem(summary)
    assert (problem is None) is imperative
    if problem is not None:
        assert f'not "{summary.split()[0]} ..."' in problem


def test_many_summaries_judged_at_once_get_the_verdict_of_each_alone() -> None:
    from docstring_hook.model import mood

    summaries = [
        "Return the store's widgets.",
        "Returns the store's widgets.",
        "Converts a path to parts",
        'Compute the sum of "a" and b.',
        "This function adds numbers.",
        "Get x.",
    ] * 2 + [f"Adds {n} numbers." for n in range(5)] + [f"Add {n} numbers." for n in range(5)]
    mood._JUDGED.clear()
    alone = {s: mood._is_imperative.__wrapped__(s) for s in summaries}  # one ruff run each
    mood.judge_many(summaries)
    assert {s: mood._JUDGED[s] for s in summaries} == alone
    assert sorted(set(alone.values())) == [False, True]
