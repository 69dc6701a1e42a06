"""The one path from a target's facts to the exact request a run sends.

The synchronous run, `--dry-run` and `--show-prompt` all call `request_for`,
so the forecast and the printed prompt are the requests a real run sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from docstring_hook.config import Settings
from docstring_hook.datatypes import ContextItem, FunctionFacts, Style
from docstring_hook.model.context import within_budget
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
    context_budget: int = 0,
) -> Prompt | None:
    """The prompt for `facts` within `budget` tokens, cutting context, then eliding source lines, if need be.

    The context is first cut to `context_budget` tokens (its last items go
    first, see `model.context`); the full source is tried with it, then
    with one item fewer at a time down to none, and only then
    `elide(source, keep)` for each `keep` of `ELISION_STEPS`, without
    context: context never costs the target a line of its own source. No
    message ever exceeds `MESSAGE_CHAR_LIMIT` characters. None when even
    the signature alone does not fit.

    The cache key is the key of the messages actually sent. It is stable
    across runs because fitting is deterministic: the same facts, style,
    model, budget and counter give the same messages. A different budget or
    counter (tiktoken here, the estimate there) may elide differently and
    so miss the cache, which costs a request but never gives a wrong answer.

    To retry within a smaller context after a context-length error, fit
    again with a smaller budget, such as `prompt.tokens // 2`.
    """
    context = within_budget(facts.context, context_budget, counter) if context_budget > 0 else ()
    for kept in range(len(context), 0, -1):
        prompt = _try(facts, style, model, budget, counter, summary_limit, facts.source, context[:kept])
        if prompt is not None:
            return prompt
    seen: set[str] = set()
    for source in candidate_sources(facts.source):
        if source in seen:
            continue
        seen.add(source)
        prompt = _try(facts, style, model, budget, counter, summary_limit, source, ())
        if prompt is not None:
            return prompt
    return None


def _try(
    facts: FunctionFacts,
    style: Style,
    model: str,
    budget: int,
    counter: TokenCounter,
    summary_limit: int,
    source: str,
    context: tuple[ContextItem, ...],
) -> Prompt | None:
    messages = build_messages(facts, style, source, summary_limit, context)
    if any(len(m.content) > MESSAGE_CHAR_LIMIT for m in messages):
        return None
    tokens = count_messages(messages, counter)
    if tokens > budget:
        return None
    key = cache_key(messages, style=style, model=model)
    return Prompt(messages, key, tokens, elided=source != facts.source)


def request_for(
    facts: FunctionFacts, settings: Settings, counter: TokenCounter, budget: int | None = None
) -> Prompt | None:
    """The exact request a run sends for `facts`: `fit` with the run's style, model and prompt budget.

    `budget` overrides the prompt budget (a retry after a context-length error).
    """
    limit = settings.prompt_budget if budget is None else budget
    summary = summary_limit(facts, settings.line_length)
    return fit(facts, settings.style.concrete, settings.model, limit, counter, summary, settings.context_budget)
