"""The imperative-mood gate: ruff's D401 verdict on the summary alone."""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

import pytest

from docstring_hook.model import mood
from docstring_hook.model.mood import MoodJudge, imperative, mood_problem

TABLE = [
        pytest.param("Return the store's widgets.", True, id="imperative"),
        pytest.param("Returns the store's widgets.", False, id="third person"),
        pytest.param("Converts a path to parts", False, id="third person, no period"),
        pytest.param("This function adds numbers.", False, id="this function"),
        pytest.param("Compute the sum of \"a\" and b.", True, id="quotes inside"),
        pytest.param("Get x.", True, id="short verb"),
        pytest.param("", True, id="empty: judged elsewhere"),
]


@pytest.fixture
def ruff_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources given to ruff from now on, with nothing remembered from earlier tests."""
    runs: list[str] = []
    real = subprocess.run

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(kwargs["input"])
        return real(*args, **kwargs)

    monkeypatch.setattr(mood, "_known", {})
    monkeypatch.setattr(mood.subprocess, "run", counted)
    return runs


@pytest.mark.parametrize(("summary", "imperative"), TABLE)
def test_the_summary_mood_is_ruffs_d401_verdict(summary: str, imperative: bool) -> None:
    problem = mood_problem(summary)
    assert (problem is None) is imperative
    if problem is not None:
        assert f'not "{summary.split()[0]} ..."' in problem


def test_summaries_judged_together_get_the_verdicts_they_get_alone(ruff_runs: list[str]) -> None:
    summaries = [p.values[0] for p in TABLE if p.values[0]]
    together = imperative(summaries)
    assert len(ruff_runs) == 1
    assert together == {p.values[0]: p.values[1] for p in TABLE if p.values[0]}


def test_replies_waiting_together_share_one_ruff_run(ruff_runs: list[str]) -> None:
    summaries = [f"{'Returns' if n % 2 else 'Return'} the widget number {n}." for n in range(40)]

    async def judged() -> list[str | None]:
        judge = MoodJudge()
        return await asyncio.gather(*(judge.problem(s) for s in summaries))

    problems = asyncio.run(judged())
    assert [p is None for p in problems] == [n % 2 == 0 for n in range(40)]
    assert len(ruff_runs) == 1
    assert asyncio.run(MoodJudge().problem(summaries[1])) == problems[1]  # remembered: no new run
    assert len(ruff_runs) == 1
