"""The imperative-mood gate: ruff's D401 verdict on the summary alone."""

from __future__ import annotations

import asyncio

import pytest

from docstring_hook.config import Settings
from docstring_hook.datatypes import FunctionFacts, Style, Target, TargetKind
from docstring_hook.model.judge import judge
from docstring_hook.model.mood import imperative_candidates, mood_problem
from docstring_hook.model.types import Completion


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


@pytest.mark.parametrize(
    ("summary", "candidates"),
    [
        ("Removes the file.", ["Remove the file."]),
        ("Matches a pattern.", ["Match a pattern.", "Matche a pattern."]),
        ("Caches the result.", ["Cach the result.", "Cache the result."]),
        ("Applies the patch.", ["Apply the patch."]),
        ("Lies about it.", ["Lie about it."]),
        ("Does the work.", ["Do the work."]),
        ("Goes to the next page.", ["Go to the next page."]),
        ("Passes the value on.", ["Pass the value on."]),
        ("Pushes the branch.", ["Push the branch."]),
        ("Fixes the index.", ["Fix the index."]),
        ("Normalizes the path.", ["Normalize the path."]),
        ("Uses the cache.", ["Use the cache."]),
        ("Has the file changed.", []),
        ("This function raises an error.", ["Raises an error.", "Raise an error."]),
        ("The method will return the key.", ["Return the key."]),
        ("This function is used to add.", []),
        ("This function", []),
        ("Remove the file.", []),
        ("Process the queue.", []),
        ("Status of the job.", []),
        ("np.sums the values.", []),
    ],
)
def test_imperative_candidates_undo_the_third_person_s(summary: str, candidates: list[str]) -> None:
    assert imperative_candidates(summary) == candidates


@pytest.mark.parametrize(
    ("reply", "summary", "mood_problem_left"),
    [
        ("Removes the file.", "Remove the file.", False),
        ("Matches a pattern against the name.", "Match a pattern against the name.", False),
        ("Applies the patch.", "Apply the patch.", False),
        ("Caches the result.", "Cache the result.", False),
        ("Fetches the page.", "Fetch the page.", False),
        ("Does the work.", "Do the work.", False),
        ("This function removes the file.", "Remove the file.", False),
        ("This function raises an error with the given message.", "Raise an error with the given message.", False),
        ("This function is used to remove the file.", "This function is used to remove the file.", True),
    ],
)
def test_a_summary_wrong_only_by_its_verbs_s_is_mended_and_ruff_agrees(
    reply: str, summary: str, mood_problem_left: bool
) -> None:
    facts = FunctionFacts(Target("m.py", "f", 1, TargetKind.FUNCTION), "def f():\n    pass\n")
    verdict = asyncio.run(judge(Completion(reply, "stop", 1, 1), facts, Settings(style=Style.GOOGLE)))
    assert verdict.draft is not None and verdict.draft.summary == summary
    assert any("imperative mood" in p for p in verdict.problems) is mood_problem_left


def test_a_class_summary_is_not_held_to_the_imperative_mood() -> None:
    # D401 judges functions and methods; a class's docstring says what an instance is.
    facts = FunctionFacts(Target("m.py", "Loader", 1, TargetKind.CLASS), "class Loader:\n    pass\n")
    reply = '{"summary": "Loads templates from a package.", "description": "", "params": [], "returns": null, "yields": null, "raises": []}'
    verdict = asyncio.run(judge(Completion(reply, "stop", 1, 1), facts, Settings(style=Style.GOOGLE)))
    assert verdict.draft is not None and verdict.draft.summary == "Loads templates from a package."
    assert verdict.problems == ()
