"""What the code says about a definition: the input to prompts and validation.

Facts leave `describe_file` with their secrets already masked (see
`redact`): whatever is built from them, prompts, cache keys,
`--show-prompt`, cannot hold one.
"""

from __future__ import annotations

import ast
import dataclasses
import textwrap
from dataclasses import dataclass

from docstring_hook.datatypes import FunctionFacts, Param, ParamKind, Target, TargetKind
from docstring_hook.redact import redact_facts
from docstring_hook.source.body import own_nodes, raised
from docstring_hook.source.context import Where, context_of
from docstring_hook.source.definitions import Definition, Scope, walk_definitions
from docstring_hook.source.names import module_names
from docstring_hook.source.returns import return_kinds

_BRANCHES = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.ExceptHandler,
    ast.IfExp,
    ast.With,
    ast.AsyncWith,
    ast.Assert,
    ast.comprehension,
    ast.match_case,
)


@dataclass(frozen=True)
class Described:
    """Redacted facts for each target, and how many values were masked in each, keyed by line."""

    facts: dict[int, FunctionFacts]
    redactions: dict[int, int]


def describe_file(
    tree: ast.Module,
    lines: list[str],
    targets: list[Target],
    symbols: frozenset[str] | None = None,
    where: Where | None = None,
) -> Described:
    """Facts for each target, secrets masked, keyed by its line.

    With the repository's `symbols`, each target's facts carry the names its
    docstring may mention (those and the module's own); without, names go unchecked.
    With `where`, they carry their repository context (`source.context`); without, none.
    """
    wanted = {t.line: t for t in targets}
    module_summary = _summary(ast.get_docstring(tree))
    known = None if symbols is None else symbols | module_names(tree)
    described = Described({}, {})
    for definition, scope in walk_definitions(tree):
        target = wanted.get(definition.lineno)
        if target is not None and target.qualname == scope.qualname:
            facts = dataclasses.replace(describe(definition, scope, target, lines, module_summary), known_names=known)
            if where is not None:
                facts = dataclasses.replace(facts, context=context_of(definition, scope, tree, where))
            facts, count = redact_facts(facts)
            described.facts[target.line] = facts
            described.redactions[target.line] = count
    return described


def describe(
    definition: Definition, scope: Scope, target: Target, lines: list[str], module_summary: str | None
) -> FunctionFacts:
    """The facts of one definition, as written: secrets not masked."""
    enclosing = scope.parents[-1] if scope.in_class else None
    common = {
        "target": target,
        "source": _source(definition, lines),
        "body_column": _body_column(definition, lines),
        "decorators": tuple(ast.unparse(d) for d in definition.decorator_list),
        "class_name": enclosing.name if enclosing else None,
        "class_summary": _summary(ast.get_docstring(enclosing)) if enclosing else None,
        "module_summary": module_summary,
    }
    if isinstance(definition, ast.ClassDef):
        init = _init_of(definition)
        params = _params(init, drop_first=True) if init else ()
        return FunctionFacts(params=params, raises=(), **common)  # type: ignore[arg-type]
    own = list(own_nodes(definition))
    is_method = target.kind is TargetKind.METHOD and not _is_static(definition)
    return FunctionFacts(
        params=_params(definition, drop_first=is_method),
        returns=ast.unparse(definition.returns) if definition.returns else None,
        returns_value=any(isinstance(n, ast.Return) and n.value is not None and not _is_none(n.value) for n in own),
        is_async=isinstance(definition, ast.AsyncFunctionDef),
        is_generator=any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own),
        raises=raised(definition),
        complexity=1
        + sum(isinstance(n, _BRANCHES) for n in own)
        + sum(len(n.values) - 1 for n in own if isinstance(n, ast.BoolOp)),
        return_kinds=return_kinds(
            definition, enclosing.name if enclosing else None, _first_param(definition) if is_method else None
        ),
        **common,  # type: ignore[arg-type]
    )


def _body_column(definition: Definition, lines: list[str]) -> int:
    """Where the body's lines start: a docstring goes there (a one-line suite gets one indent more)."""
    first = definition.body[0]
    if first.lineno > definition.lineno:
        line = lines[first.lineno - 1]
        return len(line[: len(line) - len(line.lstrip(" \t"))].expandtabs(4))
    line = lines[definition.lineno - 1]
    return len(line[: len(line) - len(line.lstrip(" \t"))].expandtabs(4)) + 4


def _summary(docstring: str | None) -> str | None:
    if not docstring or not docstring.strip():
        return None
    return docstring.strip().splitlines()[0].strip()


def _source(definition: Definition, lines: list[str]) -> str:
    first = min([definition.lineno, *(d.lineno for d in definition.decorator_list)])
    last = definition.end_lineno or definition.lineno
    text = "".join(lines[first - 1 : last])
    return textwrap.dedent(text.replace("\r\n", "\n").replace("\r", "\n")).rstrip() + "\n"


def _init_of(definition: ast.ClassDef) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for statement in definition.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == "__init__":
            return statement
    return None


def _is_static(definition: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in definition.decorator_list)


def _first_param(definition: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    positional = [*definition.args.posonlyargs, *definition.args.args]
    return positional[0].arg if positional else None


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _params(definition: ast.FunctionDef | ast.AsyncFunctionDef, *, drop_first: bool) -> tuple[Param, ...]:
    arguments = definition.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    params = []
    for index, (argument, default) in enumerate(zip(positional, defaults)):
        kind = ParamKind.POSITIONAL_ONLY if index < len(arguments.posonlyargs) else ParamKind.POSITIONAL_OR_KEYWORD
        params.append(_param(argument, kind, default))
    if drop_first and params:
        params.pop(0)
    if arguments.vararg:
        params.append(_param(arguments.vararg, ParamKind.VAR_POSITIONAL, None))
    for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        params.append(_param(argument, ParamKind.KEYWORD_ONLY, default))
    if arguments.kwarg:
        params.append(_param(arguments.kwarg, ParamKind.VAR_KEYWORD, None))
    return tuple(params)


def _param(argument: ast.arg, kind: ParamKind, default: ast.expr | None) -> Param:
    annotation = ast.unparse(argument.annotation) if argument.annotation else None
    return Param(argument.arg, kind, annotation, ast.unparse(default) if default else None)
