"""The blank lines black and ruff format want around what we insert, and only those.

Each row is a layout the formatters leave alone (`before`), the text we make
of it (`after`), written out by hand, and the formatters whose verdict
counts for it (a few layouts are left alone by one formatter only). The real
formatters then check every `before` and every `after` of the table: a row
whose `before` they would change tests nothing, and an `after` they would
change is a bug.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Collection
from pathlib import Path

import pytest

from docstring_hook.source.rewrite import insert_docstrings
from docstring_hook.source.verify import VerificationError, verify

BOTH = ("black", "ruff")


def one_line(line: int, indent: str, newline: str) -> str:
    return f'"""Doc {line}."""'


def two_lines(line: int, indent: str, newline: str) -> str:
    return f'"""Doc {line}.{newline}{newline}{indent}More.{newline}{indent}"""'


LAYOUTS = [
    # After a function docstring: one blank line before a definition, above its comments.
    pytest.param(
        "def outer(a):\n    def inner(b):\n        return b\n\n    return inner(a)\n",
        {1},
        'def outer(a):\n    """Doc 1."""\n\n    def inner(b):\n        return b\n\n    return inner(a)\n',
        BOTH,
        id="nested def",
    ),
    pytest.param(
        "def outer():\n    async def inner():\n        pass\n\n    return inner\n",
        {1},
        'def outer():\n    """Doc 1."""\n\n    async def inner():\n        pass\n\n    return inner\n',
        BOTH,
        id="nested async def",
    ),
    pytest.param(
        "def outer():\n    class Inner:\n        pass\n\n    return Inner\n",
        {1},
        'def outer():\n    """Doc 1."""\n\n    class Inner:\n        pass\n\n    return Inner\n',
        BOTH,
        id="nested class",
    ),
    pytest.param(
        "def deco(f):\n    @wraps(f)\n    def wrapper(*a):\n        return f(*a)\n\n    return wrapper\n",
        {1},
        'def deco(f):\n    """Doc 1."""\n\n    @wraps(f)\n    def wrapper(*a):\n        return f(*a)\n\n    return wrapper\n',
        BOTH,
        id="a @wraps(f) wrapper",
    ),
    pytest.param(
        "def outer():\n    # about inner\n    # and more\n    def inner():\n        pass\n\n    return inner\n",
        {1},
        'def outer():\n    """Doc 1."""\n\n    # about inner\n    # and more\n    def inner():\n        pass\n\n    return inner\n',
        BOTH,
        id="comments on top of the nested def: the blank line goes above them",
    ),
    pytest.param(
        "def outer():\n    # about inner\n\n    def inner():\n        pass\n\n    return inner\n",
        {1},
        'def outer():\n    """Doc 1."""\n    # about inner\n\n    def inner():\n        pass\n\n    return inner\n',
        BOTH,
        id="a comment, a blank line, the def: nothing added",
    ),
    pytest.param(
        "def outer():\n\n    def inner():\n        pass\n\n    return inner\n",
        {1},
        'def outer():\n    """Doc 1."""\n\n    def inner():\n        pass\n\n    return inner\n',
        BOTH,
        id="an existing blank line is kept, not doubled",
    ),
    pytest.param(
        "def outer(a):\n    # type: (int) -> None\n    def inner():\n        pass\n",
        {1},
        'def outer(a):\n    # type: (int) -> None\n    """Doc 1."""\n\n    def inner():\n        pass\n',
        BOTH,
        id="type comment stays under the def line",
    ),
    pytest.param(
        "class C:\n    def m(self):\n        def g():\n            pass\n\n        return g\n",
        {2},
        'class C:\n    def m(self):\n        """Doc 2."""\n\n        def g():\n            pass\n\n        return g\n',
        BOTH,
        id="a method with a nested def",
    ),
    pytest.param(
        "class A:\n    class B:\n        def m(self):\n            def g():\n                pass\n\n            return g\n",
        {1, 2, 3, 4},
        'class A:\n    """Doc 1."""\n\n    class B:\n        """Doc 2."""\n\n        def m(self):\n            """Doc 3."""\n\n'
        '            def g():\n                """Doc 4."""\n                pass\n\n            return g\n',
        BOTH,
        id="a whole nest",
    ),
    pytest.param(
        "def outer():\r\n    def inner():\r\n        pass\r\n\r\n    return inner\r\n",
        {1},
        'def outer():\r\n    """Doc 1."""\r\n\r\n    def inner():\r\n        pass\r\n\r\n    return inner\r\n',
        BOTH,
        id="crlf blank line",
    ),
    pytest.param(
        "def f():\n    # about x\n    x = 1\n    if x:\n        return 1\n    return 2\n",
        {1},
        'def f():\n    """Doc 1."""\n    # about x\n    x = 1\n    if x:\n        return 1\n    return 2\n',
        BOTH,
        id="code follows a function docstring: nothing added",
    ),
    pytest.param(
        "def f():\n    if TYPE_CHECKING:\n        pass\n",
        {1},
        'def f():\n    """Doc 1."""\n    if TYPE_CHECKING:\n        pass\n',
        BOTH,
        id="a compound statement follows: nothing added",
    ),
    pytest.param(
        "class C:\n    def m(self):\n        pass\n",
        {1},
        'class C:\n    """Doc 1."""\n\n    def m(self):\n        pass\n',
        BOTH,
        id="class docstring, then a method",
    ),
    # After a one-line definition we split, before a definition that followed it directly.
    pytest.param(
        "def a(): ...\ndef b(): ...\n",
        {1},
        'def a():\n    """Doc 1."""\n    ...\n\n\ndef b(): ...\n',
        BOTH,
        id="stubs at module level: two blank lines",
    ),
    pytest.param(
        "def a(): ...\ndef b(): ...\n",
        {1, 2},
        'def a():\n    """Doc 1."""\n    ...\n\n\ndef b():\n    """Doc 2."""\n    ...\n',
        BOTH,
        id="both stubs documented",
    ),
    pytest.param(
        "def a(): ...\ndef b(): ...\n",
        {2},
        'def a(): ...\ndef b():\n    """Doc 2."""\n    ...\n',
        BOTH,
        id="only the second stub: nothing added",
    ),
    pytest.param(
        "def a(): ...  # note\ndef b(): ...\n",
        {1},
        'def a():\n    """Doc 1."""\n    ...  # note\n\n\ndef b(): ...\n',
        BOTH,
        id="stub with a comment",
    ),
    pytest.param(
        "async def a(): ...\nasync def b(): ...\n",
        {1},
        'async def a():\n    """Doc 1."""\n    ...\n\n\nasync def b(): ...\n',
        BOTH,
        id="async stubs",
    ),
    pytest.param(
        "class P:\n    def m(self) -> int: ...\n    def n(self) -> int: ...\n",
        {2},
        'class P:\n    def m(self) -> int:\n        """Doc 2."""\n        ...\n\n    def n(self) -> int: ...\n',
        BOTH,
        id="stub methods: one blank line",
    ),
    pytest.param(
        "class P:\n    def m(self) -> int: ...\n    @property\n    def n(self) -> int: ...\n",
        {2},
        'class P:\n    def m(self) -> int:\n        """Doc 2."""\n        ...\n\n    @property\n    def n(self) -> int: ...\n',
        BOTH,
        id="a decorated stub follows",
    ),
    pytest.param(
        "class P:\n    def m(self) -> int: ...\n    class B: ...\n",
        {2},
        'class P:\n    def m(self) -> int:\n        """Doc 2."""\n        ...\n\n    class B: ...\n',
        ("black",),
        id="a stub class follows a stub method (black's layout)",
    ),
    pytest.param(
        "class P:\n    def m(self) -> int: ...\n    # about n\n    def n(self) -> int: ...\n",
        {2},
        'class P:\n    def m(self) -> int:\n        """Doc 2."""\n        ...\n\n    # about n\n    def n(self) -> int: ...\n',
        ("ruff",),
        id="a comment on top of the next stub (ruff's layout)",
    ),
    pytest.param(
        "def a(): ...\n# about b\ndef b(): ...\n",
        {1},
        'def a():\n    """Doc 1."""\n    ...\n\n\n# about b\ndef b(): ...\n',
        ("ruff",),
        id="a comment between stubs at module level (ruff's layout)",
    ),
    pytest.param(
        "class P:\n    def m(self) -> int: ...\n\n    def n(self) -> int: ...\n",
        {2},
        'class P:\n    def m(self) -> int:\n        """Doc 2."""\n        ...\n\n    def n(self) -> int: ...\n',
        BOTH,
        id="an existing blank line after a stub is kept, not doubled",
    ),
    pytest.param(
        "def f():\n    def a(): ...\n    def b(): ...\n",
        {1, 2, 3},
        'def f():\n    """Doc 1."""\n\n    def a():\n        """Doc 2."""\n        ...\n\n    def b():\n        """Doc 3."""\n        ...\n',
        BOTH,
        id="stubs in a function",
    ),
    pytest.param(
        "if x:\n\n    def a(): ...\n    def b(): ...\n",
        {3},
        'if x:\n\n    def a():\n        """Doc 3."""\n        ...\n\n    def b(): ...\n',
        BOTH,
        id="stubs in an if block: one blank line",
    ),
    pytest.param(
        "class E(Exception): ...\n\n\nclass F(Exception): ...\n",
        {1},
        'class E(Exception):\n    """Doc 1."""\n\n    ...\n\n\nclass F(Exception): ...\n',
        BOTH,
        id="stub classes, already apart",
    ),
    pytest.param(
        "@overload\ndef f(a: int) -> int: ...\n@overload\ndef f(a: str) -> str: ...\ndef f(a):\n    return a\n",
        {2, 4, 5},
        '@overload\ndef f(a: int) -> int:\n    """Doc 2."""\n    ...\n\n\n@overload\ndef f(a: str) -> str:\n    """Doc 4."""\n'
        '    ...\n\n\ndef f(a):\n    """Doc 5."""\n    return a\n',
        BOTH,
        id="overloads",
    ),
]


def rewrite(source: str, lines: set[int]) -> str:
    result = insert_docstrings(source, lines, one_line)
    verify(source, result.text, {line: f"Doc {line}." for line in result.inserted})
    assert result.inserted == sorted(lines)
    return result.text


@pytest.mark.parametrize(("before", "lines", "after", "formatters"), LAYOUTS)
def test_blank_lines_formatters_want(before: str, lines: set[int], after: str, formatters: tuple[str, ...]) -> None:
    assert rewrite(before, lines) == after


def test_a_multi_line_docstring_is_followed_by_the_blank_line() -> None:
    source = "def outer():\n    def inner():\n        pass\n"
    result = insert_docstrings(source, {1}, two_lines)
    assert result.text == 'def outer():\n    """Doc 1.\n\n    More.\n    """\n\n    def inner():\n        pass\n'
    verify(source, result.text, {1: "Doc 1.\n\nMore."})


def formatter_command(name: str) -> list[str]:
    pytest.importorskip(name)
    if name == "black":
        return [sys.executable, "-m", "black", "--check"]
    return [sys.executable, "-m", "ruff", "format", "--check", "--isolated", "--no-cache"]


def unformatted(name: str, texts: dict[str, str], folder: Path) -> set[str]:
    """The keys of `texts` the formatter would change, all checked in one run."""
    folder.mkdir()
    (folder / "pyproject.toml").write_text("[tool.black]\n")  # the project root: no settings from above
    for key, text in texts.items():
        (folder / f"{key}.py").write_bytes(text.encode())
    result = subprocess.run(
        [*formatter_command(name), "."], check=False, cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert result.returncode in (0, 1), result.stderr
    changed = {key for key in texts if f"{key}.py" in result.stdout + result.stderr}
    assert bool(changed) == (result.returncode == 1), result.stdout + result.stderr
    return changed


@pytest.mark.parametrize("name", BOTH)
def test_the_formatters_agree_with_the_table(name: str, tmp_path: Path) -> None:
    rows = [param.values for param in LAYOUTS if name in param.values[3]]
    ids = [param.id for param in LAYOUTS if name in param.values[3]]
    befores = {f"case{n}": row[0] for n, row in enumerate(rows)}
    afters = {f"case{n}": row[2] for n, row in enumerate(rows)}
    assert not named(unformatted(name, befores, tmp_path / "before"), ids), "these rows test nothing"
    assert not named(unformatted(name, afters, tmp_path / "after"), ids), f"{name} would change these"


def named(keys: Collection[str], ids: list[str]) -> list[str]:
    return [ids[int(key.removeprefix("case"))] for key in sorted(keys)]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "def f():\n    return 1\n",
            'def f():\n    """Doc 1."""\n\n    return 1\n',
            "line 2 changed",
            id="after a function docstring that code follows",
        ),
        pytest.param(
            "def f():\n    def g():\n        pass\n",
            'def f():\n    """Doc 1."""\n\n\n    def g():\n        pass\n',
            "line 2 changed",
            id="two after a function docstring",
        ),
        pytest.param(
            "def f():\n    # c\n    def g():\n        pass\n",
            'def f():\n    """Doc 1."""\n    # c\n\n    def g():\n        pass\n',
            "line 3 changed",
            id="below the comment instead of right after the docstring",
        ),
        pytest.param(
            "def f():\n    x = 1\n    def g():\n        pass\n",
            'def f():\n    """Doc 1."""\n    x = 1\n\n    def g():\n        pass\n',
            "line 3 changed",
            id="before a definition, away from the docstring",
        ),
        pytest.param(
            "def f():\n    def g():\n        pass\n",
            'def f():\n    """Doc 1."""\n    \n    def g():\n        pass\n',
            "line 2 changed",
            id="a line of spaces, not a blank line",
        ),
        pytest.param(
            "def f():\n    def g():\n        pass\n",
            'def f():\n    """Doc 1."""\r\n\n    def g():\n        pass\n',
            "line 2 changed",
            id="a blank line of another ending",
        ),
        pytest.param(
            "def a(): ...\ndef b(): ...\n",
            'def a():\n    """Doc 1."""\n    ...\n\n\n\ndef b(): ...\n',
            "line 2 changed",
            id="three after a split stub at module level",
        ),
        pytest.param(
            "class P:\n    def m(self): ...\n    def n(self): ...\n",
            'class P:\n    def m(self):\n        """Doc 2."""\n        ...\n\n\n    def n(self): ...\n',
            "line 3 changed",
            id="two after a split stub in a block",
        ),
        pytest.param(
            "def a(): ...\nx = 1\n",
            'def a():\n    """Doc 1."""\n    ...\n\n\nx = 1\n',
            "line 2 changed",
            id="after a split stub that code follows",
        ),
        pytest.param(
            "def a():\n    ...\ndef b(): ...\n",
            'def a():\n    """Doc 1."""\n    ...\n\n\ndef b(): ...\n',
            "line 3 changed",
            id="after a definition that was not split",
        ),
        pytest.param(
            "def a(): ...\ndef b(): ...\n",
            'def a(): ...\n\n\ndef b():\n    """Doc 2."""\n    ...\n',
            "line 2 changed",
            id="before the split stub instead of after it",
        ),
        pytest.param(
            "def f():\n    def g():\n        pass\n",
            'def f():\n    """Doc 1."""\n    def g():\n        pass\n\n',
            "unexpected line",
            id="at the end of the file",
        ),
    ],
)
def test_a_stray_blank_line_is_refused(old: str, new: str, message: str) -> None:
    expected = {line: f"Doc {line}." for line in (1, 2) if f"Doc {line}." in new}
    with pytest.raises(VerificationError, match=message):
        verify(old, new, expected)
