"""End to end: real git, real pre-commit, the fake Azure OpenAI on 127.0.0.1.

Hooks are `repo: local` with `language: system` running this interpreter,
so nothing is installed from the network; pre-commit itself runs as
`python -m pre_commit` for the same reason.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import use_azure, write
from tests.fake_azure import FakeAzure, Fault

ROOT = Path(__file__).resolve().parent.parent
ENTRY = shlex.join([sys.executable, "-m", "docstring_hook"])
GENERATE_HOOK = f"""\
  - id: docstring-hook
    name: write missing docstrings
    entry: {ENTRY}
    language: system
    types_or: [python, pyi]
    require_serial: true
"""
CHECK_HOOK = f"""\
  - id: docstring-hook-check
    name: check for missing docstrings
    entry: {ENTRY} --check
    language: system
    types_or: [python, pyi]
    require_serial: true
"""
LEGACY = "".join(f"def f{n}(x):\n    y = x + {n}\n    return y\n\n\n" for n in range(10)).rstrip("\n") + "\n"
DOCUMENTED = 'def documented(x):\n    """Return x."""\n    return x\n'
DOCSTRING = re.compile(r'    """.*?"""\n', re.DOTALL)


def git(repo: Path, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *arguments], cwd=repo, check=check, capture_output=True, text=True)


def pre_commit(repo: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *arguments], cwd=repo, capture_output=True, text=True, check=False
    )


def commit(repo: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`git commit` through the installed pre-commit hook; its report is all on stdout."""
    return subprocess.run(
        ["git", "commit", "-m", "change", *options], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, check=False,
    )


def make_repo(folder: Path, hooks: str, pyproject: str = "") -> Path:
    """A repository with LEGACY committed (no hook ran) and the hooks installed."""
    git(folder, "init", "-q", "-b", "main")
    write(folder / "pyproject.toml", "[project]\nname = 'sample'\n" + pyproject)
    write(folder / ".pre-commit-config.yaml", "repos:\n- repo: local\n  hooks:\n" + hooks)
    write(folder / "legacy.py", LEGACY)
    write(folder / "documented.py", DOCUMENTED)
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "legacy")
    assert pre_commit(folder, "install").returncode == 0
    return folder


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    with FakeAzure() as server:
        use_azure(monkeypatch, server)
        yield server


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path, GENERATE_HOOK)


def edit(path: Path, old: str, new: str) -> str:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return path.read_text()


def test_a_commit_documents_only_the_functions_it_touches(repo: Path, fake: FakeAzure) -> None:
    legacy = repo / "legacy.py"
    written = edit(legacy, "y = x + 3", "y = x * 3") + "\n\ndef added(z):\n    return z\n"
    legacy.write_text(written)
    git(repo, "add", "legacy.py")

    first = commit(repo)

    assert first.returncode != 0
    assert "files were modified by this hook" in first.stdout
    assert (fake.count(), fake.count("f3"), fake.count("added")) == (2, 1, 1)
    assert re.findall(r"def (\w+)\(\w\):\n    \"\"\"", legacy.read_text()) == ["f3", "added"]
    assert DOCSTRING.sub("", legacy.read_text()) == written

    git(repo, "add", "legacy.py")
    second = commit(repo)

    assert second.returncode == 0, second.stdout
    assert fake.count() == 2


def test_commit_all_and_commit_of_a_path_count_what_they_stage(repo: Path, fake: FakeAzure) -> None:
    # git runs the hook with a temporary index (GIT_INDEX_FILE): the staged lines come from it.
    edit(repo / "legacy.py", "y = x + 5", "y = x * 5")
    assert commit(repo, "-a").returncode != 0
    edit(repo / "legacy.py", "y = x + 6", "y = x * 6")
    assert commit(repo, "legacy.py").returncode != 0
    assert (fake.count(), fake.count("f5"), fake.count("f6")) == (2, 1, 1)


def test_unstaged_changes_in_another_function_survive(repo: Path, fake: FakeAzure) -> None:
    legacy = repo / "legacy.py"
    edit(legacy, "y = x + 1", "y = x * 1")
    git(repo, "add", "legacy.py")
    written = edit(legacy, "y = x + 7", "y = x - 7  # not staged")

    result = commit(repo)

    assert result.returncode != 0
    assert (fake.count(), fake.count("f1")) == (1, 1)
    assert DOCSTRING.sub("", legacy.read_text()) == written
    assert 'def f1(x):\n    """' in legacy.read_text()


def test_unstaged_changes_in_the_same_function_survive_and_a_retry_is_free(repo: Path, fake: FakeAzure) -> None:
    legacy = repo / "legacy.py"
    edit(legacy, "return y\n\n\ndef f3", "return -y\n\n\ndef f3")  # f2's last line: staged
    git(repo, "add", "legacy.py")
    written = edit(legacy, "y = x + 2", "y = x - 2  # not staged")  # f2's first line, next to the docstring

    first = commit(repo)

    # pre-commit could not put the unstaged line back over the new docstring: it rolled the docstring back.
    assert first.returncode != 0
    assert "Rolling back fixes" in first.stdout
    assert legacy.read_text() == written
    assert fake.count() == 1

    second = commit(repo)

    assert second.returncode != 0
    assert legacy.read_text() == written
    assert fake.count() == 1  # the cache answered


