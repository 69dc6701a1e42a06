"""The quality gate's pure rules, table by table: code names, unknown names, restating summaries, styles."""

from __future__ import annotations

import ast
import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from docstring_hook.config import load
from docstring_hook.datatypes import DocstringDraft, FunctionFacts, ParamDoc, Style
from docstring_hook.model.cache import DiskCache, cached_draft
from docstring_hook.model.names import code_names, restates, unknown_names
from docstring_hook.source.names import file_symbols, module_names, module_parts, repository_symbols
from docstring_hook.source.styles import choose, style_of
from tests.conftest import facts_of

MODULE = '''\
import os.path
from collections import OrderedDict as Ordered
from .store import DraftStore

LIMIT = 3


def load_config(path, retries=LIMIT):
    cache = DraftStore(path)
    return cache.entries


class Loader:
    def __init__(self):
        self.seen_paths = set()

    def fetch(self, url):
        return url
'''


def facts(qualname: str = "load_config", symbols: frozenset[str] = frozenset()) -> FunctionFacts:
    found = facts_of(MODULE, qualname)
    return dataclasses.replace(found, known_names=symbols | module_names(ast.parse(MODULE)))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Read the configuration file and return its settings.", id="plain-english"),
        pytest.param("Return True when the file exists, None otherwise.", id="capitalised-words"),
        pytest.param("Parse JSON from an HTTP response.", id="acronyms"),
        pytest.param("See e.g. setup.py, pyproject.toml or version 3.11.", id="files-abbreviations-versions"),
        pytest.param("Fetch it from https://example.com/some_path.html first.", id="url"),
        pytest.param("Works on macOS with OpenSSL and JavaScript.", id="proper-nouns"),
        pytest.param("Quote `the old way' of writing, as old docstrings do.", id="quoted-prose"),
        pytest.param("Mailbox From_ lines.", id="trailing-underscore-word"),
    ],
)
def test_prose_holds_no_code_names(text: str) -> None:
    assert code_names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Call `helper(a, b)`.", ["helper", "a", "b"], id="backticked-call"),
        pytest.param("Use ``x.y[0]``.", ["x.y"], id="double-backticks"),
        pytest.param("Store it in self.cache.", ["self.cache"], id="dotted-at-sentence-end"),
        pytest.param("Build a DraftCache.", ["DraftCache"], id="camel-case"),
        pytest.param("Honour max_tokens and _private.", ["max_tokens", "_private"], id="snake-case"),
        pytest.param("Read `mode`, 'r' by default.", ["mode"], id="backticked-word"),
        pytest.param('Write `open(path, "w")`.', ["open", "path"], id="quoted-literal-in-code"),
    ],
)
def test_code_names_found(text: str, expected: list[str]) -> None:
    assert code_names(text) == expected


@pytest.mark.parametrize(
    "summary",
    [
        pytest.param("Read the settings at `path`, retrying `retries` times.", id="parameters"),
        pytest.param("Wrap the path in a DraftStore and list its cache.entries.", id="own-source"),
        pytest.param("Return an Ordered mapping built with os.path.join.", id="imports"),
        pytest.param("Remember it in Loader.seen_paths, at most LIMIT times.", id="module-symbols"),
        pytest.param("Return a `dict` of `str`, or raise `ValueError`.", id="builtins"),
        pytest.param("Use json.loads and an OrderedDict; see pathlib.Path.", id="standard-library"),
        pytest.param("Read it like `file.readline()`, or x.y in prose.", id="receiver-is-prose"),
        pytest.param("Return the Loaders; keep the DraftStores.", id="plurals"),
    ],
)
def test_names_that_exist_pass(summary: str) -> None:
    assert unknown_names(DocstringDraft(summary), facts()) == ()


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        pytest.param(DocstringDraft("Delegate to `_parse_helper`."), ("_parse_helper",), id="backticked-helper"),
        pytest.param(DocstringDraft("Read through a ConfigReader."), ("ConfigReader",), id="camel-class"),
        pytest.param(DocstringDraft("Cache it in self.parsed_cache."), ("self.parsed_cache",), id="made-up-attribute"),
        pytest.param(DocstringDraft("Load it.", "Falls back to load_defaults."), ("load_defaults",), id="description"),
        pytest.param(
            DocstringDraft("Load it.", params=(ParamDoc("path", "A path.", type="ConfigPath"),)),
            ("ConfigPath",),
            id="param-type",
        ),
    ],
)
def test_names_that_exist_nowhere_are_found(draft: DocstringDraft, expected: tuple[str, ...]) -> None:
    assert unknown_names(draft, facts()) == expected


def test_a_repository_symbol_resolves_and_no_index_checks_nothing() -> None:
    draft = DocstringDraft("Delegate to `_parse_helper`.")
    assert unknown_names(draft, facts(symbols=frozenset({"_parse_helper"}))) == ()
    assert unknown_names(draft, dataclasses.replace(facts(), known_names=None)) == ()


@pytest.mark.parametrize(
    ("qualname", "summary", "expected"),
    [
        pytest.param("load_config", "Load the config from the path.", True, id="all-names"),
        pytest.param("load_config", "Load configs for a path with retries.", True, id="plurals-and-params"),
        pytest.param("Loader.fetch", "Fetch the URL.", True, id="method-and-param"),
        pytest.param("load_config", "Read settings from the file, retrying on failure.", False, id="says-more"),
        pytest.param("load_config", "Load the config path, merging environment overrides.", False, id="under-80"),
        pytest.param("load_config", "Return it.", False, id="no-content-words"),
    ],
)
def test_restating_summaries(qualname: str, summary: str, expected: bool) -> None:
    assert restates(summary, facts(qualname)) is expected


