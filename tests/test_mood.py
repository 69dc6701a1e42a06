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
