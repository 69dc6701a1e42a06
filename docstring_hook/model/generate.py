"""Obtain one validated draft per target: cache, budget, pacing, retries, repair.

Everything here talks to small protocols (`Completer`, the cache, the token
counter), so it is tested with the real client against a real HTTP server
and with plain doubles of these interfaces alike.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence

from docstring_hook.config import Settings
from docstring_hook.datatypes import (
    NOT_STARTED,
    DocstringDraft,
    FunctionFacts,
    Outcome,
    Reason,
    Status,
    Target,
)
from docstring_hook.errors import FatalAPIError
from docstring_hook.model.budget import RunBudget
from docstring_hook.model.cache import Claim, DraftCache, cached_draft
from docstring_hook.model.judge import (
    Generated,
    Verdict,
    judge,
    judge_shortened,
    only_too_long,
    settle,
    shortening_messages,
)
from docstring_hook.model.mood import MoodJudge
from docstring_hook.model.names import restates
from docstring_hook.model.pacing import Pacer
from docstring_hook.model.prompt import repair_message
from docstring_hook.model.request import Prompt, request_for
from docstring_hook.model.retry import RetryPolicy, RunWaits, with_retries
from docstring_hook.model.tokens import TokenCounter, count_messages
from docstring_hook.model.types import Completer, Completion, Message, RejectedRequest, TransientError

LASTING_FAILURES = frozenset({Reason.INVALID_REPLY, Reason.UNKNOWN_NAME, Reason.CONTENT_FILTER})
"""Failures that asking again with the same prompt would repeat: remembered, not asked again."""

REMEMBERED = "(remembered from an earlier run with the same code and settings; --retry-failed asks again)"

CLAIM_POLL_SECONDS = 0.2
"""How often a target waits to see whether another run's request for the same prompt was answered."""

UNREACHABLE_AFTER = 5
"""Connection failures, with no request of the run answered yet, that stop the run."""


