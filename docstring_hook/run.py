"""The composition root: builds the parts of a run from the settings and runs one mode.

Each mode returns data; `cli` decides what to print and which exit code it
means. Here the counter, cache, client, pacer and budget are built, once
per run: generating (`generate`), forecasting (`dry_run`) and printing the
requests (`show_prompts`) all prepare targets through `prepare` and
`model.request.request_for`, so they agree on what is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import gc
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from docstring_hook import pipeline, progress
from docstring_hook.config import Settings
from docstring_hook.counting import Warn, run_counter, token_counter
from docstring_hook.datatypes import FileProblem, FunctionFacts, Reason, RunResult, Status, Target, Usage
from docstring_hook.errors import ConfigError
from docstring_hook.interrupts import CtrlC
from docstring_hook.model.budget import RunBudget
from docstring_hook.model.cache import DiskCache, DraftCache, NullCache, cache_folder
from docstring_hook.model.endpoint import Endpoint
from docstring_hook.model.estimate import Forecast, forecast
from docstring_hook.model.generate import Generator
from docstring_hook.model.pacing import Pacer
from docstring_hook.model.request import Prompt, request_for
from docstring_hook.model.tokens import counted_by
from docstring_hook.prepare import context_modules, prepare_file
from docstring_hook.repo.git import ChangedLines
from docstring_hook.repo.lock import project_lock
from docstring_hook.scan import Held, Scan, held_for_writing, scan_files
from docstring_hook.source.refusal import rewriter_refusal
from docstring_hook.survey import resolved, survey
from docstring_hook.workers import Rewriter


@dataclass(frozen=True)
class Finished:
    """A run's result, and whether the user stopped it."""

    result: RunResult
    interrupted: bool


@dataclass(frozen=True)
class Planned:
    """`--dry-run`: the forecast, and how its tokens were counted."""

    forecast: Forecast
    counted_by: str


@dataclass(frozen=True)
class ShownPrompt:
    """`--show-prompt`: one matching target and the request a run would send for it.

    `prompt` is None when the target would not be sent: `held` back (never-send,
    too large, not safely writable) or over the prompt budget.
    """

    target: Target
    prompt: Prompt | None
    redactions: int = 0
    held: Held | None = None


def open_cache(settings: Settings, environ: Mapping[str, str]) -> DraftCache:
    """The draft cache the settings ask for."""
    return NullCache() if settings.no_cache else DiskCache(cache_folder(settings.cache_dir, environ))


def dry_run(found: Scan, settings: Settings, environ: Mapping[str, str], warn: Warn) -> Planned:
    """Every target's request as a real run would build it, and whether it is cached; nothing is sent."""
    surveyed = survey(settings, names=False, calls=settings.context_budget > 0, cache=_survey_cache(settings, environ))
    settings = resolved(settings, surveyed)
    counter = token_counter(settings, environ, warn)
    facts: list[FunctionFacts] = []
    held: Counter[str] = Counter()
    modules = context_modules(settings, surveyed.calls)
    for scanned in found.files:
        if scanned.held is not None:
            held[scanned.held.reason.value] += len(scanned.targets)
            continue
        if rewriter_refusal(scanned.source.text) is not None:
            held[Reason.REFUSED.value] += len(scanned.targets)
            continue
        prepared = prepare_file(scanned, modules=modules)
        facts.extend(prepared.facts[t.line] for t in scanned.targets)
    plan = forecast(facts, settings, counter, open_cache(settings, environ), held=held)
    return Planned(plan, counted_by(counter))


def show_prompts(
    paths: Sequence[str],
    settings: Settings,
    pattern: str,
    changes: ChangedLines | None,
    environ: Mapping[str, str],
    warn: Warn,
) -> Iterator[ShownPrompt | FileProblem]:
    """The request for each target whose qualified name matches the glob `pattern`, file by file."""
    surveyed = survey(settings, names=False, calls=settings.context_budget > 0, cache=_survey_cache(settings, environ))
    settings = resolved(settings, surveyed)
    counter = token_counter(settings, environ, warn)
    modules = context_modules(settings, surveyed.calls)
    for scanned in scan_files(paths, settings, changes):
        if scanned is None or isinstance(scanned, FileProblem):
            continue
        targets = [t for t in scanned.targets if fnmatch.fnmatchcase(t.qualname, pattern)]
        if not targets:
            continue
        scanned = held_for_writing(scanned, settings)
        prepared = prepare_file(scanned, modules=modules)
        for target in targets:
            if scanned.held is not None:
                yield ShownPrompt(target, None, held=scanned.held)
                continue
            prompt = request_for(prepared.facts[target.line], settings, counter)
            yield ShownPrompt(target, prompt, prepared.redactions_of(target))


