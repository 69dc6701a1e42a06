"""Obtain one validated draft per target: cache, budget, pacing, retries, repair.

Everything here talks to small protocols (`Completer`, the cache, the token
counter), so it is tested with the real client against a real HTTP server
and with plain doubles of these interfaces alike.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from docstring_hook.config import Settings
from docstring_hook.datatypes import (
    DocstringDraft,
    FunctionFacts,
    Outcome,
    Reason,
    Status,
    Usage,
)
from docstring_hook.errors import FatalAPIError
from docstring_hook.model.budget import Prompt, RunBudget, TokenCounter, fit
from docstring_hook.model.cache import DraftCache
from docstring_hook.model.client import Completion, RejectedRequest, TransientError
from docstring_hook.model.pacing import Pacer
from docstring_hook.model.prompt import Message, repair_message
from docstring_hook.model.retry import RetryPolicy, RunWaits, with_retries
from docstring_hook.model.validate import InvalidReply, check, parse_reply


class Interrupted(Exception):
    """The user asked the run to stop: no new request is sent."""


class Completer(Protocol):
    """What generation needs of a model endpoint."""

    async def complete(self, messages: Sequence[Message]) -> Completion:
        """Send one chat request."""
        ...


@dataclass(frozen=True)
class Generated:
    """A target's outcome and, when documented or cached, its draft."""

    outcome: Outcome
    draft: DocstringDraft | None = None


def cached_draft(cache: DraftCache, key: str, facts: FunctionFacts) -> DocstringDraft | None:
    """The cached draft for `key` if it is still valid for `facts`.

    Validated again because the validation rules may have changed since it was stored.
    """
    draft = cache.get(key)
    if draft is None or check(draft, facts):
        return None
    return draft


