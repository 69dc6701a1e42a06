"""Rewrite throughput over the standard library, against LibCST's own floor.

Over a copy of the installed standard library (site-packages excluded), every
definition that lacks a docstring gets one (every selection policy off, as in
tests/test_corpus.py, unless `--policy default`), through the library's own
functions, exactly as `pipeline._apply` calls them:

    scanned = scan_file(path, settings)                # read + ast.parse + find
    facts = describe_file(scanned.tree, scanned.lines, scanned.targets).facts
    document(text, facts, drafts, RenderOptions(...))  # LibCST parse, insert, render, verify

with one fixed simple draft for every target (`--draft one-line`: a summary
only; `--draft sections`: the default, a summary plus one Args entry per
parameter and a Returns entry when the function returns a value: the
multi-line layout most replies get). Nothing is written to disk.

The floor is `libcst.parse_module(text).code` over the same files (the files
that have targets): parsing and printing with no change at all.

The rewrite pass also splits its time into stages with CPU timers
(`time.process_time`) wrapped around the functions `document` calls: scan
(read + ast + find), describe_all, LibCST parse, metadata + transform + code
generation, render (the callback), verify (two ast.parse + dumps + line
diff). CPU time is reported next to wall time because the machine may be
shared. Each measurement is repeated `--repeats` times; medians are reported.
By default every 6th file of the sorted stdlib runs (about 300 files, a few
minutes); `--sample 1` runs them all (about 4 min per pass on 2 cores).

    python bench/rewrite_throughput.py [--repeats 3] [--sample 6] [--policy everything|default] [--draft sections|one-line]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import libcst
from _common import print_environment, stdlib_copy

import docstring_hook.source.document as document_module
from docstring_hook.config import Settings
from docstring_hook.datatypes import DocstringDraft, FileProblem, FunctionFacts, ParamDoc, RenderOptions, TargetKind
from docstring_hook.repo.files import discover
from docstring_hook.scan import ScannedFile, scan_file
from docstring_hook.source.document import document
from docstring_hook.source.facts import describe_file
from docstring_hook.source.verify import VerificationError

EVERYTHING = Settings(
    ignore_init_method=False, ignore_magic=False, ignore_private=False, ignore_semiprivate=False,
    ignore_nested_functions=False, ignore_nested_classes=False, ignore_overloaded_functions=False,
    ignore_setters=False, ignore_tests=False, skip_generated=False,
)
ONE_LINE = DocstringDraft(summary="Do the work.")


def sections_draft(facts: FunctionFacts) -> DocstringDraft:
    """A fixed, simple multi-line draft: summary, Args, Returns."""
    params = tuple(ParamDoc(p.name, "The value.") for p in facts.params)
    returns = "The result." if facts.target.kind is not TargetKind.CLASS and facts.returns_value and not facts.is_generator else None
    yields = "The values." if facts.is_generator else None
    return DocstringDraft(summary="Do the work.", params=params, returns=returns, yields=yields)


class Stopwatch:
    """CPU seconds (time.process_time) summed per stage."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[stage] += time.process_time() - start

        return timed


def rewrite_all(paths: list[str], settings: Settings, draft_kind: str, watch: Stopwatch) -> dict[str, int]:
    """scan + describe + document every file; counts of what happened."""
    counts: Counter[str] = Counter()
    scan, describe = watch.wrap("scan", scan_file), watch.wrap("describe_all", describe_file)
    for path in paths:
        scanned = scan(path, settings)
        if not isinstance(scanned, ScannedFile) or not scanned.targets:
            counts["problem" if isinstance(scanned, FileProblem) else "no targets"] += 1
            continue
        facts = describe(scanned.tree, scanned.lines, scanned.targets).facts
        drafts = {line: (ONE_LINE if draft_kind == "one-line" else sections_draft(f)) for line, f in facts.items()}
        source = scanned.source
        options = RenderOptions(settings.style, line_length=settings.line_length, include_types=settings.include_types, encoding=source.encoding)
        counts["files"] += 1
        counts["targets"] += len(scanned.targets)
        counts["lines"] += len(scanned.lines)
        try:
            documented = document(source.text, facts, drafts, options)
        except VerificationError:
            counts["verification errors"] += 1
            continue
        except (libcst.ParserSyntaxError, RecursionError):
            counts["libcst cannot parse"] += 1
            continue
        counts["inserted"] += len(documented.inserted)
        counts["refused"] += len(documented.refused)
    return dict(counts)


def floor(texts: list[str]) -> None:
    for text in texts:
        code = libcst.parse_module(text).code
        assert code == text


