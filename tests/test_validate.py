from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docstring_hook.datatypes import DocstringDraft, ParamDoc, RaisesDoc
from docstring_hook.model.reply import InvalidReply, parse_reply
from docstring_hook.model.validate import check
from tests.conftest import facts_of

GOOD_JSON = json.dumps(
    {
        "summary": "Add two numbers.",
        "description": "",
        "params": [
            {"name": "first", "type": "int", "description": "The first number."},
            {"name": "second", "type": None, "description": "The second number."},
        ],
        "returns": {"type": "int", "description": "The sum."},
        "yields": None,
        "raises": [
            {"exception": "ValueError", "description": "If a number is negative."}
        ],
    }
)
GOOD_DRAFT = DocstringDraft(
    summary="Add two numbers.",
    params=(
        ParamDoc("first", "The first number.", "int"),
        ParamDoc("second", "The second number."),
    ),
    returns="The sum.",
    returns_type="int",
    raises=(RaisesDoc("ValueError", "If a number is negative."),),
)


# Reading replies.


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(GOOD_JSON, GOOD_DRAFT, id="json object"),
        pytest.param(f"```json\n{GOOD_JSON}\n```", GOOD_DRAFT, id="fenced json"),
        pytest.param(
            f"Here is the docstring:\n{GOOD_JSON}\nHope it helps!",
            GOOD_DRAFT,
            id="json in prose",
        ),
        pytest.param(
            '{"summary": "Stop."} and {"summary": "Go."}',
            DocstringDraft("Stop."),
            id="first of two objects",
        ),
        pytest.param(
            '{"summary": "  Stop the engine.  "}',
            DocstringDraft("Stop the engine."),
            id="only a summary",
        ),
        pytest.param(
            '{"summary": "Count.", "returns": "How many.", "yields": {"type": null, "description": ""}}',
            DocstringDraft("Count.", returns="How many."),
            id="returns as a bare string, empty yields as none",
        ),
        pytest.param(
            '{"summary": "Stream rows.", "yields": {"type": "Row", "description": "Each row."}, "extra": 1}',
            DocstringDraft("Stream rows.", yields="Each row.", yields_type="Row"),
            id="yields, unknown keys ignored",
        ),
        pytest.param(
            "Add two numbers.\n\nArgs:\n    first (int): The first number.\n    second: The second number.\n\n"
            "Returns:\n    int: The sum.\n\nRaises:\n    ValueError: If a number is negative.\n",
            GOOD_DRAFT,
            id="plain google docstring",
        ),
        pytest.param(
            '"""Add two numbers.\n\nParameters\n----------\nfirst : int\n    The first number.\nsecond\n'
            "    The second number.\n\nReturns\n-------\nint\n    The sum.\n\nRaises\n------\nValueError\n"
            '    If a number is negative.\n"""',
            GOOD_DRAFT,
            id="plain numpy docstring in triple quotes",
        ),
        pytest.param(
            "Add two numbers.\n\n:param first: The first number.\n:type first: int\n:param second: The second number.\n"
            ":returns: The sum.\n:rtype: int\n:raises ValueError: If a number is negative.\n",
            GOOD_DRAFT,
            id="plain sphinx docstring",
        ),
        pytest.param(
            "Stream rows.\n\nLonger words here.\n\nYields:\n    Row: Each row.\n",
            DocstringDraft(
                "Stream rows.",
                description="Longer words here.",
                yields="Each row.",
                yields_type="Row",
            ),
            id="plain docstring with description and yields",
        ),
        pytest.param(
            "Format {name} into a greeting.",
            DocstringDraft("Format {name} into a greeting."),
            id="plain text with braces",
        ),
        pytest.param(
            "Double a number.\n\nExample:\n    >>> double(2)\n    4\n",
            DocstringDraft("Double a number.", description=">>> double(2)\n4"),
            id="plain examples are kept for check to refuse",
        ),
    ],
)
def test_parse_reply(content: str, expected: DocstringDraft) -> None:
    assert parse_reply(content) == expected


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        pytest.param("", ("the reply is empty",), id="empty"),
        pytest.param(" \n\t", ("the reply is empty",), id="white space"),
        pytest.param("```json\n```", ("the reply is empty",), id="empty fence"),
        pytest.param(
            '[{"summary": "Add."}]',
            ("the reply is a JSON array, not an object",),
            id="a list",
        ),
        pytest.param("null", ("the reply is a JSON null, not an object",), id="null"),
        pytest.param(
            '{"description": "Adds."}', ('"summary" is missing',), id="no summary"
        ),
        pytest.param(
            '{"summary": 3, "params": {"a": "b"}, "raises": "ValueError"}',
            (
                '"summary" must be a string, not number',
                '"params" must be a list, not object',
                '"raises" must be a list, not string',
            ),
            id="wrong types",
        ),
        pytest.param(
            '{"summary": "Add.", "params": [{"description": "x"}, "y", {"name": "z", "type": 1, "description": null}]}',
            (
                '"name" of params[0] is missing',
                "params[1] must be an object, not string",
                '"type" of params[2] must be a string or null, not number',
            ),
            id="wrong params",
        ),
        pytest.param(
            '{"summary": "Add.", "returns": [1], "yields": {"type": "int", "description": 2}, "raises": [{"description": "x"}]}',
            (
                '"returns" must be an object or null, not array',
                '"description" of yields must be a string, not number',
                '"exception" of raises[0] is missing',
            ),
            id="wrong returns, yields, raises",
        ),
        pytest.param(
            '{"summary": "Add two',
            (
                "the reply is not valid JSON: Unterminated string starting at: line 1 column 13 (char 12)",
            ),
            id="cut off json",
        ),
        pytest.param(
            '"""\n\n"""', ("the reply has no summary line",), id="empty triple quotes"
        ),
    ],
)
def test_parse_reply_refuses(content: str, problems: tuple[str, ...]) -> None:
    with pytest.raises(InvalidReply) as raised:
        parse_reply(content)
    assert raised.value.problems == problems
    assert str(raised.value) == "; ".join(problems)


