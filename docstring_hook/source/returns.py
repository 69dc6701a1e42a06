"""What a function's own `return` statements build, as a few words each.

The vocabulary, in the order the returns appear (each kind once):

- a display or comprehension: `list`, `tuple`, `dict`, `set`, `generator`;
  a constant or f-string: `str`, `bytes`, `int`, `float`, `complex`, `bool`,
  `None` (also a bare `return`); `not x`: `bool`; a comparison: `comparison`;
- `self` or `cls` (the method's first parameter), `instance of C` (a call of
  the enclosing class `C`, of `cls`, of `type(self)` or `self.__class__`);
- `function defined in the body: f`, `class defined in the body: K`,
  `name: x`, `call: f`, `attribute: a.b`, `lambda`, `subscript`,
  `operation`, `call`, `expression`; `await ` before what is awaited;
- both sides of `a if c else b`, `a or b` and `a and b`.

When some `return` gives a value and the end of the body can be reached,
`None` is added for it. An unknown case says less, never something false.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from docstring_hook.source.body import Function, own_nodes

_DISPLAYS: dict[type[ast.AST], str] = {
    ast.List: "list",
    ast.ListComp: "list",
    ast.Tuple: "tuple",
    ast.Dict: "dict",
    ast.DictComp: "dict",
    ast.Set: "set",
    ast.SetComp: "set",
    ast.GeneratorExp: "generator",
    ast.JoinedStr: "str",
    ast.Lambda: "lambda",
    ast.Compare: "comparison",
    ast.Subscript: "subscript",
    ast.BinOp: "operation",
}


def return_kinds(definition: Function, class_name: str | None, first_param: str | None) -> tuple[str, ...]:
    """The kinds of what `definition`'s own returns give; `first_param` is a method's `self`/`cls`."""
    context = _Context(definition, class_name, first_param)
    kinds: dict[str, None] = {}
    returns = [n for n in own_nodes(definition) if isinstance(n, ast.Return)]
    for statement in returns:
        kinds.update(dict.fromkeys(context.kinds(statement.value) if statement.value else ["None"]))
    if any(r.value is not None and not _is_none(r.value) for r in returns) and not ends(definition.body):
        kinds["None"] = None
    return tuple(kinds)


class _Context:
    """What naming a returned expression needs to know of the function."""

    def __init__(self, definition: Function, class_name: str | None, first_param: str | None) -> None:
        self.class_name = class_name
        self.first_param = first_param
        self.is_classmethod = any(ast.unparse(d) == "classmethod" for d in definition.decorator_list)
        self.defined = {
            s.name: "class" if isinstance(s, ast.ClassDef) else "function"
            for s in _own_statements(definition.body)
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        }

    def kinds(self, node: ast.expr) -> list[str]:
        """The kinds of one returned expression."""
        if isinstance(node, ast.IfExp):
            return [*self.kinds(node.body), *self.kinds(node.orelse)]
        if isinstance(node, ast.BoolOp):
            return [kind for value in node.values for kind in self.kinds(value)]
        if isinstance(node, ast.NamedExpr):
            return self.kinds(node.value)
        if isinstance(node, ast.Await):
            return [f"await {kind}" for kind in self.kinds(node.value)]
        return [self._kind(node)]

    def _kind(self, node: ast.expr) -> str:
        if isinstance(node, ast.Constant):
            return "None" if node.value is None else "Ellipsis" if node.value is ... else type(node.value).__name__
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return "bool"
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Call):
            return self._call(node.func)
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            return f"attribute: {dotted}" if dotted else "attribute"
        return _DISPLAYS.get(type(node), "expression")

    def _name(self, name: str) -> str:
        if name == self.first_param:
            return "cls" if self.is_classmethod else "self"
        if name in self.defined:
            return f"{self.defined[name]} defined in the body: {name}"
        return f"name: {name}"

    def _call(self, func: ast.expr) -> str:
        if self.class_name is not None and self._is_own_class(func):
            return f"instance of {self.class_name}"
        dotted = _dotted(func)
        return f"call: {dotted}" if dotted else "call"

    def _is_own_class(self, func: ast.expr) -> bool:
        written = ast.unparse(func)
        if self.first_param is not None:
            own = {f"type({self.first_param})", f"{self.first_param}.__class__"}
            if written in own or (self.is_classmethod and written == self.first_param):
                return True
        return written == self.class_name


def ends(block: Sequence[ast.stmt]) -> bool:
    """True when control can never run past the end of `block`; False when unsure."""
    if not block:
        return False
    last = block[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if isinstance(last, ast.If):
        return ends(last.body) and ends(last.orelse)
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return ends(last.body)
    if isinstance(last, (ast.Try, ast.TryStar)):
        normal = ends(last.body) or ends(last.orelse)
        return (normal and all(ends(h.body) for h in last.handlers)) or ends(last.finalbody)
    if isinstance(last, ast.While) and not _breaks(last.body):
        forever = isinstance(last.test, ast.Constant) and bool(last.test.value)
        return forever or ends(last.orelse)
    if isinstance(last, (ast.For, ast.AsyncFor)):
        return not _breaks(last.body) and ends(last.orelse)
    if isinstance(last, ast.Match):
        return _irrefutable(last.cases[-1]) and all(ends(c.body) for c in last.cases)
    return False


def _irrefutable(case: ast.match_case) -> bool:
    pattern = case.pattern
    return case.guard is None and isinstance(pattern, ast.MatchAs) and pattern.pattern is None


def _breaks(block: Sequence[ast.stmt]) -> bool:
    """A `break` of this loop: inside nested loops or definitions it is not."""
    return any(isinstance(s, ast.Break) for s in _own_statements(block, enter_loops=False))


def _own_statements(block: Sequence[ast.stmt], *, enter_loops: bool = True) -> Iterator[ast.stmt]:
    """Statements of the block and of the blocks inside it, nested definitions' bodies aside."""
    for statement in block:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if not enter_loops and isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
            yield from _own_statements(statement.orelse, enter_loops=False)
            continue
        for name in ("body", "orelse", "finalbody"):
            yield from _own_statements(getattr(statement, name, []), enter_loops=enter_loops)
        for inner in (*getattr(statement, "handlers", []), *getattr(statement, "cases", [])):
            yield from _own_statements(inner.body, enter_loops=enter_loops)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _dotted(node: ast.expr) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))
