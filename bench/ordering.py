"""What ordering requests callees first costs in wall time, against `order = "none"`.

A generated package of `--files` modules x `--functions` undocumented
functions (1,000 by default) with a call graph drawn from a fixed seed:
each function has a layer (about 40 % leaves, fewer at each layer above,
up to `--layers`); a function calls one to three functions of lower
layers, one of them from the layer just below (so the longest chain has
`--layers` functions), a fifth of the calls go to ten popular utilities
(fan-in), calls across modules go through `from project.mNN import f`,
and `--cycles` pairs of functions of the same module call each other
(mutual recursion). The real CLI rewrites it against the fake Azure server
(tests/fake_azure.py, `--latency` s per answer) with `--no-cache`, once
with `order = "callees-first"` and once with `order = "none"` in
pyproject.toml, for each `--concurrency` level, the project regenerated
before each run.

Reported: wall time of each, the ratio (goal: at most 1.2), the waves of
the generated graph (`order.waves` over the calls the generator wrote, an
independent count: the tool finds its graph by resolving the source), the
ideal (targets x latency / C) and the critical path (waves x latency).

    python bench/ordering.py [--files 50 --functions 20] [--levels 8,16] [--latency 0.5] [--repeats 1]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_environment
from _project import FakeAzure, RunFigures, run_cli

from docstring_hook.order import waves

Name = tuple[int, int]  # (module, function)
GENERATED = ": Do the work of "


def draw_graph(files: int, functions: int, layers: int, cycles: int, seed: int = 10) -> dict[Name, list[Name]]:
    """Each function's callees, drawn from `seed`."""
    rng = random.Random(seed)
    names = [(m, f) for m in range(files) for f in range(functions)]
    weights = [0.4 * 0.62**layer for layer in range(layers)]
    layer_of = {name: rng.choices(range(layers), weights)[0] for name in names}
    by_layer: dict[int, list[Name]] = {layer: [n for n in names if layer_of[n] == layer] for layer in range(layers)}
    popular = by_layer[0][:10]
    calls: dict[Name, list[Name]] = {name: [] for name in names}
    for name in names:
        layer = layer_of[name]
        if layer == 0 or not by_layer[layer - 1]:
            continue
        wanted = {rng.choice(by_layer[layer - 1])}
        for _ in range(rng.randint(0, 2)):
            if rng.random() < 0.2:
                wanted.add(rng.choice(popular))
            else:
                wanted.add(rng.choice(by_layer[rng.randrange(layer)] or popular))
        calls[name] = sorted(wanted)
    for module in rng.sample(range(files), min(cycles, files)):
        a, b = rng.sample(range(functions), 2)
        calls[(module, a)].append((module, b))
        calls[(module, b)].append((module, a))
    return calls


def write_package(project: Path, files: int, functions: int, calls: dict[Name, list[Name]]) -> None:
    """The package `project` (its folder's name) with one module per file, as `calls` says."""
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    (project / "__init__.py").write_text('"""Generated package for the ordering benchmark."""\n')
    package = project.name
    for m in range(files):
        imported = sorted({c for f in range(functions) for c in calls[(m, f)] if c[0] != m})
        lines = ['"""Generated module for the ordering benchmark."""', ""]
        lines += [f"from {package}.m{c[0]:02d} import f_{c[0]}_{c[1]}" for c in imported]
        for f in range(functions):
            lines += ["", "", f"def f_{m}_{f}(value: int) -> int:", f"    total = value * {f + 2}"]
            lines += [f"    total += f_{c[0]}_{c[1]}(value - 1)" for c in calls[(m, f)]]
            lines += ["    return total"]
        (project / f"m{m:02d}.py").write_text("\n".join(lines) + "\n")


def one_run(folder: Path, arguments: argparse.Namespace, calls: dict[Name, list[Name]], order: str, level: int
            ) -> tuple[RunFigures, int]:
    project = folder / "project"
    write_package(project, arguments.files, arguments.functions, calls)
    (folder / "pyproject.toml").write_text(f'[project]\nname = "bench"\n[tool.docstring-hook]\norder = "{order}"\n')
    targets = arguments.files * arguments.functions
    with FakeAzure(latency=arguments.latency) as fake:
        figures = run_cli(fake, project, ["--concurrency", str(level), "--no-cache"],
                          timeout=targets * arguments.latency * 3 + 300)
        # Requests whose context shows a summary the run generated (the fake's answers start so).
        carried = sum(GENERATED in str(r.body) for r in fake.requests)
    return figures, carried


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--functions", type=int, default=20, help="undocumented functions per module")
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--cycles", type=int, default=15, help="pairs of mutually recursive functions")
    parser.add_argument("--levels", default="8,16", help="concurrency levels, comma-separated")
    parser.add_argument("--latency", type=float, default=0.5, help="seconds the fake takes per answer")
    parser.add_argument("--repeats", type=int, default=1, help="runs per level and order (the median is reported)")
    arguments = parser.parse_args()
    print_environment()
    calls = draw_graph(arguments.files, arguments.functions, arguments.layers, arguments.cycles)
    names = sorted(calls)
    found = waves(names, calls)
    edges = sum(len(c) for c in calls.values())
    print(f"targets {len(names)}, calls {edges}, waves {len(found)}, wave sizes {[len(w) for w in found]}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-ordering-") as temporary:
        folder = Path(temporary)
        for level in (int(x) for x in arguments.levels.split(",")):
            walls: dict[str, list[RunFigures]] = {"callees-first": [], "none": []}
            carried: dict[str, int] = {}
            for _ in range(max(1, arguments.repeats)):
                for order in ("callees-first", "none"):
                    figures, carried[order] = one_run(folder, arguments, calls, order, level)
                    walls[order].append(figures)
                    tail = figures.stderr_tail.splitlines()[-1] if figures.stderr_tail else ""
                    print(f"C={level} order={order}: {figures.wall:.2f} s, max in flight {figures.max_in_flight}, "
                          f"exit {figures.exit_code}, prompts with generated summaries {carried[order]}; {tail}",
                          flush=True)
            rows.append((level, walls, carried))
    print(f"\ntargets {len(names)}, latency {arguments.latency} s, waves {len(found)} "
          f"(critical path {len(found) * arguments.latency:.1f} s)\n")
    print("| C | order | walls s | median wall s | ideal s | wall / ideal | ordered / none | max in flight "
          "| prompts with generated summaries | documented | exit |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for level, walls, carried in rows:
        ideal = len(names) * arguments.latency / level
        medians = {o: sorted(r.wall for r in runs)[len(runs) // 2] for o, runs in walls.items()}
        for order, runs in walls.items():
            last = runs[-1]
            ratio = f"{medians['callees-first'] / medians['none']:.2f}" if order == "callees-first" else ""
            print(f"| {level} | {order} | {', '.join(f'{r.wall:.1f}' for r in runs)} | {medians[order]:.1f} | "
                  f"{ideal:.1f} | {medians[order] / ideal:.2f} | {ratio} | {last.max_in_flight} | {carried[order]} | "
                  f"{last.documented}/{last.functions} | {last.exit_code} |")


if __name__ == "__main__":
    main()
