"""Does `--concurrency C` put C requests in flight, and what does it buy?

The fake Azure server (tests/fake_azure.py) answers every request after
`--latency` seconds (0.5 by default). A generated project of 20 files x 10
undocumented functions (200 targets) is rewritten by the real CLI, run as a
subprocess:

    AZURE_OPENAI_ENDPOINT=<fake> AZURE_OPENAI_API_KEY=test-key AZURE_OPENAI_DEPLOYMENT=dep \\
        docstring-hook --concurrency C --no-cache <project>

for each C, the project regenerated before each run (the tool rewrites in
place). Reported: the most requests the server saw in flight at once, wall
time against the ideal (targets x latency / C; and, as issue 12 states the
goal, plus the scan: the wall of `docstring-hook --check` on the project), time from launch to the first
request and from the last answer to exit, and whether every target got its
docstring.

    python bench/concurrency.py [--levels 1,4,8,16] [--latency 0.5] [--files 20 --functions 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_environment
from _project import FakeAzure, RunFigures, run_cli, scan_wall, write_project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="1,4,8,16", help="concurrency levels, comma-separated")
    parser.add_argument("--latency", type=float, default=0.5, help="seconds the fake takes per answer")
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--functions", type=int, default=10, help="undocumented functions per file")
    parser.add_argument("--repeats", type=int, default=1, help="runs per level (the median wall is reported)")
    parser.add_argument("--meter", action="store_true", help="meter the CLI's event loop (bench/_loop_meter.py)")
    arguments = parser.parse_args()
    levels = [int(level) for level in arguments.levels.split(",")]
    print_environment()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as temporary:
        project = Path(temporary, "project")
        write_project(project, arguments.files, arguments.functions)
        scan = scan_wall(project)
        for level in levels:
            runs: list[tuple[RunFigures, float]] = []
            loads = [os.getloadavg()[0]]
            for _ in range(max(1, arguments.repeats)):
                targets = write_project(project, arguments.files, arguments.functions)
                with FakeAzure(latency=arguments.latency) as fake:
                    flags = ["--concurrency", str(level), "--no-cache"]
                    figures = run_cli(fake, project, flags, timeout=targets * arguments.latency * 3 + 120, meter=arguments.meter)
                    runs.append((figures, mean_in_flight(fake.intervals)))
                loads.append(os.getloadavg()[0])
            runs.sort(key=lambda r: r[0].wall)
            figures, in_flight = runs[len(runs) // 2]
            ideal = targets * arguments.latency / level
            rows.append((level, targets, figures, in_flight, ideal, [r.wall for r, _ in runs], loads, [r for r, _ in runs]))
            print(f"C={level}: {figures.wall:.2f} s, max in flight {figures.max_in_flight}, exit {figures.exit_code}; {figures.stderr_tail.splitlines()[-1] if figures.stderr_tail else ''}", flush=True)
    print()
    print(f"targets: {rows[0][1]}, latency {arguments.latency} s, scan (`--check` wall, median of 3) {scan:.2f} s\n")
    print("| --concurrency C | server max in flight | server mean in flight | requests | statuses | wall s (median run) | all walls s | ideal s (targets x latency / C) | wall / ideal | wall / (ideal + scan): the goal's | launch to 1st request s | last answer to exit s | round s between them | documented | exit | load (1 min) during |")
    print("|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for level, targets, f, in_flight, ideal, walls, loads, _ in rows:
        all_walls = ", ".join(f"{w:.2f}" for w in walls)
        statuses = ", ".join(f"{status}: {count}" for status, count in f.status_counts.items())
        first = f"{f.first_request_after:.2f}" if f.first_request_after is not None else "-"
        last = f"{f.last_answer_before_exit:.2f}" if f.last_answer_before_exit is not None else "-"
        load = f"{min(loads):.1f}-{max(loads):.1f}"
        # The run without its start and end, per round of C requests: the latency plus the per-request overhead.
        between = f.wall - (f.first_request_after or 0.0) - (f.last_answer_before_exit or 0.0)
        rounds = targets / level
        print(f"| {level} | {f.max_in_flight} | {in_flight:.1f} | {f.requests} | {statuses} | {f.wall:.2f} | {all_walls} | {ideal:.2f} | {f.wall / ideal:.2f} | {f.wall / (ideal + scan):.2f} | {first} | {last} | {between / rounds:.3f} | {f.documented}/{f.functions} | {f.exit_code} | {load} |")
    print()
    print("CPU, median over the runs of each level (load-independent, unlike wall time):\n")
    metered = arguments.meter
    heading = "| --concurrency C | CLI + children CPU s | CLI + children CPU ms per target | fake server CPU ms per request |"
    if metered:
        heading += (
            " main thread CPU ms per target | loop callbacks CPU ms per target | of which after the 1st request"
            " | CPU s when the 1st request left |"
        )
    print(heading)
    print("|" + "---:|" * (heading.count("|") - 1))
    for level, targets, _, _, _, _, _, every in rows:
        cells = [
            f"{median(r.cli_cpu for r in every):.2f}",
            f"{median(r.cli_cpu for r in every) / targets * 1000:.1f}",
            f"{median(r.server_cpu / max(1, r.requests) for r in every) * 1000:.2f}",
        ]
        if metered:
            cells += [
                f"{median(r.meter.get('main_thread_cpu', 0.0) for r in every) / targets * 1000:.2f}",
                f"{median(r.meter.get('loop_cpu', 0.0) for r in every) / targets * 1000:.2f}",
                f"{median(steady_loop_cpu(r) for r in every) / targets * 1000:.2f}",
                f"{median(r.meter.get('first_request_cpu', 0.0) for r in every):.2f}",
            ]
        print(f"| {level} | " + " | ".join(cells) + " |")


def mean_in_flight(intervals: list[tuple[float, float]]) -> float:
    """Requests the fake held on average, from the first arrival to the last answer."""
    if not intervals:
        return 0.0
    span = max(end for _, end in intervals) - min(start for start, _ in intervals)
    return sum(end - start for start, end in intervals) / span if span > 0 else 0.0


def steady_loop_cpu(figures: RunFigures) -> float:
    """The loop's CPU once requests flow: per request, not the start-up's imports and tokenizer."""
    return figures.meter.get("loop_cpu", 0.0) - figures.meter.get("loop_cpu_before_first_request", 0.0)


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


if __name__ == "__main__":
    main()
