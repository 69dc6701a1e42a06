"""Prove a rewrite changed nothing but docstrings, before anything is written.

Three independent checks, none of which trusts the rewriter:
1. the new text parses, and its AST equals the old one once the docstrings of
   the rewritten definitions are removed from both;
2. each of those definitions now has exactly the docstring we meant;
3. every line of the old text is in the new one, byte for byte and in order,
   the only additions being the docstring lines themselves (plus one blank
   line after a class docstring, and a one-line suite split at its colon).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from docstring_hook.lines import split_lines
from docstring_hook.source.definitions import Definition, docstring_node, walk_definitions


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
    old_docstring_lines: set[int] = set()
    new_docstring_lines: set[int] = set()
    class_docstring_ends: set[int] = set()
    for old_def, new_def in pairs:
        if old_def.lineno not in expected:
            continue
        _check_docstring(new_def, expected[old_def.lineno])
        span = _span(_pop_docstring(new_def))
        new_docstring_lines |= span
        if isinstance(new_def, ast.ClassDef):
            class_docstring_ends.add(max(span))
        old_statement = docstring_node(old_def)
        if old_statement is not None:
            old_docstring_lines |= _span(_pop_docstring(old_def))
    missing = set(expected) - {o.lineno for o, _ in pairs}
    if missing:
        raise VerificationError(f"no definition at line(s) {sorted(missing)}")
    if ast.dump(old_tree) != ast.dump(new_tree):
        raise VerificationError("the code changed, not only docstrings")
    _check_lines(split_lines(old), split_lines(new), old_docstring_lines, new_docstring_lines, class_docstring_ends)


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


def _check_lines(
    old_lines: list[str],
    new_lines: list[str],
    old_docstring_lines: set[int],
    new_docstring_lines: set[int],
    class_docstring_ends: set[int],
) -> None:
    blank_allowed = {end + 1 for end in class_docstring_ends}
    old_kept = [(n, line) for n, line in enumerate(old_lines, 1) if n not in old_docstring_lines]
    new_kept = [(n, line) for n, line in enumerate(new_lines, 1) if n not in new_docstring_lines]
    i = j = 0
    while i < len(old_kept) and j < len(new_kept):
        old_line, (new_number, new_line) = old_kept[i][1], new_kept[j]
        if old_line == new_line:
            i, j = i + 1, j + 1
        elif new_number in blank_allowed and not new_line.strip():
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
        if not (number in blank_allowed and not line.strip()):
            raise VerificationError(f"an unexpected line was added: {line!r}")


def _next_code_line(kept: list[tuple[int, str]], start: int, blank_allowed: set[int]) -> int:
    if start < len(kept) and kept[start][0] in blank_allowed and not kept[start][1].strip():
        return start + 1
    return start


def _is_split(old_line: str, head: str, tail: str) -> bool:
    """`def f(): x` became `def f():` and, below the docstring, `    x`."""
    stripped_head = head.rstrip("\r\n")
    if not stripped_head.endswith(":") or not old_line.startswith(stripped_head):
        return False
    return old_line[len(stripped_head) :].lstrip(" \t") == tail.lstrip(" \t")
