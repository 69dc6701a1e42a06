"""The generator on its own, with a scripted stand-in for the endpoint: cache, repair, failure, fatal stop.

End to end through the real SDK and the fake server is `test_generate.py`;
here each rule of `Generator` is seen in isolation, in a few lines.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import pytest

from docstring_hook.config import Settings
from docstring_hook.datatypes import DocstringDraft, Reason, Status, Usage
from docstring_hook.errors import FatalAPIError
from docstring_hook.model.budget import RunBudget
from docstring_hook.model.cache import Claim
from docstring_hook.model.generate import Generator
from docstring_hook.model.judge import Generated
from docstring_hook.model.pacing import Pacer
from docstring_hook.model.request import request_for
from docstring_hook.model.tokens import EstimatingCounter
from docstring_hook.model.types import Completion, Message, RejectedRequest
from tests.conftest import facts_of

FACTS = facts_of("def add(a, b):\n    return a + b\n", "add")
GOOD = {
    "summary": "Add two numbers.",
    "description": "",
    "params": [{"name": "a", "type": None, "description": "The first."}, {"name": "b", "type": None, "description": "The second."}],
    "returns": {"type": None, "description": "The sum."},
    "yields": None,
    "raises": [],
}
MISSING_B = {**GOOD, "params": GOOD["params"][:1]}


class ScriptedCompleter:
    """Answers each request with the next scripted reply (a JSON object) or raises the next scripted error."""

    def __init__(self, *script: dict[str, object] | str | Exception) -> None:
        self.script = list(script)
        self.requests: list[tuple[Message, ...]] = []
        self.plain: list[bool] = []

    async def complete(self, messages: Sequence[Message], *, plain: bool = False) -> Completion:
        self.requests.append(tuple(messages))
        self.plain.append(plain)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        text = step if isinstance(step, str) else json.dumps(step)  # a str is a plain-text reply
        return Completion(text, "stop", prompt_tokens=100, completion_tokens=20)


class MemoryCache:
    """A draft cache in a dict."""

    def __init__(self) -> None:
        self.entries: dict[str, DocstringDraft] = {}
        self.failures: dict[str, tuple[str, str]] = {}

    def get(self, key: str) -> DocstringDraft | None:
        return self.entries.get(key)

    def put(self, key: str, draft: DocstringDraft) -> bool:
        self.entries[key] = draft
        return True

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def failure(self, key: str) -> tuple[str, str] | None:
        return self.failures.get(key)

    def remember_failure(self, key: str, reason: str, detail: str) -> bool:
        self.failures[key] = (reason, detail)
        return True

    def claim(self, key: str) -> Claim | None:
        return Claim()


def generate(
    completer: ScriptedCompleter, cache: MemoryCache | None = None, settings: Settings | None = None
) -> tuple[Generated, Generator]:
    settings = settings or Settings()
    budget = RunBudget(Usage())
    generator = Generator(completer, cache or MemoryCache(), EstimatingCounter(), Pacer(concurrency=1), budget, settings)
    return asyncio.run(generator.generate(FACTS)), generator


def test_a_valid_reply_is_documented_and_cached() -> None:
    cache = MemoryCache()
    generated, generator = generate(ScriptedCompleter(GOOD), cache)
    assert generated.outcome.status is Status.DOCUMENTED
    assert generated.draft is not None and generated.draft.summary == "Add two numbers."
    assert list(cache.entries.values()) == [generated.draft]
    assert (generator.usage.requests, generator.usage.prompt_tokens, generator.usage.completion_tokens) == (1, 100, 20)


def test_a_cached_draft_costs_no_request() -> None:
    cache = MemoryCache()
    generate(ScriptedCompleter(GOOD), cache)
    completer = ScriptedCompleter()  # any request would fail: the script is empty
    generated, generator = generate(completer, cache)
    assert generated.outcome.status is Status.CACHED
    assert completer.requests == [] and generator.usage.requests == 0


def test_an_invalid_reply_gets_one_repair_listing_its_problems() -> None:
    completer = ScriptedCompleter(MISSING_B, GOOD)
    generated, _ = generate(completer)
    assert generated.outcome.status is Status.DOCUMENTED
    repair = completer.requests[1]
    assert repair[:2] == completer.requests[0]
    assert repair[2] == Message("assistant", json.dumps(MISSING_B))
    assert "parameter `b` is not documented" in repair[3].content


def test_a_summary_not_in_the_imperative_mood_gets_a_repair() -> None:
    completer = ScriptedCompleter({**GOOD, "summary": "This function is used to add two numbers."}, GOOD)
    generated, _ = generate(completer)
    assert generated.outcome.status is Status.DOCUMENTED and generated.draft is not None
    assert generated.draft.summary == "Add two numbers."
    assert 'imperative mood ("Return ...", not "This ...")' in completer.requests[1][3].content


@pytest.mark.parametrize("summary", ["Adds two numbers.", "This function adds two numbers."])
def test_a_summary_wrong_only_by_its_verbs_s_is_mended_without_a_second_request(summary: str) -> None:
    completer = ScriptedCompleter({**GOOD, "summary": summary})
    generated, _ = generate(completer)
    assert generated.outcome.status is Status.DOCUMENTED and generated.draft is not None
    assert generated.draft.summary == "Add two numbers." and len(completer.requests) == 1


def test_a_summary_too_long_only_by_a_trailing_clause_is_cut_without_a_second_request() -> None:
    long = "Add two numbers, returning their sum as the plus operator of the first number computes it."
    assert len(long) > Settings().line_length - 4 - 7  # the summary line's room at the body's column
    completer = ScriptedCompleter({**GOOD, "summary": long})
    generated, _ = generate(completer)
    assert generated.outcome.status is Status.DOCUMENTED and generated.draft is not None
    assert generated.draft.summary == "Add two numbers." and len(completer.requests) == 1


LONG_NO_CLAUSE = "Add the first number and the second number together with the plus operator of the first one."


def test_a_summary_too_long_and_nothing_else_gets_a_small_plain_request_for_a_shorter_one() -> None:
    completer = ScriptedCompleter({**GOOD, "summary": LONG_NO_CLAUSE}, '"Add the two numbers."\n')
    generated, _ = generate(completer)
    assert generated.outcome.status is Status.DOCUMENTED and generated.draft is not None
    assert generated.draft.summary == "Add the two numbers."
    assert [p.name for p in generated.draft.params] == ["a", "b"] and generated.draft.returns == "The sum."
    assert completer.plain == [False, True]
    system, ask = completer.requests[1]
    assert system.role == "system" and LONG_NO_CLAUSE in ask.content and "at most" in ask.content


def test_a_shorter_summary_still_too_long_fails_the_target() -> None:
    completer = ScriptedCompleter({**GOOD, "summary": LONG_NO_CLAUSE}, LONG_NO_CLAUSE)
    generated, _ = generate(completer)
    assert (generated.outcome.status, generated.outcome.reason) == (Status.FAILED, Reason.INVALID_REPLY)
    assert "write a shorter summary" in generated.outcome.detail and len(completer.requests) == 2


def test_a_summary_too_long_among_other_problems_gets_the_full_repair() -> None:
    completer = ScriptedCompleter({**MISSING_B, "summary": LONG_NO_CLAUSE}, GOOD)
    generated, _ = generate(completer)
    assert generated.outcome.status is Status.DOCUMENTED and completer.plain == [False, False]
    assert "write a shorter summary" in completer.requests[1][3].content


def test_a_repair_that_fixes_all_but_the_length_is_followed_by_the_shortening_request() -> None:
    long = {**GOOD, "summary": LONG_NO_CLAUSE}
    completer = ScriptedCompleter({**MISSING_B, "summary": LONG_NO_CLAUSE}, long, "Add the two numbers.")
    generated, generator = generate(completer)
    assert generated.outcome.status is Status.DOCUMENTED and generated.draft is not None
    assert generated.draft.summary == "Add the two numbers." and completer.plain == [False, False, True]
    assert generator.usage.requests == 3


def test_a_reply_still_invalid_after_the_repair_fails_and_is_not_cached() -> None:
    cache = MemoryCache()
    completer = ScriptedCompleter(MISSING_B, MISSING_B)
    generated, _ = generate(completer, cache)
    assert (generated.outcome.status, generated.outcome.reason) == (Status.FAILED, Reason.INVALID_REPLY)
    assert "parameter `b` is not documented" in generated.outcome.detail
    assert len(completer.requests) == 2 and cache.entries == {}


def test_a_target_whose_replies_were_refused_is_not_asked_again_until_told() -> None:
    cache = MemoryCache()
    generate(ScriptedCompleter(MISSING_B, MISSING_B), cache)
    again = ScriptedCompleter()  # any request would fail: the script is empty
    generated, _ = generate(again, cache)
    assert (generated.outcome.status, generated.outcome.reason) == (Status.FAILED, Reason.INVALID_REPLY)
    assert "--retry-failed asks again" in generated.outcome.detail and again.requests == []
    told = ScriptedCompleter(GOOD)
    generated, _ = generate(told, cache, Settings(retry_failed=True))
    assert generated.outcome.status is Status.DOCUMENTED and len(told.requests) == 1


def test_a_rejected_request_fails_that_target_only() -> None:
    generated, _ = generate(ScriptedCompleter(RejectedRequest(Reason.CONTENT_FILTER, "filtered")))
    assert (generated.outcome.status, generated.outcome.reason) == (Status.FAILED, Reason.CONTENT_FILTER)


def test_a_fatal_error_stops_every_later_request() -> None:
    completer = ScriptedCompleter(FatalAPIError("401"))
    settings = Settings()
    generator = Generator(completer, MemoryCache(), EstimatingCounter(), Pacer(concurrency=1), RunBudget(Usage()), settings)
    with pytest.raises(FatalAPIError):
        asyncio.run(generator.generate(FACTS))
    other = facts_of("def sub(a, b):\n    return a - b\n", "sub")
    with pytest.raises(FatalAPIError):
        asyncio.run(generator.generate(other))
    assert len(completer.requests) == 1  # the second target was never sent


def test_the_request_sent_is_the_one_request_for_builds() -> None:
    completer = ScriptedCompleter(GOOD)
    generate(completer)
    prompt = request_for(FACTS, Settings(), EstimatingCounter())
    assert prompt is not None and completer.requests == [prompt.messages]
