"""A batch job's next round: which answers are asked again, what each such line sends, how its answer is read.

An answer with problems gets the synchronous path's repair request, once;
an answer whose one problem is a summary too long for its line gets the
small plain-text request for a shorter summary instead (after a repair as
well), as `generate` does. Both go to the service in a small batch of
their own: an Azure batch deployment takes no synchronous requests. A
line the batch's completion window ended before is sent once more, in a
part of its own, within the same run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from docstring_hook.config import Settings
from docstring_hook.datatypes import DocstringDraft, FunctionFacts
from docstring_hook.model.batchstate import Part
from docstring_hook.model.judge import Verdict, judge, judge_draft, only_too_long, shortening_messages
from docstring_hook.model.prompt import repair_message
from docstring_hook.model.reply import parse_reply
from docstring_hook.model.shorten import shortened_summary
from docstring_hook.model.types import Completion, Message


@dataclass
class NextRound:
    """What one part's answers send next.

    `repairs` holds (reply, *problems) by key, or (reply, summary) for the
    keys in `shorten`; `resend`, the keys of lines its batch expired before.
    """

    settings: Settings
    cancelling: bool = False  # a job being cancelled asks nothing again
    repairs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    shorten: list[str] = field(default_factory=list)
    resend: list[str] = field(default_factory=list)

    def ask_again(self, key: str, reply: str, verdict: Verdict, facts: FunctionFacts, part: Part) -> bool:
        """Whether `verdict` on the answer to `key` in `part` gets another request (then recorded here)."""
        if not verdict.repair or self.cancelling:
            return False
        if verdict.draft is not None and key not in part.shorten and only_too_long(verdict, facts, self.settings):
            self.repairs[key] = (reply, verdict.draft.summary)
            self.shorten.append(key)
            return True
        if part.repair:
            return False
        self.repairs[key] = (reply, *verdict.repair)
        return True

    def expired(self, key: str, part: Part) -> bool:
        """Whether the line of `key`, which `part`'s batch expired before it ran, is sent once more (then recorded)."""
        if part.resent or self.cancelling:
            return False
        self.resend.append(key)
        return True

    def parts(self, part: Part) -> list[Part]:
        """The parts to send after `part`: its repairs, and its expired lines once more (as they were)."""
        parts = [Part(tuple(self.repairs), repair=True, repairs=self.repairs, shorten=tuple(self.shorten))]
        keys = tuple(self.resend)
        repairs = {key: part.repairs[key] for key in keys if key in part.repairs}
        shorten = tuple(key for key in part.shorten if key in keys)
        parts.append(Part(keys, repair=part.repair, repairs=repairs, shorten=shorten, resent=True))
        return [p for p in parts if p.keys]


def line_messages(
    messages: Sequence[Message], facts: FunctionFacts, part: Part, key: str, settings: Settings
) -> tuple[tuple[Message, ...], str]:
    """The messages of `key`'s line in `part`, and its response format (the shortening request's is plain text)."""
    if not part.repair:
        return tuple(messages), "json_schema"
    if key in part.shorten:
        return shortening_messages(DocstringDraft(part.repairs[key][1]), facts, settings), "text"
    reply, *problems = part.repairs[key]
    return (*messages, Message("assistant", reply), repair_message(problems)), "json_schema"


async def judge_answer(
    completion: Completion, facts: FunctionFacts, part: Part, key: str, settings: Settings
) -> Verdict:
    """The verdict on an answer of `part`: a shortened summary is judged within the draft it came from."""
    if part.repair and key in part.shorten:
        return await judge_draft(answered_draft(completion, part, key), facts, settings)
    return await judge(completion, facts, settings)


def answered_draft(completion: Completion, part: Part, key: str) -> DocstringDraft:
    """The draft an answer of `part` stands for: a shortened summary within the draft it shortens.

    Raises `InvalidReply` when the reply is no draft.
    """
    if part.repair and key in part.shorten:
        original = parse_reply(part.repairs[key][0])  # read once already, before it was asked to shorten
        return dataclasses.replace(original, summary=shortened_summary(completion.content))
    return parse_reply(completion.content)
