from __future__ import annotations

import re

import pytest

from docstring_hook.datatypes import Style
from docstring_hook.model.elide import elide
from docstring_hook.model.prompt import build_messages, cache_key
from docstring_hook.model.request import MESSAGE_CHAR_LIMIT, fit
from docstring_hook.model.tokens import EstimatingCounter, TokenCounter, count_messages
from tests.conftest import facts_of


class WordCounter:
    """About what a real encoding counts: one token per word or punctuation mark."""

    def count(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))


class ZeroCounter:
    """Counts nothing, so only the character limit can refuse a prompt."""

    def count(self, text: str) -> int:
        return 0


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
