"""Whether a summary is in the imperative mood, as the project's linter will judge it.

The judge is ruff's own D401 rule (pydocstyle's check, with its word list
and stemmer), run on the summary alone: the same verdict `ruff check`
gives right after the hook, from a well-kept implementation rather than a
word list of ours. When ruff cannot be run, nothing is judged.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import subprocess
from collections.abc import Iterable

_CHECK = ("check", "--isolated", "--select", "D401", "--output-format", "json", "--stdin-filename", "summary.py", "-")


def mood_problem(summary: str) -> str | None:
    """A repair instruction when `summary` is not in the imperative mood; None when it is (or cannot be judged)."""
    if not summary.strip() or _is_imperative(summary.strip()):
        return None
    first = summary.split(maxsplit=1)[0]
    return f'the summary must be in the imperative mood ("Return ...", not "{first} ..."): start with a verb'


def imperative_candidates(summary: str) -> list[str]:
    """`summary` with its first word's third-person "-s" undone, in the order to try them.

    "Removes" -> "Remove", "Matches" -> "Match", "Applies" -> "Apply",
    "Does" -> "Do". A summary that speaks of "This function ..." loses that
    subject first ("This function raises ..." -> "Raise ..."). Only
    candidates: D401 decides which, if any, is the imperative. D401 passes a
    word it does not know, so the spelling rules of English pick the form
    first ("Does" is never tried as "Doe"), and a subject followed by "is",
    "has" or a modal verb is left alone ("This function is used to ...").
    """
    text = summary.strip()
    subject = _SUBJECT.match(text)
    if subject is not None:
        rest = text[subject.end() :]
        if not rest or rest.split(maxsplit=1)[0].lower() in _NOT_AN_ACTION:
            return []
        text = rest[0].upper() + rest[1:]
        return [text, *_undone(text)]
    return _undone(text)


# "This function", "The method will", ...: a subject a small model puts before the verb.
_SUBJECT = re.compile(
    r"(?:this|the)\s+(?:function|method|helper|routine|coroutine|generator|property|decorator|callback|wrapper)"
    r"\s+(?:will\s+|simply\s+)?",
    re.IGNORECASE,
)
_NOT_AN_ACTION_WORDS = "is are was were has have can could should would may might must shall"
_NOT_AN_ACTION = frozenset(_NOT_AN_ACTION_WORDS.split())


def _undone(text: str) -> list[str]:
    word, space, rest = text.partition(" ")
    lower = word.lower()
    if not word.isalpha() or not lower.endswith("s") or lower.endswith(("ss", "us", "is", "as")):
        return []
    return [stem + space + rest for stem in _stems(word, lower)]


def _stems(word: str, lower: str) -> list[str]:
    if lower.endswith("ies"):
        # "Applies" -> "Apply", but "Lies" -> "Lie".
        return [word[:-3] + ("Y" if word[-3:].isupper() else "y")] if len(word) > 4 else [word[:-1]]
    if lower.endswith(("oes", "sses", "shes", "xes", "zzes")):
        return [word[:-2]]
    if lower.endswith("ches"):
        return [word[:-2], word[:-1]]  # "Matches" -> "Match"; "Caches" -> "Cache"
    return [word[:-1]]


_JUDGED: dict[str, bool] = {}
"""Verdicts found by `judge_many`: one ruff run for thousands of summaries."""

MANY_CHUNK = 2_000
"""Summaries per ruff run in `judge_many`."""


def judge_many(summaries: Iterable[str]) -> None:
    """Judge many summaries with one ruff run per `MANY_CHUNK`, for `mood_problem` to find later.

    The batch path reads thousands of replies at once: one ruff process per
    summary would cost about 15 ms each. Each summary becomes the docstring
    of its own function in one module; D401 findings name the line.
    """
    ruff = _ruff()
    todo = [s for s in dict.fromkeys(x.strip() for x in summaries) if s and s not in _JUDGED]
    if ruff is None or not todo:
        return
    for start in range(0, len(todo), MANY_CHUNK):
        chunk = todo[start : start + MANY_CHUNK]
        # Function i's docstring is on line 4 * i + 2 (1-based).
        source = "".join(f"def f{i}():\n    {json.dumps(s)}\n\n\n" for i, s in enumerate(chunk))
        try:
            result = subprocess.run(
                [ruff, *_CHECK], check=False, input=source, capture_output=True, text=True, timeout=120
            )
            findings = json.loads(result.stdout or "[]")
        except (OSError, subprocess.SubprocessError, ValueError):
            return
        flagged = {
            (f["location"]["row"] - 2) // 4
            for f in findings
            if isinstance(f, dict) and f.get("code") == "D401" and isinstance(f.get("location"), dict)
        }
        _JUDGED.update((summary, i not in flagged) for i, summary in enumerate(chunk))


@functools.lru_cache(maxsize=4096)
def _is_imperative(summary: str) -> bool:
    if summary in _JUDGED:
        return _JUDGED[summary]
    ruff = _ruff()
    if ruff is None:
        return True
    source = f"def f():\n    {json.dumps(summary)}\n"  # a JSON string is a Python string literal
    try:
        result = subprocess.run([ruff, *_CHECK], check=False, input=source, capture_output=True, text=True, timeout=10)
        findings = json.loads(result.stdout or "[]")
    except (OSError, subprocess.SubprocessError, ValueError):
        return True
    return not any(isinstance(f, dict) and f.get("code") == "D401" for f in findings)


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


class MoodJudge:
    """Judges the summaries of one run's replies, many to a ruff run, in a worker thread.

    Starting ruff costs more than its verdict (about 7 ms of CPU a run on
    the benchmark machine), and a run at `--concurrency 16` gets about 30
    replies a second. A summary asked for while a ruff run is under way
    waits for the next run, which takes every summary waiting by then
    (`judge_many`); no summary waits for a batch to fill.
    """

    def __init__(self) -> None:
        self._waiting: dict[str, list[asyncio.Future[bool]]] = {}
        self._drainer: asyncio.Task[None] | None = None

    async def problem(self, summary: str) -> str | None:
        """`mood_problem(summary)`, judged in a batch off the event loop."""
        text = summary.strip()
        if text and text not in _JUDGED:
            verdict: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(text, []).append(verdict)
            if self._drainer is None or self._drainer.done():
                self._drainer = asyncio.ensure_future(self._drain())
            await verdict
        return mood_problem(summary)  # judged by now: no ruff run here

    async def _drain(self) -> None:
        batch: dict[str, list[asyncio.Future[bool]]] = {}
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, {}
                verdicts = await asyncio.to_thread(_verdicts, list(batch))
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


def _verdicts(summaries: list[str]) -> dict[str, bool]:
    """Each summary's verdict, after one ruff run for them all (one each if that run failed)."""
    judge_many(summaries)
    verdicts = {s: _is_imperative(s) for s in summaries}
    _JUDGED.update(verdicts)  # remembered even when ruff could not judge them together
    return verdicts
