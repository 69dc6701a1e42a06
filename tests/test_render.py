from __future__ import annotations

import ast
import dataclasses
import inspect
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docstring_hook.datatypes import (
    DocstringDraft,
    FunctionFacts,
    Param,
    ParamDoc,
    ParamKind,
    RaisesDoc,
    RenderOptions,
    Style,
    Target,
    TargetKind,
)
from docstring_hook.source.render import _literal, render
from docstring_hook.source.styles import style_of

GOOGLE = RenderOptions(style=Style.GOOGLE)
NUMPY = RenderOptions(style=Style.NUMPY)
SPHINX = RenderOptions(style=Style.SPHINX)
PEP257 = RenderOptions(style=Style.PEP257)


def options(base: RenderOptions = GOOGLE, **changes: Any) -> RenderOptions:
    return dataclasses.replace(base, **changes)


def facts(
    *params: Param, returns: str | None = None, kind: TargetKind = TargetKind.FUNCTION
) -> FunctionFacts:
    return FunctionFacts(Target("m.py", "f", 1, kind), "", params=params, returns=returns)


def placed(expected: str, indent: str = "    ", newline: str = "\n") -> str:
    """The literal `expected` shows at column 0, as it is placed at `indent`."""
    first, *rest = textwrap.dedent(expected).strip("\n").split("\n")
    return newline.join([first, *(indent + line if line else "" for line in rest)])


def literal_value(literal: str) -> str:
    value = ast.literal_eval(literal)
    assert isinstance(value, str)
    return inspect.cleandoc(value)


ADD = facts(Param("a", annotation="int"), Param("b"), returns="int")
VARIADIC = facts(
    Param("first"),
    Param("rest", ParamKind.VAR_POSITIONAL, annotation="int"),
    Param("options", ParamKind.VAR_KEYWORD),
)
FULL_DRAFT = DocstringDraft(
    summary="return the sum",
    description="Adds two numbers.",
    params=(ParamDoc("b", "The second.", "float"), ParamDoc("a", "The first.", "str")),
    returns="The total.",
    returns_type="float",
    raises=(RaisesDoc("ValueError", "If a is negative."),),
)
LONG = "Wrap this text " * 8

