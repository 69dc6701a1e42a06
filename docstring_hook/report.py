"""What a run did, as lines for a terminal and as the JSON report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from docstring_hook.datatypes import Outcome, Status
from docstring_hook.model.generate import Usage

REPORT_VERSION = 1


def outcome_lines(outcomes: Iterable[Outcome]) -> list[str]:
    """One line per target that did not plainly get its docstring."""
    lines = []
    for outcome in outcomes:
        if outcome.status in (Status.DOCUMENTED, Status.CACHED):
            continue
        target = outcome.target
        why = outcome.reason.value if outcome.reason else ""
        detail = f": {outcome.detail}" if outcome.detail else ""
        lines.append(f"{target.path}:{target.line}: {target.qualname}: {outcome.status.value} ({why}{detail})")
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
        "requests": usage.requests,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "retries": usage.retries,
        "waited_seconds": round(usage.waited_seconds, 3),
    }


def summary(outcomes: Iterable[Outcome], usage: Usage) -> str:
    """One line for the end of a run."""
    t = totals(outcomes, usage)
    return (
        f"{t['targets']} targets: {t['documented']} documented, {t['cached']} from cache, "
        f"{t['skipped']} skipped, {t['failed']} failed; {t['requests']} requests, "
        f"{t['prompt_tokens']} prompt + {t['completion_tokens']} completion tokens"
        + (f"; {t['retries']} retries, {t['waited_seconds']:.1f} s waited" if t["retries"] else "")
    )


def to_json(outcomes: Iterable[Outcome], usage: Usage) -> dict[str, Any]:
    """The `--report` document (schema version 1)."""
    listed = list(outcomes)
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
            }
            for o in listed
        ],
        "totals": totals(listed, usage),
    }
