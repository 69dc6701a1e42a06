"""Which definitions lack a docstring and are selected for one.

The finder works on `ast`, not LibCST: it is what `--check` and every no-op
commit pay for, and `ast` parses an order of magnitude faster. Targets are
identified by the line of their `def`/`class` keyword, which LibCST reports
identically, so the rewriter can find them again in its own tree.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePath

from docstring_hook.config import DEFAULT_NEVER_SEND, Settings
from docstring_hook.datatypes import Target, TargetKind
from docstring_hook.repo.files import is_excluded
from docstring_hook.source.definitions import Definition, Scope, docstring_node, has_docstring, walk_definitions

SKIP_PRAGMA = "docstring-hook: skip"
SKIP_FILE_PRAGMA = "docstring-hook: skip-file"
# Split so that this file does not carry the marker it looks for.
GENERATED_MARKER = "@" + "generated"


def is_test_file(path: str) -> bool:
    """Files pytest collects, and conftest.py."""
    name = PurePath(path).name
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def never_send(path: str, settings: Settings) -> bool:
    """Whether `path` matches a `never-send` glob (the defaults always apply).

    Globs read as `exclude` reads them, except that a leading `**/` also
    matches at the root: `**/secrets*` matches `secrets.py` and `app/secrets/x.py`.
    """
    globs = [_anywhere(glob) for glob in (*DEFAULT_NEVER_SEND, *settings.never_send)]
    return is_excluded(path, settings.root, globs)


def _anywhere(glob: str) -> str:
    rest = glob.removeprefix("**/")
    return rest if "/" not in rest else glob


def skips_whole_file(source: str, settings: Settings) -> str | None:
    """Why a whole file is passed over, or None."""
    if SKIP_FILE_PRAGMA in source:
        return "skip-file pragma"
    if settings.skip_generated and GENERATED_MARKER in source[:4096]:
        return "generated file"
    return None


@dataclass(frozen=True)
class Findings:
    """The targets of a file, and how many definitions the policy selected."""

    targets: list[Target]
    selected: int


def find_targets(
    tree: ast.Module,
    lines: list[str],
    path: str,
    settings: Settings,
    changed_lines: Collection[int] | None = None,
) -> Findings:
    """Definitions lacking a docstring that the policy selects, in file order.

    `lines` are the source's lines (for pragmas); with `changed_lines`, only
    definitions whose lines (decorators included) intersect them count.
    """
    if settings.ignore_tests and is_test_file(path):
        return Findings([], 0)
    if settings.ignore_stubs and path.endswith(".pyi"):
        return Findings([], 0)
    module = _module_of(tree)
    targets = []
    selected = 0
    for definition, scope in walk_definitions(tree):
        if not _selected(definition, scope, lines, settings, module):
            continue
        if changed_lines is not None and not _touches(definition, changed_lines):
            continue
        selected += 1
        if not has_docstring(definition) and not _doc_assigned(definition, scope, module):
            targets.append(Target(path, scope.qualname, definition.lineno, _kind(definition, scope)))
    return Findings(sorted(targets, key=lambda t: t.line), selected)


@dataclass(frozen=True)
class _Module:
    """What selecting a definition needs to know of its whole module."""

    imports_ply: bool
    aliases: Mapping[str, str]  # local name -> the dotted name it was imported as
    doc_assigned: frozenset[str]  # `X` and `A.b` of every `X.__doc__ = ...`, `A.b.__doc__ = ...`


def _module_of(tree: ast.Module) -> _Module:
    aliases: dict[str, str] = {}
    imported: list[str] = []
    doc_assigned: set[str] = set()
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            imported.extend(a.name for a in node.names)
            aliases.update({a.asname: a.name for a in node.names if a.asname})
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.append(node.module)
            aliases.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            doc_assigned.update(
                _dotted(t.value) for t in targets if isinstance(t, ast.Attribute) and t.attr == "__doc__"
            )
    imports_ply = any(name == "ply" or name.startswith("ply.") for name in imported)
    return _Module(imports_ply, aliases, frozenset(doc_assigned))


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, nested ones included, without walking expressions.

    Imports and assignments are statements: skipping the expressions, most
    of a tree's nodes, makes this a small part of a scan.
    """
    for statement in body:
        yield statement
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(statement, name, None)
            if isinstance(inner, list):
                yield from _statements(inner)
        for handler in getattr(statement, "handlers", ()):
            yield from _statements(handler.body)
        for case in getattr(statement, "cases", ()):
            yield from _statements(case.body)


def _doc_assigned(definition: Definition, scope: Scope, module: _Module) -> bool:
    """`__doc__` set by assignment: the documentation exists, written as code."""
    if isinstance(definition, ast.ClassDef) and any(
        isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__doc__" for t in s.targets)
        for s in definition.body
    ):
        return True
    return scope.qualname in module.doc_assigned or definition.name in module.doc_assigned