CASES = [
    # One-liners and the summary line.
    pytest.param(DocstringDraft("return the sum"), ADD, GOOGLE, '"""Return the sum."""', id="one-liner"),
    pytest.param(
        DocstringDraft("  Return the sum!  "), ADD, GOOGLE, '"""Return the sum!"""', id="google keeps ! and strips"
    ),
    pytest.param(DocstringDraft("Is it valid?"), ADD, NUMPY, '"""Is it valid."""', id="numpy wants a period"),
    pytest.param(
        DocstringDraft("np.sum the values"), ADD, GOOGLE, '"""np.sum the values."""', id="identifier not capitalized"
    ),
    pytest.param(
        DocstringDraft("Return " + "x" * 100),
        ADD,
        GOOGLE,
        '"""Return ' + "x" * 100 + '."""',
        id="long summary stays one line",
    ),
    pytest.param(
        DocstringDraft("Return the sum. It adds\nboth. Really, e.g. Three."),
        ADD,
        GOOGLE,
        '''
        """Return the sum.

        It adds both. Really, e.g. Three.
        """
        ''',
        id="second sentence moves to description",
    ),
    pytest.param(
        DocstringDraft("Return the sum.", "\n\nFirst  paragraph\nwraps.\n\n\n\nSecond.\n\n"),
        ADD,
        GOOGLE,
        '''
        """Return the sum.

        First paragraph wraps.

        Second.
        """
        ''',
        id="blank runs collapse",
    ),
    # Styles.
    pytest.param(
        FULL_DRAFT,
        ADD,
        GOOGLE,
        '''
        """Return the sum.

        Adds two numbers.

        Args:
            a: The first.
            b (float): The second.

        Returns:
            The total.

        Raises:
            ValueError: If a is negative.
        """
        ''',
        id="google without types",
    ),
    pytest.param(
        FULL_DRAFT,
        ADD,
        options(GOOGLE, include_types=True),
        '''
        """Return the sum.

        Adds two numbers.

        Args:
            a (int): The first.
            b (float): The second.

        Returns:
            int: The total.

        Raises:
            ValueError: If a is negative.
        """
        ''',
        id="google with types",
    ),
    pytest.param(
        FULL_DRAFT,
        ADD,
        NUMPY,
        '''
        """Return the sum.

        Adds two numbers.

        Parameters
        ----------
        a
            The first.
        b : float
            The second.

        Returns
        -------
        The total.

        Raises
        ------
        ValueError
            If a is negative.
        """
        ''',
        id="numpy without types",
    ),
    pytest.param(
        FULL_DRAFT,
        ADD,
        options(NUMPY, include_types=True),
        '''
        """Return the sum.

        Adds two numbers.

        Parameters
        ----------
        a : int
            The first.
        b : float
            The second.

        Returns
        -------
        int
            The total.

        Raises
        ------
        ValueError
            If a is negative.
        """
        ''',
        id="numpy with types",
    ),
    pytest.param(
        FULL_DRAFT,
        ADD,
        SPHINX,
        '''
        """Return the sum.

        Adds two numbers.

        :param a: The first.
        :param b: The second.
        :type b: float
        :returns: The total.
        :raises ValueError: If a is negative.
        """
        ''',
        id="sphinx without types",
    ),
    pytest.param(
        FULL_DRAFT,
        ADD,
        options(SPHINX, include_types=True),
        '''
        """Return the sum.

        Adds two numbers.

        :param a: The first.
        :type a: int
        :param b: The second.
        :type b: float
        :returns: The total.
        :rtype: int
        :raises ValueError: If a is negative.
        """
        ''',
        id="sphinx with types",
    ),
    pytest.param(
        FULL_DRAFT,
        ADD,
        PEP257,
        '''
        """Return the sum.

        Adds two numbers.

        Arguments:
        a -- The first.
        b -- The second.

        Returns:
        The total.

        Raises:
        ValueError -- If a is negative.
        """
        ''',
        id="pep257 as in its complex example, no types",
    ),
    pytest.param(
        DocstringDraft("Yield the parts.", params=(ParamDoc("text", LONG),), yields="Each part of the text, in the order in which it appears."),
        facts(Param("text", annotation="str"), returns="Iterator[str]"),
        options(PEP257, include_types=True, line_length=40),
        '''
        """Yield the parts.

        Arguments:
        text -- Wrap this text Wrap this
            text Wrap this text Wrap this
            text Wrap this text Wrap this
            text Wrap this text Wrap this
            text

        Yields:
        Each part of the text, in the order
        in which it appears.
        """
        ''',
        id="pep257 entries hang under their name, a value's text does not",
    ),
    pytest.param(
        DocstringDraft(
            "Yield the items.",
            params=(ParamDoc("a", "The first."),),
            yields="Each item.",
            yields_type="str",
        ),
        facts(Param("a"), returns="Iterator[int]"),
        options(GOOGLE, include_types=True),
        '''
        """Yield the items.

        Args:
            a: The first.

        Yields:
            int: Each item.
        """
        ''',
        id="google yields typed by the signature",
    ),
    pytest.param(
        DocstringDraft("Yield the items.", yields="Each item.", yields_type="str"),
        facts(),
        NUMPY,
        '''
        """Yield the items.

        Yields
        ------
        str
            Each item.
        """
        ''',
        id="numpy yields typed by the draft",
    ),
    pytest.param(
        DocstringDraft("Yield the items.", yields="Each item.", yields_type="str", returns="", returns_type=None),
        facts(returns="Generator[int, None, None]"),
        options(SPHINX, include_types=True),
        '''
        """Yield the items.

        :yields: Each item.
        :ytype: int
        """
        ''',
        id="sphinx yields",
    ),
    # Parameters.
    pytest.param(
        DocstringDraft(
            "Combine the values.",
            params=(
                ParamDoc("**options", "Settings."),
                ParamDoc("unknown", "Not in the signature.", "bytes"),
                ParamDoc("*rest", "More values.", "float"),
                ParamDoc("first", "The first value."),
            ),
        ),
        VARIADIC,
        GOOGLE,
        '''
        """Combine the values.

        Args:
            first: The first value.
            *rest: More values.
            **options: Settings.
            unknown (bytes): Not in the signature.
        """
        ''',
        id="signature order, star names, unknown last",
    ),
    pytest.param(
        DocstringDraft("Combine the values.", params=(ParamDoc("rest", ""), ParamDoc("options", "Settings."))),
        VARIADIC,
        options(NUMPY, include_types=True),
        '''
        """Combine the values.

        Parameters
        ----------
        *rest : int
        **options
            Settings.
        """
        ''',
        id="numpy star names and empty description",
    ),
    # Classes.
    pytest.param(
        DocstringDraft("a point in the plane", "Immutable.", returns="Ignored.", yields="Ignored."),
        facts(kind=TargetKind.CLASS),
        GOOGLE,
        '''
        """A point in the plane.

        Immutable.
        """
        ''',
        id="class without params",
    ),
    pytest.param(
        DocstringDraft("A point in the plane.", params=(ParamDoc("x", "Abscissa."),), returns="Ignored."),
        facts(Param("x", annotation="float"), kind=TargetKind.CLASS),
        options(NUMPY, include_types=True),
        '''
        """A point in the plane.

        Parameters
        ----------
        x : float
            Abscissa.
        """
        ''',
        id="class params describe init",
    ),
    # Wrapping and layout.
    pytest.param(
        DocstringDraft("Wrap it.", LONG, params=(ParamDoc("a", LONG),)),
        ADD,
        options(GOOGLE, line_length=60),
        '''
        """Wrap it.

        Wrap this text Wrap this text Wrap this text Wrap this
        text Wrap this text Wrap this text Wrap this text Wrap
        this text

        Args:
            a: Wrap this text Wrap this text Wrap this text Wrap
                this text Wrap this text Wrap this text Wrap
                this text Wrap this text
        """
        ''',
        id="wrap at 60 with indent 4",
    ),
    pytest.param(
        DocstringDraft("Wrap it.", LONG, params=(ParamDoc("a", LONG),)),
        ADD,
        options(NUMPY, line_length=60, indent=" " * 12),
        '''
        """Wrap it.

        Wrap this text Wrap this text Wrap this text
        Wrap this text Wrap this text Wrap this text
        Wrap this text Wrap this text

        Parameters
        ----------
        a
            Wrap this text Wrap this text Wrap this text
            Wrap this text Wrap this text Wrap this text
            Wrap this text Wrap this text
        """
        ''',
        id="wrap at 60 with indent 12",
    ),
    pytest.param(
        DocstringDraft("Wrap it.", LONG, params=(ParamDoc("a", LONG),)),
        ADD,
        options(SPHINX, line_length=60, indent=" " * 8),
        '''
        """Wrap it.

        Wrap this text Wrap this text Wrap this text Wrap
        this text Wrap this text Wrap this text Wrap this
        text Wrap this text

        :param a: Wrap this text Wrap this text Wrap this
            text Wrap this text Wrap this text Wrap this
            text Wrap this text Wrap this text
        """
        ''',
        id="sphinx wrap at 60 with indent 8",
    ),
    pytest.param(
        DocstringDraft(
            "Show examples.",
            "Intro text\nthat wraps.\n\n>>> f(1)\n2\n\n- one\n- two\n\n1. first\n\n    indented   \n\n"
            "```python\nx  =  1\n\n\n\ny = 2\n```",
        ),
        ADD,
        GOOGLE,
        '''
        """Show examples.

        Intro text that wraps.

        >>> f(1)
        2

        - one
        - two

        1. first

            indented

        ```python
        x  =  1

        y = 2
        ```
        """
        ''',
        id="pre-formatted kept",
    ),
    pytest.param(
        DocstringDraft("Show code.", "    x = 1\n\n      y = 2"),
        ADD,
        PEP257,
        '''
        """Show code.

        x = 1

          y = 2
        """
        ''',
        id="body indented as a whole is dedented",
    ),
    pytest.param(
        DocstringDraft("Show it.", params=(ParamDoc("a", "Either:\n\n- one\n- two"),)),
        ADD,
        GOOGLE,
        '''
        """Show it.

        Args:
            a: Either:

                - one
                - two
        """
        ''',
        id="pre-formatted entry paragraph",
    ),
    # Escaping.
    pytest.param(
        DocstringDraft('Quote """ this.', 'Then """" and ""'),
        ADD,
        GOOGLE,
        r'''
        """Quote \"\"\" this.

        Then \"\"\"\" and ""
        """
        ''',
        id="triple quotes escaped",
    ),
    pytest.param(
        DocstringDraft('Say "hi"'), ADD, GOOGLE, '"""Say "hi"."""', id="trailing quote gets the period first"
    ),
    pytest.param(
        DocstringDraft("Split on \\n."), ADD, GOOGLE, r'r"""Split on \n."""', id="backslash makes a raw literal"
    ),
    pytest.param(
        DocstringDraft('"Quoted" names \\ kept.'),
        ADD,
        GOOGLE,
        r'"""\N{QUOTATION MARK}Quoted" names \\ kept."""',
        id="leading quote gets a named escape",
    ),
    pytest.param(
        DocstringDraft("Join paths.", "Like C:\\temp\\\n\n    and more \\\\\n\nEnds \\"),
        ADD,
        GOOGLE,
        r'''
        r"""Join paths.

        Like C:\temp\

            and more \\

        Ends \
        """
        ''',
        id="trailing backslash in raw literal",
    ),
    pytest.param(
        DocstringDraft('Quote """ and \\n.', "Ends with \\"),
        ADD,
        GOOGLE,
        r'''
        """Quote \"\"\" and \\n.

        Ends with \\
        """
        ''',
        id="backslash and triple quote make an escaped literal",
    ),
    pytest.param(
        DocstringDraft("Return\x00 the\x07 \x1b[31msum\x7f.\x0b\x0c\x85\ud800", "a\x1cb"),
        ADD,
        GOOGLE,
        '''
        """Return the [31msum.

        ab
        """
        ''',
        id="control characters removed",
    ),
    pytest.param(
        DocstringDraft("Return\u202e the\u200b sum\ufeff.", "One\u2028two\u2029three\u2066."),
        ADD,
        GOOGLE,
        '''
        """Return the sum.

        Onetwothree.
        """
        ''',
        id="bidi and invisible characters removed",
    ),
    pytest.param(
        DocstringDraft("Return the sum.", "Line one\rline two\r\n\r\nNext."),
        ADD,
        GOOGLE,
        '''
        """Return the sum.

        Line one line two

        Next.
        """
        ''',
        id="carriage returns normalized",
    ),
    pytest.param(
        DocstringDraft("Return the café sum — ﬁne ☃.", "Naïve ™."),
        ADD,
        options(GOOGLE, encoding="latin-1"),
        '''
        """Return the café sum ? fine ?.

        Naïve TM.
        """
        ''',
        id="latin-1 replacement",
    ),
    pytest.param(
        DocstringDraft("Return the café sum — ﬁne.", "Naïve\tword.\n\n    x\ty"),
        ADD,
        options(GOOGLE, encoding="ascii"),
        '''
        """Return the cafe sum ? fine.

        Naive word.

            x   y
        """
        ''',
        id="ascii replacement and tabs",
    ),
]


