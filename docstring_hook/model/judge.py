"""A reply judged: read into a draft, then checked against the code, the project's lines and mood."""

from __future__ import annotations

from dataclasses import dataclass

from docstring_hook.config import Settings
from docstring_hook.datatypes import DocstringDraft, FunctionFacts, Style
from docstring_hook.model.mood import MoodJudge
from docstring_hook.model.names import RESTATES_PROBLEM, restates, unknown_name_problems, unknown_names
from docstring_hook.model.reply import InvalidReply, parse_reply
from docstring_hook.model.types import Completion
from docstring_hook.model.validate import check

IMPERATIVE_STYLES = frozenset({Style.GOOGLE, Style.NUMPY, Style.PEP257})
"""Styles whose summaries must be in the imperative mood (pydocstyle's D401); not Sphinx's."""


@dataclass(frozen=True)
class Verdict:
    """A reply's draft (None when it cannot be read) and what is wrong with it.

    `problems` refuse the draft; `unknown` names refuse it with their own
    reason; `restates` only asks once for better and is then accepted.
    """

    draft: DocstringDraft | None
    problems: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    restates: bool = False

    @property
    def repair(self) -> tuple[str, ...]:
        """Everything a repair request lists."""
        return (*self.problems, *unknown_name_problems(self.unknown), *((RESTATES_PROBLEM,) if self.restates else ()))


async def judge(
    completion: Completion, facts: FunctionFacts, settings: Settings, mood: MoodJudge | None = None
) -> Verdict:
    """The reply's draft and its problems, for a repair request.

    `mood`, shared by a run's replies, judges their summaries many to a ruff run.
    """
    if completion.finish_reason == "length":
        return Verdict(None, ("the reply was cut off at the output token limit; answer more briefly",))
    try:
        draft = parse_reply(completion.content)
    except InvalidReply as error:
        return Verdict(None, error.problems)
    problems = check(draft, facts, line_length=settings.line_length)
    if settings.style.concrete in IMPERATIVE_STYLES:
        # A linter's verdict in another process, awaited in a thread: off the event loop, which paces requests.
        problem = await (mood or MoodJudge()).problem(draft.summary)
        problems += (problem,) if problem else ()
    return Verdict(draft, problems, unknown_names(draft, facts), restates(draft.summary, facts))