def parses_or_refuses(content: str) -> None:
    try:
        draft = parse_reply(content)
    except InvalidReply as error:
        assert error.problems and all(isinstance(p, str) and p for p in error.problems)
    else:
        assert isinstance(draft, DocstringDraft)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_a_draft_or_invalid_reply(content: str) -> None:
    parses_or_refuses(content)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "summary",
                    "description",
                    "params",
                    "returns",
                    "yields",
                    "raises",
                    "name",
                    "type",
                    "exception",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    JSON_VALUES,
    st.sampled_from(["{}", "```json\n{}\n```", "Sure! {} Done.", '"""{}"""']),
)
def test_any_json_gives_a_draft_or_invalid_reply(value: object, frame: str) -> None:
    parses_or_refuses(
        frame.format(json.dumps(value)) if frame != "{}" else json.dumps(value)
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Args:",
                "Returns:",
                "Raises:",
                "Yields:",
                "Parameters",
                "----------",
                ":param x:",
                ":raises",
                ">>> ",
                "    ",
                "\n",
                "x",
                " : ",
                "int",
                "Example:",
                '"""',
            ]
        ),
        max_size=30,
    )
)
def test_any_docstring_like_text_gives_a_draft_or_invalid_reply(
    parts: list[str],
) -> None:
    parses_or_refuses("".join(parts))


@pytest.mark.parametrize(
    "content", ["{" * 100_000, '{"summary": ' + "[" * 100_000, "{" + '"a": {' * 50_000]
)
def test_deep_or_broken_nesting_is_refused_or_read_as_text(content: str) -> None:
    parses_or_refuses(content)


# Judging drafts against the code.

