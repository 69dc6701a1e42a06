"""The words sent to the model: system and user messages, reply schema, cache keys.

Everything here is pure: the same facts, style and source give the same
messages, byte for byte, in every process, so that `cache_key` finds the
answer of an earlier run again. Change any wording and bump
`PROMPT_VERSION`: it is part of every cache key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from docstring_hook.datatypes import ContextItem, FunctionFacts, Param, Style, TargetKind
from docstring_hook.model.context import render_context
from docstring_hook.model.types import Message

PROMPT_VERSION = 3

DEFAULT_SUMMARY_LIMIT = 72
"""The summary's length when the caller gives none: a docstring at column 8 of an 88-column line."""

# Annotations, defaults and decorators longer than this are cut in the
# summary of facts: the signature itself is always in the code block.
_CLIP = 120


def _nullable(schema_type: str) -> list[str]:
    return [schema_type, "null"]


_TYPED_TEXT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": _nullable("string")},
        "description": {"type": "string"},
    },
    "required": ["type", "description"],
    "additionalProperties": False,
}

RESPONSE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "description": {"type": "string"},
        "params": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "type": {"type": _nullable("string")},
                    "description": {"type": "string"},
                },
                "required": ["name", "type", "description"],
                "additionalProperties": False,
            },
        },
        "returns": {"anyOf": [_TYPED_TEXT, {"type": "null"}]},
        "yields": {"anyOf": [_TYPED_TEXT, {"type": "null"}]},
        "raises": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "exception": {"type": "string"},
                    "description": {"type": "string"},
                },
                "required": ["exception", "description"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["summary", "description", "params", "returns", "yields", "raises"],
    "additionalProperties": False,
}

RESPONSE_FORMAT_SCHEMA: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {"name": "docstring", "strict": True, "schema": RESPONSE_SCHEMA},
}

_GOOD_DOCSTRING = """\
You write Python docstrings for code that lacks them. A good docstring:
- starts with a one-line summary in the imperative mood ("Return ...", not \
"Returns ..."), ending with a period, no longer than the limit given below;
- explains what the code does and why a caller would use it, not how; it does \
not restate the signature, the names or the types that the code already shows;
- adds a description only when the summary is not enough: a few plain sentences \
on behaviour, side effects and edge cases; otherwise leaves it empty;
- describes every parameter listed under "Parameters", and no other name;
- documents a return value only if the code returns a value, what it yields \
only if it is a generator, and only exceptions that the code itself raises;
- contains no examples and no doctests (">>>"), and never invents behaviour \
the code does not show.
For a class, describe what an instance represents; its parameters are those \
of __init__, and it has no return value.
Lines replaced by "# ... N lines elided ..." were left out for length: do not \
mention them."""

_JSON_ANSWER = """\
Answer ONLY with one JSON object, no prose and no code fence, of exactly this \
shape:
{"summary": string,
 "description": string,
 "params": [{"name": string, "type": string or null, "description": string}],
 "returns": {"type": string or null, "description": string} or null,
 "yields": {"type": string or null, "description": string} or null,
 "raises": [{"exception": string, "description": string}]}
- "summary": the one-line summary; "description": "" when there is nothing to add;
- "params": one entry per listed parameter, in order, named as listed; \
"type": its annotation, or null;
- "returns": null unless the code returns a value; "yields": null unless it \
is a generator;
- "raises": [] unless the code raises exceptions; name each as the code \
does, with the condition that raises it.
Descriptions are plain sentences ending with a period, with no headings and \
no markup of any docstring style: the tool lays out the docstring in the \
requested style itself."""

def build_messages(
    facts: FunctionFacts,
    style: Style,
    source: str,
    summary_limit: int = DEFAULT_SUMMARY_LIMIT,
    context: Sequence[ContextItem] = (),
) -> tuple[Message, ...]:
    """The system and user messages asking for the docstring of one target.

    `source` is the definition's code as it should be shown, which may be
    an elided form of `facts.source` (see `elide`); it ends the user
    message in a fenced block opening with a line "```python" and closing
    with a line "```". Facts come from `describe_file` with their secrets
    masked already, and elision only drops lines: nothing is masked here.
    `context`, those of `facts.context` that fit (see `request.fit`), goes
    before the code block.
    """
    return (
        Message("system", _GOOD_DOCSTRING + "\n\n" + _JSON_ANSWER),
        Message("user", _user_content(facts, style, source, summary_limit, context)),
    )