@pytest.mark.parametrize(("draft", "function", "how", "expected"), CASES)
def test_render(draft: DocstringDraft, function: FunctionFacts, how: RenderOptions, expected: str) -> None:
    rendered = render(draft, function, how)
    assert rendered.literal == placed(expected, how.indent)
    assert literal_value(rendered.literal) == rendered.value


def test_tabs_and_crlf() -> None:
    draft = DocstringDraft("Return the sum.", "More text.", params=(ParamDoc("a", "The first."),))
    rendered = render(draft, ADD, options(indent="\t\t", newline="\r\n"))
    assert rendered.literal == (
        '"""Return the sum.\r\n\r\n\t\tMore text.\r\n\r\n\t\tArgs:\r\n\t\t    a: The first.\r\n\t\t"""'
    )
    assert rendered.value == "Return the sum.\n\nMore text.\n\nArgs:\n    a: The first."
    assert literal_value(rendered.literal) == rendered.value


def test_tabs_count_four_columns_when_wrapping() -> None:
    draft = DocstringDraft("Wrap it.", LONG)
    rendered = render(draft, ADD, options(indent="\t\t", line_length=40))
    assert rendered.literal == placed(
        """
        \"\"\"Wrap it.

        Wrap this text Wrap this text
        Wrap this text Wrap this text
        Wrap this text Wrap this text
        Wrap this text Wrap this text
        \"\"\"
        """,
        "\t\t",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param('Say "hi"', r'"""Say "hi\""""', id="trailing quote"),
        pytest.param('Say ""', r'"""Say "\""""', id="trailing quote pair"),
        pytest.param('Say """', r'"""Say \"\"\""""', id="trailing quote run"),
        pytest.param('Say \\"', r'"""Say \\\""""', id="backslash then trailing quote"),
        pytest.param("Ends \\", r'"""Ends \\"""', id="trailing backslash"),
        pytest.param("Ends \\\\", r'r"""Ends \\"""', id="even trailing backslashes"),
        pytest.param('"Lead \\', r'"""\N{QUOTATION MARK}Lead \\"""', id="leading quote and backslash"),
    ],
)
def test_literal_edges(value: str, expected: str) -> None:
    """Quoting at the edges; a whole docstring never ends with a quote, its summary ends with punctuation."""
    assert _literal(value) == expected
    assert ast.literal_eval(expected) == value


