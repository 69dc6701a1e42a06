from __future__ import annotations

import pytest

from docstring_hook.source.rewrite import insert_docstrings
from docstring_hook.source.verify import VerificationError, verify


def simple_literal(line: int, indent: str, newline: str) -> str:
    """A two-line docstring that shows the indentation and newline it was given."""
    return f'"""Doc {line}.{newline}{newline}{indent}More.{newline}{indent}"""'


def rewrite(source: str, lines: set[int]) -> str:
    result = insert_docstrings(source, lines, simple_literal)
    verify(source, result.text, {line: f"Doc {line}.\n\nMore." for line in result.inserted})
    return result.text


NO_OPS = [
    pytest.param("", id="empty file"),
    pytest.param("x = 1\n", id="no definitions"),
    pytest.param("def f():\n    return 1", id="no final newline"),
    pytest.param("def f():\r\n    return 1\r\n", id="crlf"),
    pytest.param("def f( a ,b ):  # comment\n\n\n    return a  ;\n", id="odd formatting"),
]


@pytest.mark.parametrize("source", NO_OPS)
def test_nothing_selected_is_byte_identical(source: str) -> None:
    assert insert_docstrings(source, set(), simple_literal).text == source


@pytest.mark.parametrize(
    ("source", "lines", "expected"),
    [
        pytest.param(
            "def f():\n    return 1\n",
            {1},
            'def f():\n    """Doc 1.\n\n    More.\n    """\n    return 1\n',
            id="plain",
        ),
        pytest.param(
            "def f():\r\n    return 1\r\n",
            {1},
            'def f():\r\n    """Doc 1.\r\n\r\n    More.\r\n    """\r\n    return 1\r\n',
            id="crlf stays crlf",
        ),
        pytest.param(
            "class A:\n\tdef m(self):\n\t\treturn 1\n",
            {2},
            'class A:\n\tdef m(self):\n\t\t"""Doc 2.\n\n\t\tMore.\n\t\t"""\n\t\treturn 1\n',
            id="tabs stay tabs",
        ),
        pytest.param(
            "def f(): return 1  # why\n",
            {1},
            'def f():\n    """Doc 1.\n\n    More.\n    """\n    return 1  # why\n',
            id="one-line suite becomes a block",
        ),
        pytest.param(
            "if True:\n  def f(): x = 1; return x\n",
            {2},
            'if True:\n  def f():\n    """Doc 2.\n\n    More.\n    """\n    x = 1; return x\n',
            id="one-line suite in a two-space file",
        ),
        pytest.param(
            "class E(Exception): pass\n",
            {1},
            'class E(Exception):\n    """Doc 1.\n\n    More.\n    """\n\n    pass\n',
            id="one-line class gets the blank line black wants",
        ),
        pytest.param(
            "class A:\n    x = 1\n",
            {1},
            'class A:\n    """Doc 1.\n\n    More.\n    """\n\n    x = 1\n',
            id="class: blank line after the docstring",
        ),
        pytest.param(
            "class A:\n\n    x = 1\n",
            {1},
            'class A:\n    """Doc 1.\n\n    More.\n    """\n\n    x = 1\n',
            id="class: an existing blank line is reused",
        ),
        pytest.param(
            "class A:\n    # about x\n    x = 1\n",
            {1},
            'class A:\n    """Doc 1.\n\n    More.\n    """\n\n    # about x\n    x = 1\n',
            id="class: comment stays above its code",
        ),
        pytest.param(
            "def f():\n    # about the code\n    return 1\n",
            {1},
            'def f():\n    """Doc 1.\n\n    More.\n    """\n    # about the code\n    return 1\n',
            id="leading comment stays with the code",
        ),
        pytest.param(
            "def f(a):\n    # type: (int) -> int\n    return a\n",
            {1},
            'def f(a):\n    # type: (int) -> int\n    """Doc 1.\n\n    More.\n    """\n    return a\n',
            id="type comment stays under the def line",
        ),
        pytest.param(
            "def f(a):  # type: (int) -> int\n    return a\n",
            {1},
            'def f(a):  # type: (int) -> int\n    """Doc 1.\n\n    More.\n    """\n    return a\n',
            id="type comment on the def line",
        ),
        pytest.param(
            "@dec\nasync def f():\n    await g()\n",
            {2},
            '@dec\nasync def f():\n    """Doc 2.\n\n    More.\n    """\n    await g()\n',
            id="decorated async",
        ),
        pytest.param(
            "class A:\n    class B:\n        def m(self):\n            pass\n",
            {1, 2, 3},
            'class A:\n    """Doc 1.\n\n    More.\n    """\n\n    class B:\n        """Doc 2.\n\n        More.\n        """\n\n'
            '        def m(self):\n            """Doc 3.\n\n            More.\n            """\n            pass\n',
            id="nested classes",
        ),
        pytest.param(
            'def f():\n    ""\n    return 1\n',
            {1},
            'def f():\n    """Doc 1.\n\n    More.\n    """\n    return 1\n',
            id="a blank docstring is replaced",
        ),
        pytest.param(
            "def f():\n    return 1",
            {1},
            'def f():\n    """Doc 1.\n\n    More.\n    """\n    return 1',
            id="no final newline stays absent",
        ),
        pytest.param(
            "def f():\n    pass\ndef g():\n    pass\n",
            {3},
            'def f():\n    pass\ndef g():\n    """Doc 3.\n\n    More.\n    """\n    pass\n',
            id="only the selected definition",
        ),
        pytest.param(
            "try:\n    from x import f\nexcept ImportError:\n    def f():\n        pass\n",
            {4},
            'try:\n    from x import f\nexcept ImportError:\n    def f():\n        """Doc 4.\n\n        More.\n        """\n        pass\n',
            id="under except ImportError",
        ),
        pytest.param(
            "match x:\n    case 1:\n        def f(): pass\n    case _:\n        class C:\n            pass\n",
            {3, 5},
            "match x:\n    case 1:\n        def f():\n"
            '            """Doc 3.\n\n            More.\n            """\n            pass\n'
            "    case _:\n        class C:\n"
            '            """Doc 5.\n\n            More.\n            """\n\n            pass\n',
            id="under match cases",
        ),
    ],
)
def test_insertions(source: str, lines: set[int], expected: str) -> None:
    assert rewrite(source, lines) == expected


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        pytest.param('def f(): ""\n', "shares its line with the definition", id="blank docstring in a suite"),
        pytest.param('def f():\n    ""; x = 1\n', "shares its line with other statements", id="blank docstring with a statement"),
        pytest.param(
            "def f():\n    try:\n        pass\n    except OSError :\n        pass\n",
            "does not reproduce this file",
            id="LibCST would drop the space before the colon",
        ),
        pytest.param("\x0cdef f():\n    pass\n", "does not reproduce this file", id="LibCST would drop a form feed"),
        pytest.param("def f():\r    pass\r", "does not reproduce this file", id="LibCST would drop the last CR of a CR file"),
    ],
)
def test_refusals_leave_the_text_alone(source: str, reason: str) -> None:
    result = insert_docstrings(source, {1}, simple_literal)
    assert result.text == source
    assert reason in result.refused[1]


