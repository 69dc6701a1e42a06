"""The repository context of a definition: which callees resolve, and the class skeleton.

Each case is a small repository of modules; the target is in `pkg.app`.
The expected callees are written out, and Python's own name resolution
is the oracle besides: the modules are imported, each call's function
expression is evaluated in the target's namespace, and what it gives is
compared with what `source.context` found.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from docstring_hook.datatypes import ContextItem
from docstring_hook.lines import split_lines
from docstring_hook.source.body import own_nodes
from docstring_hook.source.context import Where, skeleton
from docstring_hook.source.definitions import walk_definitions
from docstring_hook.source.facts import describe_file
from docstring_hook.source.find import find_targets
from tests.conftest import EVERY_DEFINITION

UTIL = '''
def norm(text: str, *, lower: bool = True) -> str:
    """Fold the case of a text.

    Strips it too.
    """
    return text


class Reader:
    """Reads things."""

    def read(self, path: str) -> bytes:
        """Read the bytes at a path."""
        return b""
'''

CASES = [
    pytest.param({"pkg.app": "def f(x):\n    return g(x)\n\n\ndef g(y):\n    '''Double y.'''\n    return y * 2\n"},
                 "f", ["g"], id="same module"),
    pytest.param({"pkg.app": "class C:\n    def f(self):\n        return self.m()\n\n    def m(self):\n        return 1\n"},
                 "C.f", ["C.m"], id="self.method"),
    pytest.param({"pkg.app": "class C:\n    @classmethod\n    def f(cls):\n        return cls.m()\n\n"
                             "    @classmethod\n    def m(cls):\n        return 1\n"},
                 "C.f", ["C.m"], id="cls.method"),
    pytest.param({"pkg.app": "class B:\n    def load(self):\n        return 1\n\n\n"
                             "class C(B):\n    def f(self):\n        return self.load()\n"},
                 "C.f", ["B.load"], id="base class in the module"),
    pytest.param({"pkg.app": "from pkg.util import Reader\n\n\nclass C(Reader):\n    def f(self):\n"
                             "        return self.read('x')\n", "pkg.util": UTIL},
                 "C.f", ["pkg.util.Reader.read"], id="base class imported from the repository"),
    pytest.param({"pkg.app": "from pkg.util import norm\n\n\ndef f(x):\n    return norm(x)\n", "pkg.util": UTIL},
                 "f", ["pkg.util.norm"], id="from-import of a repository module"),
    pytest.param({"pkg.app": "import pkg.util as u\n\n\ndef f(x):\n    return u.norm(x)\n", "pkg.util": UTIL},
                 "f", ["pkg.util.norm"], id="import as, then attribute"),
    pytest.param({"pkg.app": "import pkg.util\n\n\ndef f(x):\n    return pkg.util.norm(x)\n", "pkg.util": UTIL},
                 "f", ["pkg.util.norm"], id="dotted import"),
    pytest.param({"pkg.app": "from . import util\n\n\ndef f(x):\n    return util.norm(x)\n", "pkg.util": UTIL},
                 "f", ["pkg.util.norm"], id="relative import of a module"),
    pytest.param({"pkg.app": "from .util import Reader\n\n\ndef f(x):\n    return Reader().read(x)\n",
                  "pkg.util": UTIL},
                 "f", ["pkg.util.Reader"], id="a class called, not what its instance is asked"),
    pytest.param({"pkg.app": "from pkg.util import Reader\n\n\ndef f(x):\n    return Reader.read(None, x)\n",
                  "pkg.util": UTIL},
                 "f", ["pkg.util.Reader.read"], id="method through the class"),
    pytest.param({"pkg.app": "from pkg import util as again\n\n\ndef f(x):\n    return again.norm(x)\n",
                  "pkg.util": UTIL, "pkg": "from pkg.util import norm\n"},
                 "f", ["pkg.util.norm"], id="submodule before a name of the package"),
    pytest.param({"pkg.app": "from pkg import norm\n\n\ndef f(x):\n    return norm(x)\n",
                  "pkg.util": UTIL, "pkg": "from pkg.util import norm\n"},
                 "f", ["pkg.util.norm"], id="re-exported by the package"),
    pytest.param({"pkg.app": "import os.path\n\n\ndef f(x):\n    return len(x) + os.path.join(x) + print(x)\n"},
                 "f", [], id="builtins and the standard library resolve to nothing"),
    pytest.param({"pkg.app": "def f(n):\n    return f(n - 1) if n else 0\n"}, "f", [], id="recursion"),
    pytest.param({"pkg.app": "def g():\n    return 1\n\n\ndef f(g):\n    return g()\n"}, "f", [], id="a parameter shadows"),
    pytest.param({"pkg.app": "def g():\n    return 1\n\n\ndef f():\n    g = int\n    return g()\n"},
                 "f", [], id="a local shadows"),
    pytest.param({"pkg.app": "def g():\n    return 1\n\n\ndef f():\n    def inner():\n        return g()\n"
                             "    return inner\n"}, "f", [], id="calls of nested functions are theirs"),
    pytest.param({"pkg.app": "def f():\n    return g() + g()\n\n\ndef g():\n    return 1\n"}, "f", ["g"], id="once each"),
]


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [n for n in sys.modules if n == "pkg" or n.startswith("pkg.")]:
        del sys.modules[name]


def _write(root: Path, modules: dict[str, str]) -> None:
    (root / "pkg").mkdir(exist_ok=True)
    (root / "pkg" / "__init__.py").write_text(modules.get("pkg", ""))
    for name, text in modules.items():
        if name != "pkg":
            (root / Path(*name.split("."))).with_suffix(".py").write_text(textwrap.dedent(text))


def _lookup(modules: dict[str, str]) -> Where:
    trees = {name: (ast.parse(textwrap.dedent(text)), name == "pkg") for name, text in modules.items()}
    trees.setdefault("pkg", (ast.parse(""), True))
    return Where("pkg.app", False, trees.get)


def context_items(modules: dict[str, str], qualname: str) -> tuple[ContextItem, ...]:
    source = textwrap.dedent(modules["pkg.app"])
    tree = ast.parse(source)
    lines = split_lines(source)
    targets = find_targets(tree, lines, "pkg/app.py", EVERY_DEFINITION).targets
    facts = describe_file(tree, lines, targets, where=_lookup(modules)).facts
    return next(f for f in facts.values() if f.target.qualname == qualname).context


def _python_resolves(qualname: str, modules: dict[str, str]) -> set[str]:
    """What Python calls from the target: the repository's functions and classes, named module.qualname."""
    app = importlib.import_module("pkg.app")
    node = next(d for d, s in walk_definitions(ast.parse(textwrap.dedent(modules["pkg.app"]))) if s.qualname == qualname)
    assert not isinstance(node, ast.ClassDef)
    holder = app
    for part in qualname.split(".")[:-1]:
        holder = getattr(holder, part)
    params = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
    local: dict[str, object] = {n.id: object() for n in own_nodes(node) if isinstance(n, ast.Name)
                                and isinstance(n.ctx, ast.Store)}
    local.update({p: object() for p in params})
    if holder is not app and params:
        local[params[0]] = holder  # self.m and cls.m: looked up through the class
    found = set()
    for call in (n for n in own_nodes(node) if isinstance(n, ast.Call)):
        if not all(isinstance(part, (ast.Name, ast.Attribute, ast.Load)) for part in ast.walk(call.func)):
            continue  # `Reader().read`: what an expression's value is asked is beyond names (issue 10 asks names)
        try:
            value = eval(compile(ast.Expression(call.func), "<call>", "eval"), vars(app), local)
        except (NameError, AttributeError):
            continue
        value = getattr(value, "__func__", value)  # a classmethod, bound to its class
        module = getattr(value, "__module__", "")
        if (inspect.isfunction(value) or inspect.isclass(value)) and module.startswith("pkg"):
            found.add(f"{module}.{value.__qualname__}")
    found.discard(f"pkg.app.{qualname}")
    return found