def _docstring_is_not_documentation(definition: Definition, scope: Scope, settings: Settings, module: _Module) -> bool:
    """Definitions whose docstring code reads as data, and `...` stubs of a Protocol."""
    if settings.ignore_stubs and _is_protocol_stub(definition, scope):
        return True
    if isinstance(definition, ast.ClassDef):
        return False
    if settings.ignore_ply and module.imports_ply and _is_ply_rule(definition, scope):
        return True
    names = {n for d in definition.decorator_list for n in _decorator_names(d, module.aliases)}
    return any(fnmatch.fnmatchcase(n, p) for n in names for p in settings.data_docstring_decorators)


def _is_ply_rule(definition: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> bool:
    """A PLY grammar rule or token: its docstring is the grammar or the regex.

    yacc and lex collect every `p_`/`t_` function of one argument (`p`, `t`),
    or of `self` and one argument in a class passed as `module=`.
    """
    arguments = definition.args
    positional = [*arguments.posonlyargs, *arguments.args][1 if scope.in_class else 0 :]
    one = len(positional) == 1 and not (arguments.vararg or arguments.kwonlyargs or arguments.kwarg)
    return definition.name.startswith(("p_", "t_")) and one


def _is_protocol_stub(definition: Definition, scope: Scope) -> bool:
    body = definition.body[1:] if docstring_node(definition) is not None else definition.body
    only_ellipsis = bool(body) and all(
        isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and s.value.value is Ellipsis for s in body
    )
    in_protocol = scope.in_class and _is_protocol(scope.parents[-1])  # type: ignore[arg-type]
    return only_ellipsis and (in_protocol or (isinstance(definition, ast.ClassDef) and _is_protocol(definition)))


def _is_protocol(definition: ast.ClassDef) -> bool:
    bases = [b.value if isinstance(b, ast.Subscript) else b for b in definition.bases]
    return any(_dotted(b) == "Protocol" or _dotted(b).endswith(".Protocol") for b in bases)


def _kind(definition: Definition, scope: Scope) -> TargetKind:
    if isinstance(definition, ast.ClassDef):
        return TargetKind.CLASS
    return TargetKind.METHOD if scope.in_class else TargetKind.FUNCTION


def _touches(definition: Definition, changed_lines: Collection[int]) -> bool:
    first = min([definition.lineno, *(d.lineno for d in definition.decorator_list)])
    last = definition.end_lineno or definition.lineno
    return any(first <= line <= last for line in changed_lines)


def _selected(definition: Definition, scope: Scope, lines: list[str], settings: Settings, module: _Module) -> bool:
    name = definition.name
    if _has_pragma(definition, lines):
        return False
    if settings.include_regex and not any(re.search(p, scope.qualname) for p in settings.include_regex):
        return False
    if any(re.search(p, scope.qualname) for p in settings.exclude_regex):
        return False
    if _docstring_is_not_documentation(definition, scope, settings, module):
        return False
    if isinstance(definition, ast.ClassDef):
        return _class_selected(name, scope, settings)
    return _function_selected(definition, scope, settings)


def _class_selected(name: str, scope: Scope, settings: Settings) -> bool:
    if settings.ignore_nested_classes and scope.parents:
        return False
    if settings.ignore_tests and name.startswith("Test"):
        return False
    return _name_selected(name, settings)


def _function_selected(definition: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, settings: Settings) -> bool:
    name = definition.name
    decorators = {_decorator_name(d) for d in definition.decorator_list}
    if settings.ignore_nested_functions and scope.in_function:
        return False
    if settings.ignore_tests and (name.startswith("test_") or name == "test"):
        return False
    if settings.ignore_overloaded_functions and decorators & {"overload", "typing.overload"}:
        return False
    if settings.ignore_setters and any(d.endswith((".setter", ".deleter")) for d in decorators):
        return False
    if _statement_count(definition) < settings.min_statements:
        return False
    if name == "__init__":
        return not settings.ignore_init_method
    return _name_selected(name, settings)


def _name_selected(name: str, settings: Settings) -> bool:
    if name.startswith("__") and name.endswith("__"):
        return not settings.ignore_magic
    if name.startswith("__"):
        return not settings.ignore_private
    if name.startswith("_"):
        return not settings.ignore_semiprivate
    return True


def _statement_count(definition: Definition) -> int:
    body = definition.body
    return len(body) - (1 if docstring_node(definition) is not None else 0)


def _decorator_name(decorator: ast.expr) -> str:
    name = _dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
    return "typing.overload" if name.endswith(".overload") else name


def _decorator_names(decorator: ast.expr, aliases: Mapping[str, str]) -> set[str]:
    """The decorator's dotted name as written and as imported: `dsc.command`, `docopt_subcommands.command`."""
    written = _dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
    head, dot, rest = written.partition(".")
    return {written, aliases[head] + dot + rest} if head in aliases else {written}


def _dotted(node: ast.expr) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _has_pragma(definition: Definition, lines: list[str]) -> bool:
    """The pragma may stand on any line of the header, decorators included."""
    first = min([definition.lineno, *(d.lineno for d in definition.decorator_list)])
    last = max(definition.lineno, definition.body[0].lineno - 1)
    return any(SKIP_PRAGMA in line and SKIP_FILE_PRAGMA not in line for line in lines[first - 1 : last])
