"""The name gate's false positives: how many human docstrings of the standard library it would flag.

Every module of the running Python's standard library (tests, idlelib and
site-packages left out) is the "repository": its symbols are the names index
(`source.names.repository_symbols`), each module's own names are added per
file, and each function's or class's own docstring is checked as if the
model had written it (summary = the whole docstring) against its own facts.
A flagged docstring names something the gate cannot resolve: a false
positive, since these docstrings were written by people about real code
(or, rarely, they name something that no longer exists).

Also prints how many human summaries the "restates" rule would count, and
with `--survey` what a run's survey costs over the standard library as the
repository (`survey.survey`: discover, read, parse, symbols, style vote).

    python bench/name_gate.py [--top 30] [--show 0] [--index stdlib|file] [--survey]
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import sysconfig
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

from docstring_hook.config import Settings
from docstring_hook.datatypes import DocstringDraft, Target, TargetKind
from docstring_hook.lines import split_lines
from docstring_hook.model.names import restates, unknown_names
from docstring_hook.source.definitions import walk_definitions
from docstring_hook.source.facts import describe
from docstring_hook.source.names import module_names, repository_symbols
from docstring_hook.survey import survey

_LEFT_OUT = ("test", "tests", "idlelib", "site-packages", "lib2to3", "__phello__")


def _modules() -> list[tuple[str, ast.Module, list[str]]]:
    root = Path(sysconfig.get_paths()["stdlib"])
    modules = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if any(part in _LEFT_OUT for part in relative.parts):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
        modules.append((str(relative), tree, _without_docstrings(tree, split_lines(text))))
    return modules


def _without_docstrings(tree: ast.Module, lines: list[str]) -> list[str]:
    """The lines with every docstring blanked: a docstring must not vouch for the names it mentions."""
    lines = list(lines)
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        first = node.body[0] if node.body else None
        if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)):
            continue
        if not isinstance(first.value.value, str) or first.end_lineno is None:
            continue
        if lines[first.lineno - 1].lstrip()[:1] not in {'"', "'", "r", "R", "u", "U", "b", "B", "f", "F"}:
            continue  # `def f(): """..."""` on one line: left as it is
        for index in range(first.lineno - 1, first.end_lineno):
            lines[index] = "\n"
        indent = lines[first.lineno - 1]
        lines[first.lineno - 1] = " " * first.col_offset + "...\n" if indent == "\n" else indent
    return lines


def _time_survey() -> None:
    """The survey of the standard library: cold (an empty cache folder), then warm (every file's entry cached)."""
    settings = Settings(root=sysconfig.get_paths()["stdlib"])
    with tempfile.TemporaryDirectory() as cache:
        for label in ("cold", "warm"):
            started = time.perf_counter()
            found = survey(settings, cache=Path(cache))
            print(f"{label}: {time.perf_counter() - started:.2f} s; {len(found.symbols)} symbols, {found.note}")


def main() -> None:
    """Print the share of standard-library docstrings the name gate flags, and the names most often flagged."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--show", type=int, default=0, help="print this many flagged docstrings")
    parser.add_argument(
        "--index",
        choices=("stdlib", "file"),
        default="stdlib",
        help="the names index: every standard-library module (a whole-repository run), "
        "or the docstring's own file alone (a commit touching one file)",
    )
    parser.add_argument("--survey", action="store_true", help="time survey.survey over the standard library")
    options = parser.parse_args()
    if options.survey:
        _time_survey()
        return
    started = time.perf_counter()
    modules = _modules()
    index = repository_symbols((path, tree) for path, tree, _ in modules) if options.index == "stdlib" else frozenset()
    indexed = time.perf_counter() - started
    checked = flagged = restating = 0
    names: Counter[str] = Counter()
    shown = 0
    for path, tree, lines in modules:
        known = index | module_names(tree) | repository_symbols([(path, tree)])
        for definition, scope in walk_definitions(tree):
            docstring = ast.get_docstring(definition)
            if not docstring:
                continue
            kind = TargetKind.CLASS if isinstance(definition, ast.ClassDef) else TargetKind.FUNCTION
            facts = describe(definition, scope, Target(path, scope.qualname, definition.lineno, kind), lines, None)
            facts = dataclasses.replace(facts, known_names=known)
            found = unknown_names(DocstringDraft(summary=docstring), facts)
            checked += 1
            restating += restates(docstring.strip().splitlines()[0], facts)
            if found:
                flagged += 1
                names.update(found)
                if shown < options.show:
                    shown += 1
                    print(f"--- {path}:{definition.lineno} {scope.qualname}: {', '.join(found)}")
    print(f"{len(modules)} modules, index of {len(index)} names built in {indexed:.2f} s")
    print(f"{checked} docstrings checked, {flagged} flagged ({100 * flagged / max(checked, 1):.2f}%)")
    print(f"{restating} summaries would count as restating ({100 * restating / max(checked, 1):.2f}%)")
    for name, count in names.most_common(options.top):
        print(f"{count:6d}  {name}")


if __name__ == "__main__":
    main()
