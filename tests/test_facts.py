"""Facts of a function's own body: nested definitions never count for it."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from tests.conftest import facts_of

OUTER_SORT = """\
def outer(items):
    def key(i):
        return i.name
    items.sort(key=key)
"""


@pytest.mark.parametrize(
    ("source", "returns_value", "is_generator"),
    [
        pytest.param(OUTER_SORT, False, False, id="the issue's example: a nested def returns"),
        pytest.param("def outer():\n    async def inner():\n        return 1\n", False, False, id="nested async def returns"),
        pytest.param("def outer():\n    def gen():\n        yield 1\n    return gen\n", True, False, id="nested generator"),
        pytest.param("def outer():\n    class K:\n        def m(self):\n            yield 1\n", False, False, id="nested class"),
        pytest.param("def outer():\n    f = lambda: (yield)\n    return None\n", False, False, id="lambda yields"),
        pytest.param("def outer(x):\n    return [i for i in x]\n", True, False, id="comprehension returned"),
        pytest.param("def outer(x):\n    return (i for i in x)\n", True, False, id="generator expression is no yield"),
        pytest.param("def outer():\n    if x:\n        def f():\n            return 1\n", False, False, id="nested def under if"),
        pytest.param("def outer():\n    try:\n        pass\n    except E:\n        def f():\n            yield\n", False, False, id="under except"),
        pytest.param("def outer():\n    @deco((yield))\n    def f():\n        pass\n", False, True, id="a decorator runs in outer"),
        pytest.param("def outer():\n    def f(a=(yield)):\n        pass\n", False, True, id="a default runs in outer"),
        pytest.param("def outer():\n    class K(base((yield))):\n        pass\n", False, True, id="a base runs in outer"),
        pytest.param("def outer():\n    try:\n        return 1\n    finally:\n        pass\n", True, False, id="return in try"),
        pytest.param("def outer():\n    return None\n", False, False, id="return None is no value"),
        pytest.param("async def outer():\n    yield 1\n", False, True, id="async generator"),
        pytest.param("def outer():\n    yield from x\n", False, True, id="yield from"),
    ],
)
def test_returns_and_yields(source: str, returns_value: bool, is_generator: bool) -> None:
    facts = facts_of(source, "outer")
    assert (facts.returns_value, facts.is_generator) == (returns_value, is_generator)


@pytest.mark.parametrize(
    ("source", "raises"),
    [
        pytest.param("def outer():\n    raise ValueError('x')\n", ("ValueError",), id="plain"),
        pytest.param("def outer():\n    def f():\n        raise KeyError\n", (), id="nested def"),
        pytest.param("def outer():\n    class K:\n        raise KeyError\n", (), id="nested class body"),
        pytest.param("def outer():\n    raise A\n    raise B.C()\n", ("A", "B.C"), id="source order"),
        pytest.param("def outer():\n    try:\n        raise KeyError\n    except KeyError:\n        pass\n", (), id="caught"),
        pytest.param("def outer():\n    try:\n        raise KeyError\n    except LookupError:\n        pass\n", (), id="caught by a base"),
        pytest.param("def outer():\n    try:\n        raise KeyError\n    except ValueError:\n        pass\n", ("KeyError",), id="not caught"),
        pytest.param("def outer():\n    try:\n        raise MyError\n    except Exception:\n        pass\n", (), id="own class under Exception"),
        pytest.param("def outer():\n    try:\n        raise KeyboardInterrupt\n    except Exception:\n        pass\n", ("KeyboardInterrupt",), id="Exception lets KeyboardInterrupt pass"),
        pytest.param("def outer():\n    try:\n        raise X\n    except:\n        pass\n", (), id="bare except"),
        pytest.param("def outer():\n    try:\n        f()\n    except ValueError:\n        raise\n", ("ValueError",), id="bare raise re-raises"),
        pytest.param("def outer():\n    try:\n        f()\n    except (A, B) as e:\n        raise e\n", ("A", "B"), id="raise the bound name"),
        pytest.param("def outer():\n    try:\n        raise KeyError\n    except KeyError:\n        raise ValueError\n", ("ValueError",), id="handler raises another"),
        pytest.param(
            "def outer():\n    try:\n        pass\n    except KeyError:\n        raise KeyError\n    finally:\n        raise OSError\n",
            ("KeyError", "OSError"),
            id="handler and finally are outside the try",
        ),
        pytest.param(
            "def outer():\n    try:\n        try:\n            raise KeyError\n        except ValueError:\n            pass\n    except KeyError:\n        pass\n",
            (),
            id="caught by an outer try",
        ),
        pytest.param("def outer():\n    with suppress(KeyError):\n        raise KeyError\n", (), id="suppressed"),
        pytest.param("def outer():\n    with open(p):\n        raise KeyError\n", ("KeyError",), id="with raises"),
        pytest.param("def outer():\n    f = lambda: g()\n    raise err_factory()\n", ("err_factory",), id="a call is named as written"),
    ],
)
def test_raises(source: str, raises: tuple[str, ...]) -> None:
    assert facts_of(source, "outer").raises == raises


@pytest.mark.parametrize(
    ("source", "complexity"),
    [
        pytest.param("def outer():\n    pass\n", 1, id="straight"),
        pytest.param("def outer():\n    if a:\n        pass\n", 2, id="if"),
        pytest.param("def outer():\n    def f():\n        if a and b:\n            pass\n", 1, id="nested def"),
        pytest.param("def outer():\n    f = lambda: 1 if a else 2\n", 1, id="lambda body"),
        pytest.param("def outer():\n    class K:\n        for x in y:\n            pass\n", 1, id="class body"),
        pytest.param("def outer():\n    return [x for x in y if x]\n", 2, id="comprehension"),
        pytest.param("def outer():\n    try:\n        pass\n    except A:\n        pass\n    except B:\n        pass\n", 3, id="try"),
        pytest.param("def outer():\n    return a or b or c\n", 3, id="boolean operators"),
    ],
)
def test_complexity(source: str, complexity: int) -> None:
    assert facts_of(source, "outer").complexity == complexity


@pytest.mark.parametrize(
    ("source", "qualname", "kinds"),
    [
        pytest.param("def f():\n    return [1]\n", "f", ("list",), id="list display"),
        pytest.param("def f(x):\n    return {k: 1 for k in x}\n", "f", ("dict",), id="dict comprehension"),
        pytest.param("def f():\n    return 1, 2\n", "f", ("tuple",), id="tuple"),
        pytest.param("def f():\n    return {1}\n", "f", ("set",), id="set"),
        pytest.param("def f(x):\n    return f'{x}'\n", "f", ("str",), id="f-string"),
        pytest.param("def f():\n    return 'a'\n", "f", ("str",), id="string constant"),
        pytest.param("def f():\n    return\n", "f", ("None",), id="bare return"),
        pytest.param("def f():\n    pass\n", "f", (), id="no return"),
        pytest.param("def f():\n    if a:\n        return []\n", "f", ("list", "None"), id="falls off the end"),
        pytest.param("def f():\n    if a:\n        return []\n    return {}\n", "f", ("list", "dict"), id="every path returns"),
        pytest.param(
            "def f():\n    if a:\n        return []\n    else:\n        raise E\n", "f", ("list",), id="if else both end"
        ),
        pytest.param("def f():\n    while True:\n        return 1\n", "f", ("int",), id="while True never falls off"),
        pytest.param(
            "def f():\n    while True:\n        if a:\n            break\n        return 1\n", "f", ("int", "None"), id="while True with break"
        ),
        pytest.param("def f():\n    for x in y:\n        return x\n", "f", ("name: x", "None"), id="for may not run"),
        pytest.param(
            "def f():\n    try:\n        return 1\n    except E:\n        return None\n", "f", ("int", "None"), id="try"
        ),
        pytest.param(
            "def f():\n    match x:\n        case 1:\n            return 1\n        case _:\n            return 2\n",
            "f",
            ("int",),
            id="exhaustive match",
        ),
        pytest.param("class C:\n    def m(self):\n        return self\n", "C.m", ("self",), id="self"),
        pytest.param("class C:\n    def m(this):\n        return this\n", "C.m", ("self",), id="self by another name"),
        pytest.param(
            "class C:\n    @classmethod\n    def m(cls):\n        return cls\n", "C.m", ("cls",), id="cls"
        ),
        pytest.param(
            "class C:\n    @classmethod\n    def m(cls):\n        return cls(1)\n", "C.m", ("instance of C",), id="cls call"
        ),
        pytest.param("class C:\n    def m(self):\n        return C()\n", "C.m", ("instance of C",), id="class call"),
        pytest.param(
            "class C:\n    def m(self):\n        return type(self)()\n", "C.m", ("instance of C",), id="type(self) call"
        ),
        pytest.param(
            "class C:\n    @staticmethod\n    def m(self):\n        return self\n", "C.m", ("name: self",), id="static"
        ),
        pytest.param("def f():\n    return C()\n", "f", ("call: C",), id="call outside a class"),
        pytest.param(
            "def cached(fn):\n    def wrapper(*a):\n        return fn(*a)\n    return wrapper\n",
            "cached",
            ("function defined in the body: wrapper",),
            id="decorator returns its wrapper",
        ),
        pytest.param(
            "def f():\n    class K:\n        pass\n    return K\n", "f", ("class defined in the body: K",), id="class in body"
        ),
        pytest.param("def f(x):\n    return x or []\n", "f", ("name: x", "list"), id="or"),
        pytest.param("def f(x):\n    return [] if x else None\n", "f", ("list", "None"), id="conditional"),
        pytest.param("async def f():\n    return await g()\n", "f", ("await call: g",), id="await"),
        pytest.param("def f(x):\n    return x.a.b\n", "f", ("attribute: x.a.b",), id="attribute"),
        pytest.param("def f(x):\n    return not x\n", "f", ("bool",), id="not"),
        pytest.param("def f(x):\n    return x < 1\n", "f", ("comparison",), id="comparison"),
        pytest.param("def f(x):\n    return x[0]\n", "f", ("subscript",), id="subscript"),
        pytest.param("def f(x):\n    return x + 1\n", "f", ("operation",), id="operation"),
        pytest.param("def f():\n    return lambda: 1\n", "f", ("lambda",), id="lambda"),
        pytest.param(OUTER_SORT, "outer", (), id="nested returns do not count"),
        pytest.param("def f():\n    return 1\n    return 1\n", "f", ("int",), id="each kind once"),
    ],
)
def test_return_kinds(source: str, qualname: str, kinds: tuple[str, ...]) -> None:
    assert facts_of(source, qualname).return_kinds == kinds


def test_the_standard_library_example() -> None:
    """json's `_make_iterencode` holds generators but is none: it returns one of them."""
    path = Path(sysconfig.get_paths()["stdlib"]) / "json" / "encoder.py"
    facts = facts_of(path.read_text(encoding="utf-8"), "_make_iterencode")
    assert (facts.is_generator, facts.returns_value) == (False, True)
    assert facts.return_kinds == ("function defined in the body: _iterencode",)
    assert facts.raises == ()
