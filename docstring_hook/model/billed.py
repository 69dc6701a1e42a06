"""What a chat request is billed for besides its messages' text: the structured-output schema.

OpenAI does not document how a `response_format` json_schema enters the
prompt. The one measurement found (openai/openai-cookbook issue 2140,
"Guidance on token counts for structured output schemas", 2025-09-18)
matched billed prompt tokens, across schemas of different lengths, with the
tokens of the schema serialised as compact JSON without its `required`,
`additionalProperties` and `$schema` keys, plus 9. That rule is assumed
here; it is about 60% of the tokens of the full schema text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

SCHEMA_OVERHEAD = 9
"""Tokens the service adds around the schema (measured, see the module docstring)."""

_UNSENT_KEYS = frozenset({"required", "additionalProperties", "$schema"})


def schema_prompt_text(schema: Mapping[str, Any]) -> str:
    """The schema as the service is assumed to render it into the prompt."""
    return json.dumps(_without_unsent(schema), separators=(",", ":"), ensure_ascii=False)


def _without_unsent(value: Any) -> Any:
    # Like the npm package omit-deep the measurement used: the keys go at every depth.
    if isinstance(value, Mapping):
        return {k: _without_unsent(v) for k, v in value.items() if k not in _UNSENT_KEYS}
    if isinstance(value, list):
        return [_without_unsent(v) for v in value]
    return value