SOURCE = """\
import errors


def add(first, second=2, *numbers, **options):
    if first < 0:
        raise ValueError(first)
    if not options:
        raise errors.ConfigError("no options")
    return first + second


def log(message) -> None:
    print(message)


def rows(table):
    for row in table:
        yield row


def area(shape) -> float:
    raise NotImplementedError


class Shape:
    def __init__(self, sides: int) -> None:
        self.sides = sides
"""


def draft(
    summary: str = "Do the thing.", params: tuple[str, ...] = (), **fields: object
) -> DocstringDraft:
    """A draft documenting `params` with a fine description each."""
    documented = tuple(ParamDoc(name, f"The {name.lstrip('*')}.") for name in params)
    return DocstringDraft(summary, params=documented, **fields)  # type: ignore[arg-type]


ADD = ("first", "second", "*numbers", "**options")


@pytest.mark.parametrize(
    ("qualname", "candidate", "problems"),
    [
        pytest.param(
            "add", draft(params=ADD, returns="The sum."), (), id="complete function"
        ),
        pytest.param(
            "add",
            draft(params=("first", "second", "numbers", "options"), returns="The sum."),
            (),
            id="star-less names are fine",
        ),
        pytest.param(
            "add",
            draft(params=("first", "third", "first"), returns="The sum."),
            (
                "`third` is documented but is not a parameter",
                "parameter `first` is documented twice",
                "parameter `second` is not documented",
                "parameter `*numbers` is not documented",
                "parameter `**options` is not documented",
            ),
            id="missing, unknown and repeated parameters",
        ),
        pytest.param(
            "add",
            DocstringDraft(
                "Add.",
                params=(ParamDoc("first", " "), *draft(params=ADD[1:]).params),
                returns="The sum.",
            ),
            ("parameter `first` has an empty description",),
            id="empty parameter description",
        ),
        pytest.param(
            "add",
            draft("", params=ADD, returns="Sum."),
            ("the summary is empty",),
            id="empty summary",
        ),
        pytest.param(
            "add",
            draft("Add.\nThen more.", params=ADD, returns="Sum."),
            ("the summary must be a single line",),
            id="two-line summary",
        ),
        pytest.param(
            "add",
            draft("Add " * 60, params=ADD, returns="Sum."),
            ("the summary is longer than 200 characters",),
            id="long summary",
        ),
        pytest.param(
            "add",
            draft("- Add.", params=ADD, returns="Sum."),
            ("the summary must start with a letter or a digit",),
            id="summary starts with a dash",
        ),
        pytest.param(
            "add",
            draft("Args:", params=ADD, returns="Sum."),
            ("the summary must not end with a colon",),
            id="summary is a heading",
        ),
        pytest.param(
            "add",
            draft(params=ADD),
            ("the function returns a value: document it under Returns",),
            id="missing returns",
        ),
        pytest.param(
            "add",
            draft(params=ADD, returns=" "),
            ("the Returns description is empty",),
            id="empty returns",
        ),
        pytest.param(
            "log",
            draft(params=("message",), returns="Nothing."),
            ("Returns is documented but the function returns no value: remove it",),
            id="returns for -> None",
        ),
        pytest.param(
            "area",
            draft(params=("shape",), returns="The area."),
            (),
            id="returns allowed for an annotated stub",
        ),
        pytest.param(
            "area",
            draft(params=("shape",)),
            (),
            id="returns optional for an annotated stub",
        ),
        pytest.param(
            "Shape.__init__",
            draft(params=("sides",), returns="The shape."),
            ("Returns is documented but the function returns no value: remove it",),
            id="returns for __init__",
        ),
        pytest.param(
            "rows",
            draft(params=("table",), yields="Each row."),
            (),
            id="complete generator",
        ),
        pytest.param(
            "rows",
            draft(params=("table",)),
            ("the function is a generator: document what it yields under Yields",),
            id="missing yields",
        ),
        pytest.param(
            "log",
            draft(params=("message",), yields="Lines."),
            ("Yields is documented but the function is not a generator: remove it",),
            id="yields for a plain function",
        ),
        pytest.param(
            "add",
            draft(
                params=ADD,
                returns="Sum.",
                raises=(
                    RaisesDoc("ValueError", "If negative."),
                    RaisesDoc("ConfigError", "Without options."),
                ),
            ),
            (),
            id="raises match by last dotted part",
        ),
        pytest.param(
            "add",
            draft(
                params=ADD,
                returns="Sum.",
                raises=(
                    RaisesDoc("errors.KeyError", "Never."),
                    RaisesDoc(" ", "Sometimes."),
                ),
            ),
            (
                "`errors.KeyError` is documented as raised but the code does not raise it: remove it",
                "a Raises entry names no exception",
            ),
            id="raises not in the code",
        ),
        pytest.param(
            "add",
            draft(
                params=ADD,
                returns="Sum.",
                description="For example:\n\n>>> add(1, 2)\n3",
            ),
            ("the docstring contains an example (`>>>`): remove examples",),
            id="examples",
        ),
        pytest.param("Shape", draft(), (), id="class without parameters"),
        pytest.param(
            "Shape",
            draft(params=("sides",)),
            (),
            id="class with the parameters of __init__",
        ),
        pytest.param(
            "Shape",
            draft(
                params=("corners",),
                returns="A shape.",
                yields="Sides.",
                raises=(RaisesDoc("ValueError", "Bad."),),
            ),
            (
                "`corners` is documented but is not a parameter",
                "a class docstring has no Returns section: remove it",
                "a class docstring has no Yields section: remove it",
                "`ValueError` is documented as raised but the code does not raise it: remove it",
            ),
            id="class with what a class has not",
        ),
    ],
)
def test_check(
    qualname: str, candidate: DocstringDraft, problems: tuple[str, ...]
) -> None:
    assert check(candidate, facts_of(SOURCE, qualname)) == problems


