from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from docstring_hook.datatypes import Style
from docstring_hook.model import prompt
from docstring_hook.model.prompt import (
    RESPONSE_FORMAT_SCHEMA,
    RESPONSE_SCHEMA,
    build_messages,
    cache_key,
    repair_message,
    show_messages,
)
from docstring_hook.model.types import Message
from tests.conftest import facts_of

MODULE = '''\
"""Keep widgets on disk.

More words that are not the summary.
"""
import functools

from pkg import errors


class Store:
    """A key-value store of widgets."""

    @functools.cache
    async def fetch(self, key: str, /, default: int | None = None, *args, strict: bool = False, **options) -> int:
        if not key:
            raise errors.ConfigError("empty key")
        for value in args:
            yield value


def add(first, second=2):
    SECRET_OF_ANOTHER_FUNCTION = 1
    return first + second


class Widget:
    def __init__(self, name: str, size: int = 1) -> None:
        self.name = name
'''


def user_content(qualname: str, style: Style = Style.GOOGLE) -> str:
    facts = facts_of(MODULE, path="pkg/store.py", qualname=qualname)
    return build_messages(facts, style, facts.source)[1].content


def fenced_code(content: str) -> str:
    """What the fake test server does: from the line "```python" to the last line "```"."""
    lines = content.split("\n")
    start = lines.index("```python")
    end = len(lines) - 1 - lines[::-1].index("```")
    return "\n".join(lines[start + 1 : end]) + "\n"


