"""The quality benchmark's repositories: pinned sdists, a fixed sample, its docstrings stripped byte-exactly.

A candidate is a function, method or class (never `__init__`, which the
tool does not target by default) whose human docstring documents at least
one parameter (as docstring_parser reads it, in any style) and whose
signature has parameters besides self/cls. Its docstring must stand on
lines of its own and not be the body's only statement, so that removing
those lines leaves valid code that differs from the original by exactly
that docstring (checked with `ast`): nothing else of any file changes.
"""

from __future__ import annotations

import ast
import random
import re
import subprocess
import sys
import tarfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import _common  # noqa: F401  (first: puts the code under benchmark on sys.path)
import docstring_parser

from docstring_hook.config import Settings
from docstring_hook.lines import split_lines
from docstring_hook.source.definitions import Definition, docstring_node, walk_definitions
from docstring_hook.source.find import find_targets

# MemDocAgent's repositories, pinned to the sdists this benchmark was measured on.
REPOSITORIES: dict[str, str] = {
    "Wikipedia-API": "0.16.0",
    "parsel": "1.12.1",
    "PySnooper": "1.2.3",
    "zxcvbn": "4.5.0",
    "hypertools": "1.1.0",
    "csvkit": "2.2.0",
    "Jinja2": "3.1.6",
    "bplustree": "0.0.3",
    "mackup": "0.11.2",
    "exodus-bundler": "2.0.4",
}
_SKIP_PARTS = {"tests", "test", "docs", "doc", "examples", "example", "build", "benchmarks"}


@dataclass(frozen=True)
class Candidate:
    """A definition whose human docstring will be stripped: where it is and what it said."""

    repo: str
    path: str  # relative to the project's root
    qualname: str
    docstring: str  # the human docstring, cleaned (ast.get_docstring)
    start: int  # 1-based first and last line of the docstring statement in the original file
    end: int


def fetch_sdist(name: str, version: str, downloads: Path) -> Path:
    """The sdist of `name==version`, downloaded with pip into `downloads` unless already there."""
    downloads.mkdir(parents=True, exist_ok=True)
    def normal(text: str) -> str:
        return re.sub(r"[-_.]+", "_", text).lower()

    wanted = normal(f"{name}-{version}-")
    found = [p for p in downloads.glob("*.tar.gz") if normal(p.name).startswith(wanted) or normal(p.name) == normal(f"{name}-{version}.tar.gz")]
    if not found:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q", "-d", str(downloads), f"{name}=={version}"]
        subprocess.run(command, check=True, timeout=600, capture_output=True)
        return fetch_sdist(name, version, downloads)
    return found[0]


def unpack(archive: Path, destination: Path) -> Path:
    """Extract `archive` into `destination`; the folder it holds (name-version)."""
    with tarfile.open(archive) as tar:
        tar.extractall(destination, filter="data")
    (root,) = [p for p in destination.iterdir() if p.is_dir()]
    return root


def _python_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if not (_SKIP_PARTS & set(relative.parts[:-1])) and relative.name not in ("setup.py", "conftest.py"):
            yield path


def _documents_params(docstring: str) -> bool:
    try:
        return bool(docstring_parser.parse(docstring).params)
    except docstring_parser.ParseError:
        return False


def _signature_params(definition: Definition) -> list[str]:
    if isinstance(definition, ast.ClassDef):
        init = next((s for s in definition.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
        if init is None:
            return []
        definition = init
    arguments = definition.args
    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    names += [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return [n for n in names if n not in ("self", "cls")]


def _strippable(definition: Definition, lines: list[str]) -> tuple[int, int] | None:
    """The docstring's lines when they hold nothing else and the body goes on after it."""
    node = docstring_node(definition)
    if node is None or len(definition.body) < 2 or node.end_lineno is None or node.end_col_offset is None:
        return None
    before = lines[node.lineno - 1][: node.col_offset]
    after = lines[node.end_lineno - 1][node.end_col_offset :]
    if before.strip() or after.strip() or node.lineno == definition.lineno:
        return None
    return node.lineno, node.end_lineno


def candidates(repo: str, root: Path) -> list[Candidate]:
    """Every definition of the project that qualifies, in path and line order."""
    settings = Settings(root=str(root))
    found: list[Candidate] = []
    for path in _python_files(root):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        lines = split_lines(text)
        spans: dict[str, tuple[int, int, str]] = {}
        for definition, scope in walk_definitions(tree):
            docstring = ast.get_docstring(definition)
            span = _strippable(definition, lines)
            if docstring and span and _documents_params(docstring) and _signature_params(definition):
                spans[scope.qualname] = (*span, docstring)
        if not spans:
            continue
        # Keep only what the tool would target once its docstring is gone (its default policy).
        stripped = strip_text(text, [(s, e) for s, e, _ in spans.values()])
        relative = str(path.relative_to(root))
        targets = find_targets(ast.parse(stripped), split_lines(stripped), relative, settings).targets
        targeted = {t.qualname for t in targets}
        for qualname, (start, end, docstring) in spans.items():
            if qualname in targeted:
                found.append(Candidate(repo, relative, qualname, docstring, start, end))
    return found


def pick(pool: Sequence[Candidate], count: int, seed: int) -> list[Candidate]:
    """A fixed sample: `count` candidates drawn with `seed`, in path and line order."""
    chosen = random.Random(seed).sample(list(pool), min(count, len(pool)))
    return sorted(chosen, key=lambda c: (c.path, c.start))


def strip_text(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` without the given 1-based line ranges; every other character as it was."""
    lines = split_lines(text)
    drop = {n for start, end in spans for n in range(start, end + 1)}
    return "".join(line for number, line in enumerate(lines, 1) if number not in drop)


def strip_sample(root: Path, sample: Sequence[Candidate]) -> None:
    """Remove the sample's docstrings from the files under `root`, proving with `ast` that nothing else changed."""
    by_path: dict[str, list[Candidate]] = {}
    for candidate in sample:
        by_path.setdefault(candidate.path, []).append(candidate)
    for relative, chosen in by_path.items():
        path = root / relative
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        stripped = strip_text(text, [(c.start, c.end) for c in chosen])
        _prove(text, stripped, {c.qualname for c in chosen})
        path.write_bytes(stripped.encode("utf-8"))


def _prove(original: str, stripped: str, qualnames: set[str]) -> None:
    """The stripped module is the original with exactly those docstrings removed."""
    expected = ast.parse(original)
    for definition, scope in walk_definitions(expected):
        if scope.qualname in qualnames:
            node = docstring_node(definition)
            assert node is not None
            definition.body.remove(node)
    if ast.dump(expected) != ast.dump(ast.parse(stripped)):
        raise AssertionError("stripping changed more than the docstrings")


def git_commit(root: Path, message: str) -> None:
    """Make `root` a git repository (if it is not) and commit everything in it."""
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, timeout=120, capture_output=True)

    if not (root / ".git").exists():
        git("init", "-q", "-b", "main")
        git("config", "user.email", "bench@example.invalid")
        git("config", "user.name", "quality bench")
    git("add", "-A")
    git("commit", "-q", "--allow-empty", "-m", message)
