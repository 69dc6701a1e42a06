"""Definitions in an `ast` tree: walking them, their scope, their docstring, and source lines.

The generic half of finding targets, shared by the finder, the facts and
the verifier; which definitions are selected is `find`'s business.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass(frozen=True)
class Scope:
    """Where a definition stands: its qualified name and what encloses it."""

    qualname: str
    parents: tuple[Definition, ...]

    @property
    def in_function(self) -> bool:
        """True inside any function, however deep."""
        return any(not isinstance(p, ast.ClassDef) for p in self.parents)

    @property
    def in_class(self) -> bool:
        """True when the nearest enclosing definition is a class."""
        return bool(self.parents) and isinstance(self.parents[-1], ast.ClassDef)


def walk_definitions(tree: ast.Module) -> Iterator[tuple[Definition, Scope]]:
    """Every function and class of a module, outer before inner, with its scope."""

    def visit(node: ast.AST, parents: tuple[Definition, ...], prefix: str) -> Iterator[tuple[Definition, Scope]]:
        for child in _child_definitions(node):
            qualname = prefix + child.name
            yield child, Scope(qualname, parents)
            yield from visit(child, (*parents, child), qualname + ".")

    return visit(tree, (), "")


# What can hold a statement: `except` handlers and `match` cases are not statements themselves.
_HOLDS_STATEMENTS = (ast.stmt, ast.excepthandler, ast.match_case)


def _child_definitions(node: ast.AST) -> Iterator[Definition]:
    """Definitions directly in `node`'s body, including inside if/try/except/match/with/loops."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield child
        elif isinstance(child, _HOLDS_STATEMENTS):
            yield from _child_definitions(child)


def docstring_node(definition: Definition | ast.Module) -> ast.Expr | None:
    """The statement holding the docstring, blank or not, if there is one."""
    body = definition.body
    if body and isinstance(body[0], ast.Expr):
        value = body[0].value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return body[0]
    return None


def has_docstring(definition: Definition) -> bool:
    """A docstring of only white space counts as missing."""
    node = docstring_node(definition)
    return node is not None and bool(str(node.value.value).strip())  # type: ignore[attr-defined]