def walk_objects(schema: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append(schema)
        for value in schema.values():
            found.extend(walk_objects(value))
    elif isinstance(schema, list):
        for value in schema:
            found.extend(walk_objects(value))
    return found


def test_every_object_of_the_schema_is_strict() -> None:
    objects = walk_objects(RESPONSE_SCHEMA)
    assert len(objects) == 5  # reply, param, returns, yields, raises entry
    for schema in objects:
        assert schema["additionalProperties"] is False
        assert sorted(schema["required"]) == sorted(schema["properties"])


def test_response_format_wraps_the_schema() -> None:
    assert RESPONSE_FORMAT_SCHEMA == {
        "type": "json_schema",
        "json_schema": {"name": "docstring", "strict": True, "schema": RESPONSE_SCHEMA},
    }
    assert RESPONSE_SCHEMA["required"] == [
        "summary",
        "description",
        "params",
        "returns",
        "yields",
        "raises",
    ]
    assert RESPONSE_SCHEMA["properties"]["params"]["items"]["properties"]["type"] == {
        "type": ["string", "null"]
    }
    assert {"type": "null"} in RESPONSE_SCHEMA["properties"]["returns"]["anyOf"]


@pytest.mark.parametrize(
    "qualname", ["Store.fetch", "add", "Widget", "Widget.__init__"]
)
def test_the_user_message_names_the_target_and_fences_its_code(qualname: str) -> None:
    facts = facts_of(MODULE, path="pkg/store.py", qualname=qualname)
    messages = build_messages(facts, Style.GOOGLE, facts.source)
    assert [m.role for m in messages] == ["system", "user"]
    content = messages[1].content
    assert f"Target: {qualname}" in content.split("\n")
    assert fenced_code(content) == facts.source


@pytest.mark.parametrize(
    ("qualname", "expected_lines"),
    [
        pytest.param(
            "Store.fetch",
            [
                "Kind: async generator method",
                "Module summary: Keep widgets on disk.",
                "Enclosing class: Store (A key-value store of widgets.)",
                "Decorators: @functools.cache",
                "Parameters:",
                "- key: str (positional-only)",
                "- default: int | None = None (positional-or-keyword)",
                "- *args (var-positional)",
                "- strict: bool = False (keyword-only)",
                "- **options (var-keyword)",
                "Return annotation: int",
                "Returns a value: no",
                "Raises in the code: errors.ConfigError",
                "Complexity: 3",
            ],
            id="async generator method",
        ),
        pytest.param(
            "add",
            [
                "Kind: function",
                "Parameters:",
                "- first (positional-or-keyword)",
                "- second = 2 (positional-or-keyword)",
                "Returns a value: yes",
                "Raises in the code: nothing",
            ],
            id="plain function",
        ),
        pytest.param(
            "Widget",
            [
                "Kind: class",
                "Parameters (of __init__):",
                "- name: str (positional-or-keyword)",
                "- size: int = 1 (positional-or-keyword)",
            ],
            id="class, with the parameters of __init__",
        ),
        pytest.param(
            "Widget.__init__",
            [
                "Kind: method",
                "Enclosing class: Widget",
                "Return annotation: None",
                "Returns a value: no",
            ],
            id="__init__ of an undocumented class",
        ),
    ],
)
def test_the_user_message_gives_the_facts(
    qualname: str, expected_lines: list[str]
) -> None:
    lines = user_content(qualname).split("\n")
    for line in expected_lines:
        assert line in lines


@pytest.mark.parametrize(
    ("qualname", "absent"),
    [
        pytest.param(
            "add",
            ["Enclosing class", "Decorators", "Return annotation"],
            id="function: no class, decorators or annotation",
        ),
        pytest.param(
            "Widget",
            ["Returns a value", "Raises in the code", "Complexity", "Enclosing class"],
            id="class: nothing about returning",
        ),
    ],
)
def test_the_user_message_leaves_out_what_does_not_apply(
    qualname: str, absent: list[str]
) -> None:
    content = user_content(qualname)
    for word in absent:
        assert word not in content


def test_the_user_message_never_holds_the_whole_file() -> None:
    content = user_content("Store.fetch")
    assert "SECRET_OF_ANOTHER_FUNCTION" not in content
    assert "More words that are not the summary" not in content
    assert "import functools" not in content


@pytest.mark.parametrize("style", list(Style))
def test_the_requested_style_is_named(style: Style) -> None:
    assert f"Docstring style: {style.value}" in user_content("add", style).split("\n")


def test_an_elided_source_is_shown_and_said_to_be_elided() -> None:
    facts = facts_of(MODULE, path="pkg/store.py", qualname="add")
    elided = "def add(first, second=2):\n    # ... 1 line elided ...\n    return first + second\n"
    _, user = build_messages(facts, Style.GOOGLE, elided)
    assert fenced_code(user.content) == elided
    assert "Some lines of the code were elided for length." in user.content
    assert (
        "elided for length"
        not in build_messages(facts, Style.GOOGLE, facts.source)[1].content
    )


def test_the_system_message_says_what_a_good_docstring_is_and_the_json_shape() -> None:
    system = build_messages(facts_of(MODULE, path="pkg/store.py", qualname="add"), Style.GOOGLE, "def add(): pass\n")[
        0
    ].content
    for phrase in [
        "imperative",
        "ending with a period",
        "every parameter",
        '">>>"',
        "Answer ONLY with one JSON object",
    ]:
        assert phrase in system
    for key in [
        '"summary"',
        '"description"',
        '"params"',
        '"returns"',
        '"yields"',
        '"raises"',
        '"exception"',
    ]:
        assert key in system


def test_repair_message_lists_every_problem() -> None:
    message = repair_message(
        ["parameter `x` is not documented", "the summary is empty"]
    )
    assert message.role == "user"
    assert (
        "- parameter `x` is not documented\n- the summary is empty\n" in message.content
    )
    assert "JSON object" in message.content


MESSAGES = (
    Message("system", "Be brief."),
    Message("user", "Target: f\n```python\ndef f(): pass\n```"),
)


@pytest.mark.parametrize(
    ("messages", "style", "model"),
    [
        pytest.param(MESSAGES, Style.NUMPY, "gpt-4o-mini", id="another style"),
        pytest.param(MESSAGES, Style.GOOGLE, "my-deployment", id="another model"),
        pytest.param(
            (MESSAGES[0], Message("user", "Target: g")),
            Style.GOOGLE,
            "gpt-4o-mini",
            id="another content",
        ),
        pytest.param(
            (Message("user", "Be brief."), MESSAGES[1]),
            Style.GOOGLE,
            "gpt-4o-mini",
            id="another role",
        ),
        pytest.param(MESSAGES[:1], Style.GOOGLE, "gpt-4o-mini", id="fewer messages"),
    ],
)
def test_the_cache_key_changes_with_everything_that_changes_the_answer(
    messages: tuple[Message, ...], style: Style, model: str
) -> None:
    base = cache_key(MESSAGES, style=Style.GOOGLE, model="gpt-4o-mini")
    assert cache_key(messages, style=style, model=model) != base


def test_the_cache_key_changes_with_the_prompt_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = cache_key(MESSAGES, style=Style.GOOGLE, model="m")
    monkeypatch.setattr(prompt, "PROMPT_VERSION", prompt.PROMPT_VERSION + 1)
    assert cache_key(MESSAGES, style=Style.GOOGLE, model="m") != before


def test_the_cache_key_is_the_same_in_another_process() -> None:
    key = cache_key(MESSAGES, style=Style.GOOGLE, model="m")
    assert len(key) == 64 and int(key, 16) >= 0
    code = (
        "from docstring_hook.model.prompt import cache_key\n"
        "from docstring_hook.model.types import Message\n"
        "from docstring_hook.datatypes import Style\n"
        f"print(cache_key({MESSAGES!r}, style=Style.GOOGLE, model='m'))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert other.stdout.strip() == key


def test_the_cache_key_survives_lone_surrogates() -> None:
    messages = (Message("user", "x = '\udc80'"),)
    assert cache_key(messages, style=Style.GOOGLE, model="m") != cache_key(
        messages[:0], style=Style.GOOGLE, model="m"
    )


def test_messages_built_from_described_facts_hold_no_secret() -> None:
    # Facts are masked once, when a file is described; building messages masks nothing more.
    facts = facts_of(
        '"""Uses sk_live_FAKEFAKEFAKEFAKE0000."""\n\ndef connect(key="AKIAZZZZFAKE0EXAMPLE"):\n    pass\n',
        "connect",
    )
    text = "".join(m.content for m in build_messages(facts, Style.GOOGLE, facts.source))
    assert "AKIAZZZZFAKE0EXAMPLE" not in text and "sk_live_" not in text
    assert text.count("<redacted:aws-key>") == 2  # the parameter list and the code


def test_show_messages_prints_each_content_verbatim_under_its_role() -> None:
    messages = (Message("system", "Be brief.\n"), Message("user", "Target: f"))
    assert show_messages(messages) == "--- system ---\nBe brief.\n\n--- user ---\nTarget: f\n"


def test_the_user_message_gives_the_summary_limit_and_what_the_returns_give() -> None:
    from docstring_hook.config import Settings
    from docstring_hook.model.request import request_for
    from docstring_hook.model.tokens import EstimatingCounter

    facts = facts_of("class C:\n    def parts(self, p):\n        return [p]\n", "C.parts")
    prompt = request_for(facts, Settings(line_length=100), EstimatingCounter())
    assert prompt is not None
    user = prompt.messages[1].content
    assert "Summary: one line of at most 85 characters" in user  # 100 - column 8 - quotes and period
    assert "What its return statements give: list" in user
