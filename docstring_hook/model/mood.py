"""Whether a summary is in the imperative mood, as the project's linter will judge it.

The judge is ruff's own D401 rule (pydocstyle's check, with its word list
and stemmer), run on the summary alone: the same verdict `ruff check`
gives right after the hook, from a well-kept implementation rather than a
word list of ours. When ruff cannot be run, nothing is judged.

Starting ruff costs more than judging (about 7 ms of CPU a run here), so a
run's replies are judged in batches (`MoodJudge`): one ruff run for every
summary that waits when it starts, each summary in a function of its own.
"""

from __future__ import annotations

import asyncio
import functools
import json
import subprocess
from collections.abc import Sequence

_CHECK = ("check", "--isolated", "--select", "D401", "--output-format", "json", "--stdin-filename", "summary.py", "-")

BATCH_LIMIT = 256
"""Summaries judged in one ruff run, at most."""


class MoodJudge:
    """Judges the summaries of one event loop's replies, many to a ruff run, in a worker thread.

    A summary asked for while a ruff run is under way waits for the next
    run, which takes every summary waiting by then.
    """

    def __init__(self) -> None:
        self._waiting: dict[str, list[asyncio.Future[bool]]] = {}
        self._drainer: asyncio.Task[None] | None = None

    async def problem(self, summary: str) -> str | None:
        """A repair instruction when `summary` is not in the imperative mood; None when it is."""
        text = summary.strip()
        if not text:
            return None
        known = _known.get(text)
        if known is None:
            verdict: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(text, []).append(verdict)
            if self._drainer is None or self._drainer.done():
                self._drainer = asyncio.ensure_future(self._drain())
            known = await verdict
        return None if known else _problem(summary)

    async def _drain(self) -> None:
        batch: dict[str, list[asyncio.Future[bool]]] = {}
        try:
            while self._waiting:
                batch = dict(list(self._waiting.items())[:BATCH_LIMIT])
                for text in batch:
                    del self._waiting[text]
                verdicts = await asyncio.to_thread(imperative, list(batch))
                for text, waiters in batch.items():
                    for waiter in waiters:
                        if not waiter.done():
                            waiter.set_result(verdicts[text])
        except BaseException as error:
            # No summary may wait forever: those of this run and those queued fail with it.
            for waiters in [*batch.values(), *self._waiting.values()]:
                for waiter in waiters:
                    if waiter.done():
                        continue
                    if isinstance(error, asyncio.CancelledError):
                        waiter.cancel()
                    else:
                        waiter.set_exception(error)
            self._waiting = {}
            if not isinstance(error, Exception):
                raise


def mood_problem(summary: str) -> str | None:
    """A repair instruction when `summary` is not in the imperative mood; None when it is (or cannot be judged)."""
    text = summary.strip()
    if not text or imperative([text])[text]:
        return None
    return _problem(summary)


def imperative(summaries: Sequence[str]) -> dict[str, bool]:
    """ruff's D401 verdict on each stripped summary, True when it is imperative (or cannot be judged).

    The summaries not judged before go to one ruff run; verdicts are remembered for the process.
    """
    unknown = list(dict.fromkeys(s for s in summaries if s not in _known))
    for start in range(0, len(unknown), BATCH_LIMIT):
        chunk = unknown[start : start + BATCH_LIMIT]
        _known.update(zip(chunk, _ruff_verdicts(chunk)))
    verdicts = {s: _known[s] for s in summaries}
    while len(_known) > REMEMBERED:
        del _known[next(iter(_known))]  # the oldest verdict
    return verdicts


REMEMBERED = 4096
"""Verdicts kept for the process, the oldest forgotten first."""

_known: dict[str, bool] = {}


def _problem(summary: str) -> str:
    first = summary.split(maxsplit=1)[0]
    return f'the summary must be in the imperative mood ("Return ...", not "{first} ..."): start with a verb'


def _ruff_verdicts(summaries: Sequence[str]) -> list[bool]:
    ruff = _ruff()
    if ruff is None or not summaries:
        return [True] * len(summaries)
    # Function i's docstring is on line 2i + 2; a JSON string is a Python string literal.
    source = "".join(f"def f():\n    {json.dumps(summary)}\n" for summary in summaries)
    try:
        result = subprocess.run([ruff, *_CHECK], check=False, input=source, capture_output=True, text=True, timeout=10)
        findings = json.loads(result.stdout or "[]")
    except (OSError, subprocess.SubprocessError, ValueError):
        return [True] * len(summaries)
    if not isinstance(findings, list):
        return [True] * len(summaries)
    flagged = {_row(f) for f in findings if isinstance(f, dict) and f.get("code") == "D401"}
    return [2 * index + 2 not in flagged for index in range(len(summaries))]


def _row(finding: dict[str, object]) -> int | None:
    location = finding.get("location")
    row = location.get("row") if isinstance(location, dict) else None
    return row if isinstance(row, int) else None


@functools.lru_cache(maxsize=1)
def _ruff() -> str | None:
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError:
        return None
    try:
        return str(find_ruff_bin())
    except FileNotFoundError:
        return None
