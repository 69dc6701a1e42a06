"""The legacy-repository codemod on a stand-in: a copy of the standard library's `email` package.

Dry run, a run stopped by --max-functions, a resumed run, the reports; each
file must come out as the original plus docstrings.
"""

from __future__ import annotations

import json
import shutil
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docstring_hook.cli import main
from tests.conftest import use_azure, without_docstrings
from tests.fake_azure import FakeAzure

KEY = "codemod-test-key"
PACKAGE = Path(sysconfig.get_paths()["stdlib"]) / "email"


@pytest.fixture
def legacy(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, FakeAzure]]:
    shutil.copytree(PACKAGE, project / "email", ignore=shutil.ignore_patterns("__pycache__"))
    with FakeAzure(api_key=KEY) as server:
        use_azure(monkeypatch, server)
        yield project / "email", server


def missing(capsys: pytest.CaptureFixture[str]) -> int:
    main(["--check", "email"])
    return len(capsys.readouterr().out.splitlines())


def report(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def test_dry_run_then_a_budgeted_run_then_a_resume(
    legacy: tuple[Path, FakeAzure], capsys: pytest.CaptureFixture[str]
) -> None:
    package, fake = legacy
    targets = missing(capsys)
    assert targets > 250  # the stand-in is a real legacy package

    assert main(["--dry-run", "email"]) == 0
    assert f"{targets} targets: 0 cached, 0 over budget, {targets} to request" in capsys.readouterr().err
    assert fake.count() == 0

    assert main(["--max-functions", "100", "--report", "first.json", "email"]) == 1 | 4
    first = report("first.json")["totals"]
    assert (first["targets"], first["documented"] + first["failed"], first["skipped"]) == (targets, 100, targets - 100)
    asked_first = fake.count()

    assert main(["--report", "second.json", "--report-md", "second.md", "email"]) & 1
    second = report("second.json")["totals"]
    assert second["targets"] == targets - first["documented"]
    assert second["skipped"] == 0
    assert fake.count() - asked_first == second["requests"]
    assert "| function | status | reason |" in Path("second.md").read_text() or second["failed"] == 0

    assert missing(capsys) == second["failed"]
    for path in sorted(package.rglob("*.py")):
        original = (PACKAGE / path.relative_to(package)).read_text()
        assert without_docstrings(path.read_text()) == without_docstrings(original), path
