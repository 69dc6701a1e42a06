"""Insert docstring literals into a module, touching nothing else.

One LibCST transformer pass inserts every docstring of a file. Definitions
are found by the line of their `def`/`class` keyword. The literal for each is
asked of a callback once the body's absolute indentation is known, because
continuation lines of a multi-line docstring must carry that indentation.

Lines come from `ast`, paired with LibCST's definitions by order: both
trees hold the same `def`/`class` statements, and LibCST visits them in
source order of their keywords, which is `ast`'s (line, column) order.
That costs an `ast.parse`; LibCST's PositionProvider, which would tell the
same, costs far more (bench/README.md, rewrite throughput). Should the two ever disagree on
the number of definitions, PositionProvider decides.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from docstring_hook.source.spacing import IN_A_BLOCK, MODULE_LEVEL, after_docstring, after_split_definitions

_Def = TypeVar("_Def", cst.FunctionDef, cst.ClassDef)
_Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement

# Asked with (def line, absolute body indentation, newline), returns the literal.
LiteralFor = Callable[[int, str, str], str]

_TYPE_COMMENT = re.compile(r"#\s*type:")
# The only nodes a definition can stand in. Visiting nothing else (expressions,
# simple statements) leaves the output alone and saves time (bench/README.md).
_MAY_HOLD_DEFINITIONS = (
    cst.Module,
    cst.BaseCompoundStatement,
    cst.BaseSuite,
    cst.Else,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Finally,
    cst.MatchCase,
)
_NOT_REPRODUCED = "LibCST does not reproduce this file byte for byte"


@dataclass
class RewriteResult:
    """The new source, and the definitions that could not take a docstring."""

    text: str
    inserted: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def insert_docstrings(source: str, lines: Collection[int], literal_for: LiteralFor) -> RewriteResult:
    """Return `source` with a docstring inserted at each definition in `lines`."""
    module = cst.parse_module(source)
    if module.code != source:
        # LibCST drops a little whitespace on rare layouts (`except E :` in 1.x);
        # its output would change such a file beyond the docstrings.
        return RewriteResult(source, refused=dict.fromkeys(lines, _NOT_REPRODUCED))
    keyword_lines = _keyword_lines_in_order(source)
    transformer = _Inserter(set(lines), literal_for, module.default_indent, module.default_newline, keyword_lines)
    if keyword_lines is not None and len(keyword_lines) == _count_definitions(module):
        new_module = module.visit(transformer)
    else:
        transformer.keyword_lines = None
        new_module = MetadataWrapper(module, unsafe_skip_copy=True).visit(transformer)
    return RewriteResult(new_module.code, sorted(transformer.inserted), transformer.refused)


def _keyword_lines_in_order(source: str) -> list[int] | None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return None
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    found = [(n.lineno, n.col_offset) for n in ast.walk(tree) if isinstance(n, definitions)]
    return [line for line, _ in sorted(found)]


def _count_definitions(module: cst.Module) -> int:
    counter = _DefinitionCounter()
    module.visit(counter)
    return counter.count


class _DefinitionCounter(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Go down only where a definition may be; count the definitions."""
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            self.count += 1
        return isinstance(node, _MAY_HOLD_DEFINITIONS)


