"""The repository context a reviewer would open next to a definition: its callees and its class.

Pure `ast` work, no model and no import of the user's code. A call in the
definition's own frame is a callee when its name resolves to a definition
of the repository: a function or class of the same module, a name imported
from a repository module (`from pkg.mod import f`, `import pkg.mod as m` then
`m.f`), or `self.method`/`cls.method` found in the class or its bases (in
the module or imported). Other modules are reached through `Where.lookup`,
which answers None for what is not the repository's or may not be sent.
Texts are as written: `redact.redact_facts` masks them with the rest.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from docstring_hook.datatypes import ContextItem
from docstring_hook.source.body import own_nodes
from docstring_hook.source.definitions import Definition, Scope

ModuleLookup = Callable[[str], "tuple[ast.Module, bool] | None"]
"""A dotted module name to its parsed tree and whether it is a package (`__init__.py`), or None
when it is not the repository's or may not be sent."""

MAX_CALLEES = 24
"""Callees described at most: the context budget cuts far sooner; this bounds the work."""
_MAX_HOPS = 6  # re-exports and bases followed at most, so a cycle of imports ends


@dataclass(frozen=True)
class Where:
    """Where a module sits in the repository: its dotted name, and how to reach the others."""

    module: str = ""
    is_package: bool = False
    lookup: ModuleLookup | None = None


@dataclass(frozen=True)
class _Module:
    name: str
    tree: ast.Module
    is_package: bool = False


@dataclass(frozen=True)
class _Found:
    """A definition found: its node, the module holding it and the name the prompt gives it."""

    node: Definition
    module: _Module
    label: str


def context_of(definition: Definition, scope: Scope, tree: ast.Module, where: Where) -> tuple[ContextItem, ...]:
    """The callees of `definition`, then, for a method, its class's skeleton."""
    here = _Module(where.module, tree, where.is_package)
    resolver = _Resolver(here, where.lookup)
    items = [_callee_item(found, here) for found in _callees(definition, scope, resolver)]
    enclosing = _enclosing(scope)
    if enclosing is not None and not isinstance(definition, ast.ClassDef):
        items.append(ContextItem("class", enclosing.name, skeleton(enclosing, definition), _paragraph(enclosing)))
    return tuple(items)


def skeleton(cls: ast.ClassDef, leave_out: Definition | None = None) -> str:
    """The class line with its bases, the attributes `__init__` sets and the signatures of its methods."""
    lines = [f"class {cls.name}{_bases(cls)}:"]
    init = _init_of(cls)
    for attribute in _init_attributes(init) if init is not None else []:
        lines.append(f"    {attribute} = ...  # set in __init__")
    for statement in cls.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement is not leave_out:
            lines.extend(f"    {line}" for line in _decorated_signature(statement))
    if len(lines) == 1:
        lines.append("    ...")
    return "\n".join(lines)


def signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The `def` line of a function, its body replaced by `...`."""
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    return f"{prefix} {node.name}({ast.unparse(node.args)}){returns}: ..."


def _init_of(cls: ast.ClassDef) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    functions = (s for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)))
    return next((f for f in functions if f.name == "__init__"), None)


def _enclosing(scope: Scope) -> ast.ClassDef | None:
    parent = scope.parents[-1] if scope.in_class else None
    return parent if isinstance(parent, ast.ClassDef) else None


def _decorated_signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    return [*(f"@{ast.unparse(d)}" for d in node.decorator_list), signature(node)]


def _bases(cls: ast.ClassDef) -> str:
    parts = [ast.unparse(b) for b in cls.bases] + [ast.unparse(k) for k in cls.keywords]
    return f"({', '.join(parts)})" if parts else ""


def _init_attributes(init: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """`self.x` for each attribute `__init__` assigns, in order of first assignment."""
    first = init.args.posonlyargs + init.args.args
    if not first:
        return []
    me = first[0].arg
    seen: dict[str, None] = {}
    for node in own_nodes(init):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AnnAssign, ast.AugAssign)) else []
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name) and part.value.id == me:
                    seen.setdefault(f"{me}.{part.attr}")
    return list(seen)


def _paragraph(node: Definition) -> str | None:
    """The first paragraph of a docstring, on one line."""
    text = ast.get_docstring(node)
    if not text or not text.strip():
        return None
    return " ".join(text.strip().split("\n\n")[0].split())


def _callee_item(found: _Found, here: _Module) -> ContextItem:
    node = found.node
    if isinstance(node, ast.ClassDef):
        init = _init_of(node)
        code = f"class {node.name}{_bases(node)}:" + (f"\n    {signature(init)}" if init is not None else "\n    ...")
    else:
        code = "\n".join(_decorated_signature(node))
    label = found.label if found.module.name in ("", here.name) else f"{found.module.name}.{found.label}"
    origin = ("" if found.module is here else found.module.name, node.lineno)
    return ContextItem("callee", label, code, _paragraph(node), origin)


def _callees(definition: Definition, scope: Scope, resolver: _Resolver) -> Iterator[_Found]:
    if isinstance(definition, ast.ClassDef):
        return
    nodes = list(own_nodes(definition))
    local = _bound_locally(definition, nodes)
    first = [*definition.args.posonlyargs, *definition.args.args]
    me = first[0].arg if scope.in_class and first and not _is_static(definition) else None
    enclosing = _enclosing(scope)
    seen = {id(definition)}
    count = 0
    for node in sorted((n for n in nodes if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset)):
        found = resolver.call(node.func, local, me, enclosing)
        if found is not None and id(found.node) not in seen and count < MAX_CALLEES:
            seen.add(id(found.node))
            count += 1
            yield found


def _bound_locally(definition: ast.FunctionDef | ast.AsyncFunctionDef, nodes: list[ast.AST]) -> set[str]:
    """Names the function binds itself: a call through them is not the module's definition."""
    arguments = definition.args
    names = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    names |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not definition:
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _is_static(definition: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in definition.decorator_list)