class Interrupted(Exception):
    """The user asked the run to stop: no new request is sent."""


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
        endpoint: str = "the endpoint",
    ) -> None:
        self._completer = completer
        self._endpoint = endpoint
        self._cache = cache
        self._counter = counter
        self._pacer = pacer
        self._budget = budget
        self._settings = settings
        self._policy = policy or RetryPolicy()
        self.waits = RunWaits()
        self.usage = budget.spent
        self.settled: Counter[Status] = Counter()
        self.in_flight: set[Target] = set()  # targets whose request is out now
        self.answered: set[Target] = set()  # targets that got their draft, from the endpoint or the cache
        self._stopped: FatalAPIError | None = None
        self._unreachable = 0  # connection failures while no request of the run has been answered
        self._answered = False
        self._interrupted = asyncio.Event()
        self._seats = asyncio.Semaphore(2 * settings.concurrency)
        self._mood = MoodJudge()

    def interrupt(self) -> None:
        """Send no new request; requests in flight finish and are kept."""
        self._interrupted.set()

    @property
    def interrupted(self) -> bool:
        """Whether `interrupt` was called."""
        return self._interrupted.is_set()

    async def generate(self, facts: FunctionFacts) -> Generated:
        """Obtain a validated draft for one target; never raises but for fatal errors."""
        # Prompts are built a few at a time, not all at once: building a thousand
        # would hold the event loop for a second between a request's admission by
        # the pacer and its departure, and the server would count it late.
        async with self._seats:
            generated = await self._generate_target(facts)
        self.settled[generated.outcome.status] += 1
        if generated.draft is not None:
            self.answered.add(facts.target)
        return generated

    async def _generate_target(self, facts: FunctionFacts) -> Generated:
        prompt = request_for(facts, self._settings, self._counter)
        if prompt is None:
            return self._ended(
                facts, Status.SKIPPED, Reason.OVER_BUDGET, "even the signature does not fit the prompt budget"
            )
        cached = self._from_cache(prompt, facts)
        if cached is not None:
            return Generated(Outcome(facts.target, Status.CACHED, restates=restates(cached.summary, facts)), cached)
        claim = await self._claim(prompt.key)
        if claim is None:
            return self._ended(facts, Status.SKIPPED, Reason.INTERRUPTED, NOT_STARTED)
        try:
            return await self._answer(prompt, facts)
        finally:
            claim.release()

    async def _claim(self, key: str) -> Claim | None:
        """Wait while another run (or request of this one) asks the same; None when interrupted meanwhile."""
        claim = self._cache.claim(key)
        while claim is None and not self.interrupted:
            await self._sleep(CLAIM_POLL_SECONDS)
            claim = self._cache.claim(key)
        return claim

    async def _answer(self, prompt: Prompt, facts: FunctionFacts) -> Generated:
        cached = self._from_cache(prompt, facts)  # answered while we waited for the claim
        if cached is not None:
            return Generated(Outcome(facts.target, Status.CACHED, restates=restates(cached.summary, facts)), cached)
        remembered = None if self._settings.retry_failed else self._cache.failure(prompt.key)
        if remembered is not None:
            reason, detail = remembered
            return self._ended(facts, Status.FAILED, Reason(reason), f"{detail} {REMEMBERED}")
        if self.interrupted:
            return self._ended(facts, Status.SKIPPED, Reason.INTERRUPTED, NOT_STARTED)
        reservation = (prompt.tokens, self._settings.max_output_tokens)
        refusal = self._budget.admit(*reservation)
        if refusal is not None:
            return self._ended(facts, Status.SKIPPED, Reason.RUN_BUDGET, refusal)
        try:
            generated = await self._generate(prompt, facts)
        except RejectedRequest as error:
            generated = self._ended(facts, Status.FAILED, error.reason, str(error))
        except TransientError as error:
            return self._ended(
                facts,
                Status.FAILED,
                error.reason,
                f"{error} after {error.attempts} attempt{'s' if error.attempts > 1 else ''}",
            )
        except Interrupted:
            return self._ended(facts, Status.SKIPPED, Reason.INTERRUPTED, NOT_STARTED)
        except FatalAPIError as error:
            # No other request can succeed either: the ones waiting for a slot must not be sent.
            self._stopped = self._stopped or error
            raise
        finally:
            # Every request made for this target was recorded as it came back.
            self._budget.release(reservation)
        outcome = generated.outcome
        if outcome.status is Status.FAILED and outcome.reason in LASTING_FAILURES:
            self._cache.remember_failure(prompt.key, outcome.reason.value, outcome.detail)
        return generated

    def _from_cache(self, prompt: Prompt, facts: FunctionFacts) -> DocstringDraft | None:
        return cached_draft(self._cache, prompt.key, facts, self._settings.line_length)

    async def _generate(self, prompt: Prompt, facts: FunctionFacts) -> Generated:
        sent = prompt
        try:
            completion = await self._ask(prompt.messages, prompt.tokens, facts.target)
        except RejectedRequest as error:
            if not error.context_length:
                raise
            # The endpoint's context is smaller than we were told: shrink once.
            smaller = request_for(
                facts, self._settings, self._counter, self._shrunk_budget(prompt, error.context_limit)
            )
            if smaller is None:
                return self._ended(facts, Status.SKIPPED, Reason.OVER_BUDGET, "the prompt exceeds the model's context")
            sent = smaller
            completion = await self._ask(smaller.messages, smaller.tokens, facts.target)
        verdict = await judge(completion, facts, self._settings, self._mood)
        if verdict.repair and not only_too_long(verdict, facts, self._settings):
            # The repair repeats the conversation as sent: the shrunk one after a context error.
            repair = (*sent.messages, Message("assistant", completion.content), repair_message(verdict.repair))
            completion = await self._ask(repair, count_messages(repair, self._counter), facts.target)
            verdict = await judge(completion, facts, self._settings, self._mood)
        if verdict.draft is not None and only_too_long(verdict, facts, self._settings):
            verdict = await self._shortened(verdict.draft, facts)
        return settle(verdict, facts, prompt.key, self._cache)

    async def _shortened(self, draft: DocstringDraft, facts: FunctionFacts) -> Verdict:
        """The verdict on `draft` once a small plain-text request rewrote its summary, too long and nothing else."""
        request = shortening_messages(draft, facts, self._settings)
        completion = await self._ask(request, count_messages(request, self._counter), facts.target, plain=True)
        return await judge_shortened(draft, completion.content, facts, self._settings, self._mood)

    def _shrunk_budget(self, prompt: Prompt, context_limit: int | None) -> int:
        budget = prompt.tokens * 3 // 4
        if context_limit is not None:
            budget = min(budget, context_limit - self._settings.max_output_tokens)
        return budget

    async def _ask(
        self, messages: Sequence[Message], tokens: int, target: Target, *, plain: bool = False
    ) -> Completion:
        attempts = 0

        async def attempt() -> Completion:
            nonlocal attempts
            async with self._pacer.slot(tokens + self._settings.max_output_tokens) as ticket:
                if self._stopped is not None:
                    raise self._stopped
                if self.interrupted:
                    raise Interrupted
                self.usage.requests += 1
                attempts += 1
                self.in_flight.add(target)
                try:
                    completion = await self._completer.complete(messages, plain=plain)
                except asyncio.CancelledError:
                    raise  # abandoned: it stays in flight, for the report
                except TransientError as error:
                    self.in_flight.discard(target)
                    error.attempts = attempts
                    self._pacer.failed(error.retry_after, throttled=error.reason is Reason.RATE_LIMITED,
                                       ticket=ticket)
                    if error.retry_after is not None:
                        self._pacer.pause_for(error.retry_after)
                    self._note_unreachable(error)
                    raise
                except BaseException:
                    self.in_flight.discard(target)
                    raise
                self.in_flight.discard(target)
            self._answered = True
            self._pacer.observe(completion.remaining_requests, completion.remaining_tokens, ticket)
            self.usage.add_tokens(completion.prompt_tokens, completion.completion_tokens)
            return completion

        try:
            return await with_retries(attempt, self._policy, self.waits, on_retry=self._count_retry, sleep=self._sleep)
        finally:
            self.usage.waited_seconds = self.waits.seconds

    def _note_unreachable(self, error: TransientError) -> None:
        """Stop the run when the endpoint has never answered and connections keep failing.

        Retrying every target against an address where nothing listens only
        prints the same failure for each; once one request got through, a
        failed connection is a passing fault and is retried as usual.
        """
        if error.reason is not Reason.CONNECTION or self._answered:
            return
        self._unreachable += 1
        if self._unreachable >= UNREACHABLE_AFTER:
            self._stopped = self._stopped or FatalAPIError(
                f"cannot connect to {self._endpoint}: {self._unreachable} connection attempts failed and none "
                "succeeded; check AZURE_OPENAI_ENDPOINT / OPENAI_BASE_URL and the network"
            )
            raise self._stopped

    async def _sleep(self, seconds: float) -> None:
        # A retry wait ends early when the run is interrupted; the next attempt then stops.
        try:
            await asyncio.wait_for(self._interrupted.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    def _count_retry(self, error: TransientError, seconds: float) -> None:
        self.usage.retries += 1

    @staticmethod
    def _ended(facts: FunctionFacts, status: Status, reason: Reason, detail: str) -> Generated:
        return Generated(Outcome(facts.target, status, reason, detail))
