"""Read the model's reply into a draft, and judge the draft against the code.

Validation is about content only: whether the right things are documented.
Escaping and layout belong to rendering, which must cope with any text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import docstring_parser

from docstring_hook.datatypes import (
    DocstringDraft,
    FunctionFacts,
    ParamDoc,
    RaisesDoc,
    TargetKind,
)

SUMMARY_LIMIT = 200
_MAX_OBJECT_TRIES = 32  # starting braces tried when looking for a JSON object in prose
_FENCE = re.compile(r"\A```[^\n`]*\n(?P<body>.*?)\n?```\Z", re.DOTALL)
_QUOTED = re.compile(
    r'\A[rRuU]?(?P<quote>"""|\'\'\')(?P<body>.*)(?P=quote)\Z', re.DOTALL
)
_NO_RETURN_ANNOTATIONS = frozenset(
    {"None", "NoReturn", "Never", "typing.NoReturn", "typing.Never"}
)


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


def check(
    draft: DocstringDraft, facts: FunctionFacts, *, allow_examples: bool = False
) -> tuple[str, ...]:
    """The problems of `draft` as the docstring of `facts`; empty when it is fine."""
    problems = [*_summary_problems(draft.summary), *_param_problems(draft, facts)]
    if facts.target.kind is TargetKind.CLASS:
        if draft.returns is not None:
            problems.append("a class docstring has no Returns section: remove it")
        if draft.yields is not None:
            problems.append("a class docstring has no Yields section: remove it")
    else:
        problems.extend(_returns_problems(draft, facts))
        problems.extend(_yields_problems(draft, facts))
    problems.extend(_raises_problems(draft, facts))
    if not allow_examples and any(">>>" in text for text in _texts(draft)):
        problems.append("the docstring contains an example (`>>>`): remove examples")
    return tuple(problems)


# Reading replies.


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


# Judging drafts.


def _summary_problems(summary: str) -> list[str]:
    summary = summary.strip()
    if not summary:
        return ["the summary is empty"]
    problems = []
    if len(summary.splitlines()) > 1:
        problems.append("the summary must be a single line")
    if len(summary) > SUMMARY_LIMIT:
        problems.append(f"the summary is longer than {SUMMARY_LIMIT} characters")
    if not summary[0].isalnum():
        problems.append("the summary must start with a letter or a digit")
    if summary.endswith(":"):
        problems.append("the summary must not end with a colon")
    return problems


def _param_problems(draft: DocstringDraft, facts: FunctionFacts) -> list[str]:
    problems = []
    known = {p.name: p.display_name for p in facts.params}
    documented: set[str] = set()
    for doc in draft.params:
        name = doc.name.strip().lstrip("*")
        if name not in known:
            problems.append(f"`{doc.name}` is documented but is not a parameter")
            continue
        if name in documented:
            problems.append(f"parameter `{known[name]}` is documented twice")
        documented.add(name)
        if not doc.description.strip():
            problems.append(f"parameter `{known[name]}` has an empty description")
    if facts.target.kind is not TargetKind.CLASS:
        problems.extend(
            f"parameter `{shown}` is not documented"
            for name, shown in known.items()
            if name not in documented
        )
    return problems


def _returns_problems(draft: DocstringDraft, facts: FunctionFacts) -> list[str]:
    is_init = facts.target.qualname.rsplit(".", 1)[-1] == "__init__"
    annotated = (
        facts.returns is not None and facts.returns not in _NO_RETURN_ANNOTATIONS
    )
    if is_init or facts.returns in _NO_RETURN_ANNOTATIONS:
        allowed = required = False
    else:
        required = facts.returns_value
        # A stub or abstract method annotated with a type may describe what it returns.
        allowed = required or (annotated and not facts.is_generator)
    if draft.returns is None:
        return (
            ["the function returns a value: document it under Returns"]
            if required
            else []
        )
    if not allowed:
        return ["Returns is documented but the function returns no value: remove it"]
    if not draft.returns.strip():
        return ["the Returns description is empty"]
    return []


def _yields_problems(draft: DocstringDraft, facts: FunctionFacts) -> list[str]:
    if draft.yields is None:
        return (
            ["the function is a generator: document what it yields under Yields"]
            if facts.is_generator
            else []
        )
    if not facts.is_generator:
        return ["Yields is documented but the function is not a generator: remove it"]
    if not draft.yields.strip():
        return ["the Yields description is empty"]
    return []


def _raises_problems(draft: DocstringDraft, facts: FunctionFacts) -> list[str]:
    raised = {_last_part(name) for name in facts.raises}
    problems = []
    for doc in draft.raises:
        name = doc.exception.strip()
        if not name:
            problems.append("a Raises entry names no exception")
        elif _last_part(name) not in raised:
            problems.append(
                f"`{name}` is documented as raised but the code does not raise it: remove it"
            )
    return problems


def _last_part(name: str) -> str:
    return name.strip().rsplit(".", 1)[-1]


def _texts(draft: DocstringDraft) -> list[str]:
    texts = [draft.summary, draft.description, draft.returns or "", draft.yields or ""]
    texts.extend(p.description for p in draft.params)
    texts.extend(r.description for r in draft.raises)
    return texts