def test_check_allows_examples_when_asked() -> None:
    candidate = draft(params=ADD, returns="Sum.", description=">>> add(1, 2)\n3")
    assert check(candidate, facts_of(SOURCE, "add"), allow_examples=True) == ()


def test_a_parsed_reply_passes_check() -> None:
    reply = json.dumps(
        {
            "summary": "Add numbers.",
            "description": "",
            "params": [
                {"name": n, "type": None, "description": "A number."} for n in ADD
            ],
            "returns": {"type": None, "description": "The sum."},
            "yields": None,
            "raises": [
                {"exception": "errors.ConfigError", "description": "Without options."}
            ],
        }
    )
    assert check(parse_reply(reply), facts_of(SOURCE, "add")) == ()


# The summary's line and the Returns type, against the project and the code.

LONG = "Return the number of widgets that the store keeps for the given customer and region."  # 84 characters


@pytest.mark.parametrize(
    ("source", "qualname", "line_length", "fits"),
    [
        pytest.param("def f():\n    pass\n", "f", 120, True, id="column 4, 120 columns"),
        pytest.param("def f():\n    pass\n", "f", 88, False, id="column 4, 88 columns"),
        pytest.param("class C:\n    def f(self):\n        pass\n", "C.f", 100, True, id="column 8, 100 columns"),
        pytest.param("class C:\n    def f(self):\n        pass\n", "C.f", 98, False, id="column 8, 98 columns: one too few"),
        pytest.param("def f(): pass\n", "f", 96, True, id="one-line suite: the body goes one indent in"),
        pytest.param("def f():\n\tpass\n", "f", 94, False, id="a tab counts four columns"),
    ],
)
def test_the_summary_line_must_fit_the_projects_line_length(
    source: str, qualname: str, line_length: int, fits: bool
) -> None:
    candidate = DocstringDraft(summary=LONG)
    problems = [p for p in check(candidate, facts_of(source, qualname), line_length=line_length) if "summary" in p]
    assert (problems == []) is fits
    if not fits:
        assert problems[0].startswith(f"the summary sentence is 84 characters; at this indentation the project's lines ({line_length} columns)")


