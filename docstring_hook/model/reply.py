"""Reading the model's reply into a draft: a JSON object of the schema, or a plain docstring.

Lenient about the wrapping (code fences, prose around the object, triple
quotes), strict about the shape: anything that is not a draft becomes
`InvalidReply` with the problems a repair request lists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import docstring_parser

from docstring_hook.datatypes import DocstringDraft, ParamDoc, RaisesDoc

_MAX_OBJECT_TRIES = 32  # starting braces tried when looking for a JSON object in prose
_FENCE = re.compile(r"\A```[^\n`]*\n(?P<body>.*?)\n?```\Z", re.DOTALL)
_QUOTED = re.compile(r'\A[rRuU]?(?P<quote>"""|\'\'\')(?P<body>.*)(?P=quote)\Z', re.DOTALL)


class InvalidReply(Exception):
    """The reply cannot be read as a docstring; `problems` say why."""

    def __init__(self, problems: tuple[str, ...] | list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


def parse_reply(content: str) -> DocstringDraft:
    """The draft in a reply: a JSON object of `RESPONSE_SCHEMA`, or a plain docstring.

    JSON may be fenced or surrounded by prose; plain text may keep its
    triple quotes. Raises `InvalidReply`, and nothing else, when the reply
    is empty, is JSON of the wrong shape, or has no summary.
    """
    text = _unfenced(content.strip())
    if not text:
        raise InvalidReply(("the reply is empty",))
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as error:
        found = _find_object(text)
        if found is not None and (text.startswith("{") or "summary" in found):
            return _from_json(found)
        if text.startswith("{"):
            raise InvalidReply(
                (f"the reply is not valid JSON: {_first_line(error)}",)
            ) from None
        return _from_text(text)
    if not isinstance(value, dict):
        raise InvalidReply((f"the reply is a JSON {_json_type(value)}, not an object",))
    return _from_json(value)


def _unfenced(text: str) -> str:
    match = _FENCE.match(text)
    return match.group("body").strip() if match else text


def _find_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in `text` that decodes, starting at its first brace."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    tries = 0
    while start != -1 and tries < _MAX_OBJECT_TRIES:
        tries += 1
        try:
            value, _ = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            value = None
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


def _from_json(value: dict[str, Any]) -> DocstringDraft:
    problems: list[str] = []
    summary = _text_field(value, "summary", problems, required=True)
    description = _text_field(value, "description", problems)
    params = _params(value.get("params"), problems)
    returns, returns_type = _typed_text(value.get("returns"), "returns", problems)
    yields, yields_type = _typed_text(value.get("yields"), "yields", problems)
    raises = _raises(value.get("raises"), problems)
    if problems:
        raise InvalidReply(tuple(problems))
    return DocstringDraft(
        summary=summary,
        description=description,
        params=params,
        returns=returns,
        returns_type=returns_type,
        yields=yields,
        yields_type=yields_type,
        raises=raises,
    )


def _text_field(
    value: dict[str, Any],
    key: str,
    problems: list[str],
    *,
    required: bool = False,
    where: str = "",
) -> str:
    item = value.get(key)
    label = f'"{key}"{where}'
    if item is None:
        if required:
            problems.append(f"{label} is missing")
        return ""
    if not isinstance(item, str):
        problems.append(f"{label} must be a string, not {_json_type(item)}")
        return ""
    return item.strip()


def _optional_type(
    value: dict[str, Any], problems: list[str], where: str
) -> str | None:
    item = value.get("type")
    if item is None:
        return None
    if not isinstance(item, str):
        problems.append(
            f'"type"{where} must be a string or null, not {_json_type(item)}'
        )
        return None
    return item.strip() or None


def _params(items: Any, problems: list[str]) -> tuple[ParamDoc, ...]:
    return tuple(
        ParamDoc(
            _text_field(item, "name", problems, required=True, where=where),
            _text_field(item, "description", problems, where=where),
            _optional_type(item, problems, where),
        )
        for where, item in _objects(items, "params", problems)
    )


def _objects(items: Any, key: str, problems: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The objects of a list field, each with where it stands; a problem for anything else."""
    if items is None:
        return
    if not isinstance(items, list):
        problems.append(f'"{key}" must be a list, not {_json_type(items)}')
        return
    for index, item in enumerate(items):
        if isinstance(item, dict):
            yield f" of {key}[{index}]", item
        else:
            problems.append(f"{key}[{index}] must be an object, not {_json_type(item)}")


def _typed_text(
    item: Any, key: str, problems: list[str]
) -> tuple[str | None, str | None]:
    """A returns/yields entry: (description, type), (None, None) when absent."""
    if item is None:
        return None, None
    if isinstance(item, str):  # Lenient: a bare description.
        return (item.strip() or None), None
    if not isinstance(item, dict):
        problems.append(f'"{key}" must be an object or null, not {_json_type(item)}')
        return None, None
    where = f" of {key}"
    description = _text_field(item, "description", problems, where=where)
    kind = _optional_type(item, problems, where)
    if not description and kind is None:
        return None, None  # {"type": null, "description": ""} means nothing to say.
    return description, kind


def _raises(items: Any, problems: list[str]) -> tuple[RaisesDoc, ...]:
    return tuple(
        RaisesDoc(
            _text_field(item, "exception", problems, required=True, where=where),
            _text_field(item, "description", problems, where=where),
        )
        for where, item in _objects(items, "raises", problems)
    )


def _from_text(text: str) -> DocstringDraft:
    match = _QUOTED.match(text)
    if match:
        text = match.group("body").strip()
    try:
        parsed = docstring_parser.parse(text)
        summary = (parsed.short_description or "").strip()
        description = (parsed.long_description or "").strip()
        examples = [e.description or "" for e in parsed.examples]
        params = tuple(
            ParamDoc(p.arg_name, (p.description or "").strip(), p.type_name or None)
            for p in parsed.params
        )
        returns = next((r for r in parsed.many_returns if not r.is_generator), None)
        yields = next((r for r in parsed.many_returns if r.is_generator), None)
        raises = tuple(
            RaisesDoc(r.type_name or "", (r.description or "").strip())
            for r in parsed.raises
        )
    except Exception as error:  # noqa: BLE001 - the third-party parser fails in many ways on odd text
        raise InvalidReply(
            (f"the reply could not be read as a docstring: {_first_line(error)}",)
        ) from None
    if not summary:
        raise InvalidReply(("the reply has no summary line",))
    # Examples are kept so that `check` can refuse them; the draft has no field of their own.
    description = "\n\n".join(part for part in (description, *examples) if part.strip())
    return DocstringDraft(
        summary=summary,
        description=description,
        params=params,
        returns=(returns.description or "").strip() if returns else None,
        returns_type=(returns.type_name or None) if returns else None,
        yields=(yields.description or "").strip() if yields else None,
        yields_type=(yields.type_name or None) if yields else None,
        raises=raises,
    )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__
