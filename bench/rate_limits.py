"""The pacer against server quotas counted over 1-, 10- and 60-second windows.

Azure OpenAI enforces a deployment's per-minute quota over short windows:
"rate limiting will occur for a 600-RPM deployment if more than 10 requests
are received during each 1-second period". The fake Azure server
(tests/fake_azure.py) does the same when asked: `rate_window` seconds
holding the quota scaled to it, a 429 whose retry-after-ms is the window's
remainder, x-ratelimit-remaining-* headers for that window (or none, with
`rate_headers=False`).

For each window the real CLI runs once per scenario (`--concurrency 8
--no-cache`, the project regenerated first, the fake answering after
`--latency` seconds):

- rpm quota, no flag         (the pacer learns from the headers and 429s)
- rpm quota, --rpm <quota>
- rpm quota, no headers      (the pacer learns from 429s alone)
- tpm quota, no flag
- tpm quota, --tpm <quota>

Reported, from the server's side: requests, 429s and their share; goodput:
200s per second over the active span (first arrival to last answer)
against the quota's rate (for tpm: the tokens the fake charged for them
per second, against the quota's); the longest time with work pending and nothing in flight
(between the first arrival and the last answer, no request at the server);
wall time, exit code and whether every target got its docstring. The goals
(issue 12): goodput >= 90% of the quota, <= 5% of requests answered 429, no
idle gap over 2 s.

The quotas are small so that a run spans a few windows: 300 RPM (5 a
second) for the 1- and 10-second windows and 90 targets (about 19 s at the
quota), 60 RPM for the minute window and 90 targets (a minute and a half at
the quota, or one burst and a wait). Every CLI run is bounded by
`--timeout` seconds.

`--long` adds one run of about 5 minutes: 30 targets against 5 requests a
minute (60-second window), no --rpm, where a request refused twice meets
the retry layer's per-request wait cap.

    python bench/rate_limits.py [--windows 1,10,60] [--only rpm,rpm-flag,rpm-bare,tpm,tpm-flag] [--latency 0.3] [--long]
        [--concurrency 8] [--quota RPM] [--size FILESxFUNCTIONS]

The issue's shape (600 RPM over 1 s, concurrency 32, 450 targets):

    python bench/rate_limits.py --windows 1 --only rpm,rpm-flag --quota 600 --size 45x10 --concurrency 32 --latency 0.5
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_environment
from _project import FakeAzure, RunFigures, run_cli, write_project

# The fake charges the prompt's billed tokens (real encoding) plus max_tokens
# (600 by default) per request: 1,383 for these functions at c85dfb5. The
# quota is sized a little above, so that a 1-second window holds whole
# requests (5 at 300 RPM: at 1,363 a request, the 6,815 tokens of a second
# held only 4 of 1,383). Goodput for tpm is measured from what the fake
# charged, against the quota's tokens.
PER_REQUEST_TOKENS = 1_400
SCENARIOS = ("rpm", "rpm-flag", "rpm-bare", "tpm", "tpm-flag")


@dataclass(frozen=True)
class Quota:
    """The quota and project size for one window length."""

    rpm: int
    files: int
    functions: int

    @property
    def tpm(self) -> int:
        """The token quota admitting `rpm` requests of `PER_REQUEST_TOKENS`."""
        return self.rpm * PER_REQUEST_TOKENS


LONG = Quota(5, 5, 6)
"""`--long`: 30 targets against 5 requests a minute, where the retry caps matter."""

QUOTAS = {1.0: Quota(300, 9, 10), 10.0: Quota(300, 9, 10), 60.0: Quota(60, 9, 10)}


def scenario(kind: str, quota: Quota) -> tuple[dict[str, object], list[str]]:
    """The fake's limits and the CLI's flags of one scenario."""
    rpm, tpm = {"rpm": quota.rpm}, {"tpm": quota.tpm}
    return {
        "rpm": (rpm, []),
        "rpm-flag": (rpm, ["--rpm", str(quota.rpm)]),
        "rpm-bare": ({**rpm, "rate_headers": False}, []),
        "tpm": (tpm, []),
        "tpm-flag": (tpm, ["--tpm", str(quota.tpm)]),
    }[kind]  # type: ignore[return-value]


def custom(quota: Quota, rpm: int | None, size: str | None) -> Quota:
    """`quota` with the RPM and project size given on the command line, if any."""
    files, functions = (int(n) for n in size.split("x")) if size else (quota.files, quota.functions)
    return Quota(rpm or quota.rpm, files, functions)


def idle_gap(intervals: list[tuple[float, float]]) -> float:
    """The longest time between the first arrival and the last answer with no request at the server."""
    ordered = sorted(intervals)
    longest, busy_until = 0.0, ordered[0][1]
    for start, end in ordered[1:]:
        longest = max(longest, start - busy_until)
        busy_until = max(busy_until, end)
    return longest


def active_span(intervals: list[tuple[float, float]]) -> float:
    """Seconds from the first arrival to the last answer."""
    return max(end for _, end in intervals) - min(start for start, _ in intervals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--windows", default="1,10,60", help="server window lengths in seconds (of 1, 10, 60)")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="scenarios, comma-separated")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds the fake takes per answer")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds one CLI run may take")
    parser.add_argument("--concurrency", type=int, default=8, help="the CLI's --concurrency")
    parser.add_argument("--quota", type=int, help="RPM of every window's quota instead of the defaults")
    parser.add_argument("--size", help="FILESxFUNCTIONS of the project instead of the defaults, e.g. 45x10")
    parser.add_argument("--long", action="store_true",
                        help="add the ~5-minute scenario: 5 RPM over 60 s, 30 targets, no --rpm")
    arguments = parser.parse_args()
    windows = [float(w) for w in arguments.windows.split(",")]
    kinds = [k for k in arguments.only.split(",") if k]
    unknown = [k for k in kinds if k not in SCENARIOS] + [w for w in windows if w not in QUOTAS]
    if unknown:
        parser.error(f"unknown scenario or window: {unknown}")
    print_environment()
    rows: list[tuple[float, str, Quota, RunFigures, list[tuple[float, float]], list[int]]] = []
    plan = [(window, custom(QUOTAS[window], arguments.quota, arguments.size), kind)
            for window in windows for kind in kinds]
    if arguments.long:
        plan.append((60.0, LONG, "rpm"))
    with tempfile.TemporaryDirectory(prefix="bench-rates-") as temporary:
        project = Path(temporary, "project")
        for window, quota, kind in plan:
            limits, flags = scenario(kind, quota)
            write_project(project, quota.files, quota.functions)
            with FakeAzure(latency=arguments.latency, rate_window=window, **limits) as fake:  # type: ignore[arg-type]
                figures = run_cli(fake, project, ["--concurrency", str(arguments.concurrency), "--no-cache", *flags],
                                  timeout=arguments.timeout)
                intervals, charged = list(fake.intervals), list(fake.charged)
            rows.append((window, kind, quota, figures, intervals, charged))
            print(f"{window:g} s {kind}: {figures.wall:.1f} s, {figures.status_counts}, exit {figures.exit_code}",
                  flush=True)
    print(f"\nlatency {arguments.latency} s, --concurrency {arguments.concurrency}, --no-cache\n")
    print("| window | scenario | quota | targets | requests | 429s | 429 share | goodput vs quota "
          "| longest idle gap s | wall s | documented | exit |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for window, kind, quota, f, intervals, charged in rows:
        throttled, ok = f.status_counts.get(429, 0), f.status_counts.get(200, 0)
        tokens = kind.startswith("tpm")
        used, per_second = (sum(charged), quota.tpm / 60) if tokens else (ok, quota.rpm / 60)
        goodput = used / active_span(intervals) / per_second if intervals else 0.0
        label = f"{quota.tpm:,} TPM" if tokens else f"{quota.rpm} RPM"
        print(f"| {window:g} s | {kind} | {label} | {f.functions} | {f.requests} | {throttled} "
              f"| {100.0 * throttled / max(1, f.requests):.1f}% | {100.0 * goodput:.0f}% "
              f"| {idle_gap(intervals) if intervals else 0.0:.1f} | {f.wall:.1f} | {f.documented}/{f.functions} "
              f"| {f.exit_code} |")


if __name__ == "__main__":
    main()
