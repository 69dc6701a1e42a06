"""What a function's own frame runs: its nodes and the exceptions that leave it.

A nested `def`, `async def`, `class` or `lambda` has its own scope: its
`return`, `yield` and `raise` are not the enclosing function's. What such a
definition evaluates where it stands (decorators, defaults, annotations, a
class's bases and keywords) is the enclosing function's.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

Function = ast.FunctionDef | ast.AsyncFunctionDef
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def own_nodes(definition: Function | ast.ClassDef) -> Iterator[ast.AST]:
    """Every node of the body the definition's own frame evaluates, in source order."""
    stack: list[ast.AST] = list(reversed(definition.body))
    while stack:
        node = stack.pop()
        yield node
        children = evaluated_where_defined(node) if isinstance(node, _NESTED) else list(ast.iter_child_nodes(node))
        stack.extend(reversed(children))


def evaluated_where_defined(node: ast.AST) -> list[ast.AST]:
    """The parts of a nested definition that run when it is defined, not when it is called."""
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *node.keywords]
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return []
    arguments = node.args
    parts: list[ast.AST] = [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]
    if isinstance(node, ast.Lambda):
        return parts
    every = [*arguments.posonlyargs, *arguments.args, arguments.vararg, *arguments.kwonlyargs, arguments.kwarg]
    annotations = [a.annotation for a in every if a is not None and a.annotation is not None]
    return [*node.decorator_list, *parts, *annotations, *([node.returns] if node.returns else [])]


@dataclass(frozen=True)
class _Catch:
    """An enclosing `except` clause (or `suppress(...)`): what it stops; None for everything."""

    names: tuple[str, ...] | None


def raised(definition: Function) -> tuple[str, ...]:
    """Exceptions the body raises that no enclosing `except` of the body catches, in source order.

    A bare `raise` and `raise e` in `except E as e` re-raise E. An exception
    caught by a clause of the same body leaves the function only if that
    clause raises it again, which the walk sees there.
    """
    found: dict[str, None] = {}
    _walk(definition.body, (), {}, None, found)
    return tuple(found)


def _walk(
    block: Sequence[ast.stmt],
    catches: tuple[_Catch, ...],
    bound: Mapping[str, tuple[str, ...]],
    handling: tuple[str, ...] | None,
    found: dict[str, None],
) -> None:
    for statement in block:
        if isinstance(statement, ast.Raise):
            for name in _raised_names(statement, bound, handling):
                if not any(_catches(catch, name) for catch in catches):
                    found[name] = None
        elif isinstance(statement, (ast.Try, ast.TryStar)):
            _walk_try(statement, catches, bound, handling, found)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            inner = tuple(_Catch(names) for names in map(_suppressed, statement.items) if names)
            _walk(statement.body, (*inner, *catches), bound, handling, found)
        elif not isinstance(statement, _NESTED):
            for name in ("body", "orelse", "finalbody"):
                _walk(getattr(statement, name, []), catches, bound, handling, found)
            for case in getattr(statement, "cases", []):
                _walk(case.body, catches, bound, handling, found)


def _walk_try(
    statement: ast.Try | ast.TryStar,
    catches: tuple[_Catch, ...],
    bound: Mapping[str, tuple[str, ...]],
    handling: tuple[str, ...] | None,
    found: dict[str, None],
) -> None:
    clauses = [(handler, _handled(handler)) for handler in statement.handlers]
    _walk(statement.body, (*(_Catch(names) for _, names in clauses), *catches), bound, handling, found)
    for handler, names in clauses:
        inner = {**bound, handler.name: names or ()} if handler.name else bound
        _walk(handler.body, catches, inner, names or (), found)
    _walk(statement.orelse, catches, bound, handling, found)
    _walk(statement.finalbody, catches, bound, handling, found)


def _raised_names(
    statement: ast.Raise, bound: Mapping[str, tuple[str, ...]], handling: tuple[str, ...] | None
) -> tuple[str, ...]:
    if statement.exc is None:
        return handling or ()
    exception = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
    if isinstance(exception, ast.Name) and exception.id in bound:
        return bound[exception.id]
    if isinstance(exception, (ast.Name, ast.Attribute)):
        return (ast.unparse(exception),)
    return ()


def _handled(handler: ast.ExceptHandler) -> tuple[str, ...] | None:
    """The names an `except` clause catches; None for a bare `except:`."""
    if handler.type is None:
        return None
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return tuple(ast.unparse(t) for t in types if isinstance(t, (ast.Name, ast.Attribute)))


def _suppressed(item: ast.withitem) -> tuple[str, ...]:
    """The exceptions `with suppress(A, B):` (contextlib's) stops."""
    call = item.context_expr
    if not isinstance(call, ast.Call) or not ast.unparse(call.func).endswith("suppress"):
        return ()
    return tuple(ast.unparse(a) for a in call.args if isinstance(a, (ast.Name, ast.Attribute)))


def _catches(catch: _Catch, raised_name: str) -> bool:
    if catch.names is None:
        return True
    raised_class = _builtin_exception(raised_name)
    for name in catch.names:
        caught_class = _builtin_exception(name)
        if name.rsplit(".", 1)[-1] == raised_name.rsplit(".", 1)[-1]:
            return True
        if caught_class is not None and raised_class is not None and issubclass(raised_class, caught_class):
            return True
        # A class of the project's own is assumed to derive from Exception, as exceptions should.
        if raised_class is None and caught_class in (Exception, BaseException):
            return True
    return False


def _builtin_exception(name: str) -> type[BaseException] | None:
    value = getattr(builtins, name, None) if "." not in name else None
    return value if isinstance(value, type) and issubclass(value, BaseException) else None
