"""Shared helpers for the benchmark scripts: timing, the corpus, the environment.

Benchmarks are scripts, not tests. Every loop here is bounded and every
subprocess gets a timeout.
"""

from __future__ import annotations

import ast
import atexit
import datetime
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
BIN = Path(sys.executable).parent


def _snapshot() -> tuple[Path, str]:
    """The code under benchmark: a `git archive` of HEAD, or the working tree.

    Other people edit this checkout while benchmarks run, so by default the
    package and tests/fake_azure.py are taken from a snapshot of the committed
    HEAD, extracted to a temporary folder put first on sys.path and on
    PYTHONPATH for every subprocess (it shadows the editable install).
    BENCH_SOURCE=worktree uses the working tree as it is; BENCH_SOURCE=<rev>
    snapshots another revision.
    """
    wanted = os.environ.get("BENCH_SOURCE", "HEAD")
    if wanted == "worktree":
        return REPO, "worktree"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", wanted], cwd=REPO, capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    folder = Path(tempfile.mkdtemp(prefix=f"bench-src-{commit}-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    archive = subprocess.run(["git", "archive", commit, "docstring_hook", "tests"], cwd=REPO, capture_output=True, check=True, timeout=60)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True, timeout=60)
    return folder, commit


SOURCE, SOURCE_REVISION = _snapshot()
sys.path.insert(0, str(SOURCE))


def bench_env(extra: Mapping[str, str] | None = None, *, drop: Sequence[str] = ()) -> dict[str, str]:
    """os.environ with the snapshot first on PYTHONPATH, `extra` added, names starting with `drop` removed."""
    env = {k: v for k, v in os.environ.items() if not (drop and k.startswith(tuple(drop)))}
    env["PYTHONPATH"] = os.pathsep.join([str(SOURCE), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.update(extra or {})
    return env


def tool(name: str) -> str:
    """The console script `name` next to this interpreter (the dev virtualenv)."""
    candidate = BIN / name
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds, and CPU seconds (user + system), of repeated runs of one command."""

    label: str
    seconds: tuple[float, ...]
    returncode: int
    cpu: tuple[float, ...] = ()

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def low(self) -> float:
        return min(self.seconds)

    @property
    def high(self) -> float:
        return max(self.seconds)


def time_command(
    label: str,
    command: Sequence[str],
    *,
    runs: int,
    warmup: int = 1,
    cwd: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 300.0,
) -> Timing:
    """Run `command` `warmup` + `runs` times (output discarded); time each run.

    `env` defaults to `bench_env()`: the snapshot of the code first on PYTHONPATH.
    """
    env = bench_env() if env is None else env
    seconds, cpu = [], []
    code = 0
    for index in range(warmup + runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            list(command), cwd=cwd, env=dict(env),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout, check=False,
        )
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        code = done.returncode
        if index >= warmup:
            seconds.append(elapsed)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return Timing(label, tuple(seconds), code, tuple(cpu))


def timing_table(timings: Sequence[Timing]) -> str:
    """A Markdown table of timings: wall median, min, max, CPU median, exit code, ratios to the first row."""
    base, cpu_base = timings[0].median, timings[0].cpu_median
    rows = [
        "| command | runs | wall median s | wall min s | wall max s | CPU median s | exit | wall vs first | CPU vs first |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t in timings:
        rows.append(
            f"| {t.label} | {len(t.seconds)} | {t.median:.3f} | {t.low:.3f} | {t.high:.3f} | {t.cpu_median:.3f} | {t.returncode} | "
            f"{t.median / base:.2f}x | {t.cpu_median / cpu_base:.2f}x |"
        )
    return "\n".join(rows)


def stdlib_copy(destination: Path) -> tuple[int, list[str]]:
    """Copy the installed stdlib's .py files (no site-packages) to `destination`.

    Files that are not UTF-8 or do not parse (deliberately broken test data:
    11 files on CPython 3.11) are left out, because interrogate crashes on
    them; returns (files copied, files left out).
    """
    source = Path(sysconfig.get_paths()["stdlib"])
    copied = 0
    dropped: list[str] = []
    warnings.simplefilter("ignore")
    for directory, subdirectories, names in os.walk(source):
        subdirectories[:] = sorted(d for d in subdirectories if d not in ("site-packages", "__pycache__"))
        for name in sorted(names):
            if not name.endswith(".py"):
                continue
            path = Path(directory, name)
            relative = path.relative_to(source)
            try:
                ast.parse(path.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError, ValueError):
                dropped.append(str(relative))
                continue
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            copied += 1
    return copied, dropped


def documented_module(lines: int = 3000) -> str:
    """A fully documented module of about `lines` lines (functions and a class)."""
    parts = ['"""A generated, fully documented module for benchmarks."""', "", "import os", ""]
    index = 0
    while sum(p.count("\n") + 1 for p in parts) < lines:
        parts += [
            "",
            f"def function_{index}(alpha: int, beta: str = 'x') -> int:",
            f'    """Compute value number {index}.',
            "",
            "    Args:",
            "        alpha: The first input.",
            "        beta: The second input.",
            "",
            "    Returns:",
            "        The computed value.",
            '    """',
            "    total = alpha",
            "    for character in beta:",
            "        total += ord(character)",
            "    if total > 100:",
            "        total -= 100",
            "    return total + len(os.sep)",
            "",
        ]
        index += 1
    return "\n".join(parts).rstrip("\n") + "\n"


def environment() -> dict[str, str]:
    """Date, CPU, Python and tool versions, for the README."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "absent"

    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "unknown"
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": f"{cpu} x {os.cpu_count()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "docstring-hook": f"{version('docstring-hook')}, code from {SOURCE_REVISION} ({SOURCE})",
        "load average at start (1, 5, 15 min)": load,
        "libcst": version("libcst"),
        "interrogate": version("interrogate"),
        "openai": version("openai"),
    }


def print_environment() -> None:
    for key, value in environment().items():
        print(f"- {key}: {value}")
    print()
