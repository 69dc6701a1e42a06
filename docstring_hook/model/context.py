"""The repository context as the prompt shows it, and its cut to the `context-budget`.

Items arrive in priority order (callees, then the class skeleton, see
`source.context`, then callers, see `callers`), so cutting keeps the
longest prefix that fits: the last items go first. The target's own source is never shortened for
context: `request.fit` drops context before it elides a single line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from docstring_hook.datatypes import ContextItem

if TYPE_CHECKING:
    from docstring_hook.model.tokens import TokenCounter

HEADING = "Context from the repository (to understand the code; document only the target):"


def render_item(item: ContextItem) -> str:
    """One item: what it is, its summary, then its code indented by four spaces."""
    if item.kind == "caller":
        what, summary = f"Called from `{item.name}`", ":"
    else:
        what = f"Calls `{item.name}`" if item.kind == "callee" else f"Its class `{item.name}`"
        summary = f": {item.summary}" if item.summary else " (no docstring)"
    code = "\n".join(f"    {line}" if line else "" for line in item.code.splitlines())
    return f"{what}{summary}\n{code}"


def render_context(items: Sequence[ContextItem]) -> str:
    """The context section of the user message; empty when there are no items."""
    if not items:
        return ""
    return "\n".join([HEADING, *(render_item(item) for item in items)])


def within_budget(items: Sequence[ContextItem], budget: int, counter: TokenCounter) -> tuple[ContextItem, ...]:
    """The longest prefix of `items` whose section counts at most `budget` tokens."""
    kept: list[ContextItem] = []
    for item in items:
        if counter.count(render_context([*kept, item])) > budget:
            break
        kept.append(item)
    return tuple(kept)
