from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

from docstring_hook.cli import main
from tests.conftest import write


def test_check_lists_missing_docstrings_and_exits_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "pkg" / "m.py", 'def f():\n    pass\n\n\ndef g():\n    """Doc."""\n\n\nclass C:\n    pass\n')
    assert main(["--check", "pkg"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == ["pkg/m.py:1: f: missing docstring", "pkg/m.py:9: C: missing docstring"]
    assert "1 files, 3 definitions, 1 documented, 2 missing (33.3% coverage)" in err


def test_check_passes_when_everything_is_documented(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "m.py", 'def f():\n    """Doc."""\n')
    assert main(["--check", "m.py"]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--check"], "no PATH given", id="no path"),
        pytest.param([], "no PATH given", id="no path, no flag"),
        pytest.param(["--check", "m.py", "mistyped.py"], "no such file or folder: mistyped.py", id="mistyped path"),
    ],
)
def test_paths_that_name_nothing_are_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    write(project / "m.py", "def f():\n    pass\n")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: docstring-hook") and f"docstring-hook: error: {message}" in err


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--check", "--diff", "m.py"], id="check and diff"),
        pytest.param(["--check", "--dry-run", "m.py"], id="check and dry-run"),
        pytest.param(["--diff", "--show-prompt", "*", "m.py"], id="diff and show-prompt"),
    ],
)
def test_conflicting_modes_are_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    write(project / "m.py", "def f():\n    pass\n")
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_help_names_the_endpoint_variables_the_exit_codes_and_the_settings(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for needed in ("AZURE_OPENAI_ENDPOINT", "OPENAI_BASE_URL", "exit codes", "4 targets left undocumented", "[tool.docstring-hook]"):
        assert needed in out


def test_check_never_writes(project: Path) -> None:
    path = write(project / "m.py", "def f():\n    pass\n")
    main(["--check", "m.py"])
    assert path.read_text() == "def f():\n    pass\n"


def test_bad_files_are_named_and_the_run_goes_on(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "bad.py", "def f(:\n")
    (project / "latin.py").write_bytes(b"x = '\xe9'\n")
    write(project / "good.py", "def g():\n    pass\n")
    assert main(["--check", "bad.py", "latin.py", "good.py"]) == 1
    out, err = capsys.readouterr()
    assert f"bad.py: error: does not parse with Python {platform.python_version()}: invalid syntax (line 1)" in err
    assert "latin.py: error: cannot decode" in err
    assert out == "good.py:1: g: missing docstring\n"


@pytest.mark.parametrize(
    ("table", "code", "verdict"),
    [
        pytest.param("", 1, "error", id="a file that cannot be parsed fails the check"),
        pytest.param("fail-on-unreadable = false", 0, "skipped", id="unless the setting opts out"),
    ],
)
@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the sample is Python 3.12 syntax")
def test_a_file_the_interpreter_cannot_parse_fails_the_check(
    project: Path, capsys: pytest.CaptureFixture[str], table: str, code: int, verdict: str
) -> None:
    (project / "pyproject.toml").write_text(f"[tool.docstring-hook]\n{table}\n")
    write(project / "new_syntax.py", 'def f():\n    """Doc."""\n    return f"{"nested quotes: 3.12"}"\n')
    assert main(["--check", "new_syntax.py"]) == code
    assert f"new_syntax.py: {verdict}: does not parse with Python" in capsys.readouterr().err


def test_settings_come_from_pyproject(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text('[tool.docstring-hook]\nexclude-regex = ["^g$"]\nexclude = ["legacy"]\n')
    write(project / "m.py", "def f():\n    pass\n\n\ndef g():\n    pass\n")
    write(project / "legacy" / "old.py", "def h():\n    pass\n")
    assert main(["--check", "m.py", "legacy/old.py"]) == 1
    assert capsys.readouterr().out == "m.py:1: f: missing docstring\n"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        pytest.param("colour = 1", "unknown setting 'colour'", id="unknown key"),
        pytest.param('style = "fancy"', "style: 'fancy' is not one of auto, google, numpy, sphinx, pep257", id="bad style"),
        pytest.param('ignore-magic = "yes"', "ignore-magic: expected true or false", id="bad bool"),
        pytest.param("concurrency = -1", "concurrency: expected a whole number >= 0", id="negative"),
        pytest.param("concurrency = 0", "concurrency: expected a whole number >= 1", id="no concurrency"),
        pytest.param("rpm = 0", "rpm: expected a whole number >= 1", id="rpm 0"),
        pytest.param("tpm = 0", "tpm: expected a whole number >= 1", id="tpm 0"),
        pytest.param("timeout = 0", "timeout: expected a number > 0", id="timeout 0"),
    ],
)
def test_bad_configuration_is_one_clear_line(
    project: Path, capsys: pytest.CaptureFixture[str], table: str, message: str
) -> None:
    (project / "pyproject.toml").write_text(f"[tool.docstring-hook]\n{table}\n")
    assert main(["--check", "."]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.splitlines()) == 1


def test_generated_files_and_skip_file_pragma_are_passed_over(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "gen.py", "# " + "@generated by protoc\ndef f():\n    pass\n")
    write(project / "skip.py", "# docstring-hook: skip-file\ndef f():\n    pass\n")
    assert main(["--check", "gen.py", "skip.py"]) == 0


def test_check_imports_neither_libcst_nor_openai(project: Path) -> None:
    write(project / "m.py", "def f():\n    pass\n")
    code = (
        "import sys\n"
        "from docstring_hook.cli import main\n"
        "code = main(['--check', 'm.py'])\n"
        "heavy = sorted(m for m in ('libcst', 'openai', 'tiktoken', 'tenacity') if m in sys.modules)\n"
        "print(code, heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "1 []"


def test_module_entry_point(project: Path) -> None:
    write(project / "m.py", "def f():\n    pass\n")
    result = subprocess.run([sys.executable, "-m", "docstring_hook", "--check", "m.py"], check=False, cwd=project, capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (1, "m.py:1: f: missing docstring\n")


@pytest.mark.parametrize("flag", ["--rpm", "--tpm", "--concurrency"])
def test_zero_rates_on_the_command_line_are_one_clear_line(
    project: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    write(project / "m.py", "def f():\n    pass\n")
    assert main([flag, "0", "--dry-run", "m.py"]) == 2
    err = capsys.readouterr().err
    assert f"{flag[2:]}: expected a whole number >= 1, got 0" in err and len(err.splitlines()) == 1


def test_the_offline_tokenizer_warning_is_given_once_per_cache_folder(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import tiktoken

    def offline(name: str) -> tiktoken.Encoding:
        raise ConnectionError("no network")

    monkeypatch.setattr(tiktoken, "get_encoding", offline)  # p50k_base is not shipped: tiktoken would download it
    write(project / "m.py", "def f():\n    pass\n")
    warnings = []
    for flags in ([], [], ["-v"]):
        assert main(["--dry-run", "--model", "text-davinci-003", *flags, "m.py"]) == 0
        warnings.append([line for line in capsys.readouterr().err.splitlines() if "warning:" in line])
    assert [len(w) for w in warnings] == [1, 0, 1]
    assert "TIKTOKEN_CACHE_DIR" in warnings[0][0] and "p50k_base" in warnings[0][0]