class Generator:
    """Turns facts into drafts for one run."""

    def __init__(
        self,
        completer: Completer,
        cache: DraftCache,
        counter: TokenCounter,
        pacer: Pacer,
        budget: RunBudget,
        settings: Settings,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._completer = completer
        self._cache = cache
        self._counter = counter
        self._pacer = pacer
        self._budget = budget
        self._settings = settings
        self._policy = policy or RetryPolicy()
        self.waits = RunWaits()
        self.usage = Usage()
        self.settled: Counter[Status] = Counter()
        self._stopped: FatalAPIError | None = None
        self._interrupted = asyncio.Event()
        self._seats = asyncio.Semaphore(2 * max(1, settings.concurrency))

    def interrupt(self) -> None:
        """Send no new request; requests in flight finish and are kept."""
        self._interrupted.set()

    @property
    def interrupted(self) -> bool:
        """Whether `interrupt` was called."""
        return self._interrupted.is_set()

    def prompt_for(self, facts: FunctionFacts, budget: int | None = None) -> Prompt | None:
        """The prompt that would be sent, fitted to the token budget."""
        limit = self._settings.prompt_budget if budget is None else budget
        return fit(facts, self._settings.style, self._settings.model, limit, self._counter)

    async def generate(self, facts: FunctionFacts) -> Generated:
        """Obtain a validated draft for one target; never raises but for fatal errors."""
        # Prompts are built a few at a time, not all at once: building a thousand
        # would hold the event loop for a second between a request's admission by
        # the pacer and its departure, and the server would count it late.
        async with self._seats:
            generated = await self._generate_target(facts)
        self.settled[generated.outcome.status] += 1
        return generated

    async def _generate_target(self, facts: FunctionFacts) -> Generated:
        prompt = self.prompt_for(facts)
        if prompt is None:
            return self._ended(facts, Status.SKIPPED, Reason.OVER_BUDGET, "even the signature does not fit the prompt budget")
        cached = self._from_cache(prompt, facts)
        if cached is not None:
            return Generated(Outcome(facts.target, Status.CACHED), cached)
        if self.interrupted:
            return self._ended(facts, Status.SKIPPED, Reason.INTERRUPTED, "the run was interrupted before its request")
        reservation = (prompt.tokens, self._settings.max_output_tokens)
        refusal = self._budget.admit(*reservation)
        if refusal is not None:
            return self._ended(facts, Status.SKIPPED, Reason.RUN_BUDGET, refusal)
        try:
            return await self._generate(prompt, facts)
        except RejectedRequest as error:
            return self._ended(facts, Status.FAILED, error.reason, str(error))
        except TransientError as error:
            return self._ended(facts, Status.FAILED, error.reason, f"{error} after {error.attempts} attempt{'s' if error.attempts > 1 else ''}")
        except Interrupted:
            return self._ended(facts, Status.SKIPPED, Reason.INTERRUPTED, "the run was interrupted before its request")
        except FatalAPIError as error:
            # No other request can succeed either: the ones waiting for a slot must not be sent.
            self._stopped = self._stopped or error
            raise
        finally:
            # Every request made for this target was recorded as it came back.
            self._budget.release(reservation)

    def _from_cache(self, prompt: Prompt, facts: FunctionFacts) -> DocstringDraft | None:
        return cached_draft(self._cache, prompt.key, facts)

    async def _generate(self, prompt: Prompt, facts: FunctionFacts) -> Generated:
        sent = prompt
        try:
            completion = await self._ask(prompt.messages, prompt.tokens)
        except RejectedRequest as error:
            if not error.context_length:
                raise
            # The endpoint's context is smaller than we were told: shrink once.
            smaller = self.prompt_for(facts, self._shrunk_budget(prompt, error.context_limit))
            if smaller is None:
                return self._ended(facts, Status.SKIPPED, Reason.OVER_BUDGET, "the prompt exceeds the model's context")
            sent = smaller
            completion = await self._ask(smaller.messages, smaller.tokens)
        draft, problems = self._read(completion, facts)
        if problems:
            # The repair repeats the conversation as sent: the shrunk one after a context error.
            repair = (*sent.messages, Message("assistant", completion.content), repair_message(problems))
            completion = await self._ask(repair, sum(self._counter.count(m.content) for m in repair))
            draft, problems = self._read(completion, facts)
        if draft is None or problems:
            return self._ended(facts, Status.FAILED, Reason.INVALID_REPLY, "; ".join(problems))
        self._cache.put(prompt.key, draft)
        return Generated(Outcome(facts.target, Status.DOCUMENTED), draft)

    def _shrunk_budget(self, prompt: Prompt, context_limit: int | None) -> int:
        budget = prompt.tokens * 3 // 4
        if context_limit is not None:
            budget = min(budget, context_limit - self._settings.max_output_tokens)
        return budget

    async def _ask(self, messages: Sequence[Message], tokens: int) -> Completion:
        attempts = 0

        async def attempt() -> Completion:
            nonlocal attempts
            async with self._pacer.slot(tokens + self._settings.max_output_tokens):
                if self._stopped is not None:
                    raise self._stopped
                if self.interrupted:
                    raise Interrupted
                self.usage.requests += 1
                attempts += 1
                try:
                    completion = await self._completer.complete(messages)
                except TransientError as error:
                    error.attempts = attempts
                    self._pacer.failed(error.retry_after, throttled=error.reason is Reason.RATE_LIMITED)
                    if error.retry_after is not None:
                        self._pacer.pause_for(error.retry_after)
                    raise
            self._pacer.observe(completion.remaining_requests, completion.remaining_tokens)
            self.usage.prompt_tokens += completion.prompt_tokens
            self.usage.completion_tokens += completion.completion_tokens
            self._budget.record(completion.prompt_tokens, completion.completion_tokens)
            return completion

        try:
            return await with_retries(attempt, self._policy, self.waits, on_retry=self._count_retry, sleep=self._sleep)
        finally:
            self.usage.waited_seconds = self.waits.seconds

    async def _sleep(self, seconds: float) -> None:
        # A retry wait ends early when the run is interrupted; the next attempt then stops.
        try:
            await asyncio.wait_for(self._interrupted.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    def _count_retry(self, error: TransientError, seconds: float) -> None:
        self.usage.retries += 1

    def _read(self, completion: Completion, facts: FunctionFacts) -> tuple[DocstringDraft | None, tuple[str, ...]]:
        if completion.finish_reason == "length":
            return None, ("the reply was cut off at the output token limit; answer more briefly",)
        try:
            draft = parse_reply(completion.content)
        except InvalidReply as error:
            return None, error.problems
        return draft, check(draft, facts)

    @staticmethod
    def _ended(facts: FunctionFacts, status: Status, reason: Reason, detail: str) -> Generated:
        return Generated(Outcome(facts.target, status, reason, detail))
