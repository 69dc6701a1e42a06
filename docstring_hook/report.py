"""What a run did, as lines for a terminal and as the JSON report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from docstring_hook.config import Settings
from docstring_hook.datatypes import NOT_STARTED, Outcome, Status, Usage

if TYPE_CHECKING:
    from docstring_hook.model.estimate import Forecast

REPORT_VERSION = 1
_MARKDOWN_COLUMNS = (
    "targets",
    "documented",
    "cached",
    "skipped",
    "failed",
    "requests",
    "prompt_tokens",
    "completion_tokens",
    "retries",
    "waited_seconds",
    "duration_seconds",
)


def outcome_lines(outcomes: Iterable[Outcome], *, every: bool = False) -> list[str]:
    """One line per target that did not plainly get its docstring; with `every`, one per target.

    Targets an interrupted run never started are counted in one line (listed with `every`).
    """
    lines = []
    not_started = 0
    for outcome in outcomes:
        if outcome.detail == NOT_STARTED and not every:
            not_started += 1
            continue
        target = outcome.target
        where = f"{target.path}:{target.line}: {target.qualname}: {outcome.status.value}"
        if outcome.status in (Status.DOCUMENTED, Status.CACHED):
            if every:
                lines.append(where)
            continue
        why = outcome.reason.value if outcome.reason else ""
        detail = f": {outcome.detail}" if outcome.detail else ""
        lines.append(f"{where} ({why}{detail})")
    if not_started:
        noun = "target" if not_started == 1 else "targets"
        lines.append(f"{not_started} {noun} not started (interrupted): run the same command again to continue")
    return lines


def totals(outcomes: Iterable[Outcome], usage: Usage) -> dict[str, float]:
    """The counts the summary and the JSON report share."""
    listed = list(outcomes)
    counts = Counter(o.status for o in listed)
    return {
        "targets": len(listed),
        "documented": counts[Status.DOCUMENTED],
        "cached": counts[Status.CACHED],
        "skipped": counts[Status.SKIPPED],
        "failed": counts[Status.FAILED],
        "unknown_names": sum(1 for o in listed if o.unknown_names),
        "restates": sum(1 for o in listed if o.restates),
        "requests": usage.requests,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "retries": usage.retries,
        "waited_seconds": round(usage.waited_seconds, 3),
        "duration_seconds": round(usage.duration_seconds, 3),
    }


def summary(
    outcomes: Iterable[Outcome],
    usage: Usage,
    redactions: Mapping[tuple[str, int], int] | None = None,
    style: str = "",
) -> str:
    """One line for the end of a run; `style` says which style "auto" chose."""
    t = totals(outcomes, usage)
    masked = sum((redactions or {}).values())
    return (
        f"{t['targets']} targets: {t['documented']} documented, {t['cached']} from cache, "
        f"{t['skipped']} skipped, {t['failed']} failed; {t['requests']} requests, "
        f"{t['prompt_tokens']} prompt + {t['completion_tokens']} completion tokens"
        + (f"; {t['retries']} retries, {t['waited_seconds']:.1f} s waited" if t["retries"] else "")
        + (f"; {masked} secret-looking values masked" if masked else "")
        + (f"; {t['restates']} summaries only restate the names" if t["restates"] else "")
        + (f"; {style}" if style else "")
    )


def to_json(
    outcomes: Iterable[Outcome], usage: Usage, redactions: Mapping[tuple[str, int], int] | None = None
) -> dict[str, Any]:
    """The `--report` document (schema version 1)."""
    listed = list(outcomes)
    masked = redactions or {}
    return {
        "version": REPORT_VERSION,
        "functions": [
            {
                "path": o.target.path,
                "qualname": o.target.qualname,
                "line": o.target.line,
                "status": o.status.value,
                "reason": o.reason.value if o.reason else None,
                "detail": o.detail,
                "redactions": masked.get((o.target.path, o.target.line), 0),
                "unknown_names": list(o.unknown_names),
                "restates": o.restates,
            }
            for o in listed
        ],
        "totals": {**totals(listed, usage), "redactions": sum(masked.values())},
    }


def cost(usage: Usage, settings: Settings) -> float | None:
    """What the run's tokens cost at the configured prices; None without prices."""
    from docstring_hook.model.budget import cost_of

    return cost_of(
        usage.prompt_tokens,
        usage.completion_tokens,
        settings.price_per_million_input,
        settings.price_per_million_output,
    )


