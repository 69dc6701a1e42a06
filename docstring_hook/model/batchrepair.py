"""A batch job's repair round: which answers are asked again, what each such line sends, how its answer is read.

An answer with problems gets the synchronous path's repair request, once;
an answer whose one problem is a summary too long for its line gets the
small plain-text request for a shorter summary instead (after a repair as
well), as `generate` does. Both go to the service in a small batch of
their own: an Azure batch deployment takes no synchronous requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from docstring_hook.config import Settings
from docstring_hook.datatypes import DocstringDraft, FunctionFacts
from docstring_hook.model.batchstate import Part
from docstring_hook.model.judge import Verdict, judge, judge_shortened, only_too_long, shortening_messages
from docstring_hook.model.prompt import repair_message
from docstring_hook.model.reply import parse_reply
from docstring_hook.model.types import Completion, Message


@dataclass
class RepairRound:
    """The answers of one part that are asked again: (reply, *problems) by key, or (reply, summary) to shorten."""

    settings: Settings
    repairs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    shorten: list[str] = field(default_factory=list)

    def ask_again(self, key: str, reply: str, verdict: Verdict, facts: FunctionFacts, part: Part) -> bool:
        """Whether `verdict` on the answer to `key` in `part` gets another request (then recorded here)."""
        if not verdict.repair:
            return False
        if verdict.draft is not None and key not in part.shorten and only_too_long(verdict, facts, self.settings):
            self.repairs[key] = (reply, verdict.draft.summary)
            self.shorten.append(key)
            return True
        if part.repair:
            return False
        self.repairs[key] = (reply, *verdict.repair)
        return True

    def part(self) -> Part | None:
        """The repair part to send, if any answer is asked again."""
        if not self.repairs:
            return None
        return Part(tuple(self.repairs), repair=True, repairs=self.repairs, shorten=tuple(self.shorten))


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
        original = parse_reply(part.repairs[key][0])  # read once already, before it was asked to shorten
        return await judge_shortened(original, completion.content, facts, settings)
    return await judge(completion, facts, settings)
