"""Driving one batch job to its end: submit its parts, poll them, read their results into the cache.

Every step that creates something on the service is bracketed by saves of
the job (`batchstate`), so a run stopped at any point (Ctrl-C, a kill, a
closed laptop) resumes where it was. A result is only ever used for the
request it answers: lines are keyed by cache key, and a key that no
current target asks for any more (its source changed since submission) is
not applied; the target is prepared again and sent in a later batch.
Replies go through the synchronous path's judge and `settle`: a reply
with problems gets its repair request in a small batch of its own (an
Azure batch deployment takes no synchronous requests).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from docstring_hook.config import Settings
from docstring_hook.datatypes import FunctionFacts, Outcome, Reason, Status, Target, Usage
from docstring_hook.model import batchfile, batchstate
from docstring_hook.model.batchapi import BatchAPI, BatchInfo, UnknownBatch
from docstring_hook.model.batchrepair import NextRound, answered_draft, judge_answer, line_messages
from docstring_hook.model.batchstate import Job, Part
from docstring_hook.model.body import chat_body, is_reasoning
from docstring_hook.model.cache import DraftCache
from docstring_hook.model.generate import LASTING_FAILURES
from docstring_hook.model.judge import settle
from docstring_hook.model.mood import judge_many
from docstring_hook.model.reply import InvalidReply
from docstring_hook.model.request import Prompt
from docstring_hook.model.types import TransientError


@dataclass(frozen=True)
class Entry:
    """A target to be sent, and its request."""

    facts: FunctionFacts
    prompt: Prompt


@dataclass
class Collected:
    """What the job's results did: each settled target's outcome; answers to code that changed since."""

    outcomes: dict[Target, Outcome] = field(default_factory=dict)
    stale: int = 0
    interrupted: bool = False


class Driver:
    """Runs one job to its end, or until `stop` is set; the job is saved at every step."""

    def __init__(
        self,
        api: BatchAPI,
        path: Path,
        settings: Settings,
        cache: DraftCache,
        usage: Usage,
        *,
        kind: str,
        model: str,
        stop: asyncio.Event,
        say: Callable[[str], None],
    ) -> None:
        self._api, self._path, self._settings, self._cache = api, path, settings, cache
        self.usage = usage  # what the job's answers used: the run's one record of spending
        self._url = batchfile.CHAT_URL[kind]
        self._model = model
        self._stop = stop
        self._say = say
        self._shown: dict[str, str] = {}
        self.job = Job("", "", "")
        self.result = Collected()
        self._cancelling = False  # no repair batch is made for a job being cancelled
        self._lines: dict[str, bytes] = {}  # built to size the files, kept until uploaded
        self._entries: Mapping[str, Sequence[Entry]] = {}
        self._fresh = False  # a job made by this run: no earlier run can have left files of its parts

    def new_job(self, name: str, endpoint: str, entries: Mapping[str, Sequence[Entry]]) -> Job:
        """A job for every key of `entries`, split into files within the service's limits, saved before any upload."""
        keys = list(entries)
        self._lines = {key: self._line(key, entries[key][0], Part(())) for key in keys}
        files = batchfile.split(
            [self._lines[k] for k in keys], self._settings.batch_max_requests, self._settings.batch_max_bytes
        )
        targets = {k: tuple(_named(e.facts.target) for e in entries[k]) for k in keys}
        job = Job(name, endpoint, self._model, tuple(Part(tuple(keys[i] for i in f)) for f in files), targets)
        batchstate.save(self._path, job)
        self._fresh = True
        return job

    async def cancel(self, job: Job, entries: Mapping[str, Sequence[Entry]]) -> None:
        """Ask the service to cancel every running batch; parts never sent are cancelled here and now."""
        self.job, self._entries, self.result, self._cancelling = job, entries, Collected(), True
        for index in range(len(self.job.parts)):
            part = self.job.parts[index]
            if part.done:
                continue
            if part.batch_id is None:
                self._save(index, dataclasses.replace(part, done=True, status="cancelled"))
                for key in part.keys:
                    self._fail(self._entries.get(key, ()), Reason.API_ERROR, batchstate.MISSING["cancelled"])
                continue
            try:
                self._show(await self._api.cancel(part.batch_id))
            except UnknownBatch:
                continue  # the next poll reports it lost

    async def run(self, job: Job, entries: Mapping[str, Sequence[Entry]]) -> Collected:
        """Submit what is not submitted, poll until every part is done, settle every answer."""
        self.job, self._entries = job, entries
        if not self._cancelling:  # a cancelled job's outcomes, gathered by `cancel`, are reported
            self.result = Collected()
        while not self.job.finished:
            await self._submit_ready(entries)
            if not self._stop.is_set():
                await self._poll(entries)
            if self.job.finished:
                break
            if self._stop.is_set() or await self._stopped_within(self._settings.batch_poll_seconds):
                self.result.interrupted = True
                break
        return self.result

    def _save(self, index: int, *parts: Part) -> None:
        self.job = self.job.replaced(index, *parts)
        batchstate.save(self._path, self.job)

    async def _stopped_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            return False
        return True

    def _running(self) -> bool:
        return any(p.batch_id is not None and not p.done for p in self.job.parts)

    async def _submit_ready(self, entries: Mapping[str, Sequence[Entry]]) -> None:
        for index in range(len(self.job.parts)):
            part = self.job.parts[index]
            if part.done or part.batch_id is not None or (part.held and self._running()):
                continue
            if self._stop.is_set():
                return
            await self._submit(index, entries)

    async def _submit(self, index: int, entries: Mapping[str, Sequence[Entry]]) -> None:
        part = self.job.parts[index]
        resumed = part.file_id is not None
        if part.file_id is None:
            keys = tuple(k for k in part.keys if k in entries)  # the others changed before they were sent
            if not keys:
                return self._save(index, dataclasses.replace(part, done=True, status="empty"))
            data = b"".join(self._lines.pop(key, b"") or self._line(key, entries[key][0], part) for key in keys)
            name = f"docstring-hook-{self.job.resume_key}-{index}.jsonl"
            if not self._fresh:  # a run killed during this upload left the file, not its id
                await self._api.delete_unused(name)
            file_id = await self._api.upload(data, name)
            part = dataclasses.replace(part, keys=keys, file_id=file_id, held=False, status="uploaded")
            self._save(index, part)
        assert part.file_id is not None
        info = await self._api.find(part.file_id) if resumed else None
        if info is None:
            info = await self._api.create(part.file_id, self._url, {"docstring_hook_job": self.job.resume_key})
        self._save(index, dataclasses.replace(part, batch_id=info.id, status=info.status))
        self._show(info)

    def _line(self, key: str, entry: Entry, part: Part) -> bytes:
        messages, response_format = line_messages(entry.prompt.messages, entry.facts, part, key, self._settings)
        reasoning = is_reasoning(self._model)
        body = chat_body(
            self._model,
            messages,
            cap_parameter="max_completion_tokens" if reasoning else "max_tokens",
            max_output_tokens=self._settings.max_output_tokens,
            temperature=None if reasoning else 0.2,
            response_format=response_format,
        )
        return batchfile.request_line(key, self._url, body)

    async def _poll(self, entries: Mapping[str, Sequence[Entry]]) -> None:
        for index in range(len(self.job.parts)):
            part = self.job.parts[index]
            if part.done or part.batch_id is None:
                continue
            try:
                info = await self._api.retrieve(part.batch_id)
            except UnknownBatch:
                info = BatchInfo(part.batch_id, "lost")
            except TransientError as error:
                self._say(f"batch {part.batch_id}: no answer from the service ({error}); asking again later")
                continue
            self._show(info)
            if info.running:
                if info.status != part.status:
                    self._save(index, dataclasses.replace(part, status=info.status))
                continue
            try:
                await self._collect(index, info, entries)
            except TransientError as error:  # a download that failed: nothing was settled yet
                self._say(f"batch {part.batch_id}: its results could not be downloaded ({error}); trying again later")

    def _show(self, info: BatchInfo) -> None:
        line = f"batch {info.id}: {info.status}, {info.completed} of {info.total} done, {info.failed} failed"
        if self._shown.get(info.id) != line:
            self._shown[info.id] = line
            self._say(line)

    async def _collect(self, index: int, info: BatchInfo, entries: Mapping[str, Sequence[Entry]]) -> None:
        part = self.job.parts[index]
        if info.status == "failed" and any(code == batchfile.TOKEN_LIMIT for code, _ in info.errors):
            return self._token_limit(index, info, entries)
        answers = []
        for file_id in (info.output_file_id, info.error_file_id):
            if file_id:  # each file's text is dropped once read: only the answers stay
                try:
                    answers += batchfile.answers(await self._api.content(file_id))
                except UnknownBatch:  # deleted, or past the service's retention: its lines are missing
                    self._say(f"batch {info.id}: the service no longer has its file {file_id}")
        await asyncio.to_thread(judge_many, batchfile.summaries(answers))
        again = NextRound(self._settings, cancelling=self._cancelling)
        seen: set[str] = set()
        for answer in answers:
            if answer.key in part.keys and answer.key not in seen:
                seen.add(answer.key)
                await self._settle(answer, part, entries, again)
        why = batchstate.MISSING.get(info.status) or "the batch failed: " + "; ".join(m for _, m in info.errors)
        for key in part.keys:
            if key not in seen:
                self._fail(self._entries.get(key, ()), Reason.API_ERROR, why)
        done = dataclasses.replace(part, done=True, status=info.status)
        self._save(index, done, *again.parts(part))

    def _token_limit(self, index: int, info: BatchInfo, entries: Mapping[str, Sequence[Entry]]) -> None:
        """Azure's enqueued-token quota refused the batch: send fewer lines now, the rest once the others end."""
        part = self.job.parts[index]
        fresh = dataclasses.replace(part, file_id=None, batch_id=None, status="new")
        others = any(p.batch_id is not None and not p.done for i, p in enumerate(self.job.parts) if i != index)
        if len(part.keys) > 1:
            half = len(part.keys) // 2
            first = dataclasses.replace(fresh, keys=part.keys[:half], held=others)
            self._say(f"batch {info.id}: the enqueued-token quota is full; sending {half} requests now, the rest later")
            return self._save(index, first, dataclasses.replace(fresh, keys=part.keys[half:], held=True))
        if others:
            return self._save(index, dataclasses.replace(fresh, held=True))
        detail = "the deployment's enqueued-token quota is full even for one request: " + info.errors[0][1]
        self._fail(entries.get(part.keys[0], ()), Reason.API_ERROR, detail)
        self._save(index, dataclasses.replace(part, done=True, status="failed"))

    async def _settle(
        self,
        answer: batchfile.Answer,
        part: Part,
        entries: Mapping[str, Sequence[Entry]],
        again: NextRound,
    ) -> None:
        group = entries.get(answer.key)
        if group is None:  # paid for: kept under its key, validated against the facts when a run asks for it
            self.result.stale += len(self.job.targets.get(answer.key, ())) or 1
            return _keep(answer, part, self._cache)
        completion = answer.completion
        if completion is None:
            if answer.expired and again.expired(answer.key, part):
                return
            if answer.reason in LASTING_FAILURES:
                self._cache.remember_failure(answer.key, answer.reason.value, answer.detail)
            return self._fail(group, answer.reason, answer.detail)
        self.usage.requests += 1
        self.usage.add_tokens(completion.prompt_tokens, completion.completion_tokens)
        verdicts = [await judge_answer(completion, entry.facts, part, answer.key, self._settings) for entry in group]
        if again.ask_again(answer.key, completion.content, verdicts[0], group[0].facts, part):
            return
        for entry, verdict in zip(group, verdicts):
            outcome = settle(verdict, entry.facts, answer.key, self._cache).outcome
            if outcome.status is Status.FAILED and outcome.reason in LASTING_FAILURES:
                self._cache.remember_failure(answer.key, outcome.reason.value, outcome.detail)
            self.result.outcomes[entry.facts.target] = outcome

    def _fail(self, group: Sequence[Entry], reason: Reason, detail: str) -> None:
        for entry in group:
            self.result.outcomes[entry.facts.target] = Outcome(entry.facts.target, Status.FAILED, reason, detail)


def _named(target: Target) -> str:
    return f"{target.path}:{target.line}: {target.qualname}"


def _keep(answer: batchfile.Answer, part: Part, cache: DraftCache) -> None:
    with contextlib.suppress(InvalidReply):
        if answer.completion is not None:
            cache.put(answer.key, answered_draft(answer.completion, part, answer.key))