def test_file_symbols_are_definitions_imports_and_assigned_attributes() -> None:
    symbols = file_symbols(ast.parse(MODULE))
    assert {"load_config", "Loader", "fetch", "seen_paths", "LIMIT", "os.path", "path", "Ordered", "DraftStore"} <= symbols
    assert {"cache", "url", "retries"}.isdisjoint(symbols)  # locals and parameters are not the module's symbols


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("pkg/sub/mod.py", {"pkg", "sub", "mod", "pkg.sub.mod", "sub.mod"}, id="module"),
        pytest.param("pkg/__init__.py", {"pkg"}, id="package"),
        pytest.param("my-scripts/run.py", {"run"}, id="not-an-identifier"),
    ],
)
def test_module_parts(path: str, expected: set[str]) -> None:
    assert module_parts(path) == expected


def test_repository_symbols_join_files() -> None:
    symbols = repository_symbols([("a/b.py", ast.parse("def f(): pass")), ("c.py", ast.parse("X = 1"))])
    assert {"a", "b", "a.b", "f", "c", "X"} <= symbols


GOOGLE = "Do it.\n\nArgs:\n    a: The a.\n\nReturns:\n    The b.\n"
NUMPY = "Do it.\n\nParameters\n----------\na : int\n    The a.\n"
SPHINX = "Do it.\n\n:param a: The a.\n:returns: The b.\n"
PEP257 = "Do it.\n\nThe a is taken and the b is given back.\n"


@pytest.mark.parametrize(
    ("docstring", "expected"),
    [
        pytest.param(GOOGLE, Style.GOOGLE, id="google"),
        pytest.param(NUMPY, Style.NUMPY, id="numpy"),
        pytest.param(SPHINX, Style.SPHINX, id="sphinx"),
        pytest.param(PEP257, Style.PEP257, id="pep257"),
        pytest.param("Do it.", None, id="one-line"),
    ],
)
def test_style_of_a_docstring(docstring: str, expected: Style | None) -> None:
    assert style_of(docstring) is expected


@pytest.mark.parametrize(
    ("votes", "expected", "said"),
    [
        pytest.param({Style.NUMPY: 8, Style.GOOGLE: 2}, Style.NUMPY, "style numpy (auto: 8 of 10", id="majority"),
        pytest.param({Style.SPHINX: 3}, Style.SPHINX, "style sphinx (auto: 3 of 3", id="unanimous"),
        pytest.param({Style.NUMPY: 5, Style.SPHINX: 5}, Style.GOOGLE, "no clear majority", id="split"),
        pytest.param({Style.NUMPY: 2}, Style.GOOGLE, "too few", id="too-few"),
        pytest.param({}, Style.GOOGLE, "too few", id="none"),
    ],
)
def test_the_dominant_style_or_google(votes: dict[Style, int], expected: Style, said: str) -> None:
    style, note = choose(Counter(votes))
    assert style is expected
    assert note.startswith(f"style {expected.value}") and said in note


def test_a_cached_draft_naming_what_no_longer_exists_is_not_used(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    draft = DocstringDraft(
        "Read the settings with `_parse_helper`.",
        params=(ParamDoc("path", "The file."), ParamDoc("retries", "How often.")),
        returns="The entries.",
    )
    key = "0" * 64
    cache.put(key, draft)
    assert cached_draft(cache, key, facts(symbols=frozenset({"_parse_helper"}))) == draft
    assert cached_draft(cache, key, facts()) is None  # the helper was renamed since


@pytest.mark.parametrize(
    ("value", "expected"),
    [pytest.param(None, Style.AUTO, id="default"), pytest.param("auto", Style.AUTO, id="auto")],
)
def test_style_auto_is_a_setting(tmp_path: Path, value: str | None, expected: Style) -> None:
    assert load(tmp_path, {"style": value}).style is expected
    assert Style.AUTO.concrete is Style.GOOGLE and Style.NUMPY.concrete is Style.NUMPY


def test_the_survey_reads_again_only_the_files_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from docstring_hook import survey as surveying
    from docstring_hook.config import Settings

    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.py").write_text("def alpha_helper():\n    pass\n")
    (root / "b.py").write_text("class BetaThing:\n    pass\n")
    settings, cache = Settings(root=str(root)), tmp_path / "cache"
    read: list[str] = []
    real = surveying._survey_file

    def counting(path: str) -> object:
        read.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(surveying, "_survey_file", counting)
    first = surveying.survey(settings, cache=cache)
    second = surveying.survey(settings, cache=cache)
    (root / "b.py").write_text("class BetaThing:\n    pass\n\n\ndef gamma_helper():\n    pass\n")
    os.utime(root / "b.py", ns=(1, 1))  # a new modification time, whatever the clock's resolution
    third = surveying.survey(settings, cache=cache)
    assert read == ["a.py", "b.py", "b.py"]
    assert first.symbols == second.symbols and {"alpha_helper", "BetaThing"} <= first.symbols
    assert "gamma_helper" in third.symbols and "gamma_helper" not in first.symbols
