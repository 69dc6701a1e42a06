"""A reply judged: read into a draft, then checked against the code, the project's lines and mood."""

from __future__ import annotations

import asyncio

from docstring_hook.config import Settings
from docstring_hook.datatypes import DocstringDraft, FunctionFacts, Style
from docstring_hook.model.mood import mood_problem
from docstring_hook.model.reply import InvalidReply, parse_reply
from docstring_hook.model.types import Completion
from docstring_hook.model.validate import check

IMPERATIVE_STYLES = frozenset({Style.GOOGLE, Style.NUMPY, Style.PEP257})
"""Styles whose summaries must be in the imperative mood (pydocstyle's D401); not Sphinx's."""


async def judge(
    completion: Completion, facts: FunctionFacts, settings: Settings
) -> tuple[DocstringDraft | None, tuple[str, ...]]:
    """The reply's draft (None when it cannot be read) and its problems, for a repair request."""
    if completion.finish_reason == "length":
        return None, ("the reply was cut off at the output token limit; answer more briefly",)
    try:
        draft = parse_reply(completion.content)
    except InvalidReply as error:
        return None, error.problems
    problems = check(draft, facts, line_length=settings.line_length)
    if settings.style in IMPERATIVE_STYLES:
        # A linter's verdict in another process: off the event loop, which paces requests.
        mood = await asyncio.to_thread(mood_problem, draft.summary)
        problems += (mood,) if mood else ()
    return draft, problems
