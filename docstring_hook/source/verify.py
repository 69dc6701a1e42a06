"""Prove a rewrite changed nothing but docstrings, before anything is written.

Three independent checks, none of which trusts the rewriter:
1. the new text parses, and its AST equals the old one once the docstrings of
   the rewritten definitions are removed from both;
2. each of those definitions now has exactly the docstring we meant;
3. every line of the old text is in the new one, byte for byte and in order,
   the only additions being the docstring lines themselves, a one-line suite
   split at its colon, and the blank lines black and ruff format want: one
   right after a class docstring, one right after a function docstring that
   a definition follows, and, right after a definition whose one-line suite
   was split, two (module level) or one (in a block) when a definition
   follows it. Each allowed line must be blank; none is required.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Mapping

from docstring_hook.lines import split_lines
from docstring_hook.source.definitions import Definition, docstring_node, walk_definitions

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class VerificationError(Exception):
    """The rewrite is not safe to write; the file is left alone."""


def verify(old: str, new: str, expected: Mapping[int, str]) -> None:
    """Raise `VerificationError` unless `new` is `old` plus the `expected` docstrings.

    `expected` maps the `def`/`class` line of each rewritten definition in
    `old` to the docstring value it must now have, as `inspect.cleandoc`
    leaves it (`Rendered.value`).
    """
    old_tree = _parse(old, "original")
    new_tree = _parse(new, "rewritten")
    pairs = _paired_definitions(old_tree, new_tree)
    old_lines, new_lines = split_lines(old), split_lines(new)
    old_docstring_lines: set[int] = set()
    new_docstring_lines: set[int] = set()
    blank_allowed: set[int] = set()
    followed = _followed_by_definition(new_tree)
    module_level = {id(statement) for statement in new_tree.body}
    for old_def, new_def in pairs:
        if old_def.lineno not in expected:
            continue
        _check_docstring(new_def, expected[old_def.lineno])
        split = _shares_header_line(old_def, old_lines)
        span = _span(_pop_docstring(new_def))
        new_docstring_lines |= span
        blank_allowed |= _after_docstring(new_def, max(span))
        if split and id(new_def) in followed:
            blank_allowed |= _after_split(new_def, id(new_def) in module_level)
        old_statement = docstring_node(old_def)
        if old_statement is not None:
            old_docstring_lines |= _span(_pop_docstring(old_def))
    missing = set(expected) - {o.lineno for o, _ in pairs}
    if missing:
        raise VerificationError(f"no definition at line(s) {sorted(missing)}")
    if ast.dump(old_tree) != ast.dump(new_tree):
        raise VerificationError("the code changed, not only docstrings")
    _check_lines(old_lines, new_lines, old_docstring_lines, new_docstring_lines, blank_allowed)


def _parse(text: str, which: str) -> ast.Module:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError) as error:
        raise VerificationError(f"the {which} text does not parse: {error}") from None


def _paired_definitions(old_tree: ast.Module, new_tree: ast.Module) -> list[tuple[Definition, Definition]]:
    old_defs = [d for d, _ in walk_definitions(old_tree)]
    new_defs = [d for d, _ in walk_definitions(new_tree)]
    if [d.name for d in old_defs] != [d.name for d in new_defs]:
        raise VerificationError("the definitions differ")
    return list(zip(old_defs, new_defs))


def _check_docstring(definition: Definition, value: str) -> None:
    # `value` is cleaned already; cleaning it again is no no-op: with no summary
    # line, cleandoc would dedent the sections that follow.
    actual = ast.get_docstring(definition, clean=True)
    if actual != value:
        raise VerificationError(f"line {definition.lineno}: the docstring is not the one rendered")


def _pop_docstring(definition: Definition) -> ast.stmt:
    statement = definition.body.pop(0)
    if not definition.body:
        # An empty body cannot be dumped the same way twice; mark it instead.
        definition.body.append(ast.Pass())
    return statement


def _span(statement: ast.stmt) -> set[int]:
    return set(range(statement.lineno, (statement.end_lineno or statement.lineno) + 1))


def _followed_by_definition(tree: ast.Module) -> set[int]:
    """The ids of the statements that a definition follows directly, in any block."""
    found: set[int] = set()
    for node in ast.walk(tree):
        for _, value in ast.iter_fields(node):
            if isinstance(value, list):
                for statement, after in itertools.pairwise(value):
                    if isinstance(after, _DEFINITIONS):
                        found.add(id(statement))
    return found


def _shares_header_line(definition: Definition, lines: list[str]) -> bool:
    """Whether the body began on the header's line (`def f(): x`): the rewriter splits such a suite."""
    first = definition.body[0]
    # `ast` counts columns in UTF-8 bytes.
    return bool(lines[first.lineno - 1].encode()[: first.col_offset].strip())


def _after_docstring(definition: Definition, docstring_end: int) -> set[int]:
    """After a class docstring, or a function docstring that a definition follows: one blank line.

    Called once the docstring is popped: `body[0]` is the statement that followed it.
    """
    if isinstance(definition, ast.ClassDef) or isinstance(definition.body[0], _DEFINITIONS):
        return {docstring_end + 1}
    return set()


def _after_split(definition: Definition, at_module_level: bool) -> set[int]:
    """After a split definition that another follows: two blank lines at module level, one in a block."""
    end = definition.end_lineno or definition.lineno
    return set(range(end + 1, end + 1 + (2 if at_module_level else 1)))


def _check_lines(
    old_lines: list[str],
    new_lines: list[str],
    old_docstring_lines: set[int],
    new_docstring_lines: set[int],
    blank_allowed: set[int],
) -> None:
    blank_allowed = {n for n in blank_allowed if _is_blank(new_lines, n)}
    old_kept = [(n, line) for n, line in enumerate(old_lines, 1) if n not in old_docstring_lines]
    new_kept = [(n, line) for n, line in enumerate(new_lines, 1) if n not in new_docstring_lines]
    i = j = 0
    while i < len(old_kept) and j < len(new_kept):
        old_line, (new_number, new_line) = old_kept[i][1], new_kept[j]
        if old_line == new_line:
            i, j = i + 1, j + 1
        elif new_number in blank_allowed:
            j += 1
        elif (tail := _next_code_line(new_kept, j + 1, blank_allowed)) < len(new_kept) and _is_split(
            old_line, new_line, new_kept[tail][1]
        ):
            i, j = i + 1, tail + 1
        else:
            raise VerificationError(f"line {old_kept[i][0]} changed: {old_line!r} -> {new_line!r}")
    if i < len(old_kept):
        raise VerificationError(f"line {old_kept[i][0]} is missing")
    for number, line in new_kept[j:]:
        if number not in blank_allowed:
            raise VerificationError(f"an unexpected line was added: {line!r}")


def _is_blank(lines: list[str], number: int) -> bool:
    """Nothing but the newline of the line above: no white space, no other line ending comes in."""
    if not 1 < number <= len(lines):
        return False
    above = lines[number - 2]
    return lines[number - 1] == above[len(above.rstrip("\r\n")) :] != ""


def _next_code_line(kept: list[tuple[int, str]], start: int, blank_allowed: set[int]) -> int:
    if start < len(kept) and kept[start][0] in blank_allowed:
        return start + 1
    return start


def _is_split(old_line: str, head: str, tail: str) -> bool:
    """`def f(): x` became `def f():` and, below the docstring, `    x`."""
    stripped_head = head.rstrip("\r\n")
    if not stripped_head.endswith(":") or not old_line.startswith(stripped_head):
        return False
    return old_line[len(stripped_head) :].lstrip(" \t") == tail.lstrip(" \t")