def test_all_files_documents_every_target(repo: Path, fake: FakeAzure) -> None:
    result = pre_commit(repo, "run", "--all-files")

    assert result.returncode != 0
    assert fake.count() == 10
    assert len(DOCSTRING.findall((repo / "legacy.py").read_text())) == 10
    assert (repo / "documented.py").read_text() == DOCUMENTED


def test_a_commit_touching_only_documented_functions_costs_nothing(repo: Path, fake: FakeAzure) -> None:
    edit(repo / "documented.py", "return x", "return x + 1")
    (repo / "legacy.py").write_text(LEGACY + "\n\n" + DOCUMENTED)
    git(repo, "add", "documented.py", "legacy.py")

    result = commit(repo)

    assert result.returncode == 0, result.stdout
    assert fake.count() == 0


def test_without_credentials_the_commit_fails_naming_the_variables_and_skip(repo: Path) -> None:
    edit(repo / "legacy.py", "y = x + 3", "y = x * 3")
    git(repo, "add", "legacy.py")

    result = commit(repo)

    assert result.returncode != 0
    [line] = [line for line in result.stdout.splitlines() if line.startswith("docstring-hook:")]
    for name in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_DEPLOYMENT", "SKIP=docstring-hook"):
        assert name in line


def test_without_credentials_skip_lets_the_commit_pass(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, GENERATE_HOOK, '[tool.docstring-hook]\non-missing-credentials = "skip"\n')
    written = edit(repo / "legacy.py", "y = x + 3", "y = x * 3")
    git(repo, "add", "legacy.py")

    result = commit(repo)

    assert result.returncode == 0, result.stdout
    assert (repo / "legacy.py").read_text() == written


def test_the_check_hook_reports_only_the_functions_a_commit_touches(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, CHECK_HOOK)
    edit(repo / "legacy.py", "y = x + 3", "y = x * 3")
    git(repo, "add", "legacy.py")

    result = commit(repo)

    assert result.returncode != 0
    assert re.findall(r"^legacy\.py:\d+: \w+: missing docstring$", result.stdout, re.MULTILINE) == [
        "legacy.py:16: f3: missing docstring"
    ]


def test_a_no_op_run_imports_neither_libcst_nor_openai(repo: Path) -> None:
    program = textwrap.dedent(
        """
        import sys
        from docstring_hook.cli import main
        code = main(["documented.py"])
        print(code, sorted(m for m in ("libcst", "openai", "tiktoken") if m in sys.modules))
        """
    )
    edit(repo / "documented.py", "return x", "return x + 1")
    git(repo, "add", "documented.py")

    run = subprocess.run([sys.executable, "-c", program], cwd=repo, capture_output=True, text=True, check=True)

    assert run.stdout == "0 []\n"


def test_the_hook_manifest_is_valid() -> None:
    result = pre_commit(ROOT, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_function_the_server_keeps_failing_is_named_and_the_others_are_written(repo: Path, fake: FakeAzure) -> None:
    fake.script("f4", [Fault.unavailable(retry_after=0)] * 6)
    legacy = repo / "legacy.py"
    edit(legacy, "y = x + 3", "y = x * 3")
    edit(legacy, "y = x + 4", "y = x * 4")
    git(repo, "add", "legacy.py")

    result = commit(repo)

    assert result.returncode != 0
    assert "legacy.py:21: f4: failed (api-error: HTTP 503 after 6 attempts" in result.stdout
    assert re.findall(r"def (\w+)\(\w\):\n    \"\"\"", legacy.read_text()) == ["f3"]
    assert (fake.count("f3"), fake.count("f4")) == (1, 6)


def test_a_refused_key_stops_the_commit_and_writes_nothing(repo: Path, fake: FakeAzure) -> None:
    fake.script_all([Fault.unauthorized()] * 2)
    legacy = repo / "legacy.py"
    staged = edit(legacy, "y = x + 3", "y = x * 3")
    git(repo, "add", "legacy.py")

    result = commit(repo)

    assert result.returncode != 0
    assert "docstring-hook: error: the endpoint refused the credentials (401)" in result.stdout
    assert "Traceback" not in result.stdout
    assert legacy.read_text() == staged


def test_the_check_hook_fails_until_the_generating_hook_has_run(tmp_path: Path, fake: FakeAzure) -> None:
    repo = make_repo(tmp_path, CHECK_HOOK)
    assert pre_commit(repo, "run", "--all-files", "docstring-hook-check").returncode == 1
    subprocess.run([sys.executable, "-m", "docstring_hook", "legacy.py"], cwd=repo, check=False)
    assert pre_commit(repo, "run", "--all-files", "docstring-hook-check").returncode == 0
