"""Server-side rpm/tpm quotas: goodput, 429s and wall time, with and without --rpm/--tpm.

The fake Azure server (tests/fake_azure.py) enforces a quota over a sliding
window of `rate_window` seconds and answers 429 with retry-after (and
x-ratelimit-remaining-* headers on every answer), as Azure does. The window
is kept at Azure's 60 s: the tool's pacer also counts --rpm/--tpm over a
fixed 60-s window (`docstring_hook.model.pacing.WINDOW`), so a shortened fake
window would not be the same quota seen from both sides. To keep a run near
a minute the quotas are small and the project is sized to need two windows:
45 targets (5 files x 9 functions) against 30 requests per minute, or a
token quota that admits about 29 requests per minute.

Each scenario runs the real CLI once (`--concurrency 8 --no-cache`, the
project regenerated first):

- rpm quota, no flag     (the tool learns only from 429s and headers)
- rpm quota, --rpm 30    (the pacer knows the quota)
- tpm quota, no flag
- tpm quota, --tpm <quota>

Reported per scenario: total requests, how many were answered 429 and their
share, successful (200) requests per minute of wall time (goodput) against
the quota, wall time against the ideal (all targets sent as fast as the
quota allows: one window per `quota` requests, so ceil(targets/quota) - 1
waits of 60 s, plus the answers of the last window), exit code and whether
every target got its docstring.

`--long` adds one scenario of about 4 minutes: 30 targets against 5
requests per minute with no --rpm. It shows the run-wide retry wait cap
(`RetryPolicy.max_wait_per_run`, 900 s) being summed over requests waiting
in parallel: the run gives up on targets after about 4 minutes of wall time.

    python bench/rate_limits.py [--only rpm|tpm] [--latency 0.3] [--long]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_environment
from _project import FakeAzure, run_cli, write_project

FILES, FUNCTIONS = 5, 9
RPM = 30
# The fake charges the billed prompt tokens (real encoding, chat overhead and
# schema) plus max_tokens (600 by default) per request: 763 + 600 for these
# functions, so this admits 29 a minute.
TPM = 39_600
PER_REQUEST_TOKENS = 1_363


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("rpm", "tpm"), help="run one kind of quota only")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds the fake takes per answer")
    parser.add_argument("--long", action="store_true", help="add the ~4-minute wait-cap scenario (5 rpm, 30 targets)")
    arguments = parser.parse_args()
    scenarios = [
        ("rpm", f"rpm={RPM}/60 s, no --rpm", {"rpm": RPM}, []),
        ("rpm", f"rpm={RPM}/60 s, --rpm {RPM}", {"rpm": RPM}, ["--rpm", str(RPM)]),
        ("tpm", f"tpm={TPM}/60 s, no --tpm", {"tpm": TPM}, []),
        ("tpm", f"tpm={TPM}/60 s, --tpm {TPM}", {"tpm": TPM}, ["--tpm", str(TPM)]),
    ]
    if arguments.long:
        scenarios.append(("long", "rpm=5/60 s, no --rpm, 30 targets", {"rpm": 5}, []))
    print_environment()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-rates-") as temporary:
        project = Path(temporary, "project")
        for kind, label, limits, flags in scenarios:
            if arguments.only and kind != arguments.only:
                continue
            targets = write_project(project, 5, 6) if kind == "long" else write_project(project, FILES, FUNCTIONS)
            with FakeAzure(latency=arguments.latency, rate_window=60.0, **limits) as fake:
                figures = run_cli(fake, project, ["--concurrency", "8", "--no-cache", *flags], timeout=600)
            per_minute = {"rpm": RPM, "tpm": TPM // PER_REQUEST_TOKENS, "long": limits.get("rpm", 0)}[kind]
            ideal = 60.0 * (math.ceil(targets / per_minute) - 1) + arguments.latency * math.ceil((targets % per_minute or per_minute) / 8)
            rows.append((label, per_minute, targets, figures, ideal))
            print(f"{label}: {figures.wall:.1f} s, {figures.requests} requests, {figures.status_counts}, exit {figures.exit_code}", flush=True)
            print("  " + figures.stderr_tail.replace("\n", "\n  "), flush=True)
    print()
    print(f"targets: {rows[0][2]} (the --long scenario: 30), latency {arguments.latency} s, --concurrency 8, fake window 60 s\n")
    print("| scenario | quota (requests/min) | requests | 429s | 429 share | 200s | goodput (200s/min of wall) | wall s | ideal s | documented | exit |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, per_minute, targets, f, ideal in rows:
        throttled = f.status_counts.get(429, 0)
        ok = f.status_counts.get(200, 0)
        share = 100.0 * throttled / f.requests if f.requests else 0.0
        goodput = 60.0 * ok / f.wall if f.wall else 0.0
        print(f"| {label} | {per_minute} | {f.requests} | {throttled} | {share:.0f}% | {ok} | {goodput:.1f} | {f.wall:.1f} | {ideal:.1f} | {f.documented}/{f.functions} | {f.exit_code} |")


if __name__ == "__main__":
    main()
