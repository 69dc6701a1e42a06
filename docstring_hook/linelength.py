"""The project's line length, as its own formatters and linters read it.

In this order: `[tool.docstring-hook] line-length` (a setting, read with
the others), `[tool.ruff] line-length` in pyproject.toml, `line-length` of
`ruff.toml` or `.ruff.toml`, `[tool.black] line-length`, then
`max-line-length` of flake8 or pycodestyle in `setup.cfg`, `tox.ini` or
`.flake8`. The first that is set wins; without any, 88 (black's and ruff's).
"""

from __future__ import annotations

import configparser
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_INI_FILES = (
    ("setup.cfg", ("flake8", "pycodestyle")),
    ("tox.ini", ("flake8", "pycodestyle")),
    (".flake8", ("flake8",)),
)


def project_line_length(folder: Path, pyproject: Mapping[str, Any] | None) -> int | None:
    """The line length the project's tools use, from the files in `folder`; None when none says."""
    tool = (pyproject or {}).get("tool", {})
    for length in (
        _int(tool.get("ruff", {}).get("line-length")),
        _ruff_toml(folder),
        _int(tool.get("black", {}).get("line-length")),
        _ini(folder),
    ):
        if length is not None:
            return length
    return None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _ruff_toml(folder: Path) -> int | None:
    for name in (".ruff.toml", "ruff.toml"):
        try:
            with (folder / name).open("rb") as stream:
                length = _int(tomllib.load(stream).get("line-length"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if length is not None:
            return length
    return None


def _ini(folder: Path) -> int | None:
    for name, sections in _INI_FILES:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(folder / name, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            continue
        for section in sections:
            value = parser.get(section, "max-line-length", fallback=None) or parser.get(
                section, "max_line_length", fallback=None
            )
            if value is not None and value.strip().isdigit() and int(value) > 0:
                return int(value)
    return None
