"""The JSON body of one chat-completions request: the synchronous client and the batch file share it.

A batch line's `body` is what the synchronous run would POST, so the two
paths ask the same question and the answer caches under the same key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from docstring_hook.model.prompt import RESPONSE_FORMAT_SCHEMA
from docstring_hook.model.types import Message

_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)", re.IGNORECASE)


def is_reasoning(model: str) -> bool:
    """Whether `model` takes max_completion_tokens and no temperature (o1, o3, gpt-5...)."""
    return bool(_REASONING_MODEL.match(model))


def chat_body(
    model: str,
    messages: Sequence[Message],
    *,
    cap_parameter: str,
    max_output_tokens: int,
    temperature: float | None,
    response_format: str,
) -> dict[str, Any]:
    """The request body; `response_format` is "json_schema", "json_object" or "text" (none sent)."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        cap_parameter: max_output_tokens,
    }
    if temperature is not None:
        body["temperature"] = temperature
    if response_format == "json_schema":
        body["response_format"] = RESPONSE_FORMAT_SCHEMA
    elif response_format == "json_object":
        body["response_format"] = {"type": "json_object"}
    return body
