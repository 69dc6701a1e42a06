"""The legacy-repository codemod: one run documenting a whole old code base.

Real CLI as a subprocess against the fake Azure server (tests/fake_azure.py)
on 127.0.0.1, with AZURE_OPENAI_ENDPOINT=<fake>, AZURE_OPENAI_API_KEY=test-key,
AZURE_OPENAI_DEPLOYMENT=dep and DOCSTRING_HOOK_CACHE_DIR in a temporary folder.
Four parts, each printing Markdown tables:

throughput  1,000 targets (50 generated files x 20 undocumented functions),
            0.5 s latency, `--concurrency 8` and `16`, `--no-cache`: the
            server's max in flight, wall against the ideal
            (targets x latency / C).
quota       the same 1,000 targets against server quotas sized so a run
            takes 1-2 minutes: rpm=600, and a tpm admitting 600 of these
            requests a minute (the fake charges the billed prompt tokens,
            counted with the real encoding, + max_tokens; the per-request charge is measured on the
            requests of the throughput part, or on one calibration run),
            each with and without `--rpm`/`--tpm`: goodput against the
            quota, share of 429s, wall against the ideal.
prompt      `docstring-hook --dry-run` (default settings) over a copy of
            stdlib packages (email, asyncio): prompt tokens per target
            against the target's own source text (first decorator to last
            line), both counted with `load_counter("gpt-4o-mini")` (the shipped
            o200k_base); median and max of
            prompt, own and overhead (prompt - own), and how many were elided.
resume      200 targets (20 x 10), latency 0.2 s, `--concurrency 4`, with the
            cache: the run is killed (SIGKILL, then separately SIGINT) once
            the fake has received half the requests, then run again: requests
            of each run, cache entries left by the first, files fully
            documented after the interruption, every file parsing, and the
            resumed run's requests against the ideal (targets minus the
            answers the first run cached).

    python bench/codemod.py [--only throughput,quota,prompt,resume] [--packages email,asyncio]
"""

from __future__ import annotations

import argparse
import ast
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_env, print_environment, tool
from _project import FakeAzure, RunFigures, cli_env, documented_count, run_cli, write_project

from tests.fake_azure import billed_prompt_tokens

PARTS = ("throughput", "quota", "prompt", "resume")


# -- a: throughput and quotas ------------------------------------------------------------


def request_charge(fake: FakeAzure) -> float:
    """The mean tokens the fake's tpm quota charges per request it received."""
    charges = []
    for r in fake.requests:
        if r.body:
            charges.append(billed_prompt_tokens(r.body, fake.model_name) + int(r.body.get("max_completion_tokens") or r.body.get("max_tokens") or 0))
    return statistics.mean(charges) if charges else float("nan")


def throughput(root: Path, latency: float, levels: list[int], files: int, functions: int) -> float:
    """The concurrency table; returns the mean tpm charge per request (for the quota part)."""
    project = root / "project"
    rows = []
    charge = float("nan")
    for level in levels:
        targets = write_project(project, files, functions)
        with FakeAzure(latency=latency) as fake:
            figures = run_cli(fake, project, ["--concurrency", str(level), "--no-cache"], timeout=targets * latency / level * 3 + 120)
            charge = request_charge(fake)
        rows.append((level, targets, figures))
        print(f"C={level}: {figures.wall:.1f} s, max in flight {figures.max_in_flight}, exit {figures.exit_code}; {last_line(figures)}", flush=True)
    print(f"\n### Throughput: {rows[0][1]} targets ({files} files x {functions} functions), latency {latency} s, --no-cache\n")
    print("| --concurrency C | server max in flight | requests | statuses | wall s | ideal s (targets x latency / C) | wall / ideal | requests/s | launch to 1st request s | last answer to exit s | documented | exit |")
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for level, targets, f in rows:
        ideal = targets * latency / level
        print(
            f"| {level} | {f.max_in_flight} | {f.requests} | {statuses(f)} | {f.wall:.1f} | {ideal:.1f} | {f.wall / ideal:.2f} | "
            f"{f.requests / f.wall:.1f} | {seconds(f.first_request_after)} | {seconds(f.last_answer_before_exit)} | {f.documented}/{f.functions} | {f.exit_code} |"
        )
    print(f"\nThe fake's tpm charge per request (billed prompt tokens + max_tokens), mean: {charge:.1f}\n", flush=True)
    return charge