class _Inserter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self,
        lines: set[int],
        literal_for: LiteralFor,
        default_indent: str,
        newline: str,
        keyword_lines: list[int] | None,
    ) -> None:
        super().__init__()
        self.keyword_lines = keyword_lines  # None: ask PositionProvider
        self._visited = 0
        self._def_lines: list[int] = []
        self._newline = newline
        self._lines = lines
        self._literal_for = literal_for
        self._default_indent = default_indent
        self._indents: list[str] = []
        self.inserted: list[int] = []
        self.refused: dict[int, str] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Go down only where a definition may be; note each definition's line on the way."""
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            self._def_lines.append(self._line_of(node))
        return isinstance(node, _MAY_HOLD_DEFINITIONS) and super().on_visit(node)

    def _line_of(self, node: cst.CSTNode) -> int:
        if self.keyword_lines is None:
            return self.get_metadata(PositionProvider, node).start.line
        self._visited += 1
        return self.keyword_lines[self._visited - 1]

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        """Enter a block: its indent adds to the absolute indentation."""
        self._indents.append(self._default_indent if node.indent is None else node.indent)

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        """Leave a block; a definition we split gets blank lines before the next one."""
        self._indents.pop()
        return updated_node.with_changes(
            body=after_split_definitions(original_node.body, updated_node.body, IN_A_BLOCK)
        )

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """Leave the module; a definition we split gets blank lines before the next one."""
        return updated_node.with_changes(
            body=after_split_definitions(original_node.body, updated_node.body, MODULE_LEVEL)
        )

    def visit_Match(self, node: cst.Match) -> None:
        """Enter a `match`: its cases stand one indent deeper, outside any IndentedBlock."""
        self._indents.append(self._default_indent if node.indent is None else node.indent)

    def leave_Match(self, original_node: cst.Match, updated_node: cst.Match) -> cst.Match:
        """Leave a `match`, unchanged."""
        self._indents.pop()
        return updated_node

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        """Give a target function its docstring."""
        return self._insert(original_node, updated_node, is_class=False)

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        """Give a target class its docstring."""
        return self._insert(original_node, updated_node, is_class=True)

    def _insert(self, original: _Def, updated: _Def, *, is_class: bool) -> _Def:
        line = self._def_lines.pop()
        if line not in self._lines:
            return updated
        body = updated.body
        if isinstance(body, cst.IndentedBlock):
            # The block's own indent was popped on leaving it: add it back.
            indent = "".join(self._indents) + (self._default_indent if body.indent is None else body.indent)
        else:
            indent = "".join(self._indents) + self._default_indent
        if _is_blank_docstring(body.body[0]) and not isinstance(body, cst.IndentedBlock):
            self.refused[line] = "blank docstring shares its line with the definition"
            return updated
        if (
            isinstance(body, cst.IndentedBlock)
            and _is_blank_docstring(body.body[0])
            and not _alone_on_line(body.body[0])
        ):
            self.refused[line] = "blank docstring shares its line with other statements"
            return updated
        docstring = _docstring_line(self._literal_for(line, indent, self._newline))
        self.inserted.append(line)
        if isinstance(body, cst.SimpleStatementSuite):
            return updated.with_changes(body=_split_suite(body, docstring, is_class))
        assert isinstance(body, cst.IndentedBlock)  # the only other suite LibCST has
        return updated.with_changes(body=_into_block(body, docstring, is_class))


def _docstring_line(literal: str) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[cst.Expr(cst.SimpleString(literal))])


def _is_blank_docstring(statement: cst.BaseStatement | cst.BaseSmallStatement) -> bool:
    small = statement
    if isinstance(statement, cst.SimpleStatementLine):
        small = statement.body[0]
    if not isinstance(small, cst.Expr) or not isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)):
        return False
    value = small.value.evaluated_value
    return isinstance(value, str) and not value.strip()


def _alone_on_line(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1


def _split_suite(
    suite: cst.SimpleStatementSuite, docstring: cst.SimpleStatementLine, is_class: bool
) -> cst.IndentedBlock:
    """`def f(): return 1` becomes a block; the rest of the line moves below."""
    rest = cst.SimpleStatementLine(body=suite.body, trailing_whitespace=suite.trailing_whitespace)
    if is_class:
        rest = rest.with_changes(leading_lines=[_blank_line()])
    return cst.IndentedBlock(body=[docstring, rest])


def _into_block(block: cst.IndentedBlock, docstring: cst.SimpleStatementLine, is_class: bool) -> cst.IndentedBlock:
    first, rest = block.body[0], list(block.body[1:])
    if _is_blank_docstring(first):
        assert isinstance(first, cst.SimpleStatementLine)
        replaced = docstring.with_changes(
            leading_lines=first.leading_lines, trailing_whitespace=first.trailing_whitespace
        )
        return block.with_changes(body=[replaced, *after_docstring(rest, is_class)])
    assert isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement))  # every statement LibCST has
    kept, moved = _split_type_comment(first.leading_lines)
    docstring = docstring.with_changes(leading_lines=kept)
    first = first.with_changes(leading_lines=moved)
    return block.with_changes(body=[docstring, *after_docstring([first, *rest], is_class)])


def _split_type_comment(leading: Sequence[cst.EmptyLine]) -> tuple[list[cst.EmptyLine], list[cst.EmptyLine]]:
    """A `# type:` signature comment must stay directly below the `def` line."""
    if leading and leading[0].comment is not None and _TYPE_COMMENT.match(leading[0].comment.value):
        return [leading[0]], list(leading[1:])
    return [], list(leading)


def _blank_line() -> cst.EmptyLine:
    return cst.EmptyLine(indent=False)
