"""Exact token counts offline: the shipped encodings' load time, and the forecast against the bill.

load      a cold `python -c` per shipped encoding, `--runs` times: the seconds
          `load_encoding(name)` takes (read, gunzip, SHA-256, parse the ranks,
          build tiktoken's Encoding) and the seconds to import tiktoken before
          it; median, min and max. The first counter of a run pays this once.
forecast  for each stdlib package given (default: json, wsgiref, email/mime),
          a copy is run through the real CLI against the fake Azure server
          (tests/fake_azure.py, which bills prompt tokens with the real
          encoding: the cookbook's chat overhead plus the json_schema):
          `--dry-run` first, then `--no-cache --report`; the forecast against
          the prompt tokens the fake reported, and the requests of each.

    python bench/tokens.py [--only load|forecast] [--runs 7] [--model gpt-4o-mini] [package ...]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_env, print_environment, tool
from _project import FakeAzure, cli_env

LOAD = """
import time
started = time.perf_counter()
import tiktoken
imported = time.perf_counter()
from docstring_hook.model.encodings import load_encoding
load_encoding({name!r})
print(imported - started, time.perf_counter() - imported)
"""


def load(runs: int) -> None:
    """The cold-process load table."""
    print("\n### Loading a shipped encoding, cold process\n")
    print("| encoding | runs | import tiktoken s (median) | load_encoding s (median) | min | max |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in ("o200k_base", "cl100k_base"):
        imports, loads = [], []
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, "-c", LOAD.format(name=name)], capture_output=True, text=True, check=True,
                env=bench_env(), timeout=120,
            )
            first, second = (float(x) for x in done.stdout.split())
            imports.append(first)
            loads.append(second)
        print(
            f"| {name} | {runs} | {statistics.median(imports):.3f} | {statistics.median(loads):.3f} | "
            f"{min(loads):.3f} | {max(loads):.3f} |",
            flush=True,
        )


def flags_for(model: str) -> list[str]:
    """The flags every run of the table shares."""
    return ["--model", model]


def cli(fake: FakeAzure, root: Path, arguments: list[str]) -> subprocess.CompletedProcess[str]:
    """One run of the real CLI in `root` against `fake`."""
    return subprocess.run(
        [tool("docstring-hook"), *arguments], cwd=root, env=cli_env(fake, root / "cache"),
        capture_output=True, text=True, timeout=900, check=False,
    )


def forecast(packages: list[str], model: str) -> None:
    """The forecast-versus-billed table."""
    rows = []
    for package in packages:
        with tempfile.TemporaryDirectory() as scratch, FakeAzure() as fake:
            root = Path(scratch)
            copy = root / Path(package).name
            shutil.copytree(Path(sysconfig.get_paths()["stdlib"]) / package, copy)
            (root / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
            planned = cli(fake, root, [*flags_for(model), "--dry-run", copy.name])
            found = re.search(r"(\d+) to request; (\d+) prompt tokens \(([^)]*)\)", planned.stderr)
            if found is None:
                raise SystemExit(f"no forecast in: {planned.stderr}")
            run = cli(fake, root, [*flags_for(model), "--no-cache", "--report", "report.json", copy.name])
            totals = json.loads((root / "report.json").read_text())["totals"]
            rows.append((package, int(found.group(1)), int(found.group(2)), found.group(3), totals, run.returncode))
    print(f"\n### --dry-run forecast against the prompt tokens billed (fake Azure, --model {model})\n")
    print("| package | forecast requests | forecast prompt tokens | counted | requests sent | billed prompt tokens | "
          "forecast / billed | documented | failed | exit |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for package, to_request, tokens, counted, totals, code in rows:
        billed = totals["prompt_tokens"]
        print(
            f"| {package} | {to_request} | {tokens} | {counted} | {totals['requests']} | {billed} | "
            f"{tokens / billed:.3f} | {totals['documented']} | {totals['failed']} | {code} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("load", "forecast"))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--model", default="gpt-4o-mini")
    parser.add_argument("packages", nargs="*", default=["json", "wsgiref", "email/mime"])
    arguments = parser.parse_args()
    print_environment()
    if arguments.only in (None, "load"):
        load(arguments.runs)
    if arguments.only in (None, "forecast"):
        forecast(arguments.packages, arguments.model)


if __name__ == "__main__":
    main()
