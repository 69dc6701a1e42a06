"""Where a `--check` process pool starts to pay: in-process against `workers = 2`, by number of files.

For each size N, the first N standard-library files (sorted by path, from
the same copy as check_vs_interrogate.py) are copied to a folder outside any
git repository with a pyproject.toml setting `workers` (1: in-process; 2:
a pool of two, whatever N) and `ignore-tests = false`. Whole-process wall
and CPU time of `docstring-hook --check .` (CPU includes the workers).

    python bench/check_pool.py [--sizes 10,50,100,200,400] [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_environment, stdlib_copy, time_command, timing_table, tool


def subset(corpus: Path, files: list[Path], destination: Path) -> int:
    """Copy `files` below `destination`, keeping their relative paths; their total size in bytes."""
    size = 0
    for file in files:
        target = destination / file.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
        size += file.stat().st_size
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,50,100,200,400", help="numbers of files, comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (after 1 warm-up)")
    arguments = parser.parse_args()
    hook = tool("docstring-hook")
    print_environment()
    with tempfile.TemporaryDirectory(prefix="bench-check-pool-") as temporary:
        work = Path(temporary)
        corpus = work / "stdlib"
        stdlib_copy(corpus)
        files = sorted(corpus.rglob("*.py"))
        timings = []
        for size in (int(n) for n in arguments.sizes.split(",")):
            chosen = files[:size]
            for workers in (1, 2):
                folder = work / f"n{size}-w{workers}"
                total = subset(corpus, chosen, folder / "src")
                (folder / "pyproject.toml").write_text(f"[tool.docstring-hook]\nworkers = {workers}\nignore-tests = false\n")
                label = f"{len(chosen)} files, {total / 1e6:.2f} MB, workers = {workers}"
                timings.append(time_command(label, [hook, "--check", "src"], runs=arguments.runs, cwd=str(folder)))
        print(timing_table(timings))


if __name__ == "__main__":
    main()