def quota(root: Path, latency: float, concurrency: int, rpm: int, charge: float, files: int, functions: int) -> None:
    project = root / "project"
    if math.isnan(charge):  # calibration: one small run without limits
        write_project(project, 2, 5)
        with FakeAzure() as fake:
            run_cli(fake, project, ["--no-cache"], timeout=120)
            charge = request_charge(fake)
    tpm = int(rpm * charge)
    scenarios = [
        (f"rpm={rpm}, no --rpm", {"rpm": rpm}, []),
        (f"rpm={rpm}, --rpm {rpm}", {"rpm": rpm}, ["--rpm", str(rpm)]),
        (f"tpm={tpm}, no --tpm", {"tpm": tpm}, []),
        (f"tpm={tpm}, --tpm {tpm}", {"tpm": tpm}, ["--tpm", str(tpm)]),
    ]
    rows = []
    for label, limits, flags in scenarios:
        targets = write_project(project, files, functions)
        with FakeAzure(latency=latency, rate_window=60.0, **limits) as fake:
            figures = run_cli(fake, project, ["--concurrency", str(concurrency), "--no-cache", *flags], timeout=900)
        per_minute = rpm if "rpm" in limits else int(tpm // charge)
        # Ideal: the quota's windows (the last one partly used), never faster than the concurrency allows.
        rest = targets - per_minute * (math.ceil(targets / per_minute) - 1)
        ideal = max(targets * latency / concurrency, 60.0 * (math.ceil(targets / per_minute) - 1) + latency * math.ceil(rest / concurrency))
        rows.append((label, per_minute, figures, ideal))
        print(f"{label}: {figures.wall:.1f} s, {figures.requests} requests, {figures.status_counts}, exit {figures.exit_code}; {last_line(figures)}", flush=True)
    print(f"\n### Quotas: {targets} targets, latency {latency} s, --concurrency {concurrency}, --no-cache, fake window 60 s, "
          f"tpm charge {charge:.1f} tokens per request\n")
    print("| scenario | quota (requests/min) | requests | 429s | 429 share | 200s | goodput (200s/min of wall) | goodput / quota | wall s | ideal s | wall / ideal | documented | exit |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, per_minute, f, ideal in rows:
        throttled, ok = f.status_counts.get(429, 0), f.status_counts.get(200, 0)
        goodput = 60.0 * ok / f.wall
        print(
            f"| {label} | {per_minute} | {f.requests} | {throttled} | {100.0 * throttled / max(1, f.requests):.1f}% | {ok} | {goodput:.0f} | "
            f"{goodput / per_minute:.2f} | {f.wall:.1f} | {ideal:.1f} | {f.wall / ideal:.2f} | {f.documented}/{f.functions} | {f.exit_code} |"
        )
    print(flush=True)


# -- b: prompt tokens per target ----------------------------------------------------------

_DRY_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<qualname>\S+): (?P<tokens>\d+) prompt tokens(?P<elided>, elided)?(?P<cached>, cached)?$")


def own_texts(path: Path) -> dict[int, tuple[str, str]]:
    """{def/class line: (kind, source text from the first decorator to the last line)} of every definition of `path`."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    found = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            found[node.lineno] = (kind, "".join(lines[first - 1 : node.end_lineno]))
    return found


def prompt_tokens(root: Path, packages: list[str]) -> None:
    import shutil
    import sysconfig

    from docstring_hook.model.tokens import load_counter

    counter, warning = load_counter("gpt-4o-mini")
    print(f"counter: {type(counter).__name__}" + (f" ({warning})" if warning else ""))
    try:  # the fixed part of every prompt: the system message (private names, read for the report only)
        from docstring_hook.model import prompt as _prompt

        system = _prompt._GOOD_DOCSTRING + "\n\n" + _prompt._JSON_ANSWER
        print(f"system message (the same in every request): {counter.count(system)} tokens, {len(system)} characters")
    except (ImportError, AttributeError):
        pass
    print()
    table = []
    for package in packages:
        source = Path(sysconfig.get_paths()["stdlib"], package)
        copy = root / "prompt" / package
        if copy.exists():
            shutil.rmtree(copy)
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        env = bench_env({"DOCSTRING_HOOK_CACHE_DIR": str(root / "prompt-cache")}, drop=("OPENAI_", "AZURE_OPENAI_"))
        started = time.monotonic()
        done = subprocess.run([tool("docstring-hook"), "--dry-run", package], cwd=copy.parent, env=env, capture_output=True, text=True, timeout=600, check=False)
        wall = time.monotonic() - started
        summary = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
        print(f"{package}: --dry-run exit {done.returncode} in {wall:.1f} s; {summary}")
        texts: dict[str, dict[int, tuple[str, str]]] = {}
        records = []
        other = [line for line in done.stdout.splitlines() if line and not _DRY_LINE.match(line)]
        for line in done.stdout.splitlines():
            match = _DRY_LINE.match(line)
            if not match:
                continue
            path = match["path"]
            if path not in texts:
                texts[path] = own_texts(copy.parent / path)
            kind, own = texts[path][int(match["line"])]
            records.append((kind, int(match["tokens"]), counter.count(own), bool(match["elided"]), match["qualname"]))
        if other:
            print(f"  {len(other)} other stdout lines, e.g. {other[0]!r}")
        for label, subset in (("all", records), ("functions", [r for r in records if r[0] == "function"]), ("classes", [r for r in records if r[0] == "class"])):
            if subset:
                table.append((package, label, subset))
        for kind, tokens, own, elided, qualname in records:
            if elided:
                print(f"  elided: {qualname} ({kind}): {tokens} prompt tokens, {own} own")
        worst = max(records, key=lambda r: r[1] - r[2])
        largest = max(records, key=lambda r: r[1])
        print(f"  largest prompt: {largest[4]} ({largest[1]} prompt, {largest[2]} own, elided {largest[3]}); "
              f"largest overhead: {worst[4]} ({worst[1]} prompt, {worst[2]} own)")
        smallest = min(r[1] - r[2] for r in records if not r[3])
        print(f"  smallest overhead of a non-elided target: {smallest}", flush=True)
    print("\n### Prompt tokens per target (`docstring-hook --dry-run`, default settings)\n")
    print("Overhead = prompt - own, over the targets not elided (an elided prompt holds less than the own text).\n")
    print("| package | targets | n | elided | prompt median | prompt max | own median | own max | overhead median | overhead min | overhead max | prompt / own (sum) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for package, label, subset in table:
        prompts = [r[1] for r in subset]
        owns = [r[2] for r in subset]
        overheads = [r[1] - r[2] for r in subset if not r[3]]
        print(
            f"| {package} | {label} | {len(subset)} | {sum(r[3] for r in subset)} | {statistics.median(prompts):.0f} | {max(prompts)} | "
            f"{statistics.median(owns):.0f} | {max(owns)} | {statistics.median(overheads):.0f} | {min(overheads)} | {max(overheads)} | {sum(prompts) / sum(owns):.2f} |"
        )
    print(flush=True)


# -- c: resume after an interruption -------------------------------------------------------


def project_state(project: Path) -> tuple[int, int, int, int, list[str]]:
    """(files fully documented, partly documented, untouched, files that do not parse, stray files)."""
    full = part = untouched = broken = 0
    for path in sorted(project.glob("*.py")):
        try:
            tree = ast.parse(path.read_text())
        except SyntaxError:
            broken += 1
            continue
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        done = sum(ast.get_docstring(n) is not None for n in functions)
        full += done == len(functions)
        part += 0 < done < len(functions)
        untouched += done == 0
    stray = sorted(p.name for p in project.iterdir() if not (p.suffix == ".py" and p.name.startswith("module_")))
    return full, part, untouched, broken, stray


def cache_entries(cache: Path) -> int:
    return sum(1 for _ in cache.glob("v1/*/*.json")) if cache.exists() else 0


def descendants(pid: int) -> set[int]:
    """The process ids below `pid` (children, grandchildren...), from /proc."""
    found: set[int] = set()
    stack = [pid]
    while stack:
        parent = stack.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie does not count)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def interrupted_run(fake: FakeAzure, project: Path, cache: Path, flags: list[str], stop_at: int, how: signal.Signals) -> dict[str, object]:
    """Start the CLI, send `how` once the fake has received `stop_at` requests, wait for it to end.

    Output goes to files, not pipes: a process left behind by the CLI (a
    worker of its process pool) may hold the pipes open long after it ends.
    Processes of the CLI still running 5 s after it ended are reported,
    then ended by their id (they were started by this benchmark).
    """
    env = cli_env(fake, cache)
    err_path = project.parent / f"stderr-{how.name}.txt"
    launched = time.monotonic()
    with open(err_path, "w") as err_file:
        process = subprocess.Popen([tool("docstring-hook"), *flags, str(project)], cwd=project.parent, env=env,
                                   stdout=subprocess.DEVNULL, stderr=err_file, text=True)
    deadline = launched + 300
    below: set[int] = set()
    while fake.count() < stop_at and process.poll() is None and time.monotonic() < deadline:
        below |= descendants(process.pid)
        time.sleep(0.005)
    below |= descendants(process.pid)
    signalled = time.monotonic()
    at_signal = fake.count()
    in_flight = at_signal - len(fake.intervals)
    answered_before = fake.status_counts.get(200, 0)
    process.send_signal(how)
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)
    exited = time.monotonic()
    time.sleep(5.0)  # the fake finishes answering requests whose client is gone; orphans have time to go
    left = sorted(pid for pid in below if alive(pid))
    commands = []
    for pid in left:
        try:
            commands.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:90])
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    err = err_path.read_text()
    return {
        "exit": process.returncode,
        "requests at signal": at_signal,
        "in flight at signal": in_flight,
        "answered (200) at signal": answered_before,
        "requests": fake.count(),
        "answered (200)": fake.status_counts.get(200, 0),
        "signal to exit s": exited - signalled,
        "wall s": exited - launched,
        "processes below the CLI": len(below),
        "left running 5 s after exit": len(left),
        "left": commands,
        "stderr": "\n".join(err.strip().splitlines()[-4:]),
    }


def resume(root: Path, latency: float, concurrency: int, files: int, functions: int) -> None:
    rows = []
    for how in (signal.SIGKILL, signal.SIGINT):
        base = root / f"resume-{how.name}"
        project, cache = base / "project", base / "cache"
        targets = write_project(project, files, functions)
        stop_at = targets // 2 + functions // 3  # mid-file: one file has only some of its targets sent
        flags = ["--concurrency", str(concurrency)]
        with FakeAzure(latency=latency) as fake:
            first = interrupted_run(fake, project, cache, flags, stop_at, how)
        entries = cache_entries(cache)
        full, part, untouched, broken, stray = project_state(project)
        documented_after, _ = documented_count(project)
        print(f"{how.name}: first run {first}")
        print(f"  after it: {full} files fully documented, {part} partly, {untouched} untouched, {broken} not parsing, stray {stray}; "
              f"{documented_after} functions documented; {entries} cache entries", flush=True)
        with FakeAzure(latency=latency) as fake:
            second = run_cli(fake, project, flags, timeout=300)
        full2, _part2, _untouched2, broken2, stray2 = project_state(project)
        print(f"  second run: {second.requests} requests, {second.status_counts}, exit {second.exit_code}, {second.wall:.1f} s; "
              f"{full2} full, {broken2} not parsing, stray {stray2}; {last_line(second)}", flush=True)
        rows.append((how.name, targets, first, entries, full, part, untouched, broken, stray, documented_after, second, broken2, stray2))
    print(f"\n### Resume: {rows[0][1]} targets ({files} files x {functions} functions), latency {latency} s, --concurrency {concurrency}, cache on; "
          f"signal once the fake has received {stop_at} requests\n")
    print("| signal | 1st run: requests | in flight at signal | answered (200) | exit | signal to exit s | CLI's processes left running 5 s after exit | cache entries after | files fully / partly documented / untouched | functions documented | files not parsing | stray files | 2nd run: requests | from cache | ideal (targets - 1st run's answers) | re-asked | 2nd run exit | documented at end | files not parsing at end |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, targets, first, entries, full, part, untouched, broken, stray, documented_after, second, broken2, stray2 in rows:
        ideal = targets - int(first["answered (200)"])
        print(
            f"| {name} | {first['requests']} | {first['in flight at signal']} | {first['answered (200)']} | {first['exit']} | {first['signal to exit s']:.2f} | {first['left running 5 s after exit']} of {first['processes below the CLI']} | {entries} | "
            f"{full} / {part} / {untouched} | {documented_after} | {broken} | {len(stray)} | {second.requests} | {cached_of(second)} | {ideal} | {second.requests - ideal} | {second.exit_code} | "
            f"{second.documented}/{second.functions} | {broken2} |"
        )
    print(flush=True)


# -- helpers --------------------------------------------------------------------------------


def cached_of(f: RunFigures) -> str:
    """The "N from cache" figure of the run's summary line."""
    match = re.search(r"(\d+) from cache", f.stderr_tail)
    return match.group(1) if match else "?"


def statuses(f: RunFigures) -> str:
    return ", ".join(f"{status}: {count}" for status, count in f.status_counts.items())


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def last_line(f: RunFigures) -> str:
    return f.stderr_tail.splitlines()[-1] if f.stderr_tail else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(PARTS), help=f"parts to run, comma-separated ({', '.join(PARTS)})")
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--functions", type=int, default=20, help="undocumented functions per file (throughput, quota)")
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per answer (throughput, quota)")
    parser.add_argument("--levels", default="8,16", help="concurrency levels of the throughput part")
    parser.add_argument("--quota-concurrency", type=int, default=8)
    parser.add_argument("--rpm", type=int, default=600, help="the server's request quota of the quota part")
    parser.add_argument("--packages", default="email,asyncio", help="stdlib packages of the prompt part")
    parser.add_argument("--resume-latency", type=float, default=0.2)
    parser.add_argument("--resume-concurrency", type=int, default=4)
    arguments = parser.parse_args()
    parts = [p for p in arguments.only.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    print_environment()
    charge = float("nan")
    with tempfile.TemporaryDirectory(prefix="bench-codemod-") as temporary:
        root = Path(temporary)
        if "throughput" in parts:
            charge = throughput(root, arguments.latency, [int(x) for x in arguments.levels.split(",")], arguments.files, arguments.functions)
        if "quota" in parts:
            quota(root, arguments.latency, arguments.quota_concurrency, arguments.rpm, charge, arguments.files, arguments.functions)
        if "prompt" in parts:
            prompt_tokens(root, arguments.packages.split(","))
        if "resume" in parts:
            resume(root, arguments.resume_latency, arguments.resume_concurrency, 20, 10)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
