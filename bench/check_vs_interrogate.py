"""Whole-process time of `docstring-hook --check` against `interrogate`.

Two cases, each in a temporary folder outside any git repository (so our
tool walks folders with os.walk, not `git ls-files`, and no pyproject.toml
above it changes the settings):

1. the standard library: a copy of the installed stdlib's .py files,
   site-packages excluded (and the 11 deliberately broken test-data files
   that interrogate crashes on);
2. one fully documented 3,000-line file: the pre-commit case where the hook
   has nothing to do; `python -c pass` is the floor of any Python process.

interrogate gets the flags closest to our default selection policy
(-M -i -m -p -n -O -S: no module docstrings, no __init__, magic or __private
names, no nested functions, no overloads, no setters) and `--fail-under 0`.
It has no equivalent of our `ignore-tests` (test_*.py files and test_*
functions are skipped by default), so the counts differ; a third row runs our
tool with `ignore-tests = false` from a pyproject.toml to show the counts
then nearly agree, and a fourth the same with `workers = 1` (in-process: no
pool however many files). Run it under `taskset -c 0` for the one-core case:
the hook then sees one usable core and stays in-process.

    python bench/check_vs_interrogate.py [--runs 5] [--small-runs 10]
    taskset -c 0 python bench/check_vs_interrogate.py [--runs 5] [--small-runs 10]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_env, documented_module, print_environment, stdlib_copy, time_command, timing_table, tool

INTERROGATE_POLICY = ["-M", "-i", "-m", "-p", "-n", "-O", "-S", "--fail-under", "0", "--no-color"]


def our_counts(command: list[str], cwd: str) -> str:
    done = subprocess.run(command, cwd=cwd, env=bench_env(), capture_output=True, text=True, timeout=300, check=False)
    # The summary line; a note about files that cannot be checked may follow it.
    summaries = [line for line in done.stderr.splitlines() if re.match(r"\d+ files, ", line)]
    return summaries[-1] if summaries else "(no summary)"


def interrogate_counts(command: list[str], cwd: str) -> str:
    done = subprocess.run(command, cwd=cwd, env=bench_env(), capture_output=True, text=True, timeout=300, check=False)
    match = re.search(r"\|\s*TOTAL\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*([\d.]+%)", done.stdout)
    if not match:
        return "(no TOTAL line) " + done.stdout.strip().splitlines()[-1]
    total, missing, covered, coverage = match.groups()
    return f"{total} definitions, {covered} documented, {missing} missing ({coverage} coverage)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command on the stdlib (after 1 warm-up)")
    parser.add_argument("--small-runs", type=int, default=10, help="timed runs per command on the single file")
    arguments = parser.parse_args()
    hook, interrogate, python = tool("docstring-hook"), tool("interrogate"), sys.executable
    print_environment()
    with tempfile.TemporaryDirectory(prefix="bench-check-") as temporary:
        work = Path(temporary)
        corpus = work / "stdlib"
        copied, dropped = stdlib_copy(corpus)
        print(f"stdlib copy: {copied} .py files in {corpus} ({len(dropped)} broken test-data files left out)\n")
        all_defs = work / "all-defs"
        all_defs.mkdir()
        (all_defs / "pyproject.toml").write_text("[tool.docstring-hook]\nignore-tests = false\n")
        in_process = work / "in-process"
        in_process.mkdir()
        (in_process / "pyproject.toml").write_text("[tool.docstring-hook]\nignore-tests = false\nworkers = 1\n")
        if hasattr(os, "sched_getaffinity"):
            print(f"usable cores: {len(os.sched_getaffinity(0))} of {os.cpu_count()}\n")

        ours = [hook, "--check", str(corpus)]
        theirs = [interrogate, "-v", *INTERROGATE_POLICY, str(corpus)]
        print("## Standard library\n")
        timings = [
            time_command("docstring-hook --check stdlib", ours, runs=arguments.runs, cwd=temporary),
            time_command("interrogate -v -M -i -m -p -n -O -S stdlib", theirs, runs=arguments.runs, cwd=temporary),
            time_command("docstring-hook --check stdlib (ignore-tests = false)", ours, runs=arguments.runs, cwd=str(all_defs)),
            time_command(
                "docstring-hook --check stdlib (ignore-tests = false, workers = 1)", ours, runs=arguments.runs, cwd=str(in_process)
            ),
        ]
        print(timing_table(timings))
        print()
        print(f"- docstring-hook counts: {our_counts(ours, temporary)}")
        print(f"- interrogate counts:    {interrogate_counts(theirs, temporary)}")
        print(f"- docstring-hook, ignore-tests = false: {our_counts(ours, str(all_defs))}")
        print()

        small = work / "small"
        small.mkdir()
        module = small / "module.py"
        module.write_text(documented_module(3000))
        lines = module.read_text().count("\n")
        print(f"## One documented file of {lines} lines (nothing to do)\n")
        timings = [
            time_command("python -c pass", [python, "-c", "pass"], runs=arguments.small_runs, cwd=str(small)),
            time_command("docstring-hook --check module.py", [hook, "--check", "module.py"], runs=arguments.small_runs, cwd=str(small)),
            time_command(
                "interrogate -M -i -m -p -n -O -S module.py",
                [interrogate, *INTERROGATE_POLICY, "module.py"], runs=arguments.small_runs, cwd=str(small),
            ),
        ]
        print(timing_table(timings))
        print()
        print(f"- docstring-hook counts: {our_counts([hook, '--check', 'module.py'], str(small))}")
        print(f"- interrogate counts:    {interrogate_counts([interrogate, '-v', *INTERROGATE_POLICY, 'module.py'], str(small))}")


if __name__ == "__main__":
    main()
