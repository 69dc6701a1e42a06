"""--batch at scale: 20,000 targets through the Batch API path against the fake, in phases.

A generated project (bench/_project.py: `--files` modules of `--functions`
undocumented functions each) is documented by one `docstring-hook --batch`
run, a subprocess, against the fake Azure server (tests/fake_azure.py, its
Files and Batches endpoints: tests/fake_batch.py) on 127.0.0.1, with the
batch finishing as soon as it is looked at. The phases are read from the
fake's request log (when each request arrived):

- preparation: process start -> first upload arrives (scan, survey, facts,
  prompts, tiktoken counts, cache lookups, JSONL lines);
- upload: first upload -> last batch created;
- collection: last batch created -> last output/error file downloaded (the
  fake answering the lines, about `fake` seconds of it, is counted apart);
- application: last download -> exit (judging every answer, caching the
  drafts, rendering, verifying and writing every file).

Peak memory is the child's ru_maxrss (resource.getrusage(RUSAGE_CHILDREN));
file sizes and counts are those the fake received.

    python bench/batch.py [--files 200] [--functions 100] [--max-requests 50000]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_environment, tool
from _project import cli_env, documented_count, write_project

from tests.fake_azure import FakeAzure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--functions", type=int, default=100)
    parser.add_argument("--max-requests", type=int, default=50_000, help="batch-max-requests (lines per file)")
    parser.add_argument("--timeout", type=float, default=3600.0)
    options = parser.parse_args()
    print_environment()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as folder, FakeAzure() as fake:
        root = Path(folder)
        project = root / "project"
        targets = write_project(project, options.files, options.functions)
        (root / "pyproject.toml").write_text(
            "[tool.docstring-hook]\nbatch-poll-seconds = 0.5\n"
            f"batch-max-requests = {options.max_requests}\nstyle = \"google\"\n"
        )
        fake_seconds = _timed_fake(fake)
        env = cli_env(fake, root / "cache")
        launched = time.monotonic()
        done = subprocess.run(
            [tool("docstring-hook"), "--batch", "-q", str(project)], cwd=root, env=env,
            capture_output=True, text=True, timeout=options.timeout, check=False,
        )
        exited = time.monotonic()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak = usage.ru_maxrss / 1024
        _report(fake, done, targets, launched, exited, peak, fake_seconds[0], project)
        print(f"CPU of the run and its rewriting workers (user + system): {usage.ru_utime + usage.ru_stime:.0f} s")


def _timed_fake(fake: FakeAzure) -> list[float]:
    """Count the seconds the fake spends answering batch lines (its own work, not the tool's)."""
    spent = [0.0]
    answer = fake._answer_body

    def timed(*args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return answer(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            spent[0] += time.perf_counter() - started

    fake._answer_body = timed  # type: ignore[method-assign]
    return spent


def _report(fake: FakeAzure, done: subprocess.CompletedProcess[str], targets: int, launched: float,
            exited: float, peak_mb: float, fake_seconds: float, project: Path) -> None:
    log = [r for r in fake.requests if not r.path.startswith("batch:")]
    uploads = [r.timestamp for r in log if r.path.endswith("/files") and r.method == "POST"]
    creates = [r.timestamp for r in log if r.path.endswith("/batches") and r.method == "POST"]
    downloads = [r.timestamp for r in log if r.path.endswith("/content")]
    inputs = [data for data, _, purpose in fake.batch.files.values() if purpose == "batch"]
    documented, functions = documented_count(project)
    print(f"exit code {done.returncode}; {documented} of {functions} functions documented; "
          f"{len([r for r in fake.requests if r.path.startswith('batch:')])} batch lines answered")
    if done.stderr.strip():
        print("stderr:", "\n".join(done.stderr.strip().splitlines()[-5:]))
    print()
    print("| targets | input files | lines per file | bytes per file (MB) | total MB |")
    print("|---:|---:|---|---|---:|")
    counts = ", ".join(str(len(d.splitlines())) for d in inputs)
    sizes = ", ".join(f"{len(d) / 1e6:.1f}" for d in inputs)
    print(f"| {targets} | {len(inputs)} | {counts} | {sizes} | {sum(map(len, inputs)) / 1e6:.1f} |")
    print()
    collected = (max(downloads) - max(creates)) if downloads and creates else float("nan")
    print("| phase | seconds |")
    print("|---|---:|")
    print(f"| preparation (start -> first upload) | {min(uploads) - launched:.1f} |")
    print(f"| upload and create | {max(creates) - min(uploads):.1f} |")
    print(f"| collection (the fake answering lines: {fake_seconds:.1f} s of it) | {collected:.1f} |")
    print(f"| application (last download -> exit) | {exited - max(downloads):.1f} |")
    print(f"| whole run | {exited - launched:.1f} |")
    print()
    print(f"peak memory of the run (ru_maxrss): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
