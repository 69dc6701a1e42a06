"""A generated project of undocumented functions, and a runner of the real CLI
against the fake Azure server (tests/fake_azure.py) on 127.0.0.1."""

from __future__ import annotations

import ast
import json
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_env, tool

from tests.fake_azure import FakeAzure


def write_project(folder: Path, files: int = 20, functions: int = 10) -> int:
    """Replace `folder` with `files` modules of `functions` undocumented functions each."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for f in range(files):
        body = ['"""Generated module for benchmarks."""', ""]
        for n in range(functions):
            body += [
                "",
                f"def compute_{f}_{n}(alpha: int, beta: int = 2) -> int:",
                "    total = alpha * beta",
                "    if total > 10:",
                "        raise ValueError(total)",
                "    return total + 1",
                "",
            ]
        (folder / f"module_{f:02d}.py").write_text("\n".join(body).rstrip() + "\n")
    return files * functions


def documented_count(folder: Path) -> tuple[int, int]:
    """(functions with a docstring, functions) over the project's files."""
    done = total = 0
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                total += 1
                done += ast.get_docstring(node) is not None
    return done, total


@dataclass
class RunFigures:
    """What one CLI run against the fake did, seen from both sides."""

    wall: float
    exit_code: int
    requests: int
    status_counts: dict[int, int]
    throttled: int
    max_in_flight: int
    first_request_after: float | None
    last_answer_before_exit: float | None
    documented: int
    functions: int
    stderr_tail: str
    cli_cpu: float = 0.0  # user + system seconds of the CLI and its children (pool workers, ruff)
    server_cpu: float = 0.0  # of this process meanwhile: the fake's threads
    meter: dict[str, float] = field(default_factory=dict)  # bench/_loop_meter.py's figures, with meter=True


def cli_env(fake: FakeAzure, cache: Path) -> dict[str, str]:
    """The environment of a CLI run against `fake`: its endpoint, key and deployment, `cache` as the cache folder."""
    return bench_env(
        {
            "AZURE_OPENAI_ENDPOINT": fake.endpoint,
            "AZURE_OPENAI_API_KEY": fake.api_key,
            "AZURE_OPENAI_DEPLOYMENT": min(fake.deployments),
            "DOCSTRING_HOOK_CACHE_DIR": str(cache),
            "NO_PROXY": "127.0.0.1,localhost",
        },
        drop=("OPENAI_", "AZURE_OPENAI_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"),
    )


def scan_wall(project: Path, runs: int = 3) -> float:
    """The median wall seconds of `docstring-hook --check <project>`: finding the targets, start-up included.

    The "plus the scan" of the concurrency goal's ideal: a run cannot send
    anything before it knows what to send.
    """
    walls = []
    for _ in range(runs):
        started = time.monotonic()
        subprocess.run([tool("docstring-hook"), "--check", str(project)], cwd=project.parent, env=bench_env(),
                       capture_output=True, timeout=600, check=False)
        walls.append(time.monotonic() - started)
    return sorted(walls)[len(walls) // 2]


def run_cli(fake: FakeAzure, project: Path, flags: list[str], *, timeout: float = 600.0, meter: bool = False) -> RunFigures:
    """Run `docstring-hook <flags> <project>` against `fake`; cwd is the project's parent.

    With `meter`, the CLI's `main` runs under bench/_loop_meter.py, which measures its event loop.
    """
    env = cli_env(fake, project.parent / "cache")
    figures = project.parent / "meter.json"
    figures.unlink(missing_ok=True)
    command = [tool("docstring-hook")]
    if meter:
        command = [sys.executable, str(Path(__file__).resolve().parent / "_loop_meter.py"), str(figures)]
    children, own = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    launched = time.monotonic()
    done = subprocess.run(
        [*command, *flags, str(project)], cwd=project.parent, env=env,
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    exited = time.monotonic()
    children_after, own_after = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    starts = [r.timestamp for r in fake.requests]
    ends = [end for _, end in fake.intervals]
    documented, functions = documented_count(project)
    return RunFigures(
        wall=exited - launched,
        exit_code=done.returncode,
        requests=fake.count(),
        status_counts=dict(sorted(fake.status_counts.items())),
        throttled=fake.throttled,
        max_in_flight=fake.max_in_flight,
        first_request_after=(min(starts) - launched) if starts else None,
        last_answer_before_exit=(exited - max(ends)) if ends else None,
        documented=documented,
        functions=functions,
        stderr_tail="\n".join(done.stderr.strip().splitlines()[-3:]),
        cli_cpu=_cpu(children_after) - _cpu(children),
        server_cpu=_cpu(own_after) - _cpu(own),
        meter=json.loads(figures.read_text()) if meter and figures.exists() else {},
    )


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime
