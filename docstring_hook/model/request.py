"""The one path from a target's facts to the exact request a run sends.

The synchronous run, `--dry-run` and `--show-prompt` all call `request_for`,
so the forecast and the printed prompt are the requests a real run sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from docstring_hook.config import Settings
from docstring_hook.datatypes import FunctionFacts, Style
from docstring_hook.model.elide import candidate_sources
from docstring_hook.model.prompt import DEFAULT_SUMMARY_LIMIT, build_messages, cache_key
from docstring_hook.model.tokens import TokenCounter, count_messages
from docstring_hook.model.types import Message
from docstring_hook.model.validate import summary_limit

MESSAGE_CHAR_LIMIT = 1_048_576
"""No message content may be longer than this many characters."""


@dataclass(frozen=True)
class Prompt:
    """Messages ready to send, their cache key and their counted tokens.

    `elided` is True when some lines of the source were left out.
    """

    messages: tuple[Message, ...]
    key: str
    tokens: int
    elided: bool


def fit(
    facts: FunctionFacts,
    style: Style,
    model: str,
    budget: int,
    counter: TokenCounter,
    summary_limit: int = DEFAULT_SUMMARY_LIMIT,
) -> Prompt | None:
    """The prompt for `facts` within `budget` tokens, eliding source lines if need be.

    The full source is tried first, then `elide(source, keep)` for each
    `keep` of `ELISION_STEPS`; no message ever exceeds `MESSAGE_CHAR_LIMIT`
    characters. None when even the signature alone does not fit.

    The cache key is the key of the messages actually sent. It is stable
    across runs because fitting is deterministic: the same facts, style,
    model, budget and counter give the same messages. A different budget or
    counter (tiktoken here, the estimate there) may elide differently and
    so miss the cache, which costs a request but never gives a wrong answer.

    To retry within a smaller context after a context-length error, fit
    again with a smaller budget, such as `prompt.tokens // 2`.
    """
    seen: set[str] = set()
    for source in candidate_sources(facts.source):
        if source in seen:
            continue
        seen.add(source)
        messages = build_messages(facts, style, source, summary_limit)
        if any(len(m.content) > MESSAGE_CHAR_LIMIT for m in messages):
            continue
        tokens = count_messages(messages, counter)
        if tokens <= budget:
            key = cache_key(messages, style=style, model=model)
            return Prompt(messages, key, tokens, elided=source != facts.source)
    return None


def request_for(
    facts: FunctionFacts, settings: Settings, counter: TokenCounter, budget: int | None = None
) -> Prompt | None:
    """The exact request a run sends for `facts`: `fit` with the run's style, model and prompt budget.

    `budget` overrides the prompt budget (a retry after a context-length error).
    """
    limit = settings.prompt_budget if budget is None else budget
    summary = summary_limit(facts, settings.line_length)
    return fit(facts, settings.style.concrete, settings.model, limit, counter, summary)
