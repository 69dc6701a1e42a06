"""Settings: defaults, then `[tool.docstring-hook]` in pyproject.toml, then flags.

Secrets never come from here: endpoints and keys are read from the
environment by the client alone.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docstring_hook.datatypes import Style
from docstring_hook.errors import ConfigError
from docstring_hook.linelength import project_line_length

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    "__pypackages__",
    "site-packages",
    "node_modules",
    "build",
    "dist",
    "_build",
    ".eggs",
)

# Paths whose code is never sent to a model, whatever `never-send` adds.
DEFAULT_NEVER_SEND = ("**/secrets*", "**/*credential*", "**/.env*")

# Decorators that read the function's docstring at run time as data (a
# docopt usage text): a docstring of ours would change what the code does.
DEFAULT_DATA_DOCSTRING_DECORATORS = ("docopt_subcommands.command",)


@dataclass(frozen=True)
class Settings:
    """Everything a run is told, with the documented defaults."""

    style: Style = Style.AUTO  # resolved by `survey` before a run writes or prompts
    line_length: int = 88
    include_types: bool = False
    # Selection policy, named as interrogate names it.
    ignore_init_method: bool = True
    ignore_magic: bool = True
    ignore_private: bool = True
    ignore_semiprivate: bool = False
    ignore_nested_functions: bool = True
    ignore_nested_classes: bool = False
    ignore_overloaded_functions: bool = True
    ignore_setters: bool = True
    ignore_tests: bool = True
    min_statements: int = 0
    include_regex: tuple[str, ...] = ()
    exclude_regex: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extend_default_excludes: bool = True
    skip_generated: bool = True
    # Privacy, and code whose docstring is not documentation.
    never_send: tuple[str, ...] = ()  # added to DEFAULT_NEVER_SEND, never replacing it
    ignore_ply: bool = True
    ignore_stubs: bool = True
    data_docstring_decorators: tuple[str, ...] = DEFAULT_DATA_DOCSTRING_DECORATORS
    # Model side.
    deployment: str | None = None
    model: str = "gpt-4o-mini"
    api_version: str | None = None
    concurrency: int = 8
    workers: int = 0  # processes rewriting or --check scanning files: 0 = as many as cores, for runs with many files
    rpm: int | None = None
    tpm: int | None = None
    timeout: float = 60.0
    max_output_tokens: int = 600
    prompt_budget: int = 6000
    context_budget: int = 1500  # tokens of repository context per request at most; 0 sends none
    order: str = "callees-first"  # or "none": a target's callees in the run are answered before it
    max_file_bytes: int = 1_048_576  # larger files are not sent (LibCST would need gigabytes for them)
    max_functions: int | None = None
    max_tokens: int | None = None
    max_cost: float | None = None
    price_per_million_input: float | None = None
    price_per_million_output: float | None = None
    cache_dir: str | None = None
    no_cache: bool = False
    on_missing_credentials: str = "fail"
    fail_on_undocumented: bool = True
    fail_on_unreadable: bool = True  # --check fails on files it cannot decode or parse
    docs_md_tests: bool = False  # --docs-md shows test modules and setup.py too
    retry_failed: bool = False  # ask again for targets whose replies were refused on an earlier run
    scope: str = "auto"
    # The Batch API (--batch): one-off codemods of large repositories at the batch price.
    batch_waves: int = 0  # callees-first waves submitted one after another: 0 = all of them, 1 = a single batch
    batch_discount: float = 0.5  # the batch price as a fraction of the synchronous one (dry run and max-cost)
    batch_poll_seconds: float = 30.0  # how often a waiting run asks the service about its jobs
    batch_max_requests: int = 50_000  # requests per uploaded file (OpenAI allows 50,000, Azure 100,000)
    batch_max_bytes: int = 100_000_000  # bytes per uploaded file (both services document 200 MB; margin kept)
    # Run mode (command line only).
    check: bool = False
    diff: bool = False
    dry_run: bool = False
    batch: bool = False
    batch_cancel: bool = False
    report: str | None = None
    report_md: str | None = None
    docs_md: str | None = None
    verbosity: int = 0
    root: str = "."

    @property
    def exclude_globs(self) -> tuple[str, ...]:
        """The file globs that exclude paths, defaults included."""
        defaults = DEFAULT_EXCLUDES if self.extend_default_excludes else ()
        return defaults + self.exclude


_CHOICES: Mapping[str, tuple[str, ...]] = {
    "on_missing_credentials": ("fail", "skip"),
    "scope": ("auto", "staged", "all"),
    "order": ("callees-first", "none"),
}
# Zero would never send a request (or wrap a line): a mistake, not a setting.
_AT_LEAST_ONE = frozenset(
    {
        "concurrency",
        "rpm",
        "tpm",
        "line_length",
        "max_output_tokens",
        "prompt_budget",
        "batch_max_requests",
        "batch_max_bytes",
    }
)
_POSITIVE = frozenset({"timeout", "batch_poll_seconds"})
_CLI_ONLY = {"check", "diff", "dry_run", "batch", "batch_cancel", "report", "report_md", "docs_md", "verbosity", "root"}


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start`."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load(start: Path, overrides: Mapping[str, object]) -> Settings:
    """Defaults, overridden by the nearest pyproject.toml, overridden by flags."""
    values: dict[str, object] = {}
    pyproject = find_pyproject(start.resolve())
    document = _read_toml(pyproject) if pyproject is not None else None
    folder = pyproject.parent if pyproject is not None else start.resolve()
    length = project_line_length(folder, document)
    if length is not None:
        values["line_length"] = length
    if pyproject is not None and document is not None:
        values.update(_table(document, pyproject))
        values["root"] = str(pyproject.parent)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return _build(values)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None


def _table(document: Mapping[str, Any], path: Path) -> dict[str, object]:
    table = document.get("tool", {}).get("docstring-hook", {})
    known = {f.name for f in dataclasses.fields(Settings)} - _CLI_ONLY
    values: dict[str, object] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in known:
            raise ConfigError(f"{path}: [tool.docstring-hook]: unknown setting {key!r}")
        values[name] = value
    return values


def _build(values: Mapping[str, object]) -> Settings:
    converted: dict[str, object] = {}
    types = {f.name: f.type for f in dataclasses.fields(Settings)}
    for name, value in values.items():
        converted[name] = _convert(name, str(types[name]), value)
    return Settings(**converted)  # type: ignore[arg-type]


def _convert(name: str, type_name: str, value: object) -> object:
    setting = name.replace("_", "-")
    if name == "style":
        try:
            return Style(str(value))
        except ValueError:
            options = ", ".join(s.value for s in Style)
            raise ConfigError(f"{setting}: {value!r} is not one of {options}") from None
    if name in _CHOICES and value not in _CHOICES[name]:
        raise ConfigError(f"{setting}: {value!r} is not one of {', '.join(_CHOICES[name])}")
    if type_name.startswith("tuple"):
        if isinstance(value, str):
            return (value,)
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ConfigError(f"{setting}: expected a list of strings, got {value!r}")
    if type_name == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{setting}: expected true or false, got {value!r}")
        return value
    if type_name.startswith("int"):
        # Only verbosity goes below 0: `-q` counts down.
        if isinstance(value, bool) or not isinstance(value, int) or (value < 0 and name != "verbosity"):
            raise ConfigError(f"{setting}: expected a whole number >= 0, got {value!r}")
        if name in _AT_LEAST_ONE and value < 1:
            raise ConfigError(f"{setting}: expected a whole number >= 1, got {value!r}")
        return value
    if type_name.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"{setting}: expected a number >= 0, got {value!r}")
        if name in _POSITIVE and value == 0:
            raise ConfigError(f"{setting}: expected a number > 0, got {value!r}")
        if name == "batch_discount" and value > 1:
            raise ConfigError(f"{setting}: expected a fraction between 0 and 1, got {value!r}")
        return float(value)
    if type_name.startswith("str") and not isinstance(value, str):
        raise ConfigError(f"{setting}: expected a string, got {value!r}")
    return value
