"""Formatted code stays formatted: standard-library packages, black or ruff format, then us.

Copies of a few standard-library packages are formatted with black, or with
ruff format; the real command line then documents them against the fake
Azure server (its plausible docstrings, a few hostile replies first), and the
same formatter's `--check` must still pass on every file. By default a small
sample of packages runs; `--corpus-all` runs more.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import use_azure, without_docstrings
from tests.fake_azure import FakeAzure, Fault

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SAMPLE = ("json", "email/mime", "wsgiref", "sqlite3", "re")
MORE = ("email", "ctypes", "xml", "http", "logging", "concurrent", "urllib", "importlib", "asyncio", "unittest")

# Every definition without a docstring is a target, nested and stub ones included.
SETTINGS = """\
[tool.black]

[tool.docstring-hook]
ignore-init-method = false
ignore-magic = false
ignore-private = false
ignore-nested-functions = false
ignore-overloaded-functions = false
ignore-setters = false
ignore-stubs = false
"""

HOSTILE = (
    {"summary": 'Has """ triple quotes """ and a trailing backslash \\', "description": "def g(): pass\n\n\n"},
    {"summary": 'Ends with a quote"', "description": "    indented\n\tcode\n>>> 1 + 1\n2\n\n\n\n"},
    {"summary": "Tabs\tand trailing spaces   ", "description": "Word " + "x" * 200 + " then short."},
    {"summary": "r'''raw''' and \\N{BULLET} and \\x41.", "description": "# not a comment\nclass C: pass"},
)

# How to format a folder in place, and how to check it, with each formatter.
FORMATTERS = {
    "black": ([sys.executable, "-m", "black", "--quiet"], [sys.executable, "-m", "black", "--check"]),
    "ruff": (
        [sys.executable, "-m", "ruff", "format", "--isolated", "--no-cache", "--quiet"],
        [sys.executable, "-m", "ruff", "format", "--isolated", "--no-cache", "--check"],
    ),
}


def packages(config: pytest.Config) -> list[str]:
    chosen = [*SAMPLE, *MORE] if config.getoption("corpus_all") else list(SAMPLE)
    # `email/mime` goes with `email` when both are chosen.
    return [n for n in chosen if (STDLIB / n).is_dir() and not any(n.startswith(f"{o}/") for o in chosen)]


def formatter(name: str, *, check: bool, cwd: Path) -> subprocess.CompletedProcess[str]:
    pytest.importorskip(name)
    command = FORMATTERS[name][check]
    return subprocess.run([*command, "."], cwd=cwd, capture_output=True, text=True, check=False, timeout=900)


def hostile_reply(fields: dict[str, str]) -> Fault:
    draft = {"params": [], "returns": None, "yields": None, "raises": [], **fields}
    return Fault.reply(json.dumps(draft))


def docstrings(text: str) -> int:
    tree = ast.parse(text)
    nodes = (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))
    return sum(ast.get_docstring(n) is not None for n in nodes)


@pytest.mark.parametrize("name", sorted(FORMATTERS))
def test_formatted_packages_stay_formatted(
    name: str, project: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    (project / "pyproject.toml").write_text(SETTINGS)
    chosen = packages(request.config)
    for package in chosen:
        shutil.copytree(STDLIB / package, project / "src" / package, ignore=shutil.ignore_patterns("__pycache__"))
    source = project / "src"
    formatted = formatter(name, check=False, cwd=source)
    assert formatted.returncode == 0, formatted.stderr
    stable = formatter(name, check=True, cwd=source)
    assert stable.returncode == 0, f"{name} is not stable on the originals:\n{stable.stdout}{stable.stderr}"
    files = sorted(source.rglob("*.py"))
    before = {path: path.read_text(encoding="utf-8") for path in files}

    with FakeAzure() as server:
        use_azure(monkeypatch, server)
        server.script_all(hostile_reply(fields) for fields in HOSTILE)
        run = subprocess.run(
            [sys.executable, "-m", "docstring_hook", "--report", "report.json", "src"],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
    assert run.returncode & 2 == 0, run.stderr
    totals = json.loads((project / "report.json").read_text())["totals"]

    checked = formatter(name, check=True, cwd=source)
    assert checked.returncode == 0, f"{name} would change documented files:\n{checked.stdout}{checked.stderr}"
    added = sum(docstrings(path.read_text(encoding="utf-8")) - docstrings(before[path]) for path in files)
    print(f"{name}: {len(files)} files of {', '.join(chosen)}; report totals {totals}")
    assert added == totals["documented"] > 100, (chosen, totals)
    for path in files:
        assert without_docstrings(path.read_text(encoding="utf-8")) == without_docstrings(before[path]), path


# The linter a project runs right after the hook: pydocstyle's rules in the chosen convention and the line length.
LINT = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--exit-zero", "--output-format", "json"]


def lint(folder: Path, line_length: int) -> list[dict[str, object]]:
    command = [*LINT, "--select", "D,E501", "--line-length", str(line_length)]
    command += ["--config", 'lint.pydocstyle.convention = "google"', "."]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=True, timeout=900)
    return list(json.loads(done.stdout))


def inserted_lines(old: str, new: str) -> dict[int, bool]:
    """The lines of the new text's docstrings that the old text did not have, each with whether its
    definition's body began with a blank line of the user's (kept: the docstring goes above it).

    The rewrite keeps every definition, in order, so the two texts' definitions pair up by position.
    """
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

    def in_order(text: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
        found = [n for n in ast.walk(ast.parse(text)) if isinstance(n, definitions)]
        return sorted(found, key=lambda n: (n.lineno, n.col_offset))

    old_lines = old.splitlines()
    lines: dict[int, bool] = {}
    for before, after in zip(in_order(old), in_order(new), strict=True):
        if ast.get_docstring(before) is None and ast.get_docstring(after) is not None:
            first = before.body[0].lineno
            kept_blank = first - 1 > before.lineno and not old_lines[first - 2].strip()
            statement = after.body[0]
            lines.update(dict.fromkeys(range(statement.lineno, (statement.end_lineno or statement.lineno) + 1), kept_blank))
    return lines


def test_inserted_docstrings_bring_no_new_linter_finding(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "pyproject.toml").write_text(SETTINGS.replace("[tool.black]\n", "[tool.black]\nline-length = 88\n"))
    for package in SAMPLE:
        if (STDLIB / package).is_dir():
            shutil.copytree(STDLIB / package, project / "src" / package, ignore=shutil.ignore_patterns("__pycache__"))
    source = project / "src"
    before = {path: path.read_text(encoding="utf-8") for path in sorted(source.rglob("*.py"))}
    with FakeAzure() as server:
        use_azure(monkeypatch, server)
        server.script_all(hostile_reply(fields) for fields in HOSTILE)
        run = subprocess.run(
            [sys.executable, "-m", "docstring_hook", "src"], cwd=project, capture_output=True, text=True, check=False
        )
    assert run.returncode & 2 == 0, run.stderr
    new_findings = []
    for finding in lint(source, 88):
        path = source / str(finding["filename"]).split("/src/", 1)[-1]
        row = finding["location"]["row"]  # type: ignore[index]
        inserted = inserted_lines(before[path], path.read_text(encoding="utf-8"))
        # The user's blank line opening a body stays (removing it would change a line not ours): D202 there.
        if row in inserted and not (finding["code"] == "D202" and inserted[row]):
            new_findings.append((path.relative_to(source), row, finding["code"], finding["message"]))
    added = sum(len(inserted_lines(text, path.read_text(encoding="utf-8"))) > 0 for path, text in before.items())
    assert added > 10
    assert new_findings == [], "\n".join(map(str, new_findings))
