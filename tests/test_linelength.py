"""Which line length a project uses: table tests over real configuration files."""

from __future__ import annotations

from pathlib import Path

import pytest

from docstring_hook.config import load


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({}, 88, id="nothing set: 88"),
        pytest.param({"pyproject.toml": "[tool.black]\nline-length = 100\n"}, 100, id="black"),
        pytest.param({"pyproject.toml": "[tool.ruff]\nline-length = 110\n[tool.black]\nline-length = 100\n"}, 110, id="ruff before black"),
        pytest.param({"pyproject.toml": "[tool.black]\nline-length = 100\n", "ruff.toml": "line-length = 79\n"}, 79, id="ruff.toml before black"),
        pytest.param({"pyproject.toml": "[project]\nname = 'x'\n", ".ruff.toml": "line-length = 99\n"}, 99, id=".ruff.toml"),
        pytest.param({"pyproject.toml": "[project]\nname = 'x'\n", "setup.cfg": "[flake8]\nmax-line-length = 120\n"}, 120, id="flake8 in setup.cfg"),
        pytest.param({"pyproject.toml": "[project]\nname = 'x'\n", "tox.ini": "[pycodestyle]\nmax_line_length = 72\n"}, 72, id="pycodestyle in tox.ini"),
        pytest.param({"pyproject.toml": "[project]\nname = 'x'\n", ".flake8": "[flake8]\nmax-line-length = 95\n"}, 95, id=".flake8"),
        pytest.param({"pyproject.toml": "[tool.black]\nline-length = 100\n", "setup.cfg": "[flake8]\nmax-line-length = 120\n"}, 100, id="black before flake8"),
        pytest.param(
            {"pyproject.toml": "[tool.docstring-hook]\nline-length = 70\n[tool.ruff]\nline-length = 110\n"}, 70, id="our own setting first"
        ),
        pytest.param({"setup.cfg": "[flake8]\nmax-line-length = 100\n"}, 100, id="no pyproject: the working directory's files"),
    ],
)
def test_the_line_length_comes_from_the_projects_own_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], expected: int
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    assert load(tmp_path, {}).line_length == expected