async def generate(
    found: Scan, settings: Settings, endpoint: Endpoint, environ: Mapping[str, str], warn: Warn
) -> Finished:
    """Document every target of `found`; Ctrl-C stops it cleanly.

    The counter comes first: with a core to spare, its helper process loads the
    tokenizer while openai is imported and the repository surveyed (its
    symbols for the name gate, its style when style = "auto").
    """
    with run_counter(settings, environ, warn) as counter:
        with _collector_paused():
            from docstring_hook.model.client import ChatClient  # the SDK, only for a run that sends

            surveyed = survey(settings, calls=settings.context_budget > 0, cache=_survey_cache(settings, environ))
            client = ChatClient(endpoint, timeout=settings.timeout, max_output_tokens=settings.max_output_tokens)
        settings = resolved(settings, surveyed)
        pacer = Pacer(concurrency=settings.concurrency, rpm=settings.rpm, tpm=settings.tpm)
        budget = _budget(settings)
        cache = open_cache(settings, environ)
        generator = Generator(client, cache, counter, pacer, budget, settings, endpoint=endpoint.url)
        rewriter = Rewriter(len(found.files), settings.workers)
        abandon = asyncio.Event()
        lock = (
            contextlib.nullcontext()
            if settings.diff
            else project_lock(settings.root, cache_folder(settings.cache_dir, environ))
        )
        started = time.monotonic()
        try:
            with lock, CtrlC(generator.interrupt, abandon) as ctrl_c:
                async with _progress(found, settings, generator, pacer, environ):
                    result = await pipeline.run(
                        found,
                        settings,
                        generator,
                        write=not settings.diff,
                        abandon=abandon,
                        rewriter=rewriter,
                        symbols=surveyed.symbols,
                        callers=surveyed.calls,
                    )
                    result.style = surveyed.note
        finally:
            budget.spent.duration_seconds = time.monotonic() - started
            rewriter.close()
            await client.close()
    return Finished(result, ctrl_c.pressed)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while the run imports openai and sets up; what it made is then frozen.

    Those objects (about 84,000 that the collector tracks, most of them
    openai's types) live until the process ends: a collection after the
    imports finds 671 unreachable, and without the freeze every full
    collection of the run, and the interpreter's at exit, would walk them
    all again (bench/README.md, "Concurrency": about 0.5 s less from the last
    answer to exit).
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


async def batch(
    found: Scan, settings: Settings, endpoint: Endpoint, environ: Mapping[str, str], warn: Warn, *, cancel: bool
) -> Finished:
    """`--batch` (or `--batch-cancel`): the run through the Batch API; the job is resumed when one is saved."""
    from docstring_hook.batch import BatchRun, Tools
    from docstring_hook.batchui import at_batch_price, on_ctrl_c, sayer
    from docstring_hook.model import batchstate
    from docstring_hook.model.batchapi import BatchAPI
    from docstring_hook.model.batchjob import Driver

    if settings.no_cache:
        raise ConfigError("--batch keeps its answers in the cache: it cannot run with --no-cache")
    surveyed = survey(settings, calls=settings.context_budget > 0, cache=_survey_cache(settings, environ))
    settings = resolved(settings, surveyed)
    folder = cache_folder(settings.cache_dir, environ)
    path = batchstate.state_path(folder, batchstate.resume_key(settings.root, endpoint.url, endpoint.model))
    priced = at_batch_price(settings)
    budget = _budget(priced)
    api, stop, say = BatchAPI(endpoint, timeout=settings.timeout), asyncio.Event(), sayer(settings.verbosity)
    driver = Driver(
        api, path, settings, open_cache(settings, environ), budget.spent,
        kind=endpoint.kind, model=endpoint.model, stop=stop, say=say,
    )
    rewriter = Rewriter(len(found.files), settings.workers)
    tools = Tools(
        driver, open_cache(settings, environ), token_counter(settings, environ, warn), budget, rewriter,
        surveyed.symbols, surveyed.calls, path, endpoint.url,
    )
    started = time.monotonic()
    remove = on_ctrl_c(stop, say)
    try:
        with project_lock(settings.root, folder):
            batch_run = BatchRun(found, settings, tools, stop)
            result = await batch_run.run(cancel)
    finally:
        remove()
        budget.spent.duration_seconds = time.monotonic() - started
        rewriter.close()
        await api.close()
    result.style = surveyed.note
    return Finished(result, batch_run.interrupted)


def _survey_cache(settings: Settings, environ: Mapping[str, str]) -> Path | None:
    """Where the repository survey keeps what each file contributes; nowhere with --no-cache."""
    return None if settings.no_cache else cache_folder(settings.cache_dir, environ)


def api_page(paths: Sequence[str], settings: Settings) -> str:
    """`--docs-md`: the documented API of the files, read as they are now (after writing)."""
    from docstring_hook.apidocs import api_markdown
    from docstring_hook.repo.files import UnreadableFile, read_source

    files: list[tuple[str, str]] = []
    for path in paths:
        try:
            files.append((path, read_source(path).text))
        except (OSError, UnreadableFile):
            continue  # already reported when the run scanned it
    return api_markdown(files, include_tests=settings.docs_md_tests)


@contextlib.asynccontextmanager
async def _progress(
    found: Scan, settings: Settings, generator: Generator, pacer: Pacer, environ: Mapping[str, str]
) -> AsyncIterator[None]:
    if not progress.wanted(sys.stderr, settings.verbosity, environ):
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


def _budget(settings: Settings) -> RunBudget:
    """The run's limits, at the prices `settings` give (the batch path's are discounted)."""
    return RunBudget(
        Usage(),
        max_functions=settings.max_functions,
        max_tokens=settings.max_tokens,
        max_cost=settings.max_cost,
        price_per_million_input=settings.price_per_million_input,
        price_per_million_output=settings.price_per_million_output,
    )
