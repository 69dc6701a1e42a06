"""The code names a docstring may mention: the repository's symbols and a module's own names.

Built from the `ast` trees the run already parsed, once per run, with no
import of the user's code. What counts as a symbol: module names (each part
of the dotted path), functions, classes and methods at any depth, names
bound at module and class level, attributes assigned anywhere (`self.x = ...`)
and every imported name, as imported and as bound.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import PurePath


def module_parts(path: str) -> set[str]:
    """The names a file's module goes by: `pkg/sub/mod.py` gives `pkg`, `sub`, `mod`, `pkg.sub.mod`, `sub.mod`."""
    pure = PurePath(path)
    parts = [p for p in (*pure.parent.parts, pure.stem) if p.isidentifier()]
    if parts and parts[-1] == "__init__":
        parts.pop()
    dotted = {".".join(parts[start:]) for start in range(len(parts))}
    return set(parts) | dotted


def file_symbols(tree: ast.Module) -> set[str]:
    """The symbols one module defines or imports."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            if isinstance(node, ast.ClassDef):
                names.update(_bound(node.body))
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(_imported(node))
    names.update(_bound(tree.body))
    return names


def module_names(tree: ast.Module) -> set[str]:
    """Every identifier written in a module: its imports, globals, and the names its code uses."""
    names = file_symbols(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def repository_symbols(files: Iterable[tuple[str, ast.Module]]) -> frozenset[str]:
    """The symbols of every (path, tree) of the run, module names included."""
    names: set[str] = set()
    for path, tree in files:
        names |= module_parts(path)
        names |= file_symbols(tree)
    return frozenset(names)


def _imported(node: ast.Import | ast.ImportFrom) -> set[str]:
    names: set[str] = set()
    if isinstance(node, ast.ImportFrom) and node.module:
        names |= _dotted_prefixes(node.module)
    for alias in node.names:
        names |= _dotted_prefixes(alias.name)
        if alias.asname:
            names.add(alias.asname)
    return names


def _dotted_prefixes(name: str) -> set[str]:
    """`a.b.c` is known as `a`, `b`, `c`, `a.b` and `a.b.c`."""
    parts = name.split(".")
    return set(parts) | {".".join(parts[: end + 1]) for end in range(len(parts))}


def _bound(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for statement in body:
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
            targets = [statement.target]
        for target in targets:
            names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names
