"""The command line: flags in, messages and exit code out; the run itself is `run`'s.

Heavy imports (LibCST, openai, tiktoken) happen inside the functions that
need them, so `--check` and a commit with nothing to do stay fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from docstring_hook.cli_args import build_parser
from docstring_hook.config import Settings, load
from docstring_hook.datatypes import FileProblem, Status
from docstring_hook.errors import ConfigError, DocstringHookError

if TYPE_CHECKING:
    from docstring_hook.datatypes import RunResult
    from docstring_hook.model.endpoint import Endpoint
    from docstring_hook.repo.git import ChangedLines
    from docstring_hook.run import Planned
    from docstring_hook.scan import Scan

EXIT_OK = 0
EXIT_CHANGED = 1
EXIT_ERROR = 2
EXIT_UNDOCUMENTED = 4
EXIT_INTERRUPTED = 130

SILENCE_HINT = (
    "docstring-hook: a failed target is remembered and not asked again until its code or the settings change "
    "(--retry-failed asks again); `# docstring-hook: skip` on its line passes over it for good, "
    "and fail-on-undocumented = false keeps failures from failing the hook"
)

def main(argv: Sequence[str] | None = None) -> int:
    """Run docstring-hook; the exit code's bits: 1 changed, 2 error, 4 undocumented."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    usage_error = _usage_error(arguments.paths)
    if usage_error:
        parser.print_usage(sys.stderr)
        print(f"docstring-hook: error: {usage_error}", file=sys.stderr)
        return EXIT_ERROR
    try:
        settings = _settings(arguments)
        batch = settings.batch or settings.batch_cancel
        if batch and (settings.check or settings.diff or arguments.show_prompt is not None):
            raise ConfigError("--batch writes the files itself: not with --check, --diff or --show-prompt")
        if arguments.show_prompt is not None:
            return _show_prompt(arguments.paths, settings, arguments.show_prompt)
        if settings.check:
            return _check(arguments.paths, settings)
        return _generate(arguments.paths, settings)
    except DocstringHookError as error:
        print(f"docstring-hook: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("docstring-hook: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _usage_error(paths: Sequence[str]) -> str | None:
    """What is wrong with the paths given, or None."""
    if not paths:
        return "no PATH given: name the files or folders to document (`.` for the current folder)"
    missing = [path for path in paths if not os.path.lexists(path)]
    if missing:
        return f"no such file or folder: {', '.join(missing)}"
    return None


def _settings(arguments: argparse.Namespace) -> Settings:
    overrides = {
        key: value for key, value in vars(arguments).items() if key not in {"paths", "quiet", "verbose", "show_prompt"}
    }
    overrides["verbosity"] = arguments.verbose - arguments.quiet
    return load(Path.cwd(), overrides)


def _show_prompt(paths: Sequence[str], settings: Settings, pattern: str) -> int:
    """Print what would be sent, redacted and elided, for the matching targets; no endpoint, no request."""
    from docstring_hook import run
    from docstring_hook.model.prompt import show_messages

    for shown in run.show_prompts(paths, settings, pattern, _changes(paths, settings), os.environ, _warn(settings)):
        if isinstance(shown, FileProblem):
            continue
        target = shown.target
        where = f"{target.path}:{target.line}: {target.qualname}"
        if shown.prompt is None:
            why = shown.held.reason.value if shown.held is not None else "over-budget"
            print(f"{where}: skipped ({why})", file=sys.stderr)
            continue
        elided = ", elided" if shown.prompt.elided else ""
        print(f"=== {where} ({shown.prompt.tokens} tokens, {shown.redactions} redacted{elided}) ===")
        sys.stdout.write(show_messages(shown.prompt.messages))
    return EXIT_OK


def _check(paths: Sequence[str], settings: Settings) -> int:
    from docstring_hook.check import check

    result = check(paths, settings, _changes(paths, settings))
    fails = settings.fail_on_unreadable and bool(result.problems)
    for problem in result.problems:
        verdict = "error" if fails else "skipped"
        print(f"{problem.path}: {verdict}: {problem.reason}", file=sys.stderr)
    for target in result.targets:
        print(f"{target.path}:{target.line}: {target.qualname}: missing docstring")
    for unwritable in result.unwritable:
        print(f"{unwritable.path}: note: docstring-hook cannot write this file: {unwritable.reason}", file=sys.stderr)
    if settings.verbosity >= 0:
        print(result.summary(), file=sys.stderr)
    if fails:
        print(
            "docstring-hook: files that cannot be checked fail --check (fail-on-unreadable = false: skip them)",
            file=sys.stderr,
        )
    return EXIT_CHANGED if result.targets or fails else EXIT_OK


def _generate(paths: Sequence[str], settings: Settings) -> int:
    from docstring_hook.scan import collect

    found = collect(paths, settings, _changes(paths, settings))
    for problem in found.problems:
        print(f"{problem.path}: skipped: {problem.reason}", file=sys.stderr)
    if not found.files:
        from docstring_hook.datatypes import RunResult

        _write_reports(RunResult(problems=found.problems), settings, found.parsed_paths)
        return EXIT_OK
    # Only now does the run import LibCST (and openai, when it sends), which a no-op commit must not pay for.
    from docstring_hook import run

    if settings.dry_run:
        planned = run.dry_run(found, settings, os.environ, _warn(settings))
        _print_forecast(planned, settings)
        return EXIT_OK
    from docstring_hook.model.endpoint import MISSING_CREDENTIALS, resolve_endpoint

    endpoint = resolve_endpoint(os.environ, settings)
    if endpoint is None:
        if settings.on_missing_credentials == "skip":
            print(
                f"docstring-hook: {found.target_count} targets left undocumented: {MISSING_CREDENTIALS}",
                file=sys.stderr,
            )
            return EXIT_OK
        raise ConfigError(MISSING_CREDENTIALS)
    import asyncio

    if settings.batch or settings.batch_cancel:
        return _batch(found, settings, endpoint)
    finished = asyncio.run(run.generate(found, settings, endpoint, os.environ, _warn(settings)))
    code = _finish(finished.result, settings, found.parsed_paths)
    return EXIT_INTERRUPTED if finished.interrupted else code


def _batch(found: Scan, settings: Settings, endpoint: Endpoint) -> int:
    """`--batch`: wait for the jobs (Ctrl-C leaves them running: exit 130, and how to resume)."""
    import asyncio

    from docstring_hook import run
    from docstring_hook.batchui import RESUME_HINT, at_batch_price

    cancel = bool(settings.batch_cancel)
    finished = asyncio.run(run.batch(found, settings, endpoint, os.environ, _warn(settings), cancel=cancel))
    code = _finish(finished.result, at_batch_price(settings), found.parsed_paths)
    if finished.interrupted:
        print(f"docstring-hook: {RESUME_HINT}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


def _changes(paths: Sequence[str], settings: Settings) -> ChangedLines | None:
    """The lines that count under the scope setting; None when every target counts."""
    from docstring_hook.repo.git import changes_in_scope

    return changes_in_scope(settings.scope, paths, os.environ)


def _print_forecast(planned: Planned, settings: Settings) -> None:
    from docstring_hook import report

    for line in report.forecast_lines(planned.forecast):
        print(line)
    summary = report.forecast_summary(planned.forecast, settings, planned.counted_by)
    if settings.batch:
        from docstring_hook.batchui import at_batch_price

        priced = report.forecast_summary(planned.forecast, at_batch_price(settings), planned.counted_by)
        summary = f"{priced} (the batch price: batch-discount {settings.batch_discount:g})"
    print(summary, file=sys.stderr)


def _warn(settings: Settings) -> Callable[[str], None]:
    def warn(message: str) -> None:
        if settings.verbosity >= 0:
            print(f"docstring-hook: warning: {message}", file=sys.stderr)

    return warn


def _finish(result: RunResult, settings: Settings, parsed_paths: Sequence[str]) -> int:
    from docstring_hook import report

    for change in result.changes:
        if settings.diff:
            sys.stdout.flush()
            sys.stdout.buffer.write(change.diff)
            sys.stdout.buffer.flush()
        else:
            noun = "docstring" if change.docstrings == 1 else "docstrings"
            print(f"Rewriting {change.path} ({change.docstrings} {noun})", file=sys.stderr)
    if settings.verbosity > -2:
        for line in report.outcome_lines(result.outcomes, every=settings.verbosity > 0):
            print(line, file=sys.stderr)
    if settings.verbosity >= 0:
        if any(o.status is Status.FAILED for o in result.outcomes):
            print(SILENCE_HINT, file=sys.stderr)
        print(report.summary(result.outcomes, result.usage, result.redactions, result.style), file=sys.stderr)
    _write_reports(result, settings, parsed_paths)
    code = EXIT_CHANGED if result.changes else EXIT_OK
    undocumented = any(o.status in (Status.SKIPPED, Status.FAILED) for o in result.outcomes)
    if undocumented and settings.fail_on_undocumented:
        code |= EXIT_UNDOCUMENTED
    return code


def _write_reports(result: RunResult, settings: Settings, parsed_paths: Sequence[str]) -> None:
    import json

    from docstring_hook import report

    if settings.docs_md and parsed_paths:
        from docstring_hook import run

        Path(settings.docs_md).write_text(run.api_page(parsed_paths, settings), encoding="utf-8")
    if settings.report:
        document = report.to_json(result.outcomes, result.usage, result.redactions)
        Path(settings.report).write_text(json.dumps(document, indent=2) + "\n")
    if settings.report_md:
        Path(settings.report_md).write_text(report.to_markdown(result.outcomes, result.usage, settings))
