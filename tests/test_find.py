from __future__ import annotations

import ast
import dataclasses
import textwrap

import pytest

from docstring_hook.config import Settings
from docstring_hook.datatypes import TargetKind
from docstring_hook.lines import split_lines
from docstring_hook.source.find import find_targets, never_send, skips_whole_file

EVERYTHING = Settings(
    ignore_init_method=False,
    ignore_magic=False,
    ignore_private=False,
    ignore_semiprivate=False,
    ignore_nested_functions=False,
    ignore_nested_classes=False,
    ignore_setters=False,
    ignore_overloaded_functions=False,
    ignore_tests=False,
)


def found(source: str, settings: Settings = EVERYTHING, path: str = "m.py", changed: set[int] | None = None) -> list[tuple[str, int]]:
    text = textwrap.dedent(source)
    findings = find_targets(ast.parse(text), split_lines(text), path, settings, changed)
    return [(t.qualname, t.line) for t in findings.targets]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("def f():\n    return 1\n", [("f", 1)], id="plain function"),
        pytest.param("async def f():\n    return 1\n", [("f", 1)], id="async function"),
        pytest.param('def f():\n    """Doc."""\n', [], id="documented"),
        pytest.param('def f():\n    """  """\n', [("f", 1)], id="blank docstring counts as missing"),
        pytest.param("def f(): return 1\n", [("f", 1)], id="one-line suite"),
        pytest.param("class E(Exception): pass\n", [("E", 1)], id="one-line class"),
        pytest.param("@a\n@b(1)\ndef f():\n    pass\n", [("f", 3)], id="decorated: the def line"),
        pytest.param("if X:\n    def f():\n        pass\nelse:\n    def f():\n        pass\n", [("f", 2), ("f", 5)], id="inside if/else"),
        pytest.param("try:\n    def f(): pass\nexcept E:\n    pass\n", [("f", 2)], id="inside try"),
        pytest.param("try:\n    import x\nexcept ImportError:\n    def f(): pass\n", [("f", 4)], id="inside except"),
        pytest.param("try:\n    pass\nexcept* E:\n    def f(): pass\n", [("f", 4)], id="inside except star"),
        pytest.param(
            "try:\n    pass\nexcept E:\n    pass\nelse:\n    def f(): pass\nfinally:\n    def g(): pass\n",
            [("f", 6), ("g", 8)],
            id="inside try else and finally",
        ),
        pytest.param(
            "match x:\n    case 1:\n        def f(): pass\n    case _:\n        class C:\n            def m(self): pass\n",
            [("f", 3), ("C", 5), ("C.m", 6)],
            id="inside match cases",
        ),
        pytest.param("with a:\n    def f(): pass\n", [("f", 2)], id="inside with"),
        pytest.param(
            "for x in y:\n    def f(): pass\nelse:\n    def g(): pass\nwhile z:\n    def h(): pass\nelse:\n    def i(): pass\n",
            [("f", 2), ("g", 4), ("h", 6), ("i", 8)],
            id="inside loops and their else",
        ),
        pytest.param("if TYPE_CHECKING:\n    def f(): pass\n", [("f", 2)], id="inside if TYPE_CHECKING"),
        pytest.param(
            "def f():\n    try:\n        pass\n    except E:\n        def g(): pass\n",
            [("f", 1), ("f.g", 5)],
            id="inside except inside a function",
        ),
        pytest.param("class A:\n    class B:\n        def m(self):\n            pass\n", [("A", 1), ("A.B", 2), ("A.B.m", 3)], id="nested classes"),
        pytest.param("def f():\n    def g():\n        pass\n", [("f", 1), ("f.g", 2)], id="nested function"),
        pytest.param("def f():\n    # a comment\n    return 1\n", [("f", 1)], id="body starts with a comment"),
        pytest.param('def f():\n    x = "not a docstring"\n', [("f", 1)], id="string not first"),
        pytest.param("def f():\n    f'{x}'\n", [("f", 1)], id="f-string is no docstring"),
    ],
)
def test_layouts(source: str, expected: list[tuple[str, int]]) -> None:
    assert found(source) == expected


POLICY_SOURCE = """\
class Public:
    def __init__(self): pass
    def __repr__(self): return ""
    def __secret(self): pass
    def _semi(self): pass
    def method(self): pass
    @property
    def value(self): return 1
    @value.setter
    def value(self, v): pass
    @value.deleter
    def value(self): pass
    class Inner: pass
def outer():
    def inner(): pass
@overload
def over(x: int) -> int: ...
@typing.overload
def over(x: str) -> str: ...
def over(x): return x
def test_something(): pass
class TestThing: pass
def short(): pass
def longer():
    x = 1
    return x
def skipped():  # docstring-hook: skip
    pass
@decorator  # docstring-hook: skip
def skipped_too(): pass
"""


