from __future__ import annotations

import re

import pytest
import tiktoken

from docstring_hook.datatypes import Style
from docstring_hook.errors import ConfigError
from docstring_hook.model.budget import (
    MESSAGE_CHAR_LIMIT,
    EstimatingCounter,
    RunBudget,
    TiktokenCounter,
    TokenCounter,
    count_messages,
    elide,
    fit,
    load_counter,
)
from docstring_hook.model.encodings import load_encoding
from docstring_hook.model.prompt import build_messages, cache_key
from tests.conftest import facts_of


def byte_encoding() -> tiktoken.Encoding:
    """A real tiktoken encoding of one token per byte, built without any download."""
    return tiktoken.Encoding(
        name="bytes-for-tests",
        pat_str=r"\S+|\s+",
        mergeable_ranks={bytes([i]): i for i in range(256)},
        special_tokens={"<|endoftext|>": 256},
    )


class WordCounter:
    """About what a real encoding counts: one token per word or punctuation mark."""

    def count(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))


class ZeroCounter:
    """Counts nothing, so only the character limit can refuse a prompt."""

    def count(self, text: str) -> int:
        return 0


# Token counts. The real counts were measured once with o200k_base and cl100k_base.


@pytest.mark.parametrize(
    ("text", "o200k", "cl100k"),
    [
        pytest.param(
            "def add(first: int, second: int = 2) -> int:\n    if first < 0:\n"
            '        raise ValueError(f"negative: {first!r}")\n    return first + second\n',
            42,
            41,
            id="python",
        ),
        pytest.param(
            "Return the number of tokens a request costs, counting every message and the primed reply.",
            18,
            18,
            id="prose",
        ),
        pytest.param(
            "data = [[-3, -2,  0,  1], [ 4,  5, 10, 12]]\n",
            31,
            31,
            id="numbers and blanks",
        ),
        pytest.param(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABAQMAAAAl21bKAAAAA1BMVEUAAACnej3aAAAAAWJLR0QAiAUdSAAAAAlwSFlzAAALEwAACxMB"
            "AJqcGAAAAAd0SU1FB94BCRQnOqNu0b4AAAAKSURBVAjXY2AAAAACAAHiIbwzAAAAAElFTkSuQmCC",
            100,
            101,
            id="base64",
        ),
        pytest.param("文字化けを直す関数です。", 10, 10, id="cjk"),
        pytest.param("🎉🚀✨🔥👍", 7, 14, id="emoji"),
        pytest.param("#!@%^&*(){}[]<>?/|\\~`", 13, 14, id="punctuation"),
    ],
)
def test_the_estimate_over_counts_real_encodings(
    text: str, o200k: int, cl100k: int
) -> None:
    assert EstimatingCounter().count(text) >= max(o200k, cl100k)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", 0, id="empty"),
        pytest.param("hello world", 1 + 2 + 1 + 2, id="two words and a blank"),
        pytest.param("x  = 1", 1 + 1 + 2 + 1 + 1 + 1, id="two blanks cost two"),
        pytest.param(
            "\n       pass", 1 + 1 + 1, id="newline and indentation are one run"
        ),
        pytest.param("é", 1 + 2, id="one token per utf-8 byte"),
        pytest.param("\udc80", 1 + 3, id="lone surrogate"),
        pytest.param(
            "<|endoftext|>", 1 + 1 + 1 + 3 + 1 + 1, id="special tokens are text"
        ),
    ],
)
def test_the_estimate_counts_pieces(text: str, expected: int) -> None:
    assert EstimatingCounter().count(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", 0, id="empty"),
        pytest.param("abc def", 7, id="ascii"),
        pytest.param("é", 2, id="two-byte character"),
        pytest.param("<|endoftext|>", 13, id="special token as plain text"),
    ],
)
def test_tiktoken_counter_counts_with_the_encoding(text: str, expected: int) -> None:
    assert TiktokenCounter(byte_encoding()).count(text) == expected