def test_reply_cannot_become_code() -> None:
    attack = '"""\nimport os; os.system("x")\n"""'
    draft = DocstringDraft("Return a.", attack, params=(ParamDoc("a", attack),))
    for style in Style:
        rendered = render(draft, facts(Param("a")), options(style=style))
        module = ast.parse(f"def f(a):\n    {rendered.literal}\n    return a\n")
        (function,) = module.body
        assert isinstance(function, ast.FunctionDef)
        assert len(function.body) == 2
        assert 'import os; os.system("x")' in (ast.get_docstring(function) or "")
        assert ast.get_docstring(function) == rendered.value


# Any character (surrogates too), or mostly the ones that are hard to quote.
TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=120) | st.text(
    alphabet=st.sampled_from('"\\\n\r\t \'x.é\u202e\x00\x0c\x85\u2028\ud800'), max_size=40
)


@settings(max_examples=300, deadline=None)
@given(
    summary=TEXT,
    description=TEXT,
    param_text=TEXT,
    returns=st.none() | TEXT,
    style=st.sampled_from(Style),
    indent=st.sampled_from([" ", "    ", "\t", "        ", "\t\t", " \t"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "latin-1"]),
    line_length=st.integers(min_value=1, max_value=120),
)
def test_any_text_stays_one_inert_literal(
    summary: str,
    description: str,
    param_text: str,
    returns: str | None,
    style: Style,
    indent: str,
    newline: str,
    encoding: str,
    line_length: int,
) -> None:
    draft = DocstringDraft(
        summary, description, (ParamDoc("a", param_text), ParamDoc(param_text, summary)), returns, returns
    )
    how = RenderOptions(style=style, indent=indent, newline=newline, line_length=line_length, encoding=encoding)
    rendered = render(draft, facts(Param("a", annotation="int"), returns="int"), how)
    rendered.literal.encode(encoding)
    module = ast.parse(f"def f(a):\n{how.indent}{rendered.literal}\n{how.indent}return a\n")
    assert len(module.body) == 1
    function = module.body[0]
    assert isinstance(function, ast.FunctionDef)
    assert len(function.body) == 2
    first = function.body[0]
    assert isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    assert isinstance(first.value.value, str)
    assert inspect.cleandoc(first.value.value) == rendered.value
    assert literal_value(rendered.literal) == rendered.value
    assert all(line == line.rstrip() for line in rendered.literal.split(newline))


