"""The finder and the facts against the compiler, over the standard library.

Two independent oracles, both from `compile` and the code objects it makes:

- every function and class the definition walk sees is a function code
  object or a class body the compiler made, and the reverse (lambdas,
  comprehensions and the module itself aside);
- `is_generator` of each function's facts is the `CO_GENERATOR` or
  `CO_ASYNC_GENERATOR` flag of its own code object.

Code objects are matched to definitions by name and first line (a
decorated definition's code starts at its first decorator); not by
qualified name, which a `global` statement changes for the compiler. The compiler drops the bodies of `if`
statements whose test is a constant it knows false (`if 0:`, `if not
__debug__:`) and the statements after a `return`, `raise`, `break` or
`continue` in the same block; the oracle compiles a tree where such tests
are replaced by a name and such jumps made conditional, so that every
definition is compiled.

By default a fixed sample of files runs; `--corpus-all` runs every file.
"""

from __future__ import annotations

import ast
import inspect
import types
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from docstring_hook.datatypes import Target, TargetKind
from docstring_hook.lines import split_lines
from docstring_hook.source.definitions import walk_definitions
from docstring_hook.source.facts import describe
from tests.test_corpus import corpus_chunks

SAMPLE_SIZE = 400
CHUNK_SIZE = 50
_NOT_DEFINITIONS = {"<lambda>", "<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>", "<module>"}
_GENERATOR_FLAGS = inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR

Key = tuple[str, int]  # name, first line (decorators included)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "files" in metafunc.fixturenames:
        chunks, ids = corpus_chunks(metafunc.config, SAMPLE_SIZE, CHUNK_SIZE)
        metafunc.parametrize("files", chunks, ids=ids)


class _Undecided(ast.NodeTransformer):
    """Constant `if`/`while` tests become a name: the compiler keeps both branches."""

    def visit_If(self, node: ast.If) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.test, ast.Constant) or _mentions_debug(node.test):
            node.test = ast.copy_location(ast.Name("undecided", ast.Load()), node.test)
        return node

    def visit_While(self, node: ast.While) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.test, ast.Constant) and not node.test.value:
            node.test = ast.copy_location(ast.Name("undecided", ast.Load()), node.test)
        return node


    def generic_visit(self, node: ast.AST) -> ast.AST:
        """A jump followed by more statements becomes `if undecided: <jump>`."""
        super().generic_visit(node)
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, name, [_maybe(s) if n < len(block) - 1 else s for n, s in enumerate(block)])
        return node


def _maybe(statement: ast.stmt) -> ast.stmt:
    if not isinstance(statement, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
        return statement
    undecided = ast.copy_location(ast.Name("undecided", ast.Load()), statement)
    return ast.copy_location(ast.If(undecided, [statement], []), statement)


def _mentions_debug(test: ast.expr) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "__debug__" for n in ast.walk(test))


def compiled(source: str, path: Path) -> dict[Key, list[int]] | None:
    """The flags of every function code object and class body, by key; None if it does not compile."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = _Undecided().visit(ast.parse(source))
            module = compile(tree, str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError):
        return None
    found: dict[Key, list[int]] = {}
    for code in _code_objects(module):
        if code.co_name not in _NOT_DEFINITIONS:
            found.setdefault((code.co_name, code.co_firstlineno), []).append(code.co_flags)
    return found


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield constant
            yield from _code_objects(constant)


def walked(source: str, path: Path) -> dict[Key, list[bool | None]]:
    """Every definition the walk sees, by key: a function's `is_generator`, None for a class."""
    tree, lines = ast.parse(source), split_lines(source)
    found: dict[Key, list[bool | None]] = {}
    for definition, scope in walk_definitions(tree):
        first = min([definition.lineno, *(d.lineno for d in definition.decorator_list)])
        generator = None
        if not isinstance(definition, ast.ClassDef):
            kind = TargetKind.METHOD if scope.in_class else TargetKind.FUNCTION
            target = Target(str(path), scope.qualname, definition.lineno, kind)
            generator = describe(definition, scope, target, lines, None).is_generator
        found.setdefault((definition.name, first), []).append(generator)
    return found


def compare(files: list[Path]) -> tuple[Counter[str], list[str]]:
    """Counts of what was compared, and every difference."""
    counts: Counter[str] = Counter()
    differences: list[str] = []
    for path in files:
        source = path.read_text(encoding="utf-8", errors="surrogateescape")
        oracle = compiled(source, path)
        if oracle is None:
            counts["files not compiling"] += 1
            continue
        counts["files"] += 1
        ours = walked(source, path)
        counts["definitions"] += sum(map(len, ours.values()))
        for key in sorted(oracle.keys() | ours.keys()):
            differences.extend(_differences(f"{path}: {key}", ours.get(key, []), oracle.get(key, [])))
            counts["functions"] += sum(g is not None for g in ours.get(key, []))
    return counts, differences


def _differences(where: str, ours: list[bool | None], flags: list[int]) -> Iterator[str]:
    if len(ours) != len(flags):
        yield f"{where}: walked {len(ours)} time(s), compiled {len(flags)} time(s)"
        return
    # A class body's code has neither flag; the walk says None for a class.
    expected = sorted(str(bool(f & _GENERATOR_FLAGS)) if f & inspect.CO_OPTIMIZED else "None" for f in flags)
    if sorted(map(str, ours)) != expected:
        yield f"{where}: is_generator {sorted(map(str, ours))}, compiler {expected}"


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")  # the library's own escapes
def test_walk_and_generators_agree_with_the_compiler(files: list[Path]) -> None:
    counts, differences = compare(files)
    print(dict(counts), f"differences: {len(differences)}")
    assert counts["files"] > 0
    assert not differences, f"{len(differences)} difference(s):\n" + "\n".join(differences[:50])


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("try:\n    import x\nexcept ImportError:\n    def f(): pass\n", id="def under except"),
        pytest.param("def outer():\n    def inner():\n        yield 1\n    return inner\n", id="nested generator"),
        pytest.param("if 0:\n    def f(): pass\n", id="def under if 0"),
        pytest.param("def g():\n    return\n    def f(): pass\n", id="def after return"),
        pytest.param("while 1:\n    try:\n        break\n    finally:\n        continue\n        class C: pass\n", id="after continue"),
        pytest.param("match x:\n    case 1:\n        class C: pass\n", id="class under case"),
    ],
)
def test_the_oracle_sees_what_it_must(source: str) -> None:
    """The compiler side finds these definitions (whatever the walk does)."""
    oracle = compiled(source, Path("m.py"))
    assert oracle is not None
    tree = ast.parse(source)
    expected = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert {name.rsplit(".", 1)[-1] for name, _ in oracle} == expected