@pytest.mark.parametrize(
    ("model", "name"),
    [
        pytest.param("gpt-4o-mini", "o200k_base", id="gpt-4o-mini"),
        pytest.param("gpt-4.1", "o200k_base", id="gpt-4.1"),
        pytest.param("o3-mini", "o200k_base", id="o-series"),
        pytest.param("gpt-4", "cl100k_base", id="gpt-4"),
        pytest.param("gpt-3.5-turbo", "cl100k_base", id="gpt-3.5"),
        pytest.param("my-azure-deployment", "o200k_base", id="unknown names get o200k"),
    ],
)
def test_load_counter_uses_the_shipped_encoding_offline(
    model: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_download(name: str) -> tiktoken.Encoding:
        raise ConnectionError("Failed to resolve host")

    monkeypatch.setattr(tiktoken, "get_encoding", no_download)
    counter, warning = load_counter(model)
    assert isinstance(counter, TiktokenCounter) and counter.encoding is load_encoding(name)
    assert warning is None


def test_load_counter_asks_tiktoken_for_other_encodings(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def get_encoding(name: str) -> tiktoken.Encoding:
        asked.append(name)
        return byte_encoding()

    monkeypatch.setattr(tiktoken, "get_encoding", get_encoding)
    counter, warning = load_counter("text-davinci-003")
    assert isinstance(counter, TiktokenCounter)
    assert (asked, warning) == (["p50k_base"], None)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(ConnectionError("Failed to resolve host"), id="download fails"),
        pytest.param(ValueError("Unknown encoding p50k_base"), id="old tiktoken"),
        pytest.param(PermissionError("cache folder"), id="cache not writable"),
    ],
)
def test_load_counter_estimates_when_another_encoding_cannot_load(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def fail(name: str) -> tiktoken.Encoding:
        raise error

    monkeypatch.setattr(tiktoken, "get_encoding", fail)
    counter, warning = load_counter("text-davinci-003")
    assert isinstance(counter, EstimatingCounter)
    assert (
        warning is not None
        and "'text-davinci-003'" in warning
        and "p50k_base" in warning
        and type(error).__name__ in warning
    )


# Elision.


@pytest.mark.parametrize(
    ("source", "keep", "expected"),
    [
        pytest.param(
            "def f(x):\n    a = 1\n    b = 2\n    return a + b\n",
            5,
            "def f(x):\n    a = 1\n    b = 2\n    return a + b\n",
            id="short body unchanged",
        ),
        pytest.param(
            "def f(x):\n    a = 1\n    b = 2\n    c = 3\n    d = 4\n    e = 5\n",
            1,
            "def f(x):\n    a = 1\n    # ... 3 lines elided ...\n    e = 5\n",
            id="first and last keep lines",
        ),
        pytest.param(
            "def f(x):\n    a = 1\n    if a:\n        b = 2\n        return b\n    c = 3\n    raise ValueError(c)\n",
            0,
            "def f(x):\n    # ... 3 lines elided ...\n        return b\n    # ... 1 line elided ...\n    raise ValueError(c)\n",
            id="return and raise lines kept",
        ),
        pytest.param(
            "@cache\n@route(\n    '/x',\n)\ndef f(\n    x: int,\n    y: dict[str, int] = {},\n) -> int:\n    a = 1\n    b = 2\n",
            0,
            "@cache\n@route(\n    '/x',\n)\ndef f(\n    x: int,\n    y: dict[str, int] = {},\n) -> int:\n    # ... 2 lines elided ...\n",
            id="decorators and multi-line signature kept",
        ),
        pytest.param(
            "def f():\n    a = 1\n    x = yield a\n    b = 2\n",
            0,
            "def f():\n    # ... 1 line elided ...\n    x = yield a\n    # ... 1 line elided ...\n",
            id="yield expression kept",
        ),
        pytest.param(
            "def f():\n    a = 1  # return early\n    s = 'raise'\n    raise KeyError(\n        'long message'\n    )\n",
            0,
            "def f():\n    # ... 2 lines elided ...\n    raise KeyError(\n        'long message'\n    )\n",
            id="words in comments and strings are not keywords; short statements kept whole",
        ),
        pytest.param(
            "class C(Base, metaclass=M):\n    a = 1\n\n    def g(self):\n        return 2\n",
            0,
            "class C(Base, metaclass=M):\n    # ... 3 lines elided ...\n        return 2\n",
            id="class header",
        ),
        pytest.param(
            "    def f(self):\n        a = '''\nstring at column 0\n'''\n        return a",
            0,
            "    def f(self):\n        # ... 3 lines elided ...\n        return a",
            id="indented source without a final newline",
        ),
        pytest.param(
            "def f(x):\n    a = (\n    return x\n    b = 2\n",
            0,
            "def f(x):\n    # ... 1 line elided ...\n    return x\n    # ... 1 line elided ...\n",
            id="untokenizable source falls back to words",
        ),
    ],
)
def test_elide(source: str, keep: int, expected: str) -> None:
    assert elide(source, keep) == expected


# Fitting one prompt.

LONG_FUNCTION = (
    "@register('long')\n"
    "def long_function(data: list[int], *, limit: int = 10) -> int:\n"
    + "".join(
        f"    if data[{i}] > limit:\n        raise ValueError('too big: {i}')\n"
        if i % 400 == 7
        else f"    if data[{i}] < 0:\n        return {i}\n"
        if i % 400 == 201
        else f"    total_{i} = data[{i}] * {i} + limit\n"
        for i in range(2000)
    )
    + "    return 0\n"
)


@pytest.mark.parametrize(
    ("counter", "budget"),
    [
        pytest.param(WordCounter(), 1_400, id="about real counts"),
        pytest.param(EstimatingCounter(), 2_400, id="the over-counting estimate"),
    ],
)
def test_a_two_thousand_line_body_fits_by_elision(
    counter: TokenCounter, budget: int
) -> None:
    facts = facts_of(LONG_FUNCTION, "long_function")
    assert (
        count_messages(build_messages(facts, Style.GOOGLE, facts.source), counter)
        > 20_000
    )
    prompt = fit(facts, Style.GOOGLE, "gpt-4o-mini", budget, counter)
    assert prompt is not None
    assert prompt.elided and prompt.tokens <= budget
    assert prompt.tokens == count_messages(prompt.messages, counter)
    user = prompt.messages[-1].content
    assert (
        "@register('long')\ndef long_function(data: list[int], *, limit: int = 10) -> int:\n"
        in user
    )
    exits = [
        line
        for line in LONG_FUNCTION.splitlines()
        if "return" in line or "raise" in line
    ]
    assert len(exits) == 11
    for line in exits:
        assert line + "\n" in user
    assert "lines elided ..." in user


def test_a_prompt_that_fits_is_not_elided() -> None:
    facts = facts_of("def add(a, b):\n    return a + b\n", "add")
    prompt = fit(facts, Style.GOOGLE, "gpt-4o-mini", 6_000, EstimatingCounter())
    assert prompt is not None and not prompt.elided
    assert prompt.messages == build_messages(facts, Style.GOOGLE, facts.source)
    assert prompt.key == cache_key(
        prompt.messages, style=Style.GOOGLE, model="gpt-4o-mini"
    )


def test_fitting_is_deterministic_so_the_cache_key_is_stable() -> None:
    facts = facts_of(LONG_FUNCTION, "long_function")
    first = fit(facts, Style.GOOGLE, "m", 2_000, EstimatingCounter())
    again = fit(facts, Style.GOOGLE, "m", 2_000, EstimatingCounter())
    assert first is not None and first.elided
    assert first == again


def test_a_smaller_budget_after_a_context_length_error_gives_a_smaller_prompt() -> None:
    facts = facts_of(LONG_FUNCTION, "long_function")
    prompt = fit(facts, Style.GOOGLE, "m", 200_000, EstimatingCounter())
    assert prompt is not None and not prompt.elided
    smaller = fit(facts, Style.GOOGLE, "m", prompt.tokens // 2, EstimatingCounter())
    assert smaller is not None and smaller.elided
    assert smaller.tokens <= prompt.tokens // 2
    assert smaller.key != prompt.key
    # Three quarters, as `Generator._shrunk_budget` asks: the instructions and the schema cannot shrink.
    smallest = fit(facts, Style.GOOGLE, "m", smaller.tokens * 3 // 4, EstimatingCounter())
    assert smallest is not None and smallest.tokens <= smaller.tokens * 3 // 4


def test_an_enormous_one_line_signature_does_not_fit() -> None:
    params = ", ".join(f"parameter_{i}: int = {i}" for i in range(2_000))
    facts = facts_of(f"def wide({params}):\n    return 1\n", "wide")
    assert fit(facts, Style.GOOGLE, "m", 6_000, EstimatingCounter()) is None


@pytest.mark.parametrize(
    ("source", "fits"),
    [
        pytest.param(
            "def huge():\n" + f"    x = '{'a' * 1_000}'\n" * 2_000,
            True,
            id="many long lines are elided",
        ),
        pytest.param(
            "def huge():\n    return '" + "a" * (MESSAGE_CHAR_LIMIT + 10) + "'\n",
            False,
            id="one line over the limit",
        ),
    ],
)
def test_no_message_exceeds_the_character_limit(source: str, fits: bool) -> None:
    facts = facts_of(source, "huge")
    assert len(facts.source) > MESSAGE_CHAR_LIMIT
    prompt = fit(facts, Style.GOOGLE, "m", 10**12, ZeroCounter())
    assert (prompt is not None) == fits
    if prompt is not None:
        assert prompt.elided
        assert all(len(m.content) <= MESSAGE_CHAR_LIMIT for m in prompt.messages)


def test_plain_text_prompts_ask_for_text() -> None:
    facts = facts_of("def add(a, b):\n    return a + b\n", "add")
    json_prompt = fit(facts, Style.GOOGLE, "m", 6_000, EstimatingCounter())
    text_prompt = fit(
        facts, Style.GOOGLE, "m", 6_000, EstimatingCounter(), plain_text=True
    )
    assert json_prompt is not None and text_prompt is not None
    assert "JSON" not in text_prompt.messages[0].content
    assert text_prompt.key != json_prompt.key


# The run's limits.


def run(budget: RunBudget, steps: list[tuple]) -> list[str | None]:
    """Apply ("admit", prompt, output) and ("settle", prompt, completion) steps; the admit answers."""
    answers: list[str | None] = []
    for name, *numbers in steps:
        if name == "admit":
            answers.append(budget.admit(*numbers))
        else:
            budget.settle(*numbers)
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
    assert run(RunBudget(**limits), steps) == answers


def test_run_budget_reports_usage_and_cost() -> None:
    budget = RunBudget(price_per_million_input=2.0, price_per_million_output=8.0)
    assert budget.admit(1_000, 600) is None
    budget.settle(900, 100)
    budget.settle(1_200, 50)  # a repair request, never admitted
    assert (budget.functions, budget.prompt_tokens, budget.completion_tokens) == (
        1,
        2_100,
        150,
    )
    assert budget.cost == pytest.approx((2_100 * 2.0 + 150 * 8.0) / 1_000_000)
    assert budget.reserved_tokens == 0


def test_run_budget_without_prices_has_no_cost() -> None:
    budget = RunBudget(max_tokens=100)
    budget.settle(10, 5)
    assert budget.cost is None


def test_max_cost_needs_a_price() -> None:
    with pytest.raises(ConfigError, match="max-cost needs"):
        RunBudget(max_cost=1.0)


def test_settle_and_release_free_the_named_reservation() -> None:
    budget = RunBudget(max_tokens=1_000)
    assert budget.admit(100, 100) is None
    assert budget.admit(300, 100) is None
    budget.settle(250, 50, reserved=(300, 100))
    assert budget.reserved_tokens == 200
    budget.release((100, 100))  # that request was never sent
    assert budget.reserved_tokens == 0
    budget.release()  # nothing left: no effect
    assert (budget.functions, budget.prompt_tokens, budget.completion_tokens) == (
        2,
        250,
        50,
    )