@pytest.mark.parametrize(("modules", "qualname", "expected"), CASES)
def test_callees_resolve_as_python_does(
    repository: Path, modules: dict[str, str], qualname: str, expected: list[str]
) -> None:
    items = context_items(modules, qualname)
    callees = [i.name for i in items if i.kind == "callee"]
    assert callees == expected
    _write(repository, modules)
    assert {n if n.startswith("pkg.") else f"pkg.app.{n}" for n in callees} == _python_resolves(qualname, modules)


def test_a_callee_carries_its_signature_and_the_first_paragraph_of_its_docstring() -> None:
    modules = {"pkg.app": "from pkg.util import norm\n\n\ndef f(x):\n    return norm(x)\n", "pkg.util": UTIL}
    (item,) = context_items(modules, "f")
    assert item.code == "def norm(text: str, *, lower: bool=True) -> str: ..."
    assert item.summary == "Fold the case of a text."
    ast.parse(item.code)  # still Python


def test_a_module_the_lookup_refuses_gives_nothing() -> None:
    source = "from pkg.hidden import g\n\n\ndef f():\n    return g()\n"
    assert context_items({"pkg.app": source}, "f") == ()


CLASS = '''
class Store(Base, metaclass=Meta):
    """Keeps things.

    At length.
    """

    def __init__(self, root, size: int = 0):
        self.root = root
        self.size: int = size
        self.size += 1
        other.x = 1

    @property
    def full(self) -> bool:
        return self.size > 10

    def put(self, thing):
        return self.helper(thing)

    async def fetch(self, key: str) -> bytes:
        return b""
'''

SKELETON = '''\
class Store(Base, metaclass=Meta):
    self.root = ...  # set in __init__
    self.size = ...  # set in __init__
    def __init__(self, root, size: int=0): ...
    @property
    def full(self) -> bool: ...
    async def fetch(self, key: str) -> bytes: ...'''


def test_a_method_gets_its_class_skeleton_without_itself() -> None:
    items = context_items({"pkg.app": CLASS}, "Store.put")
    assert [i.kind for i in items] == ["class"]
    assert (items[0].name, items[0].summary, items[0].code) == ("Store", "Keeps things.", SKELETON)
    ast.parse(items[0].code)


def test_a_class_itself_gets_no_skeleton() -> None:
    source = "class Plain:\n    def put(self):\n        return 1\n"
    assert context_items({"pkg.app": source}, "Plain") == ()
    assert [i.kind for i in context_items({"pkg.app": source}, "Plain.put")] == ["class"]


def test_a_class_without_methods_or_attributes_is_one_ellipsis() -> None:
    tree = ast.parse("class Empty:\n    x = 1\n")
    cls = tree.body[0]
    assert isinstance(cls, ast.ClassDef)
    assert skeleton(cls) == "class Empty:\n    ..."
