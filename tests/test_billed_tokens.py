"""The dry-run's forecast against what the service then bills, end to end over real HTTP."""

from __future__ import annotations

import json
import re
import shutil
import sysconfig
from pathlib import Path

import pytest

from docstring_hook.cli import main
from tests.conftest import use_azure
from tests.fake_azure import FakeAzure


@pytest.mark.parametrize(
    ("package", "model_name"),
    [
        pytest.param("wsgiref", "gpt-4o-2024-08-06", id="wsgiref, o200k_base"),
        pytest.param("email/mime", "gpt-4o-2024-08-06", id="email.mime, o200k_base"),
        pytest.param("wsgiref", "gpt-4-0613", id="wsgiref, cl100k_base"),
    ],
)
def test_the_dry_run_forecasts_the_billed_prompt_tokens(
    package: str,
    model_name: str,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copytree(Path(sysconfig.get_paths()["stdlib"]) / package, project / package)
    # Every request is a first ask: the forecast leaves repairs out, as a run without invalid replies has none.
    model = "gpt-4" if model_name.startswith("gpt-4-") else "gpt-4o"
    with FakeAzure(model_name=model_name) as fake:
        use_azure(monkeypatch, fake)
        assert main(["--dry-run", "--model", model, package]) == 0
        err = capsys.readouterr().err
        found = re.search(r"(\d+) to request; (\d+) prompt tokens \(counted with tiktoken\)", err)
        assert found is not None, err
        to_request, forecast = int(found.group(1)), int(found.group(2))
        assert fake.count() == 0

        assert main(["--no-cache", "--model", model, "--report", "report.json", package]) == 1  # files rewritten
    totals = json.loads(Path("report.json").read_text())["totals"]
    assert to_request > 10 and totals["requests"] == to_request == totals["documented"]
    assert abs(forecast - totals["prompt_tokens"]) <= 0.05 * totals["prompt_tokens"]
