"""A run's replies share ruff runs for the mood gate, with the verdicts each would get alone."""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

import pytest

from docstring_hook.model import mood
from docstring_hook.model.mood import MoodJudge, mood_problem


@pytest.fixture
def ruff_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources given to ruff from now on, with no verdict remembered from earlier tests."""
    runs: list[str] = []
    real = subprocess.run

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(kwargs["input"])
        return real(*args, **kwargs)

    monkeypatch.setattr(mood, "_JUDGED", {})
    monkeypatch.setattr(mood.subprocess, "run", counted)
    mood._is_imperative.cache_clear()
    return runs


def judged_together(summaries: list[str]) -> list[str | None]:
    async def judged() -> list[str | None]:
        judge = MoodJudge()
        return await asyncio.gather(*(judge.problem(s) for s in summaries))

    return asyncio.run(judged())


def test_replies_waiting_together_share_one_ruff_run(ruff_runs: list[str]) -> None:
    summaries = [f"{'Returns' if n % 2 else 'Return'} the widget number {n}." for n in range(40)]
    problems = judged_together(summaries)
    assert [p is None for p in problems] == [n % 2 == 0 for n in range(40)]
    assert len(ruff_runs) == 1
    assert asyncio.run(MoodJudge().problem(summaries[1])) == problems[1]  # remembered: no new run
    assert len(ruff_runs) == 1


def test_a_batchs_verdicts_are_those_of_one_ruff_run_per_summary(ruff_runs: list[str]) -> None:
    summaries = [
        "Return the store's gadgets.",
        "Returns the store's gadgets.",
        "Converts a path to its parts",
        'Compute the sum of "a" and b, twice.',
        "This function adds the numbers.",
        "Get y.",
        "   ",
    ]
    alone = [mood._is_imperative.__wrapped__(s.strip()) if s.strip() else True for s in summaries]
    runs_alone = len(ruff_runs)
    problems = judged_together(summaries)
    assert [p is None for p in problems] == alone
    assert problems == [mood_problem(s) for s in summaries]
    assert len(ruff_runs) == runs_alone + 1