def repair_message(problems: Sequence[str]) -> Message:
    """A follow-up user message listing the problems of the previous answer."""
    listed = "\n".join(f"- {problem}" for problem in problems) or "- the answer could not be used"
    return Message(
        "user",
        "Your answer has these problems:\n"
        f"{listed}\n"
        "Answer again with the corrected JSON object, of the same shape, only, fixing every problem "
        "listed and keeping everything else.",
    )


def cache_key(messages: Sequence[Message], *, style: Style, model: str) -> str:
    """The sha256 hex digest of everything that changes the answer."""
    payload = json.dumps(
        {
            "prompt_version": PROMPT_VERSION,
            "style": Style(style).value,
            "model": model,
            "messages": [[m.role, m.content] for m in messages],
        },
        sort_keys=True,
        ensure_ascii=True,  # lone surrogates in source text cannot break hashing
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


def show_messages(messages: Sequence[Message]) -> str:
    """Messages as `--show-prompt` prints them: each content verbatim under its role."""
    return "".join(f"--- {m.role} ---\n{m.content}\n" for m in messages)


def _user_content(
    facts: FunctionFacts, style: Style, source: str, summary_limit: int, context: Sequence[ContextItem] = ()
) -> str:
    target = facts.target
    is_class = target.kind is TargetKind.CLASS
    lines = [f"Target: {target.qualname}", f"Kind: {_kind(facts)}"]
    if facts.module_summary:
        lines.append(f"Module summary: {_clip(facts.module_summary)}")
    if facts.class_name:
        summary = f" ({_clip(facts.class_summary)})" if facts.class_summary else ""
        lines.append(f"Enclosing class: {facts.class_name}{summary}")
    if facts.decorators:
        lines.append(
            "Decorators: " + ", ".join(f"@{_clip(d)}" for d in facts.decorators)
        )
    heading = "Parameters (of __init__)" if is_class else "Parameters"
    if facts.params:
        lines.append(f"{heading}:")
        lines.extend(f"- {_param(p)}" for p in facts.params)
    else:
        lines.append(f"{heading}: none")
    if not is_class:
        if facts.returns is not None:
            lines.append(f"Return annotation: {_clip(facts.returns)}")
        lines.append(f"Returns a value: {'yes' if facts.returns_value else 'no'}")
        if facts.returns_value and facts.return_kinds:
            lines.append("What its return statements give: " + ", ".join(_clip(k) for k in facts.return_kinds))
        if facts.raises:
            lines.append("Raises in the code: " + ", ".join(facts.raises))
        else:
            lines.append("Raises in the code: nothing")
        lines.append(f"Complexity: {facts.complexity}")
    lines.append(f"Docstring style: {Style(style).value}")
    lines.append(f"Summary: one line of at most {max(summary_limit, 20)} characters")
    if source != facts.source:
        lines.append("Some lines of the code were elided for length.")
    if context:
        lines.append(render_context(context))
    lines.append("")
    lines.append("```python")
    lines.append(source.rstrip("\n"))
    lines.append("```")
    return "\n".join(lines)


def _kind(facts: FunctionFacts) -> str:
    kind = facts.target.kind.value
    if kind == "class":
        return kind
    words = ["async"] if facts.is_async else []
    words.append("generator" if facts.is_generator else "")
    words.append(kind)
    return " ".join(w for w in words if w)


def _param(param: Param) -> str:
    text = param.display_name
    if param.annotation is not None:
        text += f": {_clip(param.annotation)}"
    if param.default is not None:
        text += f" = {_clip(param.default)}"
    return f"{text} ({param.kind.value})"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _CLIP else text[: _CLIP - 3] + "..."
