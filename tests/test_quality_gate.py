"""End to end: the quality gate with the real openai SDK against the fake Azure server.

A reply naming a helper that exists nowhere gets one repair, then fails
`unknown-name`; a summary that only restates the names gets one repair,
then is accepted and counted; `style = "auto"` writes in the repository's
style and says so in the summary line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from docstring_hook.cli import main
from tests.conftest import write
from tests.fake_azure import FakeAzure, Fault

SOURCE = '''\
def area(width: float, height: float) -> float:
    return width * height


def shout(text):
    return text.upper()
'''
NUMPY_MODULE = '''\
"""Helpers written in the numpy style."""


def one(a):
    """Do one.

    Parameters
    ----------
    a : int
        The a.
    """


def two(b):
    """Do two.

    Parameters
    ----------
    b : int
        The b.
    """


def three(c):
    """Do three.

    Parameters
    ----------
    c : int
        The c.
    """
'''


def area_reply(summary: str) -> str:
    return json.dumps(
        {
            "summary": summary,
            "description": "",
            "params": [
                {"name": "width", "type": None, "description": "The width."},
                {"name": "height", "type": None, "description": "The height."},
            ],
            "returns": {"type": None, "description": "The product."},
            "yields": None,
            "raises": [],
        }
    )


@pytest.fixture
def shapes(project: Path) -> Path:
    write(project / "pyproject.toml", "[project]\nname = 'sample'\n\n[tool.docstring-hook]\ntimeout = 5.0\n")
    return write(project / "shapes.py", SOURCE)


def run(*arguments: str) -> tuple[int, dict[str, Any], str]:
    code = main(["--report", "report.json", "--report-md", "report.md", "--concurrency", "1", *arguments, "shapes.py"])
    return code, json.loads(Path("report.json").read_text()), Path("report.md").read_text()


def entry(report: dict[str, Any], qualname: str) -> dict[str, Any]:
    return next(f for f in report["functions"] if f["qualname"] == qualname)


def test_a_reply_naming_a_helper_that_exists_nowhere_is_repaired_then_fails(fake: FakeAzure, shapes: Path) -> None:
    fake.reply("area", area_reply("Multiply the sides with `_scaled_product_helper`."))
    code, report, page = run()
    assert code & 4  # undocumented
    assert fake.count("area") == 2
    repair = [r for r in fake.requests if r.target == "area"][1].body["messages"][-1]
    assert repair["role"] == "user" and "`_scaled_product_helper` is not defined" in repair["content"]
    found = entry(report, "area")
    assert (found["status"], found["reason"]) == ("failed", "unknown-name")
    assert found["unknown_names"] == ["_scaled_product_helper"] and "_scaled_product_helper" in found["detail"]
    assert (report["totals"]["unknown_names"], report["totals"]["restates"]) == (1, 0)
    assert entry(report, "shout")["unknown_names"] == []
    assert "## Quality" in page and "`_scaled_product_helper`" in page
    assert '"""' not in shapes.read_text().split("def shout")[0]


def test_a_repaired_reply_naming_what_exists_is_written(fake: FakeAzure, shapes: Path) -> None:
    fake.script(
        "area",
        [
            Fault.reply(area_reply("Multiply the sides with `_scaled_product_helper`.")),
            Fault.reply(area_reply("Give the surface of a rectangle, as `width` times `height`.")),
        ],
    )
    _, report, _ = run()
    assert fake.count("area") == 2
    assert (entry(report, "area")["status"], entry(report, "area")["unknown_names"]) == ("documented", [])
    assert "as `width` times `height`" in shapes.read_text()


def test_a_summary_restating_the_names_is_asked_again_once_then_accepted(
    fake: FakeAzure, shapes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.reply("area", area_reply("Compute the area from width and height."))
    _, report, page = run()
    assert fake.count("area") == 2
    repair = [r for r in fake.requests if r.target == "area"][1].body["messages"][-1]["content"]
    assert "say what the function is for" in repair
    found = entry(report, "area")
    assert (found["status"], found["restates"], found["unknown_names"]) == ("documented", True, [])
    assert report["totals"]["restates"] == 1
    assert "Compute the area from width and height." in shapes.read_text()
    assert "1 summaries only restate the names" in capsys.readouterr().err
    assert "| yes |" in page


def test_style_auto_writes_in_the_repository_style_and_says_so(
    fake: FakeAzure, shapes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(shapes.parent / "helpers.py", NUMPY_MODULE)
    _, report, _ = run()
    assert entry(report, "area")["status"] == "documented"
    assert "Parameters\n    ----------" in shapes.read_text()
    assert "style numpy (auto: 3 of 3 docstrings)" in capsys.readouterr().err


def test_style_auto_falls_back_to_google_without_evidence(
    fake: FakeAzure, shapes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run()
    assert "Args:" in shapes.read_text()
    assert "style google (auto: 0 docstrings with more than a line, too few to tell)" in capsys.readouterr().err


def test_an_explicit_style_is_not_surveyed_or_announced(
    fake: FakeAzure, shapes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(shapes.parent / "helpers.py", NUMPY_MODULE)
    run("--style", "sphinx")
    assert ":param width:" in shapes.read_text()
    assert "(auto:" not in capsys.readouterr().err
