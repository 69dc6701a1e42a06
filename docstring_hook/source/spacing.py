"""The blank lines black and ruff format want around what the rewriter changed.

A black- or ruff-formatted file must stay formatted once documented. The
formatters (those `.[test]` installs; tests/test_spacing.py runs them on
every layout below, tests/test_formatters.py on formatted standard-library
packages) want exactly these blank lines where we insert:

- after a class docstring, one blank line, whatever follows;
- after a function docstring, one blank line when the next statement is a
  definition (`def`, `async def`, `class`, decorated or not), put above the
  comments that stand directly on top of it;
- after a one-line definition we split (`def f(): ...` becomes a block),
  before a definition that followed it directly: two blank lines at module
  level, one in a block (formatters let one-line stubs touch, not blocks).

None is added where the layout already has a blank line in that place (for
a class docstring: directly below it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import libcst as cst

_Statement = TypeVar("_Statement", bound=cst.BaseStatement)

# Blank lines formatters put between a definition and the next one at module level.
MODULE_LEVEL = 2
IN_A_BLOCK = 1


def after_docstring(statements: Sequence[cst.BaseStatement], is_class: bool) -> list[cst.BaseStatement]:
    """The statements that follow an inserted docstring, with the blank line formatters want above them."""
    if not statements:
        return []
    first = statements[0]
    leading = _leading(first)
    if is_class:
        # Directly after the docstring: a blank line further down does not do.
        wanted = not leading or leading[0].comment is not None
    else:
        wanted = _is_definition(first) and not _has_blank(leading)
    if not wanted:
        return list(statements)
    return [_with_blank_lines(first, 1), *statements[1:]]


def after_split_definitions(
    original: Sequence[cst.BaseStatement], updated: Sequence[cst.BaseStatement], blank_lines: int
) -> list[cst.BaseStatement]:
    """A block's statements, with `blank_lines` before each definition that follows one we split."""
    result = list(updated)
    for index in range(1, len(result)):
        statement = result[index]
        if (
            _was_split(original[index - 1], result[index - 1])
            and _is_definition(statement)
            and not _has_blank(_leading(statement))
        ):
            result[index] = _with_blank_lines(statement, blank_lines)
    return result


def _was_split(original: cst.BaseStatement, updated: cst.BaseStatement) -> bool:
    """Only the rewriter turns a definition's one-line suite into a block."""
    return (
        isinstance(original, (cst.FunctionDef, cst.ClassDef))
        and isinstance(original.body, cst.SimpleStatementSuite)
        and isinstance(updated, (cst.FunctionDef, cst.ClassDef))
        and isinstance(updated.body, cst.IndentedBlock)
    )


def _is_definition(statement: cst.BaseStatement) -> bool:
    # LibCST keeps decorators and `async` inside these two nodes.
    return isinstance(statement, (cst.FunctionDef, cst.ClassDef))


def _leading(statement: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    """The comment and blank lines above a statement (above its decorators for a definition)."""
    assert isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement))  # every statement LibCST has
    return statement.leading_lines


def _has_blank(leading: Sequence[cst.EmptyLine]) -> bool:
    return any(line.comment is None for line in leading)


def _with_blank_lines(statement: _Statement, count: int) -> _Statement:
    leading = _leading(statement)
    blanks = [cst.EmptyLine(indent=False) for _ in range(count)]
    return statement.with_changes(leading_lines=[*blanks, *leading])