def to_markdown(outcomes: Iterable[Outcome], usage: Usage, settings: Settings) -> str:
    """The `--report-md` page: totals, failures with reasons, documented functions per file."""
    listed = list(outcomes)
    t = totals(listed, usage)
    spent = cost(usage, settings)
    lines = [
        "# docstring-hook report",
        "",
        (
            "| targets | documented | from cache | skipped | failed | requests "
            "| prompt tokens | completion tokens | retries | waited s | duration s | cost |"
        ),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        "| " + " | ".join(str(t[k]) for k in _MARKDOWN_COLUMNS) + f" | {'n/a' if spent is None else f'{spent:.4f}'} |",
    ]
    left = [o for o in listed if o.status in (Status.SKIPPED, Status.FAILED)]
    if left:
        lines += ["", "## Left undocumented", "", "| function | status | reason |", "|---|---|---|"]
        lines += [
            f"| `{o.target.path}:{o.target.line}` `{_cell(o.target.qualname)}` | {o.status.value} | {_cell(_why(o))} |"
            for o in left
        ]
    lines += _quality_lines(listed)
    written = [o for o in listed if o.status in (Status.DOCUMENTED, Status.CACHED)]
    if written:
        lines += ["", "## Documented", ""]
        for path in sorted({o.target.path for o in written}):
            lines.append(
                f"- `{path}`: " + ", ".join(f"`{o.target.qualname}`" for o in written if o.target.path == path)
            )
    return "\n".join(lines) + "\n"


def forecast_lines(plan: Forecast) -> list[str]:
    """`--dry-run`: one line per target."""
    lines = []
    for e in plan.estimates:
        target = e.target
        if e.prompt_tokens is None:
            what = "over budget: would be skipped"
        else:
            what = (
                f"{e.prompt_tokens} prompt tokens" + (", elided" if e.elided else "") + (", cached" if e.cached else "")
            )
        lines.append(f"{target.path}:{target.line}: {target.qualname}: {what}")
    return lines


def forecast_summary(plan: Forecast, settings: Settings, counted_by: str) -> str:
    """`--dry-run`: what a real run would send and what it may cost."""
    never = "".join(f", {count} {reason}" for reason, count in sorted(plan.held.items()))
    text = (
        f"{len(plan.estimates) + plan.withheld} targets: {plan.cached} cached, {plan.over_budget} over budget{never}, "
        f"{plan.to_request} to request; {plan.prompt_tokens} prompt tokens ({counted_by}) "
        f"and at most {plan.output_tokens_at_most} output tokens "
        f"({plan.to_request} x max-output-tokens {settings.max_output_tokens}), repairs aside"
    )
    costs = plan.cost_range(settings)
    if costs is None:
        return text + "; set price-per-million-input/-output for a cost estimate"
    return text + f"; cost between {costs[0]:.4f} and {costs[1]:.4f}"


def _quality_lines(outcomes: list[Outcome]) -> list[str]:
    """The quality gate's findings: drafts naming what exists nowhere, summaries that only restate names."""
    flagged = [o for o in outcomes if o.unknown_names or o.restates]
    if not flagged:
        return []
    lines = ["", "## Quality", "", "| function | unknown names | restates the names |", "|---|---|---|"]
    for o in flagged:
        names = ", ".join(f"`{_cell(n)}`" for n in o.unknown_names)
        where = f"`{o.target.path}:{o.target.line}` `{_cell(o.target.qualname)}`"
        lines.append(f"| {where} | {names} | {'yes' if o.restates else ''} |")
    return lines


def _why(outcome: Outcome) -> str:
    reason = outcome.reason.value if outcome.reason else ""
    return f"{reason}: {outcome.detail}" if outcome.detail else reason


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
