from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from docstring_hook.config import Settings
from docstring_hook.datatypes import FunctionFacts
from docstring_hook.lines import split_lines
from docstring_hook.source.facts import describe_file
from docstring_hook.source.find import find_targets
from tests.fake_azure import FakeAzure

CREDENTIAL_VARIABLES = (
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_AD_TOKEN",
    "AZURE_OPENAI_DEPLOYMENT",
    "OPENAI_API_VERSION",
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "DOCSTRING_HOOK_CACHE_DIR",
    "PRE_COMMIT_FROM_REF",
    "PRE_COMMIT_TO_REF",
)


# The modules whose tests run real pre-commit, subprocesses or the standard-library corpus:
# most of the suite's time. `python -m pytest -m "not slow"` leaves them out for a quick run.
SLOW_MODULES = frozenset(
    {
        "test_corpus",
        "test_formatters",
        "test_oracles",
        "test_precommit",
        "test_interrupt",
        "test_properties",
        "test_batch_resume",
    }
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--corpus-all", action="store_true", help="run the corpus tests over more of the standard library")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)
        if module is not None and module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees real credentials, the real cache, or the user's home."""
    home = tmp_path_factory.mktemp("home")
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("DOCSTRING_HOOK_CACHE_DIR", str(home / "docstring-hook-cache"))
    monkeypatch.setenv("PRE_COMMIT_HOME", str(home / "pre-commit"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.invalid")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.invalid")
    yield


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder with its own pyproject.toml, as the working directory.

    The repository's own pyproject.toml must never leak into a test.
    """
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'sample'\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())
    return path


def without_docstrings(text: str) -> str:
    """The AST dump of `text` with every leading string statement removed."""
    tree = ast.parse(text)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                body.pop(0)
    return ast.dump(tree)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    """A fake Azure server on 127.0.0.1, with the environment pointing at it."""
    with FakeAzure() as server:
        use_azure(monkeypatch, server)
        yield server


def use_azure(monkeypatch: pytest.MonkeyPatch, server: FakeAzure, *, path: str = "") -> None:
    """Point the environment at a fake Azure server with its own key and deployment."""
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", server.endpoint + path)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", server.api_key)
    monkeypatch.setenv("AZURE_OPENAI_DEPLOYMENT", next(iter(server.deployments)))


# Every definition a test source holds is a target (tests and setters aside).
EVERY_DEFINITION = Settings(
    ignore_init_method=False,
    ignore_magic=False,
    ignore_private=False,
    ignore_nested_functions=False,
)


def facts_of(source: str, qualname: str, path: str = "pkg/mod.py") -> FunctionFacts:
    """Facts of one definition, as the pipeline builds them from real source."""
    source = textwrap.dedent(source)
    tree = ast.parse(source)
    lines = split_lines(source)
    targets = find_targets(tree, lines, path, EVERY_DEFINITION).targets
    return next(f for f in describe_file(tree, lines, targets).facts.values() if f.target.qualname == qualname)