LINT_MODULE = '''\
"""Sample module for the docstring lint test."""

from collections.abc import Iterator


def add(a: int, b: int = 0, *rest: int, **options: str) -> int:
    @add@
    if a < 0:
        raise ValueError("negative")
    return a + b + sum(rest) + len(options)


def pairs(items: list[str]) -> Iterator[tuple[int, str]]:
    @pairs@
    yield from enumerate(items)


class Point:
    @point@

    def __init__(self, x: float, y: float) -> None:
        @init@
        self.x = x
        self.y = y

    def scaled(self, factor: float) -> float:
        @scaled@
        return self.x * factor


def outer(values: list[float]) -> float:
    @outer@

    def inner(value: float) -> float:
        @inner@
        return value * 2

    return sum(inner(value) for value in values)


def quoted(name: str) -> str:
    @quoted@
    return '"' + name + '"'


def lines(text: str) -> list[str]:
    @lines@
    return text.split("\\n")
'''

ABOUT = (
    "The values are added from left to right, and the keyword options only count towards the total "
    "by their number, which keeps this example short while still needing several lines of text."
)
LINT_TARGETS = [
    (
        "add",
        "    ",
        DocstringDraft(
            "return the sum of the numbers",
            ABOUT,
            (
                ParamDoc("a", "The first number, which must not be negative for this sum to be computed at all."),
                ParamDoc("b", "The second number."),
                ParamDoc("rest", "More numbers."),
                ParamDoc("options", "Options, only counted."),
            ),
            returns="The sum.",
            raises=(RaisesDoc("ValueError", "If `a` is negative."),),
        ),
        facts(
            Param("a", annotation="int"),
            Param("b", annotation="int", default="0"),
            Param("rest", ParamKind.VAR_POSITIONAL, annotation="int"),
            Param("options", ParamKind.VAR_KEYWORD, annotation="str"),
            returns="int",
        ),
    ),
    (
        "pairs",
        "    ",
        DocstringDraft(
            "Yield each item with its index.",
            params=(ParamDoc("items", "The items."),),
            yields="The index and the item.",
        ),
        facts(Param("items", annotation="list[str]"), returns="Iterator[tuple[int, str]]"),
    ),
    (
        "point",
        "    ",
        DocstringDraft(
            "A point in the plane.",
            "Points are plain values.",
            (ParamDoc("x", "The abscissa."), ParamDoc("y", "The ordinate.")),
        ),
        facts(Param("x", annotation="float"), Param("y", annotation="float"), kind=TargetKind.CLASS),
    ),
    ("init", "        ", DocstringDraft("Initialize the point."), facts(kind=TargetKind.METHOD)),
    (
        "scaled",
        "        ",
        DocstringDraft(
            "Return the abscissa scaled by a factor.",
            params=(ParamDoc("factor", "How much to scale " * 6),),
            returns="The scaled abscissa.",
        ),
        facts(Param("factor", annotation="float"), returns="float", kind=TargetKind.METHOD),
    ),
    (
        "outer",
        "    ",
        DocstringDraft("Return twice the total.", params=(ParamDoc("values", "The values."),), returns="The total."),
        facts(Param("values", annotation="list[float]"), returns="float"),
    ),
    (
        "inner",
        "        ",
        DocstringDraft(
            "Return the value doubled.",
            ABOUT,
            (ParamDoc("value", "The value to double, " * 5),),
            returns="Twice the value.",
        ),
        facts(Param("value", annotation="float"), returns="float"),
    ),
    (
        "quoted",
        "    ",
        DocstringDraft('"Quote" the name.', params=(ParamDoc("name", 'The name, as in "x".'),), returns="The quoted name."),
        facts(Param("name", annotation="str"), returns="str"),
    ),
    (
        "lines",
        "    ",
        DocstringDraft(
            "Split the text at each \\n.",
            "A \\ at the end of a line stays: C:\\temp\\",
            (ParamDoc("text", "Lines with \\r\\n or \\n."),),
            returns="The lines.",
        ),
        facts(Param("text", annotation="str"), returns="list[str]"),
    ),
]