def _chain(node: ast.expr) -> list[str] | None:
    """`a.b.c` as ["a", "b", "c"]; None for anything but names and attributes."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


class _Resolver:
    """Names to the repository's definitions, modules read through the lookup once each."""

    def __init__(self, here: _Module, lookup: ModuleLookup | None) -> None:
        self.here = here
        self.lookup = lookup

    def call(
        self, func: ast.expr, local: set[str], me: str | None, enclosing: ast.ClassDef | None
    ) -> _Found | None:
        """The definition a call's function expression names, if the repository has it."""
        chain = _chain(func)
        if chain is None:
            return None
        head, rest = chain[0], chain[1:]
        if me is not None and head == me and enclosing is not None:
            return self.method(_Found(enclosing, self.here, enclosing.name), rest[0], 0) if len(rest) == 1 else None
        if head in local:
            return None
        found = self.name(self.here, head, 0)
        for attribute in rest:
            if found is None:
                return None
            found = self.member(found, attribute)
        return found if isinstance(found, _Found) else None

    def member(self, found: _Found | _Module, attribute: str) -> _Found | _Module | None:
        """`attribute` of a module (a definition or a submodule) or of a class (a method)."""
        if isinstance(found, _Module):
            return self.name(found, attribute, 0) or self.module(f"{found.name}.{attribute}")
        if isinstance(found.node, ast.ClassDef):
            return self.method(found, attribute, 0)
        return None

    def method(self, cls: _Found, name: str, hops: int) -> _Found | None:
        """`name` in the class or, depth first, its bases."""
        assert isinstance(cls.node, ast.ClassDef)
        for statement in cls.node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == name:
                return _Found(statement, cls.module, f"{cls.node.name}.{name}")
        if hops >= _MAX_HOPS:
            return None
        for base in cls.node.bases:
            chain = _chain(base)
            found: _Found | _Module | None = self.name(cls.module, chain[0], 0) if chain else None
            for attribute in (chain or [])[1:]:
                found = self.member(found, attribute) if found is not None else None
            if isinstance(found, _Found) and isinstance(found.node, ast.ClassDef):
                inherited = self.method(found, name, hops + 1)
                if inherited is not None:
                    return inherited
        return None

    def name(self, module: _Module, name: str, hops: int) -> _Found | _Module | None:
        """What `name` is bound to at the top of `module`: a definition, a repository module, or None."""
        bound: _Found | _Module | None = None
        for statement in module.tree.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if statement.name == name:
                    bound = _Found(statement, module, name)
            elif isinstance(statement, (ast.Import, ast.ImportFrom)) and hops < _MAX_HOPS:
                imported = self._imported(module, statement, name, hops)
                bound = imported if imported is not None else bound
        return bound

    def _imported(self, module: _Module, statement: ast.Import | ast.ImportFrom, name: str, hops: int
                  ) -> _Found | _Module | None:
        for alias in statement.names:
            if isinstance(statement, ast.Import):
                if alias.asname == name:
                    return self.module(alias.name)
                if alias.asname is None and alias.name.split(".")[0] == name:
                    # `import pkg.mod` binds `pkg`, which may be a folder without `__init__.py`.
                    whole = self.module(alias.name)
                    return self.module(name) or (_Module(name, ast.Module([], [])) if whole else None)
                continue
            if (alias.asname or alias.name) != name or alias.name == "*":
                continue
            source = _absolute(module, statement.module or "", statement.level)
            if source is None:
                return None
            submodule = self.module(f"{source}.{alias.name}" if source else alias.name)
            if submodule is not None:
                return submodule
            origin = self.module(source)
            return self.name(origin, alias.name, hops + 1) if origin is not None else None
        return None

    def module(self, dotted: str) -> _Module | None:
        """A repository module by its dotted name."""
        if not dotted or self.lookup is None:
            return None
        if dotted == self.here.name:
            return self.here
        found = self.lookup(dotted)
        return _Module(dotted, found[0], found[1]) if found is not None else None


def _absolute(module: _Module, name: str, level: int) -> str | None:
    """The dotted name a (relative) import names, seen from `module`; None above the top."""
    if level == 0:
        return name
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    if level - 1 > len(package) or not module.name:
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, name] if name else base)