def policy(**changes: object) -> list[str]:
    return [name for name, _ in found(POLICY_SOURCE, dataclasses.replace(EVERYTHING, **changes))]


ALL_POLICY_TARGETS = [
    "Public", "Public.__init__", "Public.__repr__", "Public.__secret", "Public._semi", "Public.method",
    "Public.value", "Public.value", "Public.value", "Public.Inner", "outer", "outer.inner",
    "over", "over", "over", "test_something", "TestThing", "short", "longer",
]


@pytest.mark.parametrize(
    ("changes", "removed"),
    [
        pytest.param({}, [], id="nothing ignored"),
        pytest.param({"ignore_init_method": True}, ["Public.__init__"], id="__init__"),
        pytest.param({"ignore_magic": True}, ["Public.__repr__"], id="magic"),
        pytest.param({"ignore_private": True}, ["Public.__secret"], id="private"),
        pytest.param({"ignore_semiprivate": True}, ["Public._semi"], id="semiprivate"),
        pytest.param({"ignore_setters": True}, ["Public.value", "Public.value"], id="setters and deleters"),
        pytest.param({"ignore_nested_classes": True}, ["Public.Inner"], id="nested classes"),
        pytest.param({"ignore_nested_functions": True}, ["outer.inner"], id="nested functions"),
        pytest.param({"ignore_overloaded_functions": True}, ["over", "over"], id="overload stubs"),
        pytest.param({"ignore_tests": True}, ["test_something", "TestThing"], id="tests"),
        pytest.param({"min_statements": 2}, [n for n in ALL_POLICY_TARGETS if n not in {"Public", "Public.Inner", "TestThing", "longer"}], id="min statements: functions only"),
        pytest.param({"exclude_regex": ("^Public\\.",)}, [n for n in ALL_POLICY_TARGETS if n.startswith("Public.")], id="exclude regex"),
        pytest.param({"include_regex": ("^over$",)}, [n for n in ALL_POLICY_TARGETS if n != "over"], id="include regex"),
    ],
)
def test_policy(changes: dict[str, object], removed: list[str]) -> None:
    expected = list(ALL_POLICY_TARGETS)
    for name in removed:
        expected.remove(name)
    assert policy(**changes) == expected


def test_defaults_document_public_and_semiprivate_only() -> None:
    assert policy(**{f.name: getattr(Settings(), f.name) for f in dataclasses.fields(Settings)}) == [
        "Public", "Public._semi", "Public.method", "Public.value", "Public.Inner", "outer", "over", "short", "longer",
    ]


@pytest.mark.parametrize("name", ["test_x.py", "x_test.py", "conftest.py", "pkg/tests/test_y.py"])
def test_test_files_are_ignored(name: str) -> None:
    assert found("def helper(): pass\n", Settings(), path=name) == []
    assert found("def helper(): pass\n", EVERYTHING, path=name) == [("helper", 1)]


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        pytest.param({2}, [("f", 1)], id="a body line"),
        pytest.param({1}, [("f", 1)], id="the def line"),
        pytest.param({4}, [("g", 5)], id="a decorator line"),
        pytest.param({3}, [], id="a blank line between"),
        pytest.param({8}, [("C", 7), ("C.m", 8)], id="a method line counts for its class"),
        pytest.param(set(), [], id="nothing changed"),
    ],
)
def test_changed_lines(changed: set[int], expected: list[tuple[str, int]]) -> None:
    source = "def f():\n    return 1\n\n@dec\ndef g():\n    pass\nclass C:\n    def m(self): pass\n"
    assert found(source, changed=changed) == expected


def test_kinds() -> None:
    text = "class A:\n    def m(self): pass\ndef f(): pass\n"
    findings = find_targets(ast.parse(text), split_lines(text), "m.py", EVERYTHING)
    assert [t.kind for t in findings.targets] == [TargetKind.CLASS, TargetKind.METHOD, TargetKind.FUNCTION]
    assert findings.selected == 3


def test_coverage_counts_documented_definitions() -> None:
    text = 'def f():\n    """Doc."""\ndef g(): pass\n'
    findings = find_targets(ast.parse(text), split_lines(text), "m.py", EVERYTHING)
    assert (len(findings.targets), findings.selected) == (1, 2)