CONVENTIONS = {Style.GOOGLE: "google", Style.NUMPY: "numpy", Style.SPHINX: "pep257", Style.PEP257: "pep257"}


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, timeout=60)


WRITTEN = [style for style in Style if style is not Style.AUTO]  # "auto" is resolved before rendering


@pytest.mark.parametrize("include_types", [False, True], ids=["untyped", "typed"])
@pytest.mark.parametrize("style", WRITTEN, ids=[style.value for style in WRITTEN])
def test_rendered_module_passes_ruff_and_black(style: Style, include_types: bool, tmp_path: Path) -> None:
    ruff, black = tool("ruff"), tool("black")
    source = LINT_MODULE
    for marker, indent, draft, function in LINT_TARGETS:
        rendered = render(draft, function, RenderOptions(style=style, indent=indent, include_types=include_types))
        source = source.replace(f"@{marker}@", rendered.literal)
    path = tmp_path / "sample.py"
    path.write_text(source)
    convention = f'lint.pydocstyle.convention="{CONVENTIONS[style]}"'
    checks = [
        run(ruff, "check", "--isolated", "--no-cache", "--select", "D", "--config", convention, str(path), cwd=tmp_path),
        run(ruff, "format", "--isolated", "--no-cache", "--diff", str(path), cwd=tmp_path),
        run(black, "--check", "--diff", "-q", str(path), cwd=tmp_path),
    ]
    for result in checks:
        assert result.returncode == 0, f"{result.args}\n{result.stdout}{result.stderr}\n{source}"


@pytest.mark.parametrize("style", WRITTEN, ids=[style.value for style in WRITTEN])
def test_what_a_style_writes_counts_as_that_style(style: Style) -> None:
    # `style = "auto"` reads the tool's own docstrings too: writing must not tip a repository to another style.
    rendered = render(FULL_DRAFT, ADD, RenderOptions(style=style))
    assert style_of(rendered.value) is style