LONG_WORDS = "Reinitialise the configuration dictionaries synchronously."  # 5 words, 57 characters


@pytest.mark.parametrize(
    ("summary", "line_length", "words"),
    [
        (LONG, 88, 11),  # 77 characters of room: 11 words of seven
        (LONG, 60, 7),  # 49 characters
        (LONG, 30, 3),  # never fewer than three
        (LONG_WORDS, 60, 3),  # 49 characters would hold 7 such words, but these 5 did not fit
    ],
)
def test_the_length_problem_gives_a_word_budget(summary: str, line_length: int, words: int) -> None:
    problems = check(DocstringDraft(summary=summary), facts_of("def f():\n    pass\n", "f"), line_length=line_length)
    (fit,) = [p for p in problems if "write a shorter summary" in p]
    assert fit.endswith(f"of at most {words} words")


def test_only_the_first_sentence_stays_on_the_summary_line() -> None:
    two = DocstringDraft(summary="Count widgets. " + LONG)
    assert check(two, facts_of("def f():\n    pass\n", "f"), line_length=40) == ()


@pytest.mark.parametrize(
    ("source", "returns_type", "problem"),
    [
        pytest.param(
            "def parts(p):\n    if p:\n        return p.split('/')\n    return [p]\n", "str", None,
            id="a call and a list: the call could be anything",
        ),
        pytest.param(
            "def parts(p):\n    if p:\n        return [p]\n    return []\n", "str",
            "Returns says `str` but every return statement gives a list: correct the type", id="every return builds a list",
        ),
        pytest.param("def parts(p):\n    return [p]\n", "List[str]", None, id="typing.List is a list"),
        pytest.param(
            "def n(p) -> int:\n    return len(p)\n", "str",
            "Returns says `str` but the function is annotated `-> int`: correct the type", id="against the annotation",
        ),
        pytest.param("def n(p) -> int:\n    return len(p)\n", "Widget", None, id="a class name is not judged"),
        pytest.param("def n(p):\n    if p:\n        return None\n    return {}\n", "dict", None, id="None beside a dict"),
        pytest.param(
            "def cached(f):\n    def wrapper(*a):\n        return f(*a)\n    return wrapper\n", "str",
            "Returns says `str` but the function returns the function it defines (`wrapper`): describe that",
            id="a decorator returns its wrapper",
        ),
    ],
)
def test_a_returns_type_the_code_contradicts_is_refused(source: str, returns_type: str, problem: str | None) -> None:
    qualname = source.split("(")[0].removeprefix("def ")
    candidate = DocstringDraft(
        summary="Do it.",
        params=tuple(ParamDoc(name, "A value.") for name in ("p", "f") if f"({name}" in source),
        returns="What it gives.",
        returns_type=returns_type,
    )
    assert [p for p in check(candidate, facts_of(source, qualname)) if "Returns says" in p] == ([problem] if problem else [])


@pytest.mark.parametrize(
    ("summary", "restates"),
    [
        pytest.param("add(a, b) -> int.", True, id="the call"),
        pytest.param("`mod.add(a, b)`", True, id="qualified, in backticks"),
        pytest.param("def add(a, b): add two numbers.", True, id="the def line"),
        pytest.param("Add two numbers.", False, id="what it does"),
        pytest.param("Address the (rare) case.", False, id="a word that starts like the name"),
    ],
)
def test_a_summary_restating_the_signature_is_refused(summary: str, restates: bool) -> None:
    candidate = DocstringDraft(summary=summary, params=(ParamDoc("a", "A."), ParamDoc("b", "B.")), returns="The sum.")
    problems = check(candidate, facts_of("def add(a, b):\n    return a + b\n", "add"))
    assert ("the summary restates the signature: say what the code does instead" in problems) is restates