def measured(function: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall seconds, CPU seconds of this process, and the result."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def rewrite_pass(paths: list[str], settings: Settings, draft_kind: str) -> tuple[float, float, Stopwatch, dict[str, int]]:
    """One rewrite pass with the stages of `document` wrapped in CPU timers."""
    watch = Stopwatch()
    originals = (document_module.insert_docstrings, document_module.render, document_module.verify, libcst.parse_module)
    document_module.insert_docstrings = watch.wrap("insert_docstrings", originals[0])
    document_module.render = watch.wrap("render", originals[1])
    document_module.verify = watch.wrap("verify", originals[2])
    libcst.parse_module = watch.wrap("libcst parse", originals[3])  # rewrite.py calls cst.parse_module
    try:
        wall, cpu, counts = measured(lambda: rewrite_all(paths, settings, draft_kind, watch))
    finally:
        (document_module.insert_docstrings, document_module.render, document_module.verify, libcst.parse_module) = originals
    return wall, cpu, watch, counts


def _row(label: str, walls: list[float], cpus: list[float], files: int, targets: int, floor_cpu: float) -> str:
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    return (f"| {label} | {wall:.2f} | {min(walls):.2f}-{max(walls):.2f} | {cpu:.2f} | {1000 * cpu / files:.1f} | "
            f"{1000 * cpu / targets:.2f} | {cpu / floor_cpu:.2f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="passes of each measurement (median reported)")
    parser.add_argument("--sample", type=int, default=6, help="every Nth file of the sorted stdlib (1: all files; slow)")
    parser.add_argument("--policy", choices=("everything", "default"), default="everything")
    parser.add_argument("--draft", choices=("sections", "one-line"), default="sections")
    arguments = parser.parse_args()
    settings = EVERYTHING if arguments.policy == "everything" else Settings()
    print_environment()
    with tempfile.TemporaryDirectory(prefix="bench-rewrite-") as temporary:
        copied, dropped = stdlib_copy(Path(temporary, "stdlib"))
        everything = discover([str(Path(temporary, "stdlib"))], temporary, settings.exclude_globs)
        paths = everything[:: max(1, arguments.sample)]
        print(f"package under test: {Path(document_module.__file__).parent.parent}")
        print(f"stdlib copy: {copied} files ({len(dropped)} broken left out), {len(everything)} after default excludes, "
              f"every {arguments.sample}th: {len(paths)} files; policy {arguments.policy}, draft {arguments.draft}, "
              f"{arguments.repeats} repeats\n")

        with_targets = [p for p in paths if isinstance(s := scan_file(p, settings), ScannedFile) and s.targets]
        texts = [Path(p).read_text(encoding="utf-8") for p in with_targets]
        measured(lambda: floor(texts[:20]))  # warm-up
        floors, scans, passes = [], [], []
        for _ in range(max(1, arguments.repeats)):
            floors.append(measured(lambda: floor(texts))[:2])
            scans.append(measured(lambda: [scan_file(p, settings) for p in paths])[:2])
            passes.append(rewrite_pass(paths, settings, arguments.draft))
        counts = passes[0][3]
        files, targets = max(1, counts.get("files", 0)), max(1, counts.get("targets", 0))
        floor_cpu = statistics.median(c for _, c in floors)
        rewrite_cpu = statistics.median(p[1] for p in passes)

        print("## Throughput\n")
        print(f"- files: {len(paths)} scanned, {counts.get('files', 0)} with targets ({counts.get('lines', 0)} lines)")
        print(f"- targets: {counts.get('targets', 0)}; inserted: {counts.get('inserted', 0)}; refused by the rewriter: "
              f"{counts.get('refused', 0)}; files failing verification: {counts.get('verification errors', 0)}; "
              f"files LibCST cannot parse: {counts.get('libcst cannot parse', 0)}")
        print()
        print("| measurement | wall s (median) | wall min-max | CPU s (median) | CPU ms per file | CPU ms per target | CPU vs floor |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        print(_row("scan only: `scan_file` (read, ast.parse, find)", [w for w, _ in scans], [c for _, c in scans], files, targets, floor_cpu))
        print(_row("floor: `libcst.parse_module(text).code`", [w for w, _ in floors], [c for _, c in floors], files, targets, floor_cpu))
        print(_row("rewrite: scan + describe_all + document", [p[0] for p in passes], [p[1] for p in passes], files, targets, floor_cpu))
        print()
        print(f"rewrite / floor (CPU) = {rewrite_cpu / floor_cpu:.2f}; targets per CPU second: {targets / rewrite_cpu:.0f}; "
              f"files per CPU second: rewrite {files / rewrite_cpu:.1f}, floor {files / floor_cpu:.1f}\n")

        print("## Where the time goes (CPU timers around each stage; medians over the passes)\n")
        stage = {s: statistics.median(p[2].seconds[s] for p in passes) for s in
                 ("scan", "describe_all", "insert_docstrings", "libcst parse", "render", "verify")}
        parse, render_s, insert = stage["libcst parse"], stage["render"], stage["insert_docstrings"]
        rows = [
            ("scan (read + ast.parse + find_targets)", stage["scan"]),
            ("describe_all (facts, ast)", stage["describe_all"]),
            ("LibCST parse_module", parse),
            ("LibCST metadata + transform + code generation", insert - parse - render_s),
            ("render (docstring literals)", render_s),
            ("verify (ast.parse x2, ast.dump x2, line diff)", stage["verify"]),
        ]
        rows.append(("other (drafts, loop)", rewrite_cpu - sum(seconds for _, seconds in rows)))
        print("| stage | CPU s | share |")
        print("|---|---:|---:|")
        for label, seconds in rows:
            print(f"| {label} | {seconds:.2f} | {100 * seconds / rewrite_cpu:.1f}% |")
        print(f"| total | {rewrite_cpu:.2f} | 100% |")
        print()
        cores = os.cpu_count() or 1
        spread = insert + stage["verify"]
        serial = rewrite_cpu - spread
        print(f"Process-pool estimate: LibCST work + render + verify is {spread:.1f} of {rewrite_cpu:.1f} CPU s "
              f"({1000 * spread / files:.0f} ms per file, {1000 * spread / targets:.1f} ms per target). With {cores} cores "
              f"and perfect spreading the rewrite would take {serial + spread / cores:.1f} s "
              f"({rewrite_cpu / (serial + spread / cores):.2f}x), before pickling text in and out.")


if __name__ == "__main__":
    main()
