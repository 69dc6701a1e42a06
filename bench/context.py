"""The cost of repository context in the hook: a commit touching five functions in a 300-file repository.

A temporary git repository holds a package of `--files` modules (five
documented functions, a documented class and a documented function calling
its `fill` method each, importing functions of two other modules),
committed. Five of its modules then get one undocumented method (`fill`) each, calling an imported function, a function of its
module and a method through `self`, and are staged: what pre-commit hands
the hook. Two copies differ only in `context-budget` (0: no context, as
before; 1500: the default).

- whole runs: `docstring-hook --diff --no-cache <five files>` against the
  fake Azure server (tests/fake_azure.py) on 127.0.0.1, alternating the
  two copies, `--runs` each: five requests a run, nothing written;
- in-process: `prepare_file` of the five staged files with and without the
  module lookup (what building the context costs, apart from the request),
  and with the callers too; the repository survey without and with its
  call-site index, with no cache (every file parsed) and with a warm one.

    python bench/context.py [--files 300] [--runs 7] [--whole-runs-only]

(`--whole-runs-only` for an older revision, BENCH_SOURCE=<rev>, whose
survey has no call-site index.)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_environment, time_command, timing_table, tool
from _project import cli_env

from docstring_hook.model.context import HEADING
from tests.fake_azure import FakeAzure

TOUCHED = 5


def git(folder: Path, *arguments: str) -> None:
    subprocess.run(["git", *arguments], cwd=folder, check=True, capture_output=True, timeout=60)


def module(index: int, files: int) -> str:
    a, b = (index + 1) % files, (index + 7) % files
    lines = ['"""A generated module."""', "", f"from app.m{a:03d} import work_{a}_0", f"from app.m{b:03d} import work_{b}_1", ""]
    for n in range(5):
        lines += ["", f"def work_{index}_{n}(x: int, *, scale: int = 2) -> int:",
                  f'    """Scale x for step {n}.', "", "    More words that the context leaves out.", '    """',
                  f"    return x * scale + {n}", ""]
    # A caller of the method the commit adds (`fill`): every module has one, so the call-site
    # index holds 300 `.fill` sites, of which one is plausible for each new method.
    lines += ["", f"def refill_{index}(x: int) -> int:", f'    """Fill a store of module {index}."""',
              f"    return Store{index}(x).fill(x)", ""]
    lines += ["", f"class Store{index}:", f'    """Keeps the values of module {index}."""', "",
              "    def __init__(self, size: int) -> None:", '        """Make an empty store."""',
              "        self.size = size", "        self.values: list[int] = []", "",
              "    def put(self, value: int) -> None:", '        """Add a value."""',
              "        self.values.append(value)", ""]
    return "\n".join(lines).rstrip() + "\n"


def touched_method(index: int, files: int) -> str:
    a = (index + 1) % files
    return (f"\n    def fill(self, x: int) -> int:\n        self.put(work_{a}_0(x))\n"
            f"        return work_{index}_2(x) + len(self.values)\n")


def build(folder: Path, files: int, budget: int) -> list[str]:
    """The repository, committed, with five methods staged; the staged paths."""
    package = folder / "app"
    package.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(f'[tool.docstring-hook]\nstyle = "google"\ncontext-budget = {budget}\n')
    (package / "__init__.py").write_text('"""The generated package."""\n')
    for index in range(files):
        (package / f"m{index:03d}.py").write_text(module(index, files))
    git(folder, "init", "-q")
    git(folder, "-c", "user.email=bench@example.invalid", "-c", "user.name=bench", "add", ".")
    git(folder, "-c", "user.email=bench@example.invalid", "-c", "user.name=bench", "commit", "-q", "-m", "base")
    staged = []
    for index in range(0, files, files // TOUCHED)[:TOUCHED]:
        path = package / f"m{index:03d}.py"
        path.write_text(path.read_text() + touched_method(index, files))
        staged.append(f"app/m{index:03d}.py")
    git(folder, "add", *staged)
    return staged


def in_process(folder: Path, staged: list[str], runs: int) -> tuple[float, float, int]:
    """Median seconds of preparing the staged files without and with context, and the context items."""
    from docstring_hook.config import load
    from docstring_hook.prepare import context_modules, prepare_file
    from docstring_hook.scan import ScannedFile, scan_file
    from docstring_hook.survey import survey

    settings = load(folder, {"root": str(folder)})
    scanned = [scan_file(str(folder / p), settings) for p in staged]
    files = [s for s in scanned if isinstance(s, ScannedFile)]
    calls = survey(settings, names=False, calls=True).calls
    without, with_context, with_callers, items, callers = [], [], [], 0, 0
    for _ in range(runs):
        start = time.perf_counter()
        for s in files:
            prepare_file(s)
        without.append(time.perf_counter() - start)
        start = time.perf_counter()
        modules = context_modules(settings)  # one per run, as a run builds it
        prepared = [prepare_file(s, modules=modules) for s in files]
        with_context.append(time.perf_counter() - start)
        items = sum(len(f.context) for p in prepared for f in p.facts.values())
        start = time.perf_counter()
        modules = context_modules(settings, calls)
        prepared = [prepare_file(s, modules=modules) for s in files]
        with_callers.append(time.perf_counter() - start)
        callers = sum(i.kind == "caller" for p in prepared for f in p.facts.values() for i in f.context)
    print(f"in-process prepare_file with callers too: {statistics.median(with_callers) * 1000:.1f} ms "
          f"({callers} callers), median of {runs}")
    return statistics.median(without), statistics.median(with_context), items


def survey_cost(folder: Path, runs: int) -> None:
    """CPU seconds of the repository survey without and with its call-site index, cold and warm cache.

    The two are alternated and the minimum of `runs` reported: other work on the machine only adds.
    """
    from docstring_hook.config import load
    from docstring_hook.survey import survey

    settings = load(folder, {"root": str(folder)})
    with tempfile.TemporaryDirectory(prefix="bench-survey-cache-") as cache:
        for label, folder_ in (("no cache", None), ("warm cache", Path(cache))):
            for calls in (False, True):
                survey(settings, calls=calls, cache=folder_)  # warms the cache when there is one
            seconds: dict[bool, list[float]] = {False: [], True: []}
            for _ in range(runs):
                for calls in (False, True):
                    start = time.process_time()
                    survey(settings, calls=calls, cache=folder_)
                    seconds[calls].append(time.process_time() - start)
            print(f"survey CPU, {label}: {min(seconds[False]) * 1000:.0f} ms without the call-site index, "
                  f"{min(seconds[True]) * 1000:.0f} ms with it (minimum of {runs}; medians "
                  f"{statistics.median(seconds[False]) * 1000:.0f} and {statistics.median(seconds[True]) * 1000:.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--whole-runs-only", action="store_true", help="skip the in-process measurements")
    arguments = parser.parse_args()
    print_environment()
    with tempfile.TemporaryDirectory(prefix="bench-context-") as temporary, FakeAzure() as fake:
        root = Path(temporary)
        copies = {budget: root / f"budget-{budget}" for budget in (0, 1500)}
        staged = [build(folder, arguments.files, budget) for budget, folder in copies.items()][-1]
        print(f"{arguments.files} modules; staged: {', '.join(staged)}\n")
        hook = tool("docstring-hook")
        timings = []
        for round_ in range(2):
            for budget, folder in copies.items():
                env = cli_env(fake, root / "cache")
                label = f"context-budget {budget}, round {round_ + 1}"
                timings.append(time_command(label, [hook, "--diff", "--no-cache", *staged], runs=arguments.runs,
                                            cwd=str(folder), env=env, timeout=120))
        print(timing_table(timings))
        users = [m["content"] for r in fake.requests if r.body for m in r.body["messages"] if m["role"] == "user"]
        print(f"\nrequests answered by the fake: {len(users)}, carrying context: {sum(HEADING in u for u in users)}, "
              f"callers: {sum('Called from' in u for u in users)}")
        if arguments.whole_runs_only:
            return
        without, with_context, items = in_process(copies[1500], staged, arguments.runs)
        print(f"in-process prepare_file of the {TOUCHED} staged files: {without * 1000:.1f} ms without context, "
              f"{with_context * 1000:.1f} ms with it ({items} context items), median of {arguments.runs}")
        survey_cost(copies[1500], arguments.runs)
        shutil.rmtree(root / "cache", ignore_errors=True)


if __name__ == "__main__":
    main()
