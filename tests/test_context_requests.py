"""Context in the request: its cut to the budgets, and end to end against the fake Azure server."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from docstring_hook.cli import main
from docstring_hook.config import Settings
from docstring_hook.datatypes import ContextItem, FunctionFacts, Style
from docstring_hook.lines import split_lines
from docstring_hook.model.context import HEADING, render_context, within_budget
from docstring_hook.model.prompt import build_messages
from docstring_hook.model.request import fit
from docstring_hook.model.tokens import count_messages
from docstring_hook.modules import RepositoryModules
from docstring_hook.source.context import Where
from docstring_hook.source.facts import describe_file
from docstring_hook.source.find import find_targets
from tests.conftest import EVERY_DEFINITION, write
from tests.fake_azure import FakeAzure


class WordCounter:
    """About what a real encoding counts: one token per word or punctuation mark."""

    def count(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))


APP = '''\
class Shelf:
    """Holds books."""

    def __init__(self):
        self.books = []

    def add(self, book):
        self.books.append(tidy(book))
        return self.count()

    def count(self):
        """Count the books."""
        return len(self.books)


def tidy(book):
    """Trim a title."""
    return book.strip()
'''


def shelf_add() -> FunctionFacts:
    tree = ast.parse(APP)
    lines = split_lines(APP)
    targets = find_targets(tree, lines, "pkg/app.py", EVERY_DEFINITION).targets
    facts = describe_file(tree, lines, targets, where=Where("pkg.app")).facts
    return next(f for f in facts.values() if f.target.qualname == "Shelf.add")


def test_the_context_is_callees_then_the_class() -> None:
    assert [(i.kind, i.name) for i in shelf_add().context] == [
        ("callee", "tidy"), ("callee", "Shelf.count"), ("class", "Shelf")
    ]


def test_the_context_budget_keeps_the_longest_prefix_that_fits() -> None:
    items = shelf_add().context
    counter = WordCounter()
    sizes = [counter.count(render_context(items[:n])) for n in range(1, len(items) + 1)]
    assert sizes == sorted(sizes)
    assert within_budget(items, sizes[-1], counter) == items
    assert within_budget(items, sizes[1], counter) == items[:2]  # the class goes first
    assert within_budget(items, sizes[1] - 1, counter) == items[:1]
    assert within_budget(items, sizes[0] - 1, counter) == ()


def _tokens(facts: FunctionFacts, source: str, context: tuple[ContextItem, ...]) -> int:
    return count_messages(build_messages(facts, Style.GOOGLE, source, 72, context), WordCounter())


@pytest.mark.parametrize("kept", [3, 2, 1, 0])
def test_the_prompt_budget_cuts_context_from_its_end_before_any_source_line(kept: int) -> None:
    facts = shelf_add()
    budget = _tokens(facts, facts.source, facts.context[:kept])
    prompt = fit(facts, Style.GOOGLE, "gpt-4o-mini", budget, WordCounter(), 72, context_budget=10_000)
    assert prompt is not None and not prompt.elided
    assert prompt.messages == build_messages(facts, Style.GOOGLE, facts.source, 72, facts.context[:kept])
    assert (HEADING in prompt.messages[-1].content) == (kept > 0)


def test_the_source_is_elided_only_once_no_context_is_left() -> None:
    long = "def tidy(book):\n    '''Trim.'''\n    return book\n\n\ndef big(x):\n" + "".join(
        f"    y{i} = tidy(x) + {i}\n" for i in range(200)
    ) + "    return y0\n"
    tree = ast.parse(long)
    lines = split_lines(long)
    targets = find_targets(tree, lines, "pkg/app.py", EVERY_DEFINITION).targets
    facts = next(f for f in describe_file(tree, lines, targets, where=Where("pkg.app")).facts.values()
                 if f.target.qualname == "big")
    assert facts.context
    budget = _tokens(facts, facts.source, ()) - 1
    prompt = fit(facts, Style.GOOGLE, "gpt-4o-mini", budget, WordCounter(), 72, context_budget=10_000)
    assert prompt is not None and prompt.elided
    assert HEADING not in prompt.messages[-1].content


def test_a_context_budget_of_zero_sends_none() -> None:
    facts = shelf_add()
    prompt = fit(facts, Style.GOOGLE, "gpt-4o-mini", 10_000, WordCounter(), 72, context_budget=0)
    assert prompt is not None and HEADING not in prompt.messages[-1].content


# End to end: the caller's request carries its callees; secrets masked, never-send files left out.
UTIL = '''\
"""Utilities."""


def normalize(text: str, *, lower: bool = True) -> str:
    """Strip a text and fold its case.

    Used for names.
    """
    return text.strip().lower() if lower else text.strip()


def connect(url="postgresql://app:fake-pass-123@db.invalid/app"):
    return url
'''
HIDDEN = 'def fetch_key(name):\n    """Return the stored key."""\n    return name\n'
CALLER = '''\
from pkg.util import connect, normalize
from pkg.secrets_store import fetch_key


def label(name):
    return normalize(name) + fetch_key(name) + connect()
'''


@pytest.fixture
def repository(project: Path) -> Path:
    write(project / "pkg" / "__init__.py", "")
    write(project / "pkg" / "util.py", UTIL)
    write(project / "pkg" / "secrets_store.py", HIDDEN)
    write(project / "pkg" / "app.py", CALLER)
    return project


def test_a_callers_request_carries_its_callees_signature_and_summary(fake: FakeAzure, repository: Path) -> None:
    main(["pkg/app.py"])
    user = fake.user_message("label")
    assert "Calls `pkg.util.normalize`: Strip a text and fold its case.\n" in user
    assert "    def normalize(text: str, *, lower: bool=True) -> str: ..." in user
    assert "Used for names" not in user  # the first paragraph only


def test_a_secret_in_a_callee_is_masked_and_a_never_send_callee_left_out(fake: FakeAzure, repository: Path) -> None:
    main(["pkg/app.py"])
    user = fake.user_message("label")
    assert "Calls `pkg.util.connect` (no docstring)" in user
    assert "fake-pass-123" not in user and "<redacted:url-password>" in user
    assert "fetch_key(name)" in user  # the call, in the target's own source
    assert "stored key" not in user and "def fetch_key" not in user


def test_show_prompt_shows_the_context_as_sent(
    fake: FakeAzure, repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--show-prompt", "label", "pkg/app.py"]) == 0
    shown = capsys.readouterr().out
    main(["pkg/app.py"])
    user = fake.user_message("label")
    assert HEADING in user and user in shown


# The repository's modules, as the run looks them up.
def test_modules_are_found_below_the_root_and_its_src_folder(project: Path) -> None:
    write(project / "src" / "lib" / "__init__.py", "def a():\n    return 1\n")
    write(project / "src" / "lib" / "core.py", "def b():\n    return 1\n")
    write(project / "tools" / "run.py", "def c():\n    return 1\n")
    write(project / "tools" / "secrets_env.py", "def d():\n    return 1\n")
    write(project / "tools" / "broken.py", "def (:\n")
    (project / "tools" / "outside.py").symlink_to(project.parent / "elsewhere.py")
    write(project.parent / "elsewhere.py", "def e():\n    return 1\n")
    modules = RepositoryModules(Settings(root=str(project)))
    found = {name: modules.lookup(name) for name in
             ["lib", "lib.core", "tools.run", "tools.secrets_env", "tools.broken", "tools.outside", "os", "lib.no"]}
    assert {name: (v[1] if v else None) for name, v in found.items()} == {
        "lib": True, "lib.core": False, "tools.run": False,
        "tools.secrets_env": None, "tools.broken": None, "tools.outside": None, "os": None, "lib.no": None,
    }
    for path, expected in [("src/lib/core.py", ("lib.core", False)), ("src/lib/__init__.py", ("lib", True)),
                           ("tools/run.py", ("tools.run", False))]:
        where = modules.where(str(project / path))
        assert (where.module, where.is_package) == expected
