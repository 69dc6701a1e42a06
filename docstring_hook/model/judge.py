"""A reply judged (read into a draft, checked against the code, the project's lines and mood) and settled."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from docstring_hook.config import Settings
from docstring_hook.datatypes import DocstringDraft, FunctionFacts, Outcome, Reason, Status, Style, TargetKind
from docstring_hook.model.cache import DraftCache
from docstring_hook.model.mood import MoodJudge, imperative_candidates
from docstring_hook.model.names import RESTATES_PROBLEM, restates, unknown_name_problems, unknown_names
from docstring_hook.model.reply import InvalidReply, parse_reply
from docstring_hook.model.shorten import shortened_summary, shortening_request, shorter_summaries
from docstring_hook.model.types import Completion, Message
from docstring_hook.model.validate import check, fit_problems, summary_limit

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


@dataclass(frozen=True)
class Generated:
    """A target's outcome and, when documented or cached, its draft."""

    outcome: Outcome
    draft: DocstringDraft | None = None


def settle(verdict: Verdict, facts: FunctionFacts, key: str, cache: DraftCache) -> Generated:
    """The final verdict on a reply (after its repair, if any): cached and documented, or failed.

    The batch path (`batchjob`) settles its answers here too.
    """
    if verdict.draft is None or verdict.problems:
        return Generated(Outcome(facts.target, Status.FAILED, Reason.INVALID_REPLY, "; ".join(verdict.repair)))
    if verdict.unknown:
        detail = "the docstring names what exists nowhere: " + ", ".join(f"`{n}`" for n in verdict.unknown)
        return Generated(
            Outcome(facts.target, Status.FAILED, Reason.UNKNOWN_NAME, detail, unknown_names=verdict.unknown)
        )
    # A summary that still restates the names is accepted: it is counted in the report, not refused.
    cache.put(key, verdict.draft)
    return Generated(Outcome(facts.target, Status.DOCUMENTED, restates=verdict.restates), verdict.draft)


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
    return await judge_draft(draft, facts, settings, mood)


async def judge_draft(
    draft: DocstringDraft, facts: FunctionFacts, settings: Settings, mood: MoodJudge | None = None
) -> Verdict:
    """A draft's problems, after mending what needs no request (the verb's "-s", a trailing clause)."""
    problem = None
    if wants_imperative(facts, settings):
        draft, problem = await _in_mood(draft, mood or MoodJudge())
    draft = _fitted(draft, summary_limit(facts, settings.line_length))
    problems = check(draft, facts, line_length=settings.line_length) + ((problem,) if problem else ())
    return Verdict(draft, problems, unknown_names(draft, facts), restates(draft.summary, facts))


def only_too_long(verdict: Verdict, facts: FunctionFacts, settings: Settings) -> bool:
    """Whether the summary's length is the draft's one problem: a shortening request, not a repair.

    A small model asked to repair its whole answer tends to send the same
    summary back; asked only for a shorter sentence, it writes one.
    """
    if verdict.draft is None or not verdict.repair:
        return False
    return verdict.repair == tuple(fit_problems(verdict.draft, facts, settings.line_length))


def shortening_messages(draft: DocstringDraft, facts: FunctionFacts, settings: Settings) -> tuple[Message, ...]:
    """The small plain-text request for a shorter summary of `draft` (sent without a response format)."""
    limit = summary_limit(facts, settings.line_length)
    return shortening_request(draft.summary, limit, imperative=wants_imperative(facts, settings))


async def judge_shortened(
    draft: DocstringDraft, reply: str, facts: FunctionFacts, settings: Settings, mood: MoodJudge | None = None
) -> Verdict:
    """The verdict on `draft` with its summary replaced by the shortening request's `reply`."""
    shorter = dataclasses.replace(draft, summary=shortened_summary(reply))
    return await judge_draft(shorter, facts, settings, mood)


def wants_imperative(facts: FunctionFacts, settings: Settings) -> bool:
    """Whether the summary must be in the imperative mood: D401 judges functions and methods, never classes."""
    return settings.style.concrete in IMPERATIVE_STYLES and facts.target.kind is not TargetKind.CLASS


async def _in_mood(draft: DocstringDraft, mood: MoodJudge) -> tuple[DocstringDraft, str | None]:
    """The draft with an imperative summary, mended when only the verb's "-s" was wrong, or its mood problem.

    Small models write "Removes ..." and repeat it when asked again; undoing
    the "-s" is ours to do, and D401 itself judges the result. A linter's
    verdict in another process, awaited in a thread: off the event loop.
    """
    problem = await mood.problem(draft.summary)
    if problem is None:
        return draft, None
    for summary in imperative_candidates(draft.summary):
        if await mood.problem(summary) is None:
            return dataclasses.replace(draft, summary=summary), None
    return draft, problem


def _fitted(draft: DocstringDraft, limit: int) -> DocstringDraft:
    """The draft with its summary cut to fit its line where a cut keeps a complete sentence; else unchanged.

    The check that follows still judges the result, and a summary no cut
    can shorten gets the repair request as before.
    """
    shorter = shorter_summaries(draft.summary, limit)
    return dataclasses.replace(draft, summary=shorter[0]) if shorter else draft