PLY = "import ply.yacc as yacc\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(PLY + "def p_expr(p):\n    p[0] = p[1]\n", [], id="ply grammar rule"),
        pytest.param("from ply import lex\ndef t_NUMBER(t):\n    return t\n", [], id="ply token"),
        pytest.param(PLY + "class P:\n    def p_expr(self, p):\n        pass\n", [("P", 2)], id="ply rule in a class"),
        pytest.param(PLY + "def p_helper(a, b):\n    pass\n", [("p_helper", 2)], id="two arguments: no rule"),
        pytest.param(PLY + "def parse(p):\n    pass\n", [("parse", 2)], id="no p_ prefix"),
        pytest.param("def p_expr(p):\n    pass\n", [("p_expr", 1)], id="ply not imported"),
        pytest.param(
            "import docopt_subcommands as dsc\n@dsc.command()\ndef run(precommand, args):\n    pass\n", [],
            id="docopt-subcommands command, through an alias",
        ),
        pytest.param(
            "from docopt_subcommands import command\n@command()\ndef run(precommand, args):\n    pass\n", [],
            id="docopt-subcommands command, imported by name",
        ),
        pytest.param("import click\n@click.command()\ndef run():\n    pass\n", [("run", 3)], id="click: help, not data"),
        pytest.param(
            "from typing import Protocol\nclass P(Protocol):\n    def m(self) -> int: ...\n    def n(self) -> int:\n        return 1\n",
            [("P", 2), ("P.n", 4)], id="protocol stub method",
        ),
        pytest.param("import typing\nclass P(typing.Protocol[T]):\n    ...\n", [], id="protocol class of ... only"),
        pytest.param("class C:\n    def m(self): ...\n", [("C", 1), ("C.m", 2)], id="... outside a protocol"),
        pytest.param('def f():\n    "un-stripped docstring"\n    return 1\n', [], id="first statement a string"),
        pytest.param('class C:\n    __doc__ = make_doc()\n', [], id="__doc__ assigned in the class body"),
        pytest.param('def f():\n    pass\nf.__doc__ = TEXT\n', [], id="__doc__ assigned to the function"),
        pytest.param('class C:\n    def m(self): pass\nC.m.__doc__ = TEXT\n', [("C", 1)], id="__doc__ assigned to a method"),
    ],
)
def test_code_whose_docstring_is_not_documentation(source: str, expected: list[tuple[str, int]]) -> None:
    assert found(source) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, [], id="defaults"),
        pytest.param({"ignore_ply": False}, [("p_expr", 2)], id="ply rules"),
        pytest.param({"data_docstring_decorators": ()}, [("run", 4)], id="no data decorators"),
        pytest.param({"data_docstring_decorators": ("app.*",)}, [("run", 4)], id="the list replaces the default"),
    ],
)
def test_those_skips_can_be_turned_off(changes: dict[str, object], expected: list[tuple[str, int]]) -> None:
    source = "import ply.yacc, docopt_subcommands as dsc\ndef p_expr(p): pass\n@dsc.command()\ndef run(a, b): pass\n"
    assert found(source, dataclasses.replace(EVERYTHING, **changes)) == expected


def test_protocol_stubs_can_be_documented() -> None:
    source = "from typing import Protocol\nclass P(Protocol):\n    def m(self) -> int: ...\n"
    assert found(source, dataclasses.replace(EVERYTHING, ignore_stubs=False)) == [("P", 2), ("P.m", 3)]


def test_stub_files_are_skipped_unless_enabled() -> None:
    source = "def f(x: int) -> int: ...\n"
    assert found(source, path="m.pyi") == []
    assert found(source, dataclasses.replace(EVERYTHING, ignore_stubs=False), path="m.pyi") == [("f", 1)]


def test_skip_file_pragma_passes_over_the_whole_file() -> None:
    assert skips_whole_file("# docstring-hook: skip-file\ndef f(): pass\n", Settings()) == "skip-file pragma"


@pytest.mark.parametrize(
    ("path", "extra", "expected"),
    [
        ("secrets.py", (), True),
        ("app/secrets/db.py", (), True),
        ("app/aws_credentials.py", (), True),
        (".env.py", (), True),
        ("app/config/.envrc.py", (), True),
        ("app/models.py", (), False),
        ("app/settings.py", (), False),
        ("app/settings.py", ("settings.py",), True),
        ("app/settings/prod.py", ("app/settings/*",), True),
        ("secrets.py", ("other.py",), True),  # additions never remove the defaults
    ],
)
def test_never_send(path: str, extra: tuple[str, ...], expected: bool) -> None:
    assert never_send(path, Settings(never_send=extra)) is expected
