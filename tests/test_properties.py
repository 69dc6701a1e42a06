"""Any docstring text, in any of many real layouts, keeps every invariant of a rewrite.

The checks are those of the corpus test (`invariant_problems`), plus one of
inertness: the new module has one more string statement per docstring added,
and not one other node.
"""

from __future__ import annotations

import ast
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docstring_hook.datatypes import DocstringDraft, FunctionFacts, ParamDoc, RaisesDoc, RenderOptions, Style
from docstring_hook.repo.files import SourceFile
from docstring_hook.source.document import document
from tests.test_corpus import definitions, docstring_of, facts_of, invariant_problems

SOURCES = [
    pytest.param("def outer(a, b=1):\n    def inner(x):\n        return x + a\n    return inner(b)\n", id="nested"),
    pytest.param(
        "@functools.lru_cache(maxsize=None)\n@staticmethod\ndef cached(n: int) -> int:\n    return n * 2\n", id="decorated"
    ),
    pytest.param("def f(): return 1\n", id="one-line suite"),
    pytest.param("class E(Exception): pass\n", id="one-line class"),
    pytest.param("def g(x): y = x; return y  # why\n", id="one-line suite with a comment"),
    pytest.param("def g(a,\n      b): return a\n", id="one-line suite under a two-line header"),
    pytest.param("def h():\n    # first\n\n    # second\n    return None\n", id="comments before the body"),
    pytest.param("def t(a, b):\n    # type: (int, str) -> bool\n    return bool(a)\n", id="type comment below"),
    pytest.param("def t(a):  # type: (int) -> int\n    return a\n", id="type comment on the def line"),
    pytest.param(
        "class C:\r\n    def m(self, x):\r\n        return x\r\n\r\n    async def n(self):\r\n        await self.m(1)\r\n",
        id="crlf",
    ),
    pytest.param("class T:\n\tdef m(self):\n\t\tif True:\n\t\t\treturn 1\n", id="tabs"),
    pytest.param("class A:\n  class B:\n    def c(self):\n      def d():\n        return 1\n      return d\n", id="two spaces"),
    pytest.param(
        "if True:\n    def a():\n        pass\nelse:\n    def a():\n        pass\n"
        "try:\n    class B:\n        x = 1\nexcept ImportError:\n    B = None\n",
        id="inside if and try",
    ),
    pytest.param("async def agen(n, *args, key=None, **kw):\n    for i in range(n):\n        yield i\n", id="async generator"),
    pytest.param("def last(x):\n    return x", id="no final newline"),
    pytest.param(
        "class P:\n\n    x: int = 0\n\n    @property\n    def value(self) -> int:\n        return self.x\n\n"
        "    @value.setter\n    def value(self, v: int) -> None:\n        self.x = v\n",
        id="class with a property",
    ),
    pytest.param("def long(\n    a,\n    b,\n):  # trailing\n    return (a +\n            b)\n", id="multi-line header"),
    pytest.param('def documented():\n    """Has one."""\n\ndef bare():\n    pass\n', id="a neighbour with a docstring"),
    pytest.param('def blank():\n    """  """\n    return 1\n', id="blank docstring replaced"),
    pytest.param('def f(x):\n    f"{x} is no docstring"\n    b"nor this"\n', id="f-string and bytes first"),
    pytest.param("def f():\n    ...\n\n\n\nclass K:\n    ...\n# end\n", id="ellipsis bodies"),
    pytest.param('"""Module."""\n\nimport os\n\n\nclass M:  # note\n    """"""\n    def m(self): ...\n', id="empty class docstring"),
    pytest.param("class A: x = 1; y = 2  # two\n", id="one-line class of two statements"),
    pytest.param("def f(a, \\\n      b):  # why\n    return a\n", id="backslash in the header, comment after the colon"),
    pytest.param("def f():\n    \n# column zero\n    return \\\n        1\n", id="blank line of spaces, comment at column 0"),
    pytest.param("def f():\n\x0c\n    return 1\n\x0c\nclass G:\n    pass\n", id="form feeds"),
    pytest.param(
        "with x:\n    def a(): pass\nfor i in y:\n    def b(): pass\nelse:\n    def c(): pass\nwhile z:\n    class D: pass\n"
        "try:\n    pass\nexcept* E:\n    def e(): pass\nelse:\n    def e2(): pass\nfinally:\n    def f(): pass\n"
        "match v:\n    case 1:\n        def g(): pass\n",
        id="inside every compound statement",
    ),
    pytest.param(
        "@dataclass(frozen=True)\nclass D(Base, metaclass=M):\n    a: int\n    def m(self):\n        match self.a:\n"
        "            case 1:\n                return 'one'\n",
        id="dataclass and match",
    ),
]

# Any character (surrogates too), or mostly the ones that are hard to quote.
TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=80) | st.text(
    alphabet=st.sampled_from('"\'\\\n\r\t xN{}.é\u202e\u200f\x00\x0c\x85\u2028\U0001f40d'), max_size=40
)
OPTIONS = st.builds(
    RenderOptions,
    style=st.sampled_from(Style),
    line_length=st.integers(min_value=1, max_value=120),
    include_types=st.booleans(),
    encoding=st.sampled_from(["utf-8", "latin-1"]),
)


@st.composite
def draft_for(draw: st.DrawFn, facts: FunctionFacts) -> DocstringDraft:
    """Arbitrary text everywhere; parameters the code has, and any the model makes up."""
    real = [ParamDoc(p.display_name, draw(TEXT), draw(st.none() | TEXT)) for p in facts.params]
    made_up = draw(st.lists(st.builds(ParamDoc, TEXT, TEXT, st.none() | TEXT), max_size=2))
    return DocstringDraft(
        summary=draw(TEXT),
        description=draw(TEXT),
        params=tuple(real + made_up),
        returns=draw(st.none() | TEXT),
        returns_type=draw(st.none() | TEXT),
        yields=draw(st.none() | TEXT),
        raises=tuple(draw(st.lists(st.builds(RaisesDoc, TEXT, TEXT), max_size=2))),
    )


@pytest.mark.parametrize("text", SOURCES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), options=OPTIONS)
def test_any_docstring_keeps_every_invariant(text: str, data: st.DataObject, options: RenderOptions) -> None:
    facts = facts_of(text)
    drafts = {line: data.draw(draft_for(facts[line])) for line in facts}
    documented = document(text, facts, drafts, options)
    source = SourceFile("m.py", text.encode(options.encoding), text, options.encoding)
    assert documented.inserted == tuple(sorted(drafts))
    assert invariant_problems(source, facts, drafts, options, documented) == []
    added = len(drafts) - blank_docstrings(text, documented.inserted)
    assert node_difference(text, documented.text) == ({"Expr": added, "Constant": added} if added else {})


def blank_docstrings(text: str, inserted: tuple[int, ...]) -> int:
    """How many of the documented definitions had a blank docstring, now replaced."""
    return sum(1 for node in definitions(ast.parse(text)) if node.lineno in inserted and docstring_of(node))


def node_difference(old: str, new: str) -> dict[str, int]:
    """How many more nodes of each type `new` has than `old` (fewer when negative)."""
    difference = Counter(type(node).__name__ for node in ast.walk(ast.parse(new)))
    difference.subtract(type(node).__name__ for node in ast.walk(ast.parse(old)))
    return {name: count for name, count in difference.items() if count}


def test_every_layout_has_targets() -> None:
    """A source without a target would test nothing."""
    for param in SOURCES:
        (text,) = param.values
        assert facts_of(text), param.id
