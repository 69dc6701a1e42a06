"""Files are prepared one at a time, and a file's requests leave before the next file is prepared."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from docstring_hook import pipeline
from docstring_hook.config import Settings
from docstring_hook.datatypes import Status, Usage
from docstring_hook.model.budget import RunBudget
from docstring_hook.model.generate import Generator
from docstring_hook.model.pacing import Pacer
from docstring_hook.model.tokens import EstimatingCounter
from docstring_hook.model.types import Completion, Message
from docstring_hook.prepare import PreparedFile
from docstring_hook.scan import collect
from tests.test_generator import GOOD, MemoryCache

FILES = 5


class RecordingCompleter:
    """Answers every request well, noting in `events` when each was sent."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    async def complete(self, messages: Sequence[Message], *, plain: bool = False) -> Completion:
        self.events.append("request")
        return Completion(json.dumps(GOOD), "stop", prompt_tokens=100, completion_tokens=20)


def test_the_first_request_leaves_before_the_other_files_are_prepared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    prepare = pipeline.prepare_file

    def noted(*args: object, **kwargs: object) -> PreparedFile:
        events.append("prepare")
        return prepare(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "prepare_file", noted)
    for n in range(FILES):
        # Each file its own function: the same code would share one cached answer.
        (tmp_path / f"m{n}.py").write_text(f"def add(a, b):\n    return a + b + {n}\n")
    settings = Settings(root=str(tmp_path))
    found = collect(sorted(str(p) for p in tmp_path.glob("*.py")), settings)
    generator = Generator(
        RecordingCompleter(events), MemoryCache(), EstimatingCounter(), Pacer(concurrency=8), RunBudget(Usage()), settings
    )
    result = asyncio.run(pipeline.run(found, settings, generator, write=False))
    assert [o.status for o in result.outcomes] == [Status.DOCUMENTED] * FILES
    assert events == ["prepare", "request"] * FILES


def test_a_file_cancelled_while_it_hands_over_leaves_no_unretrieved_error() -> None:
    # A Ctrl-C before the run's own handler is in place cancels the run (asyncio.run's default);
    # a file in its hand-over cancels its requests, which nobody awaits any more.
    reported: list[str] = []

    async def scenario() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: reported.append(context["message"]))
        generation = asyncio.gather(asyncio.Event().wait(), asyncio.Event().wait())
        handing_over = asyncio.ensure_future(pipeline._hand_over(generation))
        await asyncio.sleep(0)  # it is inside its pause
        handing_over.cancel()
        await asyncio.gather(handing_over, return_exceptions=True)
        await asyncio.sleep(0)  # the cancelled requests finish
        del generation, handing_over
        gc.collect()  # an exception never retrieved is reported when its future is collected

    asyncio.run(scenario())
    assert reported == []
