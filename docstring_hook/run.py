"""The composition root of a generating run: builds the parts, runs them, returns data.

`cli` decides what to print and which exit code it means; this module
builds the cache, counter, client, pacer and budget from the settings and
runs the pipeline, or, for `--dry-run`, only the estimate.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass

from docstring_hook import pipeline, progress
from docstring_hook.config import Settings
from docstring_hook.datatypes import RunResult, Status
from docstring_hook.interrupts import CtrlC
from docstring_hook.model.budget import EstimatingCounter, RunBudget, TokenCounter, load_counter
from docstring_hook.model.cache import DiskCache, DraftCache, NullCache, cache_folder
from docstring_hook.model.client import ChatClient
from docstring_hook.model.endpoint import Endpoint
from docstring_hook.model.estimate import Forecast, forecast
from docstring_hook.model.generate import Generator
from docstring_hook.model.pacing import Pacer
from docstring_hook.scan import Scan
from docstring_hook.source.facts import describe_all
from docstring_hook.source.find import never_send
from docstring_hook.workers import Rewriter


@dataclass(frozen=True)
class Finished:
    """A run's result, and whether the user stopped it."""

    result: RunResult
    interrupted: bool


def open_cache(settings: Settings, environ: Mapping[str, str]) -> DraftCache:
    """The draft cache the settings ask for."""
    return NullCache() if settings.no_cache else DiskCache(cache_folder(settings.cache_dir, environ))


def token_counter(settings: Settings, warn: Callable[[str], None]) -> TokenCounter:
    """tiktoken's counter for the model, or the estimate with one warning."""
    counter, warning = load_counter(settings.model)
    if warning:
        warn(warning)
    return counter


def counted_by(counter: TokenCounter) -> str:
    """How token figures were obtained, for the dry-run summary."""
    return "estimated from text length" if isinstance(counter, EstimatingCounter) else "counted with tiktoken"


def plan(found: Scan, settings: Settings, counter: TokenCounter, cache: DraftCache) -> Forecast:
    """`--dry-run`: every target's prompt as a real run would build it; nothing is sent."""
    facts = []
    withheld = 0
    for scanned in found.files:
        if never_send(scanned.source.path, settings):
            withheld += len(scanned.targets)
            continue
        described = describe_all(scanned.tree, scanned.lines, scanned.targets)
        facts.extend(described[t.line] for t in scanned.targets)
    return forecast(facts, settings, counter, cache, withheld=withheld)


async def generate(
    found: Scan, settings: Settings, endpoint: Endpoint, counter: TokenCounter, cache: DraftCache
) -> Finished:
    """Document every target of `found`; Ctrl-C stops it cleanly."""
    client = ChatClient(endpoint, timeout=settings.timeout, max_output_tokens=settings.max_output_tokens)
    pacer = Pacer(concurrency=max(1, settings.concurrency), rpm=settings.rpm, tpm=settings.tpm)
    budget = RunBudget(
        max_functions=settings.max_functions,
        max_tokens=settings.max_tokens,
        max_cost=settings.max_cost,
        price_per_million_input=settings.price_per_million_input,
        price_per_million_output=settings.price_per_million_output,
    )
    generator = Generator(client, cache, counter, pacer, budget, settings)
    rewriter = Rewriter(len(found.files), settings.workers)
    abandon = asyncio.Event()
    try:
        with CtrlC(generator.interrupt, abandon) as ctrl_c:
            async with _progress(found, settings, generator, pacer):
                result = await pipeline.run(
                    found, settings, generator, write=not settings.diff, abandon=abandon, rewriter=rewriter
                )
    finally:
        rewriter.close()
        await client.close()
    return Finished(result, ctrl_c.pressed)


@contextlib.asynccontextmanager
async def _progress(found: Scan, settings: Settings, generator: Generator, pacer: Pacer) -> AsyncIterator[None]:
    if not progress.wanted(sys.stderr, settings.verbosity, os.environ):
        yield
        return

    def take(elapsed: float) -> progress.Snapshot:
        settled = generator.settled
        usage = generator.usage
        return progress.Snapshot(
            targets=found.target_count,
            settled=sum(settled.values()),
            documented=settled[Status.DOCUMENTED],
            cached=settled[Status.CACHED],
            failed=settled[Status.FAILED],
            in_flight=pacer.in_flight,
            tokens=usage.prompt_tokens + usage.completion_tokens,
            elapsed=elapsed,
        )

    display = asyncio.ensure_future(progress.show(take))
    try:
        yield
    finally:
        display.cancel()
        await asyncio.gather(display, return_exceptions=True)
