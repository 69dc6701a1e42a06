"""A target's callers: the call-site index (`callers`), and end to end against the fake Azure server."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from docstring_hook.callers import CallIndex, call_sites
from docstring_hook.cli import main
from docstring_hook.config import Settings
from docstring_hook.datatypes import Target, TargetKind
from docstring_hook.prepare import context_modules, prepare_file
from docstring_hook.scan import ScannedFile, scan_file
from docstring_hook.survey import survey
from tests.conftest import write
from tests.fake_azure import FakeAzure


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param("f(1)\n", {"f": (1,)}, id="plain call"),
        pytest.param("x.f(1)\n", {".f": (1,)}, id="attribute call"),
        pytest.param("a.b.f()\nf()\n", {".f": (1,), "f": (2,)}, id="both kinds apart"),
        pytest.param("g(f(1))\n", {"g": (1,), "f": (1,)}, id="nested, one line each"),
        pytest.param("f(\n  1)\nf()\n", {"f": (1, 3)}, id="the line the call starts on"),
        pytest.param("(lambda: 1)()\nx[0]()\n", {}, id="no name"),
        pytest.param("def f():\n    return f\n", {}, id="a definition is no call"),
    ],
)
def test_call_sites(code: str, expected: dict[str, tuple[int, ...]]) -> None:
    assert call_sites(ast.parse(code)) == expected


UTIL = '''\
def tidy(text):
    return tidy(text[1:]) if text.startswith(" ") else text


class Shelf:
    def __init__(self):
        self.books = []

    def add(self, book):
        self.books.append(tidy(book))

    def fill(self, books):
        for book in books:
            self.add(book)

    def __len__(self):
        return len(self.books)
'''
APP = '''\
from pkg import util


def main(names):
    shelf = util.Shelf()
    for name in names:
        shelf.add(util.tidy(name))
    return shelf
'''
OTHER = '''\
def unrelated(d):
    d.add(1)  # this file names neither the class nor the module: another `add`
    return tidy(d)  # and another `tidy`
'''
SECRET = "from pkg.util import tidy\n\n\ndef leak():\n    return tidy('x')\n"


@pytest.fixture
def index(project: Path) -> CallIndex:
    write(project / "pkg" / "__init__.py", "")
    write(project / "pkg" / "util.py", UTIL)
    write(project / "pkg" / "app.py", APP)
    write(project / "pkg" / "other.py", OTHER)
    write(project / "pkg" / "secrets_conf.py", SECRET)
    found = survey(Settings(root=str(project), style=Settings().style), names=False, calls=True)
    assert found.calls is not None
    return found.calls


def _callers(index: CallIndex, qualname: str, line: int, kind: TargetKind, end: int) -> list[str]:
    target = Target(str(Path("pkg/util.py").resolve()), qualname, line, kind)
    return [item.name for item in index.callers(target, end)]


@pytest.mark.parametrize(
    ("qualname", "line", "kind", "end", "expected"),
    [
        pytest.param("tidy", 1, TargetKind.FUNCTION, 2, ["pkg/app.py::main", "pkg/util.py::Shelf.add"],
                     id="function: through its module elsewhere, then its own file; not itself, not unrelated"),
        pytest.param("Shelf", 5, TargetKind.CLASS, 17, ["pkg/app.py::main"], id="class: its constructor calls"),
        pytest.param("Shelf.__init__", 6, TargetKind.METHOD, 7, ["pkg/app.py::main"], id="__init__: through its class"),
        pytest.param("Shelf.add", 9, TargetKind.METHOD, 10, ["pkg/app.py::main", "pkg/util.py::Shelf.fill"],
                     id="method: files naming its class"),
        pytest.param("Shelf.__len__", 16, TargetKind.METHOD, 17, [], id="other dunders: called by the language"),
    ],
)
def test_callers(index: CallIndex, qualname: str, line: int, kind: TargetKind, end: int, expected: list[str]) -> None:
    assert _callers(index, qualname, line, kind, end) == expected


def test_a_caller_shows_its_line_with_two_lines_around_it(index: CallIndex) -> None:
    target = Target(str(Path("pkg/util.py").resolve()), "tidy", 1, TargetKind.FUNCTION)
    first = index.callers(target, 2)[0]
    assert first.kind == "caller"
    assert first.code == "shelf = util.Shelf()\nfor name in names:\n    shelf.add(util.tidy(name))\nreturn shelf"


def test_the_survey_caches_call_sites_with_the_rest(project: Path, tmp_path: Path) -> None:
    write(project / "m.py", "def f():\n    return g(1)\n")
    cache = tmp_path / "cache"
    settings = Settings(root=str(project))
    first = survey(settings, names=False, calls=True, cache=cache)
    second = survey(settings, names=False, calls=True, cache=cache)
    assert first.calls is not None and second.calls is not None
    assert first.calls.sites == second.calls.sites
    [(path, line)] = second.calls.sites["g"]
    assert Path(path).resolve() == (project / "m.py").resolve() and line == 2


# End to end.
@pytest.fixture
def repository(project: Path) -> Path:
    write(project / "pkg" / "__init__.py", "")
    write(project / "pkg" / "util.py", 'def tidy(text):\n    return text.strip()\n')
    write(project / "pkg" / "app.py", 'from pkg.util import tidy\n\nTOKEN = "x"\n\n\ndef main(name):\n'
          '    key = "sk-proj-4fJ9xQ2LmZ8vT1nR7cY3bW6dK0pH5sA"\n    return tidy(name) + key\n')
    return project


def test_a_request_carries_its_callers_masked(fake: FakeAzure, repository: Path) -> None:
    assert main(["pkg/util.py"]) == 1
    user = fake.user_message("tidy")
    assert "Called from `pkg/app.py::main`:\n" in user
    assert "    def main(name):\n" in user and "    return tidy(name) + key" in user
    assert "sk-proj-4fJ9" not in user


def test_a_never_send_file_lends_no_caller(fake: FakeAzure, repository: Path) -> None:
    (repository / "pkg" / "app.py").rename(repository / "pkg" / "secrets_app.py")
    assert main(["pkg/util.py"]) == 1
    assert "Called from" not in fake.user_message("tidy")


def test_callers_come_last_in_the_context_so_the_budget_cuts_them_first(index: CallIndex, project: Path) -> None:
    settings = Settings(root=str(project))
    scanned = scan_file("pkg/util.py", settings)
    assert isinstance(scanned, ScannedFile)
    prepared = prepare_file(scanned, None, context_modules(settings, index))
    add = next(f for f in prepared.facts.values() if f.target.qualname == "Shelf.add")
    assert [(i.kind, i.name) for i in add.context] == [
        ("callee", "tidy"), ("class", "Shelf"), ("caller", "pkg/app.py::main"), ("caller", "pkg/util.py::Shelf.fill")
    ]


def test_a_callers_snippet_and_label_ignore_docstrings_inserted_since(project: Path, index: CallIndex) -> None:
    target = Target(str(Path("pkg/util.py").resolve()), "tidy", 1, TargetKind.FUNCTION)
    before = index.callers(target, 2)
    write(project / "pkg" / "app.py", '"""The app."""\n' + APP.replace(
        "def main(names):\n", 'def main(names):\n    """Fill a shelf.\n\n    With names.\n    """\n\n'))
    found = survey(Settings(root=str(project)), names=False, calls=True)
    assert found.calls is not None
    after = found.calls.callers(target, 2)
    assert [(i.name, i.code) for i in after] == [(i.name, i.code) for i in before]


def test_a_name_called_everywhere_still_finds_its_own_files_callers(project: Path) -> None:
    write(project / "pkg" / "__init__.py", "")
    write(project / "pkg" / "box.py", "class Box:\n    def fill(self):\n        return 1\n\n\n"
          "def use():\n    return Box().fill()\n")
    for n in range(100):  # another `fill` in every one of them, in files that never name `Box`
        write(project / "pkg" / f"other_{n:03d}.py", "def f(x):\n    return x.fill()\n")
    found = survey(Settings(root=str(project)), names=False, calls=True)
    assert found.calls is not None
    target = Target(str(Path("pkg/box.py").resolve()), "Box.fill", 2, TargetKind.METHOD)
    assert [i.name for i in found.calls.callers(target, 3)] == ["pkg/box.py::use"]
