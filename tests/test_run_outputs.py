"""What a run tells its user: --dry-run, --report-md, --docs-md and the progress line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from docstring_hook.cli import main
from docstring_hook.progress import Snapshot, status_line
from tests.conftest import use_azure, write
from tests.fake_azure import FakeAzure, Fault

KEY = "outputs-test-key"
SOURCE = '''\
"""Shapes."""


def area(width, height):
    return width * height


def perimeter(width, height):
    return 2 * (width + height)


def _hidden(x):
    """Private, so not in the API page."""
    return x
'''


@pytest.fixture
def fake(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    write(project / "shapes.py", SOURCE)
    with FakeAzure(api_key=KEY) as server:
        use_azure(monkeypatch, server)
        yield server


def test_dry_run_estimates_without_a_request(fake: FakeAzure, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dry-run", "shapes.py"]) == 0
    out, err = capsys.readouterr()
    assert fake.count() == 0
    assert [re.sub(r"\d+ prompt", "N prompt", line) for line in out.splitlines()] == [
        "shapes.py:4: area: N prompt tokens",
        "shapes.py:8: perimeter: N prompt tokens",
    ]
    assert "2 targets: 0 cached, 0 over budget, 2 to request" in err
    assert "at most 1200 output tokens (2 x max-output-tokens 600)" in err
    assert Path("shapes.py").read_text() == SOURCE


def test_dry_run_needs_no_credentials(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "shapes.py", SOURCE)
    assert main(["--dry-run", "shapes.py"]) == 0
    assert "2 to request" in capsys.readouterr().err


def test_dry_run_counts_cached_answers_and_prices(fake: FakeAzure, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--diff", "--max-functions", "1", "shapes.py"])
    capsys.readouterr()
    write(Path("pyproject.toml"), "[tool.docstring-hook]\nprice-per-million-input = 1.0\nprice-per-million-output = 2.0\n")
    main(["--dry-run", "shapes.py"])
    out, err = capsys.readouterr()
    prompt_tokens = sum(int(n) for n in re.findall(r"(\d+) prompt tokens", out))
    assert "2 targets: 1 cached, 0 over budget, 1 to request" in err
    low, high = (float(x) for x in re.search(r"cost between ([\d.]+) and ([\d.]+)", err).groups())
    cached_tokens = int(re.search(r"(\d+) prompt tokens, cached", out).group(1))
    assert low == pytest.approx(round((prompt_tokens - cached_tokens) / 1e6, 4))
    assert high == pytest.approx(round(low + 600 * 2 / 1e6, 4))


def test_markdown_report_lists_totals_failures_and_documented_functions(fake: FakeAzure) -> None:
    fake.script("perimeter", [Fault.prompt_filtered()])
    main(["--report-md", "report.md", "shapes.py"])
    page = Path("report.md").read_text()
    assert "| 2 | 1 | 0 | 0 | 1 | 2 |" in page
    assert "| retries | waited s | duration s | cost |" in page
    row = next(line for line in page.splitlines() if line.startswith("| 2 | 1 |"))
    assert float(row.split("|")[-3]) > 0  # the run's duration
    assert "| `shapes.py:8` `perimeter` | failed | content-filter: the prompt was refused by the content filter |" in page
    assert "- `shapes.py`: `area`" in page


def test_docs_page_shows_the_documented_public_api(fake: FakeAzure) -> None:
    main(["--docs-md", "api.md", "shapes.py"])
    page = Path("api.md").read_text()
    assert page.startswith("# API\n\n## `shapes.py`\n\nShapes.\n\n### `area`\n\n```python\ndef area(width, height)\n```\n")
    assert "### `perimeter`" in page
    assert "_hidden" not in page


@pytest.mark.parametrize(
    ("snapshot", "line"),
    [
        (Snapshot(10, 0, 0, 0, 0, 2, 0, 0.0), "0/10 targets | 0 documented | 0 cached | 0 failed | 2 in flight | 0 tokens"),
        (
            Snapshot(10, 4, 2, 2, 0, 1, 900, 2.0),
            "4/10 targets | 2 documented | 2 cached | 0 failed | 1 in flight | 900 tokens | 1.0/s, ETA 0m06s",
        ),
        (
            Snapshot(40000, 1000, 1000, 0, 0, 8, 10**6, 500.0),
            "1000/40000 targets | 1000 documented | 0 cached | 0 failed | 8 in flight | 1000000 tokens | 2.0/s, ETA 5h25m",
        ),
    ],
)
def test_progress_line(snapshot: Snapshot, line: str) -> None:
    assert status_line(snapshot) == line


def test_masked_secrets_are_counted_in_the_report(fake: FakeAzure, capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("login.py"), 'def login(user):\n    return connect(user, password="hunter2-Xk9#pQ7z")\n')
    main(["--report", "r.json", "login.py"])
    report = json.loads(Path("r.json").read_text())
    assert [f["redactions"] for f in report["functions"]] == [1]
    assert report["totals"]["redactions"] == 1
    assert "1 secret-looking values masked" in capsys.readouterr().err
    assert "hunter2" not in json.dumps([r.body for r in fake.requests])


def test_dry_run_counts_never_send_targets_apart(fake: FakeAzure, capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("secrets.py"), "def token():\n    return 1\n")
    main(["--dry-run", "shapes.py", "secrets.py"])
    assert "3 targets: 0 cached, 0 over budget, 1 never-send, 2 to request" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "lines"),
    [
        ([], ["shapes.py:8: perimeter: failed (content-filter: the prompt was refused by the content filter)"]),
        (["-v"], ["shapes.py:4: area: documented", "shapes.py:8: perimeter: failed (content-filter: the prompt was refused by the content filter)"]),
        (["-qq"], []),
    ],
    ids=["default", "verbose", "very-quiet"],
)
def test_verbosity_decides_the_per_function_lines(
    fake: FakeAzure, capsys: pytest.CaptureFixture[str], flags: list[str], lines: list[str]
) -> None:
    fake.script("perimeter", [Fault.prompt_filtered()])
    main([*flags, "--diff", "shapes.py"])
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.startswith("shapes.py:")] == lines
    assert ("targets:" in err) is (flags != ["-qq"])
