"""A draft as plain JSON values and back, strictly: the cache's entry format."""

from __future__ import annotations

from typing import Any

from docstring_hook.datatypes import DocstringDraft, ParamDoc, RaisesDoc

_DRAFT_KEYS = frozenset(
    ("summary", "description", "params", "returns")
    + ("returns_type", "yields", "yields_type", "raises")
)
_PARAM_KEYS = frozenset(("name", "description", "type"))
_RAISES_KEYS = frozenset(("exception", "description"))


def draft_to_json(draft: DocstringDraft) -> dict[str, Any]:
    """The draft as plain JSON values, field by field."""
    return {
        "summary": draft.summary,
        "description": draft.description,
        "params": [
            {"name": p.name, "description": p.description, "type": p.type}
            for p in draft.params
        ],
        "returns": draft.returns,
        "returns_type": draft.returns_type,
        "yields": draft.yields,
        "yields_type": draft.yields_type,
        "raises": [
            {"exception": r.exception, "description": r.description}
            for r in draft.raises
        ],
    }


def draft_from_json(obj: object) -> DocstringDraft:
    """The inverse of `draft_to_json`; ValueError on any shape problem."""
    fields = record(obj, _DRAFT_KEYS, "draft")
    return DocstringDraft(
        summary=_text(fields["summary"], "summary"),
        description=_text(fields["description"], "description"),
        params=tuple(_param(item) for item in _list(fields["params"], "params")),
        returns=_optional_text(fields["returns"], "returns"),
        returns_type=_optional_text(fields["returns_type"], "returns_type"),
        yields=_optional_text(fields["yields"], "yields"),
        yields_type=_optional_text(fields["yields_type"], "yields_type"),
        raises=tuple(_raises(item) for item in _list(fields["raises"], "raises")),
    )


def record(obj: object, keys: frozenset[str], what: str) -> dict[str, object]:
    """`obj` as a dict with exactly `keys`; ValueError naming `what` otherwise."""
    if not isinstance(obj, dict) or set(obj) != keys:
        raise ValueError(
            f"a cached {what} must be an object with exactly the keys {sorted(keys)}"
        )
    return obj


def _param(obj: object) -> ParamDoc:
    fields = record(obj, _PARAM_KEYS, "parameter")
    return ParamDoc(
        name=_text(fields["name"], "params.name"),
        description=_text(fields["description"], "params.description"),
        type=_optional_text(fields["type"], "params.type"),
    )


def _raises(obj: object) -> RaisesDoc:
    fields = record(obj, _RAISES_KEYS, "raises entry")
    return RaisesDoc(
        exception=_text(fields["exception"], "raises.exception"),
        description=_text(fields["description"], "raises.description"),
    )


def _list(value: object, name: str) -> list[object]:
    if not isinstance(value, list):
        raise ValueError(f"{name} must be a list")  # noqa: TRY004 - the contract: ValueError
    return value


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")  # noqa: TRY004 - as above
    return value


def _optional_text(value: object, name: str) -> str | None:
    return None if value is None else _text(value, name)
