"""Callees first in a generating run: a target's request waits until its callees in the run are settled.

The call graph joins the run's targets through their callee context items
(`ContextItem.origin`); its strongly connected components (`order`) go
together, none waiting for another. Every other target starts the moment
its last callee settles (answered, failed or skipped), not at a wave's
barrier, so the run keeps its full concurrency. When a callee without a
docstring got one in the run (from the endpoint or the cache), the caller's
context shows that new summary, masked like the rest: the request is built
only then, by `request.request_for`, and its cache key covers it.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from docstring_hook.datatypes import DocstringDraft, FunctionFacts, Style, Target
from docstring_hook.model.generate import Generator
from docstring_hook.model.judge import Generated
from docstring_hook.modules import RepositoryModules
from docstring_hook.order import components
from docstring_hook.redact import redact
from docstring_hook.source.text import summary_line

Place = tuple[Path, int]
"""A definition's resolved file and the line of its `def`/`class`."""


def call_graph(facts: Sequence[FunctionFacts], modules: RepositoryModules | None) -> dict[Target, list[Target]]:
    """Each target's callees among `facts`' targets, in the order its context names them."""
    places = _Places(modules)
    by_place = {places.of(f.target): f.target for f in facts}
    return {f.target: [c for c in _callees(f, by_place, places) if c is not None] for f in facts}


def _callees(facts: FunctionFacts, by_place: Mapping[Place, Target], places: _Places) -> list[Target | None]:
    """The target each context item names, or None (the class, a callee that is no target of the run)."""
    found = (places.origin(facts.target, item.origin) for item in facts.context)
    return [by_place.get(place) if place is not None else None for place in found]


def summary_of(draft: DocstringDraft, style: Style) -> str:
    """A draft's summary as the context will show it once written: the docstring's summary line, masked.

    Exactly what a later run reads back from the file (first sentence,
    capitalized and punctuated as `render` writes it), so that a caller
    answered but not yet written keeps its cache key when the run resumes.
    """
    # The file's encoding only decides whether a capital is encodable; UTF-8 stands in for it here.
    line, _ = summary_line(draft.summary, draft.description, style, "utf-8")
    return redact(" ".join(line.split()), code=False).text


class Schedule:
    """The run's targets, released callees first; with `enabled` False, each as soon as asked.

    `files` is how many files will `add` their facts: the graph is built,
    and the first caller released, once all have; a target that calls
    nothing of the repository goes as soon as it is asked for.
    """

    def __init__(
        self, files: int, modules: RepositoryModules | None, *, enabled: bool = True, style: Style = Style.GOOGLE
    ) -> None:
        self.enabled = enabled
        self._style = style
        self._places = _Places(modules)
        self._expected = files
        self._facts: list[FunctionFacts] = []
        self._ready = asyncio.Event()
        self._settled: dict[Target, asyncio.Event] = {}
        self._waits: dict[Target, list[Target]] = {}
        self._summaries: dict[Target, str] = {}  # the summary each target got in the run
        if files == 0:
            self._ready.set()

    def add(self, facts: Mapping[int, FunctionFacts] | None) -> None:
        """One file's facts (None for a file with nothing to send); the last one builds the graph."""
        if not self.enabled:
            return
        self._facts.extend((facts or {}).values())
        self._expected -= 1
        if self._expected == 0:
            self._plan()

    def _plan(self) -> None:
        graph = call_graph(self._facts, self._places.modules)
        for component in components([f.target for f in self._facts], graph):
            members = set(component)
            for target in component:
                self._waits[target] = list(dict.fromkeys(c for c in graph.get(target, []) if c not in members))
        self._ready.set()

    async def generate(self, generator: Generator, facts: FunctionFacts) -> Generated:
        """`generator.generate(facts)` once the target's callees in the run are settled."""
        if not self.enabled:
            return await generator.generate(facts)
        target = facts.target
        if any(item.origin is not None for item in facts.context):
            # Whether a callee is one of the run's targets is known once every file is prepared;
            # a target that calls nothing of the repository waits for nobody and goes at once.
            await self._ready.wait()
        for callee in self._waits.get(target, []):
            await self._event(callee).wait()
        try:
            generated = await generator.generate(self._with_summaries(facts))
            if generated.draft is not None:
                self._summaries[target] = summary_of(generated.draft, self._style)
        finally:
            self._event(target).set()  # settled, whatever became of it: its callers go on
        return generated

    def _event(self, target: Target) -> asyncio.Event:
        return self._settled.setdefault(target, asyncio.Event())

    def _with_summaries(self, facts: FunctionFacts) -> FunctionFacts:
        """`facts` whose callees without a docstring show the summary the run gave them.

        Only callees the target waited for: a member of its own cycle may or
        may not be answered by then, and the prompt must not depend on that.
        """
        waited = self._waits.get(facts.target, ())
        summaries = {c: self._summaries[c] for c in waited if c in self._summaries}
        return with_summaries(facts, summaries, self._places.modules, self._places)


def with_summaries(
    facts: FunctionFacts,
    summaries: Mapping[Target, str],
    modules: RepositoryModules | None,
    places: _Places | None = None,
) -> FunctionFacts:
    """`facts` whose callees without a docstring show the summaries given for them (`summary_of` a draft).

    Give only callees outside the target's own cycle (earlier waves), so
    that its prompt never depends on which member of a cycle came first.
    """
    places = places or _Places(modules)
    by_place = {places.of(t): t for t in summaries}
    items = []
    for item, callee in zip(facts.context, _callees(facts, by_place, places)):
        summary = summaries.get(callee) if callee is not None and item.summary is None else None
        items.append(dataclasses.replace(item, summary=summary) if summary is not None else item)
    return dataclasses.replace(facts, context=tuple(items))


class _Places:
    """Targets and context items to the definitions they are, each file resolved once."""

    def __init__(self, modules: RepositoryModules | None) -> None:
        self.modules = modules
        self._files: dict[str, Path] = {}

    def of(self, target: Target) -> Place:
        """Where `target` is defined."""
        return self._file(target.path), target.line

    def origin(self, target: Target, origin: tuple[str, int] | None) -> Place | None:
        """Where the callee an item of `target` names is defined: its own file, or a module of the repository."""
        if origin is None:
            return None
        module, line = origin
        if module == "":
            return self._file(target.path), line
        path = self.modules.path_of(module) if self.modules is not None else None
        return (path, line) if path is not None else None

    def _file(self, path: str) -> Path:
        if path not in self._files:
            self._files[path] = Path(path).resolve()
        return self._files[path]