def test_lines_come_from_positions_when_ast_cannot_read_the_file() -> None:
    # Type parameters are 3.12 syntax: LibCST reads them, this interpreter's ast may not.
    source = "class Box[T]:\n    def get(self):\n        return 1\n"
    result = insert_docstrings(source, {1, 2}, simple_literal)
    assert result.inserted == [1, 2]
    assert result.text.count('"""') == 4


@pytest.mark.parametrize(
    ("old", "new", "expected", "message"),
    [
        pytest.param("def f():\n    pass\n", "def f():\n    pass\n", {1: "Doc."}, "not the one rendered", id="no docstring inserted"),
        pytest.param(
            "def f():\n    pass\n", 'def f():\n    """Doc."""\n    return 1\n', {1: "Doc."}, "code changed", id="code changed"
        ),
        pytest.param(
            "def f():\n    pass  # hi\n", 'def f():\n    """Doc."""\n    pass\n', {1: "Doc."}, "line 2 changed", id="a comment lost"
        ),
        pytest.param(
            "def f():\n    pass\n", 'def f():\n    """Doc."""\n    pass\r\n', {1: "Doc."}, "line 2 changed", id="a newline changed"
        ),
        pytest.param(
            "def f():\n    pass\n", 'def f():\n    """Other."""\n    pass\n', {1: "Doc."}, "not the one rendered", id="another docstring"
        ),
        pytest.param(
            "def f():\n    pass\n",
            'def f():\n    """Doc."""\n    import os\n    pass\n',
            {1: "Doc."},
            "code changed",
            id="injected code",
        ),
        pytest.param("def f():\n    pass\n", 'def f():\n    """Doc.\n    pass\n', {1: "Doc."}, "does not parse", id="unclosed"),
        pytest.param(
            "def f():\n    pass\n\n# end\n", 'def f():\n    """Doc."""\n    pass\n# end\n', {1: "Doc."}, "line 3 changed", id="a blank line lost"
        ),
        pytest.param(
            "def f():\n    pass\n", 'def f():\n    """Doc."""\n    pass\n\n', {1: "Doc."}, "unexpected line", id="a line added"
        ),
    ],
)
def test_verification_catches(old: str, new: str, expected: dict[int, str], message: str) -> None:
    with pytest.raises(VerificationError, match=message):
        verify(old, new, expected)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "def f(a):\n    pass\n",
            'def f(a):\n    """\n\n    Args:\n        a: The first.\n    """\n    pass\n',
            {1: "Args:\n    a: The first."},
            id="no summary line: the sections keep their indentation",
        ),
        pytest.param(
            "def f(a):\n    pass\n",
            'def f(a):\n    """\n\n    :param a: The first,\n        wrapped.\n    """\n    pass\n',
            {1: ":param a: The first,\n    wrapped."},
            id="no summary line: a wrapped field keeps its hanging indent",
        ),
    ],
)
def test_verification_accepts(old: str, new: str, expected: dict[int, str]) -> None:
    """`expected` holds cleaned values: cleaning them again would dedent these."""
    verify(old, new, expected)
